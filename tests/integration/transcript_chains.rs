use crate::common;

// Several responses in one transcript: a redirect chain printed by curl `-L`, HTTPie
// `--follow --all` and wget, and curl's `100 Continue` before the final response. The
// final response is the one diagnosed, the chain is told in one note, and no client
// that followed a redirect is told it did not. Also: Blazeauth's documented empty table
// for a `searchParams` category the table does not support, read from real transcripts.

use common::{apidiag, fixture};
use serde_json::Value;

const FOLLOWED: &str = "redirected: 301 → /hacktron/scans";
const BY_WORDING: &str = "recognised as hacktron only by wording its documentation uses (`API key missing required scope`); no request host or key showed the API, so this is likely, not certain";

/// `apidiag --format json FILE` for a file under `tests/fixtures/`.
fn diagnose(rel: &str) -> Value {
    let out = apidiag()
        .args(["--format", "json", &fixture(rel)])
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{rel}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn notes(v: &Value) -> Vec<&str> {
    v["notes"]
        .as_array()
        .map(|n| n.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

struct Chain {
    file: &'static str,
    /// What the transcript shows of the final request: its URL ends so.
    request: Option<&'static str>,
    /// The notes between the chain's note and the recognition note.
    reader_notes: &'static [&'static str],
}

#[rustfmt::skip]
const CHAINS: &[Chain] = &[
    Chain { file: "transcripts/curl-L-i/redirect-301.txt", request: None, reader_notes: &[] },
    Chain { file: "transcripts/curl-L-v/redirect-301.txt", request: Some("/hacktron/scans"), reader_notes: &[] },
    // The 403's status line follows the 301's body on the same line.
    Chain { file: "transcripts/httpie-follow-all-hb/redirect-301.txt", request: None, reader_notes: &[] },
    // Each request before its response: the final request is the second one.
    Chain { file: "transcripts/httpie-follow-all-v/redirect-301.txt", request: Some("/hacktron/scans"), reader_notes: &[] },
    Chain { file: "transcripts/httpie-follow-all-pretty-all/redirect-301.txt", request: None, reader_notes: &[] },
    Chain { file: "transcripts/wget-S/redirect-301.txt", request: Some("/hacktron/scans"), reader_notes: &[] },
    // No headers: the 301 shows only on `awaiting response...` and `Location: … [following]`.
    Chain { file: "transcripts/wget-no-S/redirect-301.txt", request: Some("/hacktron/scans"), reader_notes: &["status taken from wget's `awaiting response...` line"] },
];

#[test]
fn the_final_response_of_a_followed_redirect_is_diagnosed_and_the_chain_noted() {
    for c in CHAINS {
        let v = diagnose(c.file);
        assert_eq!(v["outcome"], "diagnosed", "{}", c.file);
        assert_eq!(v["status"], 403, "{}", c.file);
        assert_eq!(v["rule"], "hacktron/missing-write-scope", "{}", c.file);
        assert_eq!(v["confidence"], "likely", "{}", c.file);
        let mut want = vec![FOLLOWED];
        want.extend(c.reader_notes);
        want.push(BY_WORDING);
        assert_eq!(notes(&v), want, "{}", c.file);
        let url = v["request"]["url"].as_str();
        match c.request {
            Some(end) => assert!(
                url.is_some_and(|u| u.starts_with("http://127.0.0.1:") && u.ends_with(end)),
                "{}: request {url:?}",
                c.file
            ),
            None => assert!(v["request"].is_null(), "{}", c.file),
        }
        let text = v.to_string();
        assert!(!text.contains("not follow"), "{}: {text}", c.file);
    }
}

#[test]
fn a_redirect_that_was_not_followed_is_still_said_to_be_so() {
    for file in [
        "transcripts/curl-i/redirect-301.txt",
        "transcripts/httpie-print-hb/redirect-301.txt",
        "transcripts/httpie-v/redirect-301.txt",
    ] {
        let v = diagnose(file);
        assert_eq!(
            (v["status"].as_u64(), v["rule"].as_str()),
            (Some(301), Some("http/redirect-301")),
            "{file}"
        );
        assert!(notes(&v).is_empty(), "{file}: {:?}", notes(&v));
    }
}

#[test]
fn continue_100_is_passed_over_without_a_note() {
    #[rustfmt::skip]
    let cases = [
        ("transcripts/curl-expect-100-i/hacktron-validation.txt", 400, "hacktron/validation-failed", "`repos must contain at least 1 elements`, `cost_estimation_id`", None),
        ("transcripts/curl-expect-100-i/tumban-validation.txt", 422, "tumban/validation-failed", "`profile_url`", None),
        ("transcripts/curl-expect-100-i/mgmt-validation.txt", 400, "blazeauth/validation-error", "`Request does not match the schema`", None),
        ("transcripts/curl-expect-100-v/hacktron-validation.txt", 400, "hacktron/validation-failed", "`repos must contain at least 1 elements`, `cost_estimation_id`", Some("/hacktron/validation")),
    ];
    for (file, status, rule, words, request) in cases {
        let v = diagnose(file);
        assert_eq!(v["outcome"], "diagnosed", "{file}");
        assert_eq!(v["status"], status, "{file}");
        assert_eq!(v["rule"], rule, "{file}");
        let api = rule.split('/').next().unwrap();
        let recognised = format!(
            "recognised as {api} only by wording its documentation uses ({words}); no request host or key showed the API, so this is likely, not certain"
        );
        assert_eq!(notes(&v), [recognised.as_str()], "{file}");
        assert_eq!(
            v["request"]["url"]
                .as_str()
                .map(|u| u.ends_with(request.unwrap_or("-"))),
            request.map(|_| true),
            "{file}"
        );
    }
}

#[test]
fn blazeauth_empty_table_for_an_unsupported_search_category_is_a_documented_warning() {
    for (case, rule, category) in [
        (
            "licenses",
            "blazeauth/licenses-search-category-unsupported",
            "Login",
        ),
        (
            "users",
            "blazeauth/users-search-category-unsupported",
            "Email",
        ),
    ] {
        // The forms that show the request URL, and with it `searchParams`.
        for mode in ["curl-v", "httpie-v", "wget-S"] {
            let file = format!("vendors/{mode}/blazeauth-{case}-search-category-unsupported.txt");
            let v = diagnose(&file);
            assert_eq!(v["outcome"], "warning", "{file}");
            assert_eq!(v["status"], 200, "{file}");
            assert_eq!(v["rule"], rule, "{file}");
            assert_eq!(v["confidence"], "documented", "{file}");
            let cause = v["cause"].as_str().unwrap();
            assert!(
                cause.contains(&format!("the category `{category}`")),
                "{file}: {cause}"
            );
        }
        // Without the request there is nothing to tell.
        let file = format!("vendors/curl-i/blazeauth-{case}-search-category-unsupported.txt");
        let v = diagnose(&file);
        assert_eq!(
            (v["outcome"].as_str(), &v["rule"]),
            (Some("success"), &Value::Null),
            "{file}"
        );
    }
}
