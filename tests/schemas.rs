//! The committed JSON Schemas are generated from the Rust types; set
//! `APIDIAG_BLESS=1` to rewrite them after a deliberate change.

fn check(path: &str, generated: String) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var_os("APIDIAG_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: run `APIDIAG_BLESS=1 cargo test --test schemas`",
        path.display()
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
