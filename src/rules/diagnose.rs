//! From a response and the rule table to a [`Diagnosis`]: pick the winning rule, fill
//! its templates with what the response shows, mask secrets.

use std::borrow::Cow;
use std::cell::OnceCell;

use super::compile::{Extractor, Fields};
use super::matcher::{Proof, Subject, scalar_text};
use super::{Entry, RuleSet, VocabularyMatch};
use crate::diagnosis::{
    Confidence, Diagnosis, FieldProblem, Outcome, RequestSummary, Retry, RuleMatch, Source,
};
use crate::facts::{
    MAX_WAIT, RequestFacts, Unusable, WaitFrom, asked_wait, response_time, retry_after,
    until_utc_midnight,
};
use crate::json::Json;
use crate::limit::{MAX_FIELDS, bounded};
use crate::mask;
use crate::response::{Note, Response};
use crate::status::reason_phrase;

/// How to diagnose.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Treat every response as this API's (`--api`).
    pub api: Option<String>,
    /// List every matching rule (`--all`).
    pub all: bool,
    /// How much of each diagnosis to work out.
    pub detail: Detail,
}

/// How much of a diagnosis to work out. A summary prints a few fields of each, and
/// over a large log the rest (evidence, prose, the request) is most of the work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Detail {
    /// Everything a diagnosis shows.
    #[default]
    Full,
    /// What a summary counts ([`crate::summary::Summary::add`]): outcome, status,
    /// transport error, API, rule, time and source, and the rule's title and first fix.
    /// The evidence, the request, notes, cause, retry and the other fixes are left out.
    Summary,
}

impl RuleSet {
    /// Diagnose one response.
    pub fn diagnose(&self, resp: &Response, opts: &Options, source: Option<Source>) -> Diagnosis {
        let mut subject = Subject::new(resp);
        subject.explain = opts.all;
        let forced = opts.api.as_deref().and_then(|a| self.api_index(a));
        let strong = forced.or_else(|| self.recognise(&subject));
        let vocabulary = match strong {
            Some(_) => None,
            None => self.recognise_by_vocabulary(&subject),
        };
        let api = strong.or(vocabulary.as_ref().map(|v| v.api));
        let full = opts.detail == Detail::Full;
        let mut d = base(resp, &subject.facts, source, full);
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
        // A winning rule of a specific API names the API; else the one recognised by
        // request or headers (vocabulary alone is not enough to name it).
        let winner_api = winner
            .as_ref()
            .map(|(w, _)| self.entries()[*w].api)
            .filter(|a| !self.is_generic(*a));
        let shown_api = winner_api.or(strong.filter(|a| !self.is_generic(*a)));
        d.api = shown_api.map(|a| self.apis()[a].name.clone());
        // An error reported inside a 2xx body (GraphQL `errors`, `ok: false`) is a
        // failure like any other.
        let ok = answered(resp) && !subject.evidence().error_at_success;
        // The `message` placeholder and the evidence show the same words: found and
        // masked once.
        let said = OnceCell::new();
        match winner {
            Some((winner, ev)) => {
                self.fill(&mut d, &subject, &self.entries()[winner], ev, full, &said);
            }
            None if ok => d.outcome = Outcome::Success,
            None => {}
        }
        // A rule may describe a redirect, but a response that is not an error is no
        // problem: its outcome says so, for the JSON lines and the summary alike.
        if d.outcome == Outcome::Diagnosed && ok {
            d.outcome = Outcome::Success;
        }
        if full && !ok && resp.transport_error.is_none() {
            show_evidence(&mut d, &subject, said);
        }
        if let Some(v) = vocabulary.filter(|v| winner_api == Some(v.api)) {
            self.by_vocabulary(&mut d, &v);
        }
        d
    }

    /// A vendor rule won on vocabulary alone: say so, and claim no more than likely.
    fn by_vocabulary(&self, d: &mut Diagnosis, v: &VocabularyMatch) {
        d.confidence = d.confidence.map(|_| Confidence::Likely);
        let api = &self.apis()[v.api];
        let terms: Vec<String> = v.terms.iter().take(3).map(|t| format!("`{t}`")).collect();
        d.notes.push(format!(
            "recognised as {} only by wording its documentation uses ({}); no request host or key showed the API, so this is likely, not certain",
            api.name,
            terms.join(", ")
        ));
    }

    fn fill(
        &self,
        d: &mut Diagnosis,
        s: &Subject<'_>,
        entry: &Entry,
        ev: Proof,
        full: bool,
        said: &OnceCell<Option<String>>,
    ) {
        let rule = entry.rule.core().expect("a rule that matched has parsed");
        let pack = self.pack(entry.pack);
        let compiled = entry.compiled();
        let find_request_id = || {
            compiled
                .and_then(|c| extract_first(&c.request_id, s))
                .or_else(|| extract_first(pack.request_id_extractors(), s))
                .or_else(|| self.generic_request_id(s))
                .map(masked)
        };
        // A summary shows no request id: looked for only when a template asks.
        if full {
            d.request_id = find_request_id();
        }
        // Only values taken from the input can carry secrets or run long; rule prose
        // is ours.
        let mut vars: Vec<(String, String)> = ev
            .captures
            .into_iter()
            .map(|(n, v)| (n, masked(v)))
            .collect();
        for lookup in &rule.lookups {
            if let Some(v) = pack
                .tables()
                .get(&lookup.table)
                .and_then(|t| crate::rules::table::lookup(t, &s.facts))
            {
                vars.push((lookup.capture.clone(), v.to_owned()));
            }
        }
        // The built-in placeholders are worked out only when a template uses them.
        let builtins: [OnceCell<Option<String>>; BUILTIN_PLACEHOLDERS.len()] = Default::default();
        // Asked once: `wait`, `wait_from` and the retry's seconds all need it.
        let asked = OnceCell::new();
        let asked = || *asked.get_or_init(|| asked_wait(s.resp).or_else(|| evidence_wait(s)));
        let known_id = d.request_id.as_deref();
        let request_id = || {
            if full {
                known_id.map(str::to_owned)
            } else {
                find_request_id()
            }
        };
        let value = |name: &str| {
            vars.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .or_else(|| {
                    if name == "message" {
                        return said.get_or_init(|| server_said(s)).as_deref();
                    }
                    let i = BUILTIN_PLACEHOLDERS.iter().position(|b| *b == name)?;
                    builtins[i]
                        .get_or_init(|| builtin_var(s, &request_id, &asked, name))
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
        if !full {
            d.fix = prose
                .fix
                .first()
                .map(|f| f.fill(&value))
                .into_iter()
                .collect();
            return;
        }
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
                .max(r.retryable.then(asked).flatten().map(|(secs, _)| secs)),
            advice: r.advice.fill(&value),
        });
        d.docs = prose.docs.clone();
        if let (Some(spec), Some(json)) = (compiled.and_then(|c| c.fields.as_ref()), s.json()) {
            (d.fields, d.fields_omitted) = field_problems(spec, json);
        }
    }

    fn generic_request_id(&self, s: &Subject<'_>) -> Option<String> {
        self.packs()
            .iter()
            .filter(|p| self.is_generic(p.api))
            .find_map(|p| extract_first(p.request_id_extractors(), s))
    }
}

fn base(
    resp: &Response,
    facts: &RequestFacts<'_>,
    source: Option<Source>,
    full: bool,
) -> Diagnosis {
    let notes = if full { notes(resp) } else { Vec::new() };
    Diagnosis {
        outcome: Outcome::Unrecognised,
        status: resp.status,
        reason: resp
            .reason
            .as_deref()
            .filter(|r| !r.is_empty())
            .map(masked)
            .or_else(|| resp.status.and_then(reason_phrase).map(str::to_owned)),
        error: resp.transport_error.as_deref().map(masked),
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
        fields_omitted: None,
        message: None,
        codes: Vec::new(),
        error_type: None,
        links: Vec::new(),
        rate_limit: None,
        challenge: None,
        failure: None,
        envelope: None,
        request: full.then(|| request_summary(resp, facts)).flatten(),
        source,
        time: resp.time.as_deref().map(masked),
        notes,
        matches: None,
    }
}

/// What the response says of itself, shown whatever rule won: its words, codes,
/// links, rate-limit state and challenge; its field problems and request id when the
/// rule found none.
fn show_evidence(d: &mut Diagnosis, s: &Subject<'_>, said: OnceCell<Option<String>>) {
    let ev = s.evidence();
    d.message = said.into_inner().unwrap_or_else(|| server_said(s));
    d.codes = ev.codes.iter().map(masked).collect();
    d.error_type = ev.error_type.as_deref().map(masked);
    d.links = ev.links.iter().map(|l| masked_url(l)).collect();
    d.rate_limit = ev.rate_limit.clone().map(|mut r| {
        r.resource = r.resource.map(masked);
        r
    });
    d.challenge = ev.challenge.clone().map(|mut c| {
        c.scheme = masked(c.scheme);
        for v in c.params.values_mut() {
            *v = masked(v.as_str());
        }
        c
    });
    d.failure = ev.failure;
    d.envelope = ev.envelope.map(str::to_owned);
    if d.fields.is_empty() && !ev.fields.is_empty() {
        let more = ev.fields.len().saturating_sub(MAX_FIELDS);
        d.fields = ev
            .fields
            .iter()
            .take(MAX_FIELDS)
            .map(|f| FieldProblem {
                field: f.field.as_deref().map(masked),
                problem: masked(f.problem.as_str()),
            })
            .collect();
        d.fields_omitted = (more > 0).then_some(more);
    }
    if d.request_id.is_none() {
        d.request_id = ev.request_id.as_deref().map(masked);
    }
}

/// A wait the evidence gives when neither `Retry-After` nor the body's text does:
/// Google's `RetryInfo`, else the reset of a used-up rate limit.
fn evidence_wait(s: &Subject<'_>) -> Option<(u64, WaitFrom)> {
    let ev = s.evidence();
    let reset = ev.rate_limit.as_ref().filter(|r| r.exhausted());
    ev.retry_delay
        .map(|secs| (secs, WaitFrom::Body))
        .or_else(|| reset?.reset_in_seconds.map(|secs| (secs, WaitFrom::Reset)))
}

/// A response arrived and is not an error (1xx–3xx).
fn answered(resp: &Response) -> bool {
    resp.transport_error.is_none() && resp.status.is_some_and(|s| s < 400)
}

fn notes(resp: &Response) -> Vec<String> {
    // Notes quote the input (a redirect's Location, curl's error text): masked too.
    let mut notes: Vec<String> = resp.notes.iter().map(|n| masked(note_text(n))).collect();
    if let Some(Err(why)) = retry_after(resp) {
        notes.push(unusable_note(resp, why));
    }
    if resp.status.is_none() && resp.transport_error.is_none() {
        notes.push("the status is unknown: pass --status N, or pipe `curl -i` output".into());
    }
    notes
}

fn unusable_note(resp: &Response, why: Unusable) -> String {
    let raw = resp.headers.get("retry-after").unwrap_or_default().trim();
    let why = match why {
        Unusable::Malformed => "neither whole seconds nor an HTTP date".to_owned(),
        Unusable::TooLong => format!("a wait of more than {} days", MAX_WAIT / 86_400),
    };
    masked(format!("`Retry-After: {raw}` ignored: {why}"))
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
    let auth = facts
        .auth_scheme
        .map(shown_scheme)
        .or_else(|| req.headers.get("x-api-key").map(|_| "X-Api-Key".to_owned()));
    Some(RequestSummary {
        method: req.method.as_deref().map(masked),
        url: req.url.as_deref().map(masked_url),
        auth,
        key: facts.credential.map(mask::mask_secret),
    })
}

fn rule_match(entry: &Entry, ev: &Proof) -> RuleMatch {
    let rule = entry.rule.core().expect("a rule that matched has parsed");
    RuleMatch {
        rule: rule.id.clone(),
        confidence: rule.confidence,
        priority: rule.priority,
        conditions: entry.compiled().map_or(0, |c| c.condition_count),
        why: ev.why.iter().map(masked).collect(),
    }
}

/// The placeholders every template may use, filled from the response.
pub(crate) const BUILTIN_PLACEHOLDERS: &[&str] = &[
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
    "message",
    "code",
    "codes",
    "error_type",
    "link",
    "limit",
    "remaining",
    "reset_at",
    "challenge_realm",
    "challenge_scope",
    "challenge_service",
    "challenge_error",
];

fn builtin_var(
    s: &Subject<'_>,
    request_id: &dyn Fn() -> Option<String>,
    asked: &dyn Fn() -> Option<(u64, WaitFrom)>,
    name: &str,
) -> Option<String> {
    let f = &s.facts;
    match name {
        "status" => s.resp.status.map(|c| c.to_string()),
        "reason" => s.resp.status.and_then(reason_phrase).map(str::to_owned),
        "method" => f.method.map(masked),
        "url" => s
            .resp
            .request
            .as_ref()
            .and_then(|r| r.url.as_deref())
            .map(masked_url),
        "path" => f.path.map(masked),
        "host" => f.host.map(masked),
        "auth_scheme" => f.auth_scheme.map(shown_scheme),
        "key_prefix" => f.credential.map(mask::mask_secret),
        "retry_after" => retry_after(s.resp)?.ok().map(|v| v.to_string()),
        "wait" => asked().map(|(secs, _)| secs.to_string()),
        "wait_from" => asked().map(|(_, from)| from.label().to_owned()),
        "request_id" => request_id().map(masked),
        "date" => s
            .resp
            .time
            .as_deref()
            .or_else(|| s.resp.headers.get("date"))
            .map(masked),
        "utc_midnight_in" => response_time(s.resp).map(until_utc_midnight),
        // "message" is `server_said`, kept by `fill` for the evidence.
        _ => evidence_var(s, name),
    }
}

fn evidence_var(s: &Subject<'_>, name: &str) -> Option<String> {
    let ev = s.evidence();
    let rate = ev.rate_limit.as_ref();
    let challenge = |param: &str| ev.challenge.as_ref()?.params.get(param).map(masked);
    match name {
        "code" => ev.codes.first().map(masked),
        "codes" => (!ev.codes.is_empty()).then(|| masked(ev.codes.join(", "))),
        "error_type" => ev.error_type.as_deref().map(masked),
        "link" => ev.links.first().map(|l| masked_url(l)),
        "limit" => rate?.limit.map(|n| n.to_string()),
        "remaining" => rate?.remaining.map(|n| n.to_string()),
        "reset_at" => rate?.reset_at.clone(),
        "challenge_realm" => challenge("realm"),
        "challenge_scope" => challenge("scope"),
        "challenge_service" => challenge("service"),
        "challenge_error" => challenge("error"),
        _ => None,
    }
}

/// The server's words as a diagnosis shows them: in a common error shape, else the
/// evidence's message line; masked.
fn server_said(s: &Subject<'_>) -> Option<String> {
    server_message(s)
        .or_else(|| s.evidence().message_line())
        .map(masked)
}

/// The server's own words in the common error shapes ([`crate::evidence::server_words`]).
fn server_message(s: &Subject<'_>) -> Option<String> {
    crate::evidence::server_words(s.json()?.as_object()?)
}

/// Text from the input as a diagnosis holds it: secrets masked, length bounded.
fn masked<'a>(text: impl Into<Cow<'a, str>>) -> String {
    bounded(text.into(), mask::mask_text)
}

fn masked_url(url: &str) -> String {
    fn mask_url(url: &str) -> Cow<'_, str> {
        mask::mask_url(url).into()
    }
    bounded(url.into(), mask_url)
}

/// An `Authorization` scheme as it may be printed: a scheme is a short word; anything
/// else in that place is more likely a credential and is masked.
fn shown_scheme(scheme: &str) -> String {
    let word = scheme.len() <= 16 && scheme.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-');
    if word {
        scheme.to_owned()
    } else {
        mask::mask_secret(scheme)
    }
}

fn extract_first(list: &[Extractor], s: &Subject<'_>) -> Option<String> {
    list.iter()
        .find_map(|x| extract(x, s))
        .filter(|v| !v.is_empty())
}

fn extract(x: &Extractor, s: &Subject<'_>) -> Option<String> {
    let raw = match (&x.body, &x.header) {
        (Some(q), _) => q.select_first(s.json()?).map(scalar_text)?,
        (None, Some(h)) => s.resp.headers.get(h)?.trim().to_owned(),
        (None, None) => return None,
    };
    match &x.regex {
        None => Some(raw),
        Some(re) => {
            let caps = re.get()?.captures(&raw)?;
            Some(caps.name("id").or_else(|| caps.get(0))?.as_str().to_owned())
        }
    }
}

/// The first [`MAX_FIELDS`] problems, and how many more there are.
fn field_problems(spec: &Fields, json: &Json<'_>) -> (Vec<FieldProblem>, Option<usize>) {
    let nodes = spec.each.select(json);
    let more = nodes.len().saturating_sub(MAX_FIELDS);
    let listed = nodes
        .into_iter()
        .take(MAX_FIELDS)
        .map(|node| field_problem(spec, node))
        .map(|p| FieldProblem {
            field: p.field.map(masked),
            problem: masked(p.problem),
        })
        .collect();
    (listed, (more > 0).then_some(more))
}

/// One problem: a string split by the rule's pattern, or an object's field and message.
fn field_problem(spec: &Fields, node: &Json<'_>) -> FieldProblem {
    if let Some(text) = node.as_str() {
        let caps = spec
            .pattern
            .as_ref()
            .and_then(|re| re.get()?.captures(text));
        return FieldProblem {
            field: caps
                .as_ref()
                .and_then(|c| c.name("field"))
                .map(|m| m.as_str().to_owned()),
            problem: caps
                .as_ref()
                .and_then(|c| c.name("problem"))
                .map_or(text, |m| m.as_str())
                .to_owned(),
        };
    }
    let pick = |q: &Option<super::jsonpath::Query>| {
        q.as_ref()
            .and_then(|q| q.select_first(node).map(scalar_text))
    };
    FieldProblem {
        field: pick(&spec.field),
        problem: pick(&spec.problem).unwrap_or_else(|| node.to_string()),
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
