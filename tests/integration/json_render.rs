//! `--format json` lines are written by hand for speed; they must be byte for byte
//! what `serde_json::to_writer` makes of the same `Diagnosis`, plus a newline.

use crate::common;

use apidiag::diagnosis::{
    Challenge, Confidence, Diagnosis, Failure, FieldProblem, Outcome, RateLimit, RequestSummary,
    Retry, RuleMatch, Source, Text,
};
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;

fn rendered(d: &Diagnosis) -> String {
    let mut out = Vec::new();
    apidiag::render::json::line(d, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn by_serde(d: &Diagnosis) -> String {
    serde_json::to_string(d).unwrap() + "\n"
}

/// Strings weighted towards what escaping gets wrong: control characters, quotes,
/// backslashes, `/`, DEL and non-ASCII, in runs long and short, and empty.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z \"\\\\/\\x00-\\x1f\\x7f]{0,40}",
        "[ -~]{0,80}",
        any::<String>(),
        "(plain prose of some length |\"|\\\\|\n|\u{1}|é|€|😀|\u{7f}|/)*",
    ]
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    option::of(text())
}

fn texts() -> impl Strategy<Value = Vec<String>> {
    vec(text(), 0..4)
}

/// Rule prose is shared and written from a copy escaped once; other text is escaped
/// where it is written.
fn prose() -> impl Strategy<Value = Text> {
    (text(), any::<bool>()).prop_map(|(t, shared)| {
        if shared {
            Text::shared(&t)
        } else {
            Text::from(t)
        }
    })
}

fn opt_prose() -> impl Strategy<Value = Option<Text>> {
    option::of(prose())
}

fn confidence() -> impl Strategy<Value = Confidence> {
    prop_oneof![Just(Confidence::Documented), Just(Confidence::Likely)]
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        Just(Outcome::Diagnosed),
        Just(Outcome::Warning),
        Just(Outcome::Success),
        Just(Outcome::Unrecognised),
    ]
}

fn retry() -> impl Strategy<Value = Retry> {
    (any::<bool>(), option::of(any::<u64>()), prose()).prop_map(
        |(retryable, after_seconds, advice)| Retry {
            retryable,
            after_seconds,
            advice,
        },
    )
}

fn field_problem() -> impl Strategy<Value = FieldProblem> {
    (opt_text(), text()).prop_map(|(field, problem)| FieldProblem { field, problem })
}

fn request() -> impl Strategy<Value = RequestSummary> {
    (opt_text(), opt_text(), opt_text(), opt_text()).prop_map(|(method, url, auth, key)| {
        RequestSummary {
            method,
            url,
            auth,
            key,
        }
    })
}

fn source() -> impl Strategy<Value = Source> {
    (
        text(),
        option::of(any::<usize>()),
        option::of(any::<usize>()),
    )
        .prop_map(|(file, entry, line)| Source { file, entry, line })
}

fn rule_match() -> impl Strategy<Value = RuleMatch> {
    (text(), confidence(), any::<i32>(), any::<usize>(), texts()).prop_map(
        |(rule, confidence, priority, conditions, why)| RuleMatch {
            rule,
            confidence,
            priority,
            conditions,
            why,
        },
    )
}

fn rate_limit() -> impl Strategy<Value = RateLimit> {
    (
        option::of(any::<u64>()),
        option::of(any::<u64>()),
        opt_text(),
        option::of(any::<u64>()),
        opt_text(),
        texts(),
    )
        .prop_map(
            |(limit, remaining, reset_at, reset_in_seconds, resource, from)| RateLimit {
                limit,
                remaining,
                reset_at,
                reset_in_seconds,
                resource,
                from,
            },
        )
}

fn challenge() -> impl Strategy<Value = Challenge> {
    (text(), btree_map(text(), text(), 0..3))
        .prop_map(|(scheme, params)| Challenge { scheme, params })
}

fn failure() -> impl Strategy<Value = Failure> {
    prop_oneof![
        Just(Failure::RateLimit),
        Just(Failure::Quota),
        Just(Failure::Overload),
        Just(Failure::Client),
    ]
}

/// Every field is generated, `None`/`Some` and empty/non-empty alike. The struct
/// literal has no `..`, so a field added to `Diagnosis` stops this from compiling
/// until it is generated, and then the comparison checks the writer has it.
fn diagnosis() -> impl Strategy<Value = Diagnosis> {
    let head = (
        outcome(),
        option::of(any::<u16>()),
        opt_text(),
        opt_text(),
        opt_prose(),
        opt_prose(),
        option::of(confidence()),
        opt_prose(),
        opt_prose(),
        vec(prose(), 0..4),
    );
    let tail = (
        option::of(retry()),
        opt_text(),
        opt_prose(),
        vec(field_problem(), 0..3),
        option::of(any::<usize>()),
        option::of(request()),
        option::of(source()),
        opt_text(),
        texts(),
        option::of(vec(rule_match(), 0..3)),
    );
    let evidence = (
        opt_text(),
        texts(),
        opt_text(),
        texts(),
        option::of(rate_limit()),
        option::of(challenge()),
        option::of(failure()),
        opt_text(),
    );
    (head, evidence, tail).prop_map(
        |(
            (outcome, status, reason, error, api, rule, confidence, title, cause, fix),
            (message, codes, error_type, links, rate_limit, challenge, failure, envelope),
            (
                retry,
                request_id,
                docs,
                fields,
                fields_omitted,
                request,
                source,
                time,
                notes,
                matches,
            ),
        )| Diagnosis {
            outcome,
            status,
            reason,
            error,
            api,
            rule,
            confidence,
            title,
            cause,
            fix,
            retry,
            request_id,
            docs,
            fields,
            fields_omitted,
            message,
            codes,
            error_type,
            links,
            rate_limit,
            challenge,
            failure,
            envelope,
            request,
            source,
            time,
            notes,
            matches,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_diagnosis_renders_as_serde_json_does(d in diagnosis()) {
        prop_assert_eq!(rendered(&d), by_serde(&d));
        // Again, shared prose now from its escaped copy.
        prop_assert_eq!(rendered(&d), by_serde(&d));
    }
}

/// Real diagnoses of every fixture, with `--all` so that `matches` is filled: each
/// line read back must re-serialise to the same bytes.
#[test]
fn fixture_diagnoses_render_as_serde_json_does() {
    let inputs = ["documented", "ndjson", "har"].iter().flat_map(|dir| {
        std::fs::read_dir(common::fixture(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
    });
    let mut lines = 0;
    for input in inputs {
        for all in [false, true] {
            let mut cmd = common::apidiag();
            cmd.args(["--format", "json"]).arg(&input);
            if all {
                cmd.arg("--all");
            }
            let out = cmd.output().unwrap();
            assert!(!out.stdout.is_empty(), "{}: no output", input.display());
            for line in String::from_utf8(out.stdout).unwrap().split_inclusive('\n') {
                let d: Diagnosis = serde_json::from_str(line).unwrap();
                assert_eq!(line, by_serde(&d), "{}", input.display());
                lines += 1;
            }
        }
    }
    assert!(lines > 100, "only {lines} diagnoses checked");
}
