//! The cost of only reading an NDJSON log: each line is parsed into a
//! `serde_json::Value` and dropped. `bench/run.sh` compares apidiag's throughput with
//! this, built with the same release profile (and the same serde_json features).
//!
//! ```text
//! cargo run --release --example parse_baseline -- FILE.ndjson
//! ```

use std::io::{BufRead, BufReader};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: parse_baseline FILE.ndjson");
    let file = std::fs::File::open(&path).expect("the input opens");
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut line = Vec::new();
    let (mut records, mut objects) = (0u64, 0u64);
    loop {
        line.clear();
        if reader
            .read_until(b'\n', &mut line)
            .expect("the input reads")
            == 0
        {
            break;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let value: serde_json::Value = serde_json::from_slice(&line).expect("each line is JSON");
        records += 1;
        objects += u64::from(value.is_object());
    }
    eprintln!("{records} records, {objects} objects");
}
