//! The public contract, second round of hardening: the summary counts what the JSON
//! lines say, `explain` renders its templates for every status, and the retry wait in
//! the JSON is the one the text states.

mod common;
use common::{apidiag, fixture};

use std::collections::BTreeMap;

use serde_json::Value;

fn json(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The summary's name for the count of each per-line outcome.
const SUMMARY_FIELD: [(&str, &str); 4] = [
    ("diagnosed", "diagnosed"),
    ("warning", "warnings"),
    ("unrecognised", "unrecognised"),
    ("success", "succeeded"),
];

/// (outcome counted over the JSON lines, the same outcome in `--summary --format json`).
fn outcomes_both_ways(
    args: &[&str],
    stdin: &str,
) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
    let lines = apidiag()
        .args(["--format", "json"])
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    let mut per_line: BTreeMap<String, u64> = SUMMARY_FIELD
        .iter()
        .map(|(o, _)| (o.to_string(), 0))
        .collect();
    for d in json(&lines.stdout) {
        *per_line.get_mut(d["outcome"].as_str().unwrap()).unwrap() += 1;
    }
    let summary = apidiag()
        .args(["--format", "json", "--summary"])
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    let summary = &json(&summary.stdout)[0];
    let in_summary = SUMMARY_FIELD
        .iter()
        .map(|(o, field)| (o.to_string(), summary[field].as_u64().unwrap()))
        .collect();
    (per_line, in_summary)
}

#[test]
fn summary_counts_every_outcome_as_the_json_lines_do_for_bundled_har_and_ndjson() {
    let files = [
        "har/devtools-style.har",
        "har/playwright-base64.har",
        "har/playwright-chromium.har",
        "har/playwright-omit.har",
        "ndjson/mixed.ndjson",
    ];
    for file in files {
        let (per_line, summary) = outcomes_both_ways(&[&fixture(file)], "");
        assert_eq!(per_line, summary, "{file}");
    }
    // devtools-style.har holds a 301 a rule describes: a success, not a diagnosis.
    let (per_line, _) = outcomes_both_ways(&[&fixture("har/devtools-style.har")], "");
    let want = [
        ("diagnosed", 17),
        ("success", 3),
        ("unrecognised", 0),
        ("warning", 1),
    ];
    assert_eq!(per_line, want.map(|(o, n)| (o.to_string(), n)).into());
}

#[test]
fn summary_and_json_lines_agree_on_redirects_informational_and_unknown_statuses() {
    let log = [
        r#"{"status": 418}"#,
        r#"{"status": 103}"#,
        r#"{"status": 308}"#,
        r#"{"status": 301, "headers": {"Location": "/x"}}"#,
        r#"{"headers": {"X": "1"}}"#,
        r#"{"status": 200}"#,
    ]
    .join("\n");
    let (per_line, summary) = outcomes_both_ways(&["--input-format", "ndjson", "-"], &log);
    assert_eq!(per_line, summary);
    let want = [
        ("diagnosed", 1),
        ("success", 4),
        ("unrecognised", 1),
        ("warning", 0),
    ];
    assert_eq!(per_line, want.map(|(o, n)| (o.to_string(), n)).into());
}

#[test]
fn a_redirect_a_rule_describes_is_a_success_that_still_exits_0() {
    let out = apidiag()
        .args(["--format", "json"])
        .write_stdin("HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\n\r\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let d = &json(&out.stdout)[0];
    assert_eq!(
        (d["outcome"].as_str(), d["rule"].as_str()),
        (Some("success"), Some("http/redirect-301"))
    );
}

fn explain(topic: &str) -> (Option<i32>, String) {
    let out = apidiag().args(["explain", topic]).output().unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn explain_renders_the_templates_of_every_status() {
    for code in 100..=599 {
        let (exit, text) = explain(&code.to_string());
        assert_eq!(exit, Some(0), "explain {code}");
        assert!(
            !text.contains("{{") && !text.contains("}}"),
            "explain {code}:\n{text}"
        );
    }
}

#[test]
fn explain_a_status_shows_placeholders_and_conditional_sections() {
    let (_, text) = explain("429");
    let cause = text.lines().nth(2).unwrap();
    assert_eq!(
        cause,
        "The client sent too many requests in a time window (rate limit) or used up a \
         quota. [if <retry_after>: The server asks you to wait <retry_after> s (`Retry-After`).]"
    );
    assert!(text.ends_with(
        "\n<name> marks a value apidiag takes from the response when it diagnoses one;\n\
         [if <name>: …] and [if no <name>: …] show text used only when the response has,\n\
         or has not, that value.\n"
    ));
}

#[test]
fn explain_a_rule_shows_both_branches_of_a_section() {
    let (_, text) = explain("http/status-429");
    let fix = text.lines().find(|l| l.starts_with("  1. ")).unwrap();
    assert_eq!(
        fix,
        "  1. [if <retry_after>: Wait at least <retry_after> seconds before the next request.]\
         [if no <retry_after>: Back off exponentially with jitter (1 s, 2 s, 4 s, 8 s …) before retrying.]"
    );
}
