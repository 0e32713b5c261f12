//! The weaker tier of recognition: a vendor's documented vocabulary names its API when
//! no request host or key does, claims no more than "likely", and says so; generic
//! framework errors with other words, and other APIs' hosts, stay generic.

use crate::common;
use common::run_with;

/// `(api, rule, confidence, notes)` of the one diagnosis of `response`.
fn diagnose(args: &[&str], response: &str) -> (String, String, String, String) {
    let mut all = vec!["--format", "json"];
    all.extend(args);
    let r = run_with(&all, response);
    let d = &r.json_lines()[0];
    let text = |k: &str| d[k].as_str().unwrap_or("").to_owned();
    let notes = d["notes"].as_array().map_or(String::new(), |n| {
        n.iter()
            .filter_map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    });
    (text("api"), text("rule"), text("confidence"), notes)
}

fn http(status: &str, body: &str) -> String {
    format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\n\r\n{body}")
}

#[test]
fn hacktron_field_names_recognise_a_bare_nestjs_validation_error() {
    let body = r#"{"statusCode":400,"message":["repos must contain at least 1 elements","cost_estimation_id must be a UUID"],"error":"Bad Request"}"#;
    let (api, rule, confidence, notes) = diagnose(&[], &http("400 Bad Request", body));
    assert_eq!(
        (api.as_str(), rule.as_str(), confidence.as_str()),
        ("hacktron", "hacktron/validation-failed", "likely")
    );
    assert_eq!(
        notes,
        "recognised as hacktron only by wording its documentation uses (`repos must contain at least 1 elements`, `cost_estimation_id`); no request host or key showed the API, so this is likely, not certain"
    );
}

#[test]
fn a_nestjs_validation_error_with_other_field_names_stays_generic() {
    let body = r#"{"statusCode":400,"message":["email must be an email","tags must contain at least 1 elements"],"error":"Bad Request"}"#;
    let (api, rule, _, notes) = diagnose(&[], &http("400 Bad Request", body));
    assert_eq!(
        (api.as_str(), rule.as_str()),
        ("", "http/nestjs-validation")
    );
    assert_eq!(notes, "");
}

#[test]
fn tumban_field_names_recognise_a_bare_fastapi_validation_error() {
    let body = r#"{"detail":[{"loc":["body","profile_url"],"msg":"Input should be a valid URL","type":"url_parsing","input":"not-a-url"}]}"#;
    let (api, rule, confidence, _) = diagnose(&[], &http("422 Unprocessable Entity", body));
    assert_eq!(
        (api.as_str(), rule.as_str(), confidence.as_str()),
        ("tumban", "tumban/validation-failed", "likely")
    );
    let other =
        r#"{"detail":[{"loc":["body","profile"],"msg":"Field required","type":"missing"}]}"#;
    let (api, rule, _, _) = diagnose(&[], &http("422 Unprocessable Entity", other));
    assert_eq!(
        (api.as_str(), rule.as_str()),
        ("", "http/fastapi-validation")
    );
}

#[test]
fn a_term_inside_a_longer_word_is_not_vocabulary() {
    let body =
        r#"{"detail":[{"loc":["body","profile_url_v2"],"msg":"Field required","type":"missing"}]}"#;
    let (api, rule, _, _) = diagnose(&[], &http("422 Unprocessable Entity", body));
    assert_eq!(
        (api.as_str(), rule.as_str()),
        ("", "http/fastapi-validation")
    );
}

#[test]
fn a_framework_default_is_never_attributed_to_a_vendor() {
    // NestJS's throttler sends this exact body from any API that uses it.
    let body = r#"{"statusCode":429,"message":"ThrottlerException: Too Many Requests"}"#;
    let (api, rule, _, _) = diagnose(&[], &http("429 Too Many Requests", body));
    assert_eq!(api, "");
    assert!(rule.starts_with("http/"), "{rule}");
    // Known to be Hacktron's by its host, the same body gets the vendor's rule.
    let (api, rule, confidence, notes) = diagnose(
        &[
            "--url",
            "https://api.hacktron.ai/v1/scans",
            "--input-format",
            "http",
        ],
        &http("429 Too Many Requests", body),
    );
    assert_eq!(
        (
            api.as_str(),
            rule.as_str(),
            confidence.as_str(),
            notes.as_str()
        ),
        ("hacktron", "hacktron/rate-limited", "documented", "")
    );
}

#[test]
fn another_apis_host_contradicts_the_vocabulary() {
    let body = r#"{"statusCode":400,"message":["cost_estimation_id must be a UUID"],"error":"Bad Request"}"#;
    let (api, rule, _, _) = diagnose(
        &[
            "--url",
            "https://api.example.com/v1/jobs",
            "--input-format",
            "http",
        ],
        &http("400 Bad Request", body),
    );
    assert_eq!(
        (api.as_str(), rule.as_str()),
        ("", "http/nestjs-validation")
    );
    // A loopback address (a mock, a tunnel) says nothing against it.
    let (api, _, _, _) = diagnose(
        &[
            "--url",
            "http://127.0.0.1:8080/v1/scans",
            "--input-format",
            "http",
        ],
        &http("400 Bad Request", body),
    );
    assert_eq!(api, "hacktron");
}

#[test]
fn a_recognised_vendor_status_without_a_documented_message_keeps_the_vendors_advice() {
    let body = r#"{"statusCode":429,"message":"Too Many Requests"}"#;
    let (api, rule, confidence, _) = diagnose(
        &[
            "--url",
            "https://api.hacktron.ai/v1/scans",
            "--input-format",
            "http",
        ],
        &http("429 Too Many Requests", body),
    );
    assert_eq!(
        (api.as_str(), rule.as_str(), confidence.as_str()),
        ("hacktron", "hacktron/status-429", "likely")
    );
}
