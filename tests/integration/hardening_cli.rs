//! Hardening of the command line: options before a subcommand, closed pipes, bounded
//! rule files, completion quoting, the name of standard input, rules keyed on literals
//! the index cannot use.

use crate::common;
use common::{apidiag, fixture, run_with};

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

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

/// A run with `APIDIAG_RULES` set, stopped after 10 s (an unbounded read would hang).
fn with_rules_env(rules: &std::path::Path, args: &[&str]) -> (String, i32) {
    let out = apidiag()
        .env("APIDIAG_RULES", rules)
        .args(args)
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (stderr, out.status.code().unwrap_or(-1))
}

fn rule_error(path: &std::path::Path, what: &str) -> (String, i32) {
    (
        format!("apidiag: error: rule file {}: {what}\n", path.display()),
        2,
    )
}

const NOT_REGULAR: &str =
    "not a regular file (a pipe, device or socket); name a rule file or a folder of them";

#[test]
fn a_fifo_named_as_rules_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("rules.json");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    assert_eq!(
        with_rules_env(&fifo, &["rules", "list"]),
        rule_error(&fifo, NOT_REGULAR)
    );
    // In a folder too, under a rule file's name.
    assert_eq!(
        with_rules_env(dir.path(), &["rules", "list"]),
        rule_error(&fifo, NOT_REGULAR)
    );
}

#[test]
fn a_device_named_as_rules_is_refused_without_reading_it() {
    let zero = std::path::Path::new("/dev/zero");
    assert_eq!(
        with_rules_env(zero, &["explain", "429"]),
        rule_error(zero, NOT_REGULAR)
    );
}

#[test]
fn a_rule_file_over_the_size_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    std::fs::File::create(&big)
        .unwrap()
        .set_len((4 << 20) + 1)
        .unwrap();
    assert_eq!(
        with_rules_env(&big, &["rules", "list"]),
        rule_error(&big, "larger than 4 MiB, the most a rule file may hold")
    );
}

#[test]
fn user_rule_files_are_bounded_together_in_bytes_files_and_rules() {
    let dir = tempfile::tempdir().unwrap();
    for n in 0..5 {
        let f = std::fs::File::create(dir.path().join(format!("{n}.json"))).unwrap();
        f.set_len(7 << 19).unwrap(); // 3.5 MiB: under the file limit, 17.5 MiB in all
    }
    assert_eq!(
        with_rules_env(dir.path(), &["rules", "list"]),
        rule_error(
            &dir.path().join("4.json"),
            "the user rule files hold more than 16 MiB together, the most apidiag reads"
        )
    );

    let many = tempfile::tempdir().unwrap();
    for n in 0..1001 {
        std::fs::write(many.path().join(format!("{n:04}.json")), "{}").unwrap();
    }
    assert_eq!(
        with_rules_env(many.path(), &["rules", "list"]),
        rule_error(
            many.path(),
            "more than 1000 rule files in the folder; apidiag reads at most that many"
        )
    );

    let rule = |n: usize| {
        format!(
            r#"{{"id": "acme/r{n}", "title": "Acme {n}", "when": {{"status": 418}}, "cause": "c", "fix": ["f"], "examples": {{"match": [{{"status": 418}}]}}}}"#
        )
    };
    let rules: Vec<String> = (0..10_001).map(rule).collect();
    let pack = format!(
        r#"{{"api": "acme", "name": "Acme API", "rules": [{}]}}"#,
        rules.join(",")
    );
    let file = temp_with(pack.as_bytes());
    assert_eq!(
        with_rules_env(file.path(), &["rules", "list"]),
        rule_error(
            file.path(),
            "more than 10000 user rules in all; apidiag compiles at most that many"
        )
    );
}

#[test]
fn completion_does_not_hang_on_a_rule_path_that_never_ends() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("rules.json");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for rules in [fifo.as_path(), std::path::Path::new("/dev/zero")] {
        let out = apidiag()
            .env("APIDIAG_RULES", rules)
            .env("COMPLETE", "bash")
            .env("_CLAP_IFS", "\n")
            .env("_CLAP_COMPLETE_INDEX", "2")
            .args(["--", "apidiag", "explain", "hacktron/estimation-not-r"])
            .timeout(Duration::from_secs(10))
            .output()
            .unwrap();
        assert_eq!(
            (
                String::from_utf8_lossy(&out.stdout).as_ref(),
                out.status.code()
            ),
            ("hacktron/estimation-not-ready", Some(0)),
            "{rules:?}"
        );
    }
}

/// What an interactive bash (on a terminal, through `script`) runs for each line of
/// `typed` after TAB: each line's words are printed one per line as `<word>`, so a file
/// name inserted unquoted shows as two words. `None` when bash or script is missing.
fn bash_tab_round_trip(dir: &std::path::Path, typed: &[&str]) -> Option<Vec<String>> {
    let have = |p: &str| Command::new(p).arg("--version").output().is_ok();
    if !(have("bash") && have("script")) {
        assert!(
            std::env::var_os("CI").is_none_or(|v| v != "true"),
            "bash and script are needed under CI"
        );
        eprintln!("skipped: bash or script (util-linux) is not installed");
        return None;
    }
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/apidiag.bash");
    let mut keys = format!("source '{}'\n", script.display());
    for line in typed {
        // TAB, then Ctrl-A and a printf before the completed words.
        keys.push_str(&format!("{line}\t\x01printf '<%s>\\n' \n"));
    }
    keys.push_str("exit\n");
    let bin_dir = std::path::Path::new(BIN).parent().unwrap();
    let mut child = Command::new("script")
        .args(["-qec", "bash --norc --noprofile -i", "/dev/null"])
        .current_dir(dir)
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
        .env("HOME", dir)
        .env("TERM", "dumb")
        .env("INPUTRC", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(keys.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let words = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.rsplit('\r').next().unwrap_or(l).trim_end().to_owned())
        .filter(|l| l.starts_with('<') && l.ends_with('>'))
        .collect();
    Some(words)
}

#[test]
fn bash_completes_a_file_name_with_a_space_quoted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("my response.txt"), "").unwrap();
    let Some(words) = bash_tab_round_trip(dir.path(), &["apidiag my", r"apidiag my\ r"]) else {
        return;
    };
    assert_eq!(
        words,
        [
            "<apidiag>",
            "<my response.txt>",
            "<apidiag>",
            "<my response.txt>"
        ]
    );
}

#[test]
fn standard_input_has_one_name_in_labels_summary_and_errors() {
    let run = run_with(
        &["--input-format", "ndjson"],
        "{\"status\":429,\"body\":{}}\n{\"status\":[]}\n",
    );
    assert_eq!(run.code, 2);
    let labels: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with('[') || l.starts_with("first") || l.starts_with("last"))
        .collect();
    assert_eq!(
        labels,
        [
            "[standard input:1] 429 Too Many Requests",
            "first     standard input:1, response #1: 429 http/status-429",
            "last      standard input:1, response #1: 429 http/status-429",
        ]
    );
    assert_eq!(
        run.stderr,
        "apidiag: error: standard input:2: `status` must be a number from 100 to 599 (0 or null: no response), got a list\n"
    );
    let har = run_with(&["--input-format", "har"], "[1");
    assert_eq!(har.code, 2);
    assert!(
        har.stderr
            .starts_with("apidiag: error: standard input: not a valid HAR"),
        "{}",
        har.stderr
    );
}

#[test]
fn rules_check_says_why_a_rule_keyed_on_short_or_non_ascii_text_was_not_tried() {
    let pack = |recognise: &str, request: &str| {
        format!(
            r#"{{"api": "acme", "name": "Acme API", {recognise} "rules": [
 {{"id": "acme/short-code", "title": "Acme E1", "when": {{"status": 400, "body": [{{"path": "$.code", "equals": "E1"}}]}},
  "cause": "c", "fix": ["f"], "examples": {{"match": [{{"status": 400, {request} "body": {{"code": "E1"}}}}]}}}},
 {{"id": "acme/accented", "title": "Acme erreur", "when": {{"status": 400, "body": [{{"path": "$.message", "contains": "déjà"}}]}},
  "cause": "c", "fix": ["f"], "examples": {{"match": [{{"status": 400, {request} "body": {{"message": "déjà vu"}}}}]}}}}
]}}"#
        )
    };
    let bare = temp_with(pack("", "").as_bytes());
    let path = bare.path().to_str().unwrap();
    let run = run_with(&["rules", "check", path], Vec::new());
    let why = "it matches as acme's (--api acme), but it has no text of 3 or more ASCII characters to be found by (shorter or non-ASCII text is not indexed), so it is tried only on responses recognised as acme's: add `recognise` to the pack and the request or header it names to the example, or test a longer ASCII text";
    assert_eq!(
        (run.code, run.stdout),
        (
            1,
            format!(
                "missing    acme/short-code\n           {path}: match example 1: did not match (http/status-400 won); {why}\n\
                 missing    acme/accented\n           {path}: match example 1: did not match (http/status-400 won); {why}\n\
                 2 rules: 0 validated, 2 with problems\n"
            )
        )
    );
    // What it says to do works.
    let recognised = temp_with(
        pack(
            r#""recognise": {"hosts": ["api.acme.example"]},"#,
            r#""request": {"url": "https://api.acme.example/v1/x"},"#,
        )
        .as_bytes(),
    );
    let run = run_with(
        &["rules", "check", recognised.path().to_str().unwrap()],
        Vec::new(),
    );
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            0,
            "validated  acme/short-code\nvalidated  acme/accented\n2 rules: 2 validated, 0 with problems\n"
        )
    );
}

fn readme() -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .unwrap()
}

/// The commands of the README's fenced block that follows `heading`.
fn block_after(readme: &str, heading: &str) -> Vec<String> {
    let section = readme
        .split(heading)
        .nth(1)
        .expect("the README has the heading");
    let block = section.split("```").nth(1).unwrap_or_default();
    block
        .lines()
        .skip(1)
        .map(|l| l.split("  #").next().unwrap().trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn the_readme_installs_locked_and_tries_the_installed_binary() {
    let readme = readme();
    let msrv = env!("CARGO_PKG_RUST_VERSION");
    assert!(
        readme.contains(&format!("apidiag needs Rust {msrv} or newer")),
        "the README states Cargo.toml's rust-version ({msrv:?})"
    );
    assert_eq!(
        block_after(&readme, "Then, in a clone of this repository:"),
        ["cargo install --locked --path ."]
    );
    let try_it = block_after(&readme, "## Try it\n");
    assert_eq!(
        try_it,
        ["apidiag tests/fixtures/transcripts/curl-i/hacktron-estimation-not-ready.txt"]
    );
    let words: Vec<&str> = try_it[0].split(' ').collect();
    let run = run_with(&words[1..], Vec::new());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
}

#[test]
fn the_readme_saves_the_man_page_where_man_looks_for_it() {
    // man-db looks next to each `bin` folder on PATH: ~/.cargo/bin is there once
    // rustup's installer ran, ~/.local/bin often is not.
    let commands = block_after(&readme(), "the environment and the exit\nstatus:");
    assert_eq!(
        &commands[..2],
        [
            "mkdir -p ~/.cargo/share/man/man1",
            "apidiag man > ~/.cargo/share/man/man1/apidiag.1",
        ]
    );
}
