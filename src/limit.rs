//! Bounds on what a response can put in a diagnosis, so that output stays the size
//! of a diagnosis whatever the server sent: a 60 MB `message` or a million
//! validation entries would otherwise be copied into every output form, JSON
//! included. The README documents these numbers under "Output".

use std::borrow::Cow;

/// Bytes of one string from the input kept in a diagnosis; the rest is cut and
/// the cut said (`… (59 MiB more)`). An error message is far shorter.
pub const MAX_TEXT: usize = 1024;

/// Field problems of a validation error listed; the rest are counted.
pub const MAX_FIELDS: usize = 50;

/// Bytes masked beyond [`MAX_TEXT`] before cutting: masking the whole of a huge
/// string would cost seconds, while a secret that starts before the cut is far
/// shorter than this, so it is still masked whole.
const MASK_MARGIN: usize = 64 << 10;

/// `text` from the input as a diagnosis may hold it: masked by `mask`, then cut to
/// [`MAX_TEXT`] bytes with what was cut said at the end. Owned text that needs
/// neither is handed back without a copy.
pub fn bounded(text: Cow<'_, str>, mask: fn(&str) -> Cow<'_, str>) -> String {
    let head = floor_char_boundary(&text, MAX_TEXT + MASK_MARGIN);
    let changed = match mask(&text[..head]) {
        Cow::Borrowed(_) => None,
        Cow::Owned(masked) => Some(masked),
    };
    let beyond = text.len() - head;
    let masked = changed.unwrap_or_else(|| {
        let mut kept = text.into_owned();
        kept.truncate(head);
        kept
    });
    cut(masked, beyond)
}

/// `text` cut to [`MAX_TEXT`] bytes, saying how much went, with `beyond` bytes
/// already dropped after it.
fn cut(mut text: String, beyond: usize) -> String {
    let kept = floor_char_boundary(&text, MAX_TEXT);
    let more = text.len() - kept + beyond;
    if more > 0 {
        text.truncate(kept);
        text.push_str(&format!("… ({} more)", size(more)));
    }
    text
}

/// The largest index up to `max` that is a char boundary of `text`.
fn floor_char_boundary(text: &str, max: usize) -> usize {
    if max >= text.len() {
        return text.len();
    }
    (0..=max)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// `1 byte`, `512 bytes`, `3 KiB`, `59 MiB`, rounded to the nearest unit.
fn size(bytes: usize) -> String {
    match bytes {
        1 => "1 byte".into(),
        0..1024 => format!("{bytes} bytes"),
        1024..0x10_0000 => format!("{} KiB", (bytes + 512) >> 10),
        _ => format!("{} MiB", (bytes + (1 << 19)) >> 20),
    }
}

/// `text` on one line (whitespace runs collapsed), cut after its first sentence when
/// that is longer than `max` characters, and at a word with `…` past `max`.
pub fn one_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    if let Some(end) = flat.find(". ").map(|i| i + 1)
        && flat[..end].chars().count() <= max
    {
        return flat[..end].to_string();
    }
    let cut: String = flat.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => &cut,
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Cow<'_, str> {
        Cow::Borrowed(text)
    }

    fn bounded(text: &str, mask: fn(&str) -> Cow<'_, str>) -> String {
        super::bounded(text.into(), mask)
    }

    #[test]
    fn short_text_is_kept_and_long_text_cut_with_its_size() {
        assert_eq!(bounded("short", plain), "short");
        let exact = "a".repeat(MAX_TEXT);
        assert_eq!(bounded(&exact, plain), exact);
        let over = "a".repeat(MAX_TEXT + 3);
        assert_eq!(
            bounded(&over, plain),
            format!("{}… (3 bytes more)", "a".repeat(MAX_TEXT))
        );
        let huge = "a".repeat(60 << 20);
        assert_eq!(
            bounded(&huge, plain),
            format!("{}… (60 MiB more)", "a".repeat(MAX_TEXT))
        );
    }

    #[test]
    fn the_cut_falls_between_characters() {
        let text = format!("{}é and more", "a".repeat(MAX_TEXT - 1));
        assert_eq!(
            bounded(&text, plain),
            format!("{}… (11 bytes more)", "a".repeat(MAX_TEXT - 1))
        );
    }

    #[test]
    fn masking_comes_before_the_cut() {
        let text = format!("{} sk_live_0123456789abcdef", "a".repeat(MAX_TEXT - 4));
        let out = bounded(&text, crate::mask::mask_text);
        assert!(!out.contains("sk_live_0123"), "{out}");
    }

    #[test]
    fn sizes() {
        assert_eq!(size(1), "1 byte");
        assert_eq!(size(1023), "1023 bytes");
        assert_eq!(size(1536), "2 KiB");
        assert_eq!(size(59 << 20), "59 MiB");
    }

    #[test]
    fn one_line_keeps_short_text_and_cuts_long_text() {
        assert_eq!(one_line("a\n  b", 10), "a b");
        assert_eq!(one_line("First one. Second one is long.", 12), "First one.");
        assert_eq!(one_line("alpha beta gamma delta", 12), "alpha beta…");
    }
}
