//! End to end: a loopback HTTP server inside the test replays documented error
//! responses, the real `curl` fetches them, and its output is piped into apidiag.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;

struct Case {
    path: &'static str,
    status: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
}

const CASES: &[Case] = &[
    Case {
        path: "/v1/scans",
        status: "403 Forbidden",
        headers: &[("Content-Type", "application/json; charset=utf-8")],
        body: r#"{"statusCode":403,"message":"API key missing required scope: write","error":"Forbidden"}"#,
    },
    Case {
        path: "/v1/scans/not-ready",
        status: "400 Bad Request",
        headers: &[("Content-Type", "application/json; charset=utf-8")],
        body: r#"{"statusCode":400,"message":"Cost estimation is not ready","error":"Bad Request"}"#,
    },
    Case {
        path: "/v1/findings",
        status: "429 Too Many Requests",
        headers: &[("Content-Type", "application/json"), ("Retry-After", "30")],
        body: r#"{"error":"rate_limited","message":"API rate limit exceeded. Retry in 30 seconds.","request_id":"req_8fae22c4","details":{}}"#,
    },
    Case {
        path: "/api/v2/scan",
        status: "429 Too Many Requests",
        headers: &[
            ("Content-Type", "application/json"),
            ("Date", "Mon, 23 Nov 2026 20:48:00 GMT"),
        ],
        body: r#"{"detail":{"error":"daily_scan_limit_exceeded","limit":1000,"used":1000}}"#,
    },
];

/// Serve `count` requests on a loopback port, then stop.
fn serve(count: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(count).flatten() {
            let _ = answer(stream);
        }
    });
    port
}

fn answer(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line.trim().is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let case = CASES.iter().find(|c| c.path == path).unwrap_or(&CASES[0]);
    let mut head = format!("HTTP/1.1 {}\r\nServer: e2e-test\r\n", case.status);
    for (n, v) in case.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        case.body.len()
    ));
    stream.write_all(head.as_bytes())?;
    stream.write_all(case.body.as_bytes())
}

fn have_curl() -> bool {
    let found = Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "curl is required under CI"
        );
        eprintln!("skipping: curl is not installed");
    }
    found
}

/// Run `curl ARGS URL | apidiag --format json` through a real shell pipe.
fn pipe(curl_args: &str, url: &str) -> serde_json::Value {
    let bin = env!("CARGO_BIN_EXE_apidiag");
    let script = format!("curl {curl_args} '{url}' | '{bin}' --format json --color never");
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env_remove("APIDIAG_RULES")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{script}: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{script}: {e}: {stdout}"))
}

#[test]
fn curl_i_and_curl_v_outputs_are_diagnosed() {
    if !have_curl() {
        return;
    }
    let port = serve(2 * 4 + 1);
    let url = |path: &str| format!("http://127.0.0.1:{port}{path}");
    let hacktron_key = "-H 'X-Api-Key: hacktron_e2eKEY0000000'";
    let wasviking_key = "-H 'Authorization: ApiKey wv_live_e2eKEY0000000'";
    let tumban_key = "-H 'Authorization: Bearer sk_e2eKEY00000000000000'";
    for mode in ["-sS -i", "-sS -v"] {
        let args = |key: &str| {
            if mode.contains("-v") {
                format!("{mode} {key} 2>&1")
            } else {
                format!("{mode} {key}")
            }
        };

        let d = pipe(&args(hacktron_key), &url("/v1/scans"));
        assert_eq!(d["rule"], "hacktron/missing-write-scope", "{mode}");
        assert!(d["fix"].to_string().contains("write scope"), "{d}");

        let d = pipe(&args(hacktron_key), &url("/v1/scans/not-ready"));
        assert_eq!(d["rule"], "hacktron/estimation-not-ready", "{mode}");
        assert!(d["fix"].to_string().contains("completed"), "{d}");

        let d = pipe(&args(wasviking_key), &url("/v1/findings"));
        assert_eq!(d["request_id"], "req_8fae22c4", "{mode}");
        assert_eq!(d["retry"]["after_seconds"], 30, "{mode}");

        let d = pipe(&args(tumban_key), &url("/api/v2/scan"));
        assert_eq!(d["rule"], "tumban/daily-scan-limit", "{mode}");
        assert!(
            d.to_string().contains("3 h 12 min"),
            "the reset countdown comes from Date: {d}"
        );

        if mode.contains("-v") {
            // The transcript shows the request: the key is recognised but never printed whole.
            assert_eq!(d["api"], "tumban");
            assert_eq!(d["request"]["auth"], "Bearer");
            assert!(!d.to_string().contains("e2eKEY00000000000000"), "{d}");
        }
    }
}
