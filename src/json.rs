//! A response body's JSON, borrowed from the body's text: strings without escapes are
//! not copied, objects are lists of members in document order, and nothing is hashed.
//! Serves BENCHMARKS.md target 2 (a log next to a bare parse): building a
//! `serde_json::Value` (an owned string per key and value, a hashed index per object)
//! was a large body's largest cost, and most of a large body is never looked at.
//!
//! It reads exactly what `serde_json::Value` reads — the same parser accepts and
//! refuses the same texts (numbers out of range, lone surrogates, nesting deeper than
//! 128) — and keeps what a `Value` with `preserve_order` keeps: a repeated member's
//! last value, at its first place.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Number, Value};

/// A JSON value whose strings borrow from the text it was read from where they can.
#[derive(Debug, Clone, Default)]
pub enum Json<'a> {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Object<'a>),
}

/// An object's members in document order, each name once.
#[derive(Debug, Clone, Default)]
pub struct Object<'a>(Vec<(Cow<'a, str>, Json<'a>)>);

/// Above this many members, repeated names are found by a hash set rather than by
/// comparing with every member before (a hostile body could hold a million).
const LINEAR_DEDUP_MAX: usize = 32;

impl<'a> Json<'a> {
    /// The body's JSON, or `None` when it is not a JSON object or array (leading
    /// whitespace allowed, as `serde_json` allows it).
    pub fn parse_body(bytes: &'a [u8]) -> Option<Self> {
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
        if !matches!(bytes[start], b'{' | b'[') {
            return None;
        }
        serde_json::from_slice(&bytes[start..]).ok()
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            Json::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Json<'a>>> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        self.as_number()?.as_u64()
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.as_number()?.as_f64()
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn is_i64(&self) -> bool {
        self.as_number().is_some_and(Number::is_i64)
    }

    pub fn is_u64(&self) -> bool {
        self.as_number().is_some_and(Number::is_u64)
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Json::String(_))
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }

    fn as_number(&self) -> Option<&Number> {
        match self {
            Json::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The member `name` of an object; `None` for anything else.
    pub fn member(&self, name: &str) -> Option<&Json<'a>> {
        self.as_object()?.member(name)
    }

    /// The node at a JSON Pointer (RFC 6901), as `serde_json::Value::pointer` finds it.
    pub fn pointer(&self, pointer: &str) -> Option<&Json<'a>> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut node = self;
        for token in pointer.strip_prefix('/')?.split('/') {
            let token = token.replace("~1", "/").replace("~0", "~");
            node = match node {
                Json::Object(o) => o.member(&token)?,
                Json::Array(items) => items.get(array_index(&token)?)?,
                _ => return None,
            };
        }
        Some(node)
    }
}

/// An array index in a JSON Pointer: digits, no leading `+` or zero.
fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() > 1) {
        return None;
    }
    token.parse().ok()
}

impl<'a> Object<'a> {
    pub fn member(&self, name: &str) -> Option<&Json<'a>> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    pub fn has_member(&self, name: &str) -> bool {
        self.member(name).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Json<'a>)> {
        self.0.iter().map(|(k, v)| (&**k, v))
    }

    pub fn values(&self) -> impl Iterator<Item = &Json<'a>> {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Compact JSON, as `serde_json` writes a `Value`.
impl fmt::Display for Json<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Number(n) => n.serialize(s),
            Json::String(text) => s.serialize_str(text),
            Json::Array(items) => items.serialize(s),
            Json::Object(o) => {
                let mut map = s.serialize_map(Some(o.len()))?;
                for (k, v) in o.iter() {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Equal as `serde_json::Value`s are equal: objects whatever their members' order.
impl PartialEq for Json<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Json::Null, Json::Null) => true,
            (Json::Bool(a), Json::Bool(b)) => a == b,
            (Json::Number(a), Json::Number(b)) => a == b,
            (Json::String(a), Json::String(b)) => a == b,
            (Json::Array(a), Json::Array(b)) => a == b,
            (Json::Object(a), Json::Object(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.member(k) == Some(v))
            }
            _ => false,
        }
    }
}

/// A rule's constant (`equals`, `one_of`) against a node of a body.
impl PartialEq<Value> for Json<'_> {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Json::Null, Value::Null) => true,
            (Json::Bool(a), Value::Bool(b)) => a == b,
            (Json::Number(a), Value::Number(b)) => a == b,
            (Json::String(a), Value::String(b)) => a == b,
            (Json::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().eq(b.iter()),
            (Json::Object(a), Value::Object(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v == w))
            }
            _ => false,
        }
    }
}

impl From<Value> for Json<'static> {
    fn from(v: Value) -> Self {
        match v {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(b),
            Value::Number(n) => Json::Number(n),
            Value::String(s) => Json::String(Cow::Owned(s)),
            Value::Array(items) => Json::Array(items.into_iter().map(Json::from).collect()),
            Value::Object(map) => Json::Object(Object(
                map.into_iter()
                    .map(|(k, v)| (Cow::Owned(k), Json::from(v)))
                    .collect(),
            )),
        }
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v.into()))
    }

    // As `serde_json::Value` reads it: a float JSON cannot hold is null.
    fn visit_f64<E>(self, v: f64) -> Result<Json<'de>, E> {
        Ok(Number::from_f64(v).map_or(Json::Null, Json::Number))
    }

    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut members: Vec<(Cow<'de, str>, Json<'de>)> = Vec::new();
        // Where each name is, once there are too many members to compare with.
        let mut index: Option<HashMap<Cow<'de, str>, usize>> = None;
        while let Some(Name(name)) = map.next_key()? {
            let value = map.next_value()?;
            let at = match &index {
                Some(index) => index.get(name.as_ref()).copied(),
                None => members.iter().position(|(k, _)| *k == name),
            };
            match at {
                Some(i) => members[i].1 = value,
                None => {
                    if let Some(index) = &mut index {
                        index.insert(name.clone(), members.len());
                    }
                    members.push((name, value));
                }
            }
            if index.is_none() && members.len() == LINEAR_DEDUP_MAX {
                let names = members.iter().enumerate();
                index = Some(names.map(|(i, (k, _))| (k.clone(), i)).collect());
            }
        }
        Ok(Json::Object(Object(members)))
    }
}

/// A member name, borrowed when it has no escapes.
struct Name<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// jsonpath-rust runs the queries the rule table's own walk does not take (filters,
/// slices) on the body itself.
impl jsonpath_rust::query::queryable::Queryable for Json<'_> {
    fn get(&self, key: &str) -> Option<&Self> {
        self.member(key)
    }

    fn as_array(&self) -> Option<&Vec<Self>> {
        Json::as_array(self)
    }

    fn as_object(&self) -> Option<Vec<(&str, &Self)>> {
        Json::as_object(self).map(|o| o.iter().collect())
    }

    fn as_str(&self) -> Option<&str> {
        Json::as_str(self)
    }

    fn as_i64(&self) -> Option<i64> {
        Json::as_i64(self)
    }

    fn as_f64(&self) -> Option<f64> {
        Json::as_f64(self)
    }

    fn as_bool(&self) -> Option<bool> {
        Json::as_bool(self)
    }

    fn null() -> Self {
        Json::Null
    }
}

impl From<&str> for Json<'_> {
    fn from(s: &str) -> Self {
        Json::String(Cow::Owned(s.to_owned()))
    }
}

impl From<String> for Json<'_> {
    fn from(s: String) -> Self {
        Json::String(Cow::Owned(s))
    }
}

impl From<bool> for Json<'_> {
    fn from(b: bool) -> Self {
        Json::Bool(b)
    }
}

impl From<i64> for Json<'_> {
    fn from(n: i64) -> Self {
        Json::Number(n.into())
    }
}

impl From<f64> for Json<'_> {
    fn from(n: f64) -> Self {
        Number::from_f64(n).map_or(Json::Null, Json::Number)
    }
}

impl<'a> From<Vec<Json<'a>>> for Json<'a> {
    fn from(items: Vec<Json<'a>>) -> Self {
        Json::Array(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(text: &str) -> (Option<Json<'_>>, Option<Value>) {
        let value = serde_json::from_str::<Value>(text.trim_start()).ok();
        (Json::parse_body(text.as_bytes()), value)
    }

    /// Reads what `serde_json::Value` reads, refuses what it refuses, and writes it
    /// back the same: member order, repeated names, numbers, escapes.
    #[test]
    fn reads_and_writes_what_serde_json_values_do() {
        let mut many = String::from("{");
        for i in 0..100 {
            many.push_str(&format!("\"k{}\":{i},", i % 40));
        }
        many.push_str("\"k3\":\"last\"}");
        let cases = [
            r#"{"b":1,"a":[true,null,-2,3.5,1e300],"c":{"d":"x\ny\u00e9"}}"#,
            r#"  [1, 18446744073709551615, 18446744073709551616, -9223372036854775808]"#,
            r#"{"a":1,"b":2,"a":3}"#,
            r#"{"a":1e400}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":1,}"#,
            r#"{"a":"x"} trailing"#,
            r#""just a string""#,
            "5",
            &many,
        ];
        for text in cases {
            let (ours, theirs) = both(text);
            let body_like = text.trim_start().starts_with(['{', '[']);
            assert_eq!(ours.is_some(), theirs.is_some() && body_like, "{text}");
            if let (Some(ours), Some(theirs)) = (ours, theirs) {
                assert_eq!(ours.to_string(), theirs.to_string(), "{text}");
                assert!(ours == theirs, "{text}");
                let converted = Json::from(theirs);
                assert!(ours == converted, "{text}");
            }
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(Json::parse_body(deep.as_bytes()).is_none());
    }

    #[test]
    fn pointers_find_what_serde_json_finds() {
        let text = r#"{"a":{"b/c":[10,{"~d":"x"}]},"":1}"#;
        let (ours, theirs) = both(text);
        let (ours, theirs) = (ours.unwrap(), theirs.unwrap());
        for pointer in [
            "",
            "/a",
            "/a/b~1c",
            "/a/b~1c/1/~0d",
            "/a/b~1c/0",
            "/a/b~1c/01",
            "/a/b~1c/+1",
            "/a/b~1c/2",
            "/",
            "a",
            "/x/y",
        ] {
            let found = ours.pointer(pointer).map(ToString::to_string);
            let expected = theirs.pointer(pointer).map(ToString::to_string);
            assert_eq!(found, expected, "{pointer:?}");
        }
    }

    #[test]
    fn objects_are_equal_whatever_their_order() {
        let a = Json::parse_body(br#"{"x":1,"y":[2]}"#).unwrap();
        let b = Json::parse_body(br#"{"y":[2],"x":1}"#).unwrap();
        assert!(a == b);
        assert!(a == serde_json::json!({"y": [2], "x": 1}));
        assert!(a != serde_json::json!({"y": [2], "x": 1.0}));
        assert!(a != serde_json::json!({"y": [2]}));
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let doc = Json::parse_body(br#"{"plain":"abc","escaped":"a\"c"}"#).unwrap();
        assert!(matches!(
            doc.member("plain"),
            Some(Json::String(Cow::Borrowed("abc")))
        ));
        assert!(matches!(doc.member("escaped"), Some(Json::String(Cow::Owned(s))) if s == "a\"c"));
    }
}
