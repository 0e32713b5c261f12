//! A rule's prose as its diagnoses carry it: made once per rule and shared by every
//! response the rule explains, instead of copied into each; only a template with
//! placeholders is filled per response.

use serde_json::Value;

use super::model::Rule;
use crate::template;
use crate::text::Text;

/// The id, title, cause, fix steps, retry advice and docs of one rule.
#[derive(Debug)]
pub(crate) struct Prose {
    pub id: Text,
    pub title: ProseText,
    pub cause: ProseText,
    pub fix: Vec<ProseText>,
    pub retry: Option<RetryProse>,
    /// The rule's, else its file's.
    pub docs: Option<Text>,
}

#[derive(Debug)]
pub(crate) struct RetryProse {
    pub retryable: bool,
    pub advice: ProseText,
    /// `after`, when it is a number of seconds or a template for one.
    pub wait: Option<Wait>,
}

#[derive(Debug)]
pub(crate) enum ProseText {
    /// The same text for every response.
    Plain(Text),
    WithPlaceholders(template::Template),
}

impl Prose {
    pub(crate) fn of(rule: &Rule, file_docs: Option<&str>) -> Self {
        Self {
            id: Text::shared(&rule.id),
            title: ProseText::new(&rule.title),
            cause: ProseText::new(&rule.cause),
            fix: rule.fix.iter().map(|f| ProseText::new(f)).collect(),
            retry: rule.retry.as_ref().map(|r| RetryProse {
                retryable: r.retryable,
                advice: ProseText::new(&r.advice),
                wait: r.after.as_ref().and_then(Wait::new),
            }),
            docs: rule.docs.as_deref().or(file_docs).map(Text::shared),
        }
    }
}

#[derive(Debug)]
pub(crate) enum Wait {
    Seconds(u64),
    /// `"{{wait}}"`: seconds when it renders as a whole number.
    Template(ProseText),
}

impl Wait {
    fn new(after: &Value) -> Option<Self> {
        match after {
            Value::Number(n) => n.as_u64().map(Self::Seconds),
            Value::String(t) => Some(Self::Template(ProseText::new(t))),
            _ => None,
        }
    }

    pub(crate) fn seconds<'v>(&self, value: &dyn Fn(&str) -> Option<&'v str>) -> Option<u64> {
        match self {
            Self::Seconds(s) => Some(*s),
            Self::Template(t) => t.fill(value).trim().parse().ok(),
        }
    }
}

impl ProseText {
    fn new(text: &str) -> Self {
        let template = template::Template::parse(text);
        if template.is_plain() {
            Self::Plain(Text::shared(text))
        } else {
            Self::WithPlaceholders(template)
        }
    }

    pub(crate) fn fill<'v>(&self, value: &dyn Fn(&str) -> Option<&'v str>) -> Text {
        match self {
            Self::Plain(text) => text.clone(),
            Self::WithPlaceholders(template) => template.render(value).into(),
        }
    }
}
