//! A rule's prose as its diagnoses carry it: made once per rule and shared by every
//! response the rule explains, instead of copied into each; only a template with
//! placeholders is filled per response.

use super::model::Rule;
use crate::template;
use crate::text::Text;

/// The id, title, cause, fix steps, retry advice and docs of one rule.
#[derive(Debug)]
pub struct Prose {
    pub id: Text,
    pub title: Template,
    pub cause: Template,
    pub fix: Vec<Template>,
    /// With the rule's `retry`.
    pub advice: Option<Template>,
    /// The rule's, else its file's.
    pub docs: Option<Text>,
}

#[derive(Debug)]
pub enum Template {
    /// The same text for every response.
    Plain(Text),
    WithPlaceholders(template::Template),
}

impl Prose {
    pub fn of(rule: &Rule, file_docs: Option<&str>) -> Self {
        Self {
            id: Text::shared(&rule.id),
            title: Template::new(&rule.title),
            cause: Template::new(&rule.cause),
            fix: rule.fix.iter().map(|f| Template::new(f)).collect(),
            advice: rule.retry.as_ref().map(|r| Template::new(&r.advice)),
            docs: rule.docs.as_deref().or(file_docs).map(Text::shared),
        }
    }
}

impl Template {
    fn new(template: &str) -> Self {
        if template::is_plain(template) {
            Self::Plain(Text::shared(template))
        } else {
            Self::WithPlaceholders(template::Template::parse(template))
        }
    }

    pub fn fill<'v>(&self, value: &dyn Fn(&str) -> Option<&'v str>) -> Text {
        match self {
            Self::Plain(text) => text.clone(),
            Self::WithPlaceholders(template) => template.render(value).into(),
        }
    }
}
