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
    read_chain(input, after_status, status).0
}

/// [`read_from`], also following the exchanges that HTTPie `--follow --all` and xh
/// `--follow --all` print after a redirect's body: the next response (glued to a body
/// without a trailing newline under `--print=hb`) or, under `-v`, the next request and
/// its response. Returns the final response and, when the chain showed one, the request
/// that the final response answers.
pub(crate) fn read_chain(
    input: &[u8],
    after_status: usize,
    status: StatusLine,
) -> (Response, Option<(RequestLine, Headers)>) {
    let mut chain = Chain::default();
    let mut request = None;
    let mut notes = Vec::new();
    let (mut status, mut at) = (status, after_status);
    loop {
        let (headers, end) = header_block(input, at);
        if let Some((line, next)) = next_block(input, end) {
            chain.earlier(&status, &headers);
            (status, at) = (next, line.next);
            continue;
        }
        let mut body_end = input.len();
        if is_redirect(&status, &headers) {
            match next_exchange(input, end) {
                Some(Next::Response(line, next)) => {
                    chain.earlier(&status, &headers);
                    (status, at) = (next, line.next);
                    continue;
                }
                Some(Next::Request(line, rl)) => {
                    let (sent, sent_end) = header_block(input, line.next);
                    if let Some((status_at, next)) = find_status_line(input, sent_end) {
                        chain.earlier(&status, &headers);
                        request = Some((rl, sent));
                        (status, at) = (next, status_at.next);
                        continue;
                    }
                    notes.push(Note::Other(format!(
                        "the client followed the redirect (it sent {} {}), but the input shows no response to that request",
                        rl.method, rl.target
                    )));
                    body_end = line.start;
                }
                None => {}
            }
        }
        chain.note(&mut notes);
        let body = decode::body(&headers, &input[end..body_end], &mut notes);
        let response = status.into_response(headers, body, None, notes);
        return (response, request);
    }
}

/// A status line right at `at`, or after blank lines only.
fn next_block(input: &[u8], at: usize) -> Option<(Line<'_>, StatusLine)> {
    let line = lines_from(input, at).find(|l| !l.text.is_empty())?;
    status_line(line.text).map(|s| (line, s))
}

/// A response that sends the client on: 3xx with a `Location`.
fn is_redirect(status: &StatusLine, headers: &Headers) -> bool {
    (300..400).contains(&status.status) && headers.get("location").is_some()
}

/// What follows a redirect's body when the client printed the whole chain.
enum Next<'a> {
    /// A status line; its `text` starts at the status line even when it is glued to the
    /// end of the body.
    Response(Line<'a>, StatusLine),
    /// A request line (`-v`): the client's next request.
    Request(Line<'a>, RequestLine),
}

/// The first status or request line from `from` that a header line follows. A status
/// line may also end a line whose start is the previous body: HTTPie prints bodies
/// without adding a newline, and the next response follows on the same line.
fn next_exchange(input: &[u8], from: usize) -> Option<Next<'_>> {
    let headed = |line: &Line| {
        lines_from(input, line.next)
            .next()
            .is_some_and(|l| header_line(l.text).is_some())
    };
    for line in lines_from(input, from) {
        let next = if let Some(s) = status_line(line.text) {
            Next::Response(line, s)
        } else if let Some(r) = request_line(line.text) {
            Next::Request(line, r)
        } else {
            let glued = memchr::memmem::find_iter(line.text, b"HTTP/")
                .find_map(|i| status_line(&line.text[i..]).map(|s| (i, s)));
            let Some((i, s)) = glued else { continue };
            let text = &line.text[i..];
            let start = line.start + i;
            Next::Response(
                Line {
                    text,
                    start,
                    ..line
                },
                s,
            )
        };
        if headed(&line) {
            return Some(next);
        }
    }
    None
}

/// The responses before the final one, told in one note: where each redirect sent the
/// client (`redirected: 301 → /hacktron/scans`). Interim 1xx responses and a proxy's
/// tunnel reply are not worth telling; any other earlier response gets its own note.
#[derive(Debug, Default)]
pub(crate) struct Chain {
    hops: Vec<String>,
    others: Vec<String>,
}

impl Chain {
    /// A response that a later one replaced.
    pub(crate) fn earlier(&mut self, status: &StatusLine, headers: &Headers) {
        if status.status < 200 || is_tunnel(status) {
            return;
        }
        if (300..400).contains(&status.status) {
            self.hop(status.status, headers.get("location"));
        } else {
            self.others.push(format!(
                "an earlier response in the input: {} {}",
                status.version, status.status
            ));
        }
    }

    /// A redirect the client followed, to `location` when the input shows it.
    pub(crate) fn hop(&mut self, status: u16, location: Option<&str>) {
        self.hops.push(match location {
            Some(l) => format!("{status} → {l}"),
            None => format!("{status} (no Location shown)"),
        });
    }

    pub(crate) fn note(self, notes: &mut Vec<Note>) {
        if !self.hops.is_empty() {
            notes.push(Note::Other(format!(
                "redirected: {}",
                self.hops.join(", then ")
            )));
        }
        notes.extend(self.others.into_iter().map(Note::Other));
    }
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
    use crate::read::lines::lines;

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

    fn notes(r: &Response) -> Vec<String> {
        r.notes
            .iter()
            .map(|n| match n {
                Note::Other(s) => s.clone(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_chain_glued_to_a_body_without_newline_reads_to_its_end() {
        let input = b"HTTP/1.1 302 Found\r\nLocation: /b\r\n\r\nmovedHTTP/1.1 301 Moved\r\nLocation: https://h/c\r\n\r\nHTTP/1.1 404 Not Found\r\nA: b\r\n\r\n{}";
        let r = read(input).unwrap();
        assert_eq!(r.status, Some(404));
        assert_eq!(r.body.bytes(), b"{}");
        assert_eq!(notes(&r), ["redirected: 302 → /b, then 301 → https://h/c"]);
    }

    #[test]
    fn a_chain_with_requests_gives_the_last_request() {
        let input = b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /b\r\n\r\nx\n\nPOST /b HTTP/1.1\r\nHost: h\r\n\r\n{\"a\": 1}\n\nHTTP/1.1 200 OK\r\nA: b\r\n\r\nok";
        let line = lines(input).next().unwrap();
        let (r, req) = read_chain(input, line.next, status_line(line.text).unwrap());
        assert_eq!((r.status, r.body.bytes()), (Some(200), &b"ok"[..]));
        let (rl, headers) = req.unwrap();
        assert_eq!((rl.method.as_str(), rl.target.as_str()), ("POST", "/b"));
        assert_eq!(headers.get("host"), Some("h"));
    }

    #[test]
    fn a_followed_request_without_response_keeps_the_redirect() {
        let input = b"HTTP/1.1 301 Moved\r\nLocation: /b\r\n\r\nmoved\n\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
        let r = read(input).unwrap();
        assert_eq!(r.status, Some(301));
        assert_eq!(r.body.bytes(), b"moved\n\n");
        assert_eq!(
            notes(&r),
            [
                "the client followed the redirect (it sent GET /b), but the input shows no response to that request"
            ]
        );
    }

    #[test]
    fn only_a_redirect_is_followed_into_its_body() {
        // A status line inside an error body is body text.
        let body = b"see HTTP/1.1 200 OK\nA: b\n";
        let input = [&b"HTTP/1.1 403 Forbidden\r\nA: b\r\n\r\n"[..], body].concat();
        let r = read(&input).unwrap();
        assert_eq!((r.status, r.body.bytes()), (Some(403), &body[..]));
        // A redirect with no chain after it is the final response, with its body.
        let r = read(b"HTTP/1.1 301 Moved\r\nLocation: /b\r\n\r\nHTTP/1.1 is fine").unwrap();
        assert_eq!(
            (r.status, r.body.bytes()),
            (Some(301), &b"HTTP/1.1 is fine"[..])
        );
        assert!(r.notes.is_empty());
    }

    #[test]
    fn lf_and_crlf_read_the_same() {
        let crlf = read(b"HTTP/1.1 404 Not Found\r\nA: b\r\n\r\nbody").unwrap();
        let lf = read(b"HTTP/1.1 404 Not Found\nA: b\n\nbody").unwrap();
        assert_eq!(crlf, lf);
        assert_eq!(lf.body.bytes(), b"body");
    }
}
