//! Deterministic synthetic inputs for `bench/run.sh`.
//!
//! ```text
//! cargo run --release --example gen_bench_input -- ndjson RECORDS OUT.ndjson
//! cargo run --release --example gen_bench_input -- har BYTES OUT.har
//! ```
//!
//! Every record is one of the built-in rules' `match` examples (all APIs, all statuses,
//! transport failures included), picked by a fixed-seed PRNG, so the same arguments
//! always give the same bytes. Sprinkled in: secrets in the request (API keys, bearer
//! tokens, cookies) and in JSON bodies (about 1 record in 8), and large bodies of
//! 16–96 KiB (about 1 in 200: a JSON body carrying a long array, or an HTML page).

use std::io::{BufWriter, Write};

use apidiag::rules::RuleSet;
use serde_json::{Map, Value, json};

/// xorshift64*: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn token(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| ALPHABET[self.below(ALPHABET.len())] as char)
            .collect()
    }
}

/// The records to draw from: every `match` example of every built-in rule, as the
/// NDJSON record shape (`expect` dropped).
fn templates() -> Vec<Map<String, Value>> {
    let rules = RuleSet::builtin().expect("the built-in table loads");
    let mut out = Vec::new();
    for entry in rules.entries() {
        for ex in &entry.rule.examples.must_match {
            let Value::Object(mut record) = serde_json::to_value(ex).expect("serialises") else {
                continue;
            };
            record.remove("expect");
            out.push(record);
        }
    }
    out
}

fn secret(rng: &mut Rng) -> (String, String) {
    let key = match rng.below(6) {
        0 => format!("Bearer wv_live_{}", rng.token(32)),
        1 => format!("ApiKey wv_test_{}", rng.token(32)),
        2 => format!("Bearer blz_mgmt_{}", rng.token(40)),
        3 => format!(
            "Bearer eyJhbGciOiJIUzI1NiJ9.{}.{}",
            rng.token(48),
            rng.token(43)
        ),
        4 => return ("X-Api-Key".into(), format!("hacktron_{}", rng.token(40))),
        _ => return ("Cookie".into(), format!("session={}", rng.token(64))),
    };
    ("Authorization".into(), key)
}

fn sprinkle(record: &mut Map<String, Value>, rng: &mut Rng) {
    if rng.below(8) == 0 {
        let (name, value) = secret(rng);
        let request = record.entry("request").or_insert_with(
            || json!({"method": "GET", "url": "https://api.example.com/v1/things"}),
        );
        if let Value::Object(req) = request {
            let headers = req.entry("headers").or_insert_with(|| json!({}));
            if let Value::Object(h) = headers {
                h.insert(name, Value::String(value));
            }
        }
        if let Some(Value::Object(body)) = record.get_mut("body") {
            body.insert(
                "debug_token".into(),
                Value::String(format!("sk_live_{}", rng.token(40))),
            );
        }
    }
    if rng.below(200) == 0 {
        let kib = 16 + rng.below(80);
        match record.get_mut("body") {
            Some(Value::Object(body)) => {
                let items: Vec<Value> = (0..kib * 1024 / 64)
                    .map(|i| json!({"id": i, "note": rng.token(40)}))
                    .collect();
                body.insert("trace".into(), Value::Array(items));
            }
            _ => {
                let mut page =
                    String::from("<!DOCTYPE html><html><head><title>Error</title></head><body>");
                while page.len() < kib * 1024 {
                    page.push_str("<p>");
                    page.push_str(&rng.token(120));
                    page.push_str("</p>\n");
                }
                page.push_str("</body></html>");
                record.insert("body".into(), Value::String(page));
            }
        }
    }
}

fn record(templates: &[Map<String, Value>], rng: &mut Rng) -> Map<String, Value> {
    let mut r = templates[rng.below(templates.len())].clone();
    sprinkle(&mut r, rng);
    r
}

fn ndjson(records: usize, out: &mut dyn Write) -> std::io::Result<()> {
    let templates = templates();
    let mut rng = Rng(0x0005_EED0_FA91_D1A6);
    for _ in 0..records {
        serde_json::to_writer(&mut *out, &record(&templates, &mut rng))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// A HAR entry for a record: request and response headers as `{name, value}` lists, the
/// body as `content.text`.
fn har_entry(r: &Map<String, Value>, n: usize) -> Value {
    let pairs = |h: Option<&Value>| -> Vec<Value> {
        let mut out = Vec::new();
        if let Some(Value::Object(map)) = h {
            for (name, v) in map {
                match v {
                    Value::Array(vs) => {
                        out.extend(vs.iter().map(|v| json!({"name": name, "value": v})));
                    }
                    v => out.push(json!({"name": name, "value": v})),
                }
            }
        }
        out
    };
    let req = r.get("request");
    let status = r.get("status").and_then(Value::as_u64).unwrap_or(0);
    let text = match r.get("body") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => Some(v.to_string()),
    };
    let mime = match r.get("body") {
        Some(Value::String(s)) if s.starts_with('<') => "text/html",
        Some(Value::String(_)) => "text/plain",
        _ => "application/json",
    };
    let mut entry = json!({
        "startedDateTime": format!("2026-11-23T16:{:02}:{:02}.000Z", n / 60 % 60, n % 60),
        "time": 42.5,
        "request": {
            "method": req.and_then(|q| q.get("method")).cloned().unwrap_or(json!("GET")),
            "url": req.and_then(|q| q.get("url")).cloned().unwrap_or(json!("https://api.example.com/v1/things")),
            "httpVersion": "HTTP/1.1",
            "headers": pairs(req.and_then(|q| q.get("headers"))),
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "headers": pairs(r.get("headers")),
            "cookies": [],
            "content": {"size": text.as_ref().map_or(0, String::len), "mimeType": mime},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1
        },
        "cache": {},
        "timings": {"send": 0.1, "wait": 40.0, "receive": 2.4}
    });
    if let Some(t) = text {
        entry["response"]["content"]["text"] = Value::String(t);
    }
    if let Some(e) = r.get("error") {
        entry["_error"] = e.clone();
    }
    entry
}

fn har(bytes: u64, out: &mut dyn Write) -> std::io::Result<()> {
    let templates = templates();
    let mut rng = Rng(0x04A1_20FB_E7C4);
    out.write_all(br#"{"log":{"version":"1.2","creator":{"name":"gen_bench_input","version":"1"},"pages":[],"entries":["#)?;
    let mut written = 0u64;
    let mut n = 0;
    while written < bytes {
        let entry = serde_json::to_vec(&har_entry(&record(&templates, &mut rng), n))?;
        if n > 0 {
            out.write_all(b",\n")?;
        }
        out.write_all(&entry)?;
        written += entry.len() as u64 + 2;
        n += 1;
    }
    out.write_all(b"]}}\n")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: gen_bench_input ndjson RECORDS OUT | har BYTES OUT";
    let [kind, count, path] = args.as_slice() else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let count: u64 = count.parse().expect(usage);
    let file = std::fs::File::create(path).expect("the output file can be created");
    let mut out = BufWriter::with_capacity(1 << 20, file);
    match kind.as_str() {
        "ndjson" => ndjson(count as usize, &mut out),
        "har" => har(count, &mut out),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
    .and_then(|()| out.flush())
    .expect("the output is written");
}
