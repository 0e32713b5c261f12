//! The evidence layer on real error responses of public APIs
//! (`tests/fixtures/evidence/`, sources in its SOURCES.md): every fixture's whole
//! output, human and JSON, is held to a committed expectation
//! (`tests/fixtures/evidence/expected/`, rewritten by `APIDIAG_BLESS=1 cargo test`), and
//! the facts the evidence layer exists for are asserted one by one below, so a
//! re-blessed expectation cannot quietly lose them.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common;
use common::{apidiag, check_or_bless};

const ROOT: &str = "tests/fixtures/evidence";

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(ROOT);
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() || dir.ends_with("expected") {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "http") {
                out.push(
                    f.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                        .unwrap()
                        .to_owned(),
                );
            }
        }
    }
    out.sort();
    out
}

/// stdout and exit code of `apidiag ARGS FILE`, run from the crate root so the output
/// names the file as the expectation does.
fn run(args: &[&str], file: &Path) -> (String, i32) {
    let out = apidiag()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{}: {stderr}", file.display());
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn every_fixture_matches_its_whole_output() {
    let files = fixtures();
    assert!(
        files.len() >= 99,
        "evidence fixtures missing: {}",
        files.len()
    );
    for file in files {
        let (human, code) = run(&["--color", "never", "--input-format", "http"], &file);
        let (json, _) = run(&["--format", "json", "--input-format", "http"], &file);
        let (markdown, _) = run(&["--format", "markdown", "--input-format", "http"], &file);
        let text = format!(
            "$ apidiag {0}\n{human}(exit {code})\n$ apidiag --format json {0}\n{json}$ apidiag --format markdown {0}\n{markdown}",
            file.display()
        );
        let rel = file.strip_prefix(ROOT).unwrap().with_extension("out");
        let expected = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(ROOT)
            .join("expected")
            .join(rel);
        check_or_bless(&expected, &text);
    }
}

fn diagnosis(rel: &str) -> (Value, i32) {
    let file = Path::new(ROOT).join(rel);
    let (out, code) = run(&["--format", "json", "--input-format", "http"], &file);
    (serde_json::from_str(out.trim()).unwrap(), code)
}

/// `(fixture, JSON pointer, value)`: what the evidence layer must read from each kind
/// of response the issue names.
fn facts() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        // Errors at HTTP 200 are diagnoses.
        (
            "slack/invalid-auth-ok-false-200.http",
            "/outcome",
            json!("diagnosed"),
        ),
        (
            "slack/invalid-auth-ok-false-200.http",
            "/codes/0",
            json!("invalid_auth"),
        ),
        (
            "github/graphql-saml-forbidden-200.http",
            "/outcome",
            json!("diagnosed"),
        ),
        (
            "github/graphql-saml-forbidden-200.http",
            "/envelope",
            json!("graphql"),
        ),
        (
            "jsonrpc/cryptonote-walletd-method-not-found-200.http",
            "/rule",
            json!("http/json-rpc-method-not-found"),
        ),
        (
            "jsonrpc/cryptonote-walletd-method-not-found-200.http",
            "/codes/0",
            json!("-32601"),
        ),
        // Rate limits that are not 429, with the reset turned into a time and a wait.
        (
            "github/primary-rate-limit-403.http",
            "/failure",
            json!("rate_limit"),
        ),
        (
            "github/primary-rate-limit-403.http",
            "/rate_limit/reset_at",
            json!("2013-08-20T15:41:06Z"),
        ),
        (
            "github/primary-rate-limit-403.http",
            "/rate_limit/remaining",
            json!(0),
        ),
        (
            "github/primary-rate-limit-403.http",
            "/retry/after_seconds",
            json!(3025),
        ),
        (
            "github/secondary-rate-limit-403.http",
            "/failure",
            json!("rate_limit"),
        ),
        (
            "problem-json/belgif-too-many-requests-429.http",
            "/rule",
            json!("http/problem-details-rate-limited"),
        ),
        (
            "problem-json/belgif-too-many-requests-429.http",
            "/retry/retryable",
            json!(true),
        ),
        // Quota and billing exhaustion sent as 429 is not transient.
        (
            "openai/insufficient-quota-429.http",
            "/failure",
            json!("quota"),
        ),
        (
            "openai/insufficient-quota-429.http",
            "/retry/retryable",
            json!(false),
        ),
        (
            "google/gemini-quota-exceeded-quotafailure-retryinfo-429.http",
            "/failure",
            json!("quota"),
        ),
        (
            "google/gemini-quota-exceeded-quotafailure-retryinfo-429.http",
            "/retry/after_seconds",
            json!(26),
        ),
        // Overloads retry with backoff.
        (
            "anthropic/overloaded-error-529.http",
            "/failure",
            json!("overload"),
        ),
        (
            "google/gemini-model-overloaded-503.http",
            "/failure",
            json!("overload"),
        ),
        // Structured codes, types, fields and links.
        (
            "google/api-key-invalid-400.http",
            "/codes",
            json!(["API_KEY_INVALID", "INVALID_ARGUMENT"]),
        ),
        (
            "google/gemini-quota-exceeded-help-link-429.http",
            "/links/0",
            json!("https://ai.google.dev/gemini-api/docs/rate-limits"),
        ),
        (
            "stripe/card-declined-generic-decline-402.http",
            "/codes",
            json!(["card_declined", "generic_decline"]),
        ),
        (
            "stripe/card-declined-generic-decline-402.http",
            "/error_type",
            json!("card_error"),
        ),
        (
            "github/validation-failed-missing-field-422.http",
            "/fields/0/field",
            json!("Issue.title"),
        ),
        (
            "github/validation-failed-missing-field-422.http",
            "/codes/0",
            json!("missing_field"),
        ),
        (
            "twilio/invalid-to-number-21211-400.http",
            "/codes/0",
            json!("21211"),
        ),
        (
            "kubernetes/invalid-field-value-required-422.http",
            "/codes/0",
            json!("Invalid"),
        ),
        (
            "jsonapi/same-attribute-two-errors-422.http",
            "/envelope",
            json!("errors-list"),
        ),
        (
            "oauth/aad-invalid-grant-revoked-400.http",
            "/codes/0",
            json!("invalid_grant"),
        ),
        // XML and AWS JSON errors, with the request id inside the body.
        (
            "aws/s3-invalid-access-key-id-403.http",
            "/codes/0",
            json!("InvalidAccessKeyId"),
        ),
        (
            "aws/s3-invalid-access-key-id-403.http",
            "/request_id",
            json!("NRX3KC5468YW8MPW"),
        ),
        (
            "aws/sts-signaturedoesnotmatch-json-403.http",
            "/codes/0",
            json!("SignatureDoesNotMatch"),
        ),
        (
            "aws/sts-signaturedoesnotmatch-json-403.http",
            "/error_type",
            json!("Sender"),
        ),
        (
            "aws/dynamodb-resource-not-found-400.http",
            "/codes/0",
            json!("ResourceNotFoundException"),
        ),
        (
            "azure/storage-authenticationfailed-sas-time-frame-403.http",
            "/codes/0",
            json!("AuthenticationFailed"),
        ),
        (
            "azure/storage-authenticationfailed-sas-time-frame-403.http",
            "/request_id",
            json!("f3148e2d-001a-000c-70c9-219460000000"),
        ),
        (
            "problem-json/rfc7807-out-of-credit-xml-403.http",
            "/envelope",
            json!("problem-details-xml"),
        ),
        (
            "problem-json/rfc7807-out-of-credit-xml-403.http",
            "/message",
            json!("Your current balance is 30, but that costs 50. You do not have enough credit."),
        ),
        // Auth challenges.
        (
            "docker/registry-unauthorized-bearer-challenge-401.http",
            "/challenge/params/realm",
            json!("https://auth.docker.io/token"),
        ),
        (
            "docker/registry-unauthorized-bearer-challenge-401.http",
            "/challenge/params/scope",
            json!("repository:samalba/my-app:pull,push"),
        ),
        (
            "oauth/oidc-userinfo-invalid-token-401.http",
            "/codes/0",
            json!("invalid_token"),
        ),
    ]
}

#[test]
fn each_kind_of_evidence_is_read() {
    let mut wrong = Vec::new();
    for (rel, pointer, want) in facts() {
        let (d, _) = diagnosis(rel);
        let got = d.pointer(pointer).cloned().unwrap_or(Value::Null);
        if got != want {
            wrong.push(format!("{rel} {pointer}: want {want}, got {got}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn an_error_at_200_exits_as_a_diagnosis() {
    for rel in [
        "slack/invalid-auth-ok-false-200.http",
        "github/graphql-saml-forbidden-200.http",
        "jsonrpc/cryptonote-walletd-method-not-found-200.http",
    ] {
        let (d, code) = diagnosis(rel);
        assert_eq!((code, &d["outcome"]), (0, &json!("diagnosed")), "{rel}");
    }
}

#[test]
fn a_success_is_not_read_for_errors_it_does_not_report() {
    let input =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"ok\":true,\"errors\":[]}";
    let out = apidiag()
        .args(["--format", "json"])
        .write_stdin(input)
        .output()
        .unwrap();
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["outcome"], "success");
    assert!(
        d.get("codes").is_none() && d.get("envelope").is_none(),
        "{d}"
    );
}
