//! Second round of secret hardening: secrets in error messages (unreadable NDJSON
//! records and HAR documents, usage errors), query parameters named by their last word,
//! URL user names, well-known token shapes, and prose next to a secret left whole.

use crate::common;

use common::run_with;
use proptest::prelude::*;

/// The output forms a user can ask for.
const FORMS: &[&[&str]] = &[
    &["--color", "never"],
    &["--format", "markdown"],
    &["--format", "json"],
    &["--summary", "--color", "never"],
];

/// Run `input` in every output form and fail if any of `secrets` shows on stdout or
/// stderr, whole or by its last eight characters (what masking always drops).
fn assert_hidden(what: &str, args: &[&str], input: &str, secrets: &[&str]) {
    for form in FORMS {
        let all: Vec<&str> = args.iter().chain(form.iter()).copied().collect();
        let r = run_with(&all, input);
        r.no_panic(what);
        for secret in secrets {
            let tail = &secret[secret.len() - 8..];
            for (stream, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
                assert!(
                    !text.contains(tail),
                    "{what} {form:?}: {secret} shows on {stream}:\n{text}"
                );
            }
        }
    }
}

const GHP: &str = "ghp_Zq8XkL2mN4pR7sT1vW3yB5dF9hJ0cG6eAb12";
const GITHUB_PAT: &str = "github_pat_11ABCDEFG0_Zq8XkL2mN4pR7sT1vW3yB5dF9hJ0cG6e";
const XOXB: &str = "xoxb-1234567890-0987654321-Zq8XkL2mN4pR7sT1vW3y";
const OPENAI: &str = "sk-proj-Mw3Ne8Rt1Yu6Io4Pa9Sd2Fg7Hj5Kl0ZxCv";
const RK_LIVE: &str = "rk_live_Pz3Kc8Wq1Mv6Tn0Ls5Hb9Jx2";
const AKIA: &str = "AKIAQ7W2E9R4T6Y1U3I8";
const JWT: &str =
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6y";
/// Not key-shaped: only where it stands says it is secret.
const BARE: &str = "Rq5Tz8Wv2Xy4Ab6Cd8Ef0Gh2";

#[test]
fn unreadable_ndjson_records_name_the_field_and_hide_the_value() {
    let log = [
        r#"{"status": 401, "body": {"message": "no"}}"#.to_owned(),
        format!(r#"{{"status": 401, "request": "GET https://api.x.com/v1?api_key=hacktron_Zt8Yq3Wn6Vk1Ux4Rm9Pj2 {BARE}"}}"#),
        format!(r#"{{"status": "{BARE}"}}"#),
        r#"{"status": 70000}"#.to_owned(),
        format!(r#"{{"request": {{"url": "https://x/", "headers": {{"Authorization": ["Bearer {BARE}", 5]}}}}}}"#),
        format!(r#"{{"headers": "X-Api-Key: {BARE}"}}"#),
        format!(r#"{{"error": {{"detail": "{BARE}"}}}}"#),
    ]
    .join("\n");
    let r = run_with(&["--format", "json"], log);
    assert_eq!(r.code, 2, "an unreadable record is exit 2: {}", r.stderr);
    let expected = [
        "apidiag: error: standard input:2: `request` must be an object, got a string",
        "apidiag: error: standard input:3: `status` must be a number from 100 to 599 (0 or null: no response), got a string",
        "apidiag: error: standard input:4: `status` must be a number from 100 to 599 (0 or null: no response), got 70000",
        "apidiag: error: standard input:5: `request.headers.Authorization` must be a string or a list of strings, got a list holding a number",
        "apidiag: error: standard input:6: `headers` must be an object of header names to values, got a string",
        "apidiag: error: standard input:7: `error` must be a string, got an object",
    ];
    assert_eq!(r.stderr.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn a_har_of_the_wrong_shape_is_named_without_its_value() {
    let secret = "hacktron_Zt8Yq3Wn6Vk1Ux4Rm9Pj2";
    for (doc, expected) in [
        (
            format!(r#""https://x/?api_key={secret}""#),
            "the document must be an object {\"log\": {\"entries\": […]}}, got a string",
        ),
        (
            format!(r#"{{"log": "GET https://x/?token={BARE}"}}"#),
            "`log` must be an object, got a string",
        ),
        (
            format!(r#"{{"log": {{"entries": "{secret}"}}}}"#),
            "`log.entries` must be a list, got a string",
        ),
        (
            r#"{"log": {"entries": {}}}"#.to_owned(),
            "`log.entries` must be a list, got an object",
        ),
    ] {
        let r = run_with(&["--input-format", "har"], doc.as_str());
        r.one_line_error(&doc);
        assert!(
            r.stderr
                .contains(&format!("not a valid HAR: {expected} at line 1")),
            "{doc}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("Zt8Yq3Wn6Vk1") && !r.stderr.contains(BARE));
    }
}

/// HAR entries: the same wording as a record's, at `entry N`.
#[test]
fn unreadable_har_entries_name_the_field_and_hide_the_value() {
    let entries = [
        serde_json::json!({"response": {"status": BARE, "content": {}}}),
        serde_json::json!({"request": {"url": ["https://x/?token=", BARE]}, "response": {"status": 401}}),
        serde_json::json!({"response": {"status": 401, "headers": [{"name": "X-Api-Key"}]}}),
        serde_json::json!({"response": {"status": 401, "content": {"text": {"key": BARE}}}}),
        serde_json::json!(BARE),
    ];
    let har = serde_json::json!({"log": {"entries": entries}}).to_string();
    let r = run_with(&["--format", "json"], har);
    let expected = [
        "apidiag: error: standard input entry 0: `response.status` must be a number, got a string",
        "apidiag: error: standard input entry 1: `request.url` must be a string, got a list",
        "apidiag: error: standard input entry 2: `response.headers[0]` must be {\"name\": string, \"value\": string}",
        "apidiag: error: standard input entry 3: `response.content.text` must be a string, got an object",
        "apidiag: error: standard input entry 4: the entry must be an object, got a string",
    ];
    assert_eq!(r.stderr.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn a_secret_in_a_usage_error_is_masked() {
    let bad_header = format!("Authorization Bearer {BARE}");
    let r = run_with(&["--header", &bad_header], "");
    assert_eq!(r.code, 2, "a usage error: {}", r.stderr);
    assert!(
        r.stderr.contains("Authorization Bearer Rq5T…"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(&BARE[8..]), "{}", r.stderr);
    let api = format!("acme?token={BARE}");
    let r = run_with(&["--api", &api, "--status", "401"], "");
    r.one_line_error("--api");
    assert!(!r.stderr.contains(&BARE[8..]), "{}", r.stderr);
}

/// "The security token included in the request is expired" came out as "The security
/// token in… in the request is expired".
#[test]
fn prose_next_to_secret_words_is_printed_whole() {
    let message = "The security token included in the request is expired";
    let input = format!(
        "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n\r\n{{\"message\":\"{message}\",\"hint\":\"the ask_user field\"}}"
    );
    for form in FORMS {
        let r = run_with(form, input.as_str());
        r.diagnosis(&format!("{form:?}"));
        if !form.contains(&"--summary") {
            assert!(r.stdout.contains(message), "{form:?}:\n{}", r.stdout);
        }
        assert!(!r.stdout.contains("in…"), "{form:?}:\n{}", r.stdout);
    }
}

#[test]
fn query_parameters_named_by_their_last_word_are_masked() {
    let params = [
        "auth_token",
        "api_token",
        "private_token",
        "session_id",
        "client_secret",
        "password",
        "code",
        "X-Amz-Security-Token",
    ];
    let query: Vec<String> = params
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{p}={BARE}{i:02}"))
        .collect();
    let url = format!("https://api.x.com/v1/cb?state=s1&{}", query.join("&"));
    let record = serde_json::json!({
        "status": 401,
        "body": {"message": format!("redirect to {url} refused")},
        "request": {"method": "GET", "url": url},
    });
    let secrets: Vec<String> = (0..params.len()).map(|i| format!("{BARE}{i:02}")).collect();
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_hidden("query", &[], &format!("{record}\n"), &secrets);
    let r = run_with(&["--format", "json"], format!("{record}\n"));
    let shown = r.json_lines()[0]["request"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(shown.contains("state=s1&auth_token=Rq5T…"), "{shown}");
}

#[test]
fn a_url_user_name_is_masked() {
    for url in [
        format!("https://{BARE}@api.x.com/v1/scans"),
        format!("https://x-access-token:{BARE}@github.com/o/r"),
        format!("https://{BARE}:x-oauth-basic@github.com/o/r"),
    ] {
        let record = serde_json::json!({
            "status": 401,
            "body": {"message": format!("cannot fetch {url}")},
            "request": {"method": "GET", "url": url},
        });
        assert_hidden(&url, &[], &format!("{record}\n"), &[BARE]);
        assert_hidden(&url, &["--status", "401", "--url", &url], "{}", &[BARE]);
    }
}

#[test]
fn well_known_token_shapes_are_masked_in_free_text() {
    let shapes = [GHP, GITHUB_PAT, XOXB, OPENAI, RK_LIVE, AKIA, JWT];
    let message = shapes.join(" and ");
    let input = format!(
        "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n\r\n{{\"message\":\"Bad credentials: {message}\"}}"
    );
    assert_hidden("shapes", &[], &input, &shapes);
}

/// Each token shape, as the user name of a URL, under a secret-named parameter, in a
/// server's message and in an unreadable record: never whole in any output form.
fn shape() -> impl Strategy<Value = String> {
    prop_oneof![
        "gh[oprsu]_[A-Za-z0-9]{36}",
        "github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{40}",
        "xox[abp]-[0-9]{10,12}-[0-9]{10,12}-[A-Za-z0-9]{24}",
        "sk-(proj-)?[A-Za-z0-9]{32,48}",
        "[sr]k_(live|test)_[A-Za-z0-9]{24,60}",
        "sk_[0-9a-f]{64}",
        "(AKIA|ASIA)[A-Z0-9]{16}",
        "eyJ[A-Za-z0-9_-]{10,30}\\.eyJ[A-Za-z0-9_-]{10,30}\\.[A-Za-z0-9_-]{20,43}",
        "hacktron_[A-Za-z0-9]{32}",
        "wv_(live|test)_[A-Za-z0-9]{30}",
        "blz_mgmt_bak_[A-Za-z0-9]{16}_[A-Za-z0-9]{48}",
    ]
}

fn param() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "auth_token",
        "api_token",
        "private_token",
        "session_id",
        "client_secret",
        "password",
        "code",
        "access_token",
        "refresh_token",
        "api_key",
        "X-Amz-Signature",
    ])
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(12))]

    #[test]
    fn no_secret_of_any_shape_is_ever_printed(
        key in shape(),
        user in "[A-Za-z0-9]{20,32}",
        value in "[A-Za-z0-9]{20,32}",
        name in param(),
    ) {
        let url = format!("https://{user}@api.x.com/v1/scans?page=2&{name}={value}");
        let message = format!("Bad credentials {key} for {url}");
        let curl_v = format!(
            "> GET /v1/scans?{name}={value} HTTP/1.1\r\n> Host: api.x.com\r\n>\r\n< HTTP/1.1 401 Unauthorized\r\n< Content-Type: application/json\r\n< Location: {url}\r\n<\r\n{{\"message\":\"{message}\"}}\n"
        );
        let secrets = [key.as_str(), user.as_str(), value.as_str()];
        assert_hidden("curl -v", &[], &curl_v, &secrets);
        let good = serde_json::json!({
            "status": 403,
            "body": {"message": message},
            "request": {"method": "GET", "url": url},
        });
        let log = format!(
            "{good}\n{{\"status\": 401, \"request\": \"GET {url} {key}\"}}\n{{\"status\": \"{key}\"}}\n{{\"headers\": {{\"{name}\": [\"{value}\", 1]}}}}\n"
        );
        assert_hidden("ndjson", &[], &log, &secrets);
        let har = serde_json::json!({"log": {"entries": [
            {"request": {"method": "GET", "url": url}, "response": {"status": 403, "content": {"text": good["body"].to_string()}}},
            {"request": {"method": "GET", "url": url}, "response": {"status": key.as_str()}},
        ]}});
        assert_hidden("har", &[], &har.to_string(), &secrets);
    }
}

#[test]
fn a_bare_key_the_server_names_is_masked() {
    let input = format!(
        "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n\r\n{{\"message\":\"Invalid API key: {BARE}\"}}"
    );
    assert_hidden("named key", &[], &input, &[BARE]);
    let r = run_with(&["--color", "never"], input.as_str());
    assert!(r.stdout.contains("Invalid API key: Rq5T…"), "{}", r.stdout);
}
