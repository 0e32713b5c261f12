//! Serves BENCHMARKS.md target 1 (one response <= 2x `cat`): a run starts from this
//! metadata instead of parsing, indexing and ranking the whole built-in table.
//!
//! Embeds every `rules/*.json` file into the binary, so it works anywhere, and
//! precomputes what a run needs before it can match anything, so that a run parses
//! only the rules a response makes candidates:
//!
//! - each file's head (everything but `rules`, which becomes `[]`): the API, its
//!   recognition evidence, request-id sources, tables;
//! - per rule: its id, where its JSON text is in the file, the literal that indexes it
//!   (`src/rules/shared.rs`, shared with the library), its `when.status`, its gate,
//!   where its examples are, and its place in rank order.
//!
//! A file this script cannot take apart is embedded without that metadata and parsed
//! whole at run time, which reports the error as a broken built-in file.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use serde_json::Value;
use serde_json::value::RawValue;

#[path = "src/rules/shared.rs"]
#[allow(dead_code)]
mod shared;

fn main() {
    println!("cargo:rerun-if-changed=rules");
    println!("cargo:rerun-if-changed=src/rules/shared.rs");
    let dir = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("rules");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| shared::is_rule_file(p))
        .collect();
    files.sort();
    let mut out = String::from("pub const BUILTIN_RULE_FILES: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            f.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n\npub(crate) const BUILTIN_PACKS: &[BuiltinPack] = &[\n");
    let mut seen_ids = std::collections::BTreeSet::new();
    let splits: Vec<_> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            // A file repeating an id is left whole: the run-time loader reports the clash.
            split(&text).filter(|s| {
                let mut ids = seen_ids.clone();
                let unique = s.rules.iter().all(|r| ids.insert(r.id.clone()));
                if unique {
                    seen_ids = ids;
                }
                unique
            })
        })
        .collect();
    let mut places = rank_places(&splits).into_iter();
    for (i, split) in splits.into_iter().enumerate() {
        match split {
            Some(Split {
                head,
                tables,
                rules,
                ..
            }) => {
                writeln!(
                    out,
                    "    BuiltinPack {{ file: {i}, head: {head:?}, tables: {tables:?}, rules: Some(&["
                )
                .unwrap();
                for r in rules {
                    writeln!(
                        out,
                        "        BuiltinRule {{ id: {:?}, span: ({}, {}), literal: {:?}, status: {}, examples: {:?}, gate: BuiltinGate {{ transport: {}, json: {}, body_kind: {:?}, headers: &{:?} }}, rank: {:?}, place: {} }},",
                        r.id, r.start, r.end, r.literal, r.status.as_ref().map_or("None".into(), |(c, k)| format!("Some((&{c:?}, &{k:?}))")), r.examples, r.transport, r.json, r.body_kind, r.headers, r.rank, places.next().unwrap()
                    )
                    .unwrap();
                }
                out.push_str("    ]) },\n");
            }
            None => writeln!(
                out,
                "    BuiltinPack {{ file: {i}, head: \"\", tables: \"\", rules: None }},"
            )
            .unwrap(),
        }
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("builtin_rules.rs");
    std::fs::write(dest, out).unwrap();
}

/// Serves target 1: sorting the table at run time would cost a run on one response
/// several per cent.
///
/// Each rule's place in rank order among the rules of every file taken apart, in the
/// order they are emitted: the documented order (priority, then vendor before generic,
/// then conditions, then id; `RuleSet::rank_key`), so a run need not sort the table.
fn rank_places(splits: &[Option<Split>]) -> Vec<u32> {
    use std::cmp::Reverse;
    let rules = splits.iter().flatten().flat_map(|s| {
        s.rules
            .iter()
            .map(|r| (Reverse(r.rank.0), s.generic, Reverse(r.rank.1), &r.id))
    });
    let keys: Vec<_> = rules.collect();
    let mut order: Vec<u32> = (0..keys.len() as u32).collect();
    order.sort_by_key(|&i| keys[i as usize]);
    shared::inverse(&order)
}

struct RuleMeta {
    id: String,
    start: usize,
    end: usize,
    literal: Option<String>,
    status: Option<(Vec<u16>, Vec<u16>)>,
    examples: Option<(usize, usize)>,
    transport: bool,
    json: bool,
    body_kind: Option<String>,
    headers: Vec<String>,
    /// `priority` and the number of conditions: the first two ranking keys.
    rank: (i64, usize),
}

/// How many conditions `when` tests, counted as `compile` counts them.
fn condition_count(when: Option<&Value>) -> usize {
    let Some(Value::Object(when)) = when else {
        return 0;
    };
    let present = |v: &&Value| !v.is_null();
    let tests = |test: &Value| {
        ["contains", "regex"]
            .iter()
            .filter(|k| test.get(**k).is_some_and(|v| !v.is_null()))
            .count()
    };
    let request = |r: &serde_json::Map<String, Value>| -> usize {
        r.iter()
            .filter(|(_, v)| present(v))
            .map(|(k, v)| match v {
                Value::Array(items) if k == "header" || k == "query" => items.len(),
                Value::Array(items) => usize::from(!items.is_empty()),
                _ => 1,
            })
            .sum()
    };
    when.iter()
        .filter(|(_, v)| present(v))
        .map(|(k, v)| match (k.as_str(), v) {
            ("body" | "headers", Value::Array(items)) => items.len(),
            ("text" | "transport_error", test) => tests(test),
            ("request", Value::Object(r)) => request(r),
            _ => 1,
        })
        .sum()
}

/// `when.status` as codes and classes, as `StatusSet::from_spec` reads it; `None` when
/// it does not parse or is invalid.
fn status_set(spec: &Value) -> Option<(Vec<u16>, Vec<u16>)> {
    let items = match spec {
        Value::Array(items) => items.as_slice(),
        one => std::slice::from_ref(one),
    };
    let (mut codes, mut classes) = (Vec::new(), Vec::new());
    for item in items {
        match item {
            Value::Number(n) => {
                let code = u16::try_from(n.as_u64()?).ok()?;
                shared::status_code_valid(code).then_some(())?;
                codes.push(code);
            }
            Value::String(s) => classes.push(shared::status_class(s)?),
            _ => return None,
        }
    }
    Some((codes, classes))
}

/// Where the `"examples": …` member is in a rule's text (from the key to the end of
/// the value), so a run can parse the rule without them.
fn examples_member(rule: &str) -> Option<(usize, usize)> {
    let members: BTreeMap<String, &RawValue> = serde_json::from_str(rule).ok()?;
    let value = members.get("examples")?.get();
    let value_start = value.as_ptr() as usize - rule.as_ptr() as usize;
    let key_start = rule[..value_start].rfind("\"examples\"")?;
    let between = &rule[key_start + "\"examples\"".len()..value_start];
    (between.trim() == ":").then_some((key_start, value_start + value.len()))
}

/// A rule file taken apart.
struct Split {
    /// Everything but `rules` (as `[]`) and `tables`, minified.
    head: String,
    /// `tables`, minified; empty when there are none.
    tables: String,
    rules: Vec<RuleMeta>,
    /// It is the generic pack.
    generic: bool,
}

/// The file taken apart; `None` when it is not shaped as expected (the run-time parser
/// then reports why).
fn split(text: &str) -> Option<Split> {
    let top: BTreeMap<String, &RawValue> = serde_json::from_str(text).ok()?;
    let rules_raw = top.get("rules")?.get();
    let offset = |s: &str| s.as_ptr() as usize - text.as_ptr() as usize;
    let (rs, re) = (offset(rules_raw), offset(rules_raw) + rules_raw.len());
    let mut head: Value =
        serde_json::from_str(&format!("{}[]{}", &text[..rs], &text[re..])).ok()?;
    // The lookup tables are most of a head: a run parses them only if a rule looks one up.
    let tables = head.as_object_mut()?.remove("tables");
    let tables = tables.map_or_else(String::new, |t| t.to_string());
    let api = head.get("api")?.as_str()?;
    let rules: Vec<&RawValue> = serde_json::from_str(rules_raw).ok()?;
    let mut metas = Vec::new();
    for raw in rules {
        let rule: Value = serde_json::from_str(raw.get()).ok()?;
        let when = rule.get("when");
        let body = when.and_then(|w| w.get("body")).and_then(Value::as_array);
        let from_body = body.into_iter().flatten().flat_map(|c| {
            ["equals", "contains", "starts_with"].map(|k| c.get(k).and_then(Value::as_str))
        });
        let from_text = when
            .and_then(|w| w.get("text"))
            .map(|t| t.get("contains").and_then(Value::as_str));
        let literal = shared::longest_safe_run(from_body.chain(from_text).flatten());
        let start = offset(raw.get());
        let examples = examples_member(raw.get());
        let present = |k: &str| when.and_then(|w| w.get(k)).is_some_and(|v| !v.is_null());
        let headers: Vec<&str> = when
            .and_then(|w| w.get("headers"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|h| h.get("exists").and_then(Value::as_bool) != Some(false))
            .filter_map(|h| h.get("name").and_then(Value::as_str))
            .collect();
        let id = rule.get("id")?.as_str()?;
        shared::validate_id(id, api).ok()?;
        metas.push(RuleMeta {
            id: id.to_owned(),
            start,
            end: start + raw.get().len(),
            literal: literal.map(str::to_owned),
            examples,
            transport: present("transport_error"),
            json: body.is_some_and(|b| !b.is_empty()),
            body_kind: when
                .and_then(|w| w.get("body_kind"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            headers: headers.iter().map(ToString::to_string).collect(),
            status: when.and_then(|w| w.get("status")).and_then(status_set),
            rank: (
                rule.get("priority").and_then(Value::as_i64).unwrap_or(0),
                condition_count(when),
            ),
        });
    }
    Some(Split {
        head: head.to_string(),
        tables,
        rules: metas,
        generic: api == shared::GENERIC_API,
    })
}
