//! The rule table: file format, loading, compiling, indexing and matching.

pub mod check;
pub mod diagnose;
pub mod loader;
pub mod model;

pub(crate) mod compile;
pub(crate) mod index;
pub(crate) mod jsonpath;
pub(crate) mod matcher;
pub(crate) mod shared;
pub(crate) mod table;

mod gate;
mod lazy;
mod literals;
mod prose;
mod query;
mod recognise;

use gate::Gate;
pub use lazy::LazyRule;
pub(crate) use prose::Prose;
use recognise::Recognition;
pub(crate) use recognise::VocabularyMatch;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use compile::{CompileError, Compiled, Extractor};
use index::{Index, IndexEntry, Seen};
pub use loader::{LoadError, Origin};
use matcher::{Proof, Subject};
use model::{Recognise, RuleFile, TableRow};
use shared::{inverse, validate_id};

use crate::text::Text;

pub use shared::GENERIC_API;

/// An API known to the rule set, with the evidence that recognises it.
#[derive(Debug, Clone)]
pub struct Api {
    /// Shared with the diagnoses that name it.
    pub name: Text,
    pub title: String,
    pub recognise: Recognise,
    /// The generic pack ([`GENERIC_API`]), asked on every response.
    pub generic: bool,
}

/// One loaded rule file, minus its rules.
#[derive(Debug)]
pub struct Pack {
    pub api: usize,
    pub origin: Origin,
    pub docs: Option<String>,
    tables: Tables,
    request_id: Vec<model::Extract>,
    /// `None`: they do not compile (a user file's were checked at load).
    request_id_compiled: OnceLock<Option<Vec<Extractor>>>,
}

/// A pack's lookup tables. A built-in pack's are parsed the first time a rule looks one
/// up: they are most of a head's text, and most runs use none.
#[derive(Debug)]
struct Tables {
    /// build.rs's minified text, not parsed yet (empty: none).
    text: &'static str,
    parsed: OnceLock<BTreeMap<String, Vec<TableRow>>>,
}

impl Tables {
    fn parsed(tables: BTreeMap<String, Vec<TableRow>>) -> Self {
        Self {
            text: "",
            parsed: OnceLock::from(tables),
        }
    }

    /// A built-in pack's tables as build.rs emitted them, parsed when first needed.
    fn later(text: &'static str) -> Self {
        Self {
            text,
            parsed: OnceLock::new(),
        }
    }
}

impl Pack {
    pub(crate) fn tables(&self) -> &BTreeMap<String, Vec<TableRow>> {
        let t = &self.tables;
        // A built-in table that did not parse fails `cargo test` (the pack tests).
        t.parsed
            .get_or_init(|| serde_json::from_str(t.text).unwrap_or_default())
    }

    pub(crate) fn request_id_extractors(&self) -> &[Extractor] {
        self.request_id_compiled
            .get_or_init(|| compile::extractors(&self.request_id).ok())
            .as_deref()
            .unwrap_or(&[])
    }
}

/// A rule with where it came from and, once needed, its compiled form.
#[derive(Debug)]
pub struct Entry {
    /// The rule as written. A built-in rule is parsed from its text the first time
    /// this is dereferenced; see [`LazyRule`].
    pub rule: LazyRule,
    pub api: usize,
    pub pack: usize,
    literal: Option<Cow<'static, str>>,
    gate: Gate,
    /// Boxed, as is the parsed rule, so the table itself stays small to build.
    /// `None`: the rule does not compile (`check_compiles` says why).
    compiled: OnceLock<Option<Box<Compiled>>>,
    /// Made when the rule first explains a response.
    prose: OnceLock<Box<Prose>>,
}

impl Entry {
    fn new(
        rule: LazyRule,
        api: usize,
        pack: usize,
        literal: Option<Cow<'static, str>>,
        gate: Gate,
    ) -> Self {
        Self {
            rule,
            api,
            pack,
            literal,
            gate,
            compiled: OnceLock::new(),
            prose: OnceLock::new(),
        }
    }

    pub(crate) fn compiled(&self) -> Option<&Compiled> {
        self.compiled
            .get_or_init(|| {
                let rule = self.rule.core().ok()?;
                let compiled = match self.rule.text {
                    // A built-in rule: the test suite builds all its regexes.
                    Some(_) => compile::compile_lazily(rule),
                    None => compile::compile(rule),
                };
                compiled.ok().map(Box::new)
            })
            .as_deref()
    }

    /// Compile the rule building every regex now: the errors `apidiag rules check` reports.
    pub(crate) fn check_compiles(&self) -> Result<(), CompileError> {
        compile::compile(self.rule.get().map_err(unparsed)?).map(drop)
    }

    /// The rule's id, without parsing the rule.
    pub fn id(&self) -> &str {
        &self.rule.key
    }

    /// The literal that indexes the rule ([`index::literal_of`]), without parsing it.
    pub(crate) fn literal(&self) -> Option<&str> {
        self.literal.as_deref()
    }
}

/// The candidate index, and the rule entries in rank order: the index numbers rules
/// by rank, so its candidates need no sorting.
#[derive(Debug)]
struct Ranked {
    index: Index,
    order: Vec<u32>,
}

/// The loaded rule table. Parsing happens once per run; each rule is compiled the
/// first time a response makes it a candidate.
#[derive(Debug)]
pub struct RuleSet {
    apis: Vec<Api>,
    packs: Vec<Pack>,
    entries: Vec<Entry>,
    /// Built when first needed: looking rules up by id, or adding rules that may clash.
    by_id: OnceLock<BTreeMap<String, usize>>,
    index: OnceLock<Ranked>,
    recognition: OnceLock<Recognition>,
}

impl RuleSet {
    /// The built-in table only.
    pub fn builtin() -> Result<Self, LoadError> {
        Self::load(&[])
    }

    /// The built-in table plus user files or folders; a user rule with a built-in's id
    /// replaces it. User rules are compiled at once so a broken file is reported now;
    /// built-in rules are parsed and compiled only when a response needs them.
    pub fn load(user_paths: &[PathBuf]) -> Result<Self, LoadError> {
        Self::load_except(user_paths, &[])
    }

    /// Like [`RuleSet::load`], without the built-in packs named in `off` (`--no-pack`).
    pub fn load_except(user_paths: &[PathBuf], off: &[String]) -> Result<Self, LoadError> {
        let mut set = Self::from_files(Vec::new())?;
        for pack in loader::BUILTIN_PACKS {
            let (name, text) = loader::BUILTIN_RULE_FILES[pack.file];
            if off.iter().any(|o| loader::pack_name(name) == o) {
                continue;
            }
            let origin = Origin::Builtin(name);
            match pack.rules {
                Some(rules) => {
                    // The head is minified; a broken one is reported as the file's error.
                    let head = loader::parse(&origin, pack.head)
                        .or_else(|e| loader::parse(&origin, text).and(Err(e)))?;
                    let entries = rules.iter().map(|r| {
                        let rule = LazyRule::builtin(text, r);
                        (
                            rule,
                            r.literal.map(Cow::Borrowed),
                            Gate::builtin(&r.gate, r.status),
                        )
                    });
                    let tables = Tables::later(pack.tables);
                    set.add_pack(origin, head, tables, entries.collect())?;
                }
                None => {
                    let file = loader::parse(&origin, text)?;
                    set.add_file(origin, file)?;
                }
            }
        }
        let user = loader::user_files(user_paths)?;
        let mut left = loader::MAX_USER_RULES;
        for (origin, text) in &user {
            let file = loader::parse(origin, text)?;
            left = left.checked_sub(file.rules.len()).ok_or_else(|| {
                let limit = loader::MAX_USER_RULES;
                LoadError::new(
                    origin,
                    format!(
                        "more than {limit} user rules in all; apidiag compiles at most that many"
                    ),
                )
            })?;
            set.add_file(origin.clone(), file)
                .map_err(|e| locate(e, &user))?;
        }
        Ok(set)
    }

    pub fn from_files(files: Vec<(Origin, RuleFile)>) -> Result<Self, LoadError> {
        let mut set = RuleSet {
            apis: Vec::new(),
            packs: Vec::new(),
            entries: Vec::new(),
            by_id: OnceLock::new(),
            index: OnceLock::new(),
            recognition: OnceLock::new(),
        };
        for (origin, file) in files {
            set.add_file(origin, file)?;
        }
        Ok(set)
    }

    fn add_file(&mut self, origin: Origin, mut file: RuleFile) -> Result<(), LoadError> {
        let user = matches!(origin, Origin::User(_));
        let rules = std::mem::take(&mut file.rules);
        for rule in &rules {
            validate_id(&rule.id, &file.api)
                .map_err(|m| LoadError::new(&origin, m.to_string()).in_rule(&rule.id))?;
            if user {
                compile::compile(rule)
                    .map_err(|m| LoadError::new(&origin, m.to_string()).in_rule(&rule.id))?;
            }
        }
        let entries = rules
            .into_iter()
            .map(|rule| {
                let literal = index::literal_of(&rule).map(Cow::Owned);
                let gate = Gate::of(&rule);
                (LazyRule::parsed(rule), literal, gate)
            })
            .collect();
        let tables = Tables::parsed(std::mem::take(&mut file.tables));
        self.add_pack(origin, file, tables, entries)
    }

    /// Add a file whose rules (as (rule, literal, gate)) and tables have been taken out
    /// of it.
    fn add_pack(
        &mut self,
        origin: Origin,
        file: RuleFile,
        tables: Tables,
        rules: Vec<(LazyRule, Option<Cow<'static, str>>, Gate)>,
    ) -> Result<(), LoadError> {
        let api = self.intern_api(&file);
        let pack = self.packs.len();
        let user = matches!(origin, Origin::User(_));
        // build.rs has checked the ids of the built-in rules still unparsed.
        for (rule, _, _) in rules.iter().filter(|(r, _, _)| r.text.is_none()) {
            validate_id(&rule.key, &file.api)
                .map_err(|m| LoadError::new(&origin, m.to_string()).in_rule(&rule.key))?;
        }
        self.entries.reserve(rules.len());
        // build.rs has checked that the unparsed built-in rules' ids are unique.
        let trusted = !user && rules.iter().all(|(r, _, _)| r.text.is_some());
        if trusted && self.by_id.get().is_none() {
            self.entries.extend(
                rules
                    .into_iter()
                    .map(|(rule, literal, gate)| Entry::new(rule, api, pack, literal, gate)),
            );
            self.push_pack(api, origin, file, tables);
            return Ok(());
        }
        self.by_id();
        let by_id = self.by_id.get_mut().expect("just built");
        for (rule, literal, gate) in rules {
            let entry = Entry::new(rule, api, pack, literal, gate);
            // A rule defined earlier in this same file has no pushed pack yet.
            let origin_of = |p: usize| self.packs.get(p).map_or(&origin, |p| &p.origin);
            match by_id.get(entry.id()) {
                Some(&at)
                    if user && matches!(origin_of(self.entries[at].pack), Origin::Builtin(_)) =>
                {
                    self.entries[at] = entry;
                }
                // A user rule loaded before the built-in it replaces still replaces it.
                Some(&at)
                    if !user && matches!(origin_of(self.entries[at].pack), Origin::User(_)) => {}
                Some(&at) => {
                    let first = origin_of(self.entries[at].pack);
                    return Err(LoadError::new(
                        &origin,
                        format!("duplicate rule id (first defined in {first})"),
                    )
                    .in_rule(entry.id()));
                }
                None => {
                    by_id.insert(entry.id().to_owned(), self.entries.len());
                    self.entries.push(entry);
                }
            }
        }
        self.push_pack(api, origin, file, tables);
        Ok(())
    }

    fn push_pack(&mut self, api: usize, origin: Origin, file: RuleFile, tables: Tables) {
        self.packs.push(Pack {
            api,
            origin,
            docs: file.docs,
            tables,
            request_id: file.request_id,
            request_id_compiled: OnceLock::new(),
        });
    }

    fn by_id(&self) -> &BTreeMap<String, usize> {
        self.by_id.get_or_init(|| {
            let ids = self.entries.iter().enumerate();
            ids.map(|(i, e)| (e.id().to_owned(), i)).collect()
        })
    }

    fn intern_api(&mut self, file: &RuleFile) -> usize {
        if let Some(i) = self.apis.iter().position(|a| *a.name == *file.api) {
            let r = &mut self.apis[i].recognise;
            r.hosts.extend(file.recognise.hosts.iter().cloned());
            r.key_prefixes
                .extend(file.recognise.key_prefixes.iter().cloned());
            r.headers.extend(file.recognise.headers.iter().cloned());
            r.vocabulary
                .extend(file.recognise.vocabulary.iter().cloned());
            r.layer |= file.recognise.layer;
            return i;
        }
        self.apis.push(Api {
            name: Text::shared(&file.api),
            title: file.name.clone(),
            recognise: file.recognise.clone(),
            generic: file.api == GENERIC_API,
        });
        self.apis.len() - 1
    }

    pub fn apis(&self) -> &[Api] {
        &self.apis
    }

    pub fn api_index(&self, name: &str) -> Option<usize> {
        self.apis
            .iter()
            .position(|a| a.name.eq_ignore_ascii_case(name))
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn pack(&self, i: usize) -> &Pack {
        &self.packs[i]
    }

    /// A rule's prose (its pack's docs when it has none); `None` when it does not parse.
    pub(crate) fn prose<'e>(&self, entry: &'e Entry) -> Option<&'e Prose> {
        let rule = entry.rule.core().ok()?;
        let docs = self.pack(entry.pack).docs.as_deref();
        Some(entry.prose.get_or_init(|| Box::new(Prose::of(rule, docs))))
    }

    pub fn packs(&self) -> &[Pack] {
        &self.packs
    }

    /// Look a rule up by id, ignoring case.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.by_id()
            .get(id)
            .or_else(|| {
                self.by_id()
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(id))
                    .map(|(_, v)| v)
            })
            .map(|&i| &self.entries[i])
    }

    fn index(&self) -> &Ranked {
        self.index.get_or_init(|| {
            let number = self.rank_places();
            let order = inverse(&number);
            let entries = self
                .entries
                .iter()
                .zip(number)
                .map(|(e, number)| IndexEntry {
                    number,
                    literal: e.literal(),
                    status: e.gate.status(),
                    transport: e.gate.needs_transport(),
                    kind: e.gate.kind(),
                    api: e.api,
                });
            Ranked {
                index: Index::build(entries, self.apis.len()),
                order,
            }
        })
    }

    /// Each entry's place in rank order: build.rs's for the built-in table (sorting it
    /// would cost a run on one response several per cent), else sorted here.
    fn rank_places(&self) -> Vec<u32> {
        let built: Option<Vec<u32>> = self.entries.iter().map(|e| e.rule.place).collect();
        let mut order: Vec<u32> = (0..self.entries.len() as u32).collect();
        if let Some(places) = built {
            // Numbered by build.rs over the whole built-in table; a pack turned off
            // (`--no-pack`) leaves gaps, so renumber them, keeping their order.
            order.sort_unstable_by_key(|&e| places[e as usize]);
            return inverse(&order);
        }
        order.sort_by_cached_key(|&e| self.rank_key(e as usize));
        inverse(&order)
    }

    pub(crate) fn is_generic(&self, api: usize) -> bool {
        self.apis[api].generic
    }

    /// Every rule that matches, best first, with its evidence.
    pub(crate) fn matches(&self, s: &Subject<'_>, api: Option<usize>) -> Vec<(usize, Proof)> {
        self.eligible(s, api)
            .filter_map(|c| Some((c, self.evaluate(c, s)?)))
            .collect()
    }

    /// The first of [`RuleSet::matches`]. Candidates are tried best first, so those
    /// ranked below the winner are never tested.
    pub(crate) fn best_match(&self, s: &Subject<'_>, api: Option<usize>) -> Option<(usize, Proof)> {
        self.eligible(s, api)
            .find_map(|c| Some((c, self.evaluate(c, s)?)))
    }

    /// The index's candidates for this response that belong to `api` (or are generic,
    /// or a layer's) and whose gate is open, best first.
    fn eligible<'s>(
        &'s self,
        s: &'s Subject<'_>,
        api: Option<usize>,
    ) -> impl Iterator<Item = usize> + 's {
        let ranked = self.index();
        let apis = self.recognition().generic.iter().copied().chain(api);
        let seen = Seen {
            body: s.resp.body.bytes(),
            kind: s.kind,
            status: s.resp.status,
            transport_failure: s.resp.transport_error.is_some(),
        };
        ranked
            .index
            .candidates(seen, apis)
            .map(|n| ranked.order[n as usize] as usize)
            .filter(move |&c| self.eligible_api(c, api) && self.entries[c].gate.open(s))
    }

    /// Whether rule `c` may answer for a response recognised as `api`: generic rules
    /// and a layer's (`recognise.layer`: a proxy or CDN in front of any API) always, a
    /// vendor's rules when the response is that vendor's. A pack that
    /// declares no vocabulary keeps the older, looser evidence: a body holding one of
    /// its rules' literals is enough for that rule.
    fn eligible_api(&self, c: usize, api: Option<usize>) -> bool {
        let e = &self.entries[c];
        self.is_generic(e.api)
            || self.apis[e.api].recognise.layer
            || api == Some(e.api)
            || (api.is_none()
                && e.literal().is_some()
                && self.apis[e.api].recognise.vocabulary.is_empty())
    }

    fn evaluate(&self, c: usize, s: &Subject<'_>) -> Option<Proof> {
        let entry = &self.entries[c];
        let lenient = entry.literal().is_some();
        matcher::evaluate(entry.compiled()?, s, lenient)
    }

    /// Like [`RuleSet::matches`] but testing every eligible rule instead of asking the
    /// index: the reference the index is tested against.
    #[cfg(test)]
    fn matches_exhaustive(&self, s: &Subject<'_>, api: Option<usize>) -> Vec<(usize, Proof)> {
        let mut found: Vec<(usize, Proof)> = (0..self.entries.len())
            .filter(|&c| self.eligible_api(c, api))
            .filter_map(|c| Some((c, self.evaluate(c, s)?)))
            .collect();
        found.sort_by_cached_key(|(c, _)| self.rank_key(*c));
        found
    }

    /// The documented order: priority, then a vendor rule before a generic one, then
    /// conditions, then id.
    fn rank_key(
        &self,
        entry: usize,
    ) -> (std::cmp::Reverse<i32>, bool, std::cmp::Reverse<usize>, &str) {
        let e = &self.entries[entry];
        let (priority, conditions) = e.rule.rank.unwrap_or_else(|| {
            let priority = e.rule.core().map_or(0, |r| r.priority);
            (priority, e.compiled().map_or(0, |c| c.condition_count))
        });
        (
            std::cmp::Reverse(priority),
            self.is_generic(e.api),
            std::cmp::Reverse(conditions),
            e.id(),
        )
    }
}

fn unparsed(message: &str) -> CompileError {
    CompileError::Unparsed(message.to_owned())
}

/// A rule-level error (a bad id, JSONPath or regex, a duplicate) has no position of its
/// own: point at the rule's `"id"` in the file it came from.
fn locate(mut e: LoadError, user: &[(Origin, String)]) -> LoadError {
    let (None, Some(id)) = (e.line, e.rule.as_deref()) else {
        return e;
    };
    let Some((_, text)) = user.iter().find(|(o, _)| o.to_string() == e.origin) else {
        return e;
    };
    let quoted = serde_json::to_string(id).unwrap_or_default();
    let found = text
        .lines()
        .enumerate()
        .filter_map(|(n, line)| {
            let at = line.find("\"id\"")?;
            let value = line[at + 4..].trim_start().strip_prefix(':')?.trim_start();
            value.starts_with(&quoted).then_some((n + 1, at + 1))
        })
        .last();
    if let Some((line, column)) = found {
        e.line = Some(line);
        e.column = Some(column);
    }
    e
}

/// JSON Schema of a rule file, as committed in `rules/schema.json`.
pub fn rule_file_schema() -> String {
    let schema = schemars::schema_for!(RuleFile);
    serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use matcher::Subject;
    use model::StatusSpec;

    /// A pack that adds a literal under three bytes would make every body byte go
    /// through the automaton (a record cost 19 K instructions more when the packs
    /// outgrew the old skip): see BENCHMARKS.md Session 7.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_builtin_literal_scan_skips_text_where_no_literal_starts() {
        let rules = RuleSet::builtin().unwrap();
        assert!(rules.index().index.literal_scan_skips());
    }

    #[test]
    fn builtin_rules_parse_and_build_rs_metadata_agrees_with_them() {
        let set = RuleSet::builtin().unwrap();
        assert!(loader::BUILTIN_PACKS.iter().all(|p| p.rules.is_some()));
        let whole = RuleSet::from_files(loader::builtin_files().unwrap()).unwrap();
        assert_eq!(set.entries().len(), whole.entries().len());
        for (lazy, eager) in set.entries().iter().zip(whole.entries()) {
            assert!(lazy.rule.examples_span.is_some(), "{}", lazy.id());
            let mut core = serde_json::to_value(lazy.rule.core().unwrap()).unwrap();
            let rule = lazy.rule.get().unwrap();
            core["examples"] = serde_json::to_value(&rule.examples).unwrap();
            assert_eq!(core, serde_json::to_value(rule).unwrap());
            assert_eq!(lazy.id(), rule.id);
            assert_eq!(
                format!("{:?}", lazy.gate),
                format!("{:?}", Gate::of(rule)),
                "{}",
                rule.id
            );
            assert_eq!(
                lazy.literal(),
                index::literal_of(rule).as_deref(),
                "{}",
                rule.id
            );
            let conditions = eager.compiled().unwrap().condition_count;
            assert_eq!(
                lazy.rule.rank,
                Some((rule.priority, conditions)),
                "{}",
                rule.id
            );
            assert_eq!(
                serde_json::to_value(rule).unwrap(),
                serde_json::to_value(&*eager.rule).unwrap()
            );
            assert_eq!((lazy.api, lazy.pack), (eager.api, eager.pack));
        }
        // build.rs's rank places are the order the eagerly parsed table sorts into.
        assert!(whole.entries().iter().all(|e| e.rule.place.is_none()));
        assert_eq!(set.rank_places(), whole.rank_places());
        for (a, b) in set.packs().iter().zip(whole.packs()) {
            assert_eq!(a.origin, b.origin);
            assert_eq!(a.docs, b.docs);
            assert_eq!(
                serde_json::to_value(a.tables()).unwrap(),
                serde_json::to_value(b.tables()).unwrap()
            );
            assert_eq!(
                serde_json::to_value(&a.request_id).unwrap(),
                serde_json::to_value(&b.request_id).unwrap()
            );
        }
        let recognise = |s: &RuleSet| {
            s.apis()
                .iter()
                .map(|a| {
                    (
                        a.name.clone(),
                        a.title.clone(),
                        serde_json::to_value(&a.recognise).unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(recognise(&set), recognise(&whole));
    }

    #[test]
    fn the_index_picks_the_same_winner_as_testing_every_rule() {
        let rules = RuleSet::builtin().unwrap();
        let mut compared = 0;
        for entry in rules.entries() {
            let examples = entry
                .rule
                .examples
                .must_match
                .iter()
                .chain(&entry.rule.examples.no_match);
            for ex in examples {
                let resp = ex.to_response();
                let s = Subject::new(&resp);
                let api = rules.recognise(&s);
                let ids = |found: Vec<(usize, _)>| {
                    found
                        .into_iter()
                        .map(|(i, _)| rules.entries()[i].rule.id.clone())
                        .collect::<Vec<_>>()
                };
                let all = ids(rules.matches(&s, api));
                assert_eq!(
                    all,
                    ids(rules.matches_exhaustive(&s, api)),
                    "an example of {}",
                    entry.rule.id
                );
                assert_eq!(
                    ids(rules.best_match(&s, api).into_iter().collect()).first(),
                    all.first(),
                    "the best match for an example of {}",
                    entry.rule.id
                );
                compared += 1;
            }
        }
        assert!(compared > 100, "only {compared} examples compared");
    }

    #[test]
    fn status_specs_parse_as_the_untagged_derive_would() {
        mod reference {
            #[derive(Debug, serde::Deserialize)]
            #[serde(untagged)]
            #[allow(dead_code)]
            pub(crate) enum StatusSpec {
                One(StatusItem),
                Many(Vec<StatusItem>),
            }
            #[derive(Debug, serde::Deserialize)]
            #[serde(untagged)]
            #[allow(dead_code)]
            pub(crate) enum StatusItem {
                Code(u16),
                Class(String),
            }
        }
        for text in [
            "403",
            "\"4xx\"",
            "[400, \"5xx\", 429]",
            "[]",
            "70000",
            "-1",
            "400.0",
            "true",
            "null",
            "{}",
            "[400, true]",
            "[[400]]",
            "[400,\n 70000]",
            "\"\"",
        ] {
            let ours = serde_json::from_str::<StatusSpec>(text)
                .map(|s| format!("{s:?}"))
                .map_err(|e| e.to_string());
            let theirs = serde_json::from_str::<reference::StatusSpec>(text)
                .map(|s| format!("{s:?}"))
                .map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{text}");
        }
    }

    #[test]
    fn ids_are_checked() {
        assert!(validate_id("acme/bad-key", "acme").is_ok());
        assert!(validate_id("acme/Bad_Key", "acme").is_err());
        assert!(validate_id("other/x", "acme").is_err());
    }
}
