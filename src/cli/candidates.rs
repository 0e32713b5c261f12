//! The values `TAB` offers for an option or argument: rule ids, API names, statuses.
//! `args` attaches them to its options, so nothing here may look at the command line.

use std::ffi::OsStr;

use apidiag::rules::{RuleSet, loader};
use clap_complete::CompletionCandidate;

/// The built-in rules plus the user's (`APIDIAG_RULES`, the config folder). A broken user
/// file must not break `TAB`, so it falls back to the built-in table.
fn rules() -> Option<RuleSet> {
    RuleSet::load(&loader::env_rule_paths())
        .or_else(|_| RuleSet::builtin())
        .ok()
}

/// What `explain` takes: a rule id (case-insensitive prefix), or a status once a digit is typed.
pub(super) fn explain_topics(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    if current.starts_with(|c: char| c.is_ascii_digit()) {
        return statuses(OsStr::new(current));
    }
    let Some(rules) = rules() else {
        return Vec::new();
    };
    let want = current.to_ascii_lowercase();
    let mut ids: Vec<CompletionCandidate> = rules
        .entries()
        .iter()
        .filter(|e| e.rule.id.to_ascii_lowercase().starts_with(&want))
        .map(|e| CompletionCandidate::new(&e.rule.id).help(Some(e.rule.title.clone().into())))
        .collect();
    ids.sort_by(|a, b| a.get_value().cmp(b.get_value()));
    ids
}

/// API names for `--api`, with their titles.
pub(super) fn api_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    let want = current.to_ascii_lowercase();
    let Some(rules) = rules() else {
        return Vec::new();
    };
    rules
        .apis()
        .iter()
        .filter(|a| a.name.to_ascii_lowercase().starts_with(&want))
        .map(|a| CompletionCandidate::new(a.name.as_str()).help(Some(a.title.clone().into())))
        .collect()
}

/// HTTP statuses with a registered (or commonly sent) reason phrase.
pub(super) fn statuses(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    (100u16..=599)
        .filter_map(|code| Some((code, apidiag::status::reason_phrase(code)?)))
        .map(|(code, reason)| (code.to_string(), reason))
        .filter(|(code, _)| code.starts_with(current))
        .map(|(code, reason)| CompletionCandidate::new(code).help(Some(reason.into())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(c: Vec<CompletionCandidate>) -> Vec<String> {
        c.iter()
            .map(|c| c.get_value().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn rule_ids_complete_by_prefix_case_insensitively() {
        let ids = values(explain_topics(OsStr::new("HACK")));
        assert!(
            ids.contains(&"hacktron/missing-write-scope".to_owned()),
            "{ids:?}"
        );
        assert!(ids.iter().all(|id| id.starts_with("hacktron/")), "{ids:?}");
    }

    #[test]
    fn a_digit_completes_statuses() {
        let codes = values(explain_topics(OsStr::new("42")));
        assert!(codes.contains(&"429".to_owned()), "{codes:?}");
        assert!(codes.iter().all(|c| c.starts_with("42")), "{codes:?}");
    }

    #[test]
    fn api_names_come_from_the_rule_table() {
        assert_eq!(values(api_names(OsStr::new("wa"))), ["wasviking"]);
        assert!(values(api_names(OsStr::new(""))).len() >= 4);
    }
}
