//! curl's progress meter. Without `-s`, `curl -v … 2>&1` (and `curl -i … 2>&1`) mixes
//! the meter into the transcript: two header lines, then `\r`-separated updates that
//! share a line with the next real output (`\r  0 … 0*   Trying 127.0.0.1…`).

/// The line without its progress-meter part; `None` when nothing else is on it.
pub(crate) fn strip(line: &[u8]) -> Option<&[u8]> {
    if is_meter_heading(line) {
        return None;
    }
    let mut rest = line;
    while let Some(after) = rest.strip_prefix(b"\r") {
        let n = after.iter().take_while(|b| is_meter_byte(**b)).count();
        rest = &after[n..];
    }
    (!rest.is_empty()).then_some(rest)
}

fn is_meter_heading(line: &[u8]) -> bool {
    line.starts_with(b"  % Total ") || line.trim_ascii_start().starts_with(b"Dload  Upload")
}

/// Counts (`170`), rates (`163k`, `1.2M`) and times (`--:--:--`, `0:00:01`).
fn is_meter_byte(b: u8) -> bool {
    b.is_ascii_digit()
        || matches!(
            b,
            b' ' | b'.' | b':' | b'-' | b'k' | b'M' | b'G' | b'T' | b'P'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_is_removed_and_glued_text_kept() {
        let line = b"\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0*   Trying 127.0.0.1:37795...";
        assert_eq!(strip(line), Some(&b"*   Trying 127.0.0.1:37795..."[..]));
        let line = b"\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0\r100   170  100   170    0     0   163k      0 --:--:-- --:--:-- --:--:--  166k";
        assert_eq!(strip(line), None);
        assert_eq!(
            strip(b"  % Total    % Received % Xferd  Average Speed"),
            None
        );
        assert_eq!(strip(b"< HTTP/1.1 200 OK"), Some(&b"< HTTP/1.1 200 OK"[..]));
    }
}
