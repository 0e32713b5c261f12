//! Evidence in response headers: the rate-limit state, in each of the conventions
//! APIs use, and the `WWW-Authenticate` challenge.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Evidence;
use crate::facts::{MAX_WAIT, parse_time, response_time};
use crate::response::Response;

/// The rate-limit state the response's headers report.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
pub struct RateLimit {
    /// Requests (or tokens) allowed in the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// What is left of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
    /// When the window resets, in UTC (RFC 3339), when the headers and the response's
    /// time tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_at: Option<String>,
    /// Seconds from the response to the reset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_in_seconds: Option<u64>,
    /// What is limited, when the headers name it (`core`, `requests`, `tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The header names it was read from.
    pub from: Vec<String>,
}

impl RateLimit {
    pub fn exhausted(&self) -> bool {
        self.remaining == Some(0)
    }
}

/// A `WWW-Authenticate` challenge: what the server wants to be authenticated with.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
pub struct Challenge {
    /// `Bearer`, `Basic`, …
    pub scheme: String,
    /// Its parameters (`realm`, `service`, `scope`, `error`, `error_description`, …).
    pub params: BTreeMap<String, String>,
}

/// Whether a header name belongs to a rate-limit convention, so a response without
/// one is not searched for each of them.
fn rate_header(name: &str) -> bool {
    let name = name.as_bytes();
    let starts =
        |p: &str| name.len() >= p.len() && name[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    [
        "x-ratelimit",
        "ratelimit",
        "anthropic-ratelimit",
        "x-shopify-shop-api",
        "x-ms-ratelimit",
    ]
    .iter()
    .any(|p| starts(p))
}

pub(super) fn read(resp: &Response, ev: &mut Evidence) {
    ev.challenge = resp.headers.get("www-authenticate").and_then(challenge);
    let error = ev.challenge.as_ref().and_then(|c| c.params.get("error"));
    if let Some(error) = error.filter(|_| ev.codes.is_empty()) {
        ev.code(error.clone());
    }
    if !resp.headers.iter().any(|(name, _)| rate_header(name)) {
        return;
    }
    let now = response_time(resp);
    ev.rate_limit = [x_ratelimit, ietf, per_resource, shopify, azure]
        .iter()
        .find_map(|read| read(resp, now));
}

/// `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="…"`:
/// the first challenge, its parameters as name/value pairs.
fn challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, mut rest) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.is_empty() || scheme.contains('=') {
        return None;
    }
    let mut params = BTreeMap::new();
    loop {
        rest = rest.trim_start_matches([' ', ',']);
        let Some((name, after)) = rest.split_once('=') else {
            break;
        };
        let name = name.trim();
        // A bare token before `=` that holds a space starts the next challenge.
        if name.is_empty() || name.contains(' ') || params.len() >= 16 {
            break;
        }
        let (value, next) = param_value(after.trim_start());
        params.insert(name.to_ascii_lowercase(), value);
        rest = next;
    }
    Some(Challenge {
        scheme: scheme.to_owned(),
        params,
    })
}

fn param_value(text: &str) -> (String, &str) {
    if let Some(quoted) = text.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => value.extend(chars.next().map(|(_, c)| c)),
                '"' => return (value, &quoted[i + 1..]),
                c => value.push(c),
            }
        }
        (value, "")
    } else {
        let end = text.find(',').unwrap_or(text.len());
        (text[..end].trim().to_owned(), &text[end..])
    }
}

fn number(resp: &Response, name: &str) -> Option<u64> {
    resp.headers.get(name)?.trim().parse().ok()
}

/// A reset given as seconds from now, or as a Unix time (GitHub's `X-RateLimit-Reset`):
/// a value past 2001 (10^9 s) cannot be a wait, so it is a time.
fn reset(value: u64, now: Option<SystemTime>, limit: &mut RateLimit) {
    if value >= 1_000_000_000 {
        let at = UNIX_EPOCH + Duration::from_secs(value);
        limit.reset_at = Some(rfc3339(at));
        limit.reset_in_seconds = now.map(|n| at.duration_since(n).map_or(0, |d| d.as_secs()));
    } else {
        reset_in(value, now, limit);
    }
}

fn reset_in(secs: u64, now: Option<SystemTime>, limit: &mut RateLimit) {
    if secs > MAX_WAIT {
        return;
    }
    limit.reset_in_seconds = Some(secs);
    limit.reset_at = now.map(|n| rfc3339(n + Duration::from_secs(secs)));
}

fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}

/// `X-RateLimit-Limit`, `-Remaining`, `-Reset`, `-Resource` (GitHub and many others).
fn x_ratelimit(resp: &Response, now: Option<SystemTime>) -> Option<RateLimit> {
    family(resp, now, "x-ratelimit-")
}

/// The IETF `RateLimit-Limit`/`-Remaining`/`-Reset` headers (reset in seconds), and
/// the single `RateLimit` header: `limit=100, remaining=0, reset=50` or the later
/// structured form `"default";r=0;t=30`.
fn ietf(resp: &Response, now: Option<SystemTime>) -> Option<RateLimit> {
    if let Some(found) = family(resp, now, "ratelimit-") {
        return Some(found);
    }
    let header = resp.headers.get("ratelimit")?;
    let mut limit = RateLimit {
        from: vec!["RateLimit".into()],
        ..RateLimit::default()
    };
    for part in header.split([',', ';']) {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        let v: Option<u64> = v.trim().trim_matches('"').parse().ok();
        match k.trim() {
            "limit" | "q" => limit.limit = v,
            "remaining" | "r" => limit.remaining = v,
            "reset" | "t" => {
                if let Some(v) = v {
                    reset_in(v, now, &mut limit);
                }
            }
            _ => {}
        }
    }
    let found = limit.remaining.is_some() || limit.reset_in_seconds.is_some();
    found.then_some(limit)
}

fn family(resp: &Response, now: Option<SystemTime>, prefix: &str) -> Option<RateLimit> {
    let name = |suffix: &str| format!("{prefix}{suffix}");
    let mut limit = RateLimit {
        limit: number(resp, &name("limit")),
        remaining: number(resp, &name("remaining")),
        resource: resp
            .headers
            .get(&name("resource"))
            .map(|r| r.trim().to_owned()),
        ..RateLimit::default()
    };
    if let Some(r) = number(resp, &name("reset")) {
        reset(r, now, &mut limit);
    }
    if limit.limit.is_none() && limit.remaining.is_none() {
        return None;
    }
    limit.from = ["limit", "remaining", "reset", "used", "resource"]
        .iter()
        .map(|s| name(s))
        .filter(|n| resp.headers.get(n).is_some())
        .collect();
    Some(limit)
}

/// Per-resource limits: OpenAI's `x-ratelimit-remaining-requests`/`-tokens` (reset as
/// `6m0s`, `20ms`) and Anthropic's `anthropic-ratelimit-requests-remaining` (reset as
/// an RFC 3339 time). The exhausted resource is the one reported, else requests.
fn per_resource(resp: &Response, now: Option<SystemTime>) -> Option<RateLimit> {
    let mut found: Vec<RateLimit> = Vec::new();
    for resource in ["requests", "tokens", "input-tokens", "output-tokens"] {
        let openai = |f: &str| format!("x-ratelimit-{f}-{resource}");
        let anthropic = |f: &str| format!("anthropic-ratelimit-{resource}-{f}");
        for name in [&openai as &dyn Fn(&str) -> String, &anthropic] {
            let mut limit = RateLimit {
                limit: number(resp, &name("limit")),
                remaining: number(resp, &name("remaining")),
                resource: Some(resource.to_owned()),
                ..RateLimit::default()
            };
            if limit.limit.is_none() && limit.remaining.is_none() {
                continue;
            }
            if let Some(r) = resp.headers.get(&name("reset")).map(str::trim) {
                if let Some(secs) = go_duration(r) {
                    reset_in(secs, now, &mut limit);
                } else if let Some(at) = parse_time(r) {
                    limit.reset_at = Some(rfc3339(at));
                    limit.reset_in_seconds =
                        now.map(|n| at.duration_since(n).map_or(0, |d| d.as_secs()));
                }
            }
            limit.from = ["limit", "remaining", "reset"]
                .iter()
                .map(|s| name(s))
                .filter(|n| resp.headers.get(n).is_some())
                .collect();
            found.push(limit);
        }
    }
    let exhausted = found.iter().position(RateLimit::exhausted);
    exhausted
        .or((!found.is_empty()).then_some(0))
        .map(|i| found.swap_remove(i))
}

/// `6m0s`, `1s`, `20ms`, `1h2m3.5s`, rounded up to whole seconds.
fn go_duration(text: &str) -> Option<u64> {
    let mut total = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let amount: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return None,
        };
        total += amount * scale;
        rest = &rest[unit_end..];
    }
    (total <= MAX_WAIT as f64).then(|| total.ceil() as u64)
}

/// Shopify's `X-Shopify-Shop-Api-Call-Limit: 40/40` (used/limit of the bucket).
fn shopify(resp: &Response, _now: Option<SystemTime>) -> Option<RateLimit> {
    let header = resp.headers.get("x-shopify-shop-api-call-limit")?;
    let (used, limit) = header.trim().split_once('/')?;
    let (used, limit): (u64, u64) = (used.parse().ok()?, limit.parse().ok()?);
    Some(RateLimit {
        limit: Some(limit),
        remaining: Some(limit.saturating_sub(used)),
        from: vec!["X-Shopify-Shop-Api-Call-Limit".into()],
        ..RateLimit::default()
    })
}

/// Azure Resource Manager's `x-ms-ratelimit-remaining-subscription-reads` and kin: the
/// smallest remaining count.
fn azure(resp: &Response, _now: Option<SystemTime>) -> Option<RateLimit> {
    let prefix = "x-ms-ratelimit-remaining-";
    let (name, remaining) = resp
        .headers
        .iter()
        .filter(|(n, _)| n.len() > prefix.len() && n[..prefix.len()].eq_ignore_ascii_case(prefix))
        .filter_map(|(n, v)| Some((n, v.trim().parse::<u64>().ok()?)))
        .min_by_key(|(_, v)| *v)?;
    Some(RateLimit {
        remaining: Some(remaining),
        resource: Some(name[prefix.len()..].to_ascii_lowercase()),
        from: vec![name.to_owned()],
        ..RateLimit::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_keep_quoted_commas() {
        let c = challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push""#,
        )
        .unwrap();
        assert_eq!(c.scheme, "Bearer");
        assert_eq!(c.params["scope"], "repository:samalba/my-app:pull,push");
        assert_eq!(c.params["service"], "registry.docker.io");
        let bare = challenge("Basic").unwrap();
        assert!(bare.params.is_empty());
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration("6m0s"), Some(360));
        assert_eq!(go_duration("20ms"), Some(1));
        assert_eq!(go_duration("1h2m3.5s"), Some(3724));
        assert_eq!(go_duration("soon"), None);
    }
}
