//! Property tests: reading never panics on arbitrary bytes, in any format; a response
//! written as `curl -i`, `curl -v` or NDJSON reads back the same.

use std::io::Cursor;

use apidiag::input::{InputOptions, Parsed, read_input};
use apidiag::read::{Context, InputFormat, read_response};
use apidiag::response::Response;
use proptest::prelude::*;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Bytes that look a little like client output, so the readers get past their first line.
fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"HTTP/1.1 403 Forbidden\r\n".to_vec()),
        Just(b"HTTP/2 429 \n".to_vec()),
        Just(b"< HTTP/1.1 500 x\r\n".to_vec()),
        Just(b"> GET /a HTTP/1.1\r\n".to_vec()),
        Just(b"* Trying 127.0.0.1\n".to_vec()),
        Just(b"curl: (6) Could not resolve host: x\n".to_vec()),
        Just(b"--2026-11-23 16:30:29--  http://h/\n".to_vec()),
        Just(b"  HTTP/1.1 401 Unauthorized\n".to_vec()),
        Just(b"Saving to: 'STDOUT'\n".to_vec()),
        Just(b"Content-Encoding: gzip\r\n".to_vec()),
        Just(b"Content-Length: 5\r\n".to_vec()),
        Just(b"\x1f\x8b\x08\x00".to_vec()),
        Just(b"\x1b[34m".to_vec()),
        Just(b"{\"status\":403,\"headers\":{},\"body\":".to_vec()),
        Just(b"{\"log\":{\"entries\":[".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
        "[ -~]{0,40}".prop_map(String::into_bytes),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

fn read_everything(bytes: &[u8]) {
    for format in InputFormat::ALL {
        let _ = read_response(bytes, format);
        for max_record in [16, 1 << 20] {
            let opts = InputOptions {
                format,
                context: Context::default(),
                max_record,
            };
            let mut reader = Cursor::new(bytes);
            let _ = read_input(&mut reader, "prop", &opts, &mut |item: Result<
                Parsed,
                _,
            >| {
                if let Ok(p) = item {
                    let _ = apidiag::json::Json::parse_body(p.response.body.bytes());
                }
                Ok(())
            });
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn reading_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        read_everything(&bytes);
    }

    #[test]
    fn reading_client_like_bytes_never_panics(bytes in hostile_bytes()) {
        read_everything(&bytes);
    }
}

/// A response the three lossless writers can express.
#[derive(Debug, Clone)]
struct Generated {
    status: u16,
    reason: Option<String>,
    headers: Vec<(String, String)>,
    body: String,
}

fn generated() -> impl Strategy<Value = Generated> {
    let name = "X-[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,6})?";
    // Values keep no space at either end (the readers trim it); any other text is fine.
    let value = prop_oneof![
        Just(String::new()),
        "[!-~]([ -~]{0,30}[!-~])?",
        "[a-zé日本]([a-zé日本 ]{0,3}[a-zé日本])?",
    ];
    let body = prop_oneof![
        Just(String::new()),
        "[A-Za-z][ -~\n]{0,80}",
        "\\{\"[a-z]{1,6}\":\"[ -!#-\\[\\]-~]{0,20}\"\\}",
    ];
    (
        100u16..=599,
        proptest::option::of("[A-Za-z][A-Za-z ]{0,20}[A-Za-z]"),
        prop::collection::vec((name, value), 0..8),
        body,
    )
        .prop_map(|(status, reason, headers, body)| Generated {
            status,
            reason,
            headers,
            body,
        })
}

fn curl_i(g: &Generated) -> String {
    let mut s = format!("HTTP/1.1 {}", g.status);
    if let Some(r) = &g.reason {
        s.push(' ');
        s.push_str(r);
    }
    s.push_str("\r\n");
    for (n, v) in &g.headers {
        s.push_str(&format!("{n}: {v}\r\n"));
    }
    s.push_str("\r\n");
    s.push_str(&g.body);
    s
}

fn curl_v(g: &Generated) -> String {
    let mut s = String::from(
        "*   Trying 127.0.0.1:8080...\n* Connected to localhost (127.0.0.1) port 8080\n> GET /v1/thing HTTP/1.1\r\n> Host: localhost:8080\r\n> User-Agent: curl/8.5.0\r\n> Accept: */*\r\n>\r\n",
    );
    s.push_str(&format!("< HTTP/1.1 {}", g.status));
    if let Some(r) = &g.reason {
        s.push(' ');
        s.push_str(r);
    }
    s.push_str("\r\n");
    for (n, v) in &g.headers {
        s.push_str(&format!("< {n}: {v}\r\n"));
    }
    s.push_str("<\r\n* Connection #0 to host localhost left intact\n");
    s.push_str(&g.body);
    s
}

fn ndjson(g: &Generated) -> String {
    // Written by hand so repeated header names stay repeated, in order.
    let headers: Vec<String> = g
        .headers
        .iter()
        .map(|(n, v)| format!("{}:{}", serde_json::json!(n), serde_json::json!(v)))
        .collect();
    format!(
        "{{\"status\":{},\"headers\":{{{}}},\"body\":{}}}\n",
        g.status,
        headers.join(","),
        serde_json::json!(g.body)
    )
}

fn assert_same(g: &Generated, r: &Response, what: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(r.status, Some(g.status), "{} status", what);
    let headers: Vec<(String, String)> = r.headers.0.clone();
    prop_assert_eq!(&headers, &g.headers, "{} headers", what);
    prop_assert_eq!(r.body.bytes(), g.body.as_bytes(), "{} body", what);
    Ok(())
}

fn read_one(input: &str) -> Response {
    let opts = InputOptions {
        format: InputFormat::Auto,
        context: Context::default(),
        max_record: 1 << 20,
    };
    let mut got = Vec::new();
    read_input(
        &mut Cursor::new(input.as_bytes()),
        "-",
        &opts,
        &mut |item: Result<Parsed, _>| {
            got.push(item.expect("a record"));
            Ok(())
        },
    )
    .expect("the input reads");
    assert_eq!(got.len(), 1, "one response");
    got.remove(0).response
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn curl_i_round_trips(g in generated()) {
        let text = curl_i(&g);
        assert_same(&g, &read_response(text.as_bytes(), InputFormat::Auto).unwrap(), "curl -i")?;
        assert_same(&g, &read_one(&text), "curl -i via read_input")?;
        assert_same(&g, &read_response(text.replace("\r\n", "\n").as_bytes(), InputFormat::Http).unwrap(), "curl -i, LF")?;
    }

    #[test]
    fn curl_v_round_trips(g in generated()) {
        let text = curl_v(&g);
        let r = read_response(text.as_bytes(), InputFormat::Auto).unwrap();
        assert_same(&g, &r, "curl -v")?;
        let req = r.request.expect("the request is shown");
        prop_assert_eq!(req.method.as_deref(), Some("GET"));
        prop_assert_eq!(req.url.as_deref(), Some("http://localhost:8080/v1/thing"));
        assert_same(&g, &read_one(&text), "curl -v via read_input")?;
    }

    #[test]
    fn ndjson_round_trips(g in generated()) {
        assert_same(&g, &read_one(&ndjson(&g)), "ndjson")?;
    }
}
