//! The built-in rule table tested as data: every example of every rule, and the
//! table's own hygiene. (The index is tested against an exhaustive search beside
//! `RuleSet`, in `src/rules/mod.rs`.)

use apidiag::rules::check::{Verdict, check};
use apidiag::rules::model::RuleFile;
use apidiag::rules::{RuleSet, loader};

#[test]
fn every_example_of_every_builtin_rule_behaves() {
    let reports = check(&[]).expect("the built-in table loads");
    assert!(!reports.is_empty(), "no built-in rules");
    let failures: Vec<String> = reports
        .iter()
        .filter(|r| r.verdict != Verdict::Validated)
        .map(|r| format!("{} ({:?}): {}", r.rule, r.verdict, r.problems.join("; ")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} rules misbehave:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn rule_files_are_canonically_formatted() {
    // `APIDIAG_BLESS=1 cargo test --test integration rule_table::` rewrites them.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    for (name, text) in loader::BUILTIN_RULE_FILES {
        let file: RuleFile = serde_json::from_str(text).unwrap();
        let canonical = serde_json::to_string_pretty(&file).unwrap() + "\n";
        if std::env::var_os("APIDIAG_BLESS").is_some() {
            std::fs::write(dir.join(name), &canonical).unwrap();
        } else {
            assert!(
                *text == canonical,
                "rules/{name} is not canonically formatted: run `APIDIAG_BLESS=1 cargo test --test integration rule_table::`"
            );
        }
    }
}

#[test]
fn every_rule_has_a_cause_a_fix_docs_and_retry_advice() {
    let rules = RuleSet::builtin().unwrap();
    for e in rules.entries() {
        let r = &e.rule;
        assert!(
            r.title.len() <= 90,
            "{}: title longer than 90 characters",
            r.id
        );
        assert!(r.retry.is_some(), "{}: no retry advice", r.id);
        assert!(
            r.docs.is_some() || rules.pack(e.pack).docs.is_some(),
            "{}: no docs URL",
            r.id
        );
        assert!(
            !r.examples.must_match.is_empty(),
            "{}: no match example",
            r.id
        );
    }
}
