//! Recognising the API a response belongs to: request host, credential prefix, vendor
//! response headers; failing those, the vendor's documented vocabulary in the body.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::RuleSet;
use super::matcher::Subject;
#[cfg(test)]
use super::model::Recognise;

/// The APIs' recognition evidence as maps, built when first needed.
#[derive(Debug, Default)]
pub(super) struct Recognition {
    /// The APIs whose rules are asked on every response: the generic pack and layers.
    pub(super) generic: Vec<usize>,
    /// Lower-cased exact host → (API, pattern length).
    exact_hosts: BTreeMap<String, Vec<(usize, usize)>>,
    /// The suffix of a `*.suffix` pattern, as written → (API, pattern length).
    wildcard_hosts: BTreeMap<String, Vec<(usize, usize)>>,
    key_prefixes: BTreeMap<String, Vec<usize>>,
    longest_prefix: usize,
    /// Lower-cased header name → APIs.
    headers: BTreeMap<String, Vec<usize>>,
    /// Every API's vocabulary in one searcher, built only when a response needs it
    /// (none of the strong evidence above named an API); pattern number → `terms`.
    vocabulary: OnceLock<Option<AhoCorasick>>,
    /// The same searcher as a DFA, for a long input (see [`Recognition::vocabulary`]).
    vocabulary_dfa: OnceLock<Option<AhoCorasick>>,
    /// Bodies searched for vocabulary so far.
    scans: AtomicUsize,
    terms: Vec<(usize, String)>,
}

/// Bodies searched term by term before any automaton is built: the contiguous NFA
/// costs about 2 M instructions to build, half of a whole run on one response, and a
/// small body is searched for each term for a fraction of that.
const VOCABULARY_NFA_AFTER: usize = 16;

/// Bodies searched with the contiguous NFA before the DFA is built: the DFA reads a
/// body several times faster, but costs about 10 M instructions to build, which only
/// a long input (a log) pays back.
const VOCABULARY_DFA_AFTER: usize = 1000;

impl Recognition {
    /// The terms' leftmost-longest, non-overlapping occurrences in `body`, as
    /// (start, end, term number). Every way of searching finds the same: the
    /// automaton's kind, or none, changes the speed of a search, never its result.
    fn vocabulary_in<'a>(
        &'a self,
        body: &'a [u8],
    ) -> Box<dyn Iterator<Item = (usize, usize, usize)> + 'a> {
        let scans = self.scans.fetch_add(1, Ordering::Relaxed);
        if scans < VOCABULARY_NFA_AFTER {
            return Box::new(naive_matches(&self.terms, body));
        }
        let searcher = if scans >= VOCABULARY_DFA_AFTER {
            self.vocabulary_dfa
                .get_or_init(|| self.vocabulary_of_kind(AhoCorasickKind::DFA))
        } else {
            // A contiguous NFA: the DFA `build_auto` picks for this many terms cost a
            // run on one response ten times its whole diagnosis to build, to scan at
            // most 64 KiB.
            self.vocabulary
                .get_or_init(|| self.vocabulary_of_kind(AhoCorasickKind::ContiguousNFA))
        };
        match searcher {
            Some(ac) => Box::new(
                ac.find_iter(body)
                    .map(|m| (m.start(), m.end(), m.pattern().as_usize())),
            ),
            None => Box::new(std::iter::empty()),
        }
    }

    fn vocabulary_of_kind(&self, kind: AhoCorasickKind) -> Option<AhoCorasick> {
        let patterns = self.terms.iter().map(|(_, t)| t.as_str());
        AhoCorasick::builder()
            .kind(Some(kind))
            .match_kind(MatchKind::LeftmostLongest)
            .build(patterns)
            .ok()
            .filter(|_| !self.terms.is_empty())
    }
}

/// An API named by its documented vocabulary alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VocabularyMatch {
    pub api: usize,
    /// The distinct terms found, in the order they first appear in the body.
    pub terms: Vec<String>,
}

impl RuleSet {
    pub(super) fn recognition(&self) -> &Recognition {
        self.recognition.get_or_init(|| {
            let mut r = Recognition::default();
            for (i, api) in self.apis.iter().enumerate() {
                if self.is_generic(i) || api.recognise.layer {
                    r.generic.push(i);
                }
                for p in &api.recognise.hosts {
                    let (map, key) = match p.strip_prefix("*.") {
                        Some(suffix) => (&mut r.wildcard_hosts, suffix.to_owned()),
                        None => (&mut r.exact_hosts, p.to_ascii_lowercase()),
                    };
                    map.entry(key).or_default().push((i, p.len()));
                }
                for p in &api.recognise.key_prefixes {
                    r.key_prefixes.entry(p.clone()).or_default().push(i);
                    r.longest_prefix = r.longest_prefix.max(p.len());
                }
                for h in &api.recognise.headers {
                    r.headers.entry(h.to_ascii_lowercase()).or_default().push(i);
                }
                // An empty term would be found between any two characters.
                let terms = api.recognise.vocabulary.iter().filter(|t| !t.is_empty());
                r.terms.extend(terms.map(|t| (i, t.clone())));
            }
            r
        })
    }

    /// The API the response's request or headers name, if any. Within one kind of
    /// evidence the most specific pattern wins, then the API name, so the answer never
    /// depends on the order packs were loaded in. Looked up in maps built once, so the
    /// cost does not grow with the number of APIs.
    pub(crate) fn recognise(&self, s: &Subject<'_>) -> Option<usize> {
        let r = self.recognition();
        let best = |found: &mut dyn Iterator<Item = (usize, usize)>| {
            found
                .min_by(|(a, la), (b, lb)| {
                    lb.cmp(la)
                        .then_with(|| self.apis[*a].name.cmp(&self.apis[*b].name))
                })
                .map(|(i, _)| i)
        };
        let by_host = || {
            let host = s.facts.host?.to_ascii_lowercase();
            let exact = r.exact_hosts.get(&host).into_iter().flatten();
            let dots = host.match_indices('.').map(|(i, _)| &host[i + 1..]);
            let wild = dots.flat_map(|suffix| r.wildcard_hosts.get(suffix).into_iter().flatten());
            best(&mut exact.chain(wild).copied())
        };
        let by_key = || {
            let cred = s.facts.credential?;
            (0..=cred.len().min(r.longest_prefix))
                .rev()
                .filter(|&l| cred.is_char_boundary(l))
                .find_map(|l| r.key_prefixes.get(&cred[..l]))
                .and_then(|apis| best(&mut apis.iter().map(|&i| (i, 0))))
        };
        let by_header = || {
            let names = s.resp.headers.iter().map(|(n, _)| n.to_ascii_lowercase());
            let apis: Vec<usize> = names
                .filter_map(|n| r.headers.get(&n))
                .flatten()
                .copied()
                .collect();
            best(&mut apis.into_iter().map(|i| (i, 0)))
        };
        by_host().or_else(by_key).or_else(by_header)
    }

    /// The API whose documented vocabulary the body uses (whole words only), when the
    /// request does not name a host: a host that is a name and no API's (strong
    /// recognition would have caught it otherwise) contradicts any vocabulary. The API
    /// with the most distinct terms wins, then the API name.
    pub(crate) fn recognise_by_vocabulary(&self, s: &Subject<'_>) -> Option<VocabularyMatch> {
        if s.facts.host.is_some_and(is_named_host) {
            return None;
        }
        let r = self.recognition();
        let body = s.resp.body.bytes();
        // Documented vocabulary lives in small error bodies: reading past their size
        // would cost every large body a second full scan for nothing.
        let body = &body[..body.len().min(VOCABULARY_SCAN)];
        let mut found: Vec<(usize, &str)> = Vec::new();
        for (start, end, term) in r.vocabulary_in(body) {
            let word = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
            let before = start.checked_sub(1).and_then(|i| body.get(i));
            if word(before) || word(body.get(end)) {
                continue;
            }
            let (api, term) = &r.terms[term];
            if !found.contains(&(*api, term.as_str())) {
                found.push((*api, term.as_str()));
            }
        }
        let count = |api: usize| found.iter().filter(|(a, _)| *a == api).count();
        let api = found.iter().map(|(a, _)| *a).max_by(|a, b| {
            count(*a)
                .cmp(&count(*b))
                .then_with(|| self.apis[*b].name.cmp(&self.apis[*a].name))
        })?;
        let terms = found.iter().filter(|(a, _)| *a == api);
        Some(VocabularyMatch {
            api,
            terms: terms.map(|(_, t)| t.to_string()).collect(),
        })
    }

    /// The reference [`RuleSet::recognise`] is tested against: every API's evidence
    /// tested in turn.
    #[cfg(test)]
    fn recognise_exhaustive(&self, s: &Subject<'_>) -> Option<usize> {
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
}

/// What [`AhoCorasick::find_iter`] finds with [`MatchKind::LeftmostLongest`], found
/// term by term: at each step the leftmost start of any term, the longest term there
/// (the first listed among equals), then on from its end.
fn naive_matches<'a>(
    terms: &'a [(usize, String)],
    body: &'a [u8],
) -> impl Iterator<Item = (usize, usize, usize)> + 'a {
    let find = |from: usize, term: &str| {
        super::index::find(&body[from..], term.as_bytes()).map(|i| from + i)
    };
    // Each term's next start at or after `at` (`None`: no more), searched again only
    // once `at` has passed it: a body full of terms is still read once per term.
    let mut next: Vec<Option<usize>> = terms.iter().map(|(_, t)| find(0, t)).collect();
    let mut at = 0;
    std::iter::from_fn(move || {
        let mut best: Option<(usize, usize, usize)> = None;
        for (number, (_, term)) in terms.iter().enumerate() {
            if next[number].is_some_and(|start| start < at) {
                next[number] = find(at, term);
            }
            let Some(start) = next[number] else { continue };
            let end = start + term.len();
            if best.is_none_or(|(s, e, _)| start < s || (start == s && end > e)) {
                best = Some((start, end, number));
            }
        }
        let found = best?;
        at = found.1;
        Some(found)
    })
}

/// How much of a body the vocabulary is looked for in.
const VOCABULARY_SCAN: usize = 64 << 10;

/// A DNS name, not an address or `localhost` (a mock, a tunnel or a local proxy says
/// nothing about which API is behind it).
fn is_named_host(host: &str) -> bool {
    let host = host.trim_start_matches('[');
    !host.eq_ignore_ascii_case("localhost")
        && host.parse::<std::net::Ipv4Addr>().is_err()
        && !host.contains(':')
        && host.bytes().any(|b| b.is_ascii_alphabetic())
}

/// The exhaustive oracle's host test; the run itself looks hosts up in a map.
#[cfg(test)]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Origin;
    use crate::rules::loader;

    /// The NFA and the DFA a long input switches to find what the term-by-term search
    /// of the first bodies finds.
    #[test]
    fn every_vocabulary_search_finds_the_same() {
        let set = RuleSet::builtin().unwrap();
        let r = set.recognition();
        let nfa = r
            .vocabulary_of_kind(AhoCorasickKind::ContiguousNFA)
            .unwrap();
        let dfa = r.vocabulary_of_kind(AhoCorasickKind::DFA).unwrap();
        let mut bodies: Vec<String> = r.terms.iter().map(|(_, t)| format!("x {t} y")).collect();
        bodies.push(
            r.terms
                .iter()
                .map(|(_, t)| t.as_str())
                .collect::<Vec<_>>()
                .join(""),
        );
        bodies.push(
            r.terms
                .iter()
                .map(|(_, t)| t.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        );
        bodies.push("nothing of any API".into());
        // Overlapping terms, and terms that start inside one another.
        let half = |t: &str| (t.len() / 2 + 1..=t.len()).find(|&i| t.is_char_boundary(i));
        let overlapping: String = r
            .terms
            .iter()
            .map(|(_, t)| &t[..half(t).unwrap()])
            .collect();
        bodies.push(overlapping.clone() + &bodies[bodies.len() - 3]);
        for body in &bodies {
            let found = |a: &AhoCorasick| -> Vec<_> {
                a.find_iter(body.as_bytes())
                    .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                    .collect()
            };
            let naive: Vec<_> = naive_matches(&r.terms, body.as_bytes()).collect();
            assert_eq!(found(&nfa), found(&dfa), "{body}");
            assert_eq!(naive, found(&nfa), "{body}");
        }
    }

    /// An empty term in a pack would be "found" between any two characters and name
    /// its API on every body.
    #[test]
    fn an_empty_vocabulary_term_names_no_api() {
        let pack = serde_json::json!({
            "api": "aardvark", "name": "Aardvark",
            "recognise": {"vocabulary": ["", "aardvark_error"]},
            "rules": []
        });
        let file = (
            Origin::User("aardvark.json".into()),
            serde_json::from_value(pack).unwrap(),
        );
        let set = RuleSet::from_files(vec![file]).unwrap();
        let mut resp = crate::response::Response {
            status: Some(400),
            body: crate::response::Body::new(b"{\"message\": \"bad request\"}".to_vec()),
            ..Default::default()
        };
        assert!(set.recognise_by_vocabulary(&Subject::new(&resp)).is_none());
        resp.body = crate::response::Body::new(b"{\"code\": \"aardvark_error\"}".to_vec());
        let found = set.recognise_by_vocabulary(&Subject::new(&resp)).unwrap();
        assert_eq!(found.terms, vec!["aardvark_error"]);
    }

    #[test]
    fn host_patterns() {
        assert!(host_matches("api.hacktron.ai", "api.hacktron.ai"));
        assert!(host_matches("*.tumban.com", "api-v2.tumban.com"));
        assert!(!host_matches("*.tumban.com", "eviltumban.com"));
    }

    #[test]
    fn recognition_maps_agree_with_testing_every_api() {
        use crate::response::{Request, Response};
        let mut files = loader::builtin_files().unwrap();
        // Overlapping evidence across APIs: ties are broken by specificity, then name.
        let extra = serde_json::json!({
            "api": "aardvark", "name": "Aardvark",
            "recognise": {
                "hosts": ["*.hacktron.ai", "API.Aardvark.example", "*.example"],
                "key_prefixes": ["wv_", "wv_live_", "hack"],
                "headers": ["X-Request-Id", "cf-ray"]
            },
            "rules": []
        });
        files.push((
            Origin::User("aardvark.json".into()),
            serde_json::from_value(extra).unwrap(),
        ));
        let set = RuleSet::from_files(files).unwrap();
        let mut hosts = vec![
            "api.aardvark.example",
            "x.example",
            "example",
            "a.b.hacktron.ai",
            "hacktron.ai",
        ];
        let mut keys = vec!["wv_live_abc", "wv_x", "hacktron_1", "h", ""];
        let mut headers = vec!["X-REQUEST-ID", "cf-ray", "server", "x-nothing"];
        for api in set.apis() {
            hosts.extend(
                api.recognise
                    .hosts
                    .iter()
                    .map(|h| h.trim_start_matches("*.")),
            );
            keys.extend(api.recognise.key_prefixes.iter().map(String::as_str));
            headers.extend(api.recognise.headers.iter().map(String::as_str));
        }
        let with_request = |host: Option<&str>, key: Option<&str>| {
            let mut r = Response::default();
            let mut req = Request::default();
            if let Some(h) = host {
                req.url = Some(format!("https://{h}/v1/x"));
            }
            if let Some(k) = key {
                req.headers.push("Authorization", format!("Bearer {k}x"));
            }
            r.request = Some(req);
            r
        };
        let mut responses = Vec::new();
        for h in &hosts {
            responses.push(with_request(Some(h), None));
            responses.push(with_request(Some(&format!("deep.{h}")), None));
        }
        for k in &keys {
            responses.push(with_request(None, Some(k)));
        }
        for h in &headers {
            let mut r = Response::default();
            r.headers.push(*h, "1");
            responses.push(r);
        }
        let entries = set.entries().iter();
        responses.extend(entries.flat_map(|e| {
            e.rule
                .examples
                .must_match
                .iter()
                .map(super::super::model::Example::to_response)
        }));
        for r in &responses {
            let s = Subject::new(r);
            assert_eq!(set.recognise(&s), set.recognise_exhaustive(&s), "{r:?}");
        }
    }
}
