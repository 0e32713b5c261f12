//! One masker for every output: secrets keep their vendor prefix and at most four more
//! characters (never more than a third of the secret), so a user can still tell which
//! key it was.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex::Regex;

/// Vendor prefixes of documented and well-known key shapes; a prefix comes before any
/// shorter one it starts with (`sk_live_` before `sk_`).
const KEY_PREFIXES: &[&str] = &[
    "blz_mgmt_",
    "wv_live_",
    "wv_test_",
    "hacktron_",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "sk_",
    "sk-",
    "github_pat_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "glpat-",
    "xoxa-",
    "xoxb-",
    "xoxe-",
    "xoxo-",
    "xoxp-",
    "xoxr-",
    "xoxs-",
    "AKIA",
    "ASIA",
    "AIza",
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

/// Parameter and JSON member names whose value is a secret are told by their last
/// word, after any parts joined by `_`, `-` or `.` (`auth_token`, `client_secret`,
/// `X-Amz-Signature`, `session_id`); a `\b` alone cannot find `token` in `auth_token`,
/// as `_` is a word character. Every name starts with a literal word, which the regex
/// crate searches for first: a pattern for the parts before it would be tried at
/// every byte of every text. These words end a secret name wherever they start
/// (`accesstoken`, `jsessionid`, lower case, `(?i)` in the pattern).
macro_rules! strong_word {
    () => {
        r"(?:token|secret|passw(?:or)?d|apikey|sessionid|sessid)"
    };
}

/// Words that name a secret as a whole part of a name (`pwd`, not `xpwd`).
macro_rules! part_word {
    () => {
        r"(?:pwd|signature|credentials?|session[_.\-]id)"
    };
}

/// Words that name a secret in a URL or a form, and in JSON only after another part
/// (`"api_key"`): a JSON `"key"` or `"auth"` member is as often a field's name.
macro_rules! weak_word {
    () => {
        r"(?:key|sig|auth)"
    };
}

/// The alternatives of the key-shape pattern, in order, each with lists of words:
/// every match of it contains (ignoring ASCII case) a word of each list. [`KEY_SHAPED`] is their
/// alternation; [`shapes_for`] builds only the alternatives a text can match.
///
/// Word boundaries are ASCII ones (`(?-u:\b)`): a Unicode one keeps the regex crate
/// off its fast engines for any text that is not all ASCII, which made this pattern
/// an order of magnitude slower on an em dash, and keys are ASCII anyway.
const SHAPES: [(&str, &[&[&str]]); 7] = [
    // A header written out in text: `X-Api-Key: …`, `Authorization: Bearer …`, `Cookie: a=…; b=…`.
    (
        r"(?P<cookie>(?i:(?-u:\b)(?:set-)?cookie)\s*:\s*)(?P<cookies>[^\r\n<>]+)",
        &[&["cookie"], &[":"]],
    ),
    (
        concat!(
            r#"(?P<header>(?i:(?-u:\b)(?:proxy-authorization|authorization|x-api-key|api-key|x-auth-token))\s*:\s*)"#,
            r#"(?P<hscheme>(?i:bearer|apikey|basic|token|digest)\s+)?(?P<hvalue>[^\s;,"'<>…]{3,})"#,
        ),
        &[&["authorization", "api-key", "x-auth-token"], &[":"]],
    ),
    // The user name and password of a URL (`https://TOKEN@host`, `user:pass@host`).
    (
        r#"(?P<slashes>://)(?P<userinfo>[^\s/?#@"'<>]+)@"#,
        &[&["://"], &["@"]],
    ),
    // A secret-named parameter: `api_key=…` in a URL or a form, OAuth's `?code=…`.
    (
        concat!(
            r"(?P<param>(?i:",
            strong_word!(),
            r"|(?:(?-u:\b)|_)",
            part_word!(),
            r"|(?:(?-u:\b)|_)",
            weak_word!(),
            r"|[?&]code)=)",
            r#"(?P<pvalue>[^&\s"'#<>…]+)"#,
        ),
        &[PARAM_NAMES, &["="]],
    ),
    // `"token": "…"` in JSON.
    (
        concat!(
            r#"(?P<jname>"(?i:[a-z0-9_.\-]*"#,
            strong_word!(),
            r"|(?:[a-z0-9_.\-]*[_.\-])?",
            part_word!(),
            r"|[a-z0-9_.\-]*[_.\-]",
            weak_word!(),
            r#"|authorization|cookie)"\s*:\s*")"#,
            r#"(?P<jvalue>[^"…]{3,})"#,
        ),
        &[JSON_NAMES, &["\""], &[":"]],
    ),
    // Documented and well-known key shapes, and JWTs.
    (
        concat!(
            r"(?P<key>(?:blz_mgmt_|wv_live_|wv_test_|hacktron_|[rs]k_live_|[rs]k_test_|sk_)[A-Za-z0-9_\-]{3,}",
            r"|(?:github_pat_|gh[oprsu]_|glpat-|xox[abeoprs]-|sk-)[A-Za-z0-9_\-]{8,}",
            r"|(?:AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)|AIza[0-9A-Za-z_\-]{35}",
            r"|eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*)",
        ),
        &[&[
            "blz_mgmt_",
            "wv_live_",
            "wv_test_",
            "hacktron_",
            "k_live_",
            "k_test_",
            "sk_",
            "github_pat_",
            "gho_",
            "ghp_",
            "ghr_",
            "ghs_",
            "ghu_",
            "glpat-",
            "xox",
            "sk-",
            "akia",
            "asia",
            "aiza",
            "eyj",
        ]],
    ),
    // A credential after an auth scheme, or after a word that names one in a
    // message (`Invalid API key: …`, `token '…' revoked`).
    (
        concat!(
            r#"(?P<scheme>(?i:(?:(?-u:\b)|_)(?:bearer|apikey|basic|token|key|secret|passw(?:or)?d))"#,
            r#"(?:\s*[:=]\s*|\s+)['"]?)(?P<cred>[A-Za-z0-9_.~+/=\-]{8,})"#,
        ),
        &[&["bearer", "key", "basic", "token", "secret", "pass"]],
    ),
];

/// The words of a secret-named parameter (`strong_word!`, `part_word!`,
/// `weak_word!`, and OAuth's `code`), by a part of each that every spelling holds.
const PARAM_NAMES: &[&str] = &[
    "token",
    "secret",
    "pass",
    "key",
    "session",
    "sessid",
    "pwd",
    "sig",
    "credential",
    "auth",
    "code=",
];

/// The same for a JSON member, which may also be `authorization` or `cookie`.
const JSON_NAMES: &[&str] = &[
    "token",
    "secret",
    "pass",
    "key",
    "session",
    "sessid",
    "pwd",
    "sig",
    "credential",
    "auth",
    "cookie",
];

/// Every alternative in one regex: what texts of a long input are masked with, and the
/// pattern [`shapes_for`]'s regexes are parts of.
static KEY_SHAPED: LazyLock<Regex> = LazyLock::new(|| shapes_regex(ALL_SHAPES));

/// A bit per alternative of [`SHAPES`].
const ALL_SHAPES: u8 = (1 << SHAPES.len()) - 1;

fn shapes_regex(set: u8) -> Regex {
    let parts: Vec<&str> = SHAPES
        .iter()
        .enumerate()
        .filter(|(i, _)| set & (1 << i) != 0)
        .map(|(_, (pattern, _))| *pattern)
        .collect();
    Regex::new(&parts.join("|")).expect("the key-shape regex compiles")
}

/// The alternatives of [`SHAPES`] whose words `text` holds: building the whole pattern
/// costs about 7 M instructions, more than the rest of a run on one response, and a
/// typical text (a URL with `key` in its path) can match only a few alternatives.
fn shapes_in(text: &str) -> u8 {
    let mut set = 0;
    for (i, (_, words)) in SHAPES.iter().enumerate() {
        if may_match(words, text) {
            set |= 1 << i;
        }
    }
    // The last alternative's words are common in prose (`API key lacks scope`): it
    // is kept only where a word is followed by what a credential needs.
    if set & SCHEME != 0 && !credential_after_word(text) {
        set &= !SCHEME;
    }
    set
}

/// The bit of the last alternative (a credential after a scheme or a word).
const SCHEME: u8 = 1 << (SHAPES.len() - 1);

/// Whether one of the last alternative's words is followed by a separator (`\s`,
/// `:`, `=`, a quote) and then at least 8 characters a credential may hold: a
/// necessary condition of that alternative's match, checked by hand. A credential may
/// begin with `=`, so `=` signs just before it count towards the 8.
fn credential_after_word(text: &str) -> bool {
    let t = text.as_bytes();
    // `\s` on ASCII text: the regex crate's Unicode white space includes `\x0B`.
    let space = |b: u8| matches!(b, b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r' | b' ');
    let separator = |b: u8| space(b) || matches!(b, b':' | b'=' | b'\'' | b'"');
    let cred = |b: u8| {
        b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'~' | b'+' | b'/' | b'=' | b'-')
    };
    // The alternative's words written out (`passw(?:or)?d`); `apikey` ends in `key`.
    let words = [
        "bearer", "basic", "token", "key", "secret", "passwd", "password",
    ];
    words.iter().any(|w| {
        let w = w.as_bytes();
        (0..t.len().saturating_sub(w.len() - 1)).any(|i| {
            if !t[i..i + w.len()].eq_ignore_ascii_case(w) {
                return false;
            }
            let start = i + w.len();
            let end = start + t[start..].iter().take_while(|b| separator(**b)).count();
            let equals = t[start..end]
                .iter()
                .rev()
                .take_while(|b| **b == b'=')
                .count();
            let run = t[end..].iter().take_while(|b| cred(**b)).count();
            end > start && equals + run >= 8
        })
    })
}

/// Whether `text` holds a word of each list.
fn may_match(words: &[&[&str]], text: &str) -> bool {
    words
        .iter()
        .all(|any| any.iter().any(|w| contains_ignoring_case(text, w)))
}

fn contains_ignoring_case(text: &str, word: &str) -> bool {
    let (t, w) = (text.as_bytes(), word.as_bytes());
    t.len() >= w.len()
        && (0..=t.len() - w.len())
            .any(|i| t[i].eq_ignore_ascii_case(&w[0]) && t[i..i + w.len()].eq_ignore_ascii_case(w))
}

/// The regex of the alternatives in `set`, built the first time a text needs them.
/// Leaving out alternatives that cannot match anywhere in a text changes none of its
/// matches: the alternation is leftmost-first, in the order of [`SHAPES`], either way.
fn shapes_for(set: u8) -> &'static Regex {
    static BUILT: [OnceLock<Regex>; 1 << SHAPES.len()] =
        [const { OnceLock::new() }; 1 << SHAPES.len()];
    static PARTIAL: AtomicUsize = AtomicUsize::new(0);
    if set == ALL_SHAPES {
        return &KEY_SHAPED;
    }
    let slot = &BUILT[usize::from(set)];
    if let Some(built) = slot.get() {
        return built;
    }
    // Texts that need many different parts (the first texts of a log) cost less with
    // the whole pattern, built once.
    if PARTIAL.fetch_add(1, Ordering::Relaxed) >= MAX_PARTIAL {
        return &KEY_SHAPED;
    }
    slot.get_or_init(|| shapes_regex(set))
}

/// Partial regexes built at most: more would cost more than the whole pattern.
const MAX_PARTIAL: usize = 2;

/// The regex to mask `text` with, `None` when no alternative can match it. A text that
/// is not ASCII gets the whole pattern: `(?i)` folds case beyond ASCII (`K`, the
/// Kelvin sign, is a `k`), which the word search above does not. A long input gets
/// it too, built once, instead of several partial ones.
fn shapes_regex_for(text: &str) -> Option<&'static Regex> {
    if SCANNED.load(Ordering::Relaxed) >= SCANS || !text.is_ascii() {
        return Some(&KEY_SHAPED);
    }
    match shapes_in(text) {
        0 => None,
        set => Some(shapes_for(set)),
    }
}

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
    "pwd",
    "sig",
    "credential",
    "session",
    "sessid",
    "?code=",
    "&code=",
    "@",
    "sk_",
    "rk_",
    "sk-",
    "wv_",
    "hacktron_",
    "blz_",
    "github_pat_",
    "ghp_",
    "gho_",
    "ghr_",
    "ghs_",
    "ghu_",
    "glpat-",
    "xox",
    "akia",
    "asia",
    "aiza",
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

/// [`ANCHOR_DFA`] without an automaton; the anchors are lower case, so one byte
/// compared first rules most of them out.
fn has_anchor(text: &str) -> bool {
    let t = text.as_bytes();
    (0..t.len()).any(|i| {
        let first = t[i].to_ascii_lowercase();
        ANCHORS.iter().any(|a| {
            a.as_bytes()[0] == first
                && t[i..]
                    .get(..a.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(a.as_bytes()))
        })
    })
}

/// Mask one secret value, keeping a vendor prefix and a few characters.
pub fn mask_secret(secret: &str) -> String {
    if secret.ends_with('…') {
        return secret.to_owned(); // already masked
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
        _ => p.to_owned(),
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

/// Mask secrets in a URL: its user name and password, and secret-named query
/// parameters; [`mask_text`] knows both.
pub fn mask_url(url: &str) -> String {
    mask_text(url).into_owned()
}

/// A URL's user name may be a token itself (`https://TOKEN@host`): it keeps a prefix
/// like any secret, and a password is dropped whole.
fn mask_userinfo(userinfo: &str) -> String {
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{}:…", mask_secret(user)),
        None => mask_secret(userinfo),
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
    let Some(shapes) = shapes_regex_for(text) else {
        return Cow::Borrowed(text);
    };
    shapes.replace_all(text, |caps: &regex::Captures| {
        let whole = caps.get(0).expect("group 0 always matches");
        if text[whole.end()..].starts_with('…') || !is_secret(text, caps) {
            return whole.as_str().to_owned();
        }
        let g = |name: &str| caps.name(name).map_or("", |m| m.as_str());
        if let Some(cookies) = caps.name("cookies") {
            return format!("{}{}", g("cookie"), mask_cookies(cookies.as_str()));
        }
        if let Some(userinfo) = caps.name("userinfo") {
            return format!("{}{}@", g("slashes"), mask_userinfo(userinfo.as_str()));
        }
        if let Some(cred) = caps.name("cred") {
            return format!("{}{}", g("scheme"), mask_credential(cred.as_str()));
        }
        for (name, value) in [
            ("header", "hvalue"),
            ("param", "pvalue"),
            ("jname", "jvalue"),
        ] {
            if let Some(v) = caps.name(value) {
                return format!("{}{}{}", g(name), g("hscheme"), mask_secret(v.as_str()));
            }
        }
        mask_secret(whole.as_str())
    })
}

/// Whether a match of [`KEY_SHAPED`] is a secret rather than prose that looks like
/// one: the pattern cannot tell, as the regex crate has no look-around. Masking a word
/// of prose would garble the message around it ("The security token in… in the
/// request"), and leave no secret less visible.
fn is_secret(text: &str, caps: &regex::Captures) -> bool {
    if let (Some(value), None) = (caps.name("hvalue"), caps.name("hscheme")) {
        // `Authorization: Bearer <token>` names a scheme, it shows no credential.
        return !["bearer", "apikey", "basic", "token", "digest"]
            .iter()
            .any(|s| value.as_str().eq_ignore_ascii_case(s));
    }
    match caps.name("key") {
        Some(key) => !glued(&text[..key.start()]),
        None => true,
    }
}

/// What follows `token`, `key` or `basic`, which are words too: a credential unless
/// it looks like a word, a name, a number or a date (`key 2026-11-23`); those are
/// searched on their own, as they may hold a key shape (`key wv_test_…`).
fn mask_credential(cred: &str) -> String {
    if cred.bytes().any(|b| b.is_ascii_alphabetic()) && !is_word(cred) {
        mask_secret(cred)
    } else {
        mask_text(cred).into_owned()
    }
}

/// A word of prose or a name (`included`, `Expired.`, `re-issued`, `YOUR_API_KEY`):
/// letters only, in one of the cases words are written in. Keys are random: they mix
/// case, or hold digits or symbols.
fn is_word(text: &str) -> bool {
    text.trim_end_matches('.').split(['-', '_']).all(|part| {
        let rest = part.get(1..).unwrap_or("");
        part.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && (rest.bytes().all(|b| b.is_ascii_lowercase())
                || part.bytes().all(|b| b.is_ascii_uppercase()))
    })
}

/// Whether a key prefix found right after `before` is the middle of a word
/// (`task_id`, `mask_value`), not the start of a key; a key after a percent escape
/// (`Bearer%20sk_…`) is not glued.
fn glued(before: &str) -> bool {
    let b = before.as_bytes();
    let escaped = b.len() >= 3
        && b[b.len() - 3] == b'%'
        && b[b.len() - 2..].iter().all(u8::is_ascii_hexdigit);
    !escaped
        && b.last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
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
            "https://…:…@api.x.com/v1?api_key=supe…&page=2"
        );
    }

    /// A `\b` before `token` in the pattern never matched after `_`: these leaked.
    #[test]
    fn params_named_by_their_last_word() {
        let url = "https://api.x.com/v1?auth_token=Zq8XkL2mN4&api_token=Mw3Ne8Rt1Y\
                   &private_token=Pz3Kc8Wq1M&session_id=ab12cd34ef&code=oauthc0de1\
                   &client_secret=Cs1234567890&password=hunter2&X-Amz-Signature=abcdef0123\
                   &state=xyz&max_tokens=100&monkey=banana&page=2";
        assert_eq!(
            mask_url(url),
            "https://api.x.com/v1?auth_token=Zq8…&api_token=Mw3…\
             &private_token=Pz3…&session_id=ab1…&code=oau…\
             &client_secret=Cs12…&password=hu…&X-Amz-Signature=abc…\
             &state=xyz&max_tokens=100&monkey=banana&page=2"
        );
        assert_eq!(
            mask_text(r#"{"auth_token": "abc123xyz", "key": "repos", "token_type": "bearer"}"#),
            r#"{"auth_token": "abc…", "key": "repos", "token_type": "bearer"}"#
        );
    }

    /// The user name of a URL was kept whole, and it may be the token.
    #[test]
    fn a_url_user_name_is_masked_like_a_secret() {
        assert_eq!(
            mask_url("https://Zq8XkL2mN4pR7sT1@github.com/o/r.git"),
            "https://Zq8X…@github.com/o/r.git"
        );
        assert_eq!(
            mask_text("clone https://x-access-token:Mw3Ne8Rt1Yu6@github.com/o/r failed"),
            "clone https://x-ac…:…@github.com/o/r failed"
        );
        assert_eq!(
            mask_text("write to me@example.com"),
            "write to me@example.com"
        );
    }

    #[test]
    fn well_known_token_shapes_in_text() {
        for (secret, kept) in [
            ("ghp_Zq8XkL2mN4pR7sT1vW3yB5dF9hJ0cG6eAb12", "ghp_Zq8X…"),
            ("gho_Zq8XkL2mN4pR7sT1vW3yB5dF9hJ0cG6eAb12", "gho_Zq8X…"),
            (
                "github_pat_11ABCDEFG0_Zq8XkL2mN4pR7sT1vW3yB5d",
                "github_pat_11AB…",
            ),
            ("xoxb-1234567890-0987654321-Zq8XkL2mN4pR7sT1", "xoxb-1234…"),
            ("xoxp-1234567890-0987654321-Zq8XkL2mN4pR7sT1", "xoxp-1234…"),
            ("sk-proj-Zq8XkL2mN4pR7sT1vW3yB5dF9hJ0cG6e", "sk-proj…"),
            ("sk_live_Zq8XkL2mN4pR7sT1vW3yB5dF", "sk_live_Zq8X…"),
            ("rk_live_Zq8XkL2mN4pR7sT1vW3yB5dF", "rk_live_Zq8X…"),
            ("AKIAIOSFODNN7EXAMPLE", "AKIAIOSF…"),
            ("glpat-Zq8XkL2mN4pR7sT1vW3y", "glpat-Zq8X…"),
        ] {
            let text = format!("rejected {secret}: revoked");
            assert_eq!(mask_text(&text), format!("rejected {kept}: revoked"));
        }
    }

    /// "The security token included in the request is expired" was printed as "The
    /// security token in… in the request is expired": `token included` looked like a
    /// scheme and its credential, and `ask_user` held the key prefix `sk_`.
    #[test]
    fn prose_around_secrets_is_never_masked() {
        for prose in [
            "The security token included in the request is expired",
            "Token missing org_id — make sure you have an active organization selected",
            "Basic authentication required; token re-issued.",
            "Missing header. Send Authorization: Bearer <token>",
            "the ask_user field, task_id and mask_value are required",
            "TOKEN EXPIRED, bearer REVOKED",
            "API key: YOUR_API_KEY; Token missing_scope",
            "key 2026-11-23, token: 12345678, password: must-be-longer",
        ] {
            assert_eq!(mask_text(prose), prose);
        }
        assert_eq!(
            mask_text("token Zq8XkL2mN4pR7sT1 included"),
            "token Zq8X… included"
        );
        assert_eq!(
            mask_text("Bearer%20sk_live_Zq8XkL2mN4pR"),
            "Bearer%20sk_live_Zq8X…"
        );
        // ASCII word boundaries: text around them need not be ASCII.
        assert_eq!(
            mask_text("clé — token Zq8XkL2mN4pR7sT1 expiré, ½api_key=abcdef"),
            "clé — token Zq8X… expiré, ½api_key=ab…"
        );
    }

    /// A bare key a server quotes after naming it was printed whole.
    #[test]
    fn a_credential_after_the_word_that_names_it() {
        for (text, masked) in [
            (
                "Invalid API key: Zq8XkL2mN4pR7sT1",
                "Invalid API key: Zq8X…",
            ),
            ("token 'Mw3N_e8Rt1Yu6' revoked", "token 'Mw3N…' revoked"),
            ("secret=abcdefgh12 rejected", "secret=abc… rejected"),
            ("password: hunter22hunter", "password: hunt…"),
            ("key = Pz3Kc8Wq1Mv6", "key = Pz3K…"),
            ("api_key: Pz3Kc8Wq1Mv6", "api_key: Pz3K…"),
        ] {
            assert_eq!(mask_text(text), masked);
        }
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
            "?auth_token=abc",
            "&private_token=abc",
            "?session_id=abc",
            "&PHPSESSID=abc",
            "&pwd=abc",
            "&X-Amz-Credential=abc",
            "?code=abc",
            "&code=abc",
            r#""client_secret": "abcdef""#,
            "https://abc@host",
            "rk_live_abcdef",
            "ghp_abcdefghij",
            "github_pat_abcdefghij",
            "glpat-abcdefghij",
            "xoxb-abcdefghij",
            "sk-abcdefghij",
            "AKIAIOSFODNN7EXAMPLE",
            "ASIAIOSFODNN7EXAMPLE",
            "AIzaSyA1234567890abcdefghijklmnopqrstuv",
        ];
        for s in samples {
            assert!(KEY_SHAPED.is_match(s), "{s} is a secret shape");
            assert!(may_hold_secret(s), "{s} must pass the pre-check");
        }
        assert!(!may_hold_secret("Upstream timed out after 30s"));
    }

    /// The alternatives joined are the pattern as it was written in one piece.
    #[test]
    fn the_alternatives_joined_are_the_whole_pattern() {
        let whole: &str = concat!(
            // A header written out in text: `X-Api-Key: …`, `Authorization: Bearer …`, `Cookie: a=…; b=…`.
            r"(?P<cookie>(?i:(?-u:\b)(?:set-)?cookie)\s*:\s*)(?P<cookies>[^\r\n<>]+)",
            r#"|(?P<header>(?i:(?-u:\b)(?:proxy-authorization|authorization|x-api-key|api-key|x-auth-token))\s*:\s*)"#,
            r#"(?P<hscheme>(?i:bearer|apikey|basic|token|digest)\s+)?(?P<hvalue>[^\s;,"'<>…]{3,})"#,
            // The user name and password of a URL (`https://TOKEN@host`, `user:pass@host`).
            r#"|(?P<slashes>://)(?P<userinfo>[^\s/?#@"'<>]+)@"#,
            // A secret-named parameter: `api_key=…` in a URL or a form, OAuth's `?code=…`.
            r"|(?P<param>(?i:",
            strong_word!(),
            r"|(?:(?-u:\b)|_)",
            part_word!(),
            r"|(?:(?-u:\b)|_)",
            weak_word!(),
            r"|[?&]code)=)",
            r#"(?P<pvalue>[^&\s"'#<>…]+)"#,
            // `"token": "…"` in JSON.
            r#"|(?P<jname>"(?i:[a-z0-9_.\-]*"#,
            strong_word!(),
            r"|(?:[a-z0-9_.\-]*[_.\-])?",
            part_word!(),
            r"|[a-z0-9_.\-]*[_.\-]",
            weak_word!(),
            r#"|authorization|cookie)"\s*:\s*")"#,
            r#"(?P<jvalue>[^"…]{3,})"#,
            // Documented and well-known key shapes, and JWTs.
            r"|(?P<key>(?:blz_mgmt_|wv_live_|wv_test_|hacktron_|[rs]k_live_|[rs]k_test_|sk_)[A-Za-z0-9_\-]{3,}",
            r"|(?:github_pat_|gh[oprsu]_|glpat-|xox[abeoprs]-|sk-)[A-Za-z0-9_\-]{8,}",
            r"|(?:AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)|AIza[0-9A-Za-z_\-]{35}",
            r"|eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*)",
            // A credential after an auth scheme, or after a word that names one in a
            // message (`Invalid API key: …`, `token '…' revoked`).
            r#"|(?P<scheme>(?i:(?:(?-u:\b)|_)(?:bearer|apikey|basic|token|key|secret|passw(?:or)?d))"#,
            r#"(?:\s*[:=]\s*|\s+)['"]?)(?P<cred>[A-Za-z0-9_.~+/=\-]{8,})"#,
        );
        let parts: Vec<&str> = SHAPES.iter().map(|(p, _)| *p).collect();
        assert_eq!(parts.join("|"), whole);
        assert_eq!(KEY_SHAPED.as_str(), whole);
    }

    /// Each alternative's words are in every text it matches, so a regex of the
    /// alternatives whose words a text holds masks it as the whole pattern does.
    #[test]
    fn a_partial_pattern_masks_as_the_whole_one() {
        let texts = [
            "GET https://user:pw@api.example.com/v1/keys?api_key=abcdef123 HTTP/1.1",
            "Authorization: Bearer sk_live_abcdefghijklmnop",
            "x-api-key: hacktron_abcdefghijkl",
            "Cookie: a=bcdefgh; session=zyxwvu",
            r#"{"client_secret": "abcdefgh", "token": "eyJhbGciOi.eyJzdWIiOi.sig"}"#,
            "Invalid API key: wv_test_abcdefghijklmn provided",
            "token 'abcdefgh12345' revoked; password=hunter22",
            "AKIAIOSFODNN7EXAMPLE and AIzaSyA1234567890abcdefghijklmnopqrstuv",
            "https://example.com/callback?code=xyz123&state=1",
            "ghp_abcdefghij github_pat_abcdefghij glpat-abcdefghij xoxb-abcdefghij",
            "the key 2026-11-23 and basic auth and /api-keys/list",
            "X-Amz-Signature=abcdef&X-Amz-Credential=AKIA/2026",
            "Set-Cookie: sid=abcdef; Path=/; HttpOnly",
            "plain text with nothing",
            "sk-proj-abcdefghijkl, rk_live_abcdef, blz_mgmt_abcdef",
            "PHPSESSID=abc; jsessionid=def; session_id=ghi",
            r#"{"apiKey": "abcdefghi", "auth": "x", "pwd": "abcdef"}"#,
            "key =abcdefg and token==abcdef and secret\x0Babcdefgh",
            "Bearer    xyz12345, password: 'hunter22', passwd=abc",
            "API key lacks scope findings:read",
            "http://127.0.0.1:32833/tumban/invalid-key",
            "key: short, key: abcdefgh",
        ];
        for text in texts {
            let set = shapes_in(text);
            if set == 0 {
                assert!(!KEY_SHAPED.is_match(text), "{text}");
                continue;
            }
            let partial = shapes_regex(set).replace_all(text, "<$0>");
            assert_eq!(partial, KEY_SHAPED.replace_all(text, "<$0>"), "{text}");
            // Every subset holding the found alternatives gives the same matches too.
            for extra in 0..SHAPES.len() {
                let more = set | (1 << extra);
                let partial = shapes_regex(more).replace_all(text, "<$0>");
                assert_eq!(
                    partial,
                    KEY_SHAPED.replace_all(text, "<$0>"),
                    "{text} {more}"
                );
            }
        }
        // An alternative without its words in the text does not match it alone.
        for (i, (_, words)) in SHAPES.iter().enumerate() {
            for text in texts {
                if !may_match(words, text) {
                    assert!(!shapes_regex(1 << i).is_match(text), "{i} {text}");
                }
            }
        }
    }
}
