//! NDJSON input against the schema the README documents, several inputs in one run,
//! `-` for standard input, and the exit codes of a batch. Which lines are good is
//! decided here, from the fixture, by a checker written from the README's table.

use crate::common;
use common::{apidiag, counting_reader, fixture};
use std::io;
use std::process::Output;

use apidiag::input::{InputOptions, Parsed, RecordError, read_input};
use apidiag::read::{Context, InputFormat};
use serde_json::Value;

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn opts() -> InputOptions {
    InputOptions {
        format: InputFormat::Auto,
        context: Context::default(),
        max_record: 64 << 20,
    }
}

fn read(text: &str, opts: &InputOptions) -> Vec<Result<Parsed, RecordError>> {
    let mut items = Vec::new();
    read_input(
        &mut io::Cursor::new(text.to_owned()),
        "t.ndjson",
        opts,
        &mut |i| {
            items.push(i);
            Ok(())
        },
    )
    .unwrap();
    items
}

fn is_strings(v: &Value) -> bool {
    v.is_string() || v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
}

fn headers_ok(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.values().all(is_strings),
        _ => false,
    }
}

fn opt_string(v: Option<&Value>) -> bool {
    v.is_none_or(|v| v.is_string() || v.is_null())
}

/// The README's NDJSON table, as a checker.
fn valid_record(line: &str) -> bool {
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(line) else {
        return false;
    };
    let status_ok = m
        .get("status")
        .is_none_or(|s| s.is_null() || s.as_u64().is_some_and(|n| n <= u16::MAX as u64));
    let request_ok = match m.get("request") {
        None | Some(Value::Null) => true,
        Some(Value::Object(r)) => {
            opt_string(r.get("method")) && opt_string(r.get("url")) && headers_ok(r.get("headers"))
        }
        _ => false,
    };
    status_ok
        && headers_ok(m.get("headers"))
        && request_ok
        && opt_string(m.get("time"))
        && opt_string(m.get("error"))
}

#[test]
fn every_good_line_is_diagnosed_and_every_bad_line_reported_with_its_number() {
    let file = fixture("ndjson/mixed.ndjson");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if valid_record(line) {
            &mut good
        } else {
            &mut bad
        }
        .push(i + 1);
    }
    assert!(good.len() >= 8 && bad.len() >= 5, "the fixture mixes both");

    let out = apidiag()
        .args(["--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unreadable record makes it 2"
    );
    let got: Vec<usize> = json_lines(&out)
        .iter()
        .map(|d| {
            assert_eq!(d["source"]["file"], file);
            d["source"]["line"].as_u64().unwrap() as usize
        })
        .collect();
    assert_eq!(got, good, "JSON mode: one line per record, in order");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let reported: Vec<usize> = stderr
        .lines()
        .map(|l| {
            let rest = l.strip_prefix(&format!("apidiag: error: {file}:")).unwrap();
            rest.split(':').next().unwrap().parse().unwrap()
        })
        .collect();
    assert_eq!(reported, bad, "{stderr}");

    // The summary counts the same lines.
    let out = apidiag()
        .args(["--format", "json", "--summary"])
        .arg(&file)
        .output()
        .unwrap();
    let s = &json_lines(&out)[0];
    assert_eq!(s["responses"], good.len());
    assert_eq!(s["unreadable"], bad.len());
}

#[test]
fn record_fields_follow_the_schema() {
    let text = std::fs::read_to_string(fixture("ndjson/mixed.ndjson")).unwrap();
    let items = read(&text, &opts());
    let by_line = |n: usize| -> &Parsed {
        items
            .iter()
            .flatten()
            .find(|p| p.source.as_ref().unwrap().line == Some(n))
            .unwrap()
    };
    // Line 1: array header values become repeated headers; a JSON body is the body.
    let p = by_line(1);
    let cookies: Vec<&str> = p
        .response
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v)
        .collect();
    assert_eq!(cookies, ["a=1", "b=2"]);
    assert_eq!(
        common::body_json(&p.response.body).unwrap()["request_id"],
        "req_8fae22c4"
    );
    assert_eq!(p.response.time.as_deref(), Some("2026-11-23T16:30:29Z"));
    // Line 2: a string body is the body text.
    let p = by_line(2);
    assert!(p.response.body.text().starts_with("{\"statusCode\":403"));
    assert_eq!(
        p.response.request.as_ref().unwrap().method.as_deref(),
        Some("POST")
    );
    // Line 3: no request.
    assert!(by_line(3).response.request.is_none());
    // Line 10: status null with an error is a transport failure.
    let p = by_line(10);
    assert_eq!(p.response.status, None);
    assert!(
        p.response
            .transport_error
            .as_deref()
            .unwrap()
            .contains("resolve host")
    );
}

#[test]
fn human_mode_prints_problems_and_counts_successes() {
    let file = fixture("ndjson/mixed.ndjson");
    let json = json_lines(
        &apidiag()
            .args(["--format", "json"])
            .arg(&file)
            .output()
            .unwrap(),
    );
    let out = apidiag().arg(&file).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut succeeded = 0;
    for d in &json {
        let line = d["source"]["line"].as_u64().unwrap();
        let tag = format!("[{file}:{line}]");
        let status = d["status"].as_u64();
        let problem = d["outcome"] == "warning" || status.is_none_or(|s| s >= 400);
        succeeded += usize::from(!problem);
        assert_eq!(text.contains(&tag), problem, "line {line}:\n{text}");
    }
    assert!(succeeded >= 2);
    assert!(
        text.contains(&format!("{succeeded} succeeded")),
        "the summary counts the successes:\n{text}"
    );
}

#[test]
fn the_readme_example_is_a_record_and_its_table_names_the_record_fields() {
    let readme = std::fs::read_to_string(fixture("../../README.md")).unwrap();
    let section = readme.split("## NDJSON input").nth(1).unwrap();
    let example = section
        .split("```json\n")
        .nth(1)
        .unwrap()
        .split("\n```")
        .next()
        .unwrap();
    let items = read(&format!("{example}\n{example}\n"), &opts());
    assert_eq!(items.len(), 2);
    let p = items[0].as_ref().unwrap();
    assert_eq!(p.response.status, Some(429));
    assert_eq!(
        p.response.headers.len(),
        3,
        "Retry-After and two Set-Cookie"
    );

    let table_fields: Vec<String> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .map(|l| l.split('`').next().unwrap().to_owned())
        .collect();
    let schema =
        serde_json::to_value(schemars::schema_for!(apidiag::input::record::Record)).unwrap();
    let mut props: Vec<String> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    props.sort();
    let mut table = table_fields.clone();
    table.sort();
    assert_eq!(table, props, "README NDJSON table vs the Record type");
}

#[test]
fn an_oversize_line_is_skipped_and_reading_goes_on() {
    let big = format!(r#"{{"status":500,"body":"{}"}}"#, "x".repeat(4000));
    let text =
        format!("{{\"status\":404,\"body\":{{}}}}\n{big}\n{{\"status\":403,\"body\":{{}}}}\n");
    let small = InputOptions {
        max_record: 1000,
        ..opts()
    };
    let items = read(&text, &small);
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[2].is_ok());
    let e = items[1].as_ref().unwrap_err();
    assert_eq!(e.at.line, Some(2));
    assert!(e.message.contains("larger than"), "{e}");
}

/// Records are handed on as their line is read: memory stays one line deep.
#[test]
fn records_are_handed_on_line_by_line() {
    let n = 5000;
    let mut text = String::new();
    let mut ends = Vec::new();
    for i in 0..n {
        text.push_str(&format!(
            "{{\"status\":429,\"headers\":{{\"Retry-After\":\"{i}\"}},\"body\":{{\"error\":\"rate_limited\"}}}}\n"
        ));
        ends.push(text.len());
    }
    const BUF: usize = 8 << 10;
    let (mut reader, taken) = counting_reader(&text, BUF);
    let mut seen = 0;
    read_input(&mut reader, "big.ndjson", &opts(), &mut |item: Result<
        Parsed,
        _,
    >| {
        let p = item.unwrap();
        let line = p.source.unwrap().line.unwrap();
        assert!(taken.get() <= ends[line - 1] + BUF, "line {line}");
        seen += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, n);
}

/// `{"status":411}` alone could be a JSON body; followed by another record it is the
/// first record of a log, also when a pipe delivers the input a few bytes at a time.
#[test]
fn a_first_record_with_only_a_status_starts_a_log() {
    let text = "{\"status\":411}\n{\"status\":429,\"body\":{\"error\":\"rate_limited\"}}\n";
    for buf in [3, 16, 8 << 10] {
        let (mut reader, _) = counting_reader(text, buf);
        let mut statuses = Vec::new();
        read_input(&mut reader, "-", &opts(), &mut |item: Result<Parsed, _>| {
            statuses.push(item.unwrap().response.status);
            Ok(())
        })
        .unwrap();
        assert_eq!(
            statuses,
            [Some(411), Some(429)],
            "read {buf} bytes at a time"
        );
    }
    let alone = read("{\"status\":411}\n", &opts());
    assert_eq!(alone.len(), 1);
    let source = alone[0].as_ref().unwrap().source.as_ref().unwrap();
    assert_eq!(source.line, None, "a single body, not a record");
}

/// `tail -f log | apidiag`: each diagnosis is written while the input is still open.
#[test]
fn a_stream_shows_each_diagnosis_as_its_record_arrives() {
    use std::io::{BufRead, Write};
    use std::process::{Command, Stdio};
    use std::time::Duration;
    let mut child = Command::new(env!("CARGO_BIN_EXE_apidiag"))
        .args(["--format", "json"])
        .env("HOME", env!("CARGO_MANIFEST_DIR"))
        .env_remove("APIDIAG_RULES")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in io::BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    let wait = Duration::from_secs(30);
    for status in [429, 500] {
        writeln!(
            stdin,
            "{{\"status\":{status},\"body\":{{\"error\":\"x\"}}}}"
        )
        .unwrap();
        stdin.flush().unwrap();
        let line = rx.recv_timeout(wait).unwrap_or_else(|_| {
            panic!("no diagnosis of the {status} record while the input is open")
        });
        assert!(line.contains(&format!("\"status\":{status}")), "{line}");
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

// ---------------------------------------------------------------- several inputs

#[test]
fn several_files_and_stdin_in_one_run() {
    let har = fixture("har/playwright-chromium.har");
    let nd = fixture("ndjson/mixed.ndjson");
    let single = fixture("transcripts/curl-i/hacktron-scope.txt");
    let stdin = std::fs::read(fixture("transcripts/curl-i/tumban-daily-limit.txt")).unwrap();
    let out = apidiag()
        .args(["--format", "json"])
        .arg(&har)
        .arg("-")
        .arg(&single)
        .arg(&nd)
        .write_stdin(stdin)
        .output()
        .unwrap();
    let ds = json_lines(&out);
    let har_n = serde_json::from_str::<Value>(&std::fs::read_to_string(&har).unwrap()).unwrap()
        ["log"]["entries"]
        .as_array()
        .unwrap()
        .len();
    let nd_text = std::fs::read_to_string(&nd).unwrap();
    let nd_n = nd_text.lines().filter(|l| valid_record(l)).count();
    assert_eq!(ds.len(), har_n + 1 + 1 + nd_n);
    // In order: the HAR, stdin (no source), the single file, the NDJSON lines.
    assert!(ds[..har_n].iter().all(|d| d["source"]["file"] == har));
    assert!(ds[har_n]["source"].is_null(), "stdin has no source");
    assert_eq!(ds[har_n]["rule"], "tumban/daily-scan-limit");
    assert_eq!(ds[har_n + 1]["source"]["file"], single);
    assert!(ds[har_n + 2..].iter().all(|d| d["source"]["file"] == nd));
    assert_eq!(out.status.code(), Some(2), "the NDJSON file has bad lines");

    // Human: single responses in full, labelled; one summary for the whole run.
    let out = apidiag()
        .arg(&single)
        .arg(&har)
        .arg("-")
        .write_stdin(std::fs::read(fixture("transcripts/curl-i/tumban-daily-limit.txt")).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!("── {single}")), "{text}");
    assert_eq!(text.matches("\nSummary\n").count(), 1);
    assert!(
        text.lines()
            .any(|l| l.starts_with("total") && l.contains(&format!(" {} responses", har_n + 2))),
        "{text}"
    );
}

#[test]
fn a_missing_file_is_reported_and_the_others_still_diagnosed() {
    let out = apidiag()
        .args(["--format", "json", "/nonexistent/x.har"])
        .arg(fixture("transcripts/curl-i/hacktron-scope.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_lines(&out).len(), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.har"));
}

#[test]
fn json_mode_prints_no_summary_and_single_responses_none_either() {
    let out = apidiag()
        .args(["--format", "json"])
        .arg(fixture("ndjson/mixed.ndjson"))
        .output()
        .unwrap();
    assert!(json_lines(&out).iter().all(|d| d.get("outcome").is_some()));

    let out = apidiag()
        .arg(fixture("transcripts/curl-i/hacktron-scope.txt"))
        .output()
        .unwrap();
    assert!(!String::from_utf8(out.stdout).unwrap().contains("Summary"));
}

#[test]
fn no_progress_indicator_when_stderr_is_not_a_terminal() {
    let out = apidiag()
        .arg(fixture("ndjson/mixed.ndjson"))
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        !stderr.contains('\r') && !stderr.contains("responses read"),
        "{stderr}"
    );
}
