//! Facts derived from a response that rules and templates use: the request's host,
//! path, auth scheme and credential; the response's time; Retry-After in seconds.

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
    from_record.or_else(|| {
        resp.headers
            .get("date")
            .and_then(|d| httpdate::parse_http_date(d.trim()).ok())
    })
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

/// `Retry-After` in seconds: delta-seconds, or an HTTP date measured from `Date`.
pub fn retry_after_seconds(resp: &Response) -> Option<u64> {
    let raw = resp.headers.get("retry-after")?.trim();
    if let Ok(secs) = raw.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| secs.ceil() as u64);
    }
    let at = httpdate::parse_http_date(raw).ok()?;
    let now = response_time(resp)?;
    Some(at.duration_since(now).map(|d| d.as_secs()).unwrap_or(0))
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

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        let mut r = Response::default();
        r.headers.push("Retry-After", "30");
        assert_eq!(retry_after_seconds(&r), Some(30));
        let mut r = Response::default();
        r.headers.push("Date", "Mon, 23 Nov 2026 16:30:00 GMT");
        r.headers
            .push("Retry-After", "Mon, 23 Nov 2026 16:31:30 GMT");
        assert_eq!(retry_after_seconds(&r), Some(90));
    }
}
