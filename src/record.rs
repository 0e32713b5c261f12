//! The JSON record shape shared by NDJSON input lines and rule examples:
//! `{"status":…, "headers":{…}, "body":…, "request":{…}, "time":…, "error":…}`.

use std::fmt;

use schemars::JsonSchema;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

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
                Ok(OneOrMany::One(v.to_string()))
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
            transport_error: self.error.or_else(|| {
                (self.status == Some(0)).then(|| "no response received (status 0)".to_string())
            }),
            time: self.time,
            ..Response::default()
        }
    }
}
