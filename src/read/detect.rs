//! Telling the input formats apart from their first lines.

use std::fmt;

use serde::Deserializer as _;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use super::InputFormat;
use super::ansi;
use super::http::{request_line, status_line};
use super::lines::lines;
use super::progress;

/// How much of the input detection looks at; every client prints its tell-tale lines
/// well before this, and it holds several lines of a log even with large bodies.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// How many of a log's first lines vote on whether it is one, when its first line is
/// not a record (cut by `tail -c` or a rotation, a logger's startup line, too deep).
const LOG_LINES: usize = 8;

/// Sniff the format of `input`, already through [`super::normal`]. Anything
/// unrecognised is a bare body.
pub fn detect(input: &[u8]) -> InputFormat {
    let trimmed = input.trim_ascii_start();
    if trimmed.starts_with(b"{") {
        if first_key_is_log(trimmed) {
            return InputFormat::Har;
        }
        match head_line_shape(input, trimmed) {
            Shape::Record => return InputFormat::Ndjson,
            Shape::MaybeRecord if next_line_is_object(trimmed) => return InputFormat::Ndjson,
            // Nothing but record keys, then no object: a small JSON body.
            Shape::MaybeRecord => return InputFormat::Body,
            Shape::Other => {}
        }
    }
    let head = &input[..input.len().min(SNIFF_BYTES)];
    let by_lines = if ansi::first_line_is_coloured(head) {
        sniff_lines(&ansi::strip(head))
    } else {
        sniff_lines(head)
    };
    if by_lines == InputFormat::Body && votes(head).is_log() {
        return InputFormat::Ndjson;
    }
    by_lines
}

/// Of the first [`LOG_LINES`] non-blank lines of `head`, how many are records. A last
/// line without its newline counts only when it is a record: it may be cut by the head's
/// end.
#[derive(Debug, Default, PartialEq, Eq)]
struct Votes {
    records: usize,
    lines: usize,
}

fn votes(head: &[u8]) -> Votes {
    let mut v = Votes::default();
    for line in head.split_inclusive(|b| *b == b'\n') {
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        let record = text.starts_with(b"{") && line_shape(text) != Shape::Other;
        if !record && !line.ends_with(b"\n") {
            break;
        }
        v.lines += 1;
        v.records += usize::from(record);
        if v.lines == LOG_LINES {
            break;
        }
    }
    v
}

impl Votes {
    /// Most lines are records, and more than one: a single-line JSON body stays a body.
    fn is_log(&self) -> bool {
        self.records >= 2 && 2 * self.records > self.lines
    }

    /// Records are most of [`LOG_LINES`] whatever the lines still to come.
    fn settled(&self) -> bool {
        2 * self.records > LOG_LINES
    }
}

/// For an input detected as a body: a note that it looks like a log nonetheless (more
/// than one of its first lines is a record), to say what to give to read it as one.
pub fn log_hint(input: &[u8]) -> Option<String> {
    let v = votes(&input[..input.len().min(SNIFF_BYTES)]);
    (v.records >= 2).then(|| {
        format!(
            "{} of the first {} lines are NDJSON response records, but the input was read as one body; give --input-format ndjson to read it record by record",
            v.records, v.lines
        )
    })
}

fn sniff_lines(head: &[u8]) -> InputFormat {
    let mut meaningful =
        lines(head).filter_map(|l| progress::strip(l.text).map(<[u8]>::trim_ascii_end));
    let Some(first) = meaningful.find(|t| !t.is_empty() && !is_preamble(t)) else {
        return InputFormat::Body;
    };
    if is_curl_verbose_line(first) && has_curl_exchange(head) {
        InputFormat::CurlVerbose
    } else if is_wget_start(first) {
        InputFormat::Wget
    } else if status_line(first).is_some() {
        InputFormat::Http
    } else if request_line(first).is_some() {
        InputFormat::Httpie
    } else {
        InputFormat::Body
    }
}

/// A pasted shell command, and the warnings curl prints before anything else
/// (`Note: Unnecessary use of -X or --request, POST is already inferred.`).
pub(crate) fn is_preamble(line: &[u8]) -> bool {
    line.starts_with(b"$ ") || line.starts_with(b"Note: ") || line.starts_with(b"Warning: ")
}

fn is_curl_verbose_line(line: &[u8]) -> bool {
    line == b"*"
        || [&b"* "[..], b"> ", b"< ", b"{ [", b"} [", b"curl: ("]
            .iter()
            .any(|p| line.starts_with(p))
}

/// A body may well start with `* ` (Markdown); a curl transcript also shows the
/// request, the response or curl's own error line.
fn has_curl_exchange(head: &[u8]) -> bool {
    lines(head).any(|l| {
        let t = progress::strip(l.text).unwrap_or_default();
        t.starts_with(b"> ") || t.starts_with(b"< HTTP/") || t.starts_with(b"curl: (")
    })
}

/// `--2026-11-23 16:30:29--  http://…` or, pasted without it, the indented `  HTTP/1.1 …`.
fn is_wget_start(line: &[u8]) -> bool {
    let dated = line.len() > 23
        && line.starts_with(b"--")
        && line[2..12].iter().all(|b| b.is_ascii_digit() || *b == b'-')
        && line[21..23] == *b"--";
    dated || (line.starts_with(b"  HTTP/") && status_line(&line[2..]).is_some())
}

/// HAR: a JSON object whose FIRST key is `log`.
fn first_key_is_log(trimmed: &[u8]) -> bool {
    let after_brace = trimmed[1..].trim_ascii_start();
    after_brace
        .strip_prefix(b"\"log\"")
        .is_some_and(|rest| rest.trim_ascii_start().starts_with(b":"))
}

/// What the first line says of an input that starts with `{`.
#[derive(Debug, PartialEq, Eq)]
enum Shape {
    /// A record: `headers`, `body` or `request` with an integer or null `status` or with
    /// nothing but record keys, or a `status` and an `error` with nothing but record keys.
    /// A Spring Boot error body (`{"status":403,"error":"Forbidden","path":…}`) has a
    /// status and an error too, hence "nothing but record keys".
    Record,
    /// Record keys only, but nothing a body could not hold (`{"status":411}`,
    /// `{"error":"…"}`): a record when another JSON object follows on the next line.
    MaybeRecord,
    /// Not a complete one-line record: a body (perhaps pretty-printed JSON).
    Other,
}

fn first_line_shape(trimmed: &[u8]) -> Shape {
    let end = memchr::memchr(b'\n', trimmed).unwrap_or(trimmed.len());
    line_shape(&trimmed[..end])
}

/// [`first_line_shape`], but a first line that runs past the end of a full head is
/// judged by what was read of it: a record carrying a large body (an HTML error page)
/// must not turn a whole log into one body.
fn head_line_shape(input: &[u8], trimmed: &[u8]) -> Shape {
    let cut = input.len() >= SNIFF_BYTES && memchr::memchr(b'\n', trimmed).is_none();
    match first_line_shape(trimmed) {
        Shape::Other if cut => cut_line_shape(trimmed),
        shape => shape,
    }
}

fn line_shape(line: &[u8]) -> Shape {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(line) else {
        return Shape::Other;
    };
    let mut keys = Keys::default();
    map.keys().for_each(|k| keys.see(k));
    keys.status = map.get("status").map(status_is_code);
    keys.shape(true)
}

/// A line cut before its end, judged by the top-level keys before the cut. Only a cut
/// (end of input) stops the reading: a line that is not JSON is no record.
fn cut_line_shape(line: &[u8]) -> Shape {
    let mut keys = Keys::default();
    let mut de = serde_json::Deserializer::from_slice(line);
    match (&mut de).deserialize_map(KeysSeen(&mut keys)) {
        Err(e) if e.is_eof() => keys.shape(false),
        _ => Shape::Other,
    }
}

fn status_is_code(status: &Value) -> bool {
    status.is_null() || status.is_u64()
}

/// Beside a status, what a response body seldom holds.
const STRONG_KEYS: [&str; 3] = ["headers", "body", "request"];
const RECORD_KEYS: [&str; 6] = ["status", "headers", "body", "request", "time", "error"];

/// The top-level keys of an object line, as far as they tell a record from a body.
#[derive(Debug, Default)]
struct Keys {
    /// Whether `status`, when there is one, is an integer or null.
    status: Option<bool>,
    strong: bool,
    error: bool,
    other: bool,
}

impl Keys {
    fn see(&mut self, key: &str) {
        self.strong |= STRONG_KEYS.contains(&key);
        self.error |= key == "error";
        self.other |= !RECORD_KEYS.contains(&key);
    }

    /// The keys of a `complete` line, or of one cut: keys after the cut may be a body's,
    /// so only a status with a strong key tells a record then.
    fn shape(&self, complete: bool) -> Shape {
        if self.status == Some(false) {
            return Shape::Other;
        }
        let status = self.status.is_some();
        let only_record_keys = complete && !self.other;
        let failure = status && self.error;
        if (self.strong && (status || only_record_keys)) || (failure && only_record_keys) {
            Shape::Record
        } else if only_record_keys {
            Shape::MaybeRecord
        } else {
            Shape::Other
        }
    }
}

/// Records the keys of a JSON object into [`Keys`] as it reads them, so that they are
/// there when the reading stops at a cut; values but `status` are skipped unbuilt.
struct KeysSeen<'k>(&'k mut Keys);

impl<'de> Visitor<'de> for KeysSeen<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            self.0.see(&key);
            if key == "status" {
                self.0.status = Some(status_is_code(&map.next_value::<Value>()?));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The line after the first, skipping blank ones, starts a JSON object.
fn next_line_is_object(trimmed: &[u8]) -> bool {
    memchr::memchr(b'\n', trimmed)
        .is_some_and(|end| trimmed[end..].trim_ascii_start().starts_with(b"{"))
}

/// Whether `head` (the input so far, through [`super::normal`]) is enough for
/// [`detect`]: a pipe delivers its data in pieces, and a stream of records must not wait
/// for more than its first line, or its second when the first could be a body as well
/// as a record. A log whose first line is not a record waits until most of its first
/// lines are; anything else is read up to [`SNIFF_BYTES`].
pub fn enough_to_detect(head: &[u8]) -> bool {
    let trimmed = head.trim_ascii_start();
    let json = trimmed.starts_with(b"{");
    if json && first_key_is_log(trimmed) {
        return true;
    }
    let Some(first_end) = memchr::memchr(b'\n', trimmed) else {
        return false;
    };
    match json.then(|| first_line_shape(trimmed)) {
        Some(Shape::Record) => true,
        Some(Shape::MaybeRecord) => {
            let rest = trimmed[first_end..].trim_ascii_start();
            !rest.is_empty() && (!rest.starts_with(b"{") || memchr::memchr(b'\n', rest).is_some())
        }
        _ => votes(head).settled(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shapes() {
        assert_eq!(detect(b" \n{ \"log\" : {}}"), InputFormat::Har);
        assert_eq!(detect(b"{\"version\":1,\"log\":{}}"), InputFormat::Body);
        assert_eq!(
            detect(b"{\"status\":403,\"headers\":{}}\n{\"status\":null,\"error\":\"x\"}"),
            InputFormat::Ndjson
        );
        assert_eq!(
            detect(b"{\"status\":null,\"error\":\"dns\"}"),
            InputFormat::Ndjson
        );
        assert_eq!(
            detect(b"{\"timestamp\":\"t\",\"status\":403,\"error\":\"Forbidden\",\"path\":\"/x\"}"),
            InputFormat::Body
        );
        assert_eq!(
            detect(b"{\"status\":\"failed\",\"body\":1}"),
            InputFormat::Body
        );
        assert_eq!(detect(b"{\n\"status\":403,\"body\":1}"), InputFormat::Body);
        assert_eq!(detect(b"{\"status\":411}"), InputFormat::Body);
        assert_eq!(detect(b"{\"error\":\"Forbidden\"}"), InputFormat::Body);
        assert_eq!(
            detect(b"{\"request\":{\"url\":\"https://h/\"},\"error\":\"Failed to fetch\"}"),
            InputFormat::Ndjson
        );
        assert_eq!(
            detect(b"{\"request\":{},\"error\":\"x\",\"request_id\":\"r\"}"),
            InputFormat::Body
        );
        assert_eq!(detect(b"{\"status\":411}\n\nfoo"), InputFormat::Body);
        assert_eq!(
            detect(b"{\"status\":411}\n\n{\"status\":500}"),
            InputFormat::Ndjson
        );
    }

    #[test]
    fn a_record_that_could_be_a_body_waits_for_the_next_line() {
        assert!(!enough_to_detect(b"{\"status\":411}"));
        assert!(!enough_to_detect(b"{\"status\":411}\n"));
        assert!(!enough_to_detect(b"{\"status\":411}\n{\"stat"));
        assert!(enough_to_detect(b"{\"status\":411}\n{\"status\":500}\n"));
        assert!(enough_to_detect(b"{\"status\":411}\nplain"));
        assert!(enough_to_detect(b"{\"status\":403,\"body\":{}}\n"));
        assert!(!enough_to_detect(b"{\"status\":403,\"body\":{}}"));
        assert!(!enough_to_detect(b"HTTP/1.1 403\r\n"));
    }

    #[test]
    fn a_log_is_told_by_most_of_its_first_lines() {
        let rec = "{\"status\":429,\"body\":{\"error\":\"rate_limited\"}}\n";
        let log = |head: &str, records: usize| format!("{head}{}", rec.repeat(records));
        assert_eq!(detect(log("started\n", 2).as_bytes()), InputFormat::Ndjson);
        assert_eq!(detect(log("started\n", 1).as_bytes()), InputFormat::Body);
        assert_eq!(
            detect(log("s\n".repeat(4).as_str(), 4).as_bytes()),
            InputFormat::Body
        );
        assert_eq!(
            detect(log("s\n".repeat(3).as_str(), 5).as_bytes()),
            InputFormat::Ndjson
        );
        assert_eq!(
            detect(log("0,\"body\":{}}\n", 2).as_bytes()),
            InputFormat::Ndjson
        );
        assert_eq!(
            detect(log("{\"body\":{}}}\n", 2).as_bytes()),
            InputFormat::Ndjson
        );
        // Records deeper in, after a transcript's first lines, are its body.
        let http = log("HTTP/1.1 200 OK\n\n", 4);
        assert_eq!(detect(http.as_bytes()), InputFormat::Http);
        // A pretty-printed body, or JSON lines that are not records.
        let pretty = "{\n  \"status\": 403,\n  \"body\": {}\n}\n";
        assert_eq!(detect(pretty.as_bytes()), InputFormat::Body);
        let app_log = "started\n{\"level\":\"info\"}\n{\"level\":\"warn\"}\n";
        assert_eq!(detect(app_log.as_bytes()), InputFormat::Body);
        // A last line cut by the end of the head is not counted against the rest.
        let cut = format!("{}{{\"status\":4", log("started\n", 2));
        assert_eq!(
            votes(cut.as_bytes()),
            Votes {
                records: 2,
                lines: 3
            }
        );
    }

    #[test]
    fn a_log_behind_a_startup_line_waits_for_most_of_eight_lines() {
        let rec = "{\"status\":429,\"body\":{}}\n";
        assert!(!enough_to_detect(
            format!("started\n{}", rec.repeat(4)).as_bytes()
        ));
        assert!(enough_to_detect(
            format!("started\n{}", rec.repeat(5)).as_bytes()
        ));
        assert!(!enough_to_detect(b"* Trying 127.0.0.1\n> GET / HTTP/1.1\n"));
        assert!(enough_to_detect(b"{\"log\":{\"entries\":["));
    }

    /// `start`, then `x`s, cut where a full head ends.
    fn cut(start: &str) -> Vec<u8> {
        let mut head = start.as_bytes().to_vec();
        head.resize(SNIFF_BYTES, b'x');
        head
    }

    #[test]
    fn a_record_cut_by_the_head_is_told_by_its_keys_before_the_cut() {
        let page = "{\"status\":503,\"body\":\"<!DOCTYPE html><html><body>";
        assert_eq!(detect(&cut(page)), InputFormat::Ndjson);
        let nested = "{\"status\":null,\"headers\":{\"a\":\"b\"},\"request\":{\"url\":\"";
        assert_eq!(detect(&cut(nested)), InputFormat::Ndjson);
        assert_eq!(detect(&cut(&format!("\n  {page}"))), InputFormat::Ndjson);
        // Read to the end of the head: a pipe may still be delivering the line.
        assert!(!enough_to_detect(&cut(page)[..SNIFF_BYTES - 1]));
    }

    #[test]
    fn a_cut_line_stays_a_body_unless_a_status_and_a_strong_key_come_before_the_cut() {
        for body in [
            "{\"data\":[\"",
            "{\"status\":500,\"message\":\"x\",\"trace\":\"",
            "{\"status\":411,\"error\":\"",
            "{\"status\":411,\"",
            "{\"status\":\"failed\",\"body\":\"",
            "{\"body\":\"",
            "{\"request\":{},\"error\":\"",
            "{\"status\":503,\"body\":x",
            "[{\"status\":503,\"body\":\"",
            "{\n  \"status\": 503,\n  \"body\": \"",
        ] {
            assert_eq!(detect(&cut(body)), InputFormat::Body, "{body}");
        }
        // Cut by the end of the input, not of the head.
        let short = b"{\"status\":503,\"body\":\"<html>";
        assert_eq!(detect(short), InputFormat::Body);
    }

    #[test]
    fn line_shapes() {
        assert_eq!(detect(b"HTTP/2 403 \r\n"), InputFormat::Http);
        assert_eq!(
            detect(b"GET / HTTP/1.1\r\nHost: x\r\n"),
            InputFormat::Httpie
        );
        assert_eq!(
            detect(b"* Trying\n> GET / HTTP/1.1\r\n"),
            InputFormat::CurlVerbose
        );
        assert_eq!(detect(b"* item one\n* item two\n"), InputFormat::Body);
        assert_eq!(
            detect(b"$ curl -v x\nNote: Unnecessary use of -X\n* Trying\n> GET / HTTP/1.1\r\n"),
            InputFormat::CurlVerbose
        );
        assert_eq!(
            detect(b"--2026-11-23 16:30:29--  http://h/\nConnecting"),
            InputFormat::Wget
        );
        assert_eq!(detect(b"  HTTP/1.1 403 Forbidden\n"), InputFormat::Wget);
        assert_eq!(detect(b""), InputFormat::Body);
        assert_eq!(detect(b"\x1f\x8b\x08\x00"), InputFormat::Body);
    }
}
