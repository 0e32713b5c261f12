//! `apidiag merge`: summaries of the shards of a real log, merged, equal the summary of
//! the whole log byte for byte, however the log is cut; merges merge again; anything
//! that is not a summary is refused with the file named.

use crate::common;

use std::path::Path;

use serde_json::Value;

const NDJSON: &[&str] = &[
    "ndjson/mixed.ndjson",
    "documented/blazeauth.ndjson",
    "documented/hacktron.ndjson",
    "documented/http.ndjson",
    "documented/tumban.ndjson",
    "documented/wasviking.ndjson",
];

const HAR: &[&str] = &[
    "har/devtools-style.har",
    "har/playwright-base64.har",
    "har/playwright-chromium.har",
    "har/playwright-omit.har",
];

/// The JSON summary of `input` read from standard input as `format`, as a shard is
/// read: a shard of one line could look like a single response.
fn summary_of(input: &[u8], format: &str) -> String {
    let out = common::apidiag()
        .args([
            "--summary",
            "--format",
            "json",
            "-j",
            "1",
            "--input-format",
            format,
            "-",
        ])
        .write_stdin(input.to_vec())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "one summary: {text}");
    text
}

fn merge(args: &[&str], stdin: &str) -> String {
    let out = common::apidiag()
        .arg("merge")
        .args(args)
        .write_stdin(stdin.to_owned())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The lines of a log, each with its newline.
fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|b| *b == b'\n').collect()
}

/// The ways a log of `n` lines is cut, as shard sizes: whole, even sizes, growing
/// sizes, and two shards cut at every line; line by line for a short log (every run
/// costs a process per shard, so a long log is cut at every seventh line).
fn cuts(n: usize) -> Vec<Vec<usize>> {
    let mut ways = vec![vec![n], vec![3; n.div_ceil(3)], vec![7; n.div_ceil(7)]];
    ways.push((1..=n).collect());
    let step = if n <= 40 {
        ways.push(vec![1; n]);
        1
    } else {
        7
    };
    for at in (1..n).step_by(step) {
        ways.push(vec![at, n - at]);
    }
    ways
}

fn shards(lines: &[&[u8]], sizes: &[usize]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = lines;
    for &size in sizes {
        if rest.is_empty() {
            break;
        }
        let (shard, after) = rest.split_at(size.min(rest.len()));
        out.push(shard.concat());
        rest = after;
    }
    out
}

#[test]
fn shards_of_every_ndjson_fixture_merge_into_the_whole_summary() {
    for name in NDJSON {
        let log = std::fs::read(common::fixture(name)).unwrap();
        let whole = summary_of(&log, "ndjson");
        let lines = lines(&log);
        for sizes in cuts(lines.len()) {
            let parts: String = shards(&lines, &sizes)
                .iter()
                .map(|s| summary_of(s, "ndjson"))
                .collect();
            assert_eq!(
                merge(&["--format", "json"], &parts),
                whole,
                "{name} cut {sizes:?}"
            );
        }
    }
}

/// A HAR with `entries` in place of the fixture's.
fn har_with(har: &Value, entries: &[Value]) -> Vec<u8> {
    let mut h = har.clone();
    h["log"]["entries"] = Value::Array(entries.to_vec());
    serde_json::to_vec(&h).unwrap()
}

#[test]
fn shards_of_every_har_fixture_merge_into_the_whole_summary() {
    for name in HAR {
        let har: Value =
            serde_json::from_slice(&std::fs::read(common::fixture(name)).unwrap()).unwrap();
        let entries = har["log"]["entries"].as_array().unwrap().clone();
        let whole = summary_of(&har_with(&har, &entries), "har");
        let n = entries.len();
        for sizes in [
            vec![n],
            vec![1; n],
            vec![4; n.div_ceil(4)],
            vec![1, n - 1],
            vec![n - 2, 2],
        ] {
            let mut rest = entries.as_slice();
            let mut parts = String::new();
            for size in sizes.iter().copied() {
                let (shard, after) = rest.split_at(size.min(rest.len()));
                parts.push_str(&summary_of(&har_with(&har, shard), "har"));
                rest = after;
            }
            assert_eq!(
                merge(&["--format", "json"], &parts),
                whole,
                "{name} cut {sizes:?}"
            );
        }
    }
}

#[test]
fn summaries_of_separate_files_merge_like_one_run_over_them_all() {
    let files: Vec<String> = NDJSON
        .iter()
        .chain(HAR)
        .map(|f| common::fixture(f))
        .collect();
    let out = common::apidiag()
        .args(["--summary", "--format", "json", "-j", "1"])
        .args(&files)
        .output()
        .unwrap();
    let whole = String::from_utf8(out.stdout).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let out = common::apidiag()
            .args(["--summary", "--format", "json", "-j", "1", f])
            .output()
            .unwrap();
        let path = dir.path().join(format!("{i}.json"));
        std::fs::write(&path, out.stdout).unwrap();
        names.push(path.display().to_string());
    }
    let args: Vec<&str> = ["--format", "json"]
        .into_iter()
        .chain(names.iter().map(String::as_str))
        .collect();
    assert_eq!(merge(&args, ""), whole);
}

#[test]
fn a_merge_of_merges_is_the_whole_and_prints_in_every_form() {
    let log = std::fs::read(common::fixture("documented/http.ndjson")).unwrap();
    let whole = summary_of(&log, "ndjson");
    let lines = lines(&log);
    let parts: Vec<String> = shards(&lines, &[10; 13])
        .iter()
        .map(|s| summary_of(s, "ndjson"))
        .collect();
    // Uneven groups of shards, merged, then the merges merged.
    let mut merges = String::new();
    let mut rest = parts.as_slice();
    for size in [1, 4, 2, 6] {
        let (group, after) = rest.split_at(size.min(rest.len()));
        merges.push_str(&merge(&["--format", "json"], &group.concat()));
        rest = after;
    }
    assert!(rest.is_empty());
    assert_eq!(merge(&["--format", "json"], &merges), whole);
    // The other forms are the summary printers of a run over the whole log.
    for format in ["human", "markdown"] {
        let out = common::apidiag()
            .args([
                "--summary",
                "--format",
                format,
                "--input-format",
                "ndjson",
                "-",
            ])
            .write_stdin(log.clone())
            .output()
            .unwrap();
        assert_eq!(
            merge(&["--format", format], &merges),
            String::from_utf8(out.stdout).unwrap(),
            "{format}"
        );
    }
}

fn refused(stdin: &str, args: &[&str]) -> String {
    let out = common::apidiag()
        .arg("merge")
        .args(args)
        .write_stdin(stdin.to_owned())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{stdin:?} {args:?}");
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

#[test]
fn what_is_not_a_summary_is_refused_naming_the_file() {
    let good = summary_of(
        &std::fs::read(common::fixture("ndjson/mixed.ndjson")).unwrap(),
        "ndjson",
    );
    let diagnosis_line = {
        let out = common::apidiag()
            .args(["--format", "json", &common::fixture("ndjson/mixed.ndjson")])
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_owned()
    };
    let bad: Vec<(String, &str)> = vec![
        ("not json\n".into(), "standard input:1"),
        (format!("{good}{diagnosis_line}\n"), "standard input:2"),
        (
            good.replace("apidiag-summary/1", "apidiag-summary/9"),
            "apidiag-summary/9",
        ),
        (
            good.replace("\"responses\":10", "\"responses\":11"),
            "do not add up",
        ),
        (
            good.replace("\"format\":\"apidiag-summary/1\",", ""),
            "missing field `format`",
        ),
        ("\n\n".into(), "no summary"),
        (good.replace("\"order\":5", "\"order\":50"), "order 50"),
    ];
    for (stdin, says) in bad {
        let err = refused(&stdin, &[]);
        assert!(err.starts_with("apidiag: error: standard input"), "{err}");
        assert!(err.contains(says), "{says}: {err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shard.json");
    std::fs::write(&file, "{\"responses\": 1}\n").unwrap();
    let err = refused("", &[file.to_str().unwrap()]);
    assert!(err.contains(&format!("{}:1", file.display())), "{err}");
    let missing = Path::new(env!("CARGO_MANIFEST_DIR")).join("no-such-summary.json");
    let err = refused("", &[missing.to_str().unwrap()]);
    assert!(err.contains("no-such-summary.json"), "{err}");
}
