//! `--format json`: one compact object per line, the schema in `schema/diagnosis.json`.
//!
//! The bytes are exactly what `serde_json::to_writer` makes of a [`Diagnosis`]
//! (`tests/integration/json_render.rs` holds them to it). They are written by hand because
//! serde_json escapes strings a byte at a time, and a line is mostly rule prose:
//! [`escape`] copies clean runs a word at a time.

mod escape;

use std::io::{self, Write};
use std::sync::OnceLock;

use crate::diagnosis::{
    Challenge, Confidence, Diagnosis, Failure, FieldProblem, Outcome, RateLimit, RequestSummary,
    Retry, RuleMatch, Source, Text,
};

pub fn line(d: &Diagnosis, out: &mut dyn Write) -> io::Result<()> {
    // Built in a buffer first: through `dyn Write`, each of the many small pieces
    // would be a dynamic call.
    let mut buf = Vec::with_capacity(2048);
    line_into(d, &mut buf);
    out.write_all(&buf)
}

/// The line, newline included, appended to `buf`.
pub fn line_into(d: &Diagnosis, buf: &mut Vec<u8>) {
    d.write_json(buf);
    buf.push(b'\n');
}

/// A value written as serde_json writes it.
trait Json {
    fn write_json(&self, out: &mut Vec<u8>);
}

/// The fields of one JSON object, written in the order they are added, which must
/// be the struct's field order as serde derives it.
struct Object<'a> {
    out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> Object<'a> {
    fn open(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Self { out, empty: true }
    }

    // Inlined, a key is a constant of known length: its copy is a few stores, not a
    // `memcpy` call (about 30 instructions a field, of some 25 fields a line).
    #[inline(always)]
    fn field(&mut self, key: &str, value: &impl Json) -> &mut Self {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        // Keys are Rust field names: nothing in them needs escaping.
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        value.write_json(self.out);
        self
    }

    /// A field with `skip_serializing_if = "Option::is_none"`.
    #[inline(always)]
    fn field_if_some(&mut self, key: &str, value: &Option<impl Json>) -> &mut Self {
        match value {
            Some(v) => self.field(key, v),
            None => self,
        }
    }

    fn close(&mut self) {
        self.out.push(b'}');
    }
}

impl Json for String {
    fn write_json(&self, out: &mut Vec<u8>) {
        escape::write_str(out, self);
    }
}

/// Shared rule prose is escaped once, then copied.
impl Json for Text {
    fn write_json(&self, out: &mut Vec<u8>) {
        let escaped = self.rendered_once(|text| {
            let mut json = Vec::new();
            escape::write_str(&mut json, text);
            json
        });
        match escaped {
            Some(json) => out.extend_from_slice(json),
            None => escape::write_str(out, self),
        }
    }
}

impl Json for bool {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(if *self { b"true" } else { b"false" });
    }
}

/// Integers through `itoa`, as serde_json writes them.
macro_rules! json_integer {
    ($($t:ty),*) => {$(
        impl Json for $t {
            fn write_json(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(itoa::Buffer::new().format(*self).as_bytes());
            }
        }
    )*};
}
json_integer!(u16, u64, usize, i32);

/// The rate limit and the challenge go through serde itself: few responses carry
/// them.
macro_rules! json_via_serde {
    ($($t:ty),*) => {$(
        impl Json for $t {
            fn write_json(&self, out: &mut Vec<u8>) {
                serde_json::to_writer(out, self).expect("plain data serialises into a Vec");
            }
        }
    )*};
}
json_via_serde!(RateLimit, Challenge);

/// The enums' names stay defined once, by the `rename_all` on the type: serde writes
/// each variant the first time it is met, and the bytes are kept. Through serde every
/// time, the three enums of a line cost as much as the rest of its fields together.
macro_rules! json_enum_once {
    ($($t:ty),*) => {$(
        impl Json for $t {
            fn write_json(&self, out: &mut Vec<u8>) {
                static NAMES: [OnceLock<Box<[u8]>>; ENUM_VARIANTS] =
                    [const { OnceLock::new() }; ENUM_VARIANTS];
                let serialised = || {
                    serde_json::to_vec(self)
                        .expect("plain data serialises into a Vec")
                        .into()
                };
                match NAMES.get(*self as usize) {
                    Some(name) => out.extend_from_slice(name.get_or_init(serialised)),
                    None => out.extend_from_slice(&serialised()),
                }
            }
        }
    )*};
}
json_enum_once!(Outcome, Confidence, Failure);

/// Variants kept per enum; a later one (none today) is written through serde each time.
const ENUM_VARIANTS: usize = 8;

impl<T: Json> Json for Option<T> {
    #[inline(always)]
    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Some(v) => v.write_json(out),
            None => out.extend_from_slice(b"null"),
        }
    }
}

impl<T: Json> Json for Vec<T> {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            v.write_json(out);
        }
        out.push(b']');
    }
}

// The structs are destructured without `..`: a field added to one of them does not
// compile here until it is written too.

impl Json for Diagnosis {
    fn write_json(&self, out: &mut Vec<u8>) {
        let Diagnosis {
            outcome,
            status,
            reason,
            error,
            api,
            rule,
            confidence,
            title,
            cause,
            fix,
            retry,
            request_id,
            docs,
            fields,
            fields_omitted,
            message,
            codes,
            error_type,
            links,
            rate_limit,
            challenge,
            failure,
            envelope,
            request,
            source,
            time,
            notes,
            matches,
        } = self;
        let mut o = Object::open(out);
        o.field("outcome", outcome)
            .field("status", status)
            .field("reason", reason)
            .field_if_some("error", error)
            .field("api", api)
            .field("rule", rule)
            .field("confidence", confidence)
            .field("title", title)
            .field("cause", cause)
            .field("fix", fix)
            .field("retry", retry)
            .field("request_id", request_id)
            .field("docs", docs)
            .field("fields", fields)
            .field_if_some("fields_omitted", fields_omitted)
            .field_if_some("message", message);
        if !codes.is_empty() {
            o.field("codes", codes);
        }
        o.field_if_some("error_type", error_type);
        if !links.is_empty() {
            o.field("links", links);
        }
        o.field_if_some("rate_limit", rate_limit)
            .field_if_some("challenge", challenge)
            .field_if_some("failure", failure)
            .field_if_some("envelope", envelope)
            .field("request", request)
            .field("source", source)
            .field_if_some("time", time);
        if !notes.is_empty() {
            o.field("notes", notes);
        }
        o.field_if_some("matches", matches).close();
    }
}

impl Json for Retry {
    fn write_json(&self, out: &mut Vec<u8>) {
        let Retry {
            retryable,
            after_seconds,
            advice,
        } = self;
        Object::open(out)
            .field("retryable", retryable)
            .field("after_seconds", after_seconds)
            .field("advice", advice)
            .close();
    }
}

impl Json for FieldProblem {
    fn write_json(&self, out: &mut Vec<u8>) {
        let FieldProblem { field, problem } = self;
        Object::open(out)
            .field("field", field)
            .field("problem", problem)
            .close();
    }
}

impl Json for RequestSummary {
    fn write_json(&self, out: &mut Vec<u8>) {
        let RequestSummary {
            method,
            url,
            auth,
            key,
        } = self;
        Object::open(out)
            .field("method", method)
            .field("url", url)
            .field("auth", auth)
            .field("key", key)
            .close();
    }
}

impl Json for Source {
    fn write_json(&self, out: &mut Vec<u8>) {
        let Source { file, entry, line } = self;
        Object::open(out)
            .field("file", file)
            .field_if_some("entry", entry)
            .field_if_some("line", line)
            .close();
    }
}

impl Json for RuleMatch {
    fn write_json(&self, out: &mut Vec<u8>) {
        let RuleMatch {
            rule,
            confidence,
            priority,
            conditions,
            why,
        } = self;
        Object::open(out)
            .field("rule", rule)
            .field("confidence", confidence)
            .field("priority", priority)
            .field("conditions", conditions)
            .field("why", why)
            .close();
    }
}

#[cfg(test)]
mod tests {
    use super::Json;
    use crate::diagnosis::{Confidence, Failure, Outcome};

    fn written(v: &impl Json) -> String {
        let mut out = Vec::new();
        v.write_json(&mut out);
        String::from_utf8(out).expect("JSON is UTF-8")
    }

    /// Twice each: the first write keeps the name, the second reuses it.
    #[test]
    fn enum_names_are_serde_s() {
        for _ in 0..2 {
            for o in [
                Outcome::Diagnosed,
                Outcome::Warning,
                Outcome::Success,
                Outcome::Unrecognised,
            ] {
                assert_eq!(written(&o), serde_json::to_string(&o).unwrap());
            }
            for c in [Confidence::Documented, Confidence::Likely] {
                assert_eq!(written(&c), serde_json::to_string(&c).unwrap());
            }
            for f in [
                Failure::RateLimit,
                Failure::Quota,
                Failure::Overload,
                Failure::Client,
            ] {
                assert_eq!(written(&f), serde_json::to_string(&f).unwrap());
            }
        }
    }
}
