//! Which literal text indexes a rule. Shared by the library and `build.rs` (which
//! precomputes it for the built-in table), so this file depends on nothing but `std`.

/// The text a rule's body must contain, if any: the longest run of characters that JSON
/// never escapes, taken from the rule's literal tests (string `equals`, `contains`,
/// `starts_with`, `text.contains`).
pub fn longest_safe_run<'a>(tests: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    tests
        .into_iter()
        .filter_map(safe_run)
        .max_by(|a, b| a.len().cmp(&b.len()).then_with(|| b.cmp(a)))
}

pub fn safe_run(s: &str) -> Option<&str> {
    let unsafe_char =
        |c: char| !(c.is_ascii_graphic() || c == ' ') || matches!(c, '"' | '\\' | '/');
    s.split(unsafe_char)
        .map(str::trim)
        .filter(|run| run.len() >= 3)
        .max_by_key(|run| run.len())
}
