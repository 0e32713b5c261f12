//! The four founding vendors' documented failure modes, as real clients printed them
//! (`tests/fixtures/vendors/`, made by `capture.py` against `mock_server.py`, and as a
//! Chromium HAR made by `capture_har.mjs`): which
//! rule apidiag picks for every case in every client form, against the rule it should
//! pick (`tests/fixtures/vendors/expected.tsv`, reasoned from the docs and from what
//! each form shows; see the README there).
//!
//! The expectation depends on what the transcript shows, so each mode belongs to one
//! column of `expected.tsv`: `request` (the request is shown: method, URL, headers;
//! `curl -v`, HTTPie `-v`, the NDJSON log and the HAR),
//! `wget` (URL shown, not the method or request headers; wget prints no body for a
//! 401), `response` (status, headers and body), `status_body` (body then the code) and
//! `body` (the body alone). `-` expects no rule; `none-yet` marks a case no rule in
//! `rules/` fits yet, so it is always a mismatch.

use crate::common;
use common::{apidiag, fixture};
use serde_json::Value;
use std::collections::BTreeMap;

/// Client mode folder → column of `expected.tsv`.
const MODES: &[(&str, &str)] = &[
    ("curl-i", "response"),
    ("curl-v", "request"),
    ("curl-s", "body"),
    ("curl-D", "response"),
    ("curl-w-http_code", "status_body"),
    ("curl-fail-with-body-i", "response"),
    ("httpie-print-hb", "response"),
    ("httpie-v", "request"),
    ("xh-print-hb", "response"),
    ("xh-v", "request"),
    ("wget-S", "wget"),
    ("ndjson", "request"),
    ("har", "request"),
];

struct Expected {
    cases: Vec<String>,
    /// (case, column) → rule id, `-` or `none-yet`.
    rule: BTreeMap<(String, String), String>,
}

fn expected() -> Expected {
    let text = std::fs::read_to_string(fixture("vendors/expected.tsv")).unwrap();
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty());
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    assert_eq!(header[0], "case");
    let mut cases = Vec::new();
    let mut rule = BTreeMap::new();
    for line in lines {
        let cells: Vec<&str> = line.split('\t').collect();
        assert_eq!(cells.len(), header.len(), "expected.tsv: {line}");
        cases.push(cells[0].to_owned());
        for (col, cell) in header.iter().zip(&cells).skip(1) {
            rule.insert((cells[0].to_owned(), col.to_string()), cell.to_string());
        }
    }
    Expected { cases, rule }
}

fn rule_of(v: &Value) -> String {
    match v.get("rule") {
        Some(Value::String(s)) => s.clone(),
        _ => "-".to_owned(),
    }
}

/// What apidiag picks for one transcript file.
fn pick(path: &str) -> String {
    if !std::path::Path::new(path).exists() {
        return "(fixture missing)".to_owned();
    }
    let out = apidiag().args(["--format", "json", path]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    match stdout.lines().next() {
        Some(line) => rule_of(&serde_json::from_str(line).unwrap()),
        None => {
            let err = String::from_utf8_lossy(&out.stderr);
            format!(
                "(no output, exit {}: {})",
                out.status.code().unwrap_or(-1),
                err.lines().next().unwrap_or("")
            )
        }
    }
}

/// What apidiag picks for each record of the NDJSON file, by case (one line per case,
/// in the order of `expected.tsv`).
fn pick_ndjson(cases: &[String]) -> BTreeMap<String, String> {
    let out = apidiag()
        .args(["--format", "json", &fixture("vendors/ndjson/all.ndjson")])
        .output()
        .unwrap();
    let mut picked = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let n = v["source"]["line"]
            .as_u64()
            .expect("NDJSON diagnosis without a line") as usize;
        picked.insert(cases[n - 1].clone(), rule_of(&v));
    }
    picked
}

/// What apidiag picks for each entry of the browser HAR (`har/vendors.har`, made by
/// `capture_har.mjs`: one entry per case, in the order of `expected.tsv`; the capture
/// keeps its own page loads out of the file, and the fetches are same-origin, so there
/// are no CORS preflights), by case.
fn pick_har(cases: &[String]) -> BTreeMap<String, String> {
    let out = apidiag()
        .args(["--format", "json", &fixture("vendors/har/vendors.har")])
        .output()
        .unwrap();
    let mut picked = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let n = v["source"]["entry"]
            .as_u64()
            .expect("HAR diagnosis without an entry") as usize;
        picked.insert(cases[n].clone(), rule_of(&v));
    }
    picked
}

/// `(mode, case)` pairs known not to get the expected rule (`known-gaps.tsv`), with
/// what apidiag picks for them.
fn known_gaps() -> BTreeMap<(String, String), String> {
    let text = std::fs::read_to_string(fixture("vendors/known-gaps.tsv")).unwrap();
    let rows = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty());
    rows.skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            assert_eq!(cells.len(), 4, "known-gaps.tsv: {line}");
            ((cells[0].into(), cells[1].into()), cells[2].into())
        })
        .collect()
}

/// A ratchet: every (mode, case) gets its expected rule, except the known gaps, which
/// must still pick what the list says; a gap that closes must leave the list. `cargo test --test integration vendor_corpus -- --nocapture`
/// prints the table per mode.
#[test]
fn every_vendor_failure_in_every_client_form_gets_its_rule() {
    let exp = expected();
    let gaps = known_gaps();
    let ndjson = pick_ndjson(&exp.cases);
    let har = pick_har(&exp.cases);
    let mut wrong = Vec::new();
    let mut summary = Vec::new();
    for &(mode, column) in MODES {
        let mut right = 0;
        for case in &exp.cases {
            let want = &exp.rule[&(case.clone(), column.to_owned())];
            let got = if mode == "ndjson" {
                ndjson
                    .get(case)
                    .cloned()
                    .unwrap_or_else(|| "(no record)".to_owned())
            } else if mode == "har" {
                har.get(case)
                    .cloned()
                    .unwrap_or_else(|| "(no entry)".to_owned())
            } else {
                pick(&fixture(&format!("vendors/{mode}/{case}.txt")))
            };
            let gap = gaps.get(&(mode.to_owned(), case.clone()));
            match gap {
                None if &got == want && want != "none-yet" => right += 1,
                Some(g) if got.starts_with(g.as_str()) => {}
                Some(_) if &got == want => wrong.push(format!(
                    "{mode:22} {case:42} now gets {want}: remove it from known-gaps.tsv"
                )),
                _ => wrong.push(format!("{mode:22} {case:42} want {want:40} got {got}")),
            }
        }
        summary.push(format!("{mode:22} {right:3}/{} right", exp.cases.len()));
    }
    println!("{}", summary.join("\n"));
    assert!(
        wrong.is_empty(),
        "{} unexpected:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The corpus itself is complete: every case has a transcript in every client mode, a
/// record in the NDJSON file and an entry in the HAR, whose method and URL are the
/// case's (the HAR maps back to cases by position).
#[test]
fn every_case_has_a_fixture_in_every_mode() {
    let exp = expected();
    let mut missing = Vec::new();
    for &(mode, _) in MODES {
        if mode == "ndjson" || mode == "har" {
            continue;
        }
        for case in &exp.cases {
            let p = fixture(&format!("vendors/{mode}/{case}.txt"));
            if !std::path::Path::new(&p).exists() {
                missing.push(format!("{mode}/{case}.txt"));
            }
        }
    }
    let nd = std::fs::read_to_string(fixture("vendors/ndjson/all.ndjson")).unwrap();
    assert_eq!(
        nd.lines().count(),
        exp.cases.len(),
        "one NDJSON record per case"
    );
    assert!(missing.is_empty(), "missing fixtures: {missing:?}");

    let har: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("vendors/har/vendors.har")).unwrap())
            .unwrap();
    let entries = har["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), exp.cases.len(), "one HAR entry per case");
    // The NDJSON record of the same case carries its method and URL (https there, http
    // in the capture).
    for ((case, entry), line) in exp.cases.iter().zip(entries).zip(nd.lines()) {
        let rec: Value = serde_json::from_str(line).unwrap();
        let want = rec["request"]["url"]
            .as_str()
            .unwrap()
            .replacen("https:", "http:", 1);
        assert_eq!(
            entry["request"]["url"],
            want.as_str(),
            "HAR entry of {case}"
        );
        assert_eq!(
            entry["request"]["method"], rec["request"]["method"],
            "HAR entry of {case}"
        );
    }
}
