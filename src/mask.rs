//! One masker for every output: secrets keep their vendor prefix and at most four more
//! characters (never more than a third of the secret), so a user can still tell which
//! key it was.

use std::borrow::Cow;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex::Regex;

use crate::facts::split_scheme;

/// Vendor prefixes of documented key shapes, longest first.
const KEY_PREFIXES: &[&str] = &[
    "blz_mgmt_",
    "wv_live_",
    "wv_test_",
    "hacktron_",
    "sk_live_",
    "sk_test_",
    "sk_",
];

/// Request/response headers whose whole value is a secret (after an auth scheme).
pub const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "x-auth-token",
    "cookie",
    "set-cookie",
];

/// Query parameters whose value is a secret.
const SECRET_PARAMS: &[&str] = &[
    "api_key",
    "apikey",
    "api-key",
    "key",
    "token",
    "access_token",
    "auth",
    "secret",
    "password",
    "sig",
    "signature",
    "client_secret",
];

static KEY_SHAPED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        // A header written out in text: `X-Api-Key: …`, `Authorization: Bearer …`, `Cookie: a=…; b=…`.
        r"(?P<cookie>(?i:\b(?:set-)?cookie)\s*:\s*)(?P<cookies>[^\r\n<>]+)",
        r#"|(?P<header>(?i:\b(?:proxy-authorization|authorization|x-api-key|api-key|x-auth-token))\s*:\s*)"#,
        r#"(?P<hscheme>(?i:bearer|apikey|basic|token|digest)\s+)?(?P<hvalue>[^\s;,"'<>…]{3,})"#,
        // A secret-named parameter: `api_key=…` in a URL or a form, `"token": "…"` in JSON.
        r#"|(?P<param>(?i:\b(?:api_key|apikey|api-key|access_token|refresh_token|id_token|token|key|secret|client_secret|password|passwd|auth|sig|signature))=)"#,
        r#"(?P<pvalue>[^&\s"'#<>…]{3,})"#,
        r#"|(?P<jname>"(?i:api_key|apikey|api-key|x-api-key|access_token|refresh_token|token|secret|client_secret|password|authorization|cookie)"\s*:\s*")"#,
        r#"(?P<jvalue>[^"…]{3,})"#,
        // Documented key shapes and JWTs.
        r"|(?P<key>(?:blz_mgmt_|wv_live_|wv_test_|hacktron_|sk_live_|sk_test_|sk_)[A-Za-z0-9_\-]{3,}",
        r"|eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*)",
        // A credential after an auth scheme.
        r"|(?P<scheme>(?i:\b(?:bearer|apikey|basic|token))\s+)(?P<cred>[A-Za-z0-9._~+/=\-]{8,})",
    ))
    .expect("the key-shape regex compiles")
});

/// Every alternative of [`KEY_SHAPED`] contains one of these (ignoring ASCII case).
/// Building that regex costs about a millisecond, so text without any of them, which
/// is most text, never builds it.
const ANCHORS: &[&str] = &[
    "cookie",
    "key",
    "auth",
    "token",
    "secret",
    "pass",
    "sig",
    "sk_",
    "wv_",
    "hacktron_",
    "blz_",
    "eyj",
    "bearer",
    "basic",
];

/// The anchors as a DFA: quick to search, but building it costs about as much as a
/// whole run on one response, so the first texts are scanned without it.
static ANCHOR_DFA: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .build(ANCHORS)
        .expect("the anchor patterns build")
});
/// Texts scanned before the DFA pays for itself (a long input).
const SCANS: usize = 1000;
static SCANNED: AtomicUsize = AtomicUsize::new(0);

fn may_hold_secret(text: &str) -> bool {
    if SCANNED.load(Ordering::Relaxed) < SCANS {
        SCANNED.fetch_add(1, Ordering::Relaxed);
        return has_anchor(text);
    }
    ANCHOR_DFA.is_match(text)
}

/// [`ANCHOR_DFA`] without an automaton.
fn has_anchor(text: &str) -> bool {
    let t = text.as_bytes();
    (0..t.len()).any(|i| {
        ANCHORS.iter().any(|a| {
            t[i..]
                .get(..a.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(a.as_bytes()))
        })
    })
}

/// Mask one secret value, keeping a vendor prefix and a few characters.
pub fn mask_secret(secret: &str) -> String {
    if secret.ends_with('…') {
        return secret.to_string(); // already masked
    }
    let prefix = KEY_PREFIXES
        .iter()
        .find(|p| secret.starts_with(**p))
        .copied()
        .unwrap_or("");
    let rest = &secret[prefix.len()..];
    let keep = (rest.chars().count() / 3).min(4);
    let shown = rest
        .char_indices()
        .nth(keep)
        .map_or(rest, |(end, _)| &rest[..end]);
    format!("{prefix}{shown}…")
}

/// Mask a header value: the auth scheme stays, the credential is masked; cookie values
/// keep their names.
pub fn mask_header(name: &str, value: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if !SECRET_HEADERS.contains(&lower.as_str()) {
        return mask_text(value).into_owned();
    }
    if lower == "cookie" || lower == "set-cookie" {
        return mask_cookies(value);
    }
    match value.trim().split_once(char::is_whitespace) {
        Some((scheme, cred)) if lower.contains("authorization") => {
            format!("{scheme} {}", mask_secret(cred.trim()))
        }
        _ => mask_secret(value.trim()),
    }
}

fn mask_cookies(value: &str) -> String {
    let mut parts = value.split(';');
    let first = parts.next().unwrap_or("");
    let masked_first = match first.split_once('=') {
        Some((n, v)) => format!("{n}={}", mask_secret(v.trim())),
        None => mask_secret(first),
    };
    // Set-Cookie attributes (Path, HttpOnly) are not secret; further Cookie pairs are.
    let rest = parts.map(|p| match p.split_once('=') {
        Some((n, v)) if !is_cookie_attribute(n) => format!("{n}={}", mask_secret(v.trim())),
        _ => p.to_string(),
    });
    std::iter::once(masked_first)
        .chain(rest)
        .collect::<Vec<_>>()
        .join(";")
}

fn is_cookie_attribute(name: &str) -> bool {
    ["path", "domain", "expires", "max-age", "samesite"]
        .contains(&name.trim().to_ascii_lowercase().as_str())
}

/// Mask secrets in a URL: userinfo and secret-named query parameters.
pub fn mask_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = mask_userinfo(base);
    let Some(query) = query else {
        return mask_text(&base).into_owned();
    };
    let mut masked = base.into_owned();
    for (i, pair) in query.split('&').enumerate() {
        masked.push(if i == 0 { '?' } else { '&' });
        match pair.split_once('=') {
            Some((k, v)) if SECRET_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(k)) => {
                masked.push_str(k);
                masked.push('=');
                masked.push_str(&mask_secret(v));
            }
            _ => masked.push_str(pair),
        }
    }
    match mask_text(&masked) {
        Cow::Borrowed(_) => masked,
        Cow::Owned(text) => text,
    }
}

fn mask_userinfo(base: &str) -> Cow<'_, str> {
    let Some((scheme, rest)) = split_scheme(base) else {
        return Cow::Borrowed(base);
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            Cow::Owned(format!(
                "{scheme}://{user}:…@{host}{}",
                &rest[authority_end..]
            ))
        }
        None => Cow::Borrowed(base),
    }
}

/// [`mask_text`] of a string the caller owns, which is kept, not copied, when it
/// holds nothing to mask.
pub fn mask_owned(text: String) -> String {
    match mask_text(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(masked) => masked,
    }
}

/// Mask key-shaped strings anywhere in free text (messages, body excerpts), and the
/// values of secret-named headers and parameters written out in it. Text that is
/// already masked (followed by `…`) is left as it is, so masking twice changes nothing.
pub fn mask_text(text: &str) -> Cow<'_, str> {
    if !may_hold_secret(text) {
        return Cow::Borrowed(text);
    }
    KEY_SHAPED.replace_all(text, |caps: &regex::Captures| {
        let whole = caps.get(0).expect("group 0 always matches");
        if text[whole.end()..].starts_with('…') {
            return whole.as_str().to_string();
        }
        let g = |name: &str| caps.name(name).map_or("", |m| m.as_str());
        if let Some(cookies) = caps.name("cookies") {
            return format!("{}{}", g("cookie"), mask_cookies(cookies.as_str()));
        }
        for (name, value) in [
            ("header", "hvalue"),
            ("param", "pvalue"),
            ("jname", "jvalue"),
            ("scheme", "cred"),
        ] {
            if let Some(v) = caps.name(value) {
                return format!("{}{}{}", g(name), g("hscheme"), mask_secret(v.as_str()));
            }
        }
        mask_secret(whole.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scan_and_the_automaton_find_the_same_anchors() {
        let texts = [
            "",
            "Forbidden",
            "Authorization: Bearer x",
            "https://api.example.com/v1?API_KEY=1",
            "hacktron_abc",
            "no secret here",
            "Set-Cookie: a=b",
            "eYJhbGciOi",
            "PASSWORD",
        ];
        for t in texts {
            assert_eq!(has_anchor(t), ANCHOR_DFA.is_match(t), "{t}");
        }
        assert!(has_anchor("x-api-KEY: 1"));
        assert!(has_anchor("…eyJ"));
        assert!(!has_anchor("Forbidden"));
    }

    #[test]
    fn keeps_prefix_and_at_most_four_more() {
        assert_eq!(mask_secret("wv_live_7Kq2abcdefghijklmnop"), "wv_live_7Kq2…");
        assert_eq!(mask_secret("wv_live_0000"), "wv_live_0…");
        assert_eq!(mask_secret("abc"), "a…");
    }

    #[test]
    fn headers_keep_scheme() {
        assert_eq!(
            mask_header("Authorization", "Bearer sk_0123456789abcdef"),
            "Bearer sk_0123…"
        );
        assert_eq!(
            mask_header("X-Api-Key", "hacktron_abcdefghijkl"),
            "hacktron_abcd…"
        );
        assert_eq!(
            mask_header("Set-Cookie", "session=abcdefghijkl; Path=/; HttpOnly"),
            "session=abcd…; Path=/; HttpOnly"
        );
    }

    #[test]
    fn urls_lose_secret_params_and_userinfo() {
        assert_eq!(
            mask_url("https://u:pw@api.x.com/v1?api_key=supersecretvalue&page=2"),
            "https://u:…@api.x.com/v1?api_key=supe…&page=2"
        );
    }

    #[test]
    fn key_shapes_in_text() {
        let t = mask_text("key wv_test_ABCDEFGHIJKLMNOP and eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl");
        assert!(
            !t.contains("ABCDEFGHIJKLMNOP") && !t.contains("c2lnbmF0dXJl"),
            "{t}"
        );
    }
}

#[cfg(test)]
mod anchor_tests {
    use super::*;

    /// The cheap pre-check never hides a secret the regex would find.
    #[test]
    fn every_secret_shape_passes_the_pre_check() {
        let samples = [
            "Cookie: a=1",
            "set-cookie: s=abcdef",
            "Authorization: Bearer abcdefghij",
            "PROXY-AUTHORIZATION: Basic dXNlcjpwYXNz",
            "X-Api-Key: abcdefgh",
            "x-auth-token: abcdefgh",
            "?api_key=abcdef",
            "?TOKEN=abcdef",
            "&secret=abcdef",
            "&password=abcdef",
            "&passwd=abcdef",
            "&sig=abcdef",
            "&auth=abcdef",
            r#""access_token": "abcdef""#,
            "blz_mgmt_bak_abc",
            "wv_live_abcdef",
            "wv_test_abcdef",
            "hacktron_abcdef",
            "sk_abcdef",
            "eyJhbGciOi.eyJzdWIiOi.sig",
            "token abcdefghij",
            "apikey abcdefghij",
        ];
        for s in samples {
            assert!(KEY_SHAPED.is_match(s), "{s} is a secret shape");
            assert!(may_hold_secret(s), "{s} must pass the pre-check");
        }
        assert!(!may_hold_secret("Upstream timed out after 30s"));
    }
}
