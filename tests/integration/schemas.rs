//! The committed JSON Schemas are generated from the Rust types; set
//! `APIDIAG_BLESS=1` to rewrite them after a deliberate change.

use crate::common;

use std::path::Path;

fn check(path: &str, generated: String) {
    common::check_or_bless(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(path),
        &generated,
    );
}

#[test]
fn rule_file_schema_is_current() {
    check("rules/schema.json", apidiag::rules::rule_file_schema());
}

#[test]
fn diagnosis_schema_is_current() {
    check(
        "schema/diagnosis.json",
        apidiag::diagnosis::diagnosis_schema(),
    );
}

#[test]
fn summary_schema_is_current() {
    check("schema/summary.json", apidiag::summary::summary_schema());
}
