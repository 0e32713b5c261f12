//! From a response and the rule table to a [`Diagnosis`]: pick the winning rule, fill
//! its templates with what the response shows, mask secrets.

use std::cell::OnceCell;

use serde_json::Value;

use crate::diagnosis::{
    Diagnosis, FieldProblem, Outcome, RequestSummary, Retry, RuleMatch, Source,
};
use crate::facts::{
    MAX_WAIT, RequestFacts, Unusable, WaitFrom, asked_wait, response_time, retry_after,
    until_utc_midnight,
};
use crate::mask;
use crate::response::{Note, Response};
use crate::rules::compile::{Extractor, Fields};
use crate::rules::matcher::{Evidence, Subject, scalar_text};
use crate::rules::model::TableRow;
use crate::rules::{Entry, RuleSet};
use crate::status::reason_phrase;

/// How to diagnose.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Treat every response as this API's (`--api`).
    pub api: Option<String>,
    /// List every matching rule (`--all`).
    pub all: bool,
}

impl RuleSet {
    /// Diagnose one response.
    pub fn diagnose(&self, resp: &Response, opts: &Options, source: Option<Source>) -> Diagnosis {
        let mut subject = Subject::new(resp);
        subject.explain = opts.all;
        let forced = opts.api.as_deref().and_then(|a| self.api_index(a));
        let api = forced.or_else(|| self.recognise(&subject));
        let mut d = base(resp, &subject.facts, source);
        let winner = if opts.all {
            let found = self.matches(&subject, api);
            d.matches = Some(
                found
                    .iter()
                    .map(|(i, ev)| rule_match(&self.entries()[*i], ev))
                    .collect(),
            );
            found.into_iter().next()
        } else {
            self.best_match(&subject, api)
        };
        // A winning rule of a specific API names the API; else the one recognised.
        let shown_api = winner
            .as_ref()
            .map(|(w, _)| self.entries()[*w].api)
            .filter(|a| !self.is_generic(*a))
            .or(api.filter(|a| !self.is_generic(*a)));
        d.api = shown_api.map(|a| self.apis()[a].name.clone());
        match winner {
            Some((winner, ev)) => self.fill(&mut d, &subject, &self.entries()[winner], ev),
            None if answered(resp) => d.outcome = Outcome::Success,
            None => {}
        }
        // A rule may describe a redirect, but a response that is not an error is no
        // problem: its outcome says so, for the JSON lines and the summary alike.
        if d.outcome == Outcome::Diagnosed && answered(resp) {
            d.outcome = Outcome::Success;
        }
        d
    }

    fn fill(&self, d: &mut Diagnosis, s: &Subject<'_>, entry: &Entry, ev: Evidence) {
        let rule = entry.rule.core().expect("a rule that matched has parsed");
        let pack = self.pack(entry.pack);
        let compiled = entry.compiled().ok();
        d.request_id = compiled
            .and_then(|c| extract_first(&c.request_id, s.resp))
            .or_else(|| extract_first(pack.request_id_extractors(), s.resp))
            .or_else(|| self.generic_request_id(s.resp))
            .map(mask::mask_owned);
        // Only values taken from the input can carry secrets; rule prose is ours.
        let mut vars: Vec<(String, String)> = ev
            .captures
            .into_iter()
            .map(|(n, v)| (n, mask::mask_owned(v)))
            .collect();
        for lookup in &rule.lookups {
            if let Some(v) = pack
                .tables()
                .get(&lookup.table)
                .and_then(|t| lookup_row(t, &s.facts))
            {
                vars.push((lookup.capture.clone(), v.to_string()));
            }
        }
        // The built-in placeholders are worked out only when a template uses them.
        let builtins: [OnceCell<Option<String>>; BUILTIN_VARS.len()] = Default::default();
        // Asked once: `wait`, `wait_from` and the retry's seconds all need it.
        let asked = OnceCell::new();
        let asked = || *asked.get_or_init(|| asked_wait(s.resp));
        let request_id = d.request_id.as_deref();
        let value = |name: &str| {
            vars.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .or_else(|| {
                    let i = BUILTIN_VARS.iter().position(|b| *b == name)?;
                    builtins[i]
                        .get_or_init(|| builtin_var(s, request_id, &asked, name))
                        .as_deref()
                })
        };
        let prose = self.prose(entry).expect("a rule that matched has parsed");
        d.outcome = if rule.warning {
            Outcome::Warning
        } else {
            Outcome::Diagnosed
        };
        d.rule = Some(prose.id.clone());
        d.confidence = Some(rule.confidence);
        d.title = Some(prose.title.fill(&value));
        d.cause = Some(prose.cause.fill(&value));
        d.fix = prose.fix.iter().map(|f| f.fill(&value)).collect();
        // The longer of the rule's documented wait and the one the response asks for:
        // a runbook sleeps on it, so it must not undercut what the text says. A rule
        // that is not retryable as is has no wait to add to, nor a body to scan for one.
        d.retry = prose.retry.as_ref().map(|r| Retry {
            retryable: r.retryable,
            after_seconds: r
                .wait
                .as_ref()
                .and_then(|w| w.seconds(&value))
                .max(asked().filter(|_| r.retryable).map(|(secs, _)| secs)),
            advice: r.advice.fill(&value),
        });
        d.docs = prose.docs.clone();
        if let (Some(spec), Some(json)) =
            (compiled.and_then(|c| c.fields.as_ref()), s.resp.body.json())
        {
            d.fields = field_problems(spec, json);
        }
    }

    fn generic_request_id(&self, resp: &Response) -> Option<String> {
        self.packs()
            .iter()
            .filter(|p| self.is_generic(p.api))
            .find_map(|p| extract_first(p.request_id_extractors(), resp))
    }
}

fn base(resp: &Response, facts: &RequestFacts<'_>, source: Option<Source>) -> Diagnosis {
    // Notes quote the input (a redirect's Location, curl's error text): masked too.
    let mut notes: Vec<String> = resp
        .notes
        .iter()
        .map(|n| mask::mask_owned(note_text(n)))
        .collect();
    if let Some(Err(why)) = retry_after(resp) {
        notes.push(unusable_note(resp, why));
    }
    if resp.status.is_none() && resp.transport_error.is_none() {
        notes.push("the status is unknown: pass --status N, or pipe `curl -i` output".into());
    }
    Diagnosis {
        outcome: Outcome::Unrecognised,
        status: resp.status,
        reason: resp
            .reason
            .as_deref()
            .filter(|r| !r.is_empty())
            .map(|r| mask::mask_text(r).into_owned())
            .or_else(|| resp.status.and_then(reason_phrase).map(str::to_string)),
        error: resp
            .transport_error
            .as_deref()
            .map(|e| mask::mask_text(e).into_owned()),
        api: None,
        rule: None,
        confidence: None,
        title: None,
        cause: None,
        fix: Vec::new(),
        retry: None,
        request_id: None,
        docs: None,
        fields: Vec::new(),
        request: request_summary(resp, facts),
        source,
        time: resp
            .time
            .as_deref()
            .map(|t| mask::mask_text(t).into_owned()),
        notes,
        matches: None,
    }
}

/// A response arrived and is not an error (1xx–3xx).
fn answered(resp: &Response) -> bool {
    resp.transport_error.is_none() && resp.status.is_some_and(|s| s < 400)
}

fn unusable_note(resp: &Response, why: Unusable) -> String {
    let raw = resp.headers.get("retry-after").unwrap_or_default().trim();
    let why = match why {
        Unusable::Malformed => "neither whole seconds nor an HTTP date".to_string(),
        Unusable::TooLong => format!("a wait of more than {} days", MAX_WAIT / 86_400),
    };
    mask::mask_owned(format!("`Retry-After: {raw}` ignored: {why}"))
}

fn note_text(n: &Note) -> String {
    match n {
        Note::Decompressed(how) => format!("the body was {how}-compressed and has been decoded"),
        Note::BodyMissing => "the body was not recorded in the input".into(),
        Note::StatusFrom(place) => format!("status taken from {place}"),
        Note::Other(text) => text.clone(),
    }
}

fn request_summary(resp: &Response, facts: &RequestFacts<'_>) -> Option<RequestSummary> {
    let req = resp.request.as_ref()?;
    let auth = facts.auth_scheme.map(shown_scheme).or_else(|| {
        req.headers
            .get("x-api-key")
            .map(|_| "X-Api-Key".to_string())
    });
    Some(RequestSummary {
        method: req
            .method
            .as_deref()
            .map(|m| mask::mask_text(m).into_owned()),
        url: req.url.as_deref().map(mask::mask_url),
        auth,
        key: facts.credential.map(mask::mask_secret),
    })
}

fn rule_match(entry: &Entry, ev: &Evidence) -> RuleMatch {
    let rule = entry.rule.core().expect("a rule that matched has parsed");
    RuleMatch {
        rule: rule.id.clone(),
        confidence: rule.confidence,
        priority: rule.priority,
        conditions: entry.compiled().map_or(0, |c| c.condition_count),
        why: ev
            .why
            .iter()
            .map(|w| mask::mask_text(w).into_owned())
            .collect(),
    }
}

/// The placeholders every template may use, filled from the response.
pub const BUILTIN_VARS: &[&str] = &[
    "status",
    "reason",
    "method",
    "url",
    "path",
    "host",
    "auth_scheme",
    "key_prefix",
    "retry_after",
    "wait",
    "wait_from",
    "request_id",
    "date",
    "utc_midnight_in",
];

fn builtin_var(
    s: &Subject<'_>,
    request_id: Option<&str>,
    asked: &dyn Fn() -> Option<(u64, WaitFrom)>,
    name: &str,
) -> Option<String> {
    let f = &s.facts;
    match name {
        "status" => s.resp.status.map(|c| c.to_string()),
        "reason" => s.resp.status.and_then(reason_phrase).map(str::to_string),
        "method" => f.method.map(masked),
        "url" => s
            .resp
            .request
            .as_ref()
            .and_then(|r| r.url.as_deref())
            .map(mask::mask_url),
        "path" => f.path.map(masked),
        "host" => f.host.map(masked),
        "auth_scheme" => f.auth_scheme.map(shown_scheme),
        "key_prefix" => f.credential.map(mask::mask_secret),
        "retry_after" => retry_after(s.resp)?.ok().map(|v| v.to_string()),
        "wait" => asked().map(|(secs, _)| secs.to_string()),
        "wait_from" => asked().map(|(_, from)| from.label().to_string()),
        "request_id" => request_id.map(masked),
        "date" => s
            .resp
            .time
            .as_deref()
            .or_else(|| s.resp.headers.get("date"))
            .map(masked),
        "utc_midnight_in" => response_time(s.resp).map(until_utc_midnight),
        _ => None,
    }
}

fn masked(text: &str) -> String {
    mask::mask_text(text).into_owned()
}

/// An `Authorization` scheme as it may be printed: a scheme is a short word; anything
/// else in that place is more likely a credential and is masked.
fn shown_scheme(scheme: &str) -> String {
    let word = scheme.len() <= 16 && scheme.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-');
    if word {
        scheme.to_string()
    } else {
        mask::mask_secret(scheme)
    }
}

fn extract_first(list: &[Extractor], resp: &Response) -> Option<String> {
    list.iter()
        .find_map(|x| extract(x, resp))
        .filter(|v| !v.is_empty())
}

fn extract(x: &Extractor, resp: &Response) -> Option<String> {
    let raw = match (&x.body, &x.header) {
        (Some(q), _) => q.select_first(resp.body.json()?).map(scalar_text)?,
        (None, Some(h)) => resp.headers.get(h)?.trim().to_string(),
        (None, None) => return None,
    };
    match &x.regex {
        None => Some(raw),
        Some(re) => {
            let caps = re.get()?.captures(&raw)?;
            Some(
                caps.name("id")
                    .or_else(|| caps.get(0))?
                    .as_str()
                    .to_string(),
            )
        }
    }
}

fn lookup_row<'t>(table: &'t [TableRow], f: &RequestFacts<'_>) -> Option<&'t str> {
    let path = f.path?;
    table
        .iter()
        .find(|row| {
            row.method
                .as_deref()
                .is_none_or(|m| f.method.is_some_and(|fm| fm.eq_ignore_ascii_case(m)))
                && path_matches(&row.path, path)
        })
        .map(|row| row.value.as_str())
}

/// `pattern` (with `{name}` segments) matches the end of `path`.
fn path_matches(pattern: &str, path: &str) -> bool {
    let want: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let have: Vec<&str> = path
        .trim_end_matches('/')
        .trim_start_matches('/')
        .split('/')
        .collect();
    if have.len() < want.len() {
        return false;
    }
    let tail = &have[have.len() - want.len()..];
    want.iter()
        .zip(tail)
        .all(|(w, h)| (w.starts_with('{') && w.ends_with('}') && !h.is_empty()) || w == h)
}

fn field_problems(spec: &Fields, json: &Value) -> Vec<FieldProblem> {
    spec.each
        .select(json)
        .into_iter()
        .map(|node| field_problem(spec, node))
        .map(|p| FieldProblem {
            field: p.field.map(mask::mask_owned),
            problem: mask::mask_owned(p.problem),
        })
        .collect()
}

/// One problem: a string split by the rule's pattern, or an object's field and message.
fn field_problem(spec: &Fields, node: &Value) -> FieldProblem {
    if let Some(text) = node.as_str() {
        let caps = spec
            .pattern
            .as_ref()
            .and_then(|re| re.get()?.captures(text));
        return FieldProblem {
            field: caps
                .as_ref()
                .and_then(|c| c.name("field"))
                .map(|m| m.as_str().to_string()),
            problem: caps
                .as_ref()
                .and_then(|c| c.name("problem"))
                .map_or(text, |m| m.as_str())
                .to_string(),
        };
    }
    let pick = |q: &Option<crate::jsonpath::Query>| {
        q.as_ref()
            .and_then(|q| q.select_first(node).map(scalar_text))
    };
    FieldProblem {
        field: pick(&spec.field),
        problem: pick(&spec.problem).unwrap_or_else(|| node.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_paths_match_as_suffix_with_placeholders() {
        assert!(path_matches("/findings/{id}", "/v1/findings/f_123"));
        assert!(path_matches("/v1/scans", "/v1/scans/"));
        assert!(!path_matches("/findings/{id}", "/v1/findings"));
        assert!(!path_matches("/scans", "/v1/findings"));
    }
}

#[cfg(test)]
mod builtin_var_tests {

    #[test]
    fn standard_reason_phrases_need_no_masking() {
        for code in 100..=599 {
            if let Some(phrase) = crate::status::reason_phrase(code) {
                assert_eq!(crate::mask::mask_text(phrase), phrase);
            }
        }
    }
}
