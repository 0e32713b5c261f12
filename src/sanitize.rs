//! Text that came from a server is escaped before it reaches a terminal: control
//! characters (ANSI escapes included), bidi overrides and zero-width characters
//! could otherwise rewrite the screen or hide text.

use std::borrow::Cow;

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}')
}

/// Escape every unsafe character as `\u{…}` (`\n`, `\t` and `\r` as themselves).
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_ansi_bidi_and_zero_width() {
        assert_eq!(sanitize("ok"), "ok");
        assert_eq!(sanitize("\x1b[2Jx"), "\\u{1b}[2Jx");
        assert_eq!(sanitize("a\u{202E}b\u{200B}"), "a\\u{202e}b\\u{200b}");
    }
}
