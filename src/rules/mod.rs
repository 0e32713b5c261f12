//! The rule table: file format, loading, compiling, indexing and matching.

pub mod check;
pub mod compile;
pub mod index;
pub mod loader;
pub mod matcher;
pub mod model;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use compile::{Compiled, Extractor};
use index::{Index, IndexEntry};
pub use loader::{LoadError, Origin};
use matcher::{Evidence, Subject};
use model::{Recognise, Rule, RuleFile, TableRow};

/// The name of the generic pack.
pub const GENERIC_API: &str = "http";

/// An API known to the rule set, with the evidence that recognises it.
#[derive(Debug, Clone)]
pub struct Api {
    pub name: String,
    pub title: String,
    pub recognise: Recognise,
}

/// One loaded rule file, minus its rules.
#[derive(Debug)]
pub struct Pack {
    pub api: usize,
    pub origin: Origin,
    pub docs: Option<String>,
    pub tables: std::collections::BTreeMap<String, Vec<TableRow>>,
    request_id: Vec<model::Extract>,
    request_id_compiled: OnceLock<Result<Vec<Extractor>, String>>,
}

impl Pack {
    pub fn request_id_extractors(&self) -> &[Extractor] {
        self.request_id_compiled
            .get_or_init(|| compile::extractors(&self.request_id))
            .as_deref()
            .unwrap_or(&[])
    }
}

/// A rule with where it came from and, once needed, its compiled form.
#[derive(Debug)]
pub struct Entry {
    pub rule: Rule,
    pub api: usize,
    pub pack: usize,
    compiled: OnceLock<Result<Compiled, String>>,
}

impl Entry {
    pub fn compiled(&self) -> Result<&Compiled, &str> {
        self.compiled
            .get_or_init(|| compile::compile(&self.rule))
            .as_ref()
            .map_err(String::as_str)
    }
}

/// The loaded rule table. Parsing happens once per run; each rule is compiled the
/// first time a response makes it a candidate.
#[derive(Debug)]
pub struct RuleSet {
    apis: Vec<Api>,
    packs: Vec<Pack>,
    entries: Vec<Entry>,
    by_id: HashMap<String, usize>,
    index: OnceLock<Index>,
}

impl RuleSet {
    /// The built-in table only.
    pub fn builtin() -> Result<Self, LoadError> {
        Self::load(&[])
    }

    /// The built-in table plus user files or folders; a user rule with a built-in's id
    /// replaces it. User rules are compiled at once so a broken file is reported now.
    pub fn load(user_paths: &[PathBuf]) -> Result<Self, LoadError> {
        let mut files: Vec<(Origin, RuleFile)> = Vec::new();
        for (name, text) in loader::BUILTIN_RULE_FILES {
            let origin = Origin::Builtin(name);
            let file = loader::parse(&origin, text)?;
            files.push((origin, file));
        }
        let user = loader::user_files(user_paths)?;
        for (origin, text) in &user {
            let file = loader::parse(origin, text)?;
            files.push((origin.clone(), file));
        }
        Self::from_files(files).map_err(|e| locate(e, &user))
    }

    pub fn from_files(files: Vec<(Origin, RuleFile)>) -> Result<Self, LoadError> {
        let mut set = RuleSet {
            apis: Vec::new(),
            packs: Vec::new(),
            entries: Vec::new(),
            by_id: HashMap::new(),
            index: OnceLock::new(),
        };
        for (origin, file) in files {
            set.add_file(origin, file)?;
        }
        Ok(set)
    }

    fn add_file(&mut self, origin: Origin, file: RuleFile) -> Result<(), LoadError> {
        let api = self.intern_api(&file);
        let pack = self.packs.len();
        let user = matches!(origin, Origin::User(_));
        for rule in &file.rules {
            validate_id(&rule.id, &file.api)
                .map_err(|m| LoadError::new(&origin, m).in_rule(&rule.id))?;
            if user {
                compile::compile(rule).map_err(|m| LoadError::new(&origin, m).in_rule(&rule.id))?;
            }
        }
        for rule in file.rules {
            let entry = Entry {
                rule,
                api,
                pack,
                compiled: OnceLock::new(),
            };
            // A rule defined earlier in this same file has no pushed pack yet.
            let origin_of = |p: usize| self.packs.get(p).map_or(&origin, |p| &p.origin);
            match self.by_id.get(&entry.rule.id) {
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
                    .in_rule(&entry.rule.id));
                }
                None => {
                    self.by_id.insert(entry.rule.id.clone(), self.entries.len());
                    self.entries.push(entry);
                }
            }
        }
        self.packs.push(Pack {
            api,
            origin,
            docs: file.docs,
            tables: file.tables,
            request_id: file.request_id,
            request_id_compiled: OnceLock::new(),
        });
        Ok(())
    }

    fn intern_api(&mut self, file: &RuleFile) -> usize {
        if let Some(i) = self.apis.iter().position(|a| a.name == file.api) {
            let r = &mut self.apis[i].recognise;
            r.hosts.extend(file.recognise.hosts.iter().cloned());
            r.key_prefixes
                .extend(file.recognise.key_prefixes.iter().cloned());
            r.headers.extend(file.recognise.headers.iter().cloned());
            return i;
        }
        self.apis.push(Api {
            name: file.api.clone(),
            title: file.name.clone(),
            recognise: file.recognise.clone(),
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

    pub fn packs(&self) -> &[Pack] {
        &self.packs
    }

    /// Look a rule up by id, ignoring case.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.by_id
            .get(id)
            .or_else(|| {
                self.by_id
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(id))
                    .map(|(_, v)| v)
            })
            .map(|&i| &self.entries[i])
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let entries = self.entries.iter().map(|e| IndexEntry {
                rule: &e.rule,
                api: e.api,
            });
            Index::build(entries, self.apis.len())
        })
    }

    pub fn is_generic(&self, api: usize) -> bool {
        self.apis[api].name == GENERIC_API
    }

    /// The API the response's request or headers name, if any.
    pub fn recognise(&self, s: &Subject<'_>) -> Option<usize> {
        let host = s.facts.host.map(str::to_ascii_lowercase);
        // Within one kind of evidence the most specific pattern wins, then the API name,
        // so the answer never depends on the order packs were loaded in.
        let best = |score: &dyn Fn(&Recognise) -> Option<usize>| {
            (0..self.apis.len())
                .filter_map(|i| score(&self.apis[i].recognise).map(|len| (i, len)))
                .min_by(|(a, la), (b, lb)| {
                    lb.cmp(la)
                        .then_with(|| self.apis[*a].name.cmp(&self.apis[*b].name))
                })
                .map(|(i, _)| i)
        };
        let by_host = |r: &Recognise| {
            let h = host.as_deref()?;
            r.hosts
                .iter()
                .filter(|p| host_matches(p, h))
                .map(String::len)
                .max()
        };
        let by_key = |r: &Recognise| {
            let cred = s.facts.credential?;
            r.key_prefixes
                .iter()
                .filter(|p| cred.starts_with(p.as_str()))
                .map(String::len)
                .max()
        };
        let by_header = |r: &Recognise| {
            r.headers
                .iter()
                .any(|h| s.resp.headers.get(h).is_some())
                .then_some(0)
        };
        best(&by_host)
            .or_else(|| best(&by_key))
            .or_else(|| best(&by_header))
    }

    /// Every rule that matches, best first, with its evidence.
    pub fn matches(&self, s: &Subject<'_>, api: Option<usize>) -> Vec<(usize, Evidence)> {
        let mut apis: Vec<usize> = self
            .apis
            .iter()
            .enumerate()
            .filter(|(i, _)| self.is_generic(*i))
            .map(|(i, _)| i)
            .collect();
        apis.extend(api);
        let candidates = self
            .index()
            .candidates(s.resp.body.bytes(), s.resp.status, &apis);
        let mut found: Vec<(usize, Evidence)> = candidates
            .into_iter()
            .map(|c| c as usize)
            .filter(|&c| {
                let e = &self.entries[c];
                self.is_generic(e.api) || api.is_none_or(|a| a == e.api)
            })
            .filter_map(|c| {
                let entry = &self.entries[c];
                let compiled = entry.compiled().ok()?;
                let lenient = index::literal_of(&entry.rule).is_some();
                matcher::evaluate(compiled, s, lenient).map(|ev| (c, ev))
            })
            .collect();
        found.sort_by(|a, b| self.rank_key(a.0).cmp(&self.rank_key(b.0)));
        found
    }

    /// Like [`RuleSet::matches`] but testing every eligible rule instead of asking the
    /// index: the reference the index is tested against.
    pub fn matches_exhaustive(
        &self,
        s: &Subject<'_>,
        api: Option<usize>,
    ) -> Vec<(usize, Evidence)> {
        let mut found: Vec<(usize, Evidence)> = (0..self.entries.len())
            .filter(|&c| {
                let e = &self.entries[c];
                let generic = self.is_generic(e.api);
                let has_literal = index::literal_of(&e.rule).is_some();
                (generic || api.is_none_or(|a| a == e.api))
                    && (generic || has_literal || api == Some(e.api))
            })
            .filter_map(|c| {
                let entry = &self.entries[c];
                let lenient = index::literal_of(&entry.rule).is_some();
                matcher::evaluate(entry.compiled().ok()?, s, lenient).map(|ev| (c, ev))
            })
            .collect();
        found.sort_by(|a, b| self.rank_key(a.0).cmp(&self.rank_key(b.0)));
        found
    }

    /// The documented order: priority, then conditions, then vendor before generic, then id.
    fn rank_key(
        &self,
        entry: usize,
    ) -> (std::cmp::Reverse<i32>, std::cmp::Reverse<usize>, bool, &str) {
        let e = &self.entries[entry];
        let conditions = e.compiled().map_or(0, |c| c.condition_count);
        (
            std::cmp::Reverse(e.rule.priority),
            std::cmp::Reverse(conditions),
            self.is_generic(e.api),
            e.rule.id.as_str(),
        )
    }
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

fn host_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            host.len() > suffix.len()
                && host.ends_with(suffix)
                && host[..host.len() - suffix.len()].ends_with('.')
        }
        None => pattern.eq_ignore_ascii_case(host),
    }
}

fn validate_id(id: &str, api: &str) -> Result<(), String> {
    let Some((prefix, slug)) = id.split_once('/') else {
        return Err(format!("id {id:?} is not <api>/<slug>"));
    };
    if prefix != api {
        return Err(format!(
            "id {id:?} does not start with this file's api {api:?}"
        ));
    }
    let kebab = !slug.is_empty()
        && slug.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if !kebab {
        return Err(format!(
            "id {id:?}: the slug must be kebab-case (a-z, 0-9, single dashes)"
        ));
    }
    Ok(())
}

/// JSON Schema of a rule file, as committed in `rules/schema.json`.
pub fn rule_file_schema() -> String {
    let schema = schemars::schema_for!(model::RuleFile);
    serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_patterns() {
        assert!(host_matches("api.hacktron.ai", "api.hacktron.ai"));
        assert!(host_matches("*.tumban.com", "api-v2.tumban.com"));
        assert!(!host_matches("*.tumban.com", "eviltumban.com"));
    }

    #[test]
    fn ids_are_checked() {
        assert!(validate_id("acme/bad-key", "acme").is_ok());
        assert!(validate_id("acme/Bad_Key", "acme").is_err());
        assert!(validate_id("other/x", "acme").is_err());
    }
}
