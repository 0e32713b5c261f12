//! Serves BENCHMARKS.md target 2 (a log at >= 50% of a bare parse) and target 4 (cost
//! per response with 10 000 user rules): the candidates, not the table, are tested.
//!
//! The candidate index: a response is tested only against rules that could apply to
//! it — rules whose literal text occurs in its body, and the unliteral rules of the
//! generic pack and of the recognised API, bucketed by the body kind they need and by
//! status. Rules are numbered here by rank, so candidates come out best first.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::literals::Literals;
use super::model::{BodyKind, Rule};

/// Rules without a literal, by status; those that test a transport failure apart,
/// since most responses are not one and they would fail their gate.
#[derive(Debug, Default)]
struct StatusBuckets {
    /// (status, rule), sorted once built: a status's rules are one run of it. (A map of
    /// lists would cost a run on one response a few hundred allocations.)
    exact: Vec<(u16, u32)>,
    class: [Vec<u32>; 6],
    any: Vec<u32>,
    transport: Vec<u32>,
}

impl StatusBuckets {
    fn add(&mut self, rule: u32, status: Option<(&[u16], &[u16])>, transport: bool) {
        if transport {
            self.transport.push(rule);
            return;
        }
        match status {
            None => self.any.push(rule),
            Some((codes, classes)) => {
                self.exact.extend(codes.iter().map(|&code| (code, rule)));
                for class in classes {
                    self.class[usize::from(*class).min(5)].push(rule);
                }
            }
        }
    }

    fn collect(&self, status: Option<u16>, transport_failure: bool, out: &mut RuleBits) {
        out.insert_all(&self.any);
        if transport_failure {
            out.insert_all(&self.transport);
        }
        if let Some(code) = status {
            let from = self.exact.partition_point(|&(c, _)| c < code);
            let run = self.exact[from..].iter().take_while(|&&(c, _)| c == code);
            out.insert_all(run.map(|(_, rule)| rule));
            if let Some(rules) = self.class.get(usize::from(code / 100)) {
                out.insert_all(rules);
            }
        }
    }
}

/// A set of rule numbers, one bit each. A response's candidates come from several
/// lists that overlap; gathering them as bits dedups them, and reading the bits back
/// yields them in order, so no sort is needed.
pub(crate) struct RuleBits {
    words: Words,
    /// Reading back: the word being read, and what is left of it.
    at: usize,
    word: u64,
}

/// The built-in table fits in the inline words: no allocation per response.
enum Words {
    Inline([u64; 8]),
    Heap(Vec<u64>),
}

impl RuleBits {
    fn new(rule_count: usize) -> Self {
        let n = rule_count.div_ceil(64);
        let words = if n <= 8 {
            Words::Inline([0; 8])
        } else {
            Words::Heap(vec![0; n])
        };
        Self {
            words,
            at: 0,
            word: 0,
        }
    }

    fn words(&mut self) -> &mut [u64] {
        match &mut self.words {
            Words::Inline(w) => w,
            Words::Heap(w) => w,
        }
    }

    fn insert_all<'r>(&mut self, rules: impl IntoIterator<Item = &'r u32>) {
        let words = self.words();
        for &rule in rules {
            words[rule as usize / 64] |= 1 << (rule % 64);
        }
    }
}

/// The numbers in ascending order.
impl Iterator for RuleBits {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        while self.word == 0 {
            let at = self.at;
            self.word = *self.words().get(at)?;
            self.at += 1;
        }
        let bit = self.word.trailing_zeros();
        self.word &= self.word - 1;
        Some((self.at as u32 - 1) * 64 + bit)
    }
}

/// Literal patterns scanned naively per body until this many body bytes have been
/// scanned in a run; then the Aho-Corasick automaton is built (a DFA over every literal
/// costs about a millisecond, far more than scanning one small response for each
/// literal, and far less than scanning a large log that way).
const NAIVE_SCAN_BUDGET: usize = 32 << 10;

/// What a naive scan counts against the budget at least, in body bytes.
const NAIVE_SCAN_MIN_CHARGE: usize = 256;

#[derive(Debug)]
pub(crate) struct Index {
    patterns: Vec<String>,
    literals: OnceLock<Literals>,
    /// Body bytes scanned so far without the automaton.
    naive_scanned: AtomicUsize,
    /// The rules of every pattern, pattern after pattern.
    literal_rules: Vec<u32>,
    /// Where each pattern's rules start in `literal_rules`, and where the last ends.
    runs: Vec<u32>,
    rule_count: usize,
    /// Per API (same numbering as the rule set's APIs), per body kind needed.
    unliteral: Vec<[StatusBuckets; KIND_SLOTS]>,
}

/// A bucket for rules that need no body kind, and one per kind.
const KIND_SLOTS: usize = 5;

fn kind_slot(kind: Option<BodyKind>) -> usize {
    match kind {
        None => 0,
        Some(BodyKind::Empty) => 1,
        Some(BodyKind::Json) => 2,
        Some(BodyKind::Html) => 3,
        Some(BodyKind::Text) => 4,
    }
}

/// What the index looks at in a response.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen<'a> {
    pub body: &'a [u8],
    pub kind: BodyKind,
    pub status: Option<u16>,
    pub transport_failure: bool,
}

/// What the index needs to know of each rule.
pub(crate) struct IndexEntry<'a> {
    /// The rule's number here: its place in rank order, so that candidates read back in
    /// number order are best first.
    pub number: u32,
    /// [`literal_of`] the rule.
    pub literal: Option<&'a str>,
    /// Its statuses as codes and classes (`None`: any status); the index files a rule
    /// without a literal under them.
    pub status: Option<(&'a [u16], &'a [u16])>,
    /// It tests a transport failure (`when.transport_error`).
    pub transport: bool,
    /// The body kind it cannot hold without (JSON for a rule that tests the JSON body).
    pub kind: Option<BodyKind>,
    pub api: usize,
}

impl Index {
    pub(crate) fn build<'a>(
        entries: impl Iterator<Item = IndexEntry<'a>>,
        api_count: usize,
    ) -> Self {
        let mut literal: Vec<(&'a str, u32)> = Vec::new();
        let mut unliteral: Vec<[StatusBuckets; KIND_SLOTS]> =
            (0..api_count).map(|_| Default::default()).collect();
        let mut rule_count = 0;
        for e in entries {
            let id = e.number;
            rule_count = rule_count.max(id as usize + 1);
            match e.literal {
                Some(lit) => literal.push((lit, id)),
                None => unliteral[e.api][kind_slot(e.kind)].add(id, e.status, e.transport),
            }
        }
        for buckets in unliteral.iter_mut().flatten() {
            buckets.exact.sort_unstable();
        }
        // Rules that share a literal share a pattern: its rules are one run of the list.
        literal.sort_unstable();
        let mut patterns: Vec<String> = Vec::new();
        let mut literal_rules = Vec::with_capacity(literal.len());
        let mut runs = vec![0];
        for (i, &(lit, id)) in literal.iter().enumerate() {
            if i > 0 && literal[i - 1].0 != lit {
                runs.push(literal_rules.len() as u32);
            }
            if runs.len() > patterns.len() {
                patterns.push(lit.to_owned());
            }
            literal_rules.push(id);
        }
        runs.push(literal_rules.len() as u32);
        Self {
            patterns,
            runs,
            literals: OnceLock::new(),
            naive_scanned: AtomicUsize::new(0),
            literal_rules,
            rule_count,
            unliteral,
        }
    }

    /// Candidate rule numbers for a response — its body, the body's kind, its status and
    /// whether no response arrived — considering the unliteral rules of the APIs in
    /// `apis`. Sorted (best first), without duplicates.
    pub(crate) fn candidates(
        &self,
        response: Seen<'_>,
        apis: impl Iterator<Item = usize>,
    ) -> RuleBits {
        let mut out = RuleBits::new(self.rule_count);
        self.literal_hits(response.body, |p| {
            let (from, to) = (self.runs[p] as usize, self.runs[p + 1] as usize);
            out.insert_all(&self.literal_rules[from..to]);
        });
        for api in apis {
            if let Some(slots) = self.unliteral.get(api) {
                for slot in [0, kind_slot(Some(response.kind))] {
                    slots[slot].collect(response.status, response.transport_failure, &mut out);
                }
            }
        }
        out
    }

    /// Calls `hit` for each pattern that occurs in `body`, at least once.
    fn literal_hits(&self, body: &[u8], mut hit: impl FnMut(usize)) {
        if self.patterns.is_empty() || body.is_empty() {
            return;
        }
        let ac = self.literals.get().or_else(|| {
            // Every naive scan searches for every literal, however short the body:
            // a log of short bodies reaches the budget too.
            let charge = body.len().max(NAIVE_SCAN_MIN_CHARGE);
            let scanned = self.naive_scanned.fetch_add(charge, Ordering::Relaxed);
            (scanned + charge > NAIVE_SCAN_BUDGET).then(|| self.automaton())
        });
        match ac {
            Some(literals) => literals.each_hit(body, hit),
            None => {
                for (p, pattern) in self.patterns.iter().enumerate() {
                    if contains(body, pattern.as_bytes()) {
                        hit(p);
                    }
                }
            }
        }
    }

    fn automaton(&self) -> &Literals {
        self.literals.get_or_init(|| Literals::new(&self.patterns))
    }

    /// Whether the literal scan skips text where no literal can start.
    #[cfg(test)]
    pub(crate) fn literal_scan_skips(&self) -> bool {
        self.automaton().skips()
    }
}

/// `needle` (not empty) occurs in `hay`.
pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    find(hay, needle).is_some()
}

/// Where `needle` (not empty) first occurs in `hay`. A short body is searched by first
/// byte, which costs less than setting up a substring searcher for each literal.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if hay.len() > 512 {
        return memchr::memmem::find(hay, needle);
    }
    let (first, rest) = (needle[0], &needle[1..]);
    memchr::memchr_iter(first, hay).find(|&i| hay[i + 1..].starts_with(rest))
}

/// The text a rule's body must contain, if any: the longest run of characters that JSON
/// never escapes, taken from the rule's literal tests.
pub(crate) fn literal_of(rule: &Rule) -> Option<String> {
    let w = &rule.when;
    let from_body = w.body.iter().flat_map(|c| {
        let eq = c.equals.as_ref().and_then(|v| v.as_str());
        [eq, c.contains.as_deref(), c.starts_with.as_deref()]
    });
    let from_text = w.text.iter().map(|t| t.contains.as_deref());
    super::shared::longest_safe_run(from_body.chain(from_text).flatten()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::super::shared::safe_run;
    use super::*;

    fn seen(body: &str) -> Seen<'_> {
        Seen {
            body: body.as_bytes(),
            kind: BodyKind::Text,
            status: Some(400),
            transport_failure: false,
        }
    }

    /// A rule with a literal, of any status.
    fn literal_entry(number: u32, literal: &str, api: usize) -> IndexEntry<'_> {
        IndexEntry {
            number,
            literal: Some(literal),
            status: None,
            transport: false,
            kind: None,
            api,
        }
    }

    #[test]
    fn short_and_long_bodies_are_searched_alike() {
        let long = "x".repeat(600);
        for hay in ["", "abc", "xxabcxx", "ab", "aab", "zzzzabc"] {
            for needle in ["abc", "a", "c", "xab", "zzzzz"] {
                assert_eq!(find(hay.as_bytes(), needle.as_bytes()), hay.find(needle));
                let padded = format!("{long}{hay}");
                assert_eq!(
                    find(padded.as_bytes(), needle.as_bytes()),
                    padded.find(needle)
                );
            }
        }
    }

    #[test]
    fn the_automaton_and_the_naive_scan_find_the_same_literals() {
        let literals = ["missing scope", "scope", "rate limit", "limit exceeded"];
        let entries = (literals.iter().enumerate()).map(|(i, l)| literal_entry(i as u32, l, i % 2));
        let index = Index::build(entries, 2);
        let bodies = [
            "{\"error\":\"missing scope: write\"}",
            "rate limit exceeded",
            "nothing",
            "scope rate limit exceeded missing scope",
        ];
        let naive: Vec<Vec<u32>> = bodies
            .iter()
            .map(|b| index.candidates(seen(b), [0, 1].into_iter()).collect())
            .collect();
        index.automaton();
        let automaton: Vec<Vec<u32>> = bodies
            .iter()
            .map(|b| index.candidates(seen(b), [0, 1].into_iter()).collect())
            .collect();
        assert_eq!(naive, automaton);
        assert_eq!(naive[0], vec![0, 1]);
        assert_eq!(naive[1], vec![2, 3]);
        assert!(naive[2].is_empty());
        assert_eq!(naive[3], vec![0, 1, 2, 3]);
    }

    /// A log of short bodies searches each one for every literal until the budget is
    /// spent, as a log of long ones does: then the automaton takes over.
    #[test]
    fn short_bodies_spend_the_naive_budget_too() {
        let entries =
            (["scope", "limit"].iter().enumerate()).map(|(i, l)| literal_entry(i as u32, l, 0));
        let index = Index::build(entries, 1);
        let calls = NAIVE_SCAN_BUDGET / NAIVE_SCAN_MIN_CHARGE + 1;
        for _ in 0..calls {
            assert!(index.literals.get().is_none());
            let found: Vec<u32> = index.candidates(seen("x"), [0].into_iter()).collect();
            assert!(found.is_empty());
        }
        assert!(index.literals.get().is_some());
        let found: Vec<u32> = index.candidates(seen(""), [0].into_iter()).collect();
        assert!(found.is_empty());
    }

    #[test]
    fn a_large_table_reads_its_candidates_back_in_order() {
        let literals: Vec<String> = (0..600).map(|i| format!("literal{i:03}x")).collect();
        let entries =
            (literals.iter().enumerate()).map(|(i, l)| literal_entry(599 - i as u32, l, 0));
        let index = Index::build(entries, 1);
        let found: Vec<u32> = index
            .candidates(seen("literal599x literal000x literal300x"), [0].into_iter())
            .collect();
        assert_eq!(found, vec![0, 299, 599]);
    }

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
