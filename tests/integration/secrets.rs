//! Secrets planted in every kind of input never come out in full, in any output
//! format: only a vendor prefix and at most four more characters survive.

use crate::common;

use common::run_with;

const WV_LIVE: &str = "wv_live_7Kq2Xa9Lm3Pq8Rt5Vw1Yz4Bc6De0Fg";
const WV_TEST: &str = "wv_test_Hn4Rb8Tz2Qm6Wx0Vc3Lp7Ks1Jd5Gf9";
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
const SK: &str = "sk_4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e3b6d0f9a2c5e8b1d4f7a0c3e6b9d2f5a8c";
const HACKTRON: &str = "hacktron_Zt8Yq3Wn6Vk1Ux4Rm9Pj2Lh7Gd5Fc0Bs";
const BLZ: &str =
    "blz_mgmt_bak_Q7w2E9r4T6y1U3i8_Hk5Jl2Mn9Bv4Cx7Zq1Ws6Ed3Rf8Tg0Yh5Uj2Ik7Ol4Pa9Sd1Fg";
/// Not key-shaped: only where it stands (a query parameter, a header) says it is secret.
const QUERY_KEY: &str = "Zq8XkL2mN4pR7sT1vW3yB5dF9hJ0cG6e";
const QUERY_TOKEN: &str = "Mw3Ne8Rt1Yu6Io4Pa9Sd2Fg7Hj5Kl0Zx";
const COOKIE: &str = "Qm9vYXJ0aGlzaXNhc2Vzc2lvbmNvb2tpZQ";
const SET_COOKIE: &str = "H7gT2kLp9QxZ4mNb8VwR3sYc6Ud1Ef5A";
const PLAIN_API_KEY: &str = "Pz3Kc8Wq1Mv6Tn0Ls5Hb9Jx2Fd7Gr4Ye";
const BARE_AUTH: &str = "Rq5Tz8Wv2Xy4Ab6Cd8Ef0Gh2Ij4Kl6Mn";
const BASIC: &str = "dXNlcjpzdXBlcnNlY3JldHBhc3N3b3JkMTIz";

const ALL: &[&str] = &[
    WV_LIVE,
    WV_TEST,
    JWT,
    SK,
    HACKTRON,
    BLZ,
    QUERY_KEY,
    QUERY_TOKEN,
    COOKIE,
    SET_COOKIE,
    PLAIN_API_KEY,
    BARE_AUTH,
    BASIC,
];

/// Every output format and mode a user can ask for.
const OUTPUTS: &[&[&str]] = &[
    &["--color", "never"],
    &["--color", "never", "--all"],
    &["--format", "json"],
    &["--format", "json", "--all"],
    &["--format", "markdown"],
    &["--format", "markdown", "--all"],
    &["--summary", "--color", "never"],
    &["--summary", "--format", "json"],
    &["--summary", "--format", "markdown"],
];

fn assert_no_secret(what: &str, output: &str) {
    for secret in ALL {
        let tail = &secret[secret.len() - 8..];
        assert!(
            !output.contains(secret) && !output.contains(tail),
            "{what}: the secret {secret} (or its last 8 characters) is in the output:\n{output}"
        );
    }
}

/// Run `input` with `args` in every output format; return the JSON form.
fn check(what: &str, args: &[&str], input: &str) -> Vec<serde_json::Value> {
    let mut json = Vec::new();
    for output in OUTPUTS {
        let mut all: Vec<&str> = args.to_vec();
        all.extend_from_slice(output);
        let r = run_with(&all, input);
        r.no_panic(what);
        assert!(r.code <= 2, "{what}: exit {}", r.code);
        let label = format!("{what} {output:?}");
        assert_no_secret(&label, &r.stdout);
        assert_no_secret(&label, &r.stderr);
        if output == &["--format", "json", "--all"] {
            json = r.json_lines();
        }
    }
    json
}

#[test]
fn curl_i_response_with_cookies_and_an_echoed_key() {
    let input = format!(
        "HTTP/1.1 422 Unprocessable Entity\r\nContent-Type: application/json\r\nSet-Cookie: sid={SET_COOKIE}; Path=/; HttpOnly\r\nSet-Cookie: __cf_bm={COOKIE}; Secure\r\nLocation: https://api.tumban.com/next?token={QUERY_TOKEN}&page=2\r\nX-Request-Id: {JWT}\r\n\r\n{{\"detail\":\"Invalid callback URL: https://hooks.example.com/in?api_key={QUERY_KEY}&x=1 rejected for {WV_LIVE}\"}}"
    );
    let json = check("curl -i", &[], &input);
    assert_eq!(
        json[0]["rule"], "tumban/invalid-callback-url",
        "{:#}",
        json[0]
    );
}

#[test]
fn curl_v_with_request_headers() {
    let input = format!(
        "*   Trying 127.0.0.1:443...\n* Connected to api.wasviking.com (127.0.0.1) port 443\n* SSL connection using TLSv1.3\n> GET /v1/findings?api_key={QUERY_KEY}&token={QUERY_TOKEN} HTTP/1.1\r\n> Host: api.wasviking.com\r\n> Authorization: Bearer {WV_LIVE}\r\n> Cookie: session={COOKIE}; theme=dark\r\n> X-Api-Key: {PLAIN_API_KEY}\r\n> Proxy-Authorization: Basic {BASIC}\r\n>\r\n< HTTP/1.1 401 Unauthorized\r\n< Content-Length: 0\r\n< Set-Cookie: sid={SET_COOKIE}\r\n<\r\n* Connection #0 to host api.wasviking.com left intact\n"
    );
    let json = check("curl -v", &[], &input);
    let d = &json[0];
    assert_eq!(d["rule"], "wasviking/bearer-instead-of-apikey", "{d:#}");
    assert_eq!(d["request"]["key"], "wv_live_7Kq2…");
    assert_eq!(d["request"]["auth"], "Bearer");
}

#[test]
fn httpie_v_with_request_headers() {
    let input = format!(
        "POST /v1/scans?access_token={QUERY_TOKEN} HTTP/1.1\r\nHost: api.hacktron.ai\r\nX-Api-Key: {HACKTRON}\r\nCookie: a={COOKIE}\r\nContent-Type: application/json\r\n\r\n{{\"estimation_id\":\"e1\"}}\r\n\r\nHTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{{\"statusCode\":400,\"message\":\"Bad key {SK} and {BLZ} and {JWT} in request\",\"error\":\"Bad Request\"}}\r\n"
    );
    let json = check("httpie -v", &[], &input);
    assert_eq!(
        json[0]["rule"], "hacktron/scan-request-rejected",
        "{:#}",
        json[0]
    );
    assert_eq!(json[0]["request"]["key"], "hacktron_Zt8Y…");
}

#[test]
fn a_body_with_header_and_url_options() {
    let body = format!("{{\"detail\":\"Invalid recommendation values: {SK},{WV_TEST}\"}}");
    let url = format!("https://user:{BASIC}@api.tumban.com/api/v2/org/scans?apikey={QUERY_KEY}");
    let auth = format!("Authorization: Bearer {SK}");
    let cookie = format!("Cookie: session={COOKIE}");
    let args = [
        "--status", "400", "--header", &auth, "--header", &cookie, "--url", &url,
    ];
    let json = check("body + --header", &args, &body);
    assert_eq!(
        json[0]["rule"], "tumban/invalid-recommendation",
        "{:#}",
        json[0]
    );
    // A bare credential without a scheme is not an auth scheme to print.
    let bare = format!("Authorization: {BARE_AUTH}");
    check(
        "bare Authorization",
        &["--status", "401", "--header", &bare],
        "{}",
    );
    let bare = format!("Authorization: {WV_LIVE}");
    let json = check("bare key", &["--status", "401", "--header", &bare], "{}");
    assert_eq!(json[0]["request"]["key"], "wv_live_7Kq2…");
}

#[test]
fn ndjson_with_request_headers() {
    let records = [
        serde_json::json!({
            "status": 422,
            "headers": {"Set-Cookie": [format!("sid={SET_COOKIE}"), format!("x={COOKIE}")], "X-Request-Id": JWT},
            "body": {"detail": [{"loc": ["body", WV_TEST], "msg": format!("value {SK} is not valid")}]},
            "request": {
                "method": "POST",
                "url": format!("https://api.tumban.com/api/v2/scan?token={QUERY_TOKEN}&api_key={QUERY_KEY}"),
                "headers": {"Authorization": format!("Bearer {SK}"), "Cookie": format!("s={COOKIE}"), "Proxy-Authorization": format!("Basic {BASIC}")}
            },
            "time": "2026-11-23T16:30:29Z"
        }),
        serde_json::json!({
            "status": 400,
            "body": {"statusCode": 400, "message": [format!("api_key {HACKTRON} is not valid"), format!("token must not be {JWT}")], "error": "Bad Request"},
            "request": {"method": "POST", "url": "https://api.hacktron.ai/v1/scans", "headers": {"X-Api-Key": HACKTRON}}
        }),
        serde_json::json!({
            "status": 400,
            "body": {"statusCode": 400, "message": format!("Branch {BLZ} does not match the cost estimation branch"), "error": "Bad Request"},
            "request": {"method": "POST", "url": format!("https://api.hacktron.ai/v1/scans?key={QUERY_KEY}"), "headers": {"Authorization": BARE_AUTH}}
        }),
        serde_json::json!({
            "status": 401,
            "body": {"success": false, "code": "api_key_invalid", "message": format!("Invalid API key {BLZ}")},
            "request": {"method": "GET", "url": "https://api.blazeauth.net/api/v1/panel/get-applications", "headers": {"Authorization": format!("Bearer {BLZ}")}}
        }),
        serde_json::json!({"status": null, "error": format!("Failed to connect to api.example.com?token={QUERY_TOKEN} with X-Api-Key: {PLAIN_API_KEY}")}),
        serde_json::json!({"status": null, "error": "Could not resolve host: api.example.com", "request": {"url": format!("https://api.example.com/v1?api_key={QUERY_KEY}"), "headers": {"Authorization": format!("Basic {BASIC}")}}}),
    ];
    let input: String = records.iter().map(|r| format!("{r}\n")).collect();
    let har = har_of(&records);
    let json = check("har", &[], &har);
    assert_eq!(
        json.len(),
        records.len(),
        "every HAR entry is an error and is diagnosed"
    );
    let json = check("ndjson", &[], &input);
    let rules: Vec<_> = json.iter().map(|d| d["rule"].clone()).collect();
    assert_eq!(rules[1], "hacktron/validation-failed", "{rules:?}");
    assert_eq!(rules[2], "hacktron/branch-mismatch", "{rules:?}");
}

#[test]
fn a_server_echoing_the_key_in_every_field_it_controls() {
    // Reason phrase, notes (redirect Location), request id, message: all from the server.
    let input = format!(
        "HTTP/1.1 302 Found {WV_LIVE}\r\nLocation: https://login.example.com/?token={QUERY_TOKEN}\r\n\r\nHTTP/1.1 429 Too Many Requests {SK}\r\nContent-Type: application/json\r\nRetry-After: 30\r\n\r\n{{\"error\":\"rate_limited\",\"message\":\"API rate limit exceeded for {WV_LIVE}. Retry in 30 seconds.\",\"request_id\":\"{HACKTRON}\",\"details\":{{}}}}"
    );
    check("echoing server", &["--api", "wasviking"], &input);
}

#[test]
fn the_masker_keeps_a_prefix_and_at_most_four_characters() {
    use apidiag::mask::{mask_header, mask_secret, mask_text, mask_url};
    assert_eq!(mask_secret(WV_LIVE), "wv_live_7Kq2…");
    assert_eq!(mask_secret(BLZ), "blz_mgmt_bak_…");
    assert_eq!(mask_secret(SK), "sk_4f9c…");
    assert_eq!(mask_secret(HACKTRON), "hacktron_Zt8Y…");
    assert_eq!(mask_secret("sk_abc"), "sk_a…", "a third at most");
    for text in [
        format!("key {WV_LIVE}."),
        format!("{JWT} "),
        format!("https://x/?api_key={QUERY_KEY}&a=1"),
        format!("see token={QUERY_TOKEN}"),
        format!("X-Api-Key: {PLAIN_API_KEY}"),
        format!("Authorization: Bearer {BARE_AUTH}"),
        format!("Cookie: sid={COOKIE}"),
    ] {
        assert_no_secret(&text, &mask_text(&text));
    }
    assert_no_secret(
        "url",
        &mask_url(&format!("https://u:{BASIC}@h/p?token={QUERY_TOKEN}")),
    );
    assert_no_secret("header", &mask_header("Authorization", BARE_AUTH));
    assert_no_secret(
        "cookie",
        &mask_header("Cookie", &format!("a={COOKIE}; b={SET_COOKIE}")),
    );
    // Masking twice does not shrink what was kept.
    let once = mask_text(WV_LIVE).into_owned();
    assert_eq!(mask_text(&once), once);
}

/// The same records as a browser HAR: request and response headers as name/value
/// lists, cookies, the body as `content.text`, a failed request as status 0.
fn har_of(records: &[serde_json::Value]) -> String {
    let pairs = |headers: &serde_json::Value| -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        for (name, value) in headers.as_object().into_iter().flatten() {
            for v in value
                .as_array()
                .cloned()
                .unwrap_or_else(|| vec![value.clone()])
            {
                out.push(serde_json::json!({"name": name, "value": v}));
            }
        }
        out
    };
    let entries: Vec<_> = records
        .iter()
        .map(|r| {
            let req = &r["request"];
            let body = match &r["body"] {
                serde_json::Value::Null => None,
                b => Some(b.to_string()),
            };
            serde_json::json!({
                "startedDateTime": r["time"].as_str().unwrap_or("2026-11-23T16:30:29.000Z"),
                "time": 12.5,
                "request": {
                    "method": req["method"].as_str().unwrap_or("GET"),
                    "url": req["url"].as_str().unwrap_or("https://api.example.com/"),
                    "httpVersion": "h2",
                    "headers": pairs(&req["headers"]),
                    "queryString": [],
                    "cookies": [{"name": "s", "value": COOKIE}],
                    "headersSize": -1,
                    "bodySize": 0
                },
                "response": {
                    "status": r["status"].as_u64().unwrap_or(0),
                    "statusText": "",
                    "httpVersion": "h2",
                    "headers": pairs(&r["headers"]),
                    "cookies": [{"name": "sid", "value": SET_COOKIE}],
                    "content": match body {
                        Some(text) => serde_json::json!({"size": text.len(), "mimeType": "application/json", "text": text}),
                        None => serde_json::json!({"size": 0, "mimeType": "x-unknown"}),
                    },
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": -1,
                    "_error": r["error"]
                },
                "cache": {},
                "timings": {"send": 0, "wait": 10, "receive": 1}
            })
        })
        .collect();
    serde_json::json!({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "pages": [], "entries": entries}})
        .to_string()
}
