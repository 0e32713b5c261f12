//! Inputs that start oddly: a UTF-8 byte-order mark before any form (Windows tools
//! write one), and a log whose first line is not a record (cut by `tail -c` or a
//! rotation, a logger's startup line, a record nested too deep to sniff). Every case is
//! a real fixture with its head changed, read on one thread and on several.

mod common;
use common::{Run, fixture, run_file, run_with};

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn bytes(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap()
}

fn bom(input: &[u8]) -> Vec<u8> {
    [BOM, input].concat()
}

fn temp(input: &[u8]) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), input).unwrap();
    file
}

/// The records of every documented log, repeated past the size at which workers start
/// (1 MiB); and how many records it holds.
fn big_log() -> (Vec<u8>, usize) {
    let mut names: Vec<_> = std::fs::read_dir(fixture("documented"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let mut lines = Vec::new();
    for name in names {
        let text = std::fs::read_to_string(name).unwrap();
        lines.extend(text.lines().filter(|l| !l.trim().is_empty()).map(String::from));
    }
    let mut log = String::new();
    let mut count = 0;
    while log.len() <= 1 << 20 {
        log.push_str(&lines[count % lines.len()]);
        log.push('\n');
        count += 1;
    }
    (log.into_bytes(), count)
}

/// `input` as a file, read with `-j 1`, `-j 2` and `-j 3`: the same output, messages
/// and exit code each time; the one-thread run.
fn on_threads(args: &[&str], input: &[u8]) -> (Run, String) {
    let file = temp(input);
    let path = file.path().to_str().unwrap().to_string();
    let run = |threads: &str| run_file(&[&["-j", threads], args].concat(), file.path());
    let one = run("1");
    one.no_panic("-j 1");
    for threads in ["2", "3"] {
        let many = run(threads);
        assert!(many.stdout == one.stdout, "output, -j {threads}");
        assert_eq!(many.stderr, one.stderr, "messages, -j {threads}");
        assert_eq!(many.code, one.code, "exit code, -j {threads}");
    }
    (one, path)
}

/// The line each diagnosis of a `--format json` run came from.
fn lines_of(run: &Run) -> Vec<u64> {
    run.json_lines()
        .iter()
        .map(|d| d["source"]["line"].as_u64().unwrap())
        .collect()
}

#[test]
fn a_bom_before_a_har_is_read_like_the_har() {
    for har in ["har/playwright-omit.har", "har/devtools-style.har"] {
        let plain = run_with(&["--format", "json"], bytes(har));
        plain.diagnosis(har);
        let marked = run_with(&["--format", "json"], bom(&bytes(har)));
        marked.diagnosis(har);
        assert_eq!(marked.stdout, plain.stdout, "{har} on standard input");
        assert_eq!(marked.code, plain.code);
        let forced = run_with(&["--input-format", "har", "--format", "json"], bom(&bytes(har)));
        assert_eq!(forced.stdout, plain.stdout, "{har} with --input-format har");
        let file = temp(&bom(&bytes(har)));
        let from_file = run_file(&["--format", "json"], file.path());
        from_file.diagnosis(har);
        assert_eq!(from_file.json_lines().len(), plain.json_lines().len());
    }
}

#[test]
fn a_bom_before_a_log_keeps_its_first_line() {
    let log = bytes("documented/blazeauth.ndjson");
    let plain = run_with(&["--format", "json"], log.clone());
    let marked = run_with(&["--format", "json"], bom(&log));
    marked.diagnosis("a log with a BOM");
    assert_eq!(marked.stdout, plain.stdout);
    assert_eq!(lines_of(&marked), (1..=25).collect::<Vec<_>>());
    let forced = run_with(&["--input-format", "ndjson", "--format", "json"], bom(&log));
    assert_eq!(forced.stdout, plain.stdout, "with --input-format ndjson");
}

#[test]
fn a_bom_before_a_big_log_is_the_same_on_every_thread_count() {
    let (log, records) = big_log();
    let (plain, plain_path) = on_threads(&["--format", "json"], &log);
    let (marked, marked_path) = on_threads(&["--format", "json"], &bom(&log));
    marked.diagnosis("a big log with a BOM");
    assert_eq!(marked.json_lines().len(), records);
    assert!(
        marked.stdout.replace(&marked_path, "LOG") == plain.stdout.replace(&plain_path, "LOG"),
        "the BOM changes nothing"
    );
}

#[test]
fn a_bom_before_a_transcript_or_a_body_changes_nothing() {
    for rel in [
        "transcripts/curl-i/problem-json-403.txt",
        "transcripts/curl-v/ok-200.txt",
        "transcripts/curl-s/ok-200.txt",
        "transcripts/httpie-v/ok-200.txt",
        "transcripts/wget-S/ok-200.txt",
    ] {
        let Ok(input) = std::fs::read(fixture(rel)) else {
            panic!("{rel}: no such fixture");
        };
        let plain = run_with(&["--format", "json"], input.clone());
        let marked = run_with(&["--format", "json"], bom(&input));
        marked.diagnosis(rel);
        assert_eq!(marked.stdout, plain.stdout, "{rel}");
    }
}

#[test]
fn a_log_with_old_mac_line_endings_is_read_record_by_record() {
    let log = bytes("documented/blazeauth.ndjson");
    let cr: Vec<u8> = bom(&log)
        .iter()
        .map(|&b| if b == b'\n' { b'\r' } else { b })
        .collect();
    let plain = run_with(&["--format", "json"], log);
    let r = run_with(&["--format", "json"], cr);
    r.diagnosis("CR-only log");
    assert_eq!(r.stdout, plain.stdout);
}

#[test]
fn bom_only_and_bom_then_blank_are_empty() {
    for input in [BOM.to_vec(), bom(b"\n\n")] {
        run_with(&[], input).one_line_error("only a BOM");
    }
}
