//! The JSON record shape shared by NDJSON input lines and rule examples:
//! `{"status":…, "headers":{…}, "body":…, "request":{…}, "time":…, "error":…}`.

use std::fmt;

use schemars::JsonSchema;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::response::{Body, Headers, Request, Response};

/// One response as a JSON record (an NDJSON line, or a rule example).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct Record {
    /// HTTP status; `0` or `null` when no response arrived or it is unknown.
    #[serde(default)]
    pub status: Option<u16>,
    /// Response headers; a value may be an array for a repeated header.
    #[serde(default, skip_serializing_if = "RecordHeaders::is_empty")]
    pub headers: RecordHeaders,
    /// The body: any JSON value (taken as the JSON body) or a string (the body text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<serde_json::Value>")]
    pub body: Option<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RecordRequest>,
    /// When the response was received (RFC 3339 or an HTTP date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// A transport failure: no response arrived (`Could not resolve host`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct RecordRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "RecordHeaders::is_empty")]
    pub headers: RecordHeaders,
}

/// Header map that keeps order and accepts `"name": "v"` or `"name": ["v1","v2"]`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RecordHeaders(pub Headers);

impl RecordHeaders {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl JsonSchema for RecordHeaders {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Headers".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "additionalProperties": {
                "anyOf": [
                    {"type": "string"},
                    {"type": "array", "items": {"type": "string"}}
                ]
            }
        })
    }
}

impl<'de> Deserialize<'de> for RecordHeaders {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RecordHeaders;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of header names to a string or an array of strings")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(RecordHeaders::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut headers = Headers::new();
                while let Some((name, value)) = map.next_entry::<String, OneOrMany>()? {
                    match value {
                        OneOrMany::One(v) => headers.push(name, v),
                        OneOrMany::Many(vs) => {
                            for v in vs {
                                headers.push(name.clone(), v);
                            }
                        }
                    }
                }
                Ok(RecordHeaders(headers))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for RecordHeaders {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // Repeated names are folded into arrays so the object has unique keys.
        let mut grouped: Vec<(&str, Vec<&str>)> = Vec::new();
        for (n, v) in self.0.iter() {
            match grouped.iter_mut().find(|(g, _)| g.eq_ignore_ascii_case(n)) {
                Some((_, vs)) => vs.push(v),
                None => grouped.push((n, vec![v])),
            }
        }
        let mut map = s.serialize_map(Some(grouped.len()))?;
        for (n, vs) in grouped {
            if vs.len() == 1 {
                map.serialize_entry(n, vs[0])?;
            } else {
                map.serialize_entry(n, &vs)?;
            }
        }
        map.end()
    }
}

/// A header value: a string, or a list of strings for a repeated header.
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a header value: a string or a list of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<OneOrMany, A::Error> {
                let mut all = Vec::new();
                while let Some(v) = seq.next_element::<String>()? {
                    all.push(v);
                }
                Ok(OneOrMany::Many(all))
            }
        }
        d.deserialize_any(V)
    }
}

impl Record {
    /// Turn the record into a [`Response`]. A string body is the body text; any other
    /// JSON value is the JSON body itself.
    pub fn into_response(self) -> Response {
        let body = match self.body {
            None => Body::default(),
            Some(raw) if raw.get().starts_with('"') => {
                let s: String = serde_json::from_str(raw.get()).unwrap_or_default();
                Body::new(s.into_bytes())
            }
            Some(raw) if raw.get() == "null" => Body::default(),
            // The raw JSON text becomes the body bytes as it is, without a copy.
            Some(raw) => Body::new(Box::<str>::from(raw).into_boxed_bytes().into_vec()),
        };
        let request = self.request.map(|r| Request {
            method: r.method,
            url: r.url,
            headers: r.headers.0,
        });
        Response {
            status: self.status.filter(|s| *s != 0),
            headers: self.headers.0,
            body,
            request,
            transport_error: super::transport_error(self.status, self.error),
            time: self.time,
            ..Response::default()
        }
    }
}

/// The first field of `record` whose type [`Record`] refuses, in the terms of the
/// record format: which field, what it must be, and what kind of value it holds
/// (serde's own message names Rust types, and quotes a string, which may be a secret).
pub fn wrong_field(record: &Value) -> Option<String> {
    let fields = record.as_object()?;
    status_problem(present(fields, "status"))
        .or_else(|| string_problem(present(fields, "time"), "time"))
        .or_else(|| string_problem(present(fields, "error"), "error"))
        .or_else(|| headers_problem(present(fields, "headers"), "headers"))
        .or_else(|| request_problem(present(fields, "request")))
}

/// A field that is there and not `null` (every field may be absent or `null`).
fn present<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    fields.get(name).filter(|v| !v.is_null())
}

fn status_problem(status: Option<&Value>) -> Option<String> {
    let status = status.filter(|s| s.as_u64().is_none_or(|n| n > u64::from(u16::MAX)))?;
    let got = match status {
        Value::Number(n) => n.to_string(),
        other => kind(other).to_owned(),
    };
    let must = "a number from 100 to 599 (0 or null: no response)";
    Some(must_be("status", must, &got))
}

fn string_problem(value: Option<&Value>, field: &str) -> Option<String> {
    let value = value.filter(|v| !v.is_string())?;
    Some(must_be(field, "a string", kind(value)))
}

fn headers_problem(headers: Option<&Value>, field: &str) -> Option<String> {
    let headers = headers?;
    let Some(map) = headers.as_object() else {
        let must = "an object of header names to values";
        return Some(must_be(field, must, kind(headers)));
    };
    map.iter().find_map(|(name, value)| {
        let got = match value {
            Value::String(_) => return None,
            Value::Array(list) => format!(
                "a list holding {}",
                kind(list.iter().find(|v| !v.is_string())?)
            ),
            other => kind(other).to_owned(),
        };
        let must = "a string or a list of strings";
        Some(must_be(&format!("{field}.{name}"), must, &got))
    })
}

fn request_problem(request: Option<&Value>) -> Option<String> {
    let request = request?;
    let Some(fields) = request.as_object() else {
        return Some(must_be("request", "an object", kind(request)));
    };
    string_problem(present(fields, "method"), "request.method")
        .or_else(|| string_problem(present(fields, "url"), "request.url"))
        .or_else(|| headers_problem(present(fields, "headers"), "request.headers"))
}

/// Why a field of a record or a HAR entry is refused, in one line: the kind of value
/// found, never the value, which may be a secret.
pub(crate) fn must_be(field: &str, must: &str, got: &str) -> String {
    format!("`{field}` must be {must}, got {got}")
}

/// A JSON value's type as a user names it.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A field is named exactly when serde refuses the record, so no refusal falls
    /// back to serde's wording.
    #[test]
    fn a_wrong_field_is_named_exactly_when_the_record_is_refused() {
        let cases = [
            (
                r#"{"status": "401"}"#,
                Some(
                    "`status` must be a number from 100 to 599 (0 or null: no response), got a string",
                ),
            ),
            (
                r#"{"status": 70000}"#,
                Some(
                    "`status` must be a number from 100 to 599 (0 or null: no response), got 70000",
                ),
            ),
            (
                r#"{"status": -1}"#,
                Some("`status` must be a number from 100 to 599 (0 or null: no response), got -1"),
            ),
            (
                r#"{"status": 401.5}"#,
                Some(
                    "`status` must be a number from 100 to 599 (0 or null: no response), got 401.5",
                ),
            ),
            (
                r#"{"status": null, "time": 5}"#,
                Some("`time` must be a string, got a number"),
            ),
            (
                r#"{"error": ["x"]}"#,
                Some("`error` must be a string, got a list"),
            ),
            (
                r#"{"headers": "X-Api-Key: k"}"#,
                Some("`headers` must be an object of header names to values, got a string"),
            ),
            (
                r#"{"headers": {"A": 1}}"#,
                Some("`headers.A` must be a string or a list of strings, got a number"),
            ),
            (
                r#"{"headers": {"A": null}}"#,
                Some("`headers.A` must be a string or a list of strings, got null"),
            ),
            (
                r#"{"headers": {"A": ["x", {}]}}"#,
                Some(
                    "`headers.A` must be a string or a list of strings, got a list holding an object",
                ),
            ),
            (
                r#"{"request": "GET https://x/?api_key=k"}"#,
                Some("`request` must be an object, got a string"),
            ),
            (
                r#"{"request": {"url": 3}}"#,
                Some("`request.url` must be a string, got a number"),
            ),
            (
                r#"{"request": {"method": true}}"#,
                Some("`request.method` must be a string, got a boolean"),
            ),
            (
                r#"{"request": {"headers": []}}"#,
                Some("`request.headers` must be an object of header names to values, got a list"),
            ),
            (
                r#"{"status": 401, "headers": {"A": ["x", "y"]}, "body": 5, "request": null, "time": null, "other": {}}"#,
                None,
            ),
            (
                r#"{"status": 0, "headers": null, "request": {"headers": null, "url": null}}"#,
                None,
            ),
        ];
        for (line, expected) in cases {
            let value: Value = serde_json::from_str(line).unwrap();
            assert_eq!(wrong_field(&value).as_deref(), expected, "{line}");
            let refused = serde_json::from_str::<Record>(line).is_err();
            assert_eq!(refused, expected.is_some(), "{line}");
        }
    }
}
