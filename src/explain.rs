//! `apidiag explain`: the long form of a rule (like `rustc --explain`), or what a status
//! code means in general and for each API. This finds what to show;
//! [`crate::render::explain`] shows it.

use crate::rules::compile::StatusSet;
use crate::rules::{Entry, RuleSet};

/// What `explain` was asked about.
pub enum Topic<'a> {
    Rule(&'a Entry),
    Status(u16),
}

/// Resolve `topic` to a rule id or a status; an unknown id is an error naming near matches.
pub fn resolve<'a>(rules: &'a RuleSet, topic: &str) -> Result<Topic<'a>, String> {
    if let Ok(code) = topic.parse::<u16>() {
        return if (100..=599).contains(&code) {
            Ok(Topic::Status(code))
        } else {
            Err(format!("{code} is not an HTTP status (100–599)"))
        };
    }
    if let Some(entry) = rules.get(topic) {
        return Ok(Topic::Rule(entry));
    }
    let mut near: Vec<(f64, &str)> = rules
        .entries()
        .iter()
        .map(|e| (similarity(topic, &e.rule.id), e.rule.id.as_str()))
        .filter(|(s, _)| *s > 0.6)
        .collect();
    near.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let hint = match near.iter().take(5).map(|(_, id)| *id).collect::<Vec<_>>() {
        v if v.is_empty() => "run `apidiag rules list` to see every id".to_owned(),
        v => format!("did you mean {}?", v.join(", ")),
    };
    Err(format!("unknown rule id {topic:?}; {hint}"))
}

fn similarity(topic: &str, id: &str) -> f64 {
    let topic = topic.to_ascii_lowercase();
    let slug = id.split_once('/').map_or(id, |(_, s)| s);
    if id.contains(&topic) {
        return 1.0;
    }
    strsim::jaro_winkler(&topic, id).max(strsim::jaro_winkler(&topic, slug))
}

/// The rules that can answer a status, for `explain STATUS`.
pub struct StatusRules<'a> {
    pub code: u16,
    /// The generic rule that says what the status means in general.
    pub general: Option<&'a Entry>,
    /// The vendor rules for it, grouped by API in table order.
    pub vendor: Vec<&'a Entry>,
    /// `--api`, when the vendor rules are only that API's.
    pub api: Option<&'a str>,
}

/// The rules for `code`, the vendor ones only for `api` when given.
pub fn status<'a>(rules: &'a RuleSet, code: u16, api: Option<&'a str>) -> StatusRules<'a> {
    let applies = |e: &&Entry| {
        e.rule
            .when
            .status
            .as_ref()
            .and_then(|s| StatusSet::from_spec(s).ok())
            .is_some_and(|s| s.contains(code))
    };
    let generic: Vec<&Entry> = rules
        .entries()
        .iter()
        .filter(|e| rules.is_generic(e.api))
        .filter(applies)
        .collect();
    let general = generic
        .iter()
        .find(|e| e.rule.when.body.is_empty() && e.rule.when.headers.is_empty())
        .or(generic.first())
        .copied();
    let vendor = rules
        .entries()
        .iter()
        .filter(|e| !rules.is_generic(e.api))
        .filter(|e| api.is_none_or(|a| rules.apis()[e.api].name.eq_ignore_ascii_case(a)))
        .filter(applies)
        .collect();
    StatusRules {
        code,
        general,
        vendor,
        api,
    }
}
