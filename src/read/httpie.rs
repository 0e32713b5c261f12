//! HTTPie and xh `-v`: the request (request line, headers, blank line, the body they
//! sent), a blank line or two, then the response exactly as `--print=hb` shows it.

use crate::response::{Request, Response};

use super::ReadError;
use super::http::{self, header_block, request_line, status_line};
use super::lines::lines;

pub(crate) fn read(input: &[u8]) -> Result<Response, ReadError> {
    // Without `-v` there is no request, and the response alone is the `http` format.
    let first = lines(input).find_map(|l| match request_line(l.text) {
        Some(r) => Some(Some((l, r))),
        None => status_line(l.text).map(|_| None),
    });
    let Some(Some((line, rl))) = first else {
        return http::read(input);
    };
    let (headers, end) = header_block(input, line.next);
    let (status_at, status) = http::find_status_line(input, end).ok_or_else(|| {
        ReadError::at(
            line.number,
            "the request is shown but no response (`HTTP/1.1 403 Forbidden` …) follows it",
        )
    })?;
    let (mut response, followed) = http::read_chain(input, status_at.next, status);
    // Under `--follow --all` the final response answers the last request shown.
    let (rl, headers) = followed.unwrap_or((rl, headers));
    let url = headers
        .get("host")
        .map(|host| full_url(host, &rl.target, response.http_version.as_deref()))
        .unwrap_or_else(|| rl.target.clone());
    response.request = Some(Request {
        method: Some(rl.method),
        url: Some(url),
        headers,
    });
    Ok(response)
}

fn full_url(host: &str, target: &str, version: Option<&str>) -> String {
    if target.starts_with("http://") || target.starts_with("https://") {
        return target.to_owned();
    }
    format!("{}://{host}{target}", guess_scheme(host, version))
}

/// HTTPie and xh never print the scheme. They speak HTTP/2 only over TLS, and `:443`
/// is TLS; a loopback host or another explicit port is most likely a local plain-http
/// server; a bare public host name is most likely an https API.
fn guess_scheme(host: &str, version: Option<&str>) -> &'static str {
    let (name, port) = split_port(host);
    let loopback = name == "localhost" || name.starts_with("127.") || name == "[::1]";
    match (version, port) {
        (Some("HTTP/2" | "HTTP/3"), _) | (_, Some("443")) => "https",
        _ if loopback || port.is_some() => "http",
        _ => "https",
    }
}

fn split_port(host: &str) -> (&str, Option<&str>) {
    match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            (name, Some(port))
        }
        _ => (host, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(guess_scheme("api.example.com", Some("HTTP/1.1")), "https");
        assert_eq!(guess_scheme("127.0.0.1:8080", Some("HTTP/1.1")), "http");
        assert_eq!(guess_scheme("127.0.0.1:8443", Some("HTTP/2")), "https");
        assert_eq!(guess_scheme("example.com:443", None), "https");
        assert_eq!(guess_scheme("[::1]", None), "http");
    }

    #[test]
    fn request_without_response_is_an_error() {
        let err = read(b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n").unwrap_err();
        assert_eq!(err.line, Some(1));
    }
}
