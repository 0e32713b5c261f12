//! Inputs that start oddly: a UTF-8 byte-order mark before any form (Windows tools
//! write one), and a log whose first line is not a record (cut by `tail -c` or a
//! rotation, a logger's startup line, a record nested too deep to sniff). Every case is
//! a real fixture with its head changed, read on one thread and on several.

use crate::common;
use common::{Run, counting_reader, fixture, run_file, run_with};

use apidiag::input::{InputOptions, Parsed, read_input};
use apidiag::read::{Context, InputFormat};

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
        lines.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(String::from),
        );
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
    let path = file.path().to_str().unwrap().to_owned();
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
        let forced = run_with(
            &["--input-format", "har", "--format", "json"],
            bom(&bytes(har)),
        );
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

fn cr_only(log: &[u8]) -> Vec<u8> {
    log.iter()
        .map(|&b| if b == b'\n' { b'\r' } else { b })
        .collect()
}

#[test]
fn a_log_with_old_mac_line_endings_is_read_record_by_record() {
    let log = bytes("documented/blazeauth.ndjson");
    let plain = run_with(&["--format", "json"], log.clone());
    let r = run_with(&["--format", "json"], cr_only(&bom(&log)));
    r.diagnosis("CR-only log");
    assert_eq!(r.stdout, plain.stdout);
    let (big, records) = big_log();
    let (r, _) = on_threads(&["--format", "json"], &cr_only(&big));
    r.diagnosis("a big CR-only log");
    assert_eq!(r.json_lines().len(), records);
}

/// The log `tail -c` leaves: its first line is the end of a record.
#[test]
fn a_log_cut_inside_its_first_line_is_still_a_log() {
    let log = bytes("documented/blazeauth.ndjson");
    let r = run_with(&["--format", "json"], log[30..].to_vec());
    assert_eq!(r.code, 2, "the cut line is unreadable");
    assert_eq!(lines_of(&r), (2..=25).collect::<Vec<_>>());
    assert_eq!(
        r.stderr,
        "apidiag: error: standard input:1: not JSON: expected value at column 1\n"
    );
}

#[test]
fn a_big_log_cut_inside_its_first_line_is_the_same_on_every_thread_count() {
    let (log, records) = big_log();
    let cut = memchr_newline(&log) / 2;
    let (r, path) = on_threads(&["--format", "json"], &log[cut..]);
    assert_eq!(r.code, 2);
    assert_eq!(lines_of(&r), (2..=records as u64).collect::<Vec<_>>());
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with(&format!("apidiag: error: {path}:1: not JSON: ")),
        "{}",
        r.stderr
    );
}

fn memchr_newline(bytes: &[u8]) -> usize {
    bytes.iter().position(|b| *b == b'\n').unwrap()
}

const STARTUP: &str = "2026-11-23T16:29:00Z INFO logger started, writing responses to stdout\n";
const STARTUP_UNREADABLE: &str = "1: not an NDJSON response record: a record is a JSON object ({\"status\": …, \"headers\": {…}, \"body\": …})\n";

#[test]
fn a_startup_line_before_the_records_is_skipped_and_reported() {
    let log = [STARTUP.as_bytes(), &bytes("documented/blazeauth.ndjson")].concat();
    let r = run_with(&["--format", "json"], log);
    assert_eq!(r.code, 2);
    assert_eq!(lines_of(&r), (2..=26).collect::<Vec<_>>());
    assert_eq!(
        r.stderr,
        format!("apidiag: error: standard input:{STARTUP_UNREADABLE}")
    );
}

#[test]
fn a_startup_line_before_a_big_log_is_the_same_on_every_thread_count() {
    let (log, records) = big_log();
    let log = [STARTUP.as_bytes(), &log].concat();
    let (r, path) = on_threads(&["--format", "json"], &log);
    assert_eq!(r.code, 2);
    assert_eq!(r.json_lines().len(), records);
    assert_eq!(
        r.stderr,
        format!("apidiag: error: {path}:{STARTUP_UNREADABLE}")
    );
}

/// A pipe that delivers a few bytes at a time decides as a file does, and does not
/// wait for the end of the stream once most of the first lines are records.
#[test]
fn a_startup_line_is_told_apart_whatever_a_pipe_delivers_at_a_time() {
    let log = String::from_utf8(bytes("documented/blazeauth.ndjson")).unwrap();
    let text = format!("{STARTUP}{log}");
    let opts = InputOptions {
        format: InputFormat::Auto,
        context: Context::default(),
        max_record: 64 << 20,
    };
    let ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
    for buf in [7, 100, 8 << 10] {
        let (mut reader, taken) = counting_reader(&text, buf);
        let mut lines = Vec::new();
        let mut first_at = None;
        read_input(&mut reader, "-", &opts, &mut |item: Result<Parsed, _>| {
            first_at.get_or_insert(taken.get());
            lines.push(item.map_or(1, |p| p.source.unwrap().line.unwrap()));
            Ok(())
        })
        .unwrap();
        assert_eq!(lines, (1..=26).collect::<Vec<_>>(), "{buf} bytes at a time");
        // Five records of the first eight lines settle it.
        assert!(first_at.unwrap() <= ends[5] + buf, "{buf} bytes at a time");
    }
}

#[test]
fn a_first_record_nested_too_deep_to_sniff_starts_a_log() {
    let log = bytes("documented/blazeauth.ndjson");
    let first = std::str::from_utf8(&log[..memchr_newline(&log)]).unwrap();
    let deep = format!(
        "{{\"status\":500,\"body\":{}{first}{}}}\n",
        "[".repeat(130),
        "]".repeat(130)
    );
    let r = run_with(&["--format", "json"], [deep.as_bytes(), &log].concat());
    r.diagnosis("a deep first record");
    assert_eq!(lines_of(&r), (1..=26).collect::<Vec<_>>());
    assert_eq!(r.json_lines()[0]["status"], 500);
}

/// A first record longer than the sniffed head (a 503 carrying a 100 KB HTML page): the
/// log is still read record by record, from a file or a pipe.
#[test]
fn a_first_record_longer_than_the_sniffed_head_starts_a_log() {
    let page = format!(
        "<!DOCTYPE html><html><body>{}</body></html>",
        "x".repeat(100_000)
    );
    let first = serde_json::json!({"status": 503, "body": page});
    let next = r#"{"status":429,"headers":{"Retry-After":"5"},"body":{"message":"slow down"}}"#;
    let log = format!("{first}\n{}", format!("{next}\n").repeat(3));
    let file = temp(log.as_bytes());
    let runs = [
        run_file(&["--format", "json"], file.path()),
        run_with(&["--format", "json"], log.clone()),
    ];
    for r in runs {
        r.diagnosis("a log with a long first record");
        let statuses: Vec<_> = r.json_lines().iter().map(|d| d["status"].clone()).collect();
        assert_eq!(statuses, [503, 429, 429, 429]);
        assert_eq!(lines_of(&r), [1, 2, 3, 4]);
    }
}

/// Six lines of a banner, then two records: not most of the first lines, so a body;
/// but the diagnosis says the input looks like a log, and how to read it as one.
#[test]
fn a_log_read_as_a_body_says_so() {
    let log = bytes("documented/blazeauth.ndjson");
    let two = log
        .split_inclusive(|b| *b == b'\n')
        .take(2)
        .collect::<Vec<_>>()
        .concat();
    let input = [STARTUP.repeat(6).as_bytes(), &two].concat();
    let r = run_with(&["--format", "json"], input.clone());
    r.diagnosis("a banner and two records");
    let diagnoses = r.json_lines();
    assert_eq!(diagnoses.len(), 1, "one body");
    assert_eq!(
        diagnoses[0]["notes"][0],
        "2 of the first 8 lines are NDJSON response records, but the input was read as one body; give --input-format ndjson to read it record by record"
    );
    let forced = run_with(&["--input-format", "ndjson", "--format", "json"], input);
    assert_eq!(lines_of(&forced), [7, 8]);
    assert_eq!(forced.stderr.lines().count(), 6, "{}", forced.stderr);
}

#[test]
fn a_single_line_json_body_is_still_a_body() {
    let log = bytes("documented/blazeauth.ndjson");
    let first = &log[..=memchr_newline(&log)];
    let body: serde_json::Value = serde_json::from_slice(first).unwrap();
    let body = serde_json::to_vec(&body["body"]).unwrap();
    for input in [body.clone(), [&body[..], b"\n"].concat(), bom(&body)] {
        let r = run_with(&["--status", "400", "--format", "json"], input);
        r.diagnosis("a JSON body");
        let d = &r.json_lines()[0];
        assert_eq!(d["source"], serde_json::Value::Null, "not a record");
        let notes = d["notes"].as_array().unwrap();
        assert!(
            notes
                .iter()
                .all(|n| !n.as_str().unwrap().contains("NDJSON")),
            "no hint that it is a log: {notes:?}"
        );
    }
}

#[test]
fn bom_only_and_bom_then_blank_are_empty() {
    for input in [BOM.to_vec(), bom(b"\n\n")] {
        run_with(&[], input).one_line_error("only a BOM");
    }
}
