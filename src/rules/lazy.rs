//! Serves BENCHMARKS.md target 1 (one response <= 2x `cat`): a run parses only the
//! built-in rules a response makes candidates, and those without their examples.
//!
//! Built-in rules parsed the first time a response needs them.

use std::borrow::Cow;
use std::sync::OnceLock;

use super::loader;
use super::model::Rule;

/// A rule parsed the first time it is needed. Every run would otherwise parse the
/// whole built-in table (most of it examples) to use a handful of rules.
pub struct LazyRule {
    /// The id (named so as not to shadow `Rule::id` through `Deref`).
    pub(super) key: Cow<'static, str>,
    /// The JSON text of a built-in rule not parsed yet.
    pub(super) text: Option<&'static str>,
    /// Where the `"examples"` member is in `text` (named so as not to shadow
    /// `Rule::examples` through `Deref`).
    pub(super) examples_span: Option<(usize, usize)>,
    /// Its `priority` and number of conditions as build.rs counted them.
    pub(super) rank: Option<(i32, usize)>,
    /// Its place in rank order among the built-in rules, as build.rs sorted them.
    pub(super) place: Option<u32>,
    pub(super) cell: OnceLock<Result<Box<Rule>, String>>,
    /// The rule parsed without its examples, when only that was needed.
    pub(super) core: OnceLock<Result<Box<Rule>, String>>,
}

impl LazyRule {
    pub(super) fn parsed(rule: Rule) -> Self {
        Self {
            key: Cow::Owned(rule.id.clone()),
            text: None,
            examples_span: None,
            rank: None,
            place: None,
            cell: OnceLock::from(Ok(Box::new(rule))),
            core: OnceLock::new(),
        }
    }

    pub(super) fn builtin(file: &'static str, meta: &loader::BuiltinRule) -> Self {
        Self {
            key: Cow::Borrowed(meta.id),
            text: Some(&file[meta.span.0..meta.span.1]),
            examples_span: meta.examples,
            rank: Some(meta.rank),
            place: Some(meta.place),
            cell: OnceLock::new(),
            core: OnceLock::new(),
        }
    }

    /// The rule, or why its built-in text does not parse (`cargo test` and
    /// `apidiag rules check` report that as a broken built-in file).
    pub fn get(&self) -> Result<&Rule, &str> {
        self.cell
            .get_or_init(|| {
                let text = self.text.expect("a rule without text is parsed");
                serde_json::from_str(text)
                    .map_err(|e| format!("built-in rule {} does not parse: {e}", self.key))
            })
            .as_deref()
            .map_err(String::as_str)
    }
}

impl LazyRule {
    /// The rule without its examples (they are most of a rule's text, and only
    /// `rules check`, `explain` and the tests look at them): what diagnosing needs.
    pub(crate) fn core(&self) -> Result<&Rule, &str> {
        if let Some(full) = self.cell.get() {
            return full.as_deref().map_err(String::as_str);
        }
        let (Some(text), Some((from, to))) = (self.text, self.examples_span) else {
            return self.get();
        };
        self.core
            .get_or_init(|| {
                let stub = format!(
                    "{}\"examples\":{{\"match\":[]}}{}",
                    &text[..from],
                    &text[to..]
                );
                serde_json::from_str(&stub)
                    .map_err(|e| format!("built-in rule {} does not parse: {e}", self.key))
            })
            .as_deref()
            .map_err(String::as_str)
    }
}

impl std::ops::Deref for LazyRule {
    type Target = Rule;

    /// Panics when a built-in rule does not parse, which the test suite rules out.
    fn deref(&self) -> &Rule {
        self.get().unwrap_or_else(|e| panic!("{e}"))
    }
}

impl std::fmt::Debug for LazyRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.cell.get() {
            Some(Ok(rule)) => rule.fmt(f),
            _ => write!(f, "LazyRule({:?})", self.key),
        }
    }
}
