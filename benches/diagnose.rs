//! In-process costs (`cargo bench --bench diagnose`):
//!
//! - `load`: loading the built-in table, and loading it and building its literal
//!   index; the same with 10 000 generated user rules for other APIs (compiled at
//!   load, as user rules are).
//! - `diagnose`: the per-response cost, warm (every rule a response needs already
//!   compiled), over the built-in rules' `match` examples, with the built-in table and
//!   with the built-in table plus 10 000 user rules for 100 other APIs. Matching cost
//!   grows with the rules that could apply to a response, not with the table, so the
//!   two should be close.
//! - `diagnose_one`: the same for one typical response (the `curl -i` fixture's body).

use std::hint::black_box;
use std::path::PathBuf;

use apidiag::response::Response;
use apidiag::rules::diagnose::Options;
use apidiag::rules::model::RuleFile;
use apidiag::rules::{Origin, RuleSet, loader};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;

/// 100 APIs × 100 rules, each with a literal of its own, a status, a JSONPath test
/// and a regex, recognised by host and key prefix.
fn user_files() -> Vec<(Origin, RuleFile)> {
    (0..100)
        .map(|a| {
            let api = format!("acme{a}");
            let rules: Vec<_> = (0..100)
                .map(|r| {
                    json!({
                        "id": format!("{api}/failure-{r}"),
                        "title": format!("Acme {a} failure {r}"),
                        "when": {
                            "status": [400 + (r % 30), "5xx"],
                            "body": [
                                {"path": "$.error.message", "contains": format!("acme{a} widget {r} rejected")},
                                {"path": "$.error.code", "regex": "^E(?P<code>[0-9]+)$"}
                            ]
                        },
                        "cause": "Widget {{code}} was rejected.",
                        "fix": ["Send a valid widget."],
                        "retry": {"retryable": false, "advice": "Fix the widget first."},
                        "docs": format!("https://docs.acme{a}.example/errors#{r}"),
                        "examples": {"match": [{
                            "status": 400 + (r % 30),
                            "body": {"error": {"message": format!("acme{a} widget {r} rejected"), "code": "E42"}}
                        }]}
                    })
                })
                .collect();
            let file = json!({
                "api": api,
                "name": format!("Acme {a} API"),
                "recognise": {"hosts": [format!("api.acme{a}.example")], "key_prefixes": [format!("acme{a}_")]},
                "rules": rules
            });
            let origin = Origin::User(PathBuf::from(format!("acme{a}.json")));
            (origin, serde_json::from_value(file).expect("a valid rule file"))
        })
        .collect()
}

fn builtin_files() -> Vec<(Origin, RuleFile)> {
    loader::builtin_files().expect("the built-in table parses")
}

fn with_user_rules() -> RuleSet {
    let mut files = builtin_files();
    files.extend(user_files());
    RuleSet::from_files(files).expect("the table loads")
}

/// Every `match` example of the built-in rules, as responses.
fn samples(rules: &RuleSet) -> Vec<Response> {
    rules
        .entries()
        .iter()
        .flat_map(|e| {
            e.rule
                .examples
                .must_match
                .iter()
                .map(apidiag::rules::model::Example::to_response)
        })
        .collect()
}

fn diagnose_all(rules: &RuleSet, samples: &[Response]) {
    let opts = Options::default();
    for r in samples {
        black_box(rules.diagnose(r, &opts, None));
    }
}

fn load(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    g.bench_function("builtin", |b| {
        b.iter(|| black_box(RuleSet::builtin().unwrap()));
    });
    let one = samples(&RuleSet::builtin().unwrap()).swap_remove(0);
    g.bench_function("builtin+index+first-response", |b| {
        b.iter(|| {
            let rules = RuleSet::builtin().unwrap();
            black_box(rules.diagnose(&one, &Options::default(), None))
        });
    });
    g.sample_size(10);
    let files = {
        let mut f = builtin_files();
        f.extend(user_files());
        f
    };
    g.bench_function("builtin+10k-user-rules", |b| {
        b.iter_batched(
            || files.clone(),
            |f| black_box(RuleSet::from_files(f).unwrap()),
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

fn diagnose(c: &mut Criterion) {
    let builtin = RuleSet::builtin().unwrap();
    let big = with_user_rules();
    let samples = samples(&builtin);
    // Warm both tables: every rule the samples need is compiled, the indexes built.
    diagnose_all(&builtin, &samples);
    diagnose_all(&big, &samples);
    let mut g = c.benchmark_group("diagnose");
    g.throughput(Throughput::Elements(samples.len() as u64));
    g.bench_function("builtin-table", |b| {
        b.iter(|| diagnose_all(&builtin, &samples));
    });
    g.bench_function("builtin+10k-user-rules", |b| {
        b.iter(|| diagnose_all(&big, &samples));
    });
    g.finish();

    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/transcripts/curl-i/hacktron-scope.txt"
    ))
    .unwrap();
    let one =
        apidiag::read::read_response(&text, apidiag::read::InputFormat::Auto).expect("readable");
    diagnose_all(&builtin, std::slice::from_ref(&one));
    diagnose_all(&big, std::slice::from_ref(&one));
    let mut g = c.benchmark_group("diagnose_one");
    g.bench_function("builtin-table", |b| {
        b.iter(|| diagnose_all(&builtin, std::slice::from_ref(&one)));
    });
    g.bench_function("builtin+10k-user-rules", |b| {
        b.iter(|| diagnose_all(&big, std::slice::from_ref(&one)));
    });
    g.finish();
}

criterion_group!(benches, load, diagnose);
criterion_main!(benches);
