//! Hardening of the command line: options before a subcommand, closed pipes, bounded
//! rule files, completion quoting, the name of standard input, rules keyed on literals
//! the index cannot use.

mod common;
use common::{fixture, run_with};

use std::io::{Read, Write};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_apidiag");

/// The binary's stderr and exit code for `args`, with nothing on stdin.
fn fails(args: &[&str]) -> (String, i32) {
    let run = run_with(args, Vec::new());
    (run.stderr, run.code)
}

#[test]
fn every_diagnose_option_before_a_subcommand_is_refused() {
    let refused = |args: &[&str], name: &str| {
        let (stderr, code) = fails(args);
        assert_eq!(
            (stderr.as_str(), code),
            (
                format!(
                    "apidiag: error: {name} applies to diagnosing responses, not to a subcommand; put it after the subcommand if it has one, or drop it\n"
                )
                .as_str(),
                2
            ),
            "{args:?}"
        );
    };
    refused(
        &["--max-input-size", "1K", "rules", "list"],
        "--max-input-size",
    );
    refused(&["--status", "400", "explain", "429"], "--status");
    // The default value, given explicitly, is still an option that does nothing here.
    refused(&["--format", "human", "man"], "--format");
    refused(&["-j", "2", "rules", "check"], "--threads");
}

#[test]
fn global_options_still_work_before_a_subcommand() {
    let run = run_with(
        &["--color", "never", "rules", "list", "--api", "wasviking"],
        Vec::new(),
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert!(run.stdout.starts_with("wasviking/"), "{}", run.stdout);
}

/// Run apidiag on `stdin` (a file), close its stdout after reading `keep` bytes, and
/// return its exit code and stderr.
fn close_after(args: &[&str], stdin: std::fs::File, keep: usize) -> (i32, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("APIDIAG_RULES")
        .env("HOME", env!("CARGO_MANIFEST_DIR"))
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut got = vec![0; keep];
    out.read_exact(&mut got).unwrap();
    drop(out);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap().code().unwrap_or(-1), stderr)
}

fn temp_with(text: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text).unwrap();
    f
}

#[test]
fn a_closed_pipe_keeps_the_status_of_a_success() {
    // A success only: nothing to diagnose (1), even when the reader stopped at once.
    let input = std::fs::File::open(fixture("transcripts/curl-i/ok-200.txt")).unwrap();
    assert_eq!(close_after(&[], input, 0), (1, String::new()));
}

#[test]
fn a_closed_pipe_mid_batch_keeps_the_status_so_far() {
    // Far more output than a pipe holds, so the writes after the first byte fail.
    let ok = r#"{"status":200,"body":{"id":"scan_1","status":"queued"}}"#;
    let successes = format!("{ok}\n").repeat(20_000);
    let input = temp_with(successes.as_bytes()).reopen().unwrap();
    assert_eq!(
        close_after(&["--format", "json"], input, 1),
        (1, String::new())
    );
    let failures = successes.replace("200", "500");
    let input = temp_with(failures.as_bytes()).reopen().unwrap();
    assert_eq!(
        close_after(&["--format", "json"], input, 1),
        (0, String::new())
    );
}

#[test]
fn a_closed_pipe_keeps_the_status_of_rules_check() {
    let noisy = temp_with(NOISY_RULE.as_bytes());
    let path = noisy.path().to_str().unwrap();
    let devnull = std::fs::File::open("/dev/null").unwrap();
    assert_eq!(
        close_after(&["rules", "check", path], devnull, 0),
        (1, String::new())
    );
}

/// A rule whose must-not-match example matches: `rules check` calls it noisy (exit 1).
const NOISY_RULE: &str = r#"{"api": "acme", "name": "Acme API", "rules": [{
  "id": "acme/teapot", "title": "Acme teapot",
  "when": {"status": 418},
  "cause": "A teapot.", "fix": ["Use a kettle."],
  "examples": {"match": [{"status": 418, "body": "x"}], "no_match": [{"status": 418, "body": "y"}]}
}]}"#;
