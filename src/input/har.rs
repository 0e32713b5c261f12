//! Browser HAR 1.2 files (`{"log":{"entries":[…]}}`), read entry by entry.
//!
//! The document is never built in memory: a [`DeserializeSeed`] walks `log` →
//! `entries` straight off the reader, and each entry is turned into a [`Response`] and
//! pushed to the sink as soon as its closing brace is read. Only the fields apidiag
//! uses are kept (method, URL, request and response headers, status, body text,
//! `startedDateTime`, `_error`/`_failureText`); everything else, request bodies
//! included, is skipped without being stored.
//!
//! Every field is first read as a tolerant shape (any JSON value is accepted), so a
//! wrongly typed field (`"status": "403"`, a header that is not `{name, value}`) is a
//! [`RecordError`] for that entry and the next entries are still read. Only broken
//! JSON (a syntax error, a truncated file) stops the file, with an error naming the
//! entry it happened in.

use std::cell::Cell;
use std::fmt;
use std::io::{self, BufRead};

use base64::Engine as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::record::{kind, must_be};
use super::{
    InputError, InputOptions, Parsed, ReadFailure, RecordError, RecordSink, push, transport_error,
};
use crate::diagnosis::Source;
use crate::read::apply_context;
use crate::response::{Body, Headers, Note, Request, Response};

/// Read a HAR from `reader` and push each entry's response (or the reason it could not
/// be read) to `sink`, in entry order, one at a time.
pub(super) fn read_har(
    reader: &mut dyn BufRead,
    name: &str,
    opts: &InputOptions,
    sink: &mut dyn RecordSink,
) -> Result<(), ReadFailure> {
    let state = State {
        name,
        opts,
        sink,
        index: Cell::new(None),
        output: None,
        saw_log: false,
        saw_entries: false,
    };
    let mut state = state;
    let mut de = serde_json::Deserializer::from_reader(reader);
    let result = DocSeed(&mut state)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    if let Some(e) = state.output.take() {
        return Err(ReadFailure::Output(e));
    }
    let unreadable = |message: String| InputError::Unreadable {
        name: name.to_owned(),
        message,
    };
    if let Err(e) = result {
        let at = match state.index.get() {
            Some(i) => format!("entry {i}: "),
            None => String::new(),
        };
        let what = if e.is_eof() {
            "the HAR ends early (truncated file?)".to_owned()
        } else {
            format!("not a valid HAR: {e}")
        };
        return Err(unreadable(format!("{at}{what}")).into());
    }
    if !state.saw_log {
        return Err(unreadable("not a HAR: the top-level object has no \"log\"".into()).into());
    }
    if !state.saw_entries {
        return Err(unreadable("not a HAR: \"log\" has no \"entries\" list".into()).into());
    }
    Ok(())
}

struct State<'a> {
    name: &'a str,
    opts: &'a InputOptions,
    sink: &'a mut dyn RecordSink,
    /// The entry being read, for error messages.
    index: Cell<Option<usize>>,
    /// Set when the sink failed (closed output): reading stops and this is returned.
    output: Option<io::Error>,
    saw_log: bool,
    saw_entries: bool,
}

impl State<'_> {
    fn source(&self, index: usize) -> Source {
        Source {
            file: self.name.to_owned(),
            entry: Some(index),
            line: None,
        }
    }

    fn emit<E: de::Error>(&mut self, item: Result<Parsed, RecordError>) -> Result<(), E> {
        match push(self.sink, item) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.output = Some(e);
                Err(E::custom("output closed"))
            }
        }
    }
}

/// Refuse a scalar where a part of the document must be an object or a list, naming
/// the part and the type found: serde's own message would quote a string, which may
/// be a secret.
macro_rules! refuse_scalars {
    ($part:expr, $must:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Err(wrong_type($part, $must, "a boolean"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Err(wrong_type($part, $must, "a number"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Err(wrong_type($part, $must, "a number"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Err(wrong_type($part, $must, "a number"))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Err(wrong_type($part, $must, "a string"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Err(wrong_type($part, $must, "null"))
        }
    };
}

fn wrong_type<E: de::Error>(part: &str, must: &str, got: &str) -> E {
    E::custom(format_args!("{part} must be {must}, got {got}"))
}

/// The whole document: an object whose `log` is read, every other key skipped.
struct DocSeed<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for DocSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAR object {\"log\": {\"entries\": [...]}}")
    }
    refuse_scalars!("the document", "an object {\"log\": {\"entries\": […]}}");
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(wrong_type("the document", "an object", "a list"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "log" && !self.0.saw_log {
                self.0.saw_log = true;
                map.next_value_seed(LogSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `log`: its `entries` are streamed; `creator`, `browser`, `pages`… are skipped.
struct LogSeed<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for LogSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LogSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the HAR \"log\" object")
    }
    refuse_scalars!("`log`", "an object");
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(wrong_type("`log`", "an object", "a list"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "entries" && !self.0.saw_entries {
                self.0.saw_entries = true;
                map.next_value_seed(EntriesSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `log.entries`: each element is read, converted and pushed to the sink before the next.
struct EntriesSeed<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for EntriesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EntriesSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the HAR \"entries\" list")
    }
    refuse_scalars!("`log.entries`", "a list");
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(wrong_type("`log.entries`", "a list", "an object"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let state = self.0;
        let mut index = 0;
        loop {
            state.index.set(Some(index));
            let Some(raw) = seq.next_element_seed(EntrySeed {
                max_text: state.opts.max_record,
            })?
            else {
                break;
            };
            let source = state.source(index);
            let item = match raw.into_response() {
                Ok(mut response) => {
                    apply_context(&mut response, &state.opts.context);
                    Ok(Parsed {
                        response,
                        source: Some(source),
                    })
                }
                Err(message) => Err(RecordError {
                    at: source,
                    message,
                }),
            };
            state.emit(item)?;
            index += 1;
        }
        state.index.set(None);
        Ok(())
    }
}

/// What one entry holds, as read: every field is a plain JSON value (small) except the
/// body text, which is checked against the size limit while it is read.
#[derive(Default)]
struct RawEntry {
    not_object: Option<&'static str>,
    started: Option<Value>,
    request: Part<RawRequest>,
    response: Part<RawResponse>,
}

/// A sub-object of an entry: absent, read, or present with the wrong JSON type.
#[derive(Default)]
enum Part<T> {
    #[default]
    Absent,
    Read(T),
    WrongType(&'static str),
}

#[derive(Default)]
struct RawRequest {
    method: Option<Value>,
    url: Option<Value>,
    headers: Option<Value>,
}

#[derive(Default)]
struct RawResponse {
    status: Option<Value>,
    status_text: Option<Value>,
    http_version: Option<Value>,
    headers: Option<Value>,
    error: Option<Value>,
    failure_text: Option<Value>,
    content: Part<RawContent>,
}

#[derive(Default)]
struct RawContent {
    text: Option<ContentText>,
    encoding: Option<Value>,
}

/// `content.text` as read.
enum ContentText {
    Str(String),
    TooLarge(usize),
    WrongType(&'static str),
}

/// Accept any JSON type for an object-shaped part; anything else is skipped and
/// recorded as the wrong type, so the stream stays in step.
macro_rules! tolerate_non_objects {
    ($wrong:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($wrong("a boolean"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($wrong("a number"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($wrong("a number"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($wrong("a number"))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($wrong("a string"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($wrong("null"))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($wrong("a list"))
        }
    };
}

struct EntrySeed {
    max_text: u64,
}

impl<'de> DeserializeSeed<'de> for EntrySeed {
    type Value = RawEntry;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<RawEntry, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EntrySeed {
    type Value = RawEntry;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAR entry")
    }
    tolerate_non_objects!(|what| RawEntry {
        not_object: Some(what),
        ..RawEntry::default()
    });
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEntry, A::Error> {
        let mut entry = RawEntry::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "startedDateTime" => entry.started = Some(map.next_value()?),
                "request" => entry.request = map.next_value_seed(RequestSeed)?,
                "response" => {
                    entry.response = map.next_value_seed(ResponseSeed {
                        max_text: self.max_text,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(entry)
    }
}

struct RequestSeed;

impl<'de> DeserializeSeed<'de> for RequestSeed {
    type Value = Part<RawRequest>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RequestSeed {
    type Value = Part<RawRequest>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAR request")
    }
    tolerate_non_objects!(Part::WrongType);
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut r = RawRequest::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "method" => r.method = Some(map.next_value()?),
                "url" => r.url = Some(map.next_value()?),
                "headers" => r.headers = Some(map.next_value()?),
                // postData (possibly a large upload), cookies, queryString, sizes.
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Part::Read(r))
    }
}

struct ResponseSeed {
    max_text: u64,
}

impl<'de> DeserializeSeed<'de> for ResponseSeed {
    type Value = Part<RawResponse>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResponseSeed {
    type Value = Part<RawResponse>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAR response")
    }
    tolerate_non_objects!(Part::WrongType);
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut r = RawResponse::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "status" => r.status = Some(map.next_value()?),
                "statusText" => r.status_text = Some(map.next_value()?),
                "httpVersion" => r.http_version = Some(map.next_value()?),
                "headers" => r.headers = Some(map.next_value()?),
                // DevTools writes `_error`; Playwright `_failureText`.
                "_error" => r.error = Some(map.next_value()?),
                "_failureText" => r.failure_text = Some(map.next_value()?),
                "content" => {
                    r.content = map.next_value_seed(ContentSeed {
                        max_text: self.max_text,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Part::Read(r))
    }
}

struct ContentSeed {
    max_text: u64,
}

impl<'de> DeserializeSeed<'de> for ContentSeed {
    type Value = Part<RawContent>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ContentSeed {
    type Value = Part<RawContent>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAR content object")
    }
    tolerate_non_objects!(Part::WrongType);
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut c = RawContent::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "text" => c.text = Some(map.next_value_seed(TextSeed { max: self.max_text })?),
                "encoding" => c.encoding = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Part::Read(c))
    }
}

/// `content.text`: kept only when it is within the size limit.
struct TextSeed {
    max: u64,
}

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = ContentText;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<ContentText, D::Error> {
        d.deserialize_any(self)
    }
}

impl TextSeed {
    fn keep(&self, len: usize, make: impl FnOnce() -> String) -> ContentText {
        if len as u64 > self.max {
            ContentText::TooLarge(len)
        } else {
            ContentText::Str(make())
        }
    }
}

impl<'de> Visitor<'de> for TextSeed {
    type Value = ContentText;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the body text")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<ContentText, E> {
        Ok(self.keep(v.len(), || v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<ContentText, E> {
        let len = v.len();
        Ok(self.keep(len, || v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<ContentText, E> {
        Ok(ContentText::WrongType("null"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<ContentText, E> {
        Ok(ContentText::WrongType("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<ContentText, E> {
        Ok(ContentText::WrongType("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<ContentText, E> {
        Ok(ContentText::WrongType("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<ContentText, E> {
        Ok(ContentText::WrongType("a number"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ContentText, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(ContentText::WrongType("a list"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ContentText, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(ContentText::WrongType("an object"))
    }
}

/// An optional string field: absent and `null` are `None`; another type is an error.
fn opt_string(v: Option<Value>, field: &str) -> Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(must_be(field, "a string", kind(&other))),
    }
}

/// HAR headers: a list of `{"name": …, "value": …}`.
fn headers(v: Option<Value>, field: &str) -> Result<Headers, String> {
    let mut out = Headers::new();
    let list = match v {
        None | Some(Value::Null) => return Ok(out),
        Some(Value::Array(list)) => list,
        Some(other) => return Err(must_be(field, "a list", kind(&other))),
    };
    for (i, h) in list.into_iter().enumerate() {
        let pair = match h {
            Value::Object(mut o) => match (o.remove("name"), o.remove("value")) {
                (Some(Value::String(n)), Some(Value::String(v))) => Some((n, v)),
                _ => None,
            },
            _ => None,
        };
        match pair {
            Some((n, v)) => out.push(n, v),
            None => {
                return Err(format!(
                    "`{field}[{i}]` must be {{\"name\": string, \"value\": string}}"
                ));
            }
        }
    }
    Ok(out)
}

impl RawEntry {
    fn into_response(self) -> Result<Response, String> {
        if let Some(what) = self.not_object {
            return Err(format!("the entry must be an object, got {what}"));
        }
        let response = match self.response {
            Part::Read(r) => r,
            Part::Absent => return Err("the entry has no \"response\"".into()),
            Part::WrongType(what) => return Err(must_be("response", "an object", what)),
        };
        let request = match self.request {
            Part::Read(r) => Some(Request {
                method: opt_string(r.method, "request.method")?,
                url: opt_string(r.url, "request.url")?,
                headers: headers(r.headers, "request.headers")?,
            }),
            Part::Absent => None,
            Part::WrongType(what) => return Err(must_be("request", "an object", what)),
        };
        let time = opt_string(self.started, "startedDateTime")?;
        let status = match response.status {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_i64() {
                Some(s) if s <= 0 => Some(0),
                Some(s) if (100..=999).contains(&s) => Some(s as u16),
                _ => {
                    let must = "an HTTP status from 100 to 999 (0 or less: no response)";
                    return Err(must_be("response.status", must, &n.to_string()));
                }
            },
            Some(other) => {
                return Err(must_be("response.status", "a number", kind(&other)));
            }
        };
        let error = opt_string(response.error, "response._error")?
            .or(opt_string(response.failure_text, "response._failureText")?)
            .filter(|e| !e.is_empty());
        let mut notes = Vec::new();
        let body = match response.content {
            Part::Absent => {
                notes.push(Note::BodyMissing);
                Body::default()
            }
            Part::WrongType(what) => {
                return Err(must_be("response.content", "an object", what));
            }
            Part::Read(content) => body(content, &mut notes)?,
        };
        // Status 0 (DevTools) or -1 (Playwright), read as 0, means no response arrived.
        let transport_error = transport_error(status, error);
        if transport_error.is_some() {
            // A blocked or failed request has no body to miss.
            notes.retain(|n| *n != Note::BodyMissing);
        }
        Ok(Response {
            status: status.filter(|s| *s != 0),
            reason: opt_string(response.status_text, "response.statusText")?
                .filter(|r| !r.is_empty()),
            http_version: opt_string(response.http_version, "response.httpVersion")?,
            headers: headers(response.headers, "response.headers")?,
            body,
            request,
            transport_error,
            time,
            notes,
        })
    }
}

fn body(content: RawContent, notes: &mut Vec<Note>) -> Result<Body, String> {
    let text = match content.text {
        None => {
            notes.push(Note::BodyMissing);
            return Ok(Body::default());
        }
        Some(ContentText::Str(s)) => s,
        Some(ContentText::TooLarge(len)) => {
            return Err(format!(
                "response.content.text is {len} bytes, larger than the --max-input-size limit"
            ));
        }
        Some(ContentText::WrongType(what)) => {
            return Err(must_be("response.content.text", "a string", what));
        }
    };
    match opt_string(content.encoding, "response.content.encoding")?.as_deref() {
        None | Some("") => Ok(Body::new(text.into_bytes())),
        Some(e) if e.eq_ignore_ascii_case("base64") => {
            let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            match base64::engine::general_purpose::STANDARD.decode(&compact) {
                Ok(bytes) => Ok(Body::new(bytes)),
                Err(e) => {
                    notes.push(Note::Other(format!(
                        "the body is marked base64 but does not decode ({e}); it was ignored"
                    )));
                    notes.push(Note::BodyMissing);
                    Ok(Body::default())
                }
            }
        }
        Some(other) => {
            notes.push(Note::Other(format!(
                "the body's encoding {other:?} is unknown; its text was taken as it is"
            )));
            Ok(Body::new(text.into_bytes()))
        }
    }
}
