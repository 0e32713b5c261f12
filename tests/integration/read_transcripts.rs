//! Every captured transcript under `tests/fixtures/transcripts/<mode>/` is read back and
//! checked against what the mock server sent (see the corpus README's case table).

use std::fs;
use std::path::{Path, PathBuf};

use apidiag::read::{InputFormat, detect, read_response};
use apidiag::response::{Note, Response};
use serde_json::Value;

/// What the mock serves for one transcript case.
struct Case {
    name: &'static str,
    path: &'static str,
    status: u16,
    content_type: Option<&'static str>,
    body: &'static str,
}

const GZIP_JSON: &str = r#"{"error":"quota_exceeded","message":"Monthly request quota exceeded","request_id":"req_gz_1"}"#;
const SCOPE_403: &str =
    r#"{"statusCode":403,"message":"API key missing required scope: write","error":"Forbidden"}"#;
const HTML_500: &str = "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
const NEST: Option<&str> = Some("application/json; charset=utf-8");
const JSON: Option<&str> = Some("application/json");

#[rustfmt::skip]
const CASES: &[Case] = &[
    Case { name: "hacktron-scope", path: "/hacktron/scope", status: 403, content_type: NEST, body: SCOPE_403 },
    Case { name: "hacktron-validation", path: "/hacktron/validation", status: 400, content_type: NEST, body: r#"{"statusCode":400,"message":["repos must contain at least 1 elements","cost_estimation_id must be a UUID"],"error":"Bad Request"}"# },
    Case { name: "hacktron-estimation-not-ready", path: "/hacktron/estimation-not-ready", status: 400, content_type: NEST, body: r#"{"statusCode":400,"message":"Cost estimation is not ready","error":"Bad Request"}"# },
    Case { name: "hacktron-credits", path: "/hacktron/credits", status: 402, content_type: NEST, body: r#"{"statusCode":402,"message":"Insufficient credits to start this scan","error":"Payment Required"}"# },
    Case { name: "hacktron-finding-not-found", path: "/hacktron/finding-not-found", status: 404, content_type: NEST, body: r#"{"statusCode":404,"message":"Finding not found","error":"Not Found"}"# },
    Case { name: "hacktron-requires-api-key", path: "/hacktron/requires-api-key", status: 401, content_type: NEST, body: r#"{"statusCode":401,"message":"This endpoint requires API key authentication","error":"Unauthorized"}"# },
    Case { name: "hacktron-branch-mismatch", path: "/hacktron/branch-mismatch", status: 400, content_type: NEST, body: r#"{"statusCode":400,"message":"Branch feature/x does not match the cost estimation branch","error":"Bad Request"}"# },
    Case { name: "redirect-301", path: "/hacktron/v0/scans", status: 301, content_type: Some("text/plain; charset=utf-8"), body: "Moved Permanently. Redirecting to /hacktron/scans" },
    Case { name: "tumban-invalid-key", path: "/tumban/invalid-key", status: 401, content_type: JSON, body: r#"{"detail":"Invalid or revoked API key"}"# },
    Case { name: "tumban-validation", path: "/tumban/validation", status: 422, content_type: JSON, body: r#"{"detail":[{"loc":["body","profile_url"],"msg":"Input should be a valid URL","type":"url_parsing","input":"not-a-url"}]}"# },
    Case { name: "tumban-daily-limit", path: "/tumban/daily-limit", status: 429, content_type: JSON, body: r#"{"detail":{"error":"daily_scan_limit_exceeded","limit":1000,"used":1000}}"# },
    Case { name: "tumban-dashboard-only", path: "/tumban/dashboard-only", status: 403, content_type: JSON, body: r#"{"detail":"This endpoint requires a dashboard session. API keys are not permitted."}"# },
    Case { name: "tumban-callback-url", path: "/tumban/callback-url", status: 422, content_type: JSON, body: r#"{"detail":"Invalid callback URL: private/internal/reserved address"}"# },
    Case { name: "wasviking-bearer-401-empty", path: "/wasviking/findings", status: 401, content_type: None, body: "" },
    Case { name: "wasviking-apikey-200", path: "/wasviking/findings", status: 200, content_type: JSON, body: r#"{"data":[],"next_cursor":null,"request_id":"req_ok_1"}"# },
    Case { name: "wasviking-rate-limited", path: "/wasviking/rate-limited", status: 429, content_type: JSON, body: r#"{"error":"rate_limited","message":"API rate limit exceeded. Retry in 30 seconds.","request_id":"req_8fae22c4","details":{}}"# },
    Case { name: "wasviking-scope", path: "/wasviking/scope", status: 403, content_type: JSON, body: r#"{"error":"insufficient_scope","message":"API key lacks scope findings:read","request_id":"req_1","details":{"required_scope":"findings:read"}}"# },
    Case { name: "mgmt-key-expired", path: "/mgmt/key-expired", status: 401, content_type: NEST, body: r#"{"success":false,"code":"api_key_expired","message":"API key has expired"}"# },
    Case { name: "mgmt-rate-limit", path: "/mgmt/rate-limit", status: 429, content_type: NEST, body: r#"{"success":false,"code":"rate_limit_reached","message":"Too many requests"}"# },
    Case { name: "mgmt-validation", path: "/mgmt/validation", status: 400, content_type: NEST, body: r#"{"success":false,"code":"VALIDATION_ERROR","message":"Request does not match the schema"}"# },
    Case { name: "html-500", path: "/misc/html-500", status: 500, content_type: Some("text/html"), body: HTML_500 },
    Case { name: "proxy-502-text", path: "/misc/proxy-502", status: 502, content_type: Some("text/plain"), body: "upstream connect error or disconnect/reset before headers. reset reason: connection failure" },
    Case { name: "ok-200", path: "/misc/ok", status: 200, content_type: NEST, body: r#"{"id":"scan_01HZY3","status":"queued","repos":["acme/api"],"created_at":"2025-01-01T00:00:00Z"}"# },
    Case { name: "problem-json-403", path: "/misc/problem", status: 403, content_type: Some("application/problem+json"), body: r#"{"type":"https://example.com/probs/out-of-credit","title":"You do not have enough credit.","status":403,"detail":"Your current balance is 30, but that costs 50.","instance":"/account/12345/msgs/abc","balance":30,"accounts":["/account/12345","/account/67890"]}"# },
    Case { name: "gzip-429", path: "/misc/gzip-error", status: 429, content_type: JSON, body: GZIP_JSON },
    Case { name: "chunked-503", path: "/misc/chunked", status: 503, content_type: JSON, body: r#"{"error":"service_unavailable","message":"Upstream timed out after 30s","retryable":true}"# },
];

/// The redirect's target, for the clients that follow it.
const REDIRECTED: Case = Case {
    name: "redirect-301",
    path: "/hacktron/scans",
    status: 403,
    content_type: NEST,
    body: SCOPE_403,
};

#[derive(Clone, Copy, PartialEq, Debug)]
enum BodyCheck {
    /// The exact bytes the mock sent (gzip decoded).
    Exact,
    /// Re-rendered by a `--pretty=all` client: same JSON, or same text modulo line ends.
    Pretty,
    /// Not in the file (`curl -D -`).
    Absent,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum RequestCheck {
    None,
    /// URL without scheme and authority known: only the URL check.
    UrlOnly(&'static str),
    /// Method, URL with this scheme, all request headers.
    Full(&'static str),
}

struct Mode {
    name: &'static str,
    format: InputFormat,
    status: bool,
    headers: bool,
    body: BodyCheck,
    request: RequestCheck,
    follows_redirects: bool,
}

#[rustfmt::skip]
const MODES: &[Mode] = &[
    Mode { name: "curl-i", format: InputFormat::Http, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::None, follows_redirects: false },
    Mode { name: "curl-i-progress", format: InputFormat::Http, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::None, follows_redirects: false },
    Mode { name: "curl-i-compressed", format: InputFormat::Http, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::None, follows_redirects: false },
    Mode { name: "curl-fail-with-body-i", format: InputFormat::Http, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::None, follows_redirects: false },
    Mode { name: "curl-L-i", format: InputFormat::Http, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::None, follows_redirects: true },
    Mode { name: "curl-expect-100-i", format: InputFormat::Http, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::None, follows_redirects: false },
    Mode { name: "curl-h2-i", format: InputFormat::Http, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::None, follows_redirects: false },
    Mode { name: "curl-h2-proxy-i", format: InputFormat::Http, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::None, follows_redirects: false },
    Mode { name: "curl-D", format: InputFormat::Http, status: true, headers: true, body: BodyCheck::Absent, request: RequestCheck::None, follows_redirects: false },
    Mode { name: "curl-v", format: InputFormat::CurlVerbose, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::Full("http"), follows_redirects: false },
    Mode { name: "curl-v-progress", format: InputFormat::CurlVerbose, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::Full("http"), follows_redirects: false },
    Mode { name: "curl-L-v", format: InputFormat::CurlVerbose, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::Full("http"), follows_redirects: true },
    Mode { name: "curl-expect-100-v", format: InputFormat::CurlVerbose, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::Full("http"), follows_redirects: false },
    Mode { name: "curl-h2-v", format: InputFormat::CurlVerbose, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::Full("https"), follows_redirects: false },
    Mode { name: "curl-s", format: InputFormat::Body, status: false, headers: false, body: BodyCheck::Exact, request: RequestCheck::None, follows_redirects: false },
    Mode { name: "curl-w-http_code", format: InputFormat::Body, status: true, headers: false, body: BodyCheck::Exact, request: RequestCheck::None, follows_redirects: false },
    Mode { name: "httpie-print-hb", format: InputFormat::Http, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::None, follows_redirects: false },
    Mode { name: "httpie-print-hb-pretty-all", format: InputFormat::Http, status: true, headers: true, body: BodyCheck::Pretty, request: RequestCheck::None, follows_redirects: false },
    Mode { name: "httpie-v", format: InputFormat::Httpie, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::Full("http"), follows_redirects: false },
    Mode { name: "httpie-follow-all-hb", format: InputFormat::Http, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::None, follows_redirects: true },
    Mode { name: "httpie-follow-all-pretty-all", format: InputFormat::Http, status: true, headers: true, body: BodyCheck::Pretty, request: RequestCheck::None, follows_redirects: true },
    Mode { name: "httpie-follow-all-v", format: InputFormat::Httpie, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::Full("http"), follows_redirects: true },
    Mode { name: "xh-print-hb", format: InputFormat::Http, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::None, follows_redirects: false },
    Mode { name: "xh-print-hb-pretty-all", format: InputFormat::Http, status: true, headers: true, body: BodyCheck::Pretty, request: RequestCheck::None, follows_redirects: false },
    Mode { name: "xh-v", format: InputFormat::Httpie, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::Full("http"), follows_redirects: false },
    Mode { name: "xh-h2-v", format: InputFormat::Httpie, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::Full("https"), follows_redirects: false },
    Mode { name: "curl-v-X-POST", format: InputFormat::CurlVerbose, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::Full("http"), follows_redirects: false },
    Mode { name: "wget-no-S", format: InputFormat::Wget, status: true, headers: false, body: BodyCheck::Exact, request: RequestCheck::UrlOnly("http"), follows_redirects: true },
    Mode { name: "wget-S", format: InputFormat::Wget, status: true, headers: true, body: BodyCheck::Exact, request: RequestCheck::UrlOnly("http"), follows_redirects: true },
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/transcripts")
}

/// `<case>.txt` files of a mode, as (case name, bytes).
fn transcripts(mode: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = fs::read_dir(fixtures().join(mode))
        .unwrap_or_else(|e| panic!("{mode}: {e}"))
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_owned();
            let case = name.strip_suffix(".txt")?;
            (!case.ends_with(".stderr")).then(|| (case.to_owned(), fs::read(&p).unwrap()))
        })
        .collect();
    out.sort();
    out
}

fn case(mode: &Mode, name: &str) -> &'static Case {
    if mode.follows_redirects && name == "redirect-301" {
        return &REDIRECTED;
    }
    CASES
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

/// wget does not write the body of a 401 anywhere, even with --content-on-error.
fn wget_hides_body(mode: &Mode, case: &Case) -> bool {
    mode.name.starts_with("wget") && case.status == 401
}

#[test]
fn every_mode_folder_is_covered() {
    let known: Vec<&str> = MODES
        .iter()
        .map(|m| m.name)
        .chain(["curl-v-failures", "wget-failures"])
        .collect();
    for entry in fs::read_dir(fixtures()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            let name = entry.file_name().into_string().unwrap();
            assert!(known.contains(&name.as_str()), "mode {name} has no test");
        }
    }
}

#[test]
fn every_transcript_reads_as_the_mock_sent_it() {
    let mut checked = 0;
    for mode in MODES {
        let files = transcripts(mode.name);
        assert!(!files.is_empty(), "{}: no transcripts", mode.name);
        for (name, bytes) in files {
            let expected = case(mode, &name);
            let what = format!("{}/{name}", mode.name);
            assert_eq!(detect(&bytes), mode.format, "{what}: detected format");
            let resp =
                read_response(&bytes, InputFormat::Auto).unwrap_or_else(|e| panic!("{what}: {e}"));
            check(mode, expected, &resp, &what);
            let explicit = read_response(&bytes, mode.format).unwrap();
            assert_eq!(explicit, resp, "{what}: explicit format reads the same");
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} transcripts");
}

fn check(mode: &Mode, case: &Case, resp: &Response, what: &str) {
    let status = mode.status.then_some(case.status);
    assert_eq!(resp.status, status, "{what}: status");
    assert_eq!(resp.transport_error, None, "{what}: transport error");
    if mode.headers {
        assert_eq!(
            resp.headers.get("content-type"),
            case.content_type,
            "{what}: Content-Type"
        );
        if case.name == "wasviking-rate-limited" {
            assert_eq!(resp.headers.get("retry-after"), Some("30"), "{what}");
        }
    } else {
        assert!(resp.headers.is_empty(), "{what}: no headers expected");
    }
    check_body(mode, case, resp, what);
    check_request(mode, case, resp, what);
}

fn check_body(mode: &Mode, case: &Case, resp: &Response, what: &str) {
    let body = resp.body.bytes();
    let gzip_note = resp.notes.contains(&Note::Decompressed("gzip".into()));
    // HTTPie, xh and `curl --compressed` decode; plain curl and wget print raw gzip.
    let undecoding_client = (mode.name.starts_with("curl") && mode.name != "curl-i-compressed")
        || mode.name.starts_with("wget");
    let raw_gzip = case.name == "gzip-429" && undecoding_client && mode.body != BodyCheck::Absent;
    assert_eq!(gzip_note, raw_gzip, "{what}: gzip note");
    match mode.body {
        BodyCheck::Exact if wget_hides_body(mode, case) => {
            assert_eq!(body, b"", "{what}");
            let missing = resp.notes.contains(&Note::BodyMissing);
            assert_eq!(
                missing,
                mode.headers && !case.body.is_empty(),
                "{what}: BodyMissing"
            );
        }
        BodyCheck::Exact => assert_eq!(
            String::from_utf8_lossy(body),
            case.body,
            "{what}: body bytes"
        ),
        BodyCheck::Pretty => assert_same_rendering(body, case.body, what),
        BodyCheck::Absent => {
            assert_eq!(body, b"", "{what}");
            let announced = !case.body.is_empty() && case.name != "chunked-503";
            let missing = resp.notes.contains(&Note::BodyMissing);
            assert_eq!(missing, announced, "{what}: BodyMissing");
        }
    }
}

/// `--pretty=all` re-indents JSON (and sorts its keys) and rewrites line ends.
fn assert_same_rendering(body: &[u8], expected: &str, what: &str) {
    match serde_json::from_str::<Value>(expected) {
        Ok(value) => {
            let got: Value = serde_json::from_slice(body)
                .unwrap_or_else(|e| panic!("{what}: body is not JSON after stripping: {e}"));
            assert_eq!(got, value, "{what}: JSON body");
        }
        Err(_) => {
            let norm = |s: &str| s.replace("\r\n", "\n").trim().to_owned();
            assert_eq!(
                norm(&String::from_utf8_lossy(body)),
                norm(expected),
                "{what}"
            );
        }
    }
}

fn check_request(mode: &Mode, case: &Case, resp: &Response, what: &str) {
    let scheme = match mode.request {
        RequestCheck::None => return assert_eq!(resp.request, None, "{what}: request"),
        RequestCheck::UrlOnly(scheme) | RequestCheck::Full(scheme) => scheme,
    };
    let req = resp
        .request
        .as_ref()
        .unwrap_or_else(|| panic!("{what}: no request"));
    let url = req.url.as_deref().unwrap_or_default();
    let prefix = format!("{scheme}://127.0.0.1:");
    assert!(url.starts_with(&prefix), "{what}: URL {url}");
    assert!(url.ends_with(case.path), "{what}: URL {url}");
    if let RequestCheck::Full(_) = mode.request {
        let posts = case.name.ends_with("-validation") || case.name == "tumban-callback-url";
        let method = if posts { "POST" } else { "GET" };
        assert_eq!(req.method.as_deref(), Some(method), "{what}: method");
        let auth = match case.name {
            "wasviking-bearer-401-empty" => Some("Bearer wv_live_0000"),
            "wasviking-apikey-200" => Some("ApiKey wv_live_0000"),
            _ => None,
        };
        assert_eq!(
            req.headers.get("authorization"),
            auth,
            "{what}: Authorization"
        );
        assert!(req.headers.get("host").is_some(), "{what}: Host");
    }
}

/// `curl -D - -o FILE`: the `.body` file is what `curl -s` would have printed.
#[test]
fn curl_dump_header_body_files_read_as_bodies() {
    let mode = &MODES[0];
    for entry in fs::read_dir(fixtures().join("curl-D")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("body") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap();
        let bytes = fs::read(&path).unwrap();
        let resp = read_response(&bytes, InputFormat::Auto).unwrap();
        assert_eq!(resp.status, None, "{name}");
        assert_eq!(
            String::from_utf8_lossy(resp.body.bytes()),
            case(mode, name).body,
            "{name}"
        );
    }
}

/// The `.stderr.txt` files: `curl: (22) The requested URL returned error: 403` from
/// `--fail-with-body`, `xh: warning: HTTP 403 Forbidden` from xh.
#[test]
fn stderr_files() {
    for mode in [
        "curl-fail-with-body-i",
        "xh-print-hb",
        "xh-v",
        "xh-h2-v",
        "xh-print-hb-pretty-all",
    ] {
        for entry in fs::read_dir(fixtures().join(mode)).unwrap() {
            let path = entry.unwrap().path();
            let file = path.file_name().unwrap().to_str().unwrap().to_owned();
            let Some(name) = file.strip_suffix(".stderr.txt") else {
                continue;
            };
            let bytes = fs::read(&path).unwrap();
            let resp = read_response(&bytes, InputFormat::Auto).unwrap();
            let expected = case(&MODES[0], name).status;
            if mode.starts_with("curl") {
                assert_eq!(detect(&bytes), InputFormat::CurlVerbose, "{mode}/{file}");
                assert_eq!(resp.status, Some(expected), "{mode}/{file}");
            } else {
                assert_eq!(detect(&bytes), InputFormat::Body, "{mode}/{file}");
                assert_eq!(resp.status, None, "{mode}/{file}");
            }
        }
    }
}

#[test]
fn curl_transport_failures() {
    let expected = [
        (
            "no-such-host",
            "Could not resolve host: no-such-host.invalid",
        ),
        ("connection-refused", "Connection refused"),
        (
            "self-signed-cert",
            "SSL certificate problem: self-signed certificate",
        ),
        ("timeout", "Operation timed out after"),
    ];
    let files = transcripts("curl-v-failures");
    assert_eq!(files.len(), expected.len());
    for (name, bytes) in files {
        let (_, text) = expected.iter().find(|(n, _)| *n == name).unwrap();
        assert_eq!(detect(&bytes), InputFormat::CurlVerbose, "{name}");
        let resp = read_response(&bytes, InputFormat::Auto).unwrap();
        assert_eq!(resp.status, None, "{name}");
        let error = resp.transport_error.as_deref().unwrap_or_default();
        assert!(error.contains(text), "{name}: {error}");
        assert_eq!(resp.body.bytes(), b"", "{name}");
    }
}

#[test]
fn wget_transport_failures() {
    let expected = [
        ("no-such-host", "unable to resolve host address"),
        ("connection-refused", "Connection refused"),
        ("self-signed-cert", "is not trusted"),
    ];
    for (name, bytes) in transcripts("wget-failures") {
        let (_, text) = expected.iter().find(|(n, _)| *n == name).unwrap();
        assert_eq!(detect(&bytes), InputFormat::Wget, "{name}");
        let resp = read_response(&bytes, InputFormat::Auto).unwrap();
        assert_eq!(resp.status, None, "{name}");
        let error = resp.transport_error.as_deref().unwrap_or_default();
        assert!(error.contains(text), "{name}: {error}");
        assert!(resp.request.unwrap().url.is_some(), "{name}");
    }
}
