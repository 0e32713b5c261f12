//! The candidate index: a response is tested only against rules that could apply to
//! it — rules whose literal text occurs in its body, and the unliteral rules of the
//! generic pack and of the recognised API, bucketed by status.

use std::collections::HashMap;

use aho_corasick::AhoCorasick;

use super::compile::StatusSet;
use super::model::Rule;

/// Rules without a literal, by status.
#[derive(Debug, Default)]
struct StatusBuckets {
    exact: HashMap<u16, Vec<u32>>,
    class: [Vec<u32>; 6],
    any: Vec<u32>,
}

impl StatusBuckets {
    fn add(&mut self, rule: u32, status: Option<&StatusSet>) {
        match status {
            None => self.any.push(rule),
            Some(set) => {
                for code in &set.codes {
                    self.exact.entry(*code).or_default().push(rule);
                }
                for class in &set.classes {
                    self.class[usize::from(*class).min(5)].push(rule);
                }
            }
        }
    }

    fn collect(&self, status: Option<u16>, out: &mut Vec<u32>) {
        out.extend_from_slice(&self.any);
        if let Some(code) = status {
            if let Some(rules) = self.exact.get(&code) {
                out.extend_from_slice(rules);
            }
            if let Some(rules) = self.class.get(usize::from(code / 100)) {
                out.extend_from_slice(rules);
            }
        }
    }
}

#[derive(Debug)]
pub struct Index {
    literals: Option<AhoCorasick>,
    literal_rules: Vec<Vec<u32>>,
    /// Per API (same numbering as the rule set's APIs).
    unliteral: Vec<StatusBuckets>,
}

/// What the index needs to know of each rule.
pub struct IndexEntry<'a> {
    pub rule: &'a Rule,
    pub api: usize,
}

impl Index {
    pub fn build<'a>(entries: impl Iterator<Item = IndexEntry<'a>>, api_count: usize) -> Self {
        let mut patterns: Vec<String> = Vec::new();
        let mut literal_rules: Vec<Vec<u32>> = Vec::new();
        let mut unliteral: Vec<StatusBuckets> =
            (0..api_count).map(|_| StatusBuckets::default()).collect();
        for (i, e) in entries.enumerate() {
            let id = i as u32;
            match literal_of(e.rule) {
                Some(lit) => match patterns.iter().position(|p| *p == lit) {
                    Some(at) => literal_rules[at].push(id),
                    None => {
                        patterns.push(lit);
                        literal_rules.push(vec![id]);
                    }
                },
                None => {
                    let status = e
                        .rule
                        .when
                        .status
                        .as_ref()
                        .and_then(|s| StatusSet::from_spec(s).ok());
                    unliteral[e.api].add(id, status.as_ref());
                }
            }
        }
        let literals = (!patterns.is_empty())
            .then(|| AhoCorasick::new(&patterns).expect("literal patterns build"));
        Self {
            literals,
            literal_rules,
            unliteral,
        }
    }

    /// Candidate rule numbers for a body and status, considering the unliteral rules of
    /// the APIs in `apis`. Sorted, without duplicates.
    pub fn candidates(&self, body: &[u8], status: Option<u16>, apis: &[usize]) -> Vec<u32> {
        let mut out = Vec::new();
        if let Some(ac) = &self.literals {
            let mut seen = vec![false; self.literal_rules.len()];
            for m in ac.find_overlapping_iter(body) {
                let p = m.pattern().as_usize();
                if !std::mem::replace(&mut seen[p], true) {
                    out.extend_from_slice(&self.literal_rules[p]);
                }
            }
        }
        for api in apis {
            if let Some(buckets) = self.unliteral.get(*api) {
                buckets.collect(status, &mut out);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The text a rule's body must contain, if any: the longest run of characters that JSON
/// never escapes, taken from the rule's literal tests.
pub fn literal_of(rule: &Rule) -> Option<String> {
    let w = &rule.when;
    let from_body = w.body.iter().flat_map(|c| {
        let eq = c.equals.as_ref().and_then(|v| v.as_str());
        [eq, c.contains.as_deref(), c.starts_with.as_deref()]
    });
    let from_text = w.text.iter().map(|t| t.contains.as_deref());
    from_body
        .chain(from_text)
        .flatten()
        .filter_map(safe_run)
        .max_by(|a, b| a.len().cmp(&b.len()).then_with(|| b.cmp(a)))
        .map(str::to_string)
}

fn safe_run(s: &str) -> Option<&str> {
    let unsafe_char =
        |c: char| !(c.is_ascii_graphic() || c == ' ') || matches!(c, '"' | '\\' | '/');
    s.split(unsafe_char)
        .map(str::trim)
        .filter(|run| run.len() >= 3)
        .max_by_key(|run| run.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_runs_avoid_escapable_characters() {
        assert_eq!(
            safe_run("Token missing org_id — make sure"),
            Some("Token missing org_id")
        );
        assert_eq!(safe_run("only /api/v1/rest/ endpoints"), Some("endpoints"));
        assert_eq!(safe_run("a/b"), None);
    }
}
