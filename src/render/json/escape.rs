//! JSON string escaping with serde_json's exact output: `"` and `\` backslashed,
//! `\b \f \n \r \t` short, other control characters below 0x20 as `\u00xx`;
//! `/`, DEL and non-ASCII left as they are.
//!
//! serde_json looks up every byte in a table; rule prose is long and almost never
//! needs escaping, so here eight bytes are tested at once (SWAR) and clean runs are
//! copied whole.

/// Eight bytes per word; the word is read little-endian so that byte `i` of the
/// input is byte `i` of the word, counting from the low end.
const WORD: usize = 8;
const ONES: u64 = u64::from_le_bytes([0x01; WORD]);
const HIGHS: u64 = ONES * 0x80;

/// Writes `s` as a quoted JSON string.
pub(super) fn write_str(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let mut rest = s.as_bytes();
    loop {
        let plain = plain_prefix(rest);
        out.extend_from_slice(&rest[..plain]);
        let Some((&byte, tail)) = rest[plain..].split_first() else {
            break;
        };
        write_escape(out, byte);
        rest = tail;
    }
    out.push(b'"');
}

/// Length of the longest prefix of `bytes` that needs no escaping.
fn plain_prefix(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(WORD);
    let mut checked = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("chunk of WORD bytes"));
        if let Some(i) = first_escape(word) {
            return checked + i;
        }
        checked += WORD;
    }
    // The short tail is padded with spaces, which never need escaping, so it takes
    // the same word test instead of a byte loop.
    let tail = chunks.remainder();
    let mut padded = [b' '; WORD];
    padded[..tail.len()].copy_from_slice(tail);
    checked + first_escape(u64::from_le_bytes(padded)).unwrap_or(tail.len())
}

/// Index of the first byte of `word` that needs escaping.
///
/// `x - ONES * k` (k <= 0x80) sets the high bit of every byte below `k`, and of
/// bytes >= 0x80 + k, which `& !word` drops (XOR with an ASCII byte keeps the high
/// bit, so `!word` serves all three tests). A borrow can only flag bytes above a
/// true hit, so the lowest flagged byte is always a real one.
fn first_escape(word: u64) -> Option<usize> {
    let control = word.wrapping_sub(ONES * 0x20);
    let quote = (word ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES);
    let backslash = (word ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES);
    let hits = (control | quote | backslash) & !word & HIGHS;
    (hits != 0).then(|| hits.trailing_zeros() as usize / 8)
}

fn write_escape(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x0c => b'f',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        _ => {
            let hex = [HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]];
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hex[0], hex[1]]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

#[cfg(test)]
mod tests {
    use super::write_str;

    fn escaped(s: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, s);
        String::from_utf8(out).expect("escaping keeps UTF-8")
    }

    /// Every ASCII byte, and a non-ASCII character, at every offset of words and
    /// tails, between plain bytes and next to another escape.
    #[test]
    fn every_ascii_byte_at_every_offset_matches_serde_json() {
        let specials = (0..=0x7f_u8).map(char::from).chain(['é', '€', '😀']);
        for c in specials {
            for before in 0..=17 {
                for after in [0, 1, 7, 8, 9] {
                    for s in [
                        format!("{}{c}{}", "a".repeat(before), "b".repeat(after)),
                        format!("{}{c}\"{}", "a".repeat(before), "b".repeat(after)),
                    ] {
                        let expected = serde_json::to_string(&s).unwrap();
                        assert_eq!(escaped(&s), expected, "{s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn empty_string() {
        assert_eq!(escaped(""), "\"\"");
    }
}
