//! The public contract, second round of hardening: the summary counts what the JSON
//! lines say, `explain` renders its templates for every status, and the retry wait in
//! the JSON is the one the text states.

use crate::common;
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
    assert_eq!(per_line, want.map(|(o, n)| (o.to_owned(), n)).into());
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
    assert_eq!(per_line, want.map(|(o, n)| (o.to_owned(), n)).into());
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
         quota. [if <wait>: The server asks you to wait <wait> s (<wait_from>).]"
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
        "  1. [if <wait>: Wait at least <wait> seconds before the next request.]\
         [if no <wait>: Back off exponentially with jitter (1 s, 2 s, 4 s, 8 s …) before retrying.]"
    );
}

/// A 429 as Hacktron sends it (recognised by its body), with `headers` added.
/// Hacktron's documented 429, as `curl -v` shows it: the request names the host, which
/// is what recognises Hacktron (the body alone is NestJS's throttler default).
fn hacktron_429(headers: &str) -> String {
    let headers = headers.replace("\r\n", "\r\n< ");
    format!(
        "> GET /v1/scans HTTP/1.1\r\n> Host: api.hacktron.ai\r\n>\r\n\
         < HTTP/1.1 429 Too Many Requests\r\n< {headers}Content-Type: application/json\r\n<\r\n\
         {{\"statusCode\":429,\"message\":\"ThrottlerException: Too Many Requests\"}}"
    )
}

/// A generic 429 whose JSON body's `message` is `message`.
fn message_429(headers: &str, message: &str) -> String {
    format!(
        "HTTP/1.1 429 Too Many Requests\r\n{headers}Content-Type: application/json\r\n\r\n\
         {{\"message\":\"{message}\"}}"
    )
}

fn diagnose(format: &str, input: &str) -> String {
    let out = apidiag()
        .args(["--format", format, "--color", "never"])
        .write_stdin(input)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn diagnose_json(input: &str) -> Value {
    json(diagnose("json", input).as_bytes()).remove(0)
}

#[test]
fn a_retry_after_longer_than_the_rules_wait_is_the_wait_in_json_human_and_markdown() {
    let input = hacktron_429("Retry-After: 45\r\n");
    let advice = "Back off exponentially (1 s, 2 s, 4 s, 8 s). Hacktron documents no \
                  Retry-After header, but this response asks for a wait (`Retry-After`): wait \
                  at least 45 s.";
    let d = diagnose_json(&input);
    assert_eq!(d["rule"], "hacktron/rate-limited");
    assert_eq!(
        d["retry"],
        serde_json::json!({"retryable": true, "after_seconds": 45, "advice": advice})
    );
    let human = diagnose("human", &input);
    let line = human.lines().find(|l| l.starts_with("retry ")).unwrap();
    assert_eq!(line, format!("retry     yes, after 45 s — {advice}"));
    let markdown = diagnose("markdown", &input);
    let line = markdown
        .lines()
        .find(|l| l.starts_with("**Retry.**"))
        .unwrap();
    assert_eq!(line, format!("**Retry.** yes, after 45 s — {advice}"));
}

#[test]
fn a_wait_the_body_states_is_the_wait_when_no_header_gives_one() {
    for (message, secs) in [
        ("Retry in 30 seconds", 30),
        ("try again in 6ms", 1),
        ("Please retry after 20 seconds", 20),
    ] {
        let d = diagnose_json(&message_429("", message));
        assert_eq!(d["rule"], "http/status-429-message");
        assert_eq!(
            d["cause"].as_str().unwrap(),
            format!(
                "The server is limiting your requests: “{message}”. It asks you to wait \
                 {secs} s (the response body)."
            )
        );
        assert_eq!(
            d["fix"][0].as_str().unwrap(),
            format!("Wait at least {secs} seconds (the response body) before the next request.")
        );
        assert_eq!(d["retry"]["after_seconds"], secs, "{message}");
    }
    // A header wins over the body.
    let d = diagnose_json(&message_429("Retry-After: 7\r\n", "Retry in 30 seconds"));
    assert_eq!(d["retry"]["after_seconds"], 7);
}

#[test]
fn a_malformed_or_absurd_retry_after_is_ignored_and_says_so() {
    for (value, why) in [
        ("99999999999999999999", "a wait of more than 31 days"),
        ("1e3", "neither whole seconds nor an HTTP date"),
        ("-5", "neither whole seconds nor an HTTP date"),
        ("5.5", "neither whole seconds nor an HTTP date"),
    ] {
        let d = diagnose_json(&format!(
            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: {value}\r\n\r\n"
        ));
        assert_eq!(d["rule"], "http/status-429", "{value}");
        assert_eq!(d["retry"]["after_seconds"], Value::Null, "{value}");
        assert_eq!(
            d["fix"][0],
            "Back off exponentially with jitter (1 s, 2 s, 4 s, 8 s …) before retrying."
        );
        assert_eq!(
            d["notes"],
            serde_json::json!([format!("`Retry-After: {value}` ignored: {why}")])
        );
    }
}

#[test]
fn an_http_date_retry_after_is_measured_from_the_date_header() {
    let d = diagnose_json(
        "HTTP/1.1 503 Service Unavailable\r\nDate: Mon, 23 Nov 2026 16:30:00 GMT\r\n\
         Retry-After: Mon, 23 Nov 2026 16:31:30 GMT\r\n\r\n",
    );
    assert_eq!(d["retry"]["after_seconds"], 90);
    assert_eq!(
        d["fix"][0],
        "Wait 90 seconds (`Retry-After`) before retrying."
    );
}

#[test]
fn without_retry_after_the_advice_does_not_say_to_wait_as_long_as_it_says() {
    let record = r#"{"status": 429, "body": {"error": "rate_limited"}, "request": {"method": "GET", "url": "https://api.wasviking.com/v1/findings", "headers": {"Authorization": "ApiKey wv_live_abc"}}}"#;
    let out = apidiag()
        .args(["--format", "json", "--input-format", "ndjson", "-"])
        .write_stdin(record)
        .output()
        .unwrap();
    let d = json(&out.stdout).remove(0);
    assert_eq!(d["rule"], "wasviking/rate-limited");
    assert_eq!(
        d["fix"][0],
        "This response shows no Retry-After, which WASViking sends with every 429 (check \
         that the input recorded the headers): back off exponentially before the next attempt."
    );
    assert_eq!(
        d["retry"],
        serde_json::json!({
            "retryable": true,
            "after_seconds": null,
            "advice": "No Retry-After in this response: back off exponentially with jitter."
        })
    );
}
