//! Serves BENCHMARKS.md target 2 (a log at >= 50% of a bare parse): rule prose is shared
//! and JSON-escaped once, not copied per response (session 4: CPU on the log -8 to -10%).
//!
//! Text in a diagnosis: prose shared with the rule table, which every response a rule
//! explains points to instead of copying, or text made for one response. Either way it
//! reads, compares and serialises as a plain string.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Owned(String),
    Shared(Arc<Shared>),
}

struct Shared {
    text: Box<str>,
    /// What the JSON renderer makes of `text`, made the first time it is asked for:
    /// the same bytes for every response that carries this text.
    json: OnceLock<Box<[u8]>>,
}

impl Text {
    /// Text to be shared: cloning it copies a pointer, not the text.
    pub fn shared(text: &str) -> Self {
        Self(Repr::Shared(Arc::new(Shared {
            text: text.into(),
            json: OnceLock::new(),
        })))
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Owned(s) => s,
            Repr::Shared(s) => &s.text,
        }
    }

    /// For shared text, `render(text)` made once and kept; `None` for text of its own.
    pub fn rendered_once(&self, render: impl FnOnce(&str) -> Vec<u8>) -> Option<&[u8]> {
        match &self.0 {
            Repr::Owned(_) => None,
            Repr::Shared(s) => Some(s.json.get_or_init(|| render(&s.text).into())),
        }
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Self(Repr::Owned(s))
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Self(Repr::Owned(s.to_owned()))
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::from)
    }
}

/// A string in the schema, exactly as `String` is.
impl JsonSchema for Text {
    fn inline_schema() -> bool {
        String::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        String::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        String::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_and_owned_text_read_compare_and_serialise_alike() {
        let (shared, owned) = (Text::shared("a \"b\""), Text::from("a \"b\""));
        assert_eq!(shared, owned);
        assert_eq!(shared, "a \"b\"");
        assert_eq!(format!("{shared} {shared:?}"), format!("{owned} {owned:?}"));
        assert_eq!(
            serde_json::to_string(&shared).unwrap(),
            serde_json::to_string(&owned).unwrap()
        );
        let back: Text = serde_json::from_str("\"a \\\"b\\\"\"").unwrap();
        assert_eq!(back, shared);
    }

    #[test]
    fn shared_text_is_rendered_once_and_its_clones_reuse_it() {
        let shared = Text::shared("x");
        let clone = shared.clone();
        let mut calls = 0;
        let mut render = |t: &str| {
            calls += 1;
            format!("<{t}>").into_bytes()
        };
        assert_eq!(shared.rendered_once(&mut render), Some(&b"<x>"[..]));
        assert_eq!(clone.rendered_once(&mut render), Some(&b"<x>"[..]));
        assert_eq!(Text::from("x").rendered_once(render), None);
        assert_eq!(calls, 1);
    }
}
