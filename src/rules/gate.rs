//! Serves BENCHMARKS.md target 1 (one response <= 2x `cat`), and target 2 per record:
//! most status-bucket candidates fail their gate and are never parsed or compiled.
//!
//! Conditions a rule cannot hold without, checked before the rule is parsed or compiled.

use std::borrow::Cow;

use super::compile::StatusSet;
use super::loader;
use super::matcher::Subject;
use super::model::{self, Rule, StatusSpec};

/// Status codes or classes, borrowed from build.rs's tables or owned.
type Codes = Cow<'static, [u16]>;

/// Conditions a rule cannot hold without, tested before the rule is parsed or
/// compiled: most candidates a status bucket yields fail one of them.
#[derive(Debug)]
pub(super) struct Gate {
    /// `when.status` as codes and classes; `None`: any status (or an invalid one: such a
    /// rule never compiles, so never matches).
    status: Option<(Codes, Codes)>,
    transport: bool,
    json: bool,
    body_kind: Option<model::BodyKind>,
    headers: Cow<'static, [Cow<'static, str>]>,
}

impl Gate {
    pub(super) fn of(rule: &Rule) -> Self {
        let w = &rule.when;
        Self {
            status: w
                .status
                .as_ref()
                .and_then(status_set)
                .map(|set| (Cow::Owned(set.codes), Cow::Owned(set.classes))),
            transport: w.transport_error.is_some(),
            json: !w.body.is_empty(),
            body_kind: w.body_kind,
            headers: w
                .headers
                .iter()
                .filter(|h| h.exists != Some(false))
                .map(|h| Cow::Owned(h.name.clone()))
                .collect(),
        }
    }

    pub(super) fn builtin(
        g: &loader::BuiltinGate<'static>,
        status: Option<(&'static [u16], &'static [u16])>,
    ) -> Self {
        use model::BodyKind;
        Self {
            status: status.map(|(codes, classes)| (Cow::Borrowed(codes), Cow::Borrowed(classes))),
            transport: g.transport,
            json: g.json,
            body_kind: g.body_kind.and_then(|k| match k {
                "empty" => Some(BodyKind::Empty),
                "json" => Some(BodyKind::Json),
                "html" => Some(BodyKind::Html),
                "text" => Some(BodyKind::Text),
                _ => None,
            }),
            headers: g.headers.iter().map(|h| Cow::Borrowed(*h)).collect(),
        }
    }

    /// `when.status` as codes and classes (`None`: any status).
    pub(super) fn status(&self) -> Option<(&[u16], &[u16])> {
        self.status
            .as_ref()
            .map(|(codes, classes)| (&codes[..], &classes[..]))
    }

    /// The rule tests a transport failure: it cannot hold for a response that arrived.
    pub(super) fn needs_transport(&self) -> bool {
        self.transport
    }

    /// The body kind the rule cannot hold without: JSON for a rule that tests the JSON
    /// body (a body is of kind JSON exactly when it parses as JSON).
    pub(super) fn kind(&self) -> Option<model::BodyKind> {
        self.body_kind
            .or(self.json.then_some(model::BodyKind::Json))
    }

    pub(super) fn open(&self, s: &Subject<'_>) -> bool {
        // An unknown status passes: a rule with a literal is then lenient about it.
        let status = match (&self.status, s.resp.status) {
            (Some((codes, classes)), Some(code)) => {
                codes.contains(&code) || classes.contains(&(code / 100))
            }
            _ => true,
        };
        status
            && (!self.transport || s.resp.transport_error.is_some())
            && self.body_kind.is_none_or(|k| k == s.kind)
            && self.headers.iter().all(|h| s.resp.headers.get(h).is_some())
            && (!self.json || s.json().is_some())
    }
}

pub(super) fn status_set(spec: &StatusSpec) -> Option<StatusSet> {
    StatusSet::from_spec(spec).ok()
}
