//! The binary as a user meets it: golden diagnoses, the JSON contract, exit codes,
//! colour discipline and the subcommands.

use crate::common;
use common::{apidiag, fixture};
use std::path::Path;
use std::process::Output;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(stdout(out).trim()).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

#[test]
fn golden_missing_write_scope_says_create_a_key_with_write() {
    let out = apidiag()
        .arg(fixture("transcripts/curl-i/hacktron-scope.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("403 Forbidden"), "{text}");
    assert!(text.contains("hacktron/missing-write-scope"), "{text}");
    let fix = text.split("\nfix ").nth(1).unwrap_or_default();
    assert!(
        fix.contains("new key") && fix.contains("write scope"),
        "the fix must say to create a key with the write scope:\n{text}"
    );
}

#[test]
fn golden_estimation_not_ready_says_poll_until_completed() {
    let out = apidiag()
        .args([
            "--format",
            "json",
            &fixture("transcripts/curl-i/hacktron-estimation-not-ready.txt"),
        ])
        .output()
        .unwrap();
    let d = json(&out);
    assert_eq!(d["rule"], "hacktron/estimation-not-ready");
    let fix = d["fix"].to_string();
    assert!(fix.contains("Poll") || fix.contains("poll"), "{fix}");
    assert!(
        fix.contains("GET /cost-estimations/{id}")
            && fix.contains("completed")
            && fix.contains("partial"),
        "{fix}"
    );
}

#[test]
fn json_lines_follow_the_committed_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/diagnosis.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/transcripts/curl-v");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let out = apidiag()
            .args(["--format", "json", "--all"])
            .arg(&path)
            .output()
            .unwrap();
        for line in stdout(&out).lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
            for key in [
                "outcome",
                "status",
                "api",
                "rule",
                "confidence",
                "title",
                "cause",
                "fix",
                "retry",
                "request_id",
                "docs",
                "fields",
                "source",
            ] {
                assert!(value.get(key).is_some(), "{}: no {key}", path.display());
            }
            seen += 1;
        }
    }
    assert!(seen >= 20, "only {seen} lines checked");
}

#[test]
fn exit_codes_follow_grep() {
    let diagnosed = apidiag()
        .arg(fixture("transcripts/curl-i/hacktron-credits.txt"))
        .output()
        .unwrap();
    assert_eq!(diagnosed.status.code(), Some(0));
    let success = apidiag()
        .arg(fixture("transcripts/curl-i/ok-200.txt"))
        .output()
        .unwrap();
    assert_eq!(success.status.code(), Some(1), "{}", stdout(&success));
    assert!(
        stdout(&success).contains("succeeded"),
        "{}",
        stdout(&success)
    );
    let missing = apidiag().arg("no/such/file.txt").output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.starts_with("apidiag: error: no/such/file.txt") && stderr.lines().count() == 1,
        "{stderr}"
    );
    let usage = apidiag().arg("--format=yaml").output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn a_success_invents_no_diagnosis() {
    let out = apidiag()
        .args([
            "--format",
            "json",
            &fixture("transcripts/curl-i/ok-200.txt"),
        ])
        .output()
        .unwrap();
    let d = json(&out);
    assert_eq!(d["outcome"], "success");
    assert!(d["rule"].is_null() && d["cause"].is_null());
}

#[test]
fn bare_body_takes_status_from_flag_or_body() {
    let body = r#"{"detail":"Invalid or revoked API key"}"#;
    let out = apidiag()
        .args(["--format", "json", "--status", "401"])
        .write_stdin(body)
        .output()
        .unwrap();
    let d = json(&out);
    assert_eq!(
        (d["status"].as_u64(), d["rule"].as_str()),
        (Some(401), Some("tumban/invalid-or-revoked-key"))
    );
    assert!(
        d["source"].is_null(),
        "a single stdin response has no source"
    );

    let out = apidiag()
        .args(["--format", "json"])
        .write_stdin(body)
        .output()
        .unwrap();
    let d = json(&out);
    assert!(d["status"].is_null());
    assert_eq!(
        d["rule"], "tumban/invalid-or-revoked-key",
        "the documented string still tells"
    );

    let out = apidiag()
        .args([
            "--format",
            "json",
            &fixture("transcripts/curl-w-http_code/tumban-daily-limit.txt"),
        ])
        .output()
        .unwrap();
    assert_eq!(
        json(&out)["status"],
        429,
        "curl -w '%{{http_code}}' trailer"
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let f = fixture("transcripts/curl-i/hacktron-scope.txt");
    let plain = apidiag().arg(&f).output().unwrap();
    assert!(
        !stdout(&plain).contains('\x1b'),
        "piped output has no escapes"
    );
    let forced = apidiag().args(["--color", "always", &f]).output().unwrap();
    assert!(
        stdout(&forced).contains("\x1b[1;31m403 Forbidden\x1b[0m"),
        "{:?}",
        stdout(&forced)
    );
    let clicolor = apidiag()
        .env("CLICOLOR_FORCE", "1")
        .arg(&f)
        .output()
        .unwrap();
    assert!(stdout(&clicolor).contains('\x1b'));
    let no_color = apidiag()
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .arg(&f)
        .output()
        .unwrap();
    assert!(
        !stdout(&no_color).contains('\x1b'),
        "NO_COLOR wins over CLICOLOR_FORCE"
    );
}

#[test]
fn markdown_is_a_ticket_section() {
    let out = apidiag()
        .args([
            "--format",
            "markdown",
            &fixture("transcripts/curl-i/hacktron-branch-mismatch.txt"),
        ])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.starts_with("### 400 Bad Request"), "{text}");
    assert!(
        text.contains("**Fix.**") && text.contains("feature/x"),
        "{text}"
    );
}

#[test]
fn subcommands_and_diagnose_options_do_not_mix() {
    let out = apidiag()
        .args(["--status", "403", "rules", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--status"));
}

#[test]
fn explain_a_rule_and_a_status() {
    let out = apidiag()
        .args(["explain", "HACKTRON/Estimation-Not-Ready"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("hacktron/estimation-not-ready"));
    let out = apidiag()
        .args(["explain", "429", "--api", "wasviking"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.starts_with("429 Too Many Requests")
            && text.contains("wasviking/rate-limited")
            && !text.contains("hacktron/"),
        "{text}"
    );
    let out = apidiag()
        .args(["explain", "hacktron/estimation-not-redy"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("did you mean hacktron/estimation-not-ready")
    );
}

#[test]
fn rules_list_filters_by_api() {
    let out = apidiag()
        .args(["rules", "list", "--api", "blazeauth"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.lines().count() > 10 && text.lines().all(|l| l.starts_with("blazeauth/")),
        "{text}"
    );
}

#[test]
fn user_rules_add_a_vendor_and_replace_builtins() {
    let dir = tempfile::tempdir().unwrap();
    let rule = serde_json::json!({
        "api": "acme", "name": "Acme API",
        "rules": [{
            "id": "acme/quota", "title": "Acme quota used up",
            "when": {"status": 429, "body": [{"path": "$.code", "equals": "ACME_QUOTA"}]},
            "cause": "The monthly quota is used up.", "fix": ["Ask Acme for more quota."],
            "retry": {"retryable": true, "advice": "Wait for the next month."},
            "examples": {"match": [{"status": 429, "body": {"code": "ACME_QUOTA"}}]}
        }]
    });
    let path = dir.path().join("acme.json");
    std::fs::write(&path, rule.to_string()).unwrap();
    let body = r#"{"code":"ACME_QUOTA"}"#;
    let out = apidiag()
        .args(["--format", "json", "--status", "429", "--rules"])
        .arg(&path)
        .write_stdin(body)
        .output()
        .unwrap();
    assert_eq!(json(&out)["rule"], "acme/quota");
    let out = apidiag()
        .env("APIDIAG_RULES", dir.path())
        .args(["--format", "json", "--status", "429"])
        .write_stdin(body)
        .output()
        .unwrap();
    assert_eq!(json(&out)["api"], "acme", "APIDIAG_RULES folders are read");
    let check = apidiag()
        .args(["rules", "check"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
}

#[test]
fn closed_pipe_is_not_an_error() {
    let script = format!(
        "for i in $(seq 300); do cat '{}'; echo; done > /dev/null; yes '{{\"status\":500,\"body\":\"x\"}}' | head -n 20000 | '{}' --format json | head -n 1 > /dev/null; echo ${{PIPESTATUS[2]}}",
        fixture("transcripts/curl-i/ok-200.txt"),
        env!("CARGO_BIN_EXE_apidiag")
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "0",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}
