//! The summary of a batch: what a support engineer reads first. It is built by
//! [`Summary::add`]ing diagnoses one at a time and keeps only counts and the first and
//! last problem, so its memory does not grow with the number of responses (the maps are
//! keyed by rule id, API name and status class, all bounded by the rule table).
//!
//! Its JSON (`--summary --format json`) is a versioned format, [`FORMAT`], that
//! [`Summary::merge`] combines: summaries of the shards of a log, merged in the shards'
//! order, equal the summary of the whole log read at once.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::SystemTime;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::diagnosis::{Diagnosis, Outcome, Source, Text};
use crate::facts::parse_time;

/// The key used in [`Summary::apis`] for problems no API was recognised for.
pub const NO_API: &str = "(none)";

/// The `format` of a summary's JSON. Bumped when a field changes meaning, so a merge
/// never adds up counts from two different formats.
pub const FORMAT: &str = "apidiag-summary/1";

/// The `format` field: always [`FORMAT`]; reading any other value is refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Format;

impl Serialize for Format {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(FORMAT)
    }
}

impl<'de> Deserialize<'de> for Format {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        if name == FORMAT {
            Ok(Format)
        } else {
            Err(serde::de::Error::custom(format!(
                "format {name:?} is not {FORMAT:?}, the one this apidiag reads"
            )))
        }
    }
}

impl JsonSchema for Format {
    fn schema_name() -> Cow<'static, str> {
        "Format".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The version of this format.",
            "const": FORMAT
        })
    }
}

/// Counts over every response of a run.
///
/// Every response lands in exactly one of `diagnosed`, `warnings`, `unrecognised` and
/// `succeeded`, so they add up to `responses`. `rules`, `apis`, `first` and `last`
/// look only at the problems (everything but `succeeded`); `status_classes` counts
/// every response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Always `apidiag-summary/1`.
    pub format: Format,
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
    /// Per input file (`-` for standard input): how far its records reached. A merge
    /// renumbers the lines and entries of the next shard of the same input by it.
    pub extent: BTreeMap<String, Extent>,
}

/// How many lines (NDJSON) or entries (HAR) of one input a summary covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extent {
    /// Lines read, blank ones included: the last line number of the input.
    pub lines: usize,
    /// HAR entries read, unreadable ones included.
    pub entries: usize,
}

impl Extent {
    fn reach(&mut self, at: &Source) {
        if let Some(line) = at.line {
            self.lines = self.lines.max(line);
        }
        if let Some(entry) = at.entry {
            self.entries = self.entries.max(entry + 1);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleTally {
    pub count: usize,
    pub api: Option<Text>,
    pub title: Option<Text>,
    /// The first fix step, as rendered for the rule's first occurrence.
    pub fix: Option<Text>,
}

/// One response, as the summary remembers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Occurrence {
    /// 1-based position among the responses of the run.
    pub order: usize,
    pub time: Option<String>,
    pub status: Option<u16>,
    pub rule: Option<Text>,
    pub source: Option<Source>,
    /// `time` parsed; derived from it again when a summary is read.
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

    fn when(&self) -> When {
        (self.parsed, self.order)
    }

    /// Moved behind everything a summary of `offset` responses and these extents has
    /// read before it.
    fn shifted(mut self, offset: usize, extent: &BTreeMap<String, Extent>) -> Self {
        self.order += offset;
        if let Some(src) = &mut self.source
            && let Some(before) = extent.get(&src.file)
        {
            if let Some(line) = &mut src.line {
                *line += before.lines;
            }
            if let Some(entry) = &mut src.entry {
                *entry += before.entries;
            }
        }
        self
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

/// JSON Schema of a summary, `--summary --format json`, as committed in
/// `schema/summary.json`.
pub fn summary_schema() -> String {
    let schema = schemars::schema_for!(Summary);
    serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n"
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
            map.insert(key.to_owned(), 1);
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
        if let Some(src) = &d.source {
            self.reach(src);
        }
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

    /// Extend the extent of `at`'s input to it: every record counts, an unreadable one
    /// too, for the next shard's numbering.
    pub fn reach(&mut self, at: &Source) {
        match self.extent.get_mut(at.file.as_str()) {
            Some(e) => e.reach(at),
            None => {
                let mut e = Extent::default();
                e.reach(at);
                self.extent.insert(at.file.clone(), e);
            }
        }
    }

    /// The input `file` held `lines` lines: blank lines at the end of an NDJSON input,
    /// which no record reports, count too, so the next shard's lines are numbered on
    /// from them. `ndjson`: the input was read as NDJSON whatever its records said (a
    /// shard of blank lines only has none); else only an input whose records had lines.
    pub fn input_lines(&mut self, file: &str, lines: usize, ndjson: bool) {
        if ndjson && lines > 0 && !self.extent.contains_key(file) {
            self.extent.insert(file.to_owned(), Extent::default());
        }
        if let Some(e) = self.extent.get_mut(file).filter(|e| ndjson || e.lines > 0) {
            e.lines = e.lines.max(lines);
        }
    }

    /// Read one summary's JSON (one line of `--summary --format json`).
    pub fn from_json(text: &str) -> Result<Summary, String> {
        let mut s: Summary = serde_json::from_str(text).map_err(|e| {
            let e = e.to_string();
            // serde's position is in the line, which the caller names already.
            match e.rsplit_once(" at line ") {
                Some((what, _)) => what.to_owned(),
                None => e,
            }
        })?;
        if s.diagnosed + s.warnings + s.unrecognised + s.succeeded != s.responses {
            return Err(format!(
                "diagnosed, warnings, unrecognised and succeeded do not add up to responses ({})",
                s.responses
            ));
        }
        for o in s.first.iter_mut().chain(s.last.iter_mut()) {
            if o.order == 0 || o.order > s.responses {
                return Err(format!(
                    "an occurrence's order {} is outside 1..={}",
                    o.order, s.responses
                ));
            }
            o.parsed = o.time.as_deref().and_then(parse_time);
        }
        Ok(s)
    }

    /// Add `later`, the summary of what was read after everything `self` counts: the
    /// result is the summary of both read one after the other, inputs of the same name
    /// as one input (its lines and entries numbered on).
    pub fn merge(&mut self, later: Summary) {
        let offset = self.responses;
        self.responses += later.responses;
        self.diagnosed += later.diagnosed;
        self.warnings += later.warnings;
        self.unrecognised += later.unrecognised;
        self.succeeded += later.succeeded;
        self.unreadable += later.unreadable;
        for (rule, tally) in later.rules {
            match self.rules.get_mut(&rule) {
                // The earlier shard saw the rule's first occurrence, and its fix.
                Some(t) => t.count += tally.count,
                None => {
                    self.rules.insert(rule, tally);
                }
            }
        }
        for (map, more) in [
            (&mut self.apis, later.apis),
            (&mut self.status_classes, later.status_classes),
        ] {
            for (k, n) in more {
                *map.entry(k).or_insert(0) += n;
            }
        }
        // The same comparisons `add` makes, so ties go the same way: every later
        // occurrence has a higher order than every earlier one.
        if let Some(f) = later.first.map(|o| o.shifted(offset, &self.extent))
            && self
                .first
                .as_ref()
                .is_none_or(|mine| mine.is_after(f.when()))
        {
            self.first = Some(f);
        }
        if let Some(l) = later.last.map(|o| o.shifted(offset, &self.extent))
            && self
                .last
                .as_ref()
                .is_none_or(|mine| mine.is_before(l.when()))
        {
            self.last = Some(l);
        }
        for (file, e) in later.extent {
            let mine = self.extent.entry(file).or_default();
            mine.lines += e.lines;
            mine.entries += e.entries;
        }
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
            message: None,
            codes: vec![],
            error_type: None,
            links: vec![],
            rate_limit: None,
            challenge: None,
            failure: None,
            envelope: None,
            request: None,
            source: None,
            time: time.map(str::to_owned),
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

    #[test]
    fn a_merge_of_the_parts_is_the_whole_with_ties_and_untimed_problems() {
        let t = |h: u8| format!("2026-01-01T{h:02}:00:00Z");
        let mut ds = vec![
            diag(Outcome::Diagnosed, Some(429), Some("a/x"), None),
            diag(Outcome::Diagnosed, Some(403), Some("a/y"), Some(&t(9))),
            diag(Outcome::Success, Some(200), None, Some(&t(8))),
            diag(Outcome::Unrecognised, Some(500), None, Some(&t(9))),
            diag(Outcome::Warning, Some(200), Some("b/w"), Some(&t(11))),
            diag(Outcome::Diagnosed, Some(429), Some("a/x"), Some(&t(11))),
            diag(Outcome::Unrecognised, Some(404), None, Some("not a time")),
        ];
        for (i, d) in ds.iter_mut().enumerate() {
            d.source = Some(Source {
                file: "-".into(),
                entry: None,
                line: Some(2 * i + 1),
            });
        }
        let sum = |ds: &[Diagnosis]| {
            let mut s = Summary::new();
            ds.iter().for_each(|d| s.add(d));
            s
        };
        // Every record is followed by a blank line, the last one too.
        let lines = 2 * ds.len();
        let mut whole = sum(&ds);
        whole.input_lines("-", lines, true);
        for cut in 0..=ds.len() {
            let mut first = sum(&ds[..cut]);
            // A shard numbers its lines from 1.
            let mut rest = ds[cut..].to_vec();
            for d in &mut rest {
                let line = d.source.as_mut().unwrap().line.as_mut().unwrap();
                *line -= 2 * cut;
            }
            first.input_lines("-", 2 * cut, true);
            let mut later = sum(&rest);
            later.input_lines("-", lines - 2 * cut, true);
            let json = serde_json::to_string(&later).unwrap();
            first.merge(Summary::from_json(&json).unwrap());
            assert_eq!(first, whole, "cut at {cut}");
        }
        assert_eq!(
            whole.first.as_ref().unwrap().order,
            2,
            "a tie keeps the earlier"
        );
        assert_eq!(
            whole.last.as_ref().unwrap().order,
            6,
            "a tie takes the later"
        );
    }

    /// `--summary` diagnoses with [`Detail::Summary`], which leaves out what it never
    /// prints; the counts, titles and fixes must be those of full diagnoses. Every
    /// built-in example, each with a time, a line and a request credential, so that
    /// first/last occurrences and vocabulary-only recognition are exercised too.
    #[test]
    fn a_summary_of_lean_diagnoses_equals_one_of_full_diagnoses() {
        use crate::rules::RuleSet;
        use crate::rules::diagnose::{Detail, Options};
        let rules = RuleSet::builtin().unwrap();
        let lean = Options {
            detail: Detail::Summary,
            ..Options::default()
        };
        let (mut full_sum, mut lean_sum) = (Summary::new(), Summary::new());
        let mut n = 0;
        for entry in rules.entries() {
            let ex = &entry.rule.examples;
            for ex in ex.must_match.iter().chain(&ex.no_match) {
                n += 1;
                let mut resp = ex.to_response();
                resp.time = Some(format!("2026-12-05T10:{:02}:00Z", n % 60));
                let source = Some(Source {
                    file: "log.ndjson".into(),
                    entry: None,
                    line: Some(n),
                });
                let full = rules.diagnose(&resp, &Options::default(), source.clone());
                let lean = rules.diagnose(&resp, &lean, source);
                assert_eq!(
                    (&lean.rule, &lean.outcome, &lean.api, &lean.title),
                    (&full.rule, &full.outcome, &full.api, &full.title)
                );
                assert_eq!(lean.fix.first(), full.fix.first(), "{:?}", full.rule);
                full_sum.add(&full);
                lean_sum.add(&lean);
            }
        }
        assert!(n > 500 && full_sum.diagnosed > 400, "{n} examples");
        assert_eq!(lean_sum, full_sum);
    }
}
