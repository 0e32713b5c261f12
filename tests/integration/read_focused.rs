//! One test per surprise of the client formats, on the real transcripts.

use std::fs;
use std::path::Path;

use crate::common;

use apidiag::read::{Context, InputFormat, apply_context, detect, read_response};
use apidiag::response::{Note, Response};

fn fixture(mode: &str, case: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/transcripts")
        .join(mode)
        .join(format!("{case}.txt"));
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(mode: &str, case: &str) -> Response {
    read_response(&fixture(mode, case), InputFormat::Auto).unwrap()
}

fn earlier_notes(resp: &Response) -> Vec<&str> {
    resp.notes
        .iter()
        .filter_map(|n| match n {
            Note::Other(s)
                if s.starts_with("an earlier response") || s.starts_with("redirected") =>
            {
                Some(s.as_str())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn continue_100_then_final_block() {
    let r = read("curl-expect-100-i", "hacktron-validation");
    assert_eq!(r.status, Some(400));
    assert_eq!(r.reason.as_deref(), Some("Bad Request"));
    assert_eq!(r.headers.get("content-length"), Some("129"));
    assert!(common::body_json(&r.body).is_some());
    assert!(earlier_notes(&r).is_empty(), "1xx is not worth a note");

    let v = read("curl-expect-100-v", "hacktron-validation");
    assert_eq!(v.status, Some(400));
    assert_eq!(v.body, r.body);
    assert_eq!(
        v.request.unwrap().headers.get("expect"),
        Some("100-continue")
    );
}

#[test]
fn proxy_connection_established_then_http2_block() {
    let r = read("curl-h2-proxy-i", "hacktron-scope");
    assert_eq!(r.status, Some(403));
    assert_eq!(r.http_version.as_deref(), Some("HTTP/2"));
    assert_eq!(r.reason, None, "HTTP/2 has no reason phrase");
    assert_eq!(r.headers.get("Via"), Some("1.1 nghttpx"));
    assert!(r.headers.get("connection").is_none(), "proxy block dropped");
    assert!(earlier_notes(&r).is_empty());
}

#[test]
fn redirects_last_response_and_request_win() {
    let v = read("curl-L-v", "redirect-301");
    assert_eq!(v.status, Some(403));
    let req = v.request.as_ref().unwrap();
    let url = req.url.as_deref().unwrap();
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with("/hacktron/scans"));
    assert_eq!(earlier_notes(&v).len(), 1);
    assert_eq!(earlier_notes(&v), ["redirected: 301 → /hacktron/scans"]);

    let i = read("curl-L-i", "redirect-301");
    assert_eq!((i.status, &i.body), (Some(403), &v.body));
    assert_eq!(earlier_notes(&i), earlier_notes(&v));

    let w = read("wget-S", "redirect-301");
    assert_eq!((w.status, &w.body), (Some(403), &v.body));
}

#[test]
fn crlf_and_lf_clients_agree() {
    let crlf = read("curl-i", "tumban-validation");
    let lf = read("xh-print-hb", "tumban-validation");
    assert!(
        fixture("xh-print-hb", "tumban-validation")
            .windows(2)
            .all(|w| w != b"\r\n")
    );
    assert_eq!(crlf.status, lf.status);
    assert_eq!(crlf.body, lf.body);
    let names = |r: &Response| {
        r.headers
            .iter()
            .map(|(n, _)| n.to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&crlf), names(&lf));
    assert!(crlf.headers.iter().all(|(_, v)| !v.ends_with('\r')));
}

#[test]
fn trailing_http_code() {
    let empty = read("curl-w-http_code", "wasviking-bearer-401-empty");
    assert_eq!(empty.status, Some(401));
    assert_eq!(empty.body.bytes(), b"");
    assert_eq!(
        empty.notes,
        vec![Note::StatusFrom("curl's trailing %{http_code}".into())]
    );
    let html = read("curl-w-http_code", "html-500");
    assert_eq!(html.status, Some(500));
    assert!(html.body.bytes().ends_with(b"</html>\r\n"));
}

#[test]
fn gzip_raw_decoded_and_already_decoded() {
    for (mode, raw) in [
        ("curl-i", true),
        ("curl-s", true),
        ("curl-v", true),
        ("wget-S", true),
        ("curl-i-compressed", false),
        ("httpie-print-hb", false),
        ("xh-print-hb", false),
    ] {
        let r = read(mode, "gzip-429");
        assert_eq!(
            common::body_json(&r.body).unwrap()["request_id"],
            "req_gz_1",
            "{mode}"
        );
        assert_eq!(r.body.bytes().len(), 93, "{mode}");
        let noted = r.notes.contains(&Note::Decompressed("gzip".into()));
        assert_eq!(noted, raw, "{mode}");
    }
}

#[test]
fn httpie_pretty_colours_are_stripped() {
    let bytes = fixture("httpie-print-hb-pretty-all", "hacktron-scope");
    assert!(bytes.contains(&0x1b));
    let r = read_response(&bytes, InputFormat::Auto).unwrap();
    assert_eq!(r.status, Some(403));
    assert_eq!(r.reason.as_deref(), Some("Forbidden"));
    // Header lines end LF except the last, which keeps its CR.
    assert_eq!(r.headers.get("server"), Some("BaseHTTP/0.6 Python/3.11.7"));
    assert!(
        r.headers
            .iter()
            .all(|(n, v)| !n.contains('\x1b') && !v.contains('\x1b'))
    );
    assert!(!r.body.bytes().contains(&0x1b));
    assert_eq!(common::body_json(&r.body).unwrap()["statusCode"], 403);

    let xh = read("xh-print-hb-pretty-all", "hacktron-scope");
    assert_eq!(common::body_json(&xh.body), common::body_json(&r.body));
    let v = read("httpie-v", "hacktron-scope");
    assert_eq!(common::body_json(&v.body), common::body_json(&r.body));
}

#[test]
fn progress_meter_does_not_disturb() {
    let v = read("curl-v-progress", "hacktron-scope");
    assert_eq!(v.status, Some(403));
    assert_eq!(v.request.unwrap().method.as_deref(), Some("GET"));
    let i = read("curl-i-progress", "html-500");
    assert_eq!(i.status, Some(500));
    assert_eq!(i.headers.get("server"), Some("nginx"));
}

#[test]
fn http2_verbose_request_facts() {
    let r = read("curl-h2-v", "wasviking-bearer-401-empty");
    assert_eq!(r.status, Some(401));
    assert_eq!(r.http_version.as_deref(), Some("HTTP/2"));
    let req = r.request.unwrap();
    assert!(req.url.unwrap().starts_with("https://127.0.0.1:"));
    assert_eq!(
        req.headers.get("authorization"),
        Some("Bearer wv_live_0000")
    );
}

#[test]
fn curl_dump_header_notes_missing_body_only_when_announced() {
    let r = read("curl-D", "hacktron-scope");
    assert_eq!(r.notes, vec![Note::BodyMissing]);
    let empty = read("curl-D", "wasviking-bearer-401-empty");
    assert!(empty.notes.is_empty(), "Content-Length: 0 is an empty body");
    let chunked = read("curl-D", "chunked-503");
    assert!(
        chunked.notes.is_empty(),
        "no Content-Length, nothing to go on"
    );
}

#[test]
fn wget_hides_401_bodies() {
    let r = read("wget-S", "hacktron-requires-api-key");
    assert_eq!(r.status, Some(401));
    assert!(r.notes.contains(&Note::BodyMissing));
    assert!(
        r.notes
            .iter()
            .any(|n| matches!(n, Note::Other(s) if s.contains("401")))
    );
    let empty = read("wget-S", "wasviking-bearer-401-empty");
    assert!(!empty.notes.contains(&Note::BodyMissing));
}

#[test]
fn transport_failures_keep_the_request() {
    let r = read("curl-v-failures", "timeout");
    assert_eq!(r.status, None);
    let req = r.request.unwrap();
    assert_eq!(req.method.as_deref(), Some("GET"));
    assert!(req.url.unwrap().ends_with("/hacktron/scope"));
    let refused = read("curl-v-failures", "connection-refused");
    assert_eq!(
        refused.transport_error.as_deref(),
        Some(
            "Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server (Connection refused)"
        )
    );
    let dns = read("curl-v-failures", "no-such-host");
    assert_eq!(
        dns.transport_error.as_deref(),
        Some("Could not resolve host: no-such-host.invalid")
    );
}

#[test]
fn fail_with_body_stderr_line_is_not_a_transport_error() {
    let bytes = b"curl: (22) The requested URL returned error: 403\n{\"a\":1}";
    assert_eq!(detect(bytes), InputFormat::CurlVerbose);
    let r = read_response(bytes, InputFormat::Auto).unwrap();
    assert_eq!(r.transport_error, None);
    assert_eq!(r.status, Some(403));
    assert_eq!(r.body.bytes(), b"{\"a\":1}");
    // The same line before an `-i` transcript (`2>&1`) is skipped.
    let mut joined = b"curl: (22) The requested URL returned error: 403\n".to_vec();
    joined.extend(fixture("curl-fail-with-body-i", "hacktron-scope"));
    let r = read_response(&joined, InputFormat::Http).unwrap();
    assert_eq!(r.status, Some(403));
    assert_eq!(r.transport_error, None);
}

#[test]
fn context_on_a_bare_body() {
    let mut r = read("curl-s", "hacktron-scope");
    assert_eq!(r.status, None);
    let ctx = Context {
        request_headers: vec![("Authorization".into(), "Bearer wv_live_x".into())],
        url: Some("https://api.hacktron.ai/v1/scans".into()),
        method: Some("POST".into()),
        ..Context::default()
    };
    apply_context(&mut r, &ctx);
    assert_eq!(r.status, Some(403));
    assert!(
        r.notes
            .contains(&Note::StatusFrom("the body's statusCode field".into()))
    );
    let req = r.request.unwrap();
    assert_eq!(req.headers.get("authorization"), Some("Bearer wv_live_x"));
    assert_eq!(req.method.as_deref(), Some("POST"));
    assert_eq!(req.url.as_deref(), Some("https://api.hacktron.ai/v1/scans"));
}

#[test]
fn context_status_inference_from_bodies() {
    for (case, status, note) in [
        (
            "problem-json-403",
            Some(403),
            Some("the body's status field"),
        ),
        ("ok-200", None, None), // "status":"queued" is not a status
        ("tumban-invalid-key", None, None),
        ("wasviking-bearer-401-empty", None, None),
    ] {
        let mut r = read("curl-s", case);
        apply_context(&mut r, &Context::default());
        assert_eq!(r.status, status, "{case}");
        let expected: Vec<Note> = note
            .map(|n| Note::StatusFrom(n.into()))
            .into_iter()
            .collect();
        assert_eq!(r.notes, expected, "{case}");
        assert_eq!(r.request, None, "{case}: no request invented");
    }
}

#[test]
fn context_does_not_override_what_the_transcript_shows() {
    let mut r = read("curl-v", "wasviking-bearer-401-empty");
    let ctx = Context {
        status: Some(500),
        url: Some("https://elsewhere/".into()),
        method: Some("DELETE".into()),
        ..Context::default()
    };
    apply_context(&mut r, &ctx);
    assert_eq!(r.status, Some(500), "--status always wins");
    let req = r.request.unwrap();
    assert_eq!(req.method.as_deref(), Some("GET"));
    assert!(req.url.unwrap().starts_with("http://127.0.0.1:"));
}

#[test]
fn multi_record_formats_are_refused() {
    let har = br#"{"log":{"entries":[]}}"#;
    assert_eq!(detect(har), InputFormat::Har);
    let err = read_response(har, InputFormat::Auto).unwrap_err();
    assert!(err.to_string().contains("har"), "{err}");
    let nd = b"{\"status\":401,\"headers\":{}}\n";
    assert_eq!(detect(nd), InputFormat::Ndjson);
    assert!(read_response(nd, InputFormat::Ndjson).is_err());
}

#[test]
fn read_error_display() {
    let err = read_response(b"hello", InputFormat::Http).unwrap_err();
    assert_eq!(err.line, Some(1));
    assert!(err.to_string().starts_with("line 1: "), "{err}");
}

#[test]
fn wget_without_server_headers() {
    let r = read("wget-no-S", "wasviking-rate-limited");
    assert_eq!(r.status, Some(429));
    assert!(r.headers.is_empty());
    assert!(r.notes.contains(&Note::StatusFrom(
        "wget's `awaiting response...` line".into()
    )));
    assert_eq!(common::body_json(&r.body).unwrap()["error"], "rate_limited");
    let w = read("wget-S", "redirect-301");
    assert_eq!(earlier_notes(&w).len(), 1, "{:?}", w.notes);
}

#[test]
fn curl_note_line_and_progress_meter_before_verbose_output() {
    let bytes = fixture("curl-v-X-POST", "mgmt-validation");
    assert!(bytes.starts_with(b"Note: Unnecessary use of -X"));
    let r = read_response(&bytes, InputFormat::Auto).unwrap();
    assert_eq!(r.status, Some(400));
    assert_eq!(r.request.unwrap().method.as_deref(), Some("POST"));
    assert_eq!(
        common::body_json(&r.body).unwrap()["code"],
        "VALIDATION_ERROR"
    );
}
