//! `apidiag rules check`: lint rule files and run every rule's examples against the
//! whole table, reporting per rule validated / missing / noisy.

use std::collections::BTreeSet;
use std::path::PathBuf;

use regex::Regex;
use serde::Serialize;

use super::RuleSet;
use super::diagnose::{BUILTIN_PLACEHOLDERS, Options};
use super::loader::{self, LoadError, Origin};
use super::model::{Example, Rule, RuleFile};
use super::shared::GENERIC_API;
use crate::template;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every example behaved.
    Validated,
    /// A `match` example was not won by the rule (or lacked an expected text).
    Missing,
    /// A `no_match` example matched the rule.
    Noisy,
    /// The rule itself is broken (placeholder, no example).
    Invalid,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleReport {
    pub rule: String,
    pub file: String,
    pub verdict: Verdict,
    pub problems: Vec<String>,
}

/// Check `paths` (or, when empty, the built-in table). A file that cannot be loaded
/// is an `Err`; rule-level findings are in the reports.
pub fn check(paths: &[PathBuf]) -> Result<Vec<RuleReport>, LoadError> {
    let user = loader::user_files(paths)?;
    let mut checked: Vec<(Origin, RuleFile)> = Vec::new();
    for (origin, text) in &user {
        checked.push((origin.clone(), loader::parse(origin, text)?));
    }
    let set = RuleSet::load(paths)?;
    // A built-in layer (`recognise.layer`: proxies.json) answers in front of every API
    // on purpose, and so takes pages a generic rule would answer without it. Every other
    // rule's examples are checked as if the built-in layers were off (`--no-pack`), what
    // that rule answers then; a layer's own examples against the whole table.
    let layers: Vec<String> = loader::builtin_files()?
        .into_iter()
        .filter(|(_, f)| f.recognise.layer)
        .map(|(_, f)| f.api)
        .collect();
    let without_layers = if layers.is_empty() {
        None
    } else {
        Some(RuleSet::load_except(paths, &layers)?)
    };
    let files: Vec<(Origin, RuleFile)> = if paths.is_empty() {
        loader::builtin_files()?
    } else {
        checked
    };
    let mut reports = Vec::new();
    for (origin, file) in &files {
        let against = match &without_layers {
            Some(without) if !file.recognise.layer => without,
            _ => &set,
        };
        for rule in &file.rules {
            reports.push(check_rule(against, origin, rule));
        }
    }
    Ok(reports)
}

fn check_rule(set: &RuleSet, origin: &Origin, rule: &Rule) -> RuleReport {
    let mut problems = lint(set, rule);
    let mut verdict = if problems.is_empty() {
        Verdict::Validated
    } else {
        Verdict::Invalid
    };
    for (n, ex) in rule.examples.must_match.iter().enumerate() {
        if let Some(p) = run_match(set, rule, ex) {
            problems.push(format!("match example {}: {p}", n + 1));
            verdict = worst(verdict, Verdict::Missing);
        }
    }
    for (n, ex) in rule.examples.no_match.iter().enumerate() {
        let d = diagnose_all(set, ex);
        if d.matches
            .unwrap_or_default()
            .iter()
            .any(|m| m.rule == rule.id)
        {
            problems.push(format!("no_match example {} matched", n + 1));
            verdict = worst(verdict, Verdict::Noisy);
        }
    }
    RuleReport {
        rule: rule.id.clone(),
        file: origin.to_string(),
        verdict,
        problems,
    }
}

fn worst(a: Verdict, b: Verdict) -> Verdict {
    let rank = |v| match v {
        Verdict::Validated => 0,
        Verdict::Missing => 1,
        Verdict::Noisy => 2,
        Verdict::Invalid => 3,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// An example diagnosed with every matching rule listed.
fn diagnose_all(set: &RuleSet, ex: &Example) -> crate::diagnosis::Diagnosis {
    diagnose_as(set, ex, None)
}

/// An example diagnosed with every matching rule listed, as `api`'s when given.
fn diagnose_as(set: &RuleSet, ex: &Example, api: Option<&str>) -> crate::diagnosis::Diagnosis {
    let opts = Options {
        api: api.map(str::to_owned),
        all: true,
        ..Options::default()
    };
    set.diagnose(&ex.to_response(), &opts, None)
}

/// Why a vendor rule that holds for the example was not tried: with no literal to index
/// it by, it is a candidate only for a response recognised as its API's, and the
/// example is not one (empty when that is not why).
fn why_not_tried(set: &RuleSet, rule: &Rule, ex: &Example) -> String {
    let api = rule.id.split_once('/').map_or("", |(api, _)| api);
    if api == GENERIC_API || super::index::literal_of(rule).is_some() {
        return String::new();
    }
    let forced = diagnose_as(set, ex, Some(api));
    if !forced
        .matches
        .unwrap_or_default()
        .iter()
        .any(|m| m.rule == rule.id)
    {
        return String::new();
    }
    format!(
        "; it matches as {api}'s (--api {api}), but it has no text of 3 or more ASCII characters to be found by \
         (shorter or non-ASCII text is not indexed), so it is tried only on responses recognised as {api}'s: \
         add `recognise` to the pack and the request or header it names to the example, or test a longer ASCII text"
    )
}

fn run_match(set: &RuleSet, rule: &Rule, ex: &Example) -> Option<String> {
    let d = diagnose_all(set, ex);
    if d.rule.as_deref() != Some(rule.id.as_str()) {
        let won = d.rule.as_deref().unwrap_or("no rule");
        let matched = d
            .matches
            .unwrap_or_default()
            .iter()
            .any(|m| m.rule == rule.id);
        return Some(if matched {
            format!("matched but {won} won")
        } else {
            format!("did not match ({won} won){}", why_not_tried(set, rule, ex))
        });
    }
    let rendered = [
        d.title.as_deref(),
        d.cause.as_deref(),
        d.retry.as_ref().map(|r| r.advice.as_str()),
    ]
    .into_iter()
    .flatten()
    .map(str::to_owned)
    .chain(d.fix.iter().map(ToString::to_string))
    .chain(
        d.fields
            .iter()
            .map(|f| format!("{} {}", f.field.as_deref().unwrap_or(""), f.problem)),
    )
    .collect::<Vec<_>>()
    .join("\n");
    let lacking: Vec<&str> = ex
        .expect
        .iter()
        .map(String::as_str)
        .filter(|e| !rendered.contains(e))
        .collect();
    (!lacking.is_empty()).then(|| format!("output lacks {lacking:?}"))
}

fn lint(set: &RuleSet, rule: &Rule) -> Vec<String> {
    let mut problems = Vec::new();
    if rule.examples.must_match.is_empty() {
        problems.push("no match example".into());
    }
    if rule.cause.trim().is_empty()
        || rule.fix.is_empty()
        || rule.fix.iter().any(|f| f.trim().is_empty())
    {
        problems.push("empty cause or fix step".into());
    }
    if let Some(entry) = set.get(&rule.id)
        && let Err(e) = entry.check_compiles()
    {
        problems.push(e.to_string());
    }
    let known = filled_names(rule);
    for name in used_names(rule) {
        if !known.contains(&name) && !BUILTIN_PLACEHOLDERS.contains(&name.as_str()) {
            problems.push(format!(
                "placeholder {{{{{name}}}}} is filled by no capture, lookup or built-in"
            ));
        }
    }
    problems
}

fn used_names(rule: &Rule) -> Vec<String> {
    let mut texts: Vec<&str> = vec![&rule.title, &rule.cause];
    texts.extend(rule.fix.iter().map(String::as_str));
    if let Some(r) = &rule.retry {
        texts.push(&r.advice);
        if let Some(a) = r.after.as_ref().and_then(|a| a.as_str()) {
            texts.push(a);
        }
    }
    texts.into_iter().flat_map(template::placeholders).collect()
}

fn filled_names(rule: &Rule) -> BTreeSet<String> {
    let w = &rule.when;
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut regexes: Vec<&str> = Vec::new();
    for c in w.body.iter().chain(&w.evidence) {
        names.extend(c.capture.clone());
        regexes.extend(c.regex.as_deref());
    }
    for h in &w.headers {
        names.extend(h.capture.clone());
        regexes.extend(h.regex.as_deref());
    }
    for t in [&w.text, &w.transport_error].into_iter().flatten() {
        regexes.extend(t.regex.as_deref());
    }
    if let Some(r) = &w.request {
        regexes.extend(r.path.as_deref());
        regexes.extend(r.host.as_deref());
        for c in &r.query {
            names.extend(c.capture.clone());
            regexes.extend(c.regex.as_deref());
        }
    }
    for re in regexes.into_iter().filter_map(|r| Regex::new(r).ok()) {
        names.extend(re.capture_names().flatten().map(str::to_owned));
    }
    names.extend(rule.lookups.iter().map(|l| l.capture.clone()));
    names
}
