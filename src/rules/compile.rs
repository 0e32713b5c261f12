//! Turning a rule as written into one ready to evaluate: JSONPath queries parsed,
//! regexes built. Done once per rule, and only for rules a response needs; for the
//! built-in table, each regex is built only when a response reaches it (a rule's
//! earlier conditions often fail first: a transport-failure rule's regex is never built
//! for a response that arrived).

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use super::jsonpath::Query;
use super::model::{
    BodyCondition, BodyKind, Extract, FieldsSpec, HeaderCondition, JsonType, RequestCondition,
    Rule, StatusItem, StatusSpec, TextTest,
};
use super::shared;
use crate::limit::one_line;

/// Why a rule (or a pack's `request_id`) does not compile. Its text is what
/// `apidiag rules check` and a user file's load error print, so it names the part of the
/// rule at fault.
#[derive(Debug)]
pub(crate) enum CompileError {
    StatusCode(u16),
    StatusClass(String),
    Regex {
        part: &'static str,
        pattern: String,
        reason: String,
    },
    /// `part` is `None` where the query stands alone (a `request_id` extractor).
    Query {
        part: Option<&'static str>,
        query: String,
        reason: String,
    },
    /// A built-in rule whose text does not parse ([`super::LazyRule::get`]'s message).
    Unparsed(String),
}

impl CompileError {
    /// Name the part of the rule a query came from.
    fn in_part(self, name: &'static str) -> Self {
        match self {
            Self::Query { query, reason, .. } => Self::Query {
                part: Some(name),
                query,
                reason,
            },
            other => other,
        }
    }
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::StatusCode(c) => write!(f, "status {c} is outside 100–599"),
            Self::StatusClass(s) => write!(f, "status class {s:?} is not one of 1xx…5xx"),
            Self::Regex {
                part,
                pattern,
                reason,
            } => write!(f, "{part}: invalid regex {pattern:?}: {reason}"),
            Self::Query {
                part,
                query,
                reason,
            } => {
                if let Some(part) = part {
                    write!(f, "{part}: ")?;
                }
                write!(f, "invalid JSONPath {query:?}: {reason}")
            }
            Self::Unparsed(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for CompileError {}

#[derive(Debug)]
pub(crate) struct Compiled {
    pub status: Option<StatusSet>,
    pub body: Vec<BodyTest>,
    pub evidence: Vec<BodyTest>,
    pub text: Option<TextMatch>,
    pub body_kind: Option<BodyKind>,
    pub headers: Vec<HeaderTest>,
    pub request: Option<RequestTest>,
    pub transport: Option<TextMatch>,
    pub fields: Option<Fields>,
    pub request_id: Vec<Extractor>,
    /// How many conditions the rule tests: the second ranking key.
    pub condition_count: usize,
}

/// Status codes and classes (`4xx` → 4) a rule accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StatusSet {
    pub codes: Vec<u16>,
    pub classes: Vec<u16>,
}

impl StatusSet {
    pub(crate) fn from_spec(spec: &StatusSpec) -> Result<Self, CompileError> {
        let items: &[StatusItem] = match spec {
            StatusSpec::One(item) => std::slice::from_ref(item),
            StatusSpec::Many(items) => items,
        };
        let mut set = Self::default();
        for item in items {
            match item {
                StatusItem::Code(c) if shared::status_code_valid(*c) => set.codes.push(*c),
                StatusItem::Code(c) => return Err(CompileError::StatusCode(*c)),
                StatusItem::Class(s) => set.classes.push(parse_class(s)?),
            }
        }
        Ok(set)
    }

    pub(crate) fn contains(&self, status: u16) -> bool {
        self.codes.contains(&status) || self.classes.contains(&(status / 100))
    }
}

fn parse_class(s: &str) -> Result<u16, CompileError> {
    shared::status_class(s).ok_or_else(|| CompileError::StatusClass(s.to_owned()))
}

#[derive(Debug)]
pub(crate) struct BodyTest {
    pub query: Query,
    pub equals: Option<Value>,
    pub one_of: Option<Vec<Value>>,
    pub not_in: Option<Vec<Value>>,
    pub contains: Option<String>,
    pub starts_with: Option<String>,
    pub regex: Option<LazyRegex>,
    pub exists: Option<bool>,
    pub json_type: Option<JsonType>,
    pub capture: Option<String>,
}

#[derive(Debug)]
pub(crate) struct TextMatch {
    pub contains: Option<String>,
    pub regex: Option<LazyRegex>,
}

#[derive(Debug)]
pub(crate) struct HeaderTest {
    pub name: String,
    pub exists: Option<bool>,
    pub equals: Option<String>,
    pub contains: Option<String>,
    pub regex: Option<LazyRegex>,
    pub capture: Option<String>,
}

#[derive(Debug)]
pub(crate) struct RequestTest {
    pub known: Option<bool>,
    pub method: Vec<String>,
    pub path: Option<LazyRegex>,
    pub host: Option<LazyRegex>,
    pub auth_scheme: Option<String>,
    pub key_prefix: Vec<String>,
    pub key_prefix_not: Vec<String>,
    pub header: Vec<String>,
    pub query: Vec<BodyTest>,
}

#[derive(Debug)]
pub(crate) struct Fields {
    pub each: Query,
    pub field: Option<Query>,
    pub problem: Option<Query>,
    pub pattern: Option<LazyRegex>,
}

#[derive(Debug)]
pub(crate) struct Extractor {
    pub body: Option<Query>,
    pub header: Option<String>,
    pub regex: Option<LazyRegex>,
}

/// Compile `rule`, building every regex now; the error names the part that failed.
pub(crate) fn compile(rule: &Rule) -> Result<Compiled, CompileError> {
    compile_with(rule, Regexes::Now)
}

/// Compile `rule`, leaving each regex to be built when first used. For rules whose
/// [`compile`] is known to succeed (the built-in table is checked by the test suite);
/// a regex that fails to build then makes its condition fail.
pub(crate) fn compile_lazily(rule: &Rule) -> Result<Compiled, CompileError> {
    compile_with(rule, Regexes::WhenUsed)
}

/// When a rule's regexes are built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Regexes {
    Now,
    WhenUsed,
}

/// A regex built at most once, possibly only when first used.
#[derive(Debug)]
pub(crate) struct LazyRegex {
    pattern: String,
    place: &'static str,
    /// `None`: the pattern does not build (only `compile_lazily` defers that error).
    built: OnceLock<Option<Regex>>,
}

impl LazyRegex {
    fn new(pattern: &str, place: &'static str, when: Regexes) -> Result<Self, CompileError> {
        let built = OnceLock::new();
        if when == Regexes::Now {
            let _ = built.set(Some(regex(pattern, place)?));
        }
        Ok(Self {
            pattern: pattern.to_owned(),
            place,
            built,
        })
    }

    /// The regex, or `None` when it does not build.
    pub(crate) fn get(&self) -> Option<&Regex> {
        self.built
            .get_or_init(|| regex(&self.pattern, self.place).ok())
            .as_ref()
    }
}

fn compile_with(rule: &Rule, when: Regexes) -> Result<Compiled, CompileError> {
    let w = &rule.when;
    let status = w.status.as_ref().map(StatusSet::from_spec).transpose()?;
    let body = w
        .body
        .iter()
        .map(|c| body_test(c, when, BodyPlace::BODY))
        .collect::<Result<Vec<_>, _>>()?;
    let evidence = w
        .evidence
        .iter()
        .map(|c| body_test(c, when, BodyPlace::EVIDENCE))
        .collect::<Result<Vec<_>, _>>()?;
    let text = w
        .text
        .as_ref()
        .map(|t| text_match(t, "when.text", when))
        .transpose()?;
    let headers = w
        .headers
        .iter()
        .map(|h| header_test(h, when))
        .collect::<Result<Vec<_>, _>>()?;
    let request = w
        .request
        .as_ref()
        .map(|r| request_test(r, when))
        .transpose()?;
    let transport = w
        .transport_error
        .as_ref()
        .map(|t| text_match(t, "when.transport_error", when))
        .transpose()?;
    let condition_count = usize::from(status.is_some())
        + body.len()
        + evidence.len()
        + text.as_ref().map_or(0, TextMatch::count)
        + usize::from(w.body_kind.is_some())
        + headers.len()
        + request.as_ref().map_or(0, RequestTest::count)
        + transport.as_ref().map_or(0, TextMatch::count);
    Ok(Compiled {
        status,
        body,
        evidence,
        text,
        body_kind: w.body_kind,
        headers,
        request,
        transport,
        fields: rule.fields.as_ref().map(|f| fields(f, when)).transpose()?,
        request_id: extractors_with(&rule.request_id, when)?,
        condition_count,
    })
}

pub(crate) fn extractors(list: &[Extract]) -> Result<Vec<Extractor>, CompileError> {
    extractors_with(list, Regexes::Now)
}

fn extractors_with(list: &[Extract], when: Regexes) -> Result<Vec<Extractor>, CompileError> {
    list.iter()
        .map(|e| {
            Ok(Extractor {
                body: e.body.as_deref().map(Query::compile).transpose()?,
                header: e.header.clone(),
                regex: e
                    .regex
                    .as_deref()
                    .map(|r| LazyRegex::new(r, "request_id.regex", when))
                    .transpose()?,
            })
        })
        .collect()
}

fn regex(pattern: &str, place: &'static str) -> Result<Regex, CompileError> {
    Regex::new(pattern).map_err(|e| CompileError::Regex {
        part: place,
        pattern: pattern.to_owned(),
        // regex draws the error's position over several lines; a rule error is one line.
        reason: one_line(&e.to_string(), usize::MAX),
    })
}

/// `place` names the condition in errors: `when.body` or `when.request.query`.
fn body_test(c: &BodyCondition, when: Regexes, place: BodyPlace) -> Result<BodyTest, CompileError> {
    Ok(BodyTest {
        query: Query::compile(&c.path).map_err(|e| e.in_part(place.path))?,
        equals: c.equals.clone(),
        one_of: c.one_of.clone(),
        not_in: c.not_in.clone(),
        contains: c.contains.clone(),
        starts_with: c.starts_with.clone(),
        regex: c
            .regex
            .as_deref()
            .map(|r| LazyRegex::new(r, place.regex, when))
            .transpose()?,
        exists: c.exists,
        json_type: c.json_type,
        capture: c.capture.clone(),
    })
}

/// Where a body-style condition stands, as error messages name it.
#[derive(Clone, Copy)]
struct BodyPlace {
    path: &'static str,
    regex: &'static str,
}

impl BodyPlace {
    const BODY: Self = Self {
        path: "when.body",
        regex: "when.body.regex",
    };
    const EVIDENCE: Self = Self {
        path: "when.evidence",
        regex: "when.evidence.regex",
    };
    const QUERY: Self = Self {
        path: "when.request.query",
        regex: "when.request.query.regex",
    };
}

fn text_match(t: &TextTest, place: &'static str, when: Regexes) -> Result<TextMatch, CompileError> {
    Ok(TextMatch {
        contains: t.contains.clone(),
        regex: t
            .regex
            .as_deref()
            .map(|r| LazyRegex::new(r, place, when))
            .transpose()?,
    })
}

impl TextMatch {
    fn count(&self) -> usize {
        usize::from(self.contains.is_some()) + usize::from(self.regex.is_some())
    }
}

fn header_test(h: &HeaderCondition, when: Regexes) -> Result<HeaderTest, CompileError> {
    Ok(HeaderTest {
        name: h.name.clone(),
        exists: h.exists,
        equals: h.equals.clone(),
        contains: h.contains.as_deref().map(str::to_ascii_lowercase),
        regex: h
            .regex
            .as_deref()
            .map(|r| LazyRegex::new(r, "when.headers.regex", when))
            .transpose()?,
        capture: h.capture.clone(),
    })
}

fn request_test(r: &RequestCondition, when: Regexes) -> Result<RequestTest, CompileError> {
    Ok(RequestTest {
        known: r.known,
        method: r.method.iter().map(|m| m.to_ascii_uppercase()).collect(),
        path: r
            .path
            .as_deref()
            .map(|p| LazyRegex::new(p, "when.request.path", when))
            .transpose()?,
        host: r
            .host
            .as_deref()
            .map(|p| LazyRegex::new(p, "when.request.host", when))
            .transpose()?,
        auth_scheme: r.auth_scheme.clone(),
        key_prefix: r.key_prefix.clone(),
        key_prefix_not: r.key_prefix_not.clone(),
        header: r.header.clone(),
        query: r
            .query
            .iter()
            .map(|c| body_test(c, when, BodyPlace::QUERY))
            .collect::<Result<_, _>>()?,
    })
}

impl RequestTest {
    fn count(&self) -> usize {
        usize::from(self.known.is_some())
            + usize::from(!self.method.is_empty())
            + usize::from(self.path.is_some())
            + usize::from(self.host.is_some())
            + usize::from(self.auth_scheme.is_some())
            + usize::from(!self.key_prefix.is_empty())
            + usize::from(!self.key_prefix_not.is_empty())
            + self.header.len()
            + self.query.len()
    }
}

fn fields(f: &FieldsSpec, when: Regexes) -> Result<Fields, CompileError> {
    let q = |p: &Option<String>| {
        p.as_deref()
            .map(Query::compile)
            .transpose()
            .map_err(|e| e.in_part("fields"))
    };
    Ok(Fields {
        each: Query::compile(&f.each).map_err(|e| e.in_part("fields.each"))?,
        field: q(&f.field)?,
        problem: q(&f.problem)?,
        pattern: f
            .pattern
            .as_deref()
            .map(|p| LazyRegex::new(p, "fields.pattern", when))
            .transpose()?,
    })
}
