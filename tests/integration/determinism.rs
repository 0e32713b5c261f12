//! The same input gives byte-identical output whatever order the rule files were
//! loaded in: `--rules A --rules B` vs `--rules B --rules A`, and `RuleSet::from_files`
//! over shuffled file orders.

use crate::common;

use std::path::{Path, PathBuf};

use apidiag::input::{InputOptions, Parsed, read_input};
use apidiag::read::{Context, InputFormat};
use apidiag::rules::diagnose::Options;
use apidiag::rules::model::RuleFile;
use apidiag::rules::{Origin, RuleSet, loader};
use common::run_with;

/// Two user packs that compete with each other and with the built-ins: overlapping
/// hosts and key prefixes, rules of equal rank on the same literal, an added rule in a
/// built-in API, and one replacing a built-in.
const PACK_A: &str = r#"{
  "api": "alpha",
  "name": "Alpha API",
  "recognise": {"hosts": ["*.shared.example"], "key_prefixes": ["sk_"], "headers": ["x-shared-trace"]},
  "rules": [
    {"id": "alpha/quota", "title": "Alpha quota", "when": {"status": 429, "body": [{"path": "$.error", "equals": "quota_exceeded"}]},
     "cause": "Alpha: {{host}}", "fix": ["a"], "examples": {"match": [{"status": 429, "body": {"error": "quota_exceeded"}, "request": {"url": "https://api.shared.example/x"}}]}},
    {"id": "alpha/any-4xx", "title": "Alpha 4xx", "when": {"status": "4xx", "text": {"contains": "shared-marker"}},
     "cause": "c", "fix": ["f"], "examples": {"match": [{"status": 400, "body": "shared-marker"}]}}
  ]
}"#;

const PACK_B: &str = r#"{
  "api": "bravo",
  "name": "Bravo API",
  "recognise": {"hosts": ["*.shared.example"], "key_prefixes": ["sk_"], "headers": ["x-shared-trace"]},
  "rules": [
    {"id": "bravo/quota", "title": "Bravo quota", "when": {"status": 429, "body": [{"path": "$.error", "equals": "quota_exceeded"}]},
     "cause": "Bravo: {{host}}", "fix": ["b"], "examples": {"match": [{"status": 429, "body": {"error": "quota_exceeded"}, "request": {"url": "https://api.shared.example/x"}}]}},
    {"id": "bravo/any-4xx", "title": "Bravo 4xx", "when": {"status": "4xx", "text": {"contains": "shared-marker"}},
     "cause": "c", "fix": ["f"], "examples": {"match": [{"status": 400, "body": "shared-marker"}]}}
  ]
}"#;

const PACK_C: &str = r#"{
  "api": "hacktron",
  "name": "Hacktron extras",
  "rules": [
    {"id": "hacktron/extra-branch", "title": "Extra", "when": {"status": 400, "body": [{"path": "$.message", "contains": "does not match the cost estimation branch"}]},
     "cause": "c", "fix": ["f"], "examples": {"match": [{"status": 400, "body": {"message": "Branch x does not match the cost estimation branch"}}]}},
    {"id": "hacktron/estimation-not-ready", "title": "Replaced", "when": {"status": 400, "body": [{"path": "$.message", "contains": "Cost estimation is not ready"}]},
     "cause": "replaced", "fix": ["f"], "examples": {"match": [{"status": 400, "body": {"message": "Cost estimation is not ready"}}]}}
  ]
}"#;

/// Extra responses that exercise the competing packs.
const EXTRA: &[&str] = &[
    "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n\r\n{\"error\":\"quota_exceeded\"}",
    "> GET /x HTTP/1.1\r\n> Host: api.shared.example\r\n>\r\n< HTTP/1.1 429 Too Many Requests\r\n<\r\n{\"error\":\"quota_exceeded\"}",
    "> GET /x HTTP/1.1\r\n> Host: other.example\r\n> Authorization: Bearer sk_live_abcdefghijkl\r\n>\r\n< HTTP/1.1 429 Too Many Requests\r\n<\r\n{\"error\":\"quota_exceeded\"}",
    "HTTP/1.1 429 Too Many Requests\r\nX-Shared-Trace: t\r\n\r\n{\"error\":\"quota_exceeded\"}",
    "HTTP/1.1 418 I'm a teapot\r\n\r\nshared-marker",
    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{\"statusCode\":400,\"message\":\"Cost estimation is not ready\",\"error\":\"Bad Request\"}",
];

fn fixtures(dir: &Path) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in ["transcripts", "documented"] {
        let Ok(modes) = std::fs::read_dir(root.join(sub)) else {
            continue;
        };
        for mode in modes.flatten() {
            let p = mode.path();
            if p.is_dir() {
                files.extend(std::fs::read_dir(&p).unwrap().flatten().map(|e| e.path()));
            } else if p.extension().is_some_and(|x| x == "ndjson") {
                files.push(p);
            }
        }
    }
    for (i, text) in EXTRA.iter().enumerate() {
        let p = dir.join(format!("extra-{i}.txt"));
        std::fs::write(&p, text).unwrap();
        files.push(p);
    }
    files.sort();
    files
}

fn packs(dir: &Path) -> Vec<PathBuf> {
    [("a.json", PACK_A), ("b.json", PACK_B), ("c.json", PACK_C)]
        .iter()
        .map(|(n, t)| {
            let p = dir.join(n);
            std::fs::write(&p, t).unwrap();
            p
        })
        .collect()
}

#[test]
fn rule_file_order_on_the_command_line_does_not_change_output() {
    let dir = tempfile::tempdir().unwrap();
    let files = fixtures(dir.path());
    assert!(files.len() > 50, "{} fixtures", files.len());
    let p = packs(dir.path());
    let names: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    let orders = [[0, 1, 2], [2, 1, 0], [1, 0, 2], [2, 0, 1]];
    let mut outputs = Vec::new();
    for order in orders {
        let mut args = vec!["--all", "--format", "json"];
        for i in order {
            args.extend(["--rules", p[i].to_str().unwrap()]);
        }
        args.extend(names.iter().copied());
        let r = run_with(&args, "");
        r.no_panic("ordered run");
        assert!(r.stdout.lines().count() >= files.len(), "{}", r.stderr);
        outputs.push((order, r.stdout, r.stderr, r.code));
    }
    let (_, first, first_err, first_code) = &outputs[0];
    assert!(
        first.contains("\"rule\":\"alpha/quota\""),
        "the competing packs are exercised"
    );
    assert!(
        first.contains("\"title\":\"Replaced\""),
        "the replacement is used"
    );
    for (order, out, err, code) in &outputs[1..] {
        assert!(out == first, "output differs for order {order:?}");
        assert_eq!((err, code), (first_err, first_code), "{order:?}");
    }
    // And the human and Markdown forms.
    for format in ["human", "markdown"] {
        let run = |order: [usize; 3]| {
            let mut args = vec!["--all", "--color", "never", "--format", format];
            for i in order {
                args.extend(["--rules", p[i].to_str().unwrap()]);
            }
            args.extend(names.iter().copied());
            run_with(&args, "").stdout
        };
        assert!(run([0, 1, 2]) == run([2, 1, 0]), "{format} differs");
    }
}

/// A small deterministic shuffle.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
        | 1;
    for i in (1..items.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        items.swap(i, (x % (i as u64 + 1)) as usize);
    }
}

#[test]
fn from_files_in_any_order_diagnoses_identically() {
    let dir = tempfile::tempdir().unwrap();
    let inputs: Vec<Vec<u8>> = fixtures(dir.path())
        .iter()
        .map(|f| std::fs::read(f).unwrap())
        .collect();
    let mut files = loader::builtin_files().unwrap();
    for (name, text) in [("a.json", PACK_A), ("b.json", PACK_B), ("c.json", PACK_C)] {
        let origin = Origin::User(PathBuf::from(name));
        files.push((origin.clone(), loader::parse(&origin, text).unwrap()));
    }
    let render = |files: Vec<(Origin, RuleFile)>| -> String {
        let set = RuleSet::from_files(files).expect("the rule set loads in any order");
        let mut out = String::new();
        let opts = InputOptions {
            format: InputFormat::Auto,
            context: Context::default(),
            max_record: 1 << 26,
        };
        for input in &inputs {
            let _ = read_input(&mut &input[..], "f", &opts, &mut |item: Result<
                Parsed,
                _,
            >| {
                if let Ok(p) = item {
                    let d = set.diagnose(
                        &p.response,
                        &Options {
                            all: true,
                            ..Options::default()
                        },
                        p.source,
                    );
                    out.push_str(&serde_json::to_string(&d).unwrap());
                    out.push('\n');
                }
                Ok(())
            });
        }
        out
    };
    let reference = render(files.clone());
    assert!(reference.contains("alpha/quota") && reference.contains("\"title\":\"Replaced\""));
    for seed in 1..=6 {
        let mut shuffled = files.clone();
        shuffle(&mut shuffled, seed);
        let order: Vec<String> = shuffled.iter().map(|(o, _)| o.to_string()).collect();
        assert!(
            render(shuffled) == reference,
            "output differs for load order {order:?}"
        );
    }
}
