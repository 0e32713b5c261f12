//! Any bytes, read as a HAR file and as an NDJSON stream through `read_input`, with a
//! small record limit so the oversize path is reached too; every record is diagnosed.
#![no_main]

use std::sync::LazyLock;

use apidiag::input::{InputOptions, Parsed, read_input};
use apidiag::rules::diagnose::Options;
use apidiag::read::{Context, InputFormat};
use apidiag::render;
use apidiag::rules::RuleSet;
use libfuzzer_sys::fuzz_target;

static RULES: LazyLock<RuleSet> =
    LazyLock::new(|| RuleSet::builtin().expect("built-in rules load"));

fuzz_target!(|data: &[u8]| {
    // The first byte picks the record limit, so tiny limits get exercised as well.
    let (limit, data) = match data.split_first() {
        Some((b, rest)) => (u64::from(*b) * 64 + 1, rest),
        None => (64, data),
    };
    for format in [InputFormat::Har, InputFormat::Ndjson] {
        for max_record in [limit, 1 << 20] {
            let opts = InputOptions {
                format,
                context: Context::default(),
                max_record,
            };
            let mut reader = std::io::Cursor::new(data);
            let _ = read_input(&mut reader, "fuzz", &opts, &mut |item: Result<Parsed, _>| {
                if let Ok(p) = item {
                    let d = RULES.diagnose(
                        &p.response,
                        &Options {
                            api: None,
                            all: true,
                        },
                        p.source,
                    );
                    let mut out = Vec::new();
                    render::json::line(&d, &mut out).unwrap();
                    render::human::compact(&d, &mut out).unwrap();
                    render::markdown::table_row(&d, &mut out).unwrap();
                }
                Ok(())
            });
        }
    }
});
