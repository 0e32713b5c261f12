//! The raw HTTP/1-style header block (`HTTP/1.1 403 Forbidden`, `Name: value`…, blank
//! line) that every client prints in some form, and the `http` format built on it:
//! `curl -i`, `curl -D -`, HTTPie/xh `--print=hb`.

use crate::response::{Body, Headers, Note, Request, Response};

use super::ReadError;
use super::decode;
use super::lines::{Line, lines_from, text, trim};
use super::progress;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatusLine {
    /// `HTTP/1.1`, `HTTP/2`… (`HTTP/2.0` from xh is written `HTTP/2`).
    pub version: String,
    pub status: u16,
    pub reason: Option<String>,
}

impl StatusLine {
    /// The response this status line starts.
    pub(crate) fn into_response(
        self,
        headers: Headers,
        body: Body,
        request: Option<Request>,
        notes: Vec<Note>,
    ) -> Response {
        Response {
            status: Some(self.status),
            reason: self.reason,
            http_version: Some(self.version),
            headers,
            body,
            request,
            notes,
            ..Response::default()
        }
    }
}

/// `HTTP/1.1 403 Forbidden`, `HTTP/2 403 ` (h2 has no reason), `HTTP/2.0 403 Forbidden`.
pub(crate) fn status_line(line: &[u8]) -> Option<StatusLine> {
    let rest = line.strip_prefix(b"HTTP/")?;
    let sp = rest.iter().position(|b| *b == b' ')?;
    let version = match &rest[..sp] {
        [major @ b'0'..=b'9'] | [major @ b'2'..=b'3', b'.', b'0'] => (*major as char).to_string(),
        [major @ b'0'..=b'9', b'.', minor @ b'0'..=b'9'] => {
            format!("{}.{}", *major as char, *minor as char)
        }
        _ => return None,
    };
    let after = rest[sp..].trim_ascii_start();
    let (code, reason) = match after {
        [a, b, c] => ([*a, *b, *c], &[][..]),
        [a, b, c, b' ', reason @ ..] => ([*a, *b, *c], reason),
        _ => return None,
    };
    let status = parse_code(code)?;
    let reason = trim(reason);
    Some(StatusLine {
        version: format!("HTTP/{version}"),
        status,
        reason: (!reason.is_empty()).then(|| text(reason)),
    })
}

fn parse_code(code: [u8; 3]) -> Option<u16> {
    if !code.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = code.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    (100..=999).contains(&n).then_some(n)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestLine {
    pub method: String,
    /// As written: a path (`/v1/x?y`) or, through a proxy, a full URL.
    pub target: String,
}

/// `POST /path HTTP/1.1`, as HTTPie, xh and curl `-v` print the request.
pub(crate) fn request_line(line: &[u8]) -> Option<RequestLine> {
    let mut parts = line.split(|b| *b == b' ').filter(|p| !p.is_empty());
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let method_ok = !method.is_empty() && method.iter().all(u8::is_ascii_uppercase);
    let target_ok = target.starts_with(b"/") || target.contains(&b':') || target == b"*";
    (method_ok && target_ok && version.starts_with(b"HTTP/") && parts.next().is_none()).then(|| {
        RequestLine {
            method: text(method),
            target: text(target),
        }
    })
}

/// `Name: value`; the name must be a token, which tells a header from a body line.
pub(crate) fn header_line(line: &[u8]) -> Option<(String, String)> {
    let colon = line.iter().position(|b| *b == b':')?;
    let name = &line[..colon];
    let token = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b);
    if name.is_empty() || !name.iter().all(token) {
        return None;
    }
    Some((text(name), text(trim(&line[colon + 1..]))))
}

/// Header lines from `from` up to the blank line. Returns the headers and the offset the
/// body starts at: after the blank line, or at the first line that is not a header
/// (pasted output often loses the blank line).
pub(crate) fn header_block(input: &[u8], from: usize) -> (Headers, usize) {
    let mut headers = Headers::new();
    for line in lines_from(input, from) {
        if line.text.is_empty() {
            return (headers, line.next);
        }
        if matches!(line.text[0], b' ' | b'\t') && !headers.is_empty() {
            fold_into_last(&mut headers, line.text);
            continue;
        }
        match header_line(line.text) {
            Some((name, value)) => headers.push(name, value),
            None => return (headers, line.start),
        }
    }
    (headers, input.len())
}

/// obs-fold: a continuation line extends the previous header's value.
pub(crate) fn fold_into_last(headers: &mut Headers, line: &[u8]) {
    if let Some((_, value)) = headers.0.last_mut() {
        value.push(' ');
        value.push_str(&String::from_utf8_lossy(trim(line)));
    }
}

/// The first line from `from` that is a status line, skipping anything before it
/// (`curl: (22) …`, the progress meter of `curl -i … 2>&1`).
pub(crate) fn find_status_line(input: &[u8], from: usize) -> Option<(Line<'_>, StatusLine)> {
    lines_from(input, from).find_map(|line| {
        let t = progress::strip(line.text)?;
        status_line(t).map(|s| (line, s))
    })
}

pub(crate) fn read(input: &[u8]) -> Result<Response, ReadError> {
    let (line, status) = find_status_line(input, 0).ok_or_else(|| {
        ReadError::at(
            1,
            "no HTTP status line (like `HTTP/1.1 403 Forbidden`) found",
        )
    })?;
    Ok(read_from(input, line.next, status))
}

/// Read header blocks from just after the status line `status`; each further block that
/// follows directly (`100 Continue`, a proxy's `200 Connection established`, the hops of
/// `curl -L -i`) replaces the previous one, and the body follows the final block.
pub(crate) fn read_from(input: &[u8], after_status: usize, status: StatusLine) -> Response {
    let mut notes = Vec::new();
    let (mut status, mut at) = (status, after_status);
    loop {
        let (headers, end) = header_block(input, at);
        match next_block(input, end) {
            Some((line, next)) => {
                note_earlier(&status, &headers, &mut notes);
                (status, at) = (next, line.next);
            }
            None => {
                let body = decode::body(&headers, &input[end..], &mut notes);
                return Response {
                    status: Some(status.status),
                    reason: status.reason,
                    http_version: Some(status.version),
                    headers,
                    body,
                    notes,
                    ..Response::default()
                };
            }
        }
    }
}

/// A status line right at `at`, or after blank lines only.
fn next_block(input: &[u8], at: usize) -> Option<(Line<'_>, StatusLine)> {
    let line = lines_from(input, at).find(|l| !l.text.is_empty())?;
    status_line(line.text).map(|s| (line, s))
}

/// Redirect hops matter to a diagnosis (a POST turned into a GET, http→https); interim
/// 1xx responses and a proxy's tunnel reply do not.
pub(crate) fn note_earlier(status: &StatusLine, headers: &Headers, notes: &mut Vec<Note>) {
    if status.status < 200 || is_tunnel(status) {
        return;
    }
    let location = headers
        .get("location")
        .map(|l| format!(" (Location: {l})"))
        .unwrap_or_default();
    notes.push(Note::Other(format!(
        "an earlier response in the input: {} {}{location}",
        status.version, status.status
    )));
}

fn is_tunnel(status: &StatusLine) -> bool {
    status.status == 200
        && status
            .reason
            .as_deref()
            .is_some_and(|r| r.to_ascii_lowercase().contains("connection established"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        let s = status_line(b"HTTP/2 403 ").unwrap();
        assert_eq!(
            (s.version.as_str(), s.status, s.reason),
            ("HTTP/2", 403, None)
        );
        let s = status_line(b"HTTP/2.0 403 Forbidden").unwrap();
        assert_eq!(s.version, "HTTP/2");
        assert_eq!(s.reason.as_deref(), Some("Forbidden"));
        let s = status_line(b"HTTP/1.1 422 Unprocessable Entity").unwrap();
        assert_eq!(s.version, "HTTP/1.1");
        assert!(status_line(b"HTTP/1.1 42 x").is_none());
        assert!(status_line(b"HTTP/1.1 4033").is_none());
        assert!(status_line(b"HTTP/x 403").is_none());
        assert!(status_line(b"HTTP/1.1").is_none());
    }

    #[test]
    fn request_lines() {
        let r = request_line(b"POST /a?b=1 HTTP/1.1").unwrap();
        assert_eq!((r.method.as_str(), r.target.as_str()), ("POST", "/a?b=1"));
        assert!(request_line(b"Hello world HTTP/1.1").is_none());
        assert!(request_line(b"GET /a").is_none());
    }

    #[test]
    fn obs_fold_and_missing_blank_line() {
        let input = b"X-A: one\r\n  two\r\nX-B: 3\r\n{\"a\":1}";
        let (h, end) = header_block(input, 0);
        assert_eq!(h.get("x-a"), Some("one two"));
        assert_eq!(&input[end..], b"{\"a\":1}");
    }

    #[test]
    fn lf_and_crlf_read_the_same() {
        let crlf = read(b"HTTP/1.1 404 Not Found\r\nA: b\r\n\r\nbody").unwrap();
        let lf = read(b"HTTP/1.1 404 Not Found\nA: b\n\nbody").unwrap();
        assert_eq!(crlf, lf);
        assert_eq!(lf.body.bytes(), b"body");
    }
}
