//! The response model every reader produces and every rule looks at.

/// Header list in wire order; names compare case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(pub Vec<(String, String)>);

impl Headers {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// First value of the header `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// What we know of the request that produced the response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub method: Option<String>,
    /// Full URL when known (`https://host/path?query`), else just the path.
    pub url: Option<String>,
    pub headers: Headers,
}

/// A body: the decoded bytes. Its JSON is read where a response is diagnosed
/// ([`crate::json::Json`], borrowed from these bytes).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Body {
    bytes: Vec<u8>,
}

impl Body {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self { bytes }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.iter().all(u8::is_ascii_whitespace)
    }

    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        // Checking is several times faster than the lossy walk, and most bodies are valid.
        match std::str::from_utf8(&self.bytes) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(&self.bytes),
        }
    }
}

/// Whether a body's text (leading whitespace already skipped) starts an HTML document.
pub fn looks_like_html(text: &[u8]) -> bool {
    let head: Vec<u8> = text.iter().take(15).map(u8::to_ascii_lowercase).collect();
    [&b"<!doctype html"[..], b"<html", b"<head", b"<body"]
        .iter()
        .any(|p| head.starts_with(p))
}

/// Something the reader noticed about how the response was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The body was gzip/deflate-compressed and has been decoded.
    Decompressed(String),
    /// The body was not recorded (HAR without content, `curl -D -` without `-o`).
    BodyMissing,
    /// The status did not come from a status line but from this place.
    StatusFrom(String),
    /// Anything else worth telling the user, already phrased.
    Other(String),
}

/// One HTTP response as read from any input format.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Response {
    /// `None` when the input does not tell (a bare body without `--status`).
    pub status: Option<u16>,
    pub reason: Option<String>,
    pub http_version: Option<String>,
    pub headers: Headers,
    pub body: Body,
    pub request: Option<Request>,
    /// A failure before any response arrived (`curl: (6) Could not resolve host: …`, HAR status 0).
    pub transport_error: Option<String>,
    /// When the response was received, as the input states it (HAR `startedDateTime`,
    /// NDJSON `time`); the `Date` header is consulted separately.
    pub time: Option<String>,
    pub notes: Vec<Note>,
}
