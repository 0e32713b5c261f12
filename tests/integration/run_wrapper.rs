//! `apidiag run -- CLIENT ARGS…` with the real clients against the mock server of the
//! corpus (tests/fixtures/server/mock_server.py): what the user sees is what the client
//! alone shows, the exit status is the client's, and a failed call is diagnosed on
//! stderr as `curl -sS -v URL 2>&1 | apidiag` diagnoses it.

use crate::common;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The mock server, started once for the whole test binary, by a Python parent that
/// waits on a pipe from this process and kills it once the pipe closes, i.e. when the
/// test binary exits, however it exits.
fn server_port() -> u16 {
    static PORT: OnceLock<u16> = OnceLock::new();
    *PORT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let port_file = dir.path().join("port");
        let child: Child = Command::new("python3")
            .args([
                "-c",
                "import subprocess, sys\n\
                 server = subprocess.Popen([sys.executable] + sys.argv[1:])\n\
                 sys.stdin.read()\n\
                 server.kill()",
            ])
            .arg(common::fixture("server/mock_server.py"))
            .arg("--port-file")
            .arg(&port_file)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs the mock server");
        // The pipe stays open as long as this process lives.
        #[expect(clippy::mem_forget, reason = "the server lives as long as the tests")]
        std::mem::forget(child);
        let start = Instant::now();
        loop {
            if let Ok(s) = std::fs::read_to_string(&port_file)
                && let Ok(p) = s.trim().parse()
            {
                #[expect(clippy::mem_forget, reason = "the port file outlives the tests")]
                std::mem::forget(dir);
                return p;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "mock server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    })
}

fn url(path: &str) -> String {
    format!("http://127.0.0.1:{}{path}", server_port())
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn alone(args: &[&str], stdin: &[u8]) -> Output {
    let mut cmd = Command::new(args[0]);
    cmd.args(&args[1..]);
    piped(cmd, stdin)
}

fn wrapped(opts: &[&str], args: &[&str], stdin: &[u8]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_apidiag"));
    cmd.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("APIDIAG_RULES");
    cmd.env("HOME", env!("CARGO_MANIFEST_DIR"));
    cmd.arg("run").args(opts).arg("--").args(args);
    piped(cmd, stdin)
}

fn piped(mut cmd: Command, stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}

fn json_of(stderr: &[u8]) -> serde_json::Value {
    let text = String::from_utf8_lossy(stderr);
    let line = text
        .lines()
        .find(|l| l.starts_with("{\""))
        .unwrap_or_else(|| panic!("no JSON diagnosis on stderr:\n{text}"));
    serde_json::from_str(line).unwrap()
}

fn rule_of(stderr: &[u8]) -> String {
    json_of(stderr)["rule"].as_str().unwrap_or("").to_owned()
}

/// The rule `curl -sS -v URL 2>&1 | apidiag -f json` gives.
fn rule_of_verbose_pipe(extra: &[&str], target: &str) -> String {
    let out = Command::new("curl")
        .args(["-sS", "-v"])
        .args(extra)
        .arg(target)
        .output()
        .unwrap();
    let mut transcript = out.stderr;
    transcript.extend_from_slice(&out.stdout);
    let run = common::apidiag()
        .args(["-f", "json"])
        .write_stdin(transcript)
        .output()
        .unwrap();
    serde_json::from_slice::<serde_json::Value>(&run.stdout).unwrap()["rule"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

const CURL_CASES: &[&str] = &[
    "/hacktron/scope",
    "/hacktron/validation",
    "/hacktron/credits",
    "/tumban/invalid-key",
    "/tumban/validation",
    "/tumban/daily-limit",
    "/wasviking/rate-limited",
    "/mgmt/key-expired",
    "/misc/html-500",
    "/misc/proxy-502",
    "/misc/problem",
    "/misc/chunked",
    "/misc/gzip-error",
    "/misc/ok",
];

#[test]
fn curl_stdout_and_exit_status_are_the_clients() {
    for path in CURL_CASES {
        for flags in [&["-s"][..], &["-sS", "--fail"], &["-s", "--compressed"]] {
            let mut args = vec!["curl"];
            args.extend_from_slice(flags);
            let target = url(path);
            args.push(&target);
            let a = alone(&args, b"");
            let w = wrapped(&[], &args, b"");
            assert_eq!(a.stdout, w.stdout, "{args:?}: stdout differs");
            assert_eq!(a.status.code(), w.status.code(), "{args:?}: exit status");
            let err = String::from_utf8_lossy(&w.stderr);
            // curl's own stderr first, unchanged; nothing of the capture leaks.
            assert!(
                err.starts_with(&*String::from_utf8_lossy(&a.stderr)),
                "{args:?}: {err}"
            );
            assert!(
                !err.contains("== Info") && !err.contains("=> Send"),
                "{err}"
            );
            let failed = *path != "/misc/ok";
            assert_eq!(
                !w.stderr.is_empty() && w.stderr != a.stderr,
                failed,
                "{args:?}: {err}"
            );
        }
    }
}

#[test]
fn curl_without_i_gives_the_rule_curl_v_gives() {
    for path in CURL_CASES.iter().filter(|p| **p != "/misc/ok") {
        let target = url(path);
        let w = wrapped(&["-f", "json"], &["curl", "-s", &target], b"");
        let via_v = rule_of_verbose_pipe(&[], &target);
        assert!(!via_v.is_empty(), "{path}: curl -v | apidiag finds no rule");
        assert_eq!(rule_of(&w.stderr), via_v, "{path}");
    }
}

#[test]
fn curl_to_the_vendor_host_names_the_vendor_and_masks_the_key() {
    let port = server_port();
    let resolve = format!("api.hacktron.ai:{port}:127.0.0.1");
    let target = format!("http://api.hacktron.ai:{port}/hacktron/scope");
    let secret = "htk_live_9f8e7d6c5b4a39281706";
    let auth = format!("Authorization: Bearer {secret}");
    let args = [
        "curl",
        "-s",
        "--resolve",
        &resolve,
        "-H",
        &auth,
        "-X",
        "POST",
        &target,
    ];
    let w = wrapped(&["-f", "json"], &args, b"");
    assert_eq!(w.status.code(), Some(0));
    let d = json_of(&w.stderr);
    assert_eq!(d["rule"], "hacktron/missing-write-scope");
    assert_eq!(d["api"], "hacktron");
    assert_eq!(d["confidence"], "documented", "{d}");
    assert_eq!(d["request"]["method"], "POST");
    assert_eq!(d["request"]["auth"], "Bearer");
    let all = String::from_utf8_lossy(&w.stderr);
    assert!(!all.contains(secret) && !all.contains("9f8e7d6c"), "{all}");
    // Human form, too.
    let h = wrapped(&[], &args, b"");
    let all = String::from_utf8_lossy(&h.stderr);
    assert!(
        all.contains("hacktron/missing-write-scope") && !all.contains("9f8e7d6c"),
        "{all}"
    );
    assert_eq!(
        rule_of_verbose_pipe(&["--resolve", &resolve, "-H", &auth, "-X", "POST"], &target),
        "hacktron/missing-write-scope"
    );
}

#[test]
fn curl_redirects_are_followed_and_noted() {
    let target = url("/hacktron/v0/scans");
    let args = ["curl", "-sL", &target];
    let (a, w) = (alone(&args, b""), wrapped(&["-f", "json"], &args, b""));
    assert_eq!(a.stdout, w.stdout);
    let d = json_of(&w.stderr);
    assert_eq!(d["status"], 403);
    assert!(
        d["request"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/hacktron/scans"),
        "{d}"
    );
    assert!(d.to_string().contains("301"), "the chain is noted: {d}");
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn curl_transport_failures_are_diagnosed() {
    let refused = format!("http://127.0.0.1:{}/x", closed_port());
    let w = wrapped(&["-f", "json"], &["curl", "-sS", &refused], b"");
    assert_eq!(w.status.code(), Some(7));
    assert_eq!(rule_of(&w.stderr), "http/connection-refused");
    assert!(String::from_utf8_lossy(&w.stderr).starts_with("curl: (7) "));

    let w = wrapped(
        &["-f", "json"],
        &["curl", "-s", "http://nonexistent.invalid/x"],
        b"",
    );
    assert_eq!(w.status.code(), Some(6));
    assert_eq!(rule_of(&w.stderr), "http/dns-resolution-failed");

    // Accepts, never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("http://127.0.0.1:{}/x", silent.local_addr().unwrap().port());
    let start = Instant::now();
    let w = wrapped(
        &["-f", "json"],
        &["curl", "-s", "--max-time", "1", &target],
        b"",
    );
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(w.status.code(), Some(28));
    assert_eq!(rule_of(&w.stderr), "http/response-timeout");
    assert_eq!(
        rule_of_verbose_pipe(&["--max-time", "1"], &target),
        "http/response-timeout"
    );
    drop(silent);

    // Never connects.
    if let Some(hole) = Blackhole::new() {
        let target = format!("http://127.0.0.1:{}/x", hole.port);
        let w = wrapped(
            &["-f", "json"],
            &["curl", "-s", "--connect-timeout", "1", &target],
            b"",
        );
        assert_eq!(w.status.code(), Some(28));
        assert_eq!(rule_of(&w.stderr), "http/connect-timeout");
    }
}

/// A curl transfer that failed before sending shows no request in its trace: the
/// request facts come from the command line's URL, masked, so the host still names
/// the vendor and the `request` line is there.
#[test]
fn curl_transport_failures_carry_the_command_lines_url() {
    let port = closed_port();
    let target =
        format!("http://api.hacktron.ai:{port}/v1/scans?api_key=hacktron_9f8e7d6c5b4a39281706");
    let resolve = format!("api.hacktron.ai:{port}:127.0.0.1");
    let args = ["curl", "-sS", "--resolve", &resolve, &target];
    let w = wrapped(&["-f", "json"], &args, b"");
    assert_eq!(w.status.code(), Some(7));
    let d = json_of(&w.stderr);
    assert_eq!(d["rule"], "http/connection-refused");
    assert_eq!(d["api"], "hacktron");
    let sent = d["request"]["url"].as_str().unwrap();
    assert!(
        sent.starts_with(&format!(
            "http://api.hacktron.ai:{port}/v1/scans?api_key=hacktron_"
        )),
        "{sent}"
    );
    assert!(!String::from_utf8_lossy(&w.stderr).contains("9f8e7d6c"));
    let human = wrapped(&[], &args, b"");
    let err = String::from_utf8_lossy(&human.stderr);
    assert!(err.contains("\nrequest   http://api.hacktron.ai:"), "{err}");
    // Each URL of several keeps its own.
    let refused = format!("http://127.0.0.1:{port}/first");
    let w = wrapped(
        &["-f", "json"],
        &[
            "curl",
            "-s",
            &refused,
            &url("/misc/ok"),
            "nonexistent.invalid/third",
        ],
        b"",
    );
    let urls: Vec<_> = all_json_of(&w.stderr)
        .iter()
        .map(|d| d["request"]["url"].clone())
        .collect();
    assert_eq!(urls, [refused.as_str(), "http://nonexistent.invalid/third"]);
}

#[test]
fn exit_status_diagnosis_and_diagnosis_to() {
    let dir = tempfile::tempdir().unwrap();
    let file: PathBuf = dir.path().join("d.json");
    let f = file.to_str().unwrap();
    let w = wrapped(
        &[
            "--exit-status",
            "diagnosis",
            "-f",
            "json",
            "--diagnosis-to",
            f,
        ],
        &["curl", "-s", &url("/tumban/daily-limit")],
        b"",
    );
    assert_eq!(w.status.code(), Some(0));
    assert!(
        w.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&w.stderr)
    );
    assert_eq!(json_of(&std::fs::read(&file).unwrap())["status"], 429);
    let ok = wrapped(
        &["--exit-status", "diagnosis"],
        &["curl", "-s", &url("/misc/ok")],
        b"",
    );
    assert_eq!(ok.status.code(), Some(1));
    assert!(ok.stderr.is_empty());
}

#[test]
fn stdin_goes_to_the_client() {
    let args = ["curl", "-s", "-d", "@-", &url("/hacktron/validation")];
    let w = wrapped(&["-f", "json"], &args, b"{\"repos\":[]}");
    assert_eq!(w.stdout, alone(&args, b"{\"repos\":[]}").stdout);
    let d = json_of(&w.stderr);
    assert_eq!(d["request"]["method"], "POST");
    assert_eq!(d["status"], 400);
}

#[test]
fn curl_verbose_of_the_user_stays_on_stderr() {
    let args = ["curl", "-sv", &url("/hacktron/scope")];
    let w = wrapped(&["-f", "json"], &args, b"");
    let err = String::from_utf8_lossy(&w.stderr);
    assert!(
        err.contains("> GET /hacktron/scope") && err.contains("< HTTP/1.1 403"),
        "{err}"
    );
    assert_eq!(w.stdout, alone(&args, b"").stdout);
    assert_eq!(json_of(&w.stderr)["status"], 403);
}

#[test]
fn a_missing_or_unknown_client_is_refused_in_one_line() {
    for client in ["/nonexistent/bin/curl", "ls"] {
        let w = wrapped(&[], &[client, "http://x"], b"");
        assert_eq!(w.status.code(), Some(2), "{client}");
        let err = String::from_utf8_lossy(&w.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("apidiag: error: "), "{err}");
    }
}

#[test]
fn sigterm_and_sigint_are_forwarded_and_the_run_ends_cleanly() {
    for sig in [libc::SIGTERM, libc::SIGINT] {
        let silent = TcpListener::bind("127.0.0.1:0").unwrap();
        let target = format!("http://127.0.0.1:{}/x", silent.local_addr().unwrap().port());
        let child = Command::new(env!("CARGO_BIN_EXE_apidiag"))
            .args(["run", "--", "curl", "-s", "--max-time", "30", &target])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(500));
        let start = Instant::now();
        // SAFETY: a plain kill(2) of our own child.
        unsafe {
            libc::kill(child.id() as i32, sig);
        }
        let out = child.wait_with_output().unwrap();
        assert!(start.elapsed() < Duration::from_secs(5));
        // As a shell reports a client the signal ended; no diagnosis of a half call.
        assert_eq!(out.status.code(), Some(128 + sig));
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        drop(silent);
    }
}

fn wget_case(path: &str, flags: &[&str]) {
    let target = url(path);
    let mut args = vec!["wget"];
    args.extend_from_slice(flags);
    args.push(&target);
    let (a, w) = (alone(&args, b""), wrapped(&["-f", "json"], &args, b""));
    assert_eq!(a.stdout, w.stdout, "{args:?}");
    assert_eq!(a.status.code(), w.status.code(), "{args:?}");
    // wget's own log, the same bar its timestamps and speeds, then the diagnosis.
    let scrub = |b: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(b)
            .lines()
            .filter(|l| !l.starts_with("{\"") && !l.contains("/s)") && !l.contains("=0"))
            .map(|l| {
                l.chars()
                    .map(|c| if c.is_ascii_digit() { '0' } else { c })
                    .collect()
            })
            .collect()
    };
    let wl = scrub(&w.stderr);
    let al = scrub(&a.stderr);
    assert_eq!(al, wl, "{args:?}");
}

#[test]
fn wget_output_stderr_and_exit_status_are_the_clients() {
    if !have("wget") {
        eprintln!("wget is not installed: skipping the wget tests");
        return;
    }
    for path in [
        "/hacktron/scope",
        "/hacktron/v0/scans",
        "/misc/ok",
        "/tumban/daily-limit",
    ] {
        wget_case(path, &["-qO-"]);
        wget_case(path, &["-O", "/dev/null"]);
        wget_case(path, &["-nv", "-O", "/dev/null"]);
    }
    let w = wrapped(
        &["-f", "json"],
        &["wget", "-qO-", &url("/wasviking/rate-limited")],
        b"",
    );
    assert_eq!(w.status.code(), Some(8));
    let d = json_of(&w.stderr);
    assert_eq!(d["status"], 429);
    assert_eq!(d["retry"]["after_seconds"], 30, "{d}");
    let ok = wrapped(&[], &["wget", "-qO-", &url("/misc/ok")], b"");
    assert!(ok.stderr.is_empty());
}

#[test]
fn wget_transport_failures_are_diagnosed() {
    if !have("wget") {
        eprintln!("wget is not installed: skipping the wget tests");
        return;
    }
    let refused = format!("http://127.0.0.1:{}/x", closed_port());
    let w = wrapped(&["-f", "json"], &["wget", "-qO-", &refused], b"");
    assert_eq!(w.status.code(), Some(4));
    assert_eq!(rule_of(&w.stderr), "http/connection-refused");
    let w = wrapped(
        &["-f", "json"],
        &["wget", "-qO-", "http://nonexistent.invalid/"],
        b"",
    );
    assert_eq!(w.status.code(), Some(4));
    assert_eq!(rule_of(&w.stderr), "http/dns-resolution-failed");
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("http://127.0.0.1:{}/x", silent.local_addr().unwrap().port());
    let w = wrapped(
        &["-f", "json"],
        &["wget", "-qO-", "-T", "1", "-t", "1", &target],
        b"",
    );
    assert_eq!(w.status.code(), Some(4));
    // wget says `Read error (Connection timed out) in headers.`: connected, no answer.
    let d = json_of(&w.stderr);
    assert_eq!(d["error"], "Read error (Connection timed out) in headers.");
    assert_eq!(d["rule"], "http/response-timeout");
    drop(silent);
    // `Connecting to …... failed: Connection timed out.`: no connection at all.
    if let Some(hole) = Blackhole::new() {
        let target = format!("http://127.0.0.1:{}/x", hole.port);
        let w = wrapped(
            &["-f", "json"],
            &["wget", "-qO-", "-T", "1", "-t", "1", &target],
            b"",
        );
        assert_eq!(w.status.code(), Some(4));
        let d = json_of(&w.stderr);
        assert!(
            d["error"]
                .as_str()
                .unwrap()
                .ends_with("failed: Connection timed out."),
            "{d}"
        );
        assert_eq!(d["rule"], "http/connect-timeout");
    }
}

/// A listener whose accept queue is full (`listen(0)`, filled, never accepted): the
/// kernel drops further SYNs, so a connect to it times out as one through a firewall
/// that drops packets does. `None` (said on stderr) where the kernel answers anyway.
struct Blackhole {
    port: u16,
    _listener: std::os::fd::OwnedFd,
    _queued: Vec<std::net::TcpStream>,
}

impl Blackhole {
    fn new() -> Option<Blackhole> {
        use std::os::fd::FromRawFd;
        // SAFETY: plain socket calls on a socket this function owns.
        let (fd, port) = unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
            assert!(fd >= 0);
            let mut addr: libc::sockaddr_in = std::mem::zeroed();
            addr.sin_family = libc::AF_INET as libc::sa_family_t;
            addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
            let mut len = size_of::<libc::sockaddr_in>() as libc::socklen_t;
            let sa = &raw mut addr as *mut libc::sockaddr;
            assert_eq!(libc::bind(fd, sa, len), 0);
            assert_eq!(libc::listen(fd, 0), 0);
            assert_eq!(libc::getsockname(fd, sa, &mut len), 0);
            (
                std::os::fd::OwnedFd::from_raw_fd(fd),
                u16::from_be(addr.sin_port),
            )
        };
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let wait = Duration::from_millis(300);
        let queued: Vec<_> = (0..3)
            .filter_map(|_| std::net::TcpStream::connect_timeout(&addr, wait).ok())
            .collect();
        if std::net::TcpStream::connect_timeout(&addr, wait).is_ok() {
            eprintln!(
                "this kernel accepts past a full listen queue: skipping the connect-timeout cases"
            );
            return None;
        }
        Some(Blackhole {
            port,
            _listener: fd,
            _queued: queued,
        })
    }
}

/// HTTPie (`http`) when installed; the tests say so and pass when it is not (.ci/run
/// installs it, so CI runs them).
fn httpie() -> bool {
    let here = have("http");
    if !here {
        eprintln!(
            "HTTPie (`http`) is not installed: skipping the HTTPie tests (pip install httpie)"
        );
    }
    here
}

#[test]
fn httpie_stdout_stderr_and_exit_status_are_the_clients() {
    if !httpie() {
        return;
    }
    for path in CURL_CASES.iter().chain(&["/hacktron/v0/scans"]) {
        for flags in [
            &["--ignore-stdin"][..],
            &["--ignore-stdin", "--check-status", "--follow"],
        ] {
            let target = url(path);
            let mut args = vec!["http"];
            args.extend_from_slice(flags);
            args.push(&target);
            let (a, w) = (alone(&args, b""), wrapped(&["-f", "json"], &args, b""));
            assert_eq!(a.stdout, w.stdout, "{args:?}");
            assert_eq!(a.status.code(), w.status.code(), "{args:?}");
            let err = String::from_utf8_lossy(&w.stderr);
            assert!(
                err.starts_with(&*String::from_utf8_lossy(&a.stderr)),
                "{args:?}: {err}"
            );
            // Into a pipe HTTPie warns of the status itself: the warning is passed on.
            if flags.contains(&"--check-status") && a.status.code() != Some(0) {
                assert!(err.contains(": HTTP "), "{args:?}: {err}");
            }
            let failed = !matches!(*path, "/misc/ok" | "/hacktron/v0/scans")
                || flags.len() > 1 && *path != "/misc/ok";
            assert_eq!(err.contains("{\"outcome\""), failed, "{args:?}: {err}");
        }
    }
}

#[test]
fn httpie_gives_the_rule_curl_v_gives() {
    if !httpie() {
        return;
    }
    for path in [
        "/hacktron/validation",
        "/tumban/validation",
        "/wasviking/rate-limited",
        "/misc/problem",
        "/misc/proxy-502",
    ] {
        let target = url(path);
        let w = wrapped(&["-f", "json"], &["http", "--ignore-stdin", &target], b"");
        assert_eq!(
            rule_of(&w.stderr),
            rule_of_verbose_pipe(&[], &target),
            "{path}"
        );
    }
    // Request facts from the request HTTPie sent, the key masked.
    let secret = "htk_live_9f8e7d6c5b4a39281706";
    let w = wrapped(
        &["-f", "json"],
        &[
            "http",
            "--ignore-stdin",
            "POST",
            &url("/hacktron/scope"),
            &format!("Authorization:Bearer {secret}"),
        ],
        b"",
    );
    let d = json_of(&w.stderr);
    assert_eq!(d["request"]["method"], "POST");
    assert_eq!(d["request"]["auth"], "Bearer");
    assert!(!String::from_utf8_lossy(&w.stderr).contains("9f8e7d6c"));
    // The user's own -v: passed on whole, and read on its way.
    let args = ["http", "--ignore-stdin", "-v", &url("/tumban/invalid-key")];
    let (a, w) = (alone(&args, b""), wrapped(&["-f", "json"], &args, b""));
    let no_date = |b: &[u8]| {
        regex::Regex::new(r"Date: [^\r\n]*")
            .unwrap()
            .replace_all(&String::from_utf8_lossy(b), "")
            .into_owned()
    };
    assert_eq!(no_date(&a.stdout), no_date(&w.stdout));
    assert_eq!(json_of(&w.stderr)["status"], 401);
    // stdin is the client's: HTTPie sends it as the body.
    let args = ["http", &url("/hacktron/validation")];
    let w = wrapped(&["-f", "json"], &args, b"{\"repos\":[]}");
    assert_eq!(json_of(&w.stderr)["request"]["method"], "POST");
    assert_eq!(w.stdout, alone(&args, b"{\"repos\":[]}").stdout);
}

#[test]
fn httpie_transport_failures_are_diagnosed() {
    if !httpie() {
        return;
    }
    let refused = format!("http://127.0.0.1:{}/x", closed_port());
    let w = wrapped(&["-f", "json"], &["http", "--ignore-stdin", &refused], b"");
    assert_eq!(w.status.code(), Some(1));
    assert_eq!(rule_of(&w.stderr), "http/connection-refused");
    let w = wrapped(
        &["-f", "json"],
        &["http", "--ignore-stdin", "http://nonexistent.invalid/"],
        b"",
    );
    assert_eq!(rule_of(&w.stderr), "http/dns-resolution-failed");
    // HTTPie says `Request timed out (1.0s).` whether the connection was made or not
    // (its --timeout is "no bytes received for SECONDS"): read as a response timeout.
    let timed_out = |port: u16| {
        let target = format!("http://127.0.0.1:{port}/x");
        let w = wrapped(
            &["-f", "json"],
            &["http", "--ignore-stdin", "--timeout", "1", &target],
            b"",
        );
        assert_eq!(w.status.code(), Some(2));
        let d = json_of(&w.stderr);
        assert_eq!(d["error"], "Request timed out (1.0s).");
        assert_eq!(d["rule"], "http/response-timeout");
    };
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    timed_out(silent.local_addr().unwrap().port());
    drop(silent);
    // Never accepts: HTTPie's words are the same (it has no connect timeout of its own),
    // so the two cannot be told apart from its stderr.
    if let Some(hole) = Blackhole::new() {
        timed_out(hole.port);
    }
}

/// `cmd` run on a pseudo-terminal by util-linux `script`: what it showed there, with
/// times and speeds (which differ run to run) blanked.
fn on_a_terminal(cmd: &str) -> Option<String> {
    let out = Command::new("script")
        .args(["-qec", cmd, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // wget redraws its bar as time passes: only the last drawing of a line counts, and
    // the bar's padding after its time field varies with how long the transfer took
    // (other lines keep their trailing spaces: losing them would be a difference).
    let text: String = text
        .split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .map(|l| l.rsplit('\r').next().unwrap_or(l))
        .map(|l| {
            if l.contains("%[") {
                l.trim_end_matches(' ')
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let times = regex::Regex::new(r"\d\d:\d\d:\d\d|([\d.]+|--\.-) *[MK]B/s|in [\d.]+s").unwrap();
    Some(times.replace_all(&text, "T").into_owned())
}

#[test]
fn on_a_terminal_the_client_looks_the_same() {
    if !have("script") {
        eprintln!("util-linux `script` is not installed: skipping the terminal test");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_apidiag");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("d");
    let run = format!("{bin} run --diagnosis-to {}", d.display());
    let mut cases = vec![
        format!("curl -s {}", url("/hacktron/scope")),
        format!("wget -O /dev/null {}", url("/hacktron/v0/scans")),
        format!("wget -O /dev/null {}", url("/misc/ok")),
    ];
    if have("http") {
        cases.push(format!("http {}", url("/hacktron/scope")));
        cases.push(format!("http {}", url("/misc/html-500")));
        // HTTPie warns `HTTP 403 Forbidden` (between blank lines) only into a pipe.
        cases.push(format!("http --check-status {}", url("/hacktron/scope")));
        cases.push(format!("http --check-status {}", url("/misc/ok")));
    }
    if have("xh") {
        cases.push(format!("xh {}", url("/hacktron/scope")));
        cases.push(format!("xh {}", url("/misc/ok")));
    }
    if have("xh") {
        cases.push(format!("xh --check-status {}", url("/hacktron/scope")));
    }
    for cmd in cases {
        let alone = on_a_terminal(&cmd).unwrap();
        let wrapped = on_a_terminal(&format!("{run} -- {cmd}")).unwrap();
        assert_eq!(alone, wrapped, "{cmd}");
    }
}

/// A fake client in `dir`: `--version` prints `version` (the real client's format,
/// on stdout); any other call leaves a mark (`dir/ran`) and then does `otherwise`
/// (a shell command line: `exec /usr/bin/curl "$@"` to be the real client).
fn fake_client(dir: &std::path::Path, name: &str, version: &str, otherwise: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    let script = format!(
        "#!/bin/sh\nif [ \"$1\" = --version ]; then printf '%s\\n' '{version}'; exit 0; fi\n\
         : > '{}'\n{otherwise}\n",
        dir.join("ran").display()
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `apidiag run` with `dir` first on PATH, so that `args[0]` is the fake.
fn wrapped_on_path(dir: &std::path::Path, opts: &[&str], args: &[&str]) -> Output {
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_apidiag"));
    cmd.env("PATH", path)
        .env("HOME", env!("CARGO_MANIFEST_DIR"))
        .arg("run")
        .args(opts)
        .arg("--")
        .args(args);
    piped(cmd, b"")
}

/// The one line a refusal is: `apidiag: error: …`, exit status 2.
fn assert_refused(w: &Output, needles: &[&str]) {
    let err = String::from_utf8_lossy(&w.stderr);
    assert_eq!(w.status.code(), Some(2), "{err}");
    let last = err.lines().last().unwrap_or("");
    assert!(last.starts_with("apidiag: error: "), "{err}");
    for n in needles {
        assert!(last.contains(n), "{n:?} not in {last:?}");
    }
    assert!(w.stdout.is_empty());
}

#[test]
fn a_curl_too_old_for_trace_is_refused_before_the_call() {
    let dir = tempfile::tempdir().unwrap();
    // curl 7.9.6 is the last release without --trace.
    fake_client(
        dir.path(),
        "curl",
        "curl 7.9.6 (i686-pc-linux-gnu) libcurl 7.9.6 (OpenSSL 0.9.6b) (ipv6 enabled)",
        "exit 0",
    );
    let w = wrapped_on_path(dir.path(), &[], &["curl", "-s", &url("/hacktron/scope")]);
    assert_refused(&w, &["curl 7.9.6", "curl 7.9.7 or later", "--trace"]);
    assert_eq!(String::from_utf8_lossy(&w.stderr).lines().count(), 1);
    assert!(!dir.path().join("ran").exists(), "the call was made");
    // With the user's own -v nothing is added, so nothing is checked: the call runs.
    let w = wrapped_on_path(dir.path(), &[], &["curl", "-sv", &url("/misc/ok")]);
    assert_eq!(w.status.code(), Some(0));
    assert!(dir.path().join("ran").exists());
}

#[test]
fn a_new_enough_curl_runs_as_before() {
    let dir = tempfile::tempdir().unwrap();
    fake_client(
        dir.path(),
        "curl",
        "curl 7.68.0 (x86_64-pc-linux-gnu) libcurl/7.68.0 OpenSSL/1.1.1f zlib/1.2.11",
        "exec /usr/bin/curl \"$@\"",
    );
    let target = url("/hacktron/validation");
    let w = wrapped_on_path(dir.path(), &["-f", "json"], &["curl", "-s", &target]);
    assert_eq!(w.status.code(), Some(0));
    assert_eq!(w.stdout, alone(&["curl", "-s", &target], b"").stdout);
    assert_eq!(json_of(&w.stderr)["status"], 400);
    // And a wget that prints its real banner.
    if have("wget") {
        fake_client(
            dir.path(),
            "wget",
            "GNU Wget 1.20.3 built on linux-gnu.",
            "exec /usr/bin/wget \"$@\"",
        );
        let w = wrapped_on_path(dir.path(), &["-f", "json"], &["wget", "-qO-", &target]);
        assert_eq!(w.status.code(), Some(8));
        assert_eq!(json_of(&w.stderr)["status"], 400);
    }
}

#[test]
fn an_httpie_too_old_for_print_is_refused_once_it_refuses_the_option() {
    let dir = tempfile::tempdir().unwrap();
    // HTTPie before 0.2.0 had no --print; argparse refuses it before any request.
    fake_client(
        dir.path(),
        "http",
        "0.1.6",
        "echo 'usage: http [-h] [--version] [--json | --form] METHOD URL [ITEM [ITEM ...]]' >&2\n\
         echo 'http: error: unrecognized arguments: --print=HhBb' >&2\nexit 2",
    );
    let w = wrapped_on_path(
        dir.path(),
        &[],
        &["http", "--ignore-stdin", &url("/misc/ok")],
    );
    assert_refused(&w, &["HTTPie 0.1.6", "HTTPie 0.2.0 or later", "--print"]);
    // HTTPie's own words come first, as they would have without apidiag.
    assert!(String::from_utf8_lossy(&w.stderr).starts_with("usage: http"));
    // A current HTTPie that fails for another reason is not asked its version.
    fake_client(
        dir.path(),
        "http",
        "3.2.2",
        "echo 'http: error: argument --timeout: invalid float value' >&2\nexit 2",
    );
    let w = wrapped_on_path(dir.path(), &[], &["http", &url("/misc/ok")]);
    assert_eq!(w.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&w.stderr).contains("apidiag: error"));
}

#[test]
fn a_wget_too_old_for_the_forced_bar_is_refused_on_a_terminal() {
    if !have("script") {
        eprintln!("util-linux `script` is not installed: skipping the terminal test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // wget 1.7 came before --progress (1.8).
    fake_client(dir.path(), "wget", "GNU Wget 1.7", "exit 0");
    let cmd = format!(
        "PATH={}:$PATH {} run -- wget -O /dev/null {}; echo \"status=$?\"",
        dir.path().display(),
        env!("CARGO_BIN_EXE_apidiag"),
        url("/misc/ok")
    );
    let shown = on_a_terminal(&cmd).unwrap();
    assert!(
        shown.contains("wget 1.7.0, too old") && shown.contains("wget 1.8.0 or later"),
        "{shown}"
    );
    assert!(shown.contains("status=2"), "{shown}");
    assert!(!dir.path().join("ran").exists());
}

/// xh when on PATH; the tests say so and pass when it is not (CI does not install it:
/// `cargo install xh` takes minutes; put its folder on PATH to run them).
fn xh() -> bool {
    let here = have("xh");
    if !here {
        eprintln!(
            "xh is not installed (not on PATH): skipping the xh tests (cargo install xh --locked)"
        );
    }
    here
}

/// The whole JSON diagnosis of `xh -v ARGS | apidiag -f json`.
fn diagnosis_of_xh_verbose_pipe(args: &[&str]) -> serde_json::Value {
    let out = Command::new("xh")
        .args(["-v", "--ignore-stdin"])
        .args(args)
        .output()
        .unwrap();
    let run = common::apidiag()
        .args(["-f", "json"])
        .write_stdin(out.stdout)
        .output()
        .unwrap();
    serde_json::from_slice(&run.stdout).unwrap()
}

#[test]
fn xh_stdout_stderr_and_exit_status_are_the_clients() {
    if !xh() {
        return;
    }
    for path in CURL_CASES.iter().chain(&["/hacktron/v0/scans"]) {
        for flags in [&["--ignore-stdin"][..], &["--ignore-stdin", "--follow"]] {
            let target = url(path);
            let mut args = vec!["xh"];
            args.extend_from_slice(flags);
            args.push(&target);
            let (a, w) = (alone(&args, b""), wrapped(&["-f", "json"], &args, b""));
            assert_eq!(a.stdout, w.stdout, "{args:?}");
            assert!(
                !a.stdout.is_empty() || *path == "/hacktron/v0/scans",
                "{args:?}"
            );
            assert_eq!(a.status.code(), w.status.code(), "{args:?}");
            let err = String::from_utf8_lossy(&w.stderr);
            // xh's own `xh: warning: HTTP 403 Forbidden` first, then the diagnosis.
            assert!(
                err.starts_with(&*String::from_utf8_lossy(&a.stderr)),
                "{args:?}: {err}"
            );
            let failed = !matches!(*path, "/misc/ok" | "/hacktron/v0/scans")
                || flags.len() > 1 && *path != "/misc/ok";
            assert_eq!(err.contains("{\"outcome\""), failed, "{args:?}: {err}");
        }
    }
    // xh exits 4 on a 4xx when its output is not a terminal; apidiag keeps it.
    let w = wrapped(
        &[],
        &["xh", "--ignore-stdin", &url("/tumban/invalid-key")],
        b"",
    );
    assert_eq!(w.status.code(), Some(4));
}

#[test]
fn xh_gives_the_diagnosis_xh_v_gives() {
    if !xh() {
        return;
    }
    for path in CURL_CASES.iter().filter(|p| **p != "/misc/ok") {
        let target = url(path);
        let w = wrapped(&["-f", "json"], &["xh", "--ignore-stdin", &target], b"");
        let via_v = diagnosis_of_xh_verbose_pipe(&[&target]);
        assert!(
            via_v["rule"].is_string(),
            "{path}: xh -v | apidiag finds no rule"
        );
        assert_eq!(json_of(&w.stderr), via_v, "{path}");
        // And the rule is the one `curl -v | apidiag` gives.
        assert_eq!(via_v["rule"], rule_of_verbose_pipe(&[], &target), "{path}");
    }
    // Request facts from the request xh sent, the key masked.
    let secret = "htk_live_9f8e7d6c5b4a39281706";
    let auth = format!("Authorization:Bearer {secret}");
    let target = url("/hacktron/scope");
    let args = ["xh", "--ignore-stdin", "POST", &target, &auth];
    let w = wrapped(&["-f", "json"], &args, b"");
    let d = json_of(&w.stderr);
    assert_eq!(d, diagnosis_of_xh_verbose_pipe(&args[2..]));
    assert_eq!(d["request"]["method"], "POST");
    assert_eq!(d["request"]["auth"], "Bearer");
    assert_eq!(d["rule"], "hacktron/missing-write-scope");
    let h = wrapped(&[], &args, b"");
    for out in [&w.stderr, &h.stderr] {
        assert!(!String::from_utf8_lossy(out).contains("9f8e7d6c"));
    }
    // stdin is the client's: xh sends it as the body.
    let args = ["xh", &url("/hacktron/validation")];
    let w = wrapped(&["-f", "json"], &args, b"{\"repos\":[]}");
    assert_eq!(json_of(&w.stderr)["request"]["method"], "POST");
    assert_eq!(w.stdout, alone(&args, b"{\"repos\":[]}").stdout);
}

#[test]
fn xh_transport_failures_are_diagnosed() {
    if !xh() {
        return;
    }
    let refused = format!("http://127.0.0.1:{}/x", closed_port());
    let w = wrapped(&["-f", "json"], &["xh", "--ignore-stdin", &refused], b"");
    assert_eq!(w.status.code(), Some(1));
    assert_eq!(rule_of(&w.stderr), "http/connection-refused");
    let w = wrapped(
        &["-f", "json"],
        &["xh", "--ignore-stdin", "http://nonexistent.invalid/"],
        b"",
    );
    assert_eq!(w.status.code(), Some(1));
    assert_eq!(rule_of(&w.stderr), "http/dns-resolution-failed");
    // Accepts, never answers: `Caused by: operation timed out`, exit status 2.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("http://127.0.0.1:{}/x", silent.local_addr().unwrap().port());
    let start = Instant::now();
    let w = wrapped(
        &["-f", "json"],
        &["xh", "--ignore-stdin", "--timeout", "1", &target],
        b"",
    );
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(w.status.code(), Some(2));
    let d = json_of(&w.stderr);
    assert!(
        d["error"]
            .as_str()
            .unwrap()
            .ends_with("(operation timed out)"),
        "{d}"
    );
    assert_eq!(d["rule"], "http/response-timeout");
    drop(silent);
    // xh's words are the same when no connection is made; still a timeout, read as
    // the response timeout (the one xh's --timeout documents), whose cause must not
    // claim the connection was made.
    if let Some(hole) = Blackhole::new() {
        let target = format!("http://127.0.0.1:{}/x", hole.port);
        let w = wrapped(
            &["-f", "json"],
            &["xh", "--ignore-stdin", "--timeout", "1", &target],
            b"",
        );
        assert_eq!(w.status.code(), Some(2));
        let d = json_of(&w.stderr);
        assert_eq!(d["rule"], "http/response-timeout");
        let cause = d["cause"].as_str().unwrap();
        assert!(!cause.contains("connection was made"), "{cause}");
    }
}

/// Every JSON diagnosis on stderr, in order.
fn all_json_of(stderr: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.starts_with("{\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn curl_with_several_urls_gives_one_diagnosis_per_failed_url_in_order() {
    let refused = format!("http://127.0.0.1:{}/x", closed_port());
    let urls = [
        refused.clone(),
        url("/hacktron/v0/scans"), // 301 → 403, followed under -L
        url("/misc/ok"),
        url("/tumban/daily-limit"),
        "http://nonexistent.invalid/".to_owned(),
    ];
    let mut args = vec!["curl", "-sL"];
    args.extend(urls.iter().map(String::as_str));
    let (a, w) = (alone(&args, b""), wrapped(&["-f", "json"], &args, b""));
    assert_eq!(a.stdout, w.stdout);
    // curl's status is the last transfer's (6: the name did not resolve).
    assert_eq!(a.status.code(), Some(6));
    assert_eq!(w.status.code(), Some(6));
    let found: Vec<String> = all_json_of(&w.stderr)
        .iter()
        .map(|d| d["rule"].as_str().unwrap_or("").to_owned())
        .collect();
    let one_by_one: Vec<String> = urls
        .iter()
        .filter(|u| !u.ends_with("/misc/ok"))
        .map(|u| rule_of_verbose_pipe(&["-L"], u))
        .collect();
    assert_eq!(found, one_by_one);
    assert_eq!(
        found,
        [
            "http/connection-refused",
            "hacktron/missing-write-scope",
            "tumban/daily-scan-limit",
            "http/dns-resolution-failed"
        ]
    );
    // The redirect stays within its transfer: noted there, not a diagnosis of its own.
    assert!(all_json_of(&w.stderr)[1].to_string().contains("301"));
    // With the user's own -v, each transfer is cut from curl's stderr the same way.
    let scope = url("/hacktron/scope");
    let args = ["curl", "-sv", &urls[3], &urls[2], &scope];
    let w = wrapped(&["-f", "json"], &args, b"");
    let statuses: Vec<_> = all_json_of(&w.stderr)
        .iter()
        .map(|d| d["status"].clone())
        .collect();
    assert_eq!(statuses, [429, 403]);
}

#[test]
fn wget_with_several_urls_gives_one_diagnosis_per_failed_url_in_order() {
    if !have("wget") {
        eprintln!("wget is not installed: skipping the wget tests");
        return;
    }
    let refused = format!("http://127.0.0.1:{}/x", closed_port());
    let (moved, ok, limit) = (
        url("/hacktron/v0/scans"),
        url("/misc/ok"),
        url("/tumban/daily-limit"),
    );
    let args = ["wget", "-qO-", &moved, &refused, &ok, &limit];
    let (a, w) = (alone(&args, b""), wrapped(&["-f", "json"], &args, b""));
    assert_eq!(a.stdout, w.stdout);
    assert_eq!(a.status.code(), w.status.code());
    let found: Vec<(serde_json::Value, String)> = all_json_of(&w.stderr)
        .iter()
        .map(|d| {
            (
                d["status"].clone(),
                d["rule"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(found.len(), 3, "{found:?}");
    // The redirect followed is one URL's: its final 403, not a diagnosis of the 301.
    assert_eq!(found[0].0, 403);
    assert_eq!(found[1].1, "http/connection-refused");
    assert_eq!(found[2].0, 429);
}

/// The summary after several calls counts every call the client made: those that
/// succeeded are not shown, but they are counted, and the first and last problem are
/// numbered by call.
#[test]
fn the_summary_of_several_calls_counts_the_ones_that_succeeded() {
    let (ok, scope, limit) = (
        url("/misc/ok"),
        url("/hacktron/scope"),
        url("/tumban/daily-limit"),
    );
    let w = wrapped(&[], &["curl", "-s", &ok, &scope, &ok, &limit], b"");
    let err = String::from_utf8_lossy(&w.stderr);
    let line = |name: &str| {
        err.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} line:\n{err}"))
            .to_owned()
    };
    assert_eq!(
        line("total "),
        "total     4 responses: 2 diagnosed, 0 warnings, 0 unrecognised, 2 succeeded"
    );
    assert!(line("first ").contains("response #2: 403"), "{err}");
    assert!(line("last ").contains("response #4: 429"), "{err}");
    assert_eq!(line("by status"), "by status 2xx 2, 4xx 2");
    if have("wget") {
        let w = wrapped(&[], &["wget", "-qO-", &ok, &scope], b"");
        let err = String::from_utf8_lossy(&w.stderr);
        assert!(
            err.contains("2 responses: 1 diagnosed, 0 warnings, 0 unrecognised, 1 succeeded"),
            "{err}"
        );
    }
}
