//! Broken user rule files are errors naming the file, the rule and the position; the
//! built-in table works without them; rules are data, never executed; JSONPath over a
//! hostile body is bounded.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{Run, run_with};

const RESPONSE: &str = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{\"statusCode\":400,\"message\":\"Branch feature/x does not match the cost estimation branch\",\"error\":\"Bad Request\"}";

/// A valid pack with one rule; `edit` breaks it.
fn pack(rule_id: &str, when: &str, extra: &str) -> String {
    format!(
        r#"{{
  "api": "acme",
  "name": "Acme API",
  "rules": [
    {{
      "id": "acme/first",
      "title": "First",
      "when": {{"status": 418, "body": [{{"path": "$.m", "equals": "teapot"}}]}},
      "cause": "c",
      "fix": ["f"],
      "examples": {{"match": [{{"status": 418, "body": {{"m": "teapot"}}}}]}}
    }},
    {{
      "id": "{rule_id}",
      "title": "Second",
      "when": {when},
      "cause": "c",
      "fix": ["f"]{extra},
      "examples": {{"match": [{{"status": 409, "body": {{"m": "boom"}}}}]}}
    }}
  ]
}}
"#
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// `apidiag: error: rule file PATH:LINE:COL: rule ID: …`, exit 2, for both commands.
fn assert_fault(file: &Path, line: usize, rule: Option<&str>, says: &str) {
    let path = file.to_str().unwrap();
    let diagnose = run_with(&["--rules", path], RESPONSE);
    let check = run_with(&["rules", "check", path], "");
    for (what, r) in [("--rules", &diagnose), ("rules check", &check)] {
        r.one_line_error(what);
        let want = format!("apidiag: error: rule file {path}:{line}:");
        assert!(
            r.stderr.starts_with(&want),
            "{what}: want {want}…, got {}",
            r.stderr
        );
        if let Some(rule) = rule {
            assert!(
                r.stderr.contains(&format!(": rule {rule}: ")),
                "{what}: {}",
                r.stderr
            );
        }
        assert!(
            r.stderr.contains(says),
            "{what}: want {says:?} in {}",
            r.stderr
        );
    }
}

#[test]
fn broken_rule_files_name_the_file_the_rule_and_the_position() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good_when = r#"{"status": 409, "body": [{"path": "$.m", "equals": "boom"}]}"#;

    let text = pack("acme/second", good_when, "").replace(r#""fix": ["f"],"#, r#""fix": ["f"]"#);
    assert_fault(
        &write(d, "bad-json.json", &text),
        11,
        Some("acme/first"),
        "expected",
    );

    let text = pack("acme/second", good_when, r#", "titel": "typo""#);
    assert_fault(
        &write(d, "schema.json.txt", &text),
        18,
        Some("acme/second"),
        "unknown field `titel`",
    );

    let when = r#"{"status": 409, "body": [{"path": "$.[", "equals": "boom"}]}"#;
    assert_fault(
        &write(d, "bad-path.json", &pack("acme/second", when, "")),
        14,
        Some("acme/second"),
        "invalid JSONPath",
    );

    let when = r#"{"status": 409, "body": [{"path": "$.m", "regex": "(unclosed"}]}"#;
    assert_fault(
        &write(d, "bad-regex.json", &pack("acme/second", when, "")),
        14,
        Some("acme/second"),
        "invalid regex",
    );

    let when = r#"{"status": 409, "headers": [{"name": "x", "regex": "a{99999999}"}]}"#;
    assert_fault(
        &write(d, "huge-regex.json", &pack("acme/second", when, "")),
        14,
        Some("acme/second"),
        "regex",
    );

    assert_fault(
        &write(d, "dup.json", &pack("acme/first", good_when, "")),
        14,
        Some("acme/first"),
        "duplicate rule id",
    );

    assert_fault(
        &write(d, "bad-id.json", &pack("acme/Bad_Id", good_when, "")),
        14,
        Some("acme/Bad_Id"),
        "kebab-case",
    );
    assert_fault(
        &write(d, "other-api.json", &pack("other/x", good_when, "")),
        14,
        Some("other/x"),
        "does not start",
    );

    let when = r#"{"status": 700}"#;
    assert_fault(
        &write(d, "bad-status.json", &pack("acme/second", when, "")),
        14,
        Some("acme/second"),
        "outside 100",
    );

    let when = r#"{"status": "6xx"}"#;
    assert_fault(
        &write(d, "bad-class.json", &pack("acme/second", when, "")),
        14,
        Some("acme/second"),
        "1xx",
    );

    // Not JSON at all, and an empty file.
    let p = write(d, "garbage.json", "\u{0}\u{1}not json");
    let r = run_with(&["--rules", p.to_str().unwrap()], RESPONSE);
    r.one_line_error("garbage rule file");
    assert!(r.stderr.contains("garbage.json:1:"), "{}", r.stderr);
    let p = write(d, "empty.json", "");
    run_with(&["--rules", p.to_str().unwrap()], RESPONSE).one_line_error("empty rule file");
    // A missing file.
    let r = run_with(&["--rules", "/nonexistent/rules.json"], RESPONSE);
    r.one_line_error("missing rule file");
    assert!(r.stderr.contains("/nonexistent/rules.json"), "{}", r.stderr);
}

#[test]
fn a_broken_file_in_a_rules_folder_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a-good.json",
        &pack("acme/second", r#"{"status": 409}"#, ""),
    );
    let bad = write(
        dir.path(),
        "b-bad.json",
        "{\"api\": \"zeta\", \"name\": \"Z\", \"rules\": [}",
    );
    let r = run_with(&["--rules", dir.path().to_str().unwrap()], RESPONSE);
    r.one_line_error("folder");
    assert!(r.stderr.contains(bad.to_str().unwrap()), "{}", r.stderr);
}

#[test]
fn builtin_rules_work_without_user_rules() {
    let r = run_with(&["--format", "json"], RESPONSE);
    r.diagnosis("built-in");
    assert_eq!(r.code, 0);
    assert_eq!(r.json_lines()[0]["rule"], "hacktron/branch-mismatch");
    let r = run_with(&["rules", "check"], "");
    r.no_panic("rules check built-in");
}

fn check_file(text: &str) -> (tempfile::TempDir, Run) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "acme.json", text);
    let r = run_with(&["rules", "check", p.to_str().unwrap()], "");
    (dir, r)
}

#[test]
fn rules_check_reports_missing_and_noisy_rules() {
    // Validated.
    let (_d, r) = check_file(&pack(
        "acme/second",
        r#"{"status": 409, "body": [{"path": "$.m", "equals": "boom"}]}"#,
        "",
    ));
    r.no_panic("validated");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // Missing: the match example does not match.
    let (_d, r) = check_file(&pack(
        "acme/second",
        r#"{"status": 409, "body": [{"path": "$.m", "equals": "bang"}]}"#,
        "",
    ));
    r.no_panic("missing");
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("missing") && r.stdout.contains("acme/second"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("match example 1"), "{}", r.stdout);
    // Noisy: a no_match example matches.
    let text = pack("acme/second", r#"{"status": 409, "body": [{"path": "$.m", "starts_with": "boo"}]}"#, "").replace(
        r#""examples": {"match": [{"status": 409, "body": {"m": "boom"}}]}"#,
        r#""examples": {"match": [{"status": 409, "body": {"m": "boom"}}], "no_match": [{"status": 409, "body": {"m": "boo!"}}]}"#,
    );
    let (_d, r) = check_file(&text);
    r.no_panic("noisy");
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("noisy"), "{}", r.stdout);
    // No example at all.
    let text = pack("acme/second", r#"{"status": 409}"#, "").replace(
        r#""examples": {"match": [{"status": 409, "body": {"m": "boom"}}]}"#,
        r#""examples": {"match": []}"#,
    );
    let (_d, r) = check_file(&text);
    r.no_panic("no example");
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("no match example"), "{}", r.stdout);
    // JSON report.
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "acme.json",
        &pack(
            "acme/second",
            r#"{"status": 409, "body": [{"path": "$.m", "equals": "bang"}]}"#,
            "",
        ),
    );
    let r = run_with(
        &["rules", "check", "--format", "json", p.to_str().unwrap()],
        "",
    );
    let verdicts: Vec<String> = r
        .json_lines()
        .iter()
        .map(|v| v["verdict"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(verdicts, ["validated", "missing"]);
}

#[test]
fn rules_are_data_never_executed() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("pwned");
    let m = marker.to_str().unwrap();
    let text = pack(
        "acme/second",
        r#"{"status": 409, "body": [{"path": "$.m", "equals": "boom"}]}"#,
        "",
    )
    .replace(
        r#""cause": "c""#,
        &format!(r#""cause": "$(touch {m}) `touch {m}` {{{{{{{{status}}}}}}}} {{{{#x}}}}""#),
    );
    let p = write(dir.path(), "acme.json", &text);
    let r = run_with(
        &["--rules", p.to_str().unwrap(), "--color", "never"],
        "HTTP/1.1 409 Conflict\r\n\r\n{\"m\":\"boom\"}",
    );
    r.diagnosis("shell text in a rule");
    assert!(r.stdout.contains(&format!("$(touch {m})")), "{}", r.stdout);
    assert!(!marker.exists(), "a rule's text was executed");
}

#[test]
fn descent_queries_over_a_wide_ten_mebibyte_body_are_bounded() {
    let rules = r#"{
  "api": "acme",
  "name": "Acme API",
  "recognise": {"hosts": ["api.acme.example"]},
  "rules": [
    {
      "id": "acme/deep",
      "title": "Deep",
      "when": {"status": 400, "body": [{"path": "$..needle", "equals": "found"}, {"path": "$..*[?@.k == 'v']", "exists": true}]},
      "cause": "c",
      "fix": ["f"],
      "examples": {"match": [{"status": 400, "body": {"a": {"needle": "found", "b": [{"k": "v"}]}}, "request": {"url": "https://api.acme.example/x"}}]}
    }
  ]
}"#;
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "acme.json", rules);
    // ~10 MiB: 200 000 small objects, a few levels deep, and the needle at the end.
    let mut body = String::from("{\"items\":[");
    for i in 0..200_000 {
        body.push_str(&format!(
            "{{\"id\":{i},\"k\":\"w\",\"tags\":[\"a\",\"b\"],\"meta\":{{\"x\":{i}}}}},"
        ));
    }
    body.push_str("{\"needle\":\"found\",\"k\":\"v\"}]}");
    assert!(body.len() > 10 << 20, "{}", body.len());
    let input = format!(
        "> GET /x HTTP/1.1\r\n> Host: api.acme.example\r\n>\r\n< HTTP/1.1 400 Bad Request\r\n< Content-Type: application/json\r\n<\r\n{body}"
    );
    let start = Instant::now();
    let r = run_with(
        &["--rules", p.to_str().unwrap(), "--format", "json", "--all"],
        input,
    );
    let took = start.elapsed();
    r.no_panic("wide body");
    assert!(r.code <= 1, "{}{}", r.stdout, r.stderr);
    assert!(
        took < Duration::from_secs(20),
        "a descent query over 10 MiB took {took:?}"
    );
}

#[test]
fn replacing_a_builtin_twice_in_one_file_is_a_duplicate_not_a_crash() {
    let rule = r#"{"id": "hacktron/branch-mismatch", "title": "Mine", "when": {"status": 400, "body": [{"path": "$.message", "contains": "does not match"}]}, "cause": "c", "fix": ["f"], "examples": {"match": [{"status": 400, "body": {"message": "Branch x does not match the cost estimation branch"}}]}}"#;
    let text = format!(
        "{{\"api\": \"hacktron\", \"name\": \"Mine\", \"rules\": [\n{rule},\n{rule}\n]}}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "mine.json", &text);
    assert_fault(&p, 3, Some("hacktron/branch-mismatch"), "duplicate rule id");
    // Once, it replaces the built-in.
    let text = format!("{{\"api\": \"hacktron\", \"name\": \"Mine\", \"rules\": [\n{rule}\n]}}\n");
    let p = write(dir.path(), "once.json", &text);
    let r = run_with(
        &["--rules", p.to_str().unwrap(), "--format", "json"],
        RESPONSE,
    );
    r.diagnosis("replaced built-in");
    assert_eq!(r.json_lines()[0]["title"], "Mine");
}
