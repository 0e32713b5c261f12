//! HAR input, on real recordings (see tests/fixtures/har/capture/README.md): every
//! entry is read in order, errors and flagged successes are diagnosed, plain
//! successes are only counted, and the summary's counts match what the fixture holds.
//! Expected values are computed here from the fixture itself, parsed with serde_json.

use crate::common;
use common::{apidiag, counting_reader};
use std::io::{self, BufRead, BufReader};
use std::path::Path;
use std::process::Output;

use apidiag::input::{InputOptions, Parsed, ReadFailure, RecordError, read_input};
use apidiag::read::{Context, InputFormat};
use apidiag::response::Note;
use apidiag::rules::RuleSet;
use apidiag::rules::diagnose::Options;
use base64::Engine as _;
use serde_json::Value;

const HARS: &[&str] = &[
    "playwright-chromium.har",
    "playwright-omit.har",
    "playwright-base64.har",
    "devtools-style.har",
];

fn path(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/har")
        .join(name)
        .display()
        .to_string()
}

fn har(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path(name)).unwrap()).unwrap()
}

fn entries(h: &Value) -> &Vec<Value> {
    h["log"]["entries"].as_array().unwrap()
}

fn opts() -> InputOptions {
    InputOptions {
        format: InputFormat::Auto,
        context: Context::default(),
        max_record: 64 << 20,
    }
}

/// Everything the reader hands on for `reader`.
fn read_all(
    reader: &mut dyn BufRead,
    opts: &InputOptions,
) -> (Vec<Result<Parsed, RecordError>>, Result<(), ReadFailure>) {
    let mut items = Vec::new();
    let r = read_input(reader, "x.har", opts, &mut |item| {
        items.push(item);
        Ok(())
    });
    (items, r)
}

fn read_fixture(name: &str) -> Vec<Parsed> {
    let mut reader = BufReader::new(std::fs::File::open(path(name)).unwrap());
    let (items, r) = read_all(&mut reader, &opts());
    r.unwrap();
    items.into_iter().map(|i| i.unwrap()).collect()
}

fn status_of(e: &Value) -> i64 {
    e["response"]["status"].as_i64().unwrap()
}

fn is_error_entry(e: &Value) -> bool {
    let s = status_of(e);
    s >= 400 || s <= 0
}
/// The `--format json` lines for one HAR fixture.
fn json_of(name: &str) -> Vec<Value> {
    lines(
        &apidiag()
            .args(["--format", "json"])
            .arg(path(name))
            .output()
            .unwrap(),
    )
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn every_entry_becomes_a_response_with_its_request_status_and_time() {
    for name in HARS {
        let h = har(name);
        let parsed = read_fixture(name);
        assert_eq!(parsed.len(), entries(&h).len(), "{name}");
        for (i, (p, e)) in parsed.iter().zip(entries(&h)).enumerate() {
            let at = format!("{name} entry {i}");
            let src = p.source.as_ref().unwrap();
            assert_eq!((src.entry, src.line), (Some(i), None), "{at}");
            let status = status_of(e);
            if status > 0 {
                assert_eq!(p.response.status, Some(status as u16), "{at}");
                assert!(p.response.transport_error.is_none(), "{at}");
            } else {
                assert_eq!(p.response.status, None, "{at}");
                let err = p.response.transport_error.as_deref().unwrap();
                let recorded = e["response"]["_error"]
                    .as_str()
                    .or(e["response"]["_failureText"].as_str())
                    .unwrap();
                assert_eq!(err, recorded, "{at}");
            }
            let req = p.response.request.as_ref().unwrap();
            assert_eq!(
                req.method.as_deref(),
                e["request"]["method"].as_str(),
                "{at}"
            );
            assert_eq!(req.url.as_deref(), e["request"]["url"].as_str(), "{at}");
            assert_eq!(
                req.headers.len(),
                e["request"]["headers"].as_array().unwrap().len(),
                "{at}"
            );
            assert_eq!(
                p.response.headers.len(),
                e["response"]["headers"].as_array().unwrap().len(),
                "{at}"
            );
            assert_eq!(
                p.response.time.as_deref(),
                e["startedDateTime"].as_str(),
                "{at}"
            );
        }
    }
}

#[test]
fn bodies_are_decoded_or_reported_missing_never_guessed() {
    let mut base64_seen = 0;
    let mut missing_seen = 0;
    for name in HARS {
        let h = har(name);
        for (i, (p, e)) in read_fixture(name).iter().zip(entries(&h)).enumerate() {
            let at = format!("{name} entry {i}");
            let content = &e["response"]["content"];
            let missing = p.response.notes.contains(&Note::BodyMissing);
            match content["text"].as_str() {
                None if status_of(e) <= 0 => {
                    assert!(!missing, "{at}: a failed request has no body to miss");
                    assert!(p.response.body.bytes().is_empty(), "{at}");
                }
                None => {
                    missing_seen += 1;
                    assert!(missing, "{at}: no content.text must say so");
                    assert!(p.response.body.bytes().is_empty(), "{at}");
                }
                Some(text) if content["encoding"] == "base64" => {
                    base64_seen += 1;
                    let want = base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .unwrap();
                    assert_eq!(p.response.body.bytes(), &want[..], "{at}");
                    assert!(!missing, "{at}");
                }
                Some(text) => {
                    assert_eq!(p.response.body.bytes(), text.as_bytes(), "{at}");
                    assert!(!missing, "{at}");
                }
            }
        }
    }
    assert!(base64_seen >= 2, "the fixtures hold base64 bodies");
    assert!(missing_seen >= 15, "the omit recording has no bodies");
}

#[test]
fn a_binary_body_stored_base64_is_decoded_to_its_bytes() {
    let h = har("playwright-base64.har");
    let (i, e) = entries(&h)
        .iter()
        .enumerate()
        .find(|(_, e)| {
            e["request"]["url"]
                .as_str()
                .unwrap()
                .ends_with("/extra/binary-error")
        })
        .unwrap();
    assert_eq!(e["response"]["content"]["encoding"], "base64");
    let parsed = read_fixture("playwright-base64.har");
    let body = parsed[i].response.body.bytes();
    assert_eq!(body, b"\x00\x01\xff\xfeERR\x80\n");
    assert!(std::str::from_utf8(body).is_err(), "the body is not UTF-8");
}

/// The JSON lines, and the summary, of each fixture agree with the fixture itself.
#[test]
fn json_mode_gives_one_line_per_entry_and_the_summary_counts_the_fixture() {
    for name in HARS {
        let h = har(name);
        let es = entries(&h);
        let out = apidiag()
            .args(["--format", "json"])
            .arg(path(name))
            .output()
            .unwrap();
        assert!(
            out.stderr.is_empty(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ds = lines(&out);
        assert_eq!(ds.len(), es.len(), "{name}: one line per entry");
        for (i, (d, e)) in ds.iter().zip(es).enumerate() {
            assert_eq!(d["source"]["entry"], i, "{name}");
            assert_eq!(d["source"]["file"], path(name), "{name}");
            let s = status_of(e);
            if s > 0 {
                assert_eq!(d["status"], s, "{name} entry {i}");
            } else {
                assert!(d["status"].is_null());
            }
            assert_eq!(d["time"], e["startedDateTime"], "{name} entry {i}");
            if is_error_entry(e) {
                assert_ne!(d["outcome"], "success", "{name} entry {i}");
            }
        }

        let out = apidiag()
            .args(["--format", "json", "--summary"])
            .arg(path(name))
            .output()
            .unwrap();
        let all = lines(&out);
        assert_eq!(all.len(), 1, "{name}: --summary prints ONE object");
        let s = &all[0];
        assert_eq!(s["responses"], es.len());
        assert_eq!(s["unreadable"], 0);
        let errors = es.iter().filter(|e| is_error_entry(e)).count();
        let warnings = ds.iter().filter(|d| d["outcome"] == "warning").count();
        assert_eq!(s["warnings"], warnings, "{name}");
        assert_eq!(s["succeeded"], es.len() - errors - warnings, "{name}");
        assert_eq!(
            s["diagnosed"].as_u64().unwrap() + s["unrecognised"].as_u64().unwrap(),
            errors as u64,
            "{name}"
        );
        // Status classes, straight from the fixture.
        let mut classes = std::collections::BTreeMap::<String, u64>::new();
        for e in es {
            let st = status_of(e);
            let k = if st > 0 {
                format!("{}xx", st / 100)
            } else {
                "no response".into()
            };
            *classes.entry(k).or_default() += 1;
        }
        let got: std::collections::BTreeMap<String, u64> =
            serde_json::from_value(s["status_classes"].clone()).unwrap();
        assert_eq!(got, classes, "{name}");
        // Per rule: the lines of the problems, counted.
        let mut rules = std::collections::BTreeMap::<String, u64>::new();
        for (d, e) in ds.iter().zip(es) {
            if let Some(r) = d["rule"].as_str()
                && (is_error_entry(e) || d["outcome"] == "warning")
            {
                *rules.entry(r.to_owned()).or_default() += 1;
            }
        }
        let got: std::collections::BTreeMap<String, u64> = s["rules"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v["count"].as_u64().unwrap()))
            .collect();
        assert_eq!(got, rules, "{name}");
        // First and last problem: the earliest and latest startedDateTime of a problem.
        let problem_times: Vec<&str> = ds
            .iter()
            .zip(es)
            .filter(|(d, e)| is_error_entry(e) || d["outcome"] == "warning")
            .map(|(_, e)| e["startedDateTime"].as_str().unwrap())
            .collect();
        let min = problem_times.iter().min().unwrap();
        let max = problem_times.iter().max().unwrap();
        assert_eq!(s["first"]["time"], *min, "{name}");
        assert_eq!(s["last"]["time"], *max, "{name}");
        assert_eq!(s["first"]["source"]["file"], path(name));
    }
}

#[test]
fn human_mode_prints_each_problem_once_then_the_summary() {
    for name in HARS {
        let h = har(name);
        let es = entries(&h);
        let json = json_of(name);
        let out = apidiag().arg(path(name)).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        for (i, (e, d)) in es.iter().zip(&json).enumerate() {
            let tag = format!("[{} entry {i}]", path(name));
            let shown = text.matches(&tag).count();
            let problem = is_error_entry(e) || d["outcome"] == "warning";
            assert_eq!(shown, usize::from(problem), "{name} entry {i}:\n{text}");
        }
        let summary = text.split("\nSummary\n").nth(1).expect("a summary");
        let total = es.len();
        assert!(
            summary
                .lines()
                .any(|l| l.starts_with("total") && l.contains(&format!(" {total} responses"))),
            "{summary}"
        );
        let code = out.status.code().unwrap();
        let diagnosed = json
            .iter()
            .any(|d| d["outcome"] == "diagnosed" || d["outcome"] == "warning");
        assert_eq!(code, if diagnosed { 0 } else { 1 }, "{name}");
    }
}

#[test]
fn summary_only_prints_nothing_else() {
    let out = apidiag()
        .arg("--summary")
        .arg(path("playwright-chromium.har"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Summary\n"), "{text}");
    assert!(!text.contains("entry 3]"), "{text}");
    assert!(text.contains("fixes to apply"), "{text}");
}

#[test]
fn markdown_is_a_table_of_problems_then_the_summary() {
    let name = "playwright-base64.har";
    let h = har(name);
    let es = entries(&h);
    let json = json_of(name);
    let problems = es
        .iter()
        .zip(&json)
        .filter(|(e, d)| is_error_entry(e) || d["outcome"] == "warning")
        .count();
    let out = apidiag()
        .args(["--format", "markdown"])
        .arg(path(name))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let (table, summary) = text.split_once("\n### Summary\n").unwrap();
    let rows = table.lines().filter(|l| l.starts_with("| ")).count();
    assert_eq!(rows, 1 + problems, "header + one row per problem:\n{table}");
    assert!(summary.contains("**Fixes to apply**"));
    assert!(
        summary.contains("| `tumban/batch-truncated` |"),
        "{summary}"
    );
}

#[test]
fn playwright_recordings_keep_what_devtools_sanitises() {
    let pw = har("playwright-base64.har");
    let dt = har("devtools-style.har");
    assert_eq!(dt["log"]["creator"]["name"], "WebInspector");
    assert!(
        std::fs::read_to_string(path("devtools-style.har"))
            .unwrap()
            .starts_with("{\n  \"log\": {\n    \"")
    );
    let has_auth = |h: &Value| {
        entries(h).iter().any(|e| {
            e["request"]["headers"].as_array().unwrap().iter().any(|x| {
                x["name"]
                    .as_str()
                    .unwrap()
                    .eq_ignore_ascii_case("authorization")
            })
        })
    };
    assert!(has_auth(&pw) && !has_auth(&dt));
    assert!(
        entries(&dt)
            .iter()
            .all(|e| e["response"]["httpVersion"] == "h2")
    );

    // The WASViking Bearer mistake is visible only where the header was recorded.
    let rules = RuleSet::load(&[]).unwrap();
    let rule_of = |name: &str| -> Vec<Option<String>> {
        read_fixture(name)
            .iter()
            .map(|p| {
                rules
                    .diagnose(&p.response, &Options::default(), p.source.clone())
                    .rule
                    .map(|r| r.to_string())
            })
            .collect()
    };
    let i = entries(&pw)
        .iter()
        .position(|e| {
            e["request"]["url"]
                .as_str()
                .unwrap()
                .ends_with("/wasviking/findings")
        })
        .unwrap();
    assert_eq!(
        rule_of("playwright-base64.har")[i].as_deref(),
        Some("wasviking/bearer-instead-of-apikey")
    );
    assert_ne!(
        rule_of("devtools-style.har")[i].as_deref(),
        Some("wasviking/bearer-instead-of-apikey")
    );
    // The refused connection is a transport failure in both dialects.
    let last = entries(&pw).len() - 1;
    assert_eq!(status_of(&entries(&pw)[last]), -1);
    assert_eq!(status_of(&entries(&dt)[last]), 0);
    for name in ["playwright-base64.har", "devtools-style.har"] {
        assert_eq!(
            rule_of(name)[last].as_deref(),
            Some("http/connection-refused"),
            "{name}"
        );
    }
}

#[test]
fn a_flagged_success_is_a_warning() {
    let w: Vec<Value> = json_of("playwright-base64.har")
        .into_iter()
        .filter(|d| d["outcome"] == "warning")
        .collect();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0]["rule"], "tumban/batch-truncated");
    assert_eq!(w[0]["status"], 200);
}

// ---------------------------------------------------------------- hostile shapes

fn har_of(entries: &[&str]) -> String {
    format!(
        "{{\"log\":{{\"version\":\"1.2\",\"creator\":{{\"name\":\"t\"}},\"entries\":[{}],\"pages\":[]}}}}",
        entries.join(",")
    )
}

const GOOD: &str = r#"{"startedDateTime":"2026-01-01T00:00:00Z","request":{"method":"GET","url":"https://x.example/a","headers":[]},"response":{"status":404,"statusText":"Not Found","headers":[],"content":{"text":"{\"error\":\"nope\"}"}}}"#;

#[test]
fn wrongly_typed_entries_are_record_errors_and_the_rest_is_read() {
    let bad = [
        r#"42"#,
        r#"{"request":{"method":"GET","url":"u","headers":[]},"response":{"status":"403","headers":[]}}"#,
        r#"{"request":{"method":"GET","url":"u","headers":"x"},"response":{"status":403}}"#,
        r#"{"request":{"method":1},"response":{"status":403}}"#,
        r#"{"request":{},"response":{"status":403,"headers":[{"name":"a"}]}}"#,
        r#"{"request":{},"response":[1,{"a":2}]}"#,
        r#"{"request":{}}"#,
        r#"{"response":{"status":403,"content":{"text":12}}}"#,
        r#"{"startedDateTime":5,"response":{"status":403}}"#,
    ];
    let mut all = vec![GOOD];
    for b in &bad {
        all.push(b);
        all.push(GOOD);
    }
    let text = har_of(&all);
    let (items, r) = read_all(&mut io::Cursor::new(text), &opts());
    r.unwrap();
    assert_eq!(items.len(), all.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Ok(p) => {
                assert_eq!(i % 2, 0, "entry {i} should have failed");
                assert_eq!(p.source.as_ref().unwrap().entry, Some(i));
                assert_eq!(p.response.status, Some(404));
            }
            Err(e) => {
                assert_eq!(i % 2, 1, "entry {i} should have been read: {e}");
                assert_eq!(e.at.entry, Some(i));
                assert!(e.to_string().contains(&format!("entry {i}")), "{e}");
            }
        }
    }
}

#[test]
fn broken_json_stops_the_file_naming_the_entry() {
    let text = har_of(&[GOOD, GOOD, GOOD]);
    let cut = &text[..text.len() - GOOD.len() / 2 - 20];
    let (items, r) = read_all(&mut io::Cursor::new(cut.to_owned()), &opts());
    assert_eq!(items.len(), 2, "the complete entries are still handed on");
    let msg = r.unwrap_err().to_string();
    assert!(
        msg.contains("entry 2") && msg.contains("ends early"),
        "{msg}"
    );

    let text = har_of(&[GOOD, "{\"response\":{\"status\":403,}}"]);
    let (items, r) = read_all(&mut io::Cursor::new(text), &opts());
    assert_eq!(items.len(), 1);
    let msg = r.unwrap_err().to_string();
    assert!(
        msg.contains("entry 1") && msg.contains("not a valid HAR"),
        "{msg}"
    );

    let (_, r) = read_all(
        &mut io::Cursor::new("{\"log\":{\"version\":\"1.2\"}}"),
        &opts(),
    );
    assert!(r.unwrap_err().to_string().contains("no \"entries\""));
}

#[test]
fn a_body_over_the_limit_is_a_record_error() {
    let big = format!(
        r#"{{"request":{{}},"response":{{"status":500,"content":{{"text":"{}"}}}}}}"#,
        "x".repeat(5000)
    );
    let text = har_of(&[GOOD, &big, GOOD]);
    let small = InputOptions {
        max_record: 1000,
        ..opts()
    };
    let (items, r) = read_all(&mut io::Cursor::new(text), &small);
    r.unwrap();
    assert!(items[0].is_ok() && items[2].is_ok());
    let e = items[1].as_ref().unwrap_err();
    assert!(e.message.contains("5000 bytes"), "{e}");
}
/// Each entry is handed on while the rest of the file is still unread: when entry
/// `i` arrives, no more than one buffer beyond its end has been taken from the file.
#[test]
fn entries_are_handed_on_as_they_are_read() {
    let n = 3000;
    let mut offsets = Vec::new();
    let mut text = String::from("{\"log\":{\"version\":\"1.2\",\"entries\":[");
    for i in 0..n {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&GOOD.replace("/a\"", &format!("/{i}\"")));
        offsets.push(text.len());
    }
    text.push_str("]}}");
    const BUF: usize = 8 << 10;
    let (mut reader, taken) = counting_reader(&text, BUF);
    let mut seen = 0;
    read_input(&mut reader, "big.har", &opts(), &mut |item: Result<
        Parsed,
        _,
    >| {
        let p = item.unwrap();
        let i = p.source.unwrap().entry.unwrap();
        assert_eq!(i, seen);
        // The format sniffer reads up to 8 KiB ahead once, the buffer one more.
        assert!(
            taken.get() <= offsets[i] + 2 * BUF + 1,
            "entry {i} arrived after {} of {} bytes were read",
            taken.get(),
            text.len()
        );
        seen += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, n);
}

#[test]
fn a_closed_output_stops_reading() {
    let text = har_of(&[GOOD, GOOD, GOOD]);
    let mut calls = 0;
    let r = read_input(&mut io::Cursor::new(text), "x.har", &opts(), &mut |_| {
        calls += 1;
        Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
    });
    assert_eq!(calls, 1);
    assert!(matches!(r, Err(ReadFailure::Output(_))));
}
