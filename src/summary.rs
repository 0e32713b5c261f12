//! The summary of a batch: what a support engineer reads first. It is built by
//! [`Summary::add`]ing diagnoses one at a time and keeps only counts and the first and
//! last problem, so its memory does not grow with the number of responses (the maps are
//! keyed by rule id, API name and status class, all bounded by the rule table).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::Serialize;

use crate::diagnosis::{Diagnosis, Outcome, Source, Text};
use crate::facts::parse_time;

/// The key used in [`Summary::apis`] for problems no API was recognised for.
pub const NO_API: &str = "(none)";

/// Counts over every response of a run.
///
/// Every response lands in exactly one of `diagnosed`, `warnings`, `unrecognised` and
/// `succeeded`, so they add up to `responses`. `rules`, `apis`, `first` and `last`
/// look only at the problems (everything but `succeeded`); `status_classes` counts
/// every response.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Responses diagnosed (readable records and single responses).
    pub responses: usize,
    /// Error responses a rule explains (outcome `diagnosed`, status >= 400 or none).
    pub diagnosed: usize,
    /// Successful responses a rule flags (outcome `warning`).
    pub warnings: usize,
    /// Error responses (status >= 400, no response, or unknown status) no rule explains.
    pub unrecognised: usize,
    /// Plain successes: 1xx-3xx responses no warning rule flags (redirects included).
    /// Counted, not printed per entry of a batch.
    pub succeeded: usize,
    /// Records (HAR entries, NDJSON lines) and whole inputs that could not be read.
    pub unreadable: usize,
    /// Per rule id: how many problems it explained, and its first fix step.
    pub rules: BTreeMap<String, RuleTally>,
    /// Problems per API (`(none)` when no API was recognised).
    pub apis: BTreeMap<String, usize>,
    /// Every response per status class: `2xx`, `4xx`, …, `no response` (the request
    /// failed before any response), or `unknown` (the input did not show the status).
    pub status_classes: BTreeMap<String, usize>,
    /// The earliest problem: by time among the problems that carry one (HAR
    /// `startedDateTime`, NDJSON `time`), by reading order when none does.
    pub first: Option<Occurrence>,
    /// The latest problem, by the same order.
    pub last: Option<Occurrence>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleTally {
    pub count: usize,
    pub api: Option<Text>,
    pub title: Option<Text>,
    /// The first fix step, as rendered for the rule's first occurrence.
    pub fix: Option<Text>,
}

/// One response, as the summary remembers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Occurrence {
    /// 1-based position among the responses of the run.
    pub order: usize,
    pub time: Option<String>,
    pub status: Option<u16>,
    pub rule: Option<Text>,
    pub source: Option<Source>,
    #[serde(skip)]
    parsed: Option<SystemTime>,
}

/// Where an occurrence sorts: its parsed time, then its reading order.
type When = (Option<SystemTime>, usize);

impl Occurrence {
    fn of(d: &Diagnosis, (parsed, order): When) -> Self {
        Self {
            order,
            time: d.time.clone(),
            status: d.status,
            rule: d.rule.clone(),
            source: d.source.clone(),
            parsed,
        }
    }

    /// Whether `self` comes after an occurrence at `when`: by time when both have one;
    /// a timed occurrence comes first over an untimed one; by reading order when
    /// neither has a time.
    fn is_after(&self, when: When) -> bool {
        match (when.0, self.parsed) {
            (Some(a), Some(b)) => a < b,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => when.1 < self.order,
        }
    }

    /// Whether `self` comes before (or with) an occurrence at `when`, by the same rules.
    fn is_before(&self, when: When) -> bool {
        match (when.0, self.parsed) {
            (Some(a), Some(b)) => a >= b,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => when.1 > self.order,
        }
    }
}

/// Whether a diagnosis is a problem worth a line of its own in a batch: anything but
/// outcome `success`. Plain successes and redirects are not, even when a generic rule
/// describes them (a browser follows a HAR's 301 itself); the diagnosis gives them
/// outcome `success`, so the summary counts what the JSON lines say.
pub fn is_problem(d: &Diagnosis) -> bool {
    d.outcome != Outcome::Success
}

/// `4xx` for 404; `no response` for a failure before any response; `unknown` when the
/// input did not show the status.
pub fn status_class(d: &Diagnosis) -> Cow<'static, str> {
    const CLASSES: [&str; 10] = [
        "0xx", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "7xx", "8xx", "9xx",
    ];
    match d.status {
        Some(s) => match CLASSES.get(usize::from(s / 100)) {
            Some(class) => Cow::Borrowed(class),
            None => Cow::Owned(format!("{}xx", s / 100)),
        },
        None if d.error.is_some() => "no response".into(),
        None => "unknown".into(),
    }
}

/// Count one more under `key`, copying the key only the first time it is seen.
fn bump(map: &mut BTreeMap<String, usize>, key: &str) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_string(), 1);
        }
    }
}

impl Summary {
    pub fn new() -> Self {
        Self::default()
    }

    /// Count one diagnosis.
    pub fn add(&mut self, d: &Diagnosis) {
        self.responses += 1;
        bump(&mut self.status_classes, &status_class(d));
        if !is_problem(d) {
            self.succeeded += 1;
            return;
        }
        match d.outcome {
            Outcome::Diagnosed => self.diagnosed += 1,
            Outcome::Warning => self.warnings += 1,
            _ => self.unrecognised += 1,
        }
        bump(&mut self.apis, d.api.as_deref().unwrap_or(NO_API));
        if let Some(rule) = &d.rule {
            match self.rules.get_mut(rule.as_str()) {
                Some(tally) => tally.count += 1,
                None => {
                    let tally = RuleTally {
                        count: 1,
                        api: d.api.clone(),
                        title: d.title.clone(),
                        fix: d.fix.first().cloned(),
                    };
                    self.rules.insert(rule.to_string(), tally);
                }
            }
        }
        let when = (d.time.as_deref().and_then(parse_time), self.responses);
        // Compared first, so an occurrence is built only when it replaces one.
        if self.first.as_ref().is_none_or(|f| f.is_after(when)) {
            self.first = Some(Occurrence::of(d, when));
        }
        if self.last.as_ref().is_none_or(|l| l.is_before(when)) {
            self.last = Some(Occurrence::of(d, when));
        }
    }

    /// Count a record or input that could not be read.
    pub fn add_unreadable(&mut self) {
        self.unreadable += 1;
    }

    /// Problems: everything but plain successes.
    pub fn problems(&self) -> usize {
        self.diagnosed + self.warnings + self.unrecognised
    }

    /// The distinct fixes to apply: one per rule, most frequent first (then by id).
    pub fn fixes(&self) -> Vec<(&str, &RuleTally)> {
        let mut v: Vec<(&str, &RuleTally)> =
            self.rules.iter().map(|(k, t)| (k.as_str(), t)).collect();
        v.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
        v
    }

    /// `(key, count)` of a map, most frequent first (then by key).
    pub fn ranked(map: &BTreeMap<String, usize>) -> Vec<(&str, usize)> {
        let mut v: Vec<(&str, usize)> = map.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(
        outcome: Outcome,
        status: Option<u16>,
        rule: Option<&str>,
        time: Option<&str>,
    ) -> Diagnosis {
        Diagnosis {
            outcome,
            status,
            reason: None,
            error: None,
            api: rule.map(|r| r.split('/').next().unwrap().into()),
            rule: rule.map(Text::from),
            confidence: None,
            title: None,
            cause: None,
            fix: rule
                .map(|r| vec![format!("fix {r}").into()])
                .unwrap_or_default(),
            retry: None,
            request_id: None,
            docs: None,
            fields: vec![],
            fields_omitted: None,
            request: None,
            source: None,
            time: time.map(str::to_string),
            notes: vec![],
            matches: None,
        }
    }

    #[test]
    fn counts_add_up_and_first_last_follow_time() {
        let mut s = Summary::new();
        s.add(&diag(
            Outcome::Diagnosed,
            Some(429),
            Some("a/x"),
            Some("2026-01-01T10:00:00Z"),
        ));
        s.add(&diag(
            Outcome::Success,
            Some(200),
            None,
            Some("2026-01-01T08:00:00Z"),
        ));
        s.add(&diag(
            Outcome::Diagnosed,
            Some(403),
            Some("a/y"),
            Some("2026-01-01T09:00:00Z"),
        ));
        s.add(&diag(Outcome::Success, Some(301), None, None));
        s.add(&diag(
            Outcome::Unrecognised,
            Some(500),
            None,
            Some("2026-01-01T11:00:00Z"),
        ));
        s.add(&diag(Outcome::Diagnosed, Some(429), Some("a/x"), None));
        s.add(&diag(
            Outcome::Warning,
            Some(200),
            Some("b/w"),
            Some("2026-01-01T09:30:00Z"),
        ));
        s.add(&diag(
            Outcome::Success,
            Some(301),
            Some("http/redirect"),
            None,
        ));
        assert_eq!(s.responses, 8);
        assert_eq!(
            s.diagnosed + s.warnings + s.unrecognised + s.succeeded,
            s.responses
        );
        assert_eq!(
            (s.diagnosed, s.warnings, s.unrecognised, s.succeeded),
            (3, 1, 1, 3)
        );
        assert_eq!(s.rules["a/x"].count, 2);
        assert_eq!(s.rules["a/x"].fix.as_deref(), Some("fix a/x"));
        assert_eq!(s.apis["a"], 3);
        assert_eq!(s.apis[NO_API], 1);
        assert_eq!(s.status_classes["4xx"], 3);
        assert_eq!(s.status_classes["2xx"], 2);
        assert!(
            !s.rules.contains_key("http/redirect"),
            "a redirect is not a problem"
        );
        // 09:00 is the earliest problem with a time; 11:00 the latest; untimed ones
        // do not displace timed ones.
        assert_eq!(s.first.as_ref().unwrap().rule.as_deref(), Some("a/y"));
        assert_eq!(s.last.as_ref().unwrap().status, Some(500));
        assert_eq!(s.fixes()[0].0, "a/x");
    }

    #[test]
    fn without_times_the_order_of_reading_decides() {
        let mut s = Summary::new();
        for st in [500, 404, 403] {
            s.add(&diag(Outcome::Unrecognised, Some(st), None, None));
        }
        assert_eq!(s.first.as_ref().unwrap().status, Some(500));
        assert_eq!(s.last.as_ref().unwrap().status, Some(403));
    }
}
