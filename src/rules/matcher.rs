//! Evaluating one compiled rule against one response: every condition must hold;
//! what the conditions capture fills the rule's placeholders.

use std::borrow::Cow;
use std::cell::OnceCell;

use super::compile::{BodyTest, Compiled, HeaderTest, LazyRegex, RequestTest, TextMatch};
use super::model::{BodyKind, JsonType};
use crate::facts::RequestFacts;
use crate::json::Json;
use crate::response::Response;

/// Placeholder values a match captured, in capture order.
pub(crate) type Captures = Vec<(String, String)>;

/// Why a rule matched: its captures and one short line per condition.
#[derive(Debug, Clone, Default)]
pub(crate) struct Proof {
    pub captures: Captures,
    /// Empty unless the subject asked for explanations ([`Subject::explain`]).
    pub why: Vec<String>,
    explain: bool,
}

impl Proof {
    /// Record why a condition held, when explanations are wanted: building the text
    /// for every condition of every candidate is a large share of matching.
    fn note(&mut self, why: impl FnOnce() -> String) {
        if self.explain {
            self.why.push(why());
        }
    }
}

/// Everything the conditions look at, computed once per response.
pub(crate) struct Subject<'a> {
    pub resp: &'a Response,
    pub facts: RequestFacts<'a>,
    pub kind: BodyKind,
    /// The body's JSON, when it is JSON.
    json: Option<Json<'a>>,
    /// The body as text, decoded when a condition first needs it.
    text: OnceCell<Cow<'a, str>>,
    /// What the response says of its failure, read when first needed.
    evidence: OnceCell<crate::evidence::Evidence>,
    /// The evidence as `when.evidence` conditions test it.
    evidence_json: OnceCell<Json<'static>>,
    /// Say why each condition held ([`Proof::why`]); on by default, off when only
    /// the winner's output is wanted.
    pub explain: bool,
}

impl<'a> Subject<'a> {
    pub(crate) fn new(resp: &'a Response) -> Self {
        let text = OnceCell::new();
        let json = Json::parse_body(resp.body.bytes());
        // A body that parses as JSON is not empty: its kind needs no text.
        let kind = if json.is_some() {
            BodyKind::Json
        } else {
            body_kind(resp, text.get_or_init(|| resp.body.text()))
        };
        Self {
            resp,
            facts: RequestFacts::of(resp),
            kind,
            json,
            text,
            evidence: OnceCell::new(),
            evidence_json: OnceCell::new(),
            explain: true,
        }
    }

    pub(crate) fn evidence(&self) -> &crate::evidence::Evidence {
        self.evidence
            .get_or_init(|| crate::evidence::Evidence::of(self.resp, self.json()))
    }

    fn evidence_json(&self) -> &Json<'static> {
        self.evidence_json
            .get_or_init(|| Json::from(self.evidence().to_json()))
    }

    /// The body's JSON, or `None` when the body is not JSON.
    pub(crate) fn json(&self) -> Option<&Json<'a>> {
        self.json.as_ref()
    }

    /// The body as text (invalid UTF-8 replaced).
    pub(crate) fn text(&self) -> &str {
        self.text.get_or_init(|| self.resp.body.text())
    }
}

fn body_kind(resp: &Response, text: &str) -> BodyKind {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        BodyKind::Empty
    } else if crate::response::looks_like_html(trimmed.as_bytes())
        || resp
            .headers
            .get("content-type")
            .is_some_and(|c| c.contains("html"))
    {
        BodyKind::Html
    } else {
        BodyKind::Text
    }
}

/// `Some` when every condition of `rule` holds. `lenient_status`: the status is unknown
/// and the rule tests a literal of the body, so its status condition is not held against it.
pub(crate) fn evaluate(rule: &Compiled, s: &Subject<'_>, lenient_status: bool) -> Option<Proof> {
    if !could_hold(rule, s, lenient_status) {
        return None;
    }
    let mut ev = Proof {
        explain: s.explain,
        ..Proof::default()
    };
    if let Some(set) = &rule.status {
        match s.resp.status {
            Some(code) if set.contains(code) => ev.note(|| format!("status {code}")),
            None if lenient_status => ev.note(|| "status unknown; the body's text decided".into()),
            _ => return None,
        }
    }
    if let Some(kind) = rule.body_kind {
        if kind != s.kind {
            return None;
        }
        ev.note(|| format!("body is {}", kind_name(kind)));
    }
    if let Some(t) = &rule.transport {
        let err = s.resp.transport_error.as_deref()?;
        text_holds(t, err, &mut ev)?;
        ev.note(|| "no response: transport failure".into());
    }
    if let Some(t) = &rule.text {
        text_holds(t, s.text(), &mut ev)?;
        ev.note(|| "body text matches".into());
    }
    if !rule.body.is_empty() {
        let json = s.json()?;
        for test in &rule.body {
            body_holds(test, json, &mut ev)?;
        }
    }
    for test in &rule.evidence {
        body_holds(test, s.evidence_json(), &mut ev)?;
    }
    for h in &rule.headers {
        header_holds(h, s.resp, &mut ev)?;
    }
    if let Some(r) = &rule.request {
        request_holds(r, s, &mut ev)?;
    }
    Some(ev)
}

/// The conditions that are cheap to test (no regex to build, no JSONPath to walk, no
/// text to format), tested before [`evaluate`] tests every condition in order: most
/// candidates fail one of them. `false` only when `evaluate` would give `None`.
fn could_hold(rule: &Compiled, s: &Subject<'_>, lenient_status: bool) -> bool {
    let status = rule.status.as_ref().is_none_or(|set| match s.resp.status {
        Some(code) => set.contains(code),
        None => lenient_status,
    });
    let transport = rule.transport.is_none() || s.resp.transport_error.is_some();
    let text = rule
        .text
        .as_ref()
        .and_then(|t| t.contains.as_deref())
        .is_none_or(|needle| has(s.text(), needle));
    status
        && rule.body_kind.is_none_or(|kind| kind == s.kind)
        && transport
        && text
        && (rule.body.is_empty() || s.json.is_some())
        && rule.headers.iter().all(|h| header_could_hold(h, s.resp))
        && rule
            .request
            .as_ref()
            .is_none_or(|r| request_could_hold(r, s))
}

fn header_could_hold(h: &HeaderTest, resp: &Response) -> bool {
    match (h.exists, resp.headers.get(&h.name)) {
        (Some(false), value) => value.is_none(),
        (_, None) => false,
        (_, Some(value)) => {
            let value = value.trim();
            h.equals
                .as_deref()
                .is_none_or(|e| e.eq_ignore_ascii_case(value))
                && h.contains
                    .as_deref()
                    .is_none_or(|c| has(&value.to_ascii_lowercase(), c))
        }
    }
}

fn request_could_hold(r: &RequestTest, s: &Subject<'_>) -> bool {
    let f = &s.facts;
    let credential_ok = |list: &[String]| list.is_empty() || f.credential.is_some();
    r.known.is_none_or(|known| known == f.known)
        && (r.method.is_empty()
            || f.method
                .is_some_and(|m| r.method.iter().any(|w| w.eq_ignore_ascii_case(m))))
        && (r.path.is_none() || f.path.is_some())
        && (r.host.is_none() || f.host.is_some())
        && (r.query.is_empty() || request_url(s).is_some())
        && credential_ok(&r.key_prefix)
        && credential_ok(&r.key_prefix_not)
        && r.header.iter().all(|name| {
            s.resp
                .request
                .as_ref()
                .is_some_and(|q| q.headers.get(name).is_some())
        })
}

/// `str::contains`, by a byte search that suits the short texts rules test.
fn has(hay: &str, needle: &str) -> bool {
    needle.is_empty() || super::index::contains(hay.as_bytes(), needle.as_bytes())
}

fn kind_name(kind: BodyKind) -> &'static str {
    match kind {
        BodyKind::Empty => "empty",
        BodyKind::Json => "JSON",
        BodyKind::Html => "HTML",
        BodyKind::Text => "plain text",
    }
}

fn text_holds(t: &TextMatch, text: &str, ev: &mut Proof) -> Option<()> {
    if let Some(needle) = &t.contains {
        has(text, needle).then_some(())?;
    }
    if let Some(re) = &t.regex {
        capture_groups(re, text, ev)?;
    }
    Some(())
}

fn capture_groups(re: &LazyRegex, text: &str, ev: &mut Proof) -> Option<()> {
    let re = re.get()?;
    // Only named groups fill placeholders: without one, a match has nothing to add,
    // and finding whether there is one needs no capture slots. With one, a single
    // search finds both (a match tested first would be searched for twice).
    if re.capture_names().flatten().next().is_none() {
        return re.is_match(text).then_some(());
    }
    let caps = re.captures(text)?;
    for name in re.capture_names().flatten() {
        if let Some(m) = caps.name(name) {
            ev.captures.push((name.to_owned(), m.as_str().to_owned()));
        }
    }
    Some(())
}

fn body_holds(test: &BodyTest, json: &Json<'_>, ev: &mut Proof) -> Option<()> {
    let nodes = test.query.select(json);
    if let Some(want) = test.exists {
        if nodes.is_empty() == want {
            return None;
        }
        if !want || !test.has_value_tests() {
            ev.note(|| {
                format!(
                    "{} {}",
                    test.query.source(),
                    if want { "present" } else { "absent" }
                )
            });
            if let (true, Some(name), Some(node)) = (want, &test.capture, nodes.first()) {
                ev.captures.push((name.clone(), scalar_text(node)));
            }
            return Some(());
        }
    }
    let mut scratch = Proof::default();
    let node = nodes.into_iter().find(|n| {
        scratch.captures.clear();
        node_holds(test, n, &mut scratch)
    })?;
    ev.captures.append(&mut scratch.captures);
    if let Some(name) = &test.capture {
        ev.captures.push((name.clone(), scalar_text(node)));
    }
    ev.note(|| format!("{} = {}", test.query.source(), short(&scalar_text(node))));
    Some(())
}

impl BodyTest {
    fn has_value_tests(&self) -> bool {
        self.equals.is_some()
            || self.one_of.is_some()
            || self.not_in.is_some()
            || self.contains.is_some()
            || self.starts_with.is_some()
            || self.regex.is_some()
            || self.json_type.is_some()
    }
}

fn node_holds(test: &BodyTest, node: &Json<'_>, ev: &mut Proof) -> bool {
    if test.equals.as_ref().is_some_and(|want| node != want) {
        return false;
    }
    if test
        .one_of
        .as_ref()
        .is_some_and(|set| !set.iter().any(|v| node == v))
    {
        return false;
    }
    if test
        .not_in
        .as_ref()
        .is_some_and(|set| set.iter().any(|v| node == v))
    {
        return false;
    }
    if test.json_type.is_some_and(|t| t != type_of(node)) {
        return false;
    }
    let needs_string =
        test.contains.is_some() || test.starts_with.is_some() || test.regex.is_some();
    if !needs_string {
        return true;
    }
    let Some(s) = node.as_str() else { return false };
    test.contains.as_deref().is_none_or(|c| has(s, c))
        && test.starts_with.as_deref().is_none_or(|p| s.starts_with(p))
        && test
            .regex
            .as_ref()
            .is_none_or(|re| capture_groups(re, s, ev).is_some())
}

fn type_of(v: &Json<'_>) -> JsonType {
    match v {
        Json::String(_) => JsonType::String,
        Json::Number(_) => JsonType::Number,
        Json::Bool(_) => JsonType::Boolean,
        Json::Array(_) => JsonType::Array,
        Json::Object(_) => JsonType::Object,
        Json::Null => JsonType::Null,
    }
}

/// A node as text for a placeholder: strings bare, anything else as compact JSON.
pub(crate) fn scalar_text(v: &Json<'_>) -> String {
    match v {
        Json::String(s) => s.to_string(),
        other => other.to_string(),
    }
}

fn short(s: &str) -> String {
    if s.chars().count() <= 60 {
        format!("{s:?}")
    } else {
        format!("{:?}…", s.chars().take(57).collect::<String>())
    }
}

fn header_holds(h: &HeaderTest, resp: &Response, ev: &mut Proof) -> Option<()> {
    let value = resp.headers.get(&h.name);
    match (h.exists, value) {
        (Some(false), None) => {
            ev.note(|| format!("no {} header", h.name));
            return Some(());
        }
        (Some(false), Some(_)) | (_, None) => return None,
        _ => {}
    }
    let value = value?.trim();
    if h.equals
        .as_deref()
        .is_some_and(|e| !e.eq_ignore_ascii_case(value))
    {
        return None;
    }
    if h.contains
        .as_deref()
        .is_some_and(|c| !has(&value.to_ascii_lowercase(), c))
    {
        return None;
    }
    if let Some(re) = &h.regex {
        capture_groups(re, value, ev)?;
    }
    // A secret header's value is masked before it can reach a placeholder or a `why`.
    if h.capture.is_some() || ev.explain {
        let shown = crate::mask::mask_header(&h.name, value);
        if let Some(name) = &h.capture {
            ev.captures.push((name.clone(), shown.clone()));
        }
        ev.note(|| format!("{}: {}", h.name, short(&shown)));
    }
    Some(())
}

fn request_holds(r: &RequestTest, s: &Subject<'_>, ev: &mut Proof) -> Option<()> {
    let f = &s.facts;
    if let Some(known) = r.known {
        (known == f.known).then_some(())?;
    }
    if !r.method.is_empty() {
        let m = f.method?;
        r.method
            .iter()
            .any(|want| want.eq_ignore_ascii_case(m))
            .then_some(())?;
        ev.note(|| format!("request method {m}"));
    }
    if let Some(re) = &r.path {
        let p = f.path?;
        capture_groups(re, p, ev)?;
        ev.note(|| format!("request path {p}"));
    }
    if let Some(re) = &r.host {
        let h = f.host?;
        capture_groups(re, h, ev)?;
        ev.note(|| format!("request host {h}"));
    }
    if let Some(want) = &r.auth_scheme {
        let ok = match f.auth_scheme {
            Some(scheme) => scheme.eq_ignore_ascii_case(want),
            None => f.known && !f.authorization && want.eq_ignore_ascii_case("none"),
        };
        ok.then_some(())?;
        ev.note(|| format!("Authorization scheme {want}"));
    }
    if !r.key_prefix.is_empty() {
        let c = f.credential?;
        r.key_prefix
            .iter()
            .any(|p| c.starts_with(p.as_str()))
            .then_some(())?;
        ev.note(|| "credential prefix matches".into());
    }
    if !r.key_prefix_not.is_empty() {
        let c = f.credential?;
        r.key_prefix_not
            .iter()
            .all(|p| !c.starts_with(p.as_str()))
            .then_some(())?;
        ev.note(|| "credential prefix differs".into());
    }
    for name in &r.header {
        s.resp.request.as_ref()?.headers.get(name)?;
        ev.note(|| format!("request sent {name}"));
    }
    if !r.query.is_empty() {
        let params = Json::from(super::query::params(request_url(s)?));
        for test in &r.query {
            body_holds(test, &params, ev)?;
        }
    }
    Some(())
}

fn request_url<'a>(s: &Subject<'a>) -> Option<&'a str> {
    s.resp.request.as_ref()?.url.as_deref()
}
