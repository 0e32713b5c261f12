//! Lookup tables (`tables` in a rule file): the row a request's method and path select.
//!
//! A row's path is matched as a suffix of the request path, so a base path (`/v1`) may
//! be left out. Segments are literals or placeholders:
//! - `{id}` matches one segment holding a digit: ids have one, while the action words
//!   that share their place (`export`, `search`, `bulk`) do not, so
//!   `GET /inventory/assets/export` is not taken for `GET /inventory/assets/{id}`;
//! - any other `{name}` matches one non-empty segment;
//! - `{...}`, last only, matches whatever follows (nothing included).
//!
//! When several rows match, the most specific wins: segments are compared from the
//! end of the path, a literal beating a placeholder and a placeholder beating `{...}`;
//! then the longer pattern, then a row naming the method; then the first row.

use std::cmp::Ordering;

use crate::facts::RequestFacts;
use crate::rules::model::TableRow;

/// The value of the most specific row matching the request, if any.
pub(crate) fn lookup<'t>(table: &'t [TableRow], f: &RequestFacts<'_>) -> Option<&'t str> {
    let path = f.path?;
    let method_ok = |row: &TableRow| {
        row.method
            .as_deref()
            .is_none_or(|m| f.method.is_some_and(|fm| fm.eq_ignore_ascii_case(m)))
    };
    table
        .iter()
        .filter(|row| method_ok(row) && path_matches(&row.path, path))
        .fold(None, |best: Option<&TableRow>, row| match best {
            Some(b) if specificity(b).cmp(&specificity(row)) != Ordering::Less => Some(b),
            _ => Some(row),
        })
        .map(|row| row.value.as_str())
}

/// `pattern` matches the end of `path` (see the module doc for the placeholders).
pub(crate) fn path_matches(pattern: &str, path: &str) -> bool {
    let want = segments(pattern);
    let have = segments(path);
    match want.split_last() {
        Some((&REST, fixed)) => {
            (fixed.len()..=have.len()).any(|end| ends_with(&have[..end], fixed))
        }
        _ => ends_with(&have, &want),
    }
}

const REST: &str = "{...}";

fn segments(path: &str) -> Vec<&str> {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.split('/').collect()
    }
}

fn ends_with(have: &[&str], want: &[&str]) -> bool {
    have.len() >= want.len()
        && want
            .iter()
            .zip(&have[have.len() - want.len()..])
            .all(|(w, h)| segment_matches(w, h))
}

fn segment_matches(want: &str, have: &str) -> bool {
    match placeholder(want) {
        None => want == have,
        Some("id") => have.bytes().any(|b| b.is_ascii_digit()),
        Some(_) => !have.is_empty(),
    }
}

fn placeholder(segment: &str) -> Option<&str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

/// Ordered so that the greater key is the more specific row.
fn specificity(row: &TableRow) -> (Vec<u8>, usize, bool) {
    let want = segments(&row.path);
    let weights = want
        .iter()
        .rev()
        .map(|s| match placeholder(s) {
            None => 2,
            Some("...") => 0,
            Some(_) => 1,
        })
        .collect();
    (weights, want.len(), row.method.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(method: Option<&str>, path: &str, value: &str) -> TableRow {
        TableRow {
            method: method.map(str::to_owned),
            path: path.to_owned(),
            value: value.to_owned(),
        }
    }

    fn facts<'a>(method: &'a str, path: &'a str) -> RequestFacts<'a> {
        RequestFacts {
            known: true,
            method: Some(method),
            path: Some(path),
            ..RequestFacts::default()
        }
    }

    #[test]
    fn paths_match_as_suffix_with_placeholders() {
        assert!(path_matches("/findings/{id}", "/v1/findings/f_123"));
        assert!(path_matches("/v1/scans", "/v1/scans/"));
        assert!(!path_matches("/findings/{id}", "/v1/findings"));
        assert!(!path_matches("/scans", "/v1/findings"));
    }

    #[test]
    fn an_id_placeholder_needs_a_digit_and_a_name_placeholder_does_not() {
        assert!(!path_matches(
            "/inventory/assets/{id}",
            "/v1/inventory/assets/export"
        ));
        assert!(path_matches(
            "/inventory/assets/{id}",
            "/v1/inventory/assets/a_9f"
        ));
        assert!(path_matches(
            "/templates/{slug}",
            "/v1/templates/nightly-full"
        ));
    }

    #[test]
    fn a_rest_placeholder_takes_any_tail_or_none() {
        assert!(path_matches("/inventory/{...}", "/v1/inventory"));
        assert!(path_matches(
            "/inventory/{...}",
            "/v1/inventory/assets/export"
        ));
        assert!(!path_matches("/inventory/{...}", "/v1/findings/export"));
        assert!(path_matches("/{...}", "/anything/at/all"));
    }

    #[test]
    fn the_most_specific_row_wins_whatever_the_order() {
        let rows = [
            row(Some("GET"), "/{endpoint}", "read class"),
            row(Some("GET"), "/scans/{id}", "scans:read"),
            row(None, "/scans/{id}/findings", "findings:read"),
            row(Some("GET"), "/{...}", "catalog"),
        ];
        let pick = |p| lookup(&rows, &facts("GET", p));
        assert_eq!(pick("/v1/scans/s_1/findings"), Some("findings:read"));
        assert_eq!(pick("/v1/scans/s_1"), Some("scans:read"));
        assert_eq!(pick("/v1/scans/export"), Some("read class"));
        assert_eq!(pick("/"), Some("catalog"));
        let reversed: Vec<TableRow> = rows.iter().rev().cloned().collect();
        assert_eq!(
            lookup(&reversed, &facts("GET", "/v1/scans/s_1/findings")),
            Some("findings:read")
        );
    }

    #[test]
    fn a_row_for_another_method_never_matches() {
        let rows = [row(Some("POST"), "/scans", "scans:run")];
        assert_eq!(lookup(&rows, &facts("GET", "/v1/scans")), None);
        assert_eq!(
            lookup(&rows, &facts("post", "/v1/scans")),
            Some("scans:run")
        );
    }
}
