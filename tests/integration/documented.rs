//! Every documented failure mode of the four vendors (and the generic cases), copied
//! from the seeds and vendor-errors.md into `tests/fixtures/documented/<api>.ndjson`,
//! is diagnosed by the rule named for it.

use apidiag::input::record::Record;
use apidiag::rules::RuleSet;
use apidiag::rules::diagnose::Options;

#[test]
fn each_documented_string_is_diagnosed_by_its_vendor_rule() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/documented");
    let rules = RuleSet::builtin().unwrap();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for file in &files {
        let api = file.file_stem().unwrap().to_string_lossy().into_owned();
        for (n, line) in std::fs::read_to_string(file).unwrap().lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let value: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{api}.ndjson:{}: {e}", n + 1));
            // `"expect_rule": null` is a success that no rule may claim.
            let expected = value
                .get("expect_rule")
                .unwrap_or_else(|| panic!("{api}.ndjson:{}: no expect_rule", n + 1))
                .as_str();
            if let Some(id) = expected {
                assert!(
                    id.starts_with(&format!("{api}/")),
                    "{api}.ndjson:{}: {id} is not a {api} rule",
                    n + 1
                );
            }
            let record: Record = serde_json::from_value(value.clone()).unwrap();
            let d = rules.diagnose(&record.into_response(), &Options::default(), None);
            if d.rule.as_deref() != expected {
                wrong.push(format!(
                    "{api}.ndjson:{} {:?}: expected {expected:?}, got {:?}",
                    n + 1,
                    value["documented"],
                    d.rule
                ));
            }
            checked += 1;
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} documented cases misdiagnosed:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(checked >= 80, "only {checked} documented cases");
}
