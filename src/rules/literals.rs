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

/// Above this many literals a DFA's tables grow too large: aho-corasick's own choice.
const DFA_LITERALS: usize = 100;

#[derive(Debug)]
pub(super) struct Literals {
    machine: Machine,
    /// Finds the leftmost start of any literal; `None` where Teddy is not available
    /// (no SIMD, or more literals than it takes): the automaton then reads every byte.
    skip: Option<packed::Searcher>,
}

#[derive(Debug)]
enum Machine {
    Dfa(dfa::DFA),
    Nfa(contiguous::NFA),
}

impl Literals {
    pub(super) fn new(patterns: &[String]) -> Self {
        let machine = if patterns.len() <= DFA_LITERALS {
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
        let skip = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(patterns)
            .build();
        Self { machine, skip }
    }

    /// Calls `hit` with the pattern index of every occurrence in `hay`.
    pub(super) fn each_hit(&self, hay: &[u8], hit: impl FnMut(usize)) {
        match &self.machine {
            Machine::Dfa(dfa) => scan(dfa, self.skip.as_ref(), hay, hit),
            Machine::Nfa(nfa) => scan(nfa, self.skip.as_ref(), hay, hit),
        }
    }
}

fn scan(
    machine: &impl Automaton,
    skip: Option<&packed::Searcher>,
    hay: &[u8],
    mut hit: impl FnMut(usize),
) {
    let start = machine
        .start_state(Anchored::No)
        .expect("an unanchored automaton has an unanchored start");
    let mut state = start;
    let mut at = 0;
    while at < hay.len() {
        // In the start state no match is in progress: nothing can be found before the
        // next place a literal starts.
        if let (true, Some(skip)) = (state == start, skip) {
            match skip.find_in(hay, Span::from(at..hay.len())) {
                Some(m) => at = m.start(),
                None => return,
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
        let patterns: Vec<String> = ["missing scope", "scope", "scope: write", "pe"]
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
            "xx pe",
            "missing scop",
        ] {
            assert_eq!(found(&literals, hay), reference(&patterns, hay), "{hay:?}");
        }
    }

    /// Teddy takes at most 64 literals (the built-in table has 58): beyond, the DFA reads
    /// every byte, as aho-corasick's own search did.
    #[test]
    fn beyond_teddy_the_dfa_reads_every_byte_and_finds_the_same() {
        let patterns: Vec<String> = (0..80).map(|i| format!("lit{i}x")).collect();
        let literals = Literals::new(&patterns);
        assert!(matches!(literals.machine, Machine::Dfa(_)));
        assert!(literals.skip.is_none());
        for hay in ["lit7x lit77x lit79xlit0x", "lit", "xxlit12", ""] {
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
        fn beyond_the_dfa_the_nfa_reports_the_same(
            hay in "[a-z0-9 ]{0,200}",
        ) {
            let patterns: Vec<String> = (0..200).map(|i| format!("{}{i}", (b'a' + (i % 26) as u8) as char)).collect();
            let literals = Literals::new(&patterns);
            prop_assert!(literals.skip.is_none());
            prop_assert!(matches!(literals.machine, Machine::Nfa(_)));
            prop_assert_eq!(found(&literals, &hay), reference(&patterns, &hay));
        }
    }
}
