//! Serves BENCHMARKS.md target 2 (a log at >= 50% of a bare parse): large bodies cost a
//! fifth of a byte-at-a-time scan (session 4).
//!
//! Which of a set of literals occur in a text, each occurrence reported, overlapping
//! ones too. An Aho-Corasick automaton reads the text a byte at a time; where no match
//! is in progress, a vectorised search (Teddy) skips ahead to the next place one of the
//! literals starts. aho-corasick's own overlapping search can skip only with its
//! simpler prefilters (a few rare or starting bytes), which this many literals rule out
//! (its Teddy serves leftmost searches only), and a large body is mostly text where no
//! literal starts.

use aho_corasick::automaton::Automaton;
use aho_corasick::{Anchored, MatchKind, Span, dfa, nfa::contiguous, packed};

/// Above this many bytes of literals a DFA's tables grow too large (aho-corasick's own
/// choice is 100 literals; the built-in table's ~100 short ones make a DFA of well under
/// a mebibyte, whose transitions cost half the contiguous NFA's).
const DFA_BYTES: usize = 4096;

/// The most literals one Teddy, the vectorised searcher, takes.
const TEDDY_LITERALS: usize = 32;

/// How much of each literal the skip searches for: Teddy fingerprints at most the first
/// three bytes, and a shorter prefix would be found too often in plain text (a
/// two-byte cut measured slower than reading every byte).
const SKIP_PREFIX: usize = 3;

/// Texts shorter than this are read a byte at a time: the searchers' set-up on each
/// call costs more than the automaton saves on a short error body.
const SKIP_MIN_TEXT: usize = 1024;

#[derive(Debug)]
pub(super) struct Literals {
    machine: Machine,
    /// Find the leftmost place where a literal may start: a start of one of the
    /// literals' prefixes, each searcher a share of them. `None` where Teddy is not
    /// available (no SIMD, or a literal shorter than the prefix): the automaton then
    /// reads every byte.
    skip: Option<Vec<packed::Searcher>>,
}

#[derive(Debug)]
enum Machine {
    Dfa(dfa::DFA),
    Nfa(contiguous::NFA),
}

impl Literals {
    pub(super) fn new(patterns: &[String]) -> Self {
        let bytes: usize = patterns.iter().map(String::len).sum();
        let machine = if bytes <= DFA_BYTES {
            Machine::Dfa(
                dfa::DFA::builder()
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .build(patterns)
                    .expect("literal patterns build"),
            )
        } else {
            Machine::Nfa(
                contiguous::NFA::builder()
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .build(patterns)
                    .expect("literal patterns build"),
            )
        };
        let skip = skip_prefixes(patterns).and_then(|prefixes| {
            prefixes
                .chunks(TEDDY_LITERALS)
                .map(|share| {
                    packed::Config::new()
                        .match_kind(packed::MatchKind::LeftmostFirst)
                        .builder()
                        .extend(share)
                        .build()
                })
                .collect()
        });
        Self { machine, skip }
    }

    #[cfg(test)]
    pub(super) fn skips(&self) -> bool {
        self.skip.is_some()
    }

    /// Calls `hit` with the pattern index of every occurrence in `hay`.
    pub(super) fn each_hit(&self, hay: &[u8], hit: impl FnMut(usize)) {
        let skip = self.skip.as_deref().filter(|_| hay.len() >= SKIP_MIN_TEXT);
        match &self.machine {
            Machine::Dfa(dfa) => scan(dfa, skip, hay, hit),
            Machine::Nfa(nfa) => scan(nfa, skip, hay, hit),
        }
    }
}

/// The literals' distinct prefixes of [`SKIP_PREFIX`] bytes. Every occurrence of a
/// literal starts with its prefix, so the leftmost prefix is never after the leftmost
/// literal; a prefix that leads nowhere costs the automaton a few bytes before it is
/// back in its start state. `None` when a literal is shorter (its own bytes would do,
/// but the built-in table has none, and one short literal makes every search slow).
fn skip_prefixes(patterns: &[String]) -> Option<Vec<&[u8]>> {
    let mut prefixes: Vec<&[u8]> = patterns
        .iter()
        .map(|p| p.as_bytes().get(..SKIP_PREFIX))
        .collect::<Option<_>>()?;
    prefixes.sort_unstable();
    prefixes.dedup();
    Some(prefixes)
}

fn scan(
    machine: &impl Automaton,
    skip: Option<&[packed::Searcher]>,
    hay: &[u8],
    mut hit: impl FnMut(usize),
) {
    let start = machine
        .start_state(Anchored::No)
        .expect("an unanchored automaton has an unanchored start");
    let mut state = start;
    let mut at = 0;
    // Where each searcher's next prefix starts (`None`: not searched yet, or passed).
    let mut next = [None; 4];
    while at < hay.len() {
        // In the start state no match is in progress: nothing can be found before the
        // next place a literal starts.
        if let (true, Some(skip)) = (state == start, skip) {
            at = next_start(skip, &mut next, hay, at);
            if at == hay.len() {
                return;
            }
        }
        state = machine.next_state(Anchored::No, state, hay[at]);
        at += 1;
        if machine.is_match(state) {
            for i in 0..machine.match_len(state) {
                hit(machine.match_pattern(state, i).as_usize());
            }
        }
    }
}

/// The leftmost prefix start at or after `at` (`hay.len()`: none), searching again only
/// with the searchers whose last answer lies behind `at`. Beyond the four searchers
/// `next` remembers, each is asked every time.
fn next_start(
    skip: &[packed::Searcher],
    next: &mut [Option<usize>; 4],
    hay: &[u8],
    at: usize,
) -> usize {
    let mut leftmost = hay.len();
    for (i, searcher) in skip.iter().enumerate() {
        let known = next.get(i).copied().flatten().filter(|&n| n >= at);
        let found = known.unwrap_or_else(|| {
            searcher
                .find_in(hay, Span::from(at..hay.len()))
                .map_or(hay.len(), |m| m.start())
        });
        if let Some(slot) = next.get_mut(i) {
            *slot = Some(found);
        }
        leftmost = leftmost.min(found);
    }
    leftmost
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn found(literals: &Literals, hay: &str) -> Vec<usize> {
        let mut hits = Vec::new();
        literals.each_hit(hay.as_bytes(), |p| hits.push(p));
        hits
    }

    /// What aho-corasick's own overlapping search reports, in the same order.
    fn reference(patterns: &[String], hay: &str) -> Vec<usize> {
        aho_corasick::AhoCorasick::new(patterns)
            .unwrap()
            .find_overlapping_iter(hay)
            .map(|m| m.pattern().as_usize())
            .collect()
    }

    #[test]
    fn overlapping_and_nested_literals_are_all_found() {
        let patterns: Vec<String> = ["missing scope", "scope", "scope: write", "ope"]
            .map(String::from)
            .to_vec();
        let literals = Literals::new(&patterns);
        // The skipping under test is there on the machines this runs on.
        #[cfg(target_arch = "x86_64")]
        assert!(literals.skip.is_some());
        for hay in [
            "",
            "missing scope: write",
            "scopescope",
            "xx ope",
            "missing scop",
        ] {
            assert_eq!(found(&literals, hay), reference(&patterns, hay), "{hay:?}");
        }
    }

    /// One Teddy takes at most 32 literals here (the built-in table has over 100): the
    /// literals' distinct 3-byte prefixes are shared among several, and the automaton
    /// finds the same.
    #[test]
    fn more_literals_than_one_teddy_takes_skip_by_their_prefixes() {
        let patterns: Vec<String> = (0x21u8..0x71)
            .map(|b| format!("{}yz{b}", b as char))
            .collect();
        let literals = Literals::new(&patterns);
        #[cfg(target_arch = "x86_64")]
        assert_eq!(literals.skip.as_ref().map(Vec::len), Some(3));
        assert_eq!(skip_prefixes(&patterns).unwrap().len(), 80);
        for hay in [
            "ayz97 byz98cyz99",
            "yz",
            "xx!yz33",
            "",
            "pyz112 qyz113 !yz33",
        ] {
            assert_eq!(found(&literals, hay), reference(&patterns, hay), "{hay:?}");
        }
    }

    /// A literal shorter than the prefix: the automaton reads every byte.
    #[test]
    fn with_a_short_literal_the_dfa_reads_every_byte_and_finds_the_same() {
        let patterns: Vec<String> = ["ab", "abc", "bcd"].map(String::from).to_vec();
        let literals = Literals::new(&patterns);
        assert!(matches!(literals.machine, Machine::Dfa(_)));
        assert!(literals.skip.is_none());
        for hay in ["xabcd", "ab", "bc", ""] {
            assert_eq!(found(&literals, hay), reference(&patterns, hay), "{hay:?}");
        }
    }

    proptest! {
        #[test]
        fn reports_what_the_overlapping_search_reports(
            patterns in prop::collection::vec("[abc ]{1,6}", 1..12),
            hay in "[abcd ]{0,300}",
        ) {
            let literals = Literals::new(&patterns);
            prop_assert_eq!(found(&literals, &hay), reference(&patterns, &hay));
        }

        #[test]
        fn cut_prefixes_find_what_the_overlapping_search_finds(
            patterns in prop::collection::vec("[a-e]{3,6}", 33..150),
            hay in "[a-f ]{0,300}",
        ) {
            let literals = Literals::new(&patterns);
            prop_assert_eq!(found(&literals, &hay), reference(&patterns, &hay));
        }

        #[test]
        fn beyond_the_dfa_the_nfa_reports_the_same(
            hay in "[a-z0-9 ]{0,200}",
        ) {
            // 200 literals of over 20 bytes: more than a DFA is built for.
            let patterns: Vec<String> = (0..200)
                .map(|i| format!("{}{i}{}", (b'a' + (i % 26) as u8) as char, "q".repeat(i % 5 + 18)))
                .chain((0..20).map(|i| format!("{}{i}", (b'a' + i as u8) as char)))
                .collect();
            let literals = Literals::new(&patterns);
            prop_assert!(matches!(literals.machine, Machine::Nfa(_)));
            prop_assert_eq!(found(&literals, &hay), reference(&patterns, &hay));
        }
    }
}
