//! Serves BENCHMARKS.md target 1 (one response <= 2x `cat`): with these answers
//! precomputed, a run neither parses nor sorts the built-in table to index it.
//!
//! What `build.rs` precomputes for the built-in table, computed by the same code the
//! library uses for user rules: which literal indexes a rule, whether its id is well
//! formed, and each rule's place in rank order. Shared with `build.rs`, so this file
//! depends on nothing but `std`.

/// The API name of the generic pack: its rules apply to every response, and rank after
/// a vendor's.
#[allow(unreachable_pub, reason = "re-exported as `rules::GENERIC_API`")]
pub const GENERIC_API: &str = "http";

/// The inverse of a permutation of `0..n`: where each number stands in it (a rank
/// order becomes each rule's place in it).
pub(crate) fn inverse(permutation: &[u32]) -> Vec<u32> {
    let mut inverse = vec![0; permutation.len()];
    for (at, &n) in permutation.iter().enumerate() {
        inverse[n as usize] = at as u32;
    }
    inverse
}

/// The text a rule's body must contain, if any: the longest run of characters that JSON
/// never escapes, taken from the rule's literal tests (string `equals`, `contains`,
/// `starts_with`, `text.contains`).
pub(crate) fn longest_safe_run<'a>(tests: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    tests
        .into_iter()
        .filter_map(safe_run)
        .max_by(|a, b| a.len().cmp(&b.len()).then_with(|| b.cmp(a)))
}

pub(crate) fn safe_run(s: &str) -> Option<&str> {
    let unsafe_char =
        |c: char| !(c.is_ascii_graphic() || c == ' ') || matches!(c, '"' | '\\' | '/');
    s.split(unsafe_char)
        .map(str::trim)
        .filter(|run| run.len() >= 3)
        .max_by_key(|run| run.len())
}

/// Why a rule id is malformed. Written out by hand, not with thiserror: this file
/// depends on nothing but `std`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BadId {
    NoSlash(String),
    OtherApi { id: String, api: String },
    NotKebab(String),
}

impl std::fmt::Display for BadId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoSlash(id) => write!(f, "id {id:?} is not <api>/<slug>"),
            Self::OtherApi { id, api } => {
                write!(f, "id {id:?} does not start with this file's api {api:?}")
            }
            Self::NotKebab(id) => write!(
                f,
                "id {id:?}: the slug must be kebab-case (a-z, 0-9, single dashes)"
            ),
        }
    }
}

impl std::error::Error for BadId {}

/// A rule id is `<api>/<kebab-case-slug>`, with the api of its file.
pub(crate) fn validate_id(id: &str, api: &str) -> Result<(), BadId> {
    let Some((prefix, slug)) = id.split_once('/') else {
        return Err(BadId::NoSlash(id.to_owned()));
    };
    if prefix != api {
        return Err(BadId::OtherApi {
            id: id.to_owned(),
            api: api.to_owned(),
        });
    }
    let kebab = !slug.is_empty()
        && slug.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if !kebab {
        return Err(BadId::NotKebab(id.to_owned()));
    }
    Ok(())
}

/// The class of a status class as `when.status` writes it: `"4xx"` → 4.
pub(crate) fn status_class(s: &str) -> Option<u16> {
    match s.as_bytes() {
        [d @ b'1'..=b'5', b'x' | b'X', b'x' | b'X'] => Some(u16::from(d - b'0')),
        _ => None,
    }
}

/// A status code `when.status` accepts.
pub(crate) fn status_code_valid(code: u16) -> bool {
    (100..=599).contains(&code)
}

/// A rule file in a rules folder: `*.json`, except the folder's `schema.json`.
pub(crate) fn is_rule_file(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|x| x == "json")
        && path.file_name().is_some_and(|n| n != "schema.json")
}
