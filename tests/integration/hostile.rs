//! Hostile inputs through the real binary: each gives a diagnosis or a one-line
//! `apidiag: error: …` with exit 2, quickly, and never a panic.

use crate::common;

use std::io::Write;
use std::time::Duration;

use common::{Run, run_file, run_with};

const QUICK: Duration = Duration::from_secs(10);

fn run(stdin: impl Into<Vec<u8>>) -> Run {
    run_with(&["--color", "never"], stdin)
}

/// A deterministic byte soup.
fn garbage(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn empty_and_whitespace_inputs_are_one_line_errors() {
    for (what, input) in [
        ("empty", &b""[..]),
        ("spaces", b"   "),
        ("newlines", b"\n\n\n"),
        ("mixed whitespace", b" \t\r\n \x0c\r\n"),
        ("a BOM only", b"\xEF\xBB\xBF"),
    ] {
        let r = run(input);
        r.one_line_error(what).within(QUICK, what);
        assert!(r.stderr.contains("empty"), "{what}: {}", r.stderr);
    }
    // With --status an empty body is a fine response.
    run_with(&["--status", "503"], "").diagnosis("empty body with --status");
}

#[test]
fn binary_garbage_is_read_as_an_unknown_body() {
    for seed in 1..6 {
        let what = format!("garbage seed {seed}");
        let r = run(garbage(64 << 10, seed));
        r.diagnosis(&what).within(QUICK, &what);
        assert!(!r.stdout.contains('\x1b'), "{what}: raw ESC in output");
    }
    // gzip magic followed by junk: decoding fails, the raw bytes are kept.
    let mut gz = b"HTTP/1.1 500 Oops\r\nContent-Encoding: gzip\r\n\r\n\x1f\x8b\x08\x00".to_vec();
    gz.extend(garbage(4096, 9));
    run(gz).diagnosis("broken gzip body");
}

#[test]
fn invalid_utf8_and_nul_bytes_in_headers_and_body() {
    let input = b"HTTP/1.1 403 Forb\xffidden\x00\r\nContent-Type: application/json\r\nX-Odd\x00: a\xc3\x28b\x00c\r\nX-Request-Id: r\xfe\xff\r\n\r\n{\"message\":\"bad \xff\xfe key\x00\",\"error\":\"Forbidden\"}";
    let r = run(&input[..]);
    r.diagnosis("bad UTF-8 and NUL");
    assert!(!r.stdout.contains('\0'), "a raw NUL reached the terminal");
    let r = run_with(&["--format", "json"], &input[..]);
    r.diagnosis("bad UTF-8 and NUL as JSON");
    assert_eq!(r.json_lines()[0]["status"], 403);
    // The same bytes as an NDJSON line are not JSON: one record error.
    let mut line = b"{\"status\":403,\"body\":\"\xff\x00\"}\n".to_vec();
    line.extend_from_slice(b"{\"status\":401,\"body\":{\"a\":1}}\n");
    let r = run_with(&["--input-format", "ndjson"], line);
    r.no_panic("bad UTF-8 in NDJSON");
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

#[test]
fn a_status_line_alone() {
    for input in [
        "HTTP/1.1 404 Not Found",
        "HTTP/1.1 404 Not Found\r\n",
        "HTTP/2 503 \r\n\r\n",
        "HTTP/1.0 401",
    ] {
        run(input).diagnosis(input).within(QUICK, input);
    }
}

#[test]
fn odd_status_codes() {
    for line in [
        "HTTP/1.1 0 Zero",
        "HTTP/1.1 000 Zero",
        "HTTP/1.1 99 Low",
        "HTTP/1.1 099 Low",
        "HTTP/1.1 600 High",
        "HTTP/1.1 999 Highest",
        "HTTP/1.1 abc Word",
        "HTTP/1.1 4O4 Letter",
        "HTTP/1.1 -40 Negative",
        "HTTP/1.1 40000000000000000000 Huge",
    ] {
        let input =
            format!("{line}\r\nContent-Type: application/json\r\n\r\n{{\"message\":\"x\"}}");
        let r = run_with(&["--format", "json"], input.as_str());
        r.diagnosis(line);
        let status = &r.json_lines()[0]["status"];
        assert!(
            status.is_null() || status.as_u64().is_some_and(|s| (100..=999).contains(&s)),
            "{line}: status {status}"
        );
    }
    // The same through NDJSON: 0 means no response; out-of-range numbers are record errors.
    let r = run_with(
        &["--input-format", "ndjson", "--format", "json"],
        "{\"status\":0}\n{\"status\":99}\n{\"status\":600}\n",
    );
    r.no_panic("ndjson odd statuses");
    assert!(r.code <= 1, "{r:?}");
    for bad in [
        "{\"status\":\"403\"}",
        "{\"status\":-1}",
        "{\"status\":70000}",
        "{\"status\":403.5}",
        "{\"status\":1e400}",
    ] {
        run_with(&["--input-format", "ndjson"], bad).one_line_error(bad);
    }
    // --status is range-checked by the command line.
    for bad in ["0", "99", "600", "abc"] {
        let r = run_with(&["--status", bad], "{}");
        r.no_panic(bad);
        assert_eq!(r.code, 2, "--status {bad}");
    }
}

#[test]
fn ten_thousand_header_lines() {
    let mut input = String::from("HTTP/1.1 429 Too Many Requests\r\n");
    for i in 0..10_000 {
        input.push_str(&format!("X-Header-{i}: value {i}\r\n"));
    }
    input.push_str("Retry-After: 30\r\n\r\n{\"error\":\"rate_limited\"}");
    run(input)
        .diagnosis("10 000 headers")
        .within(QUICK, "10 000 headers");
    // The same header name 10 000 times.
    let mut input = String::from("HTTP/1.1 403 Forbidden\r\n");
    input.push_str(&"Set-Cookie: a=b\r\n".repeat(10_000));
    input.push_str("\r\n");
    run(input)
        .diagnosis("10 000 Set-Cookie")
        .within(QUICK, "repeated header");
}

#[test]
fn a_one_mebibyte_header_line() {
    let big = "v".repeat(1 << 20);
    let input = format!(
        "HTTP/1.1 400 Bad Request\r\nX-Big: {big}\r\nContent-Type: application/json\r\n\r\n{{\"message\":\"x\"}}"
    );
    run(input)
        .diagnosis("1 MiB header")
        .within(QUICK, "1 MiB header");
    // A 1 MiB header NAME, and a 1 MiB status line.
    let input = format!("HTTP/1.1 400 Bad Request\r\nX-{big}: 1\r\n\r\n");
    run(input).diagnosis("1 MiB header name");
    let input = format!("HTTP/1.1 400 {big}\r\n\r\n");
    run(input).diagnosis("1 MiB reason phrase");
}

fn body_file(len: usize) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n\r\n{\"message\":\"")
        .unwrap();
    let chunk = vec![b'a'; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(chunk.len());
        f.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    f.write_all(b"\"}").unwrap();
    f.flush().unwrap();
    f
}

#[test]
fn a_hundred_mebibyte_single_line_body() {
    let f = body_file(100 << 20);
    // Over the default limit (64M): refused before it is all read.
    let r = run_file(&[], f.path());
    r.one_line_error("100 MiB over the default limit");
    assert!(r.stderr.contains("--max-input-size"), "{}", r.stderr);
    // Over an explicit small limit.
    run_file(&["--max-input-size", "1M"], f.path()).one_line_error("100 MiB over 1M");
    // The same through standard input.
    let bytes = std::fs::read(f.path()).unwrap();
    let r = run_with(&["--max-input-size", "10M"], bytes);
    r.one_line_error("100 MiB on stdin over 10M");
    // Under a raised limit it is read and diagnosed.
    let r = run_file(&["--max-input-size", "128M", "--format", "json"], f.path());
    r.diagnosis("100 MiB under a raised limit")
        .within(Duration::from_secs(60), "100 MiB under a raised limit");
    assert_eq!(r.json_lines()[0]["status"], 500);
}

#[test]
fn an_ndjson_record_over_the_limit_is_skipped_and_the_rest_read() {
    let mut input = String::from("{\"status\":429,\"body\":{\"error\":\"rate_limited\"}}\n");
    input.push_str(&format!(
        "{{\"status\":500,\"body\":\"{}\"}}\n",
        "x".repeat(300 << 10)
    ));
    input.push_str("{\"status\":404,\"body\":{\"error\":\"not_found\"}}\n");
    let r = run_with(&["--max-input-size", "100K", "--format", "json"], input);
    r.no_panic("ndjson over the limit");
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("apidiag: error: standard input:2: record larger"),
        "{}",
        r.stderr
    );
    let statuses: Vec<_> = r.json_lines().iter().map(|d| d["status"].clone()).collect();
    assert_eq!(statuses, [429, 404]);
}

fn nested(depth: usize, open: &str, close: &str) -> String {
    let mut s = String::with_capacity(depth * (open.len() + close.len()) + 4);
    for _ in 0..depth {
        s.push_str(open);
    }
    s.push('1');
    for _ in 0..depth {
        s.push_str(close);
    }
    s
}

#[test]
fn json_nested_a_hundred_thousand_deep() {
    for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
        let deep = nested(100_000, open, close);
        let what = format!("nested {open}");
        let input =
            format!("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{deep}");
        run(input).diagnosis(&what).within(QUICK, &what);
        run_with(&["--status", "400"], deep.as_str()).diagnosis(&what);
        // As a bare body, an NDJSON record and a HAR file.
        run(deep.as_str()).diagnosis(&what);
        let record = format!("{{\"status\":400,\"body\":{deep}}}\n");
        let r = run_with(&["--input-format", "ndjson"], record);
        r.no_panic(&what).within(QUICK, &what);
        assert!(r.code <= 2);
        let har = format!("{{\"log\":{{\"entries\":[{deep}]}}}}");
        let r = run_with(&["--input-format", "har"], har);
        r.one_line_error(&what).within(QUICK, &what);
    }
}

#[test]
fn truncated_json() {
    let full = r#"{"statusCode":400,"message":"Branch feature/x does not match the cost estimation branch","error":"Bad Request"}"#;
    for cut in [1, 10, 40, full.len() - 1] {
        let body = &full[..cut];
        let input =
            format!("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{body}");
        run(input).diagnosis(body);
        run_with(&["--status", "400"], body).diagnosis(body);
        let r = run_with(
            &["--input-format", "ndjson"],
            format!("{{\"status\":400,\"body\":{body}"),
        );
        r.one_line_error(body);
    }
}

#[test]
fn huge_numbers() {
    for body in [
        r#"{"statusCode":1e400,"message":"x"}"#,
        r#"{"statusCode":123456789012345678901234567890,"status":-99999999999999999999}"#,
        r#"{"status":403.0000000000000000001,"limit":1e-400}"#,
        r#"[18446744073709551616, -9223372036854775809, 1.7976931348623157e309]"#,
    ] {
        run(body).diagnosis(body);
        run_with(&["--status", "429"], body).diagnosis(body);
    }
    for header in [
        "Retry-After: 99999999999999999999999999999",
        "Retry-After: 1e308",
        "Retry-After: -5",
        "Retry-After: NaN",
        "Retry-After: inf",
        "Retry-After: Fri, 31 Dec 9999 23:59:59 GMT",
        "Content-Length: 99999999999999999999999",
        "Date: Fri, 31 Dec 9999 23:59:59 GMT",
    ] {
        let input = format!(
            "HTTP/1.1 429 Too Many Requests\r\n{header}\r\nRetry-After: 1\r\n\r\n{{\"error\":\"rate_limited\"}}"
        );
        run(input).diagnosis(header);
    }
}

#[test]
fn duplicate_keys() {
    let body = r#"{"message":"first","message":"second","statusCode":400,"statusCode":"x"}"#;
    run(body).diagnosis("duplicate keys in a body");
    let input = format!("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{body}");
    run(input).diagnosis("duplicate keys in a response");
    // A record with a duplicate field is a record error, not a panic.
    let r = run_with(
        &["--input-format", "ndjson"],
        "{\"status\":400,\"status\":401}\n",
    );
    r.one_line_error("duplicate record field");
    // Duplicate header names in a record keep both.
    let r = run_with(
        &["--input-format", "ndjson", "--format", "json"],
        "{\"status\":429,\"headers\":{\"Retry-After\":\"1\",\"Retry-After\":\"2\"}}\n",
    );
    r.no_panic("duplicate header names");
    assert!(r.code <= 1);
}

#[test]
fn records_with_wrong_types() {
    for (what, line) in [
        ("status string", r#"{"status":"403","headers":{}}"#),
        ("headers array", r#"{"status":403,"headers":[1,2]}"#),
        ("header number", r#"{"status":403,"headers":{"A":1}}"#),
        (
            "header nested array",
            r#"{"status":403,"headers":{"A":[["x"]]}}"#,
        ),
        ("request string", r#"{"status":403,"request":"GET /"}"#),
        (
            "request url number",
            r#"{"status":403,"request":{"url":5}}"#,
        ),
        ("time number", r#"{"status":403,"body":{},"time":5}"#),
        ("error object", r#"{"status":null,"error":{"a":1}}"#),
        ("a bare array", r#"[{"status":403}]"#),
        ("a string", r#""status""#),
    ] {
        let r = run_with(&["--input-format", "ndjson"], line);
        r.one_line_error(what);
        assert!(
            r.stderr.contains("standard input:1"),
            "{what}: {}",
            r.stderr
        );
    }
    // Good and bad records mixed: the good ones are diagnosed, each bad one is a line.
    let input = "{\"status\":404,\"body\":{}}\n{\"status\":[]}\nnot json\n{\"status\":401}\n";
    let r = run_with(&["--input-format", "ndjson", "--format", "json"], input);
    r.no_panic("mixed records");
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.lines().count(), 2, "{}", r.stderr);
    assert!(r.stderr.lines().all(|l| l.starts_with("apidiag: error: ")));
    assert_eq!(r.json_lines().len(), 2);
    for (what, har) in [
        ("log a string", r#"{"log":"x"}"#),
        ("entries an object", r#"{"log":{"entries":{}}}"#),
        ("entry a number", r#"{"log":{"entries":[1]}}"#),
        (
            "status a string",
            r#"{"log":{"entries":[{"response":{"status":"403"}}]}}"#,
        ),
        ("truncated", r#"{"log":{"entries":[{"response":{"#),
    ] {
        let r = run_with(&["--input-format", "har"], har);
        r.no_panic(what);
        assert_eq!(r.code, 2, "{what}");
        assert!(
            r.stderr.lines().all(|l| l.starts_with("apidiag: error: ")),
            "{what}: {}",
            r.stderr
        );
    }
}

#[test]
fn windows_and_old_mac_line_endings() {
    let lf = "HTTP/1.1 429 Too Many Requests\nContent-Type: application/json\nRetry-After: 30\n\n{\"error\":\"rate_limited\",\"message\":\"API rate limit exceeded. Retry in 30 seconds.\"}";
    let crlf = lf.replace('\n', "\r\n");
    let cr = lf.replace('\n', "\r");
    let json = |input: &str| {
        let r = run_with(&["--format", "json"], input);
        r.diagnosis(input);
        let mut d = r.json_lines().remove(0);
        d["notes"] = serde_json::Value::Null;
        d
    };
    let want = json(lf);
    assert_eq!(want["status"], 429);
    assert_eq!(json(&crlf), want, "CRLF reads like LF");
    assert_eq!(json(&cr), want, "CR-only reads like LF");
    // A curl -v transcript with CR-only endings.
    let verbose = "* Trying 127.0.0.1\r> GET /x HTTP/1.1\r> Host: h\r>\r< HTTP/1.1 404 Not Found\r< Content-Type: text/plain\r<\rgone";
    let r = run_with(&["--format", "json"], verbose);
    r.diagnosis("CR-only curl -v");
    assert_eq!(r.json_lines()[0]["status"], 404);
}

#[test]
fn a_body_that_claims_json_but_is_html() {
    let html = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>";
    let input = format!("HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\n\r\n{html}");
    run(input).diagnosis("HTML claiming JSON");
    let r = run_with(&["--status", "502", "--format", "json"], html);
    r.diagnosis("HTML body");
    let record = serde_json::json!({"status": 502, "headers": {"Content-Type": "application/json"}, "body": html});
    run_with(&["--input-format", "ndjson"], format!("{record}\n")).no_panic("HTML in NDJSON");
}

#[test]
fn forced_formats_on_the_wrong_input() {
    let inputs: [&[u8]; 5] = [
        b"{\"a\":1}",
        b"HTTP/1.1 403 Forbidden\r\n\r\n{}",
        b"* Trying\n> GET / HTTP/1.1\n",
        b"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"\x00\x01\x02",
    ];
    for format in [
        "http",
        "curl-verbose",
        "httpie",
        "wget",
        "body",
        "har",
        "ndjson",
    ] {
        for input in inputs {
            let what = format!("{format} on {:?}", String::from_utf8_lossy(input));
            let r = run_with(&["--input-format", format], input);
            r.no_panic(&what);
            match r.code {
                0 | 1 => assert!(r.stderr.is_empty(), "{what}: {}", r.stderr),
                2 => {
                    assert!(
                        r.stderr.lines().all(|l| l.starts_with("apidiag: error: ")),
                        "{what}: {}",
                        r.stderr
                    );
                }
                c => panic!("{what}: exit {c}"),
            }
            if format != "ndjson" && r.code == 2 {
                r.one_line_error(&what);
            }
        }
    }
}

/// A user pack whose rule captures a response header and a body message verbatim.
const ECHO_RULES: &str = r#"{
  "api": "acme",
  "name": "Acme API",
  "recognise": {"hosts": ["api.acme.example"], "headers": ["x-acme-trace"]},
  "rules": [
    {
      "id": "acme/echo",
      "title": "Acme refused: {{message}}",
      "when": {
        "status": 400,
        "body": [{"path": "$.message", "type": "string", "capture": "message"}],
        "headers": [{"name": "X-Acme-Trace", "exists": true, "capture": "trace"}]
      },
      "cause": "Acme said {{message}} (trace {{trace}}).",
      "fix": ["Read {{message}} again."],
      "retry": {"retryable": false, "advice": "Trace {{trace}}."},
      "examples": {"match": [{"status": 400, "headers": {"X-Acme-Trace": "t1"}, "body": {"message": "m"}}]}
    }
  ]
}"#;

#[test]
fn server_text_cannot_rewrite_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("acme.json");
    std::fs::write(&rules, ECHO_RULES).unwrap();
    let rules = rules.to_str().unwrap();
    let body = r#"{"message":"clear\u001b[2Jscreen \u202eesrever\u202c zero\u200bwidth \u2066iso\u2069 bell\u0007 nul\u0000 csi\u009b31m","request_id":"r\u001b]0;title\u0007"}"#;
    let input = format!(
        "HTTP/1.1 400 Bad\x1b[31mRequest\x07\r\nContent-Type: application/json\r\nX-Acme-Trace: t\x1b[1A\x1b[2K\u{202e}\u{200b}x\r\nX-Request-Id: id\x1b[5m\r\n\r\n{body}"
    );
    for extra in [&[][..], &["--all"][..]] {
        let mut args = vec!["--rules", rules, "--color", "never"];
        args.extend_from_slice(extra);
        let r = run_with(&args, input.as_str());
        r.diagnosis("hostile text");
        assert!(r.stdout.contains("acme/echo"), "{}", r.stdout);
        for bad in [
            '\x1b', '\x07', '\0', '\u{9b}', '\u{202e}', '\u{202c}', '\u{200b}', '\u{2066}',
            '\u{2069}',
        ] {
            assert!(
                !r.stdout.contains(bad),
                "{bad:?} reached the terminal:\n{}",
                r.stdout
            );
        }
        assert!(
            r.stdout.contains("\\u{1b}[2J"),
            "the escape is shown, escaped:\n{}",
            r.stdout
        );
        // Markdown goes to terminals and tickets alike: the same holds.
        let mut md = args.clone();
        md.extend(["--format", "markdown"]);
        let r = run_with(&md, input.as_str());
        r.diagnosis("hostile text as markdown");
        for bad in ['\x1b', '\x07', '\0', '\u{202e}', '\u{200b}'] {
            assert!(
                !r.stdout.contains(bad),
                "{bad:?} in markdown:\n{}",
                r.stdout
            );
        }
    }
    // JSON keeps the text, JSON-escaped: no raw control byte, the value intact.
    let r = run_with(&["--rules", rules, "--format", "json"], input.as_str());
    r.diagnosis("hostile text as JSON");
    assert!(!r.stdout.contains('\x1b') && !r.stdout.contains('\0'));
    let d = &r.json_lines()[0];
    assert!(
        d["cause"]
            .as_str()
            .unwrap()
            .contains("clear\u{1b}[2Jscreen"),
        "{d:#}"
    );
    // With colour on, the only escapes are apidiag's own SGR colour codes.
    let r = run_with(&["--rules", rules, "--color", "always"], input.as_str());
    let stripped = strip_sgr(&r.stdout);
    assert!(
        !stripped.contains('\x1b'),
        "a non-colour escape:\n{stripped:?}"
    );
}

/// Remove `ESC [ digits;… m` colour codes only.
fn strip_sgr(text: &str) -> String {
    let re = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
    re.replace_all(text, "").into_owned()
}
