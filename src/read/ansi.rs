//! ANSI escape removal for HTTPie/xh `--pretty=all|colors` output.

const ESC: u8 = 0x1b;

/// Whether the first line carries an SGR colour (`ESC [ digits;… m`): coloured clients
/// colour the status, request or first body line. Raw gzip (which may hold any bytes) is
/// excluded by its magic, as stripping would corrupt it.
pub(crate) fn first_line_is_coloured(input: &[u8]) -> bool {
    if input.starts_with(b"\x1f\x8b") {
        return false;
    }
    let end = memchr::memchr(b'\n', input).unwrap_or(input.len());
    memchr::memmem::find_iter(&input[..end], b"\x1b[").any(|i| is_sgr(&input[i + 2..end]))
}

fn is_sgr(params: &[u8]) -> bool {
    let n = params
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b';')
        .count();
    params.get(n) == Some(&b'm')
}

/// Remove CSI sequences (`ESC [ params final`), which covers SGR colours and the
/// occasional cursor or erase code; a lone ESC is dropped too.
pub(crate) fn strip(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input;
    while let Some(i) = memchr::memchr(ESC, rest) {
        out.extend_from_slice(&rest[..i]);
        rest = skip_escape(&rest[i + 1..]);
    }
    out.extend_from_slice(rest);
    out
}

/// `after` starts just past an ESC; return what follows the whole sequence.
fn skip_escape(after: &[u8]) -> &[u8] {
    let Some(params) = after.strip_prefix(b"[") else {
        return after;
    };
    // Parameter and intermediate bytes are 0x20..=0x3F; the final byte is 0x40..=0x7E.
    match params.iter().position(|b| !(0x20..=0x3f).contains(b)) {
        Some(i) if (0x40..=0x7e).contains(&params[i]) => &params[i + 1..],
        Some(i) => &params[i..],
        None => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_httpie_and_xh_colours() {
        assert_eq!(
            strip(b"\x1b[34mHTTP\x1b[39;49;00m/\x1b[34m1.1\x1b[39;49;00m"),
            b"HTTP/1.1"
        );
        assert_eq!(strip(b"\x1b[0m\x1b[38;5;12m\"\x1b[0m}"), b"\"}");
        assert_eq!(strip(b"a\x1b[12"), b"a");
        assert_eq!(strip(b"plain"), b"plain");
    }

    #[test]
    fn colour_only_counts_on_the_first_line() {
        assert!(first_line_is_coloured(b"\x1b[34mHTTP\n"));
        assert!(!first_line_is_coloured(b"HTTP/1.1 200 OK\n\x1b[34m"));
        assert!(!first_line_is_coloured(b"\x1f\x8b\x1b[34m"));
        assert!(!first_line_is_coloured(b"a\x1b[x"));
    }
}
