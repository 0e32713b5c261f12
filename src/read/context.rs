//! What the user tells on the command line about a response the input does not fully
//! show (`--status`, `--header`, `--url`, `--method`), and the last resort for a
//! missing status: the body's own `statusCode`/`status` field.

use crate::json::Json;
use crate::response::{Note, Request, Response};

/// Facts from the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// `--status`: overrides whatever the input says.
    pub status: Option<u16>,
    /// `--header 'Name: value'`: headers the user SENT (e.g. `Authorization`), which
    /// body-only inputs do not show.
    pub request_headers: Vec<(String, String)>,
    /// `--url`, `--method`: used only where the input does not show them.
    pub url: Option<String>,
    pub method: Option<String>,
}

pub fn apply_context(resp: &mut Response, ctx: &Context) {
    if let Some(status) = ctx.status {
        resp.status = Some(status);
        resp.notes
            .push(Note::StatusFrom("the --status option".to_owned()));
    }
    apply_request(resp, ctx);
    if resp.status.is_none() && resp.transport_error.is_none() {
        infer_status_from_body(resp);
    }
}

fn apply_request(resp: &mut Response, ctx: &Context) {
    if ctx.request_headers.is_empty() && ctx.url.is_none() && ctx.method.is_none() {
        return;
    }
    let request = resp.request.get_or_insert_with(Request::default);
    for (name, value) in &ctx.request_headers {
        // What the user says they sent replaces what the transcript shows.
        request
            .headers
            .0
            .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        request.headers.push(name.trim(), value.trim());
    }
    if request.url.is_none() {
        request.url.clone_from(&ctx.url);
    }
    if request.method.is_none() {
        request.method = ctx.method.as_ref().map(|m| m.to_ascii_uppercase());
    }
}

/// NestJS/Spring-style bodies repeat the status (`"statusCode":403`, `"status":403`);
/// `"status":"failed"` and out-of-range numbers are not statuses.
fn infer_status_from_body(resp: &mut Response) {
    let Some(Json::Object(map)) = Json::parse_body(resp.body.bytes()) else {
        return;
    };
    let found = ["statusCode", "status"].into_iter().find_map(|key| {
        let n = map.member(key)?.as_u64()?;
        (100..=599).contains(&n).then_some((key, n as u16))
    });
    if let Some((key, status)) = found {
        resp.status = Some(status);
        resp.notes
            .push(Note::StatusFrom(format!("the body's {key} field")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::Body;

    fn with_body(body: &str) -> Response {
        Response {
            body: Body::new(body.as_bytes().to_vec()),
            ..Response::default()
        }
    }

    #[test]
    fn status_code_wins_over_status() {
        let mut r = with_body(r#"{"status":400,"statusCode":403}"#);
        apply_context(&mut r, &Context::default());
        assert_eq!(r.status, Some(403));
        assert_eq!(
            r.notes,
            vec![Note::StatusFrom("the body's statusCode field".into())]
        );
    }

    #[test]
    fn string_or_odd_status_is_not_a_status() {
        for body in [
            r#"{"status":"failed"}"#,
            r#"{"status":42}"#,
            r#"{"status":403.5}"#,
            r#"[{"status":403}]"#,
        ] {
            let mut r = with_body(body);
            apply_context(&mut r, &Context::default());
            assert_eq!(r.status, None, "{body}");
        }
    }

    #[test]
    fn option_status_overrides_and_is_noted() {
        let mut r = with_body(r#"{"statusCode":403}"#);
        r.status = Some(200);
        let ctx = Context {
            status: Some(401),
            ..Context::default()
        };
        apply_context(&mut r, &ctx);
        assert_eq!(r.status, Some(401));
        assert_eq!(
            r.notes,
            vec![Note::StatusFrom("the --status option".into())]
        );
    }

    #[test]
    fn headers_url_and_method_fill_the_request() {
        let mut r = with_body("");
        r.request = Some(Request {
            method: Some("POST".into()),
            url: None,
            headers: Default::default(),
        });
        r.request
            .as_mut()
            .unwrap()
            .headers
            .push("authorization", "Basic x");
        let ctx = Context {
            request_headers: vec![("Authorization".into(), "Bearer wv_live_x".into())],
            url: Some("https://api.example.com/v1".into()),
            method: Some("get".into()),
            ..Context::default()
        };
        apply_context(&mut r, &ctx);
        let req = r.request.unwrap();
        assert_eq!(req.method.as_deref(), Some("POST"));
        assert_eq!(req.url.as_deref(), Some("https://api.example.com/v1"));
        assert_eq!(req.headers.len(), 1);
        assert_eq!(req.headers.get("AUTHORIZATION"), Some("Bearer wv_live_x"));
    }
}
