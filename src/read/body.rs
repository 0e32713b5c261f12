//! The body alone, as `curl -s` prints it, possibly followed by the status code that
//! `-w '\n%{http_code}\n'` appends.

use crate::response::{Headers, Note, Response};

use super::decode;

pub(crate) fn read(input: &[u8]) -> Response {
    let mut notes = Vec::new();
    let (body, status) = split_http_code(input);
    if status.is_some() {
        notes.push(Note::StatusFrom("curl's trailing %{http_code}".to_owned()));
    }
    let body = decode::body(&Headers::new(), body, &mut notes);
    Response {
        status,
        body,
        notes,
        ..Response::default()
    }
}

/// Split off a trailing status code written by curl's `-w`:
/// - `BODY\nNNN\n` / `BODY\nNNN` (`-w '\n%{http_code}\n'`): the code and the `\n` curl
///   put before it are removed; `\n401\n` is a 401 with an empty body;
/// - `{…}NNN` (`-w '%{http_code}'` glued to a JSON body): only when what precedes the
///   digits is complete JSON, so a text body ending in digits is left alone;
/// - `NNN` or `NNN\n` as the WHOLE input is read as a code with an empty body: it is
///   what `curl -s -o /dev/null -w '%{http_code}'` prints, whereas an API answering
///   with a body of nothing but a status number is far rarer (and then means the same).
///
/// A text body whose last line is a bare 3-digit number is indistinguishable from the
/// first form and is read as one.
fn split_http_code(input: &[u8]) -> (&[u8], Option<u16>) {
    let unterminated = input.strip_suffix(b"\n").unwrap_or(input);
    let unterminated = unterminated.strip_suffix(b"\r").unwrap_or(unterminated);
    let Some(split) = unterminated.len().checked_sub(3) else {
        return (input, None);
    };
    let (head, code) = unterminated.split_at(split);
    let Some(status) = http_code(code) else {
        return (input, None);
    };
    match head {
        [] => (head, Some(status)),
        [rest @ .., b'\n'] => (rest, Some(status)),
        [.., b'}' | b']'] if serde_json::from_slice::<serde::de::IgnoredAny>(head).is_ok() => {
            (head, Some(status))
        }
        _ => (input, None),
    }
}

fn http_code(code: &[u8]) -> Option<u16> {
    if code.len() != 3 || !code.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = code.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    (100..=599).contains(&n).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_codes() {
        assert_eq!(split_http_code(b"{}\n403\n"), (&b"{}"[..], Some(403)));
        assert_eq!(split_http_code(b"\n401\n"), (&b""[..], Some(401)));
        assert_eq!(
            split_http_code(b"<p>\r\n\n500\n"),
            (&b"<p>\r\n"[..], Some(500))
        );
        assert_eq!(
            split_http_code(b"{\"a\":1}429"),
            (&b"{\"a\":1}"[..], Some(429))
        );
        assert_eq!(split_http_code(b"404\n"), (&b""[..], Some(404)));
        assert_eq!(split_http_code(b"{}\n999\n"), (&b"{}\n999\n"[..], None));
        assert_eq!(split_http_code(b"error 500"), (&b"error 500"[..], None));
        assert_eq!(split_http_code(b"{\"a\":1"), (&b"{\"a\":1"[..], None));
        assert_eq!(split_http_code(b"[1,2"), (&b"[1,2"[..], None));
    }
}
