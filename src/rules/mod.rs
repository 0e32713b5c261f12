//! The rule table: file format, loading, compiling and matching.

pub mod model;

/// JSON Schema of a rule file, as committed in `rules/schema.json`.
pub fn rule_file_schema() -> String {
    let schema = schemars::schema_for!(model::RuleFile);
    serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n"
}
