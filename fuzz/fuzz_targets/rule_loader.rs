//! Any text as a user rule file: parsed, added to the built-in table, every rule
//! compiled, and its own examples diagnosed (as `rules check` does).
#![no_main]

use std::path::PathBuf;

use apidiag::rules::diagnose::Options;
use apidiag::rules::{Origin, RuleSet, loader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let origin = Origin::User(PathBuf::from("fuzz.json"));
    let Ok(file) = loader::parse(&origin, text) else {
        return;
    };
    let examples: Vec<_> = file
        .rules
        .iter()
        .flat_map(|r| r.examples.must_match.iter().chain(&r.examples.no_match))
        .map(|e| e.to_response())
        .collect();
    let mut files = loader::builtin_files().unwrap();
    files.push((origin, file));
    let Ok(set) = RuleSet::from_files(files) else {
        return;
    };
    for e in set.entries() {
        let _ = e.compiled();
    }
    for resp in &examples {
        let _ = set.diagnose(
            resp,
            &Options {
                api: None,
                all: true,
            },
            None,
        );
    }
});
