//! `detect` and `read_response` are total: no input makes them panic, in any format.

use std::time::{Duration, Instant};

use apidiag::read::{Context, InputFormat, apply_context, detect, read_response};
use proptest::prelude::*;

/// Pieces of real transcripts, so generated inputs reach deep into every reader.
const FRAGMENTS: &[&[u8]] = &[
    b"HTTP/1.1 403 Forbidden\r\n",
    b"HTTP/2 401 \r\n",
    b"HTTP/1.1 100 Continue\r\n\r\n",
    b"HTTP/1.1 200 Connection established\r\n\r\n",
    b"Content-Type: application/json\r\n",
    b"Content-Length: 88\r\n",
    b"Content-Encoding: gzip\r\n",
    b"Content-Encoding: deflate\r\n",
    b"  folded\r\n",
    b"\r\n",
    b"\n",
    b"\r",
    b"POST /x HTTP/1.1\r\nHost: h:1\r\n",
    b"> GET /a HTTP/2\r\n> Host: h\r\n",
    b"< HTTP/1.1 301 Moved\r\n< Location: /b\r\n< \r\n",
    b"* Connected to h (1.2.3.4) port 443 (#0)\n",
    b"* ALPN: server accepted h2\n",
    b"* h2h3 [:authority: x]\n",
    b"* Issue another request to this URL: 'https://h/b'\n",
    b"* connect to h port 1 failed: Connection refused\n",
    b"{ [88 bytes data]\n",
    b"curl: (7) Failed\n",
    b"curl: (22) The requested URL returned error: 404\n",
    b"curl: (",
    b"--2026-11-23 16:30:29--  http://h/x\n",
    b"  HTTP/1.1 401 Unauthorized\n",
    b"  Content-Length: 5\n",
    b"Saving to: \xe2\x80\x98STDOUT\xe2\x80\x99\n",
    b"\n     0K    100% 1M=0s\n",
    b"2026-11-23 16:30:29 ERROR 403: Forbidden.\n",
    b"HTTP request sent, awaiting response... 404 Not Found\n",
    b"Username/Password Authentication Failed.\n",
    b"\x1b[34mHTTP\x1b[39;49;00m/1.1 ",
    b"\x1b[0m\x1b[38;5;12m",
    b"\x1b[",
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
    b"\x78\x9c\x01",
    b"\r  0     0    0 --:--:--     0",
    b"  % Total    % Received\n",
    b"{\"statusCode\":403,\"status\":\"x\"}",
    b"{\"status\":401,\"headers\":{}}\n",
    b"{\"log\":",
    b"\n404\n",
    b"429",
    b"\xff\xfe\xc3",
    b"\xEF\xBB\xBF",
    b"$ curl -v x\n",
];

fn fragmented() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => prop::sample::select(FRAGMENTS).prop_map(<[u8]>::to_vec),
        1 => prop::collection::vec(any::<u8>(), 0..16),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

fn exercise(input: &[u8]) {
    let _ = detect(input);
    for format in InputFormat::ALL {
        if let Ok(mut resp) = read_response(input, format) {
            let _ = apidiag::json::Json::parse_body(resp.body.bytes());
            apply_context(&mut resp, &Context::default());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(input in prop::collection::vec(any::<u8>(), 0..512)) {
        exercise(&input);
    }

    #[test]
    fn transcript_like_bytes_never_panic(input in fragmented()) {
        exercise(&input);
    }
}

/// Inputs built to hit rescans (many header blocks, many `Saving to:` lines, many
/// lines) must still read in about linear time.
#[test]
fn large_inputs_read_in_linear_time() {
    let n = 50_000;
    let inputs: Vec<Vec<u8>> = vec![
        b"HTTP/1.1 200 OK\r\n\r\n".repeat(n),
        b"\n".repeat(n * 10),
        b"< HTTP/1.1 200 OK\r\n* x\r\n".repeat(n),
        b"Saving to: 'STDOUT'\nx\n2026-11-23 16:30:29 ERROR 403: Forbidden.\n".repeat(n / 4),
        [&b"GET / HTTP/1.1\r\n\r\n"[..], &b"x\n".repeat(n * 5)].concat(),
        b"\x1b[34mHTTP\x1b[0m".repeat(n),
        b"x".repeat(n * 10),
    ];
    for input in inputs {
        let started = Instant::now();
        exercise(&input);
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(20),
            "{} bytes took {took:?}",
            input.len()
        );
    }
}
