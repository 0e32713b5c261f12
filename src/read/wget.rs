//! `wget -S -O - --content-on-error URL 2>&1`: a `--DATE--  URL` line per request, the
//! server's headers indented by two spaces, `Saving to: 'STDOUT'`, the body, then the
//! dot progress meter (which wget starts with a `\n` of its own) and `DATE ERROR 403: …`.

use std::sync::LazyLock;

use regex::bytes::Regex;

use crate::response::{Headers, Note, Request, Response};

use super::ReadError;
use super::decode;
use super::http::{self, Chain, StatusLine, header_line, status_line};
use super::lines::lines;

/// The first dot-progress line (`     0K ....  100% 20.6M=0s`), preceded by wget's `\n`.
static PROGRESS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\n +\d+K ").unwrap());
/// `--2026-11-23 16:30:29--  http://…`, and the dated summary lines at the end.
static DATED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(--)?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(--)? ").unwrap());
static ERROR_STATUS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r" ERROR (\d{3}): (.*?)\.?$").unwrap());

pub(crate) fn read(input: &[u8]) -> Result<Response, ReadError> {
    let mut log = Log::default();
    let mut all = lines(input);
    let mut meter_ahead = true;
    while let Some(line) = all.next() {
        if line.text.starts_with(b"Saving to: ") {
            let (body, resume) = body_after(input, line.next, &mut meter_ahead);
            log.body = Some(body);
            all.skip_to(resume);
        } else {
            log.take(line.text);
        }
    }
    log.finish(input)
}

/// The body runs from after `Saving to:` up to the `\n` wget puts before its progress
/// meter, or, without a meter (`--progress=bar`, `-nv`), up to the next dated line.
/// Returns the body's byte range and where to resume reading wget's own lines.
/// `meter_ahead` turns false once a search found no meter: no later one will either,
/// and searching again per `Saving to:` line would be quadratic.
fn body_after(
    input: &[u8],
    start: usize,
    meter_ahead: &mut bool,
) -> (std::ops::Range<usize>, usize) {
    let rest = &input[start..];
    if *meter_ahead {
        if let Some(m) = PROGRESS.find(rest) {
            return (start..start + m.start(), start + m.start() + 1);
        }
        *meter_ahead = false;
    }
    let dated = lines(rest)
        .find(|l| DATED.is_match(l.text))
        .map(|l| l.start);
    match dated {
        Some(at) => {
            let end = rest[..at].strip_suffix(b"\n").map_or(at, <[u8]>::len);
            (start..start + end, start + at)
        }
        None => (start..input.len(), input.len()),
    }
}

#[derive(Default)]
struct Log {
    url: Option<String>,
    response: Option<(StatusLine, Headers)>,
    in_headers: bool,
    /// Without `-S`: the status from `awaiting response... 403 Forbidden` or
    /// `ERROR 403: Forbidden.`, with where it came from.
    error_status: Option<(StatusLine, &'static str)>,
    failures: Vec<String>,
    body: Option<std::ops::Range<usize>>,
    auth_failed: bool,
    /// `Location: /x [following]`: where wget goes next (the only trace of a redirect
    /// without `-S`).
    following: Option<String>,
    chain: Chain,
    notes: Vec<Note>,
}

impl Log {
    fn take(&mut self, line: &[u8]) {
        if let Some(indented) = line.strip_prefix(b"  ")
            && self.server_line(indented)
        {
            return;
        }
        self.in_headers = false;
        let s = String::from_utf8_lossy(line);
        if s.starts_with("--") && DATED.is_match(line) {
            self.new_request(&s);
        } else if let Some(caps) = ERROR_STATUS.captures(line) {
            let line = [b"HTTP/1.1 ", &caps[1], b" ", &caps[2]].concat();
            if let Some(status) = status_line(&line) {
                self.error_status
                    .get_or_insert((status, "wget's `ERROR 403: …` line"));
            }
        } else if let Some(rest) = s.strip_prefix("HTTP request sent, awaiting response... ") {
            // Without -S the status is on this line; with -S it is empty.
            if let Some(status) = status_line(format!("HTTP/1.1 {}", rest.trim()).as_bytes()) {
                self.error_status = Some((status, "wget's `awaiting response...` line"));
            } else if is_failure(rest) {
                self.failures.push(rest.trim().to_owned());
            }
        } else if let Some(to) = s
            .strip_prefix("Location: ")
            .and_then(|l| l.trim_end().strip_suffix(" [following]"))
        {
            self.following = Some(to.to_owned());
        } else if s.starts_with("Username/Password Authentication Failed") {
            self.auth_failed = true;
        } else if is_failure(&s) {
            self.failures.push(s.trim().to_owned());
        }
    }

    /// A two-space-indented line: the status line or a header as the server sent it.
    fn server_line(&mut self, line: &[u8]) -> bool {
        if let Some(status) = status_line(line) {
            if let Some((earlier, headers)) = self.response.take() {
                self.chain.earlier(&earlier, &headers);
            }
            self.response = Some((status, Headers::new()));
            self.in_headers = true;
            return true;
        }
        let Some((_, headers)) = self.response.as_mut().filter(|_| self.in_headers) else {
            return false;
        };
        if matches!(line.first(), Some(b' ' | b'\t')) {
            http::fold_into_last(headers, line);
        } else if let Some((name, value)) = header_line(line) {
            headers.push(name, value);
        } else {
            return false;
        }
        true
    }

    fn new_request(&mut self, line: &str) {
        let url = line.split_once("--  ").map(|(_, url)| url.trim());
        self.url = url.filter(|u| !u.is_empty()).map(str::to_owned);
        let following = self.following.take();
        match (self.response.take(), self.error_status.take()) {
            (Some((earlier, headers)), _) => self.chain.earlier(&earlier, &headers),
            (None, Some((earlier, _))) if (300..400).contains(&earlier.status) => {
                self.chain.hop(earlier.status, following.as_deref());
            }
            _ => {}
        }
        self.failures.clear();
    }

    fn finish(mut self, input: &[u8]) -> Result<Response, ReadError> {
        std::mem::take(&mut self.chain).note(&mut self.notes);
        let request = self.url.take().map(|url| Request {
            url: Some(url),
            ..Request::default()
        });
        let (status, headers) = match (self.response.take(), self.error_status.take()) {
            (Some(found), _) => found,
            (None, Some((status, from))) => {
                self.notes.push(Note::StatusFrom(from.to_owned()));
                (status, Headers::new())
            }
            (None, None) => return self.failed(request),
        };
        let bytes = self.body.clone().map_or(&[][..], |r| &input[r]);
        let body = decode::body(&headers, bytes, &mut self.notes);
        if self.auth_failed && self.body.is_none() {
            self.notes.push(Note::Other(
                "wget does not print the body of a 401 response, even with --content-on-error"
                    .to_owned(),
            ));
        }
        Ok(status.into_response(headers, body, request, self.notes))
    }

    fn failed(self, request: Option<Request>) -> Result<Response, ReadError> {
        if self.failures.is_empty() {
            return Err(ReadError::new(
                "no server response (`  HTTP/1.1 403 Forbidden`) and no wget error in the log",
            ));
        }
        Ok(Response {
            transport_error: Some(self.failures.join(" ")),
            request,
            notes: self.notes,
            ..Response::default()
        })
    }
}

fn is_failure(s: &str) -> bool {
    s.contains("... failed: ")
        || s.starts_with("wget: unable to resolve")
        || s.starts_with("ERROR: ")
        || s.starts_with("Unable to establish SSL connection")
        // `-T`/`--read-timeout` running out: `… awaiting response... Read error
        // (Connection timed out) in headers.`
        || s.contains("Read error (")
}
