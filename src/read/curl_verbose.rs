//! `curl -v … 2>&1`: `* ` info, `> ` request and `< ` response lines, `{ [N bytes data]`
//! markers, and the body LAST (curl's stdout is block-buffered, stderr is not, so the
//! body is flushed at exit after `* Connection #0 to host … left intact`).

use crate::response::{Headers, Note, Request, Response};

use super::ReadError;
use super::decode;
use super::detect;
use super::http::{self, Chain, StatusLine, header_line, request_line, status_line};
use super::lines::{lines, trim};
use super::progress;

pub(crate) fn read(input: &[u8]) -> Result<Response, ReadError> {
    let mut t = Transcript::default();
    let mut body_start = input.len();
    for line in lines(input) {
        let Some(text) = progress::strip(line.text) else {
            continue;
        };
        if !t.take(text) {
            body_start = line.start;
            break;
        }
    }
    t.finish(&input[body_start..])
}

#[derive(Default)]
struct Transcript {
    started: bool,
    request: Option<Request>,
    target: String,
    /// The URL curl announced for this request (`* Issue another request to this URL`).
    announced: Option<String>,
    authority: Option<String>,
    tls: bool,
    response: Option<(StatusLine, Headers)>,
    curl_error: Option<String>,
    /// From `--fail`'s `curl: (22) The requested URL returned error: 403`, for when
    /// only stderr was pasted.
    fail_status: Option<u16>,
    failure_detail: Option<String>,
    /// The responses `-L` followed past.
    chain: Chain,
    notes: Vec<Note>,
}

impl Transcript {
    /// Consume one line; `false` when it is not curl's, i.e. the body starts here.
    fn take(&mut self, text: &[u8]) -> bool {
        if !self.started && detect::is_preamble(text) {
            return true;
        }
        let consumed = match text {
            [b'>', rest @ ..] if rest.is_empty() || rest[0] == b' ' => self.request_line(sub(rest)),
            [b'<', rest @ ..] if rest.is_empty() || rest[0] == b' ' => self.response_line(rest),
            [b'*', rest @ ..] if rest.is_empty() || rest[0] == b' ' => self.info(trim(rest)),
            _ if is_data_marker(text) => true,
            _ if text.starts_with(b"curl: (") => self.curl_error(text),
            _ => false,
        };
        self.started |= consumed;
        consumed
    }

    fn request_line(&mut self, rest: &[u8]) -> bool {
        if let Some(rl) = request_line(rest) {
            self.request = Some(Request {
                method: Some(rl.method),
                ..Request::default()
            });
            self.target = rl.target;
        } else if let (Some((name, value)), Some(req)) = (header_line(rest), &mut self.request) {
            if name.eq_ignore_ascii_case("host") {
                self.authority = Some(value.clone());
            }
            req.headers.push(name, value);
        }
        true
    }

    fn response_line(&mut self, rest: &[u8]) -> bool {
        let rest = rest.strip_prefix(b" ").unwrap_or(rest);
        if let Some(status) = status_line(rest) {
            if let Some((earlier, headers)) = self.response.take() {
                self.chain.earlier(&earlier, &headers);
            }
            self.response = Some((status, Headers::new()));
        } else if let Some((_, headers)) = &mut self.response {
            if matches!(rest.first(), Some(b' ' | b'\t')) && !headers.is_empty() {
                http::fold_into_last(headers, rest);
            } else if let Some((name, value)) = header_line(rest) {
                headers.push(name, value);
            }
        }
        true
    }

    /// `* ` lines: where curl connected, whether TLS is on, redirects and failures.
    fn info(&mut self, info: &[u8]) -> bool {
        let s = String::from_utf8_lossy(info);
        if s.starts_with("Trying ") {
            self.tls = false;
        } else if is_tls_hint(&s) {
            self.tls = true;
        } else if let Some(url) = s.strip_prefix("Issue another request to this URL: ") {
            self.announced = Some(url.trim_matches('\'').to_owned());
        } else if let Some(authority) = pseudo_header(&s, ":authority: ") {
            self.authority = Some(authority);
        } else if is_failure(&s) && self.failure_detail.is_none() {
            self.failure_detail = Some(s.into_owned());
        }
        true
    }

    /// `curl: (N) message`. `(22)` is `--fail`'s "returned error: 403", not a failure.
    fn curl_error(&mut self, text: &[u8]) -> bool {
        let s = String::from_utf8_lossy(text);
        let (code, message) = match s["curl: (".len()..].split_once(") ") {
            Some((code, message)) => (code.to_owned(), message.trim().to_owned()),
            None => return false,
        };
        if code == "22" {
            self.fail_status = message.rsplit(": ").next().and_then(|n| n.parse().ok());
            return true;
        }
        if self.curl_error.is_some() {
            return true;
        }
        if self.response.is_some() {
            self.notes.push(Note::Other(format!(
                "curl reported an error after the response began: ({code}) {message}"
            )));
        } else {
            self.curl_error = Some(message);
        }
        true
    }

    fn finish(mut self, body: &[u8]) -> Result<Response, ReadError> {
        let request = self.finished_request();
        let mut notes = Vec::new();
        std::mem::take(&mut self.chain).note(&mut notes);
        notes.append(&mut self.notes);
        self.notes = notes;
        let transport_error = self.transport_error();
        if let (None, Some(code)) = (&self.response, self.fail_status) {
            return Ok(self.fail_status_only(code, request, body));
        }
        let Some((status, headers)) = self.response else {
            return match transport_error {
                Some(error) => Ok(Response {
                    transport_error: Some(error),
                    request,
                    notes: self.notes,
                    ..Response::default()
                }),
                None => Err(ReadError::new(
                    "no response (`< HTTP/1.1 …` lines) and no curl error (`curl: (6) …`) in the transcript",
                )),
            };
        };
        let body = decode::body(&headers, body, &mut self.notes);
        Ok(status.into_response(headers, body, request, self.notes))
    }

    /// `curl -sS --fail-with-body URL 2>&1`: the `(22)` line, then the body.
    fn fail_status_only(mut self, code: u16, request: Option<Request>, body: &[u8]) -> Response {
        self.notes.push(Note::StatusFrom(
            "curl's `(22) The requested URL returned error` line".to_owned(),
        ));
        let body = decode::body(&Headers::new(), body, &mut self.notes);
        Response {
            status: Some(code),
            body,
            request,
            notes: self.notes,
            ..Response::default()
        }
    }

    fn finished_request(&mut self) -> Option<Request> {
        let mut request = self.request.take()?;
        request.url = Some(self.url());
        Some(request)
    }

    /// The request's full URL when the transcript tells enough, else its path.
    fn url(&mut self) -> String {
        let target = std::mem::take(&mut self.target);
        if target.starts_with("http://") || target.starts_with("https://") {
            return target;
        }
        if let Some(url) = self
            .announced
            .take()
            .filter(|u| u.contains(target.as_str()))
        {
            return url;
        }
        match &self.authority {
            Some(host) => format!(
                "{}://{host}{target}",
                if self.tls { "https" } else { "http" }
            ),
            None => target,
        }
    }

    /// curl 7.88's `curl: (7)` line drops the cause that its `* ` line gave
    /// (`connect to … failed: Connection refused`); keep it in parentheses.
    fn transport_error(&mut self) -> Option<String> {
        let detail = self.failure_detail.take();
        match (self.curl_error.take(), detail) {
            (Some(message), Some(detail)) => Some(match detail.rsplit_once("failed: ") {
                Some((_, cause)) if !message.contains(cause) => format!("{message} ({cause})"),
                _ => message,
            }),
            (Some(message), None) => Some(message),
            (None, detail) if self.response.is_none() => detail,
            (None, _) => None,
        }
    }
}

fn sub(rest: &[u8]) -> &[u8] {
    rest.strip_prefix(b" ").unwrap_or(rest)
}

/// `{ [88 bytes data]` (received) and `} [39 bytes data]` (sent), shown under `-s`.
fn is_data_marker(text: &[u8]) -> bool {
    (text.starts_with(b"{ [") || text.starts_with(b"} [")) && text.ends_with(b" data]")
}

fn is_tls_hint(s: &str) -> bool {
    [
        "TLSv",
        "SSL connection using",
        "ALPN",
        "Server certificate",
        "SSL certificate verify",
    ]
    .iter()
    .any(|p| s.starts_with(p))
        || pseudo_header(s, ":scheme: ").is_some_and(|v| v == "https")
}

/// `h2h3 [:authority: host]` (curl 7.88) or `[HTTP/2] [1] [:authority: host]` (curl 8).
fn pseudo_header(s: &str, name: &str) -> Option<String> {
    let start = s.find(&format!("[{name}"))? + 1 + name.len();
    let end = s[start..].find(']')? + start;
    Some(s[start..end].trim().to_owned())
}

fn is_failure(s: &str) -> bool {
    [
        "Could not resolve",
        "connect to ",
        "Failed to connect",
        "SSL certificate problem",
        "Operation timed out",
        "Connection timed out",
        "Resolving timed out",
    ]
    .iter()
    .any(|p| s.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_star_line_after_the_response_is_body() {
        let input = b"> GET /x HTTP/1.1\r\n> Host: h\r\n>\r\n< HTTP/1.1 200 OK\r\n<\r\n* Connection #0 to host h left intact\r\nhello";
        let r = read(input).unwrap();
        assert_eq!(r.status, Some(200));
        assert_eq!(r.body.bytes(), b"hello");
        assert_eq!(r.request.unwrap().url.as_deref(), Some("http://h/x"));
    }

    #[test]
    fn nothing_curl_like_is_an_error() {
        assert!(read(b"hello").is_err());
        assert!(read(b"").is_err());
    }

    #[test]
    fn pseudo_headers() {
        assert_eq!(
            pseudo_header("h2h3 [:authority: a:1]", ":authority: ").as_deref(),
            Some("a:1")
        );
        assert_eq!(
            pseudo_header("[HTTP/2] [1] [:scheme: https]", ":scheme: ").as_deref(),
            Some("https")
        );
    }
}
