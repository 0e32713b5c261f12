//! Evaluating one compiled rule against one response: every condition must hold;
//! what the conditions capture fills the rule's placeholders.

use regex::Regex;
use serde_json::Value;

use super::compile::{BodyTest, Compiled, HeaderTest, RequestTest, TextMatch};
use super::model::{BodyKind, JsonType};
use crate::facts::RequestFacts;
use crate::response::Response;

/// Placeholder values a match captured, in capture order.
pub type Captures = Vec<(String, String)>;

/// Why a rule matched: its captures and one short line per condition.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub captures: Captures,
    pub why: Vec<String>,
}

/// Everything the conditions look at, computed once per response.
pub struct Subject<'a> {
    pub resp: &'a Response,
    pub facts: RequestFacts<'a>,
    pub kind: BodyKind,
    pub text: std::borrow::Cow<'a, str>,
}

impl<'a> Subject<'a> {
    pub fn new(resp: &'a Response) -> Self {
        let text = resp.body.text();
        Self {
            resp,
            facts: RequestFacts::of(resp),
            kind: body_kind(resp, &text),
            text,
        }
    }
}

fn body_kind(resp: &Response, text: &str) -> BodyKind {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        BodyKind::Empty
    } else if resp.body.json().is_some() {
        BodyKind::Json
    } else if looks_like_html(trimmed)
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

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(15)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || head.starts_with("<head")
        || head.starts_with("<body")
}

/// `Some` when every condition of `rule` holds. `lenient_status`: the status is unknown
/// and the rule tests a literal of the body, so its status condition is not held against it.
pub fn evaluate(rule: &Compiled, s: &Subject<'_>, lenient_status: bool) -> Option<Evidence> {
    let mut ev = Evidence::default();
    if let Some(set) = &rule.status {
        match s.resp.status {
            Some(code) if set.contains(code) => ev.why.push(format!("status {code}")),
            None if lenient_status => ev
                .why
                .push("status unknown; the body's text decided".into()),
            _ => return None,
        }
    }
    if let Some(kind) = rule.body_kind {
        if kind != s.kind {
            return None;
        }
        ev.why.push(format!("body is {}", kind_name(kind)));
    }
    if let Some(t) = &rule.transport {
        let err = s.resp.transport_error.as_deref()?;
        text_holds(t, err, &mut ev)?;
        ev.why.push("no response: transport failure".into());
    }
    if let Some(t) = &rule.text {
        text_holds(t, &s.text, &mut ev)?;
        ev.why.push("body text matches".into());
    }
    if !rule.body.is_empty() {
        let json = s.resp.body.json()?;
        for test in &rule.body {
            body_holds(test, json, &mut ev)?;
        }
    }
    for h in &rule.headers {
        header_holds(h, s.resp, &mut ev)?;
    }
    if let Some(r) = &rule.request {
        request_holds(r, s, &mut ev)?;
    }
    Some(ev)
}

fn kind_name(kind: BodyKind) -> &'static str {
    match kind {
        BodyKind::Empty => "empty",
        BodyKind::Json => "JSON",
        BodyKind::Html => "HTML",
        BodyKind::Text => "plain text",
    }
}

fn text_holds(t: &TextMatch, text: &str, ev: &mut Evidence) -> Option<()> {
    if let Some(needle) = &t.contains {
        text.contains(needle.as_str()).then_some(())?;
    }
    if let Some(re) = &t.regex {
        capture_groups(re, text, ev)?;
    }
    Some(())
}

fn capture_groups(re: &Regex, text: &str, ev: &mut Evidence) -> Option<()> {
    let caps = re.captures(text)?;
    for name in re.capture_names().flatten() {
        if let Some(m) = caps.name(name) {
            ev.captures.push((name.to_string(), m.as_str().to_string()));
        }
    }
    Some(())
}

fn body_holds(test: &BodyTest, json: &Value, ev: &mut Evidence) -> Option<()> {
    let nodes = test.query.select(json);
    if let Some(want) = test.exists {
        if nodes.is_empty() == want {
            return None;
        }
        if !want || !test.has_value_tests() {
            ev.why.push(format!(
                "{} {}",
                test.query.source(),
                if want { "present" } else { "absent" }
            ));
            if let (true, Some(name), Some(node)) = (want, &test.capture, nodes.first()) {
                ev.captures.push((name.clone(), scalar_text(node)));
            }
            return Some(());
        }
    }
    let mut scratch = Evidence::default();
    let node = nodes.into_iter().find(|n| {
        scratch.captures.clear();
        node_holds(test, n, &mut scratch)
    })?;
    ev.captures.append(&mut scratch.captures);
    if let Some(name) = &test.capture {
        ev.captures.push((name.clone(), scalar_text(node)));
    }
    ev.why.push(format!(
        "{} = {}",
        test.query.source(),
        short(&scalar_text(node))
    ));
    Some(())
}

impl BodyTest {
    fn has_value_tests(&self) -> bool {
        self.equals.is_some()
            || self.one_of.is_some()
            || self.contains.is_some()
            || self.starts_with.is_some()
            || self.regex.is_some()
            || self.json_type.is_some()
    }
}

fn node_holds(test: &BodyTest, node: &Value, ev: &mut Evidence) -> bool {
    if test.equals.as_ref().is_some_and(|want| want != node) {
        return false;
    }
    if test.one_of.as_ref().is_some_and(|set| !set.contains(node)) {
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
    test.contains.as_deref().is_none_or(|c| s.contains(c))
        && test.starts_with.as_deref().is_none_or(|p| s.starts_with(p))
        && test
            .regex
            .as_ref()
            .is_none_or(|re| capture_groups(re, s, ev).is_some())
}

fn type_of(v: &Value) -> JsonType {
    match v {
        Value::String(_) => JsonType::String,
        Value::Number(_) => JsonType::Number,
        Value::Bool(_) => JsonType::Boolean,
        Value::Array(_) => JsonType::Array,
        Value::Object(_) => JsonType::Object,
        Value::Null => JsonType::Null,
    }
}

/// A node as text for a placeholder: strings bare, anything else as compact JSON.
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
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

fn header_holds(h: &HeaderTest, resp: &Response, ev: &mut Evidence) -> Option<()> {
    let value = resp.headers.get(&h.name);
    match (h.exists, value) {
        (Some(false), None) => {
            ev.why.push(format!("no {} header", h.name));
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
        .is_some_and(|c| !value.to_ascii_lowercase().contains(c))
    {
        return None;
    }
    if let Some(re) = &h.regex {
        capture_groups(re, value, ev)?;
    }
    // A secret header's value is masked before it can reach a placeholder or a `why`.
    let shown = crate::mask::mask_header(&h.name, value);
    if let Some(name) = &h.capture {
        ev.captures.push((name.clone(), shown.clone()));
    }
    ev.why.push(format!("{}: {}", h.name, short(&shown)));
    Some(())
}

fn request_holds(r: &RequestTest, s: &Subject<'_>, ev: &mut Evidence) -> Option<()> {
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
        ev.why.push(format!("request method {m}"));
    }
    if let Some(re) = &r.path {
        let p = f.path?;
        capture_groups(re, p, ev)?;
        ev.why.push(format!("request path {p}"));
    }
    if let Some(re) = &r.host {
        let h = f.host?;
        capture_groups(re, h, ev)?;
        ev.why.push(format!("request host {h}"));
    }
    if let Some(want) = &r.auth_scheme {
        let ok = match f.auth_scheme {
            Some(scheme) => scheme.eq_ignore_ascii_case(want),
            None => f.known && !f.authorization && want.eq_ignore_ascii_case("none"),
        };
        ok.then_some(())?;
        ev.why.push(format!("Authorization scheme {want}"));
    }
    if !r.key_prefix.is_empty() {
        let c = f.credential?;
        r.key_prefix
            .iter()
            .any(|p| c.starts_with(p.as_str()))
            .then_some(())?;
        ev.why.push("credential prefix matches".into());
    }
    if !r.key_prefix_not.is_empty() {
        let c = f.credential?;
        r.key_prefix_not
            .iter()
            .all(|p| !c.starts_with(p.as_str()))
            .then_some(())?;
        ev.why.push("credential prefix differs".into());
    }
    for name in &r.header {
        s.resp.request.as_ref()?.headers.get(name)?;
        ev.why.push(format!("request sent {name}"));
    }
    Some(())
}
