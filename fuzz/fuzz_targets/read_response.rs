//! Any bytes, read as a single response in every format (directly and through
//! `read_input`), then diagnosed with the built-in rules and rendered in every form.
#![no_main]

use std::sync::LazyLock;

use apidiag::input::{InputOptions, Parsed, read_input};
use apidiag::rules::diagnose::Options;
use apidiag::read::{Context, InputFormat, read_response};
use apidiag::render;
use apidiag::response::Response;
use apidiag::rules::RuleSet;
use libfuzzer_sys::fuzz_target;

static RULES: LazyLock<RuleSet> =
    LazyLock::new(|| RuleSet::builtin().expect("built-in rules load"));

fn diagnose_and_render(resp: &Response) {
    let opts = Options {
        api: None,
        all: true,
    };
    let d = RULES.diagnose(resp, &opts, None);
    let mut out = Vec::new();
    render::json::line(&d, &mut out).unwrap();
    render::markdown::single(&d, &mut out).unwrap();
    render::markdown::table_row(&d, &mut out).unwrap();
    render::human::full(&d, &|a: &str| a.to_string(), true, &mut out).unwrap();
    render::human::compact(&d, &mut out).unwrap();
}

fuzz_target!(|data: &[u8]| {
    // Every single-response format; HAR and NDJSON hold lists (the read_records target).
    let single = InputFormat::ALL
        .into_iter()
        .filter(|f| !matches!(f, InputFormat::Har | InputFormat::Ndjson));
    for format in single {
        if let Ok(resp) = read_response(data, format) {
            diagnose_and_render(&resp);
        }
    }
    let opts = InputOptions {
        format: InputFormat::Auto,
        context: Context::default(),
        max_record: 1 << 20,
    };
    let mut reader = std::io::Cursor::new(data);
    let _ = read_input(&mut reader, "fuzz", &opts, &mut |item: Result<Parsed, _>| {
        if let Ok(p) = item {
            diagnose_and_render(&p.response);
        }
        Ok(())
    });
});
