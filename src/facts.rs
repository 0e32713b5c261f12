//! Facts derived from a response that rules and templates use: the request's host,
//! path, auth scheme and credential; the response's time; the wait it asks for.

use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::response::{Request, Response};

/// Request facts, borrowed from the response.
#[derive(Debug, Default, Clone, Copy)]
pub struct RequestFacts<'a> {
    pub known: bool,
    pub method: Option<&'a str>,
    pub host: Option<&'a str>,
    /// Path without the query string.
    pub path: Option<&'a str>,
    /// `Authorization` scheme as sent (`Bearer`, `ApiKey`), or `None` without the header
    /// or when it holds a bare credential.
    pub auth_scheme: Option<&'a str>,
    /// An `Authorization` header was sent (with or without a scheme).
    pub authorization: bool,
    /// The credential from `Authorization` (after the scheme) or `X-Api-Key`.
    pub credential: Option<&'a str>,
}

impl<'a> RequestFacts<'a> {
    pub fn of(resp: &'a Response) -> Self {
        let Some(req) = resp.request.as_ref() else {
            return Self::default();
        };
        let (host, path) = split_url(req);
        let auth = req.headers.get("authorization").map(str::trim);
        // `Authorization: <scheme> <credential>`; a lone word is a credential sent
        // without a scheme, never a scheme to print.
        let (auth_scheme, auth_credential) = match auth.map(|a| a.split_once(char::is_whitespace)) {
            Some(Some((scheme, cred))) => (Some(scheme), Some(cred.trim())),
            Some(None) => (None, auth),
            None => (None, None),
        };
        let credential = auth_credential
            .or_else(|| req.headers.get("x-api-key").map(str::trim))
            .filter(|c| !c.is_empty());
        Self {
            known: true,
            method: req.method.as_deref(),
            host,
            path,
            auth_scheme,
            authorization: auth.is_some(),
            credential,
        }
    }
}

/// Host and path of the request, from its URL or its `Host` header.
fn split_url(req: &Request) -> (Option<&str>, Option<&str>) {
    let header_host = || req.headers.get("host").map(strip_port);
    let Some(url) = req.url.as_deref() else {
        return (header_host(), None);
    };
    let (authority, path) = match split_scheme(url) {
        Some((_, rest)) => match find_ascii(rest, b"/?#") {
            Some(i) => (Some(&rest[..i]), &rest[i..]),
            None => (Some(rest), "/"),
        },
        None => (None, url),
    };
    let path = &path[..find_ascii(path, b"?#").unwrap_or(path.len())];
    let path = if path.is_empty() { "/" } else { path };
    let host = authority
        .map(|a| strip_port(a.rsplit('@').next().unwrap_or(a)))
        .or_else(header_host);
    (host, Some(path))
}

/// `url` split around its first `://`, as `str::split_once("://")` would. This runs
/// for every response, and a byte scan for `:` is cheaper than a substring search.
pub fn split_scheme(url: &str) -> Option<(&str, &str)> {
    memchr::memchr_iter(b':', url.as_bytes())
        .find(|&i| url[i + 1..].starts_with("//"))
        .map(|i| (&url[..i], &url[i + 3..]))
}

/// The first of the ASCII bytes `stops` in `text`; a byte scan is cheaper than a
/// pattern of chars, and an ASCII byte never occurs inside another UTF-8 char.
fn find_ascii(text: &str, stops: &[u8]) -> Option<usize> {
    text.bytes().position(|b| stops.contains(&b))
}

fn strip_port(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.split(']').next().map_or(authority, |h| &h[1..]);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// When the response was produced: the HAR/NDJSON time, else the `Date` header.
/// Never the local clock, so output is reproducible.
pub fn response_time(resp: &Response) -> Option<SystemTime> {
    let from_record = resp.time.as_deref().and_then(parse_time);
    from_record.or_else(|| date_header(resp))
}

pub fn parse_time(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    humantime::parse_rfc3339_weak(text)
        .ok()
        .or_else(|| parse_rfc3339_offset(text))
        .or_else(|| httpdate::parse_http_date(text).ok())
}

/// humantime accepts only `Z`; HAR files often carry `+01:00`.
fn parse_rfc3339_offset(text: &str) -> Option<SystemTime> {
    let (base, sign, offset) = match text.rfind(['+', '-']) {
        Some(i) if i > 10 => (&text[..i], &text[i..i + 1], &text[i + 1..]),
        _ => return None,
    };
    let (h, m) = offset.split_once(':')?;
    let secs = h.parse::<u64>().ok()? * 3600 + m.parse::<u64>().ok()? * 60;
    let utc = humantime::parse_rfc3339_weak(base).ok()?;
    if sign == "+" {
        utc.checked_sub(Duration::from_secs(secs))
    } else {
        utc.checked_add(Duration::from_secs(secs))
    }
}

/// The longest wait taken as one: a month, the longest period a documented quota
/// resets in. A longer `Retry-After` (`99999999999999999999`, a date years ahead) is a
/// broken header, not a wait to sleep on.
pub const MAX_WAIT: u64 = 31 * 86_400;

/// Why a `Retry-After` header gives no wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// Neither delta-seconds (digits only: not `1e3`, `-5`, `5.5`) nor an HTTP date.
    Malformed,
    /// More than [`MAX_WAIT`].
    TooLong,
}

/// `Retry-After` in seconds, `None` without the header. Delta-seconds as they are; an
/// HTTP date from the server's own clock (`Date`), else the record's time, else, for
/// a response that carries neither, the current time.
pub fn retry_after(resp: &Response) -> Option<Result<u64, Unusable>> {
    let raw = resp.headers.get("retry-after")?.trim();
    let secs = if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        raw.parse::<u64>().unwrap_or(u64::MAX)
    } else {
        let Ok(at) = httpdate::parse_http_date(raw) else {
            return Some(Err(Unusable::Malformed));
        };
        let now = date_header(resp)
            .or_else(|| resp.time.as_deref().and_then(parse_time))
            .unwrap_or_else(SystemTime::now);
        at.duration_since(now).map_or(0, |d| d.as_secs())
    };
    Some(if secs > MAX_WAIT {
        Err(Unusable::TooLong)
    } else {
        Ok(secs)
    })
}

/// Where the wait a response asks for comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitFrom {
    RetryAfter,
    Body,
    /// The rate-limit headers' reset time.
    Reset,
}

impl WaitFrom {
    /// As the `wait_from` placeholder shows it.
    pub fn label(self) -> &'static str {
        match self {
            Self::RetryAfter => "`Retry-After`",
            Self::Body => "the response body",
            Self::Reset => "the rate-limit reset time",
        }
    }
}

/// The wait a response asks for: a usable `Retry-After`, else one its body states
/// ("Retry in 30 seconds", "try again in 6ms"), rounded up to whole seconds.
pub fn asked_wait(resp: &Response) -> Option<(u64, WaitFrom)> {
    match retry_after(resp) {
        Some(Ok(secs)) => Some((secs, WaitFrom::RetryAfter)),
        _ => body_wait(resp.body.bytes()).map(|secs| (secs, WaitFrom::Body)),
    }
}

/// The message that states a wait is near the start of a body; a large body is not
/// scanned whole for it.
const BODY_WAIT_SCAN: usize = 16 * 1024;

// ASCII classes (`-u`): the Unicode forms of `\b`, `\s` and `\d` made compiling this
// pattern cost a run on one response several times its whole diagnosis.
static BODY_WAIT: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(
        r"(?i-u)\b(?:retry|try again|available)\s+(?:in|after)\s+(\d{1,12}(?:\.\d{1,9})?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hours?)\b",
    )
    .expect("the body wait pattern is valid")
});

fn body_wait(body: &[u8]) -> Option<u64> {
    let caps = BODY_WAIT.captures(&body[..body.len().min(BODY_WAIT_SCAN)])?;
    let amount: f64 = std::str::from_utf8(&caps[1]).ok()?.parse().ok()?;
    let unit = caps[2].to_ascii_lowercase();
    let scale = match unit.as_slice() {
        b"ms" | b"millisecond" | b"milliseconds" => 0.001,
        [b'm', ..] => 60.0,
        [b'h', ..] => 3600.0,
        _ => 1.0,
    };
    let secs = (amount * scale).ceil();
    (secs <= MAX_WAIT as f64).then_some(secs as u64)
}

fn date_header(resp: &Response) -> Option<SystemTime> {
    let date = resp.headers.get("date")?;
    httpdate::parse_http_date(date.trim()).ok()
}

/// Time from `at` to the next 00:00 UTC, as `3 h 12 min`.
pub fn until_utc_midnight(at: SystemTime) -> String {
    let secs = at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let left = 86_400 - secs % 86_400;
    let (h, m) = (left / 3600, (left % 3600).div_ceil(60));
    let (h, m) = if m == 60 { (h + 1, 0) } else { (h, m) };
    match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::Headers;

    fn with_request(url: &str, headers: &[(&str, &str)]) -> Response {
        let mut h = Headers::new();
        for (n, v) in headers {
            h.push(*n, *v);
        }
        Response {
            request: Some(Request {
                method: Some("POST".into()),
                url: Some(url.into()),
                headers: h,
            }),
            ..Response::default()
        }
    }

    #[test]
    fn splits_url_and_credential() {
        let r = with_request(
            "https://api.wasviking.com:443/v1/scans?x=1",
            &[("Authorization", "Bearer wv_live_abc")],
        );
        let f = RequestFacts::of(&r);
        assert_eq!(f.host, Some("api.wasviking.com"));
        assert_eq!(f.path, Some("/v1/scans"));
        assert_eq!(f.auth_scheme, Some("Bearer"));
        assert_eq!(f.credential, Some("wv_live_abc"));
    }

    #[test]
    fn path_only_url_takes_host_header() {
        let r = with_request(
            "/v1/scans",
            &[("Host", "api.hacktron.ai"), ("X-Api-Key", "hacktron_x")],
        );
        let f = RequestFacts::of(&r);
        assert_eq!(
            (f.host, f.path, f.auth_scheme, f.credential),
            (
                Some("api.hacktron.ai"),
                Some("/v1/scans"),
                None,
                Some("hacktron_x")
            )
        );
    }

    #[test]
    fn midnight_countdown_comes_from_the_response_date() {
        let mut r = Response::default();
        r.headers.push("Date", "Mon, 23 Nov 2026 20:48:00 GMT");
        assert_eq!(until_utc_midnight(response_time(&r).unwrap()), "3 h 12 min");
        r.time = Some("2026-11-23T23:59:30+00:00".into());
        assert_eq!(until_utc_midnight(response_time(&r).unwrap()), "1 min");
    }

    fn with_retry_after(value: &str) -> Response {
        let mut r = Response::default();
        r.headers.push("Date", "Mon, 23 Nov 2026 16:30:00 GMT");
        r.headers.push("Retry-After", value);
        r
    }

    #[test]
    fn retry_after_accepts_seconds_and_dates_from_the_date_header() {
        let wait = |v: &str| retry_after(&with_retry_after(v));
        assert_eq!(wait("30"), Some(Ok(30)));
        assert_eq!(wait(" 0 "), Some(Ok(0)));
        assert_eq!(wait("Mon, 23 Nov 2026 16:31:30 GMT"), Some(Ok(90)));
        assert_eq!(wait("Mon, 23 Nov 2026 16:00:00 GMT"), Some(Ok(0)));
        assert_eq!(retry_after(&Response::default()), None);
    }

    #[test]
    fn retry_after_rejects_what_is_not_delta_seconds_and_absurd_waits() {
        let wait = |v: &str| retry_after(&with_retry_after(v));
        for bad in ["1e3", "-5", "5.5", "+5", "", "soon", "NaN", "inf"] {
            assert_eq!(wait(bad), Some(Err(Unusable::Malformed)), "{bad:?}");
        }
        for huge in [
            "99999999999999999999",
            "2678401",
            "Wed, 23 Nov 2050 16:30:00 GMT",
        ] {
            assert_eq!(wait(huge), Some(Err(Unusable::TooLong)), "{huge:?}");
        }
        assert_eq!(wait("2678400"), Some(Ok(MAX_WAIT)));
    }

    #[test]
    fn a_body_states_a_wait_when_no_header_does() {
        let wait = |text: &str| body_wait(text.as_bytes());
        assert_eq!(wait(r#"{"message":"Retry in 30 seconds"}"#), Some(30));
        assert_eq!(wait("try again in 6ms"), Some(1));
        assert_eq!(wait("Please retry after 20 seconds."), Some(20));
        assert_eq!(wait("Expected available in 12 seconds."), Some(12));
        assert_eq!(wait("retry in 1.5s"), Some(2));
        assert_eq!(wait("Try again in 2 minutes"), Some(120));
        assert_eq!(wait("Try again later"), None);
        assert_eq!(wait("retry in 40000 hours"), None);
        let mut r = with_retry_after("45");
        r.body = crate::response::Body::new(b"Retry in 30 seconds".to_vec());
        assert_eq!(asked_wait(&r), Some((45, WaitFrom::RetryAfter)));
        r.headers = Headers::new();
        assert_eq!(asked_wait(&r), Some((30, WaitFrom::Body)));
    }
}
