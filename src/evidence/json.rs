//! Error conventions of JSON bodies. Each reader recognises one convention by its
//! shape and takes what it names; the first that recognises the body wins, so the
//! more specific shapes come first.

use super::Evidence;
use crate::json::{Json, Object};

/// Reads one convention; `true` when the body follows it.
type Reader = fn(&Object<'_>, &mut Evidence) -> bool;

/// Read `body` by the first convention it follows.
pub(super) fn read(body: &Json<'_>, ev: &mut Evidence) {
    let Some(o) = body.as_object() else {
        return;
    };
    const READERS: &[(&str, Reader)] = &[
        ("kubernetes", kubernetes),
        ("json-rpc", json_rpc),
        ("graphql", graphql),
        ("slack", slack),
        ("google", google),
        ("aws-json", aws_json),
        ("aws-query-json", aws_query_json),
        ("typed-error", typed_error),
        ("azure", azure),
        ("twilio", twilio),
        ("problem-details", problem_details),
        ("oauth", oauth),
        ("errors-list", errors_list),
        ("success-false", success_false),
        ("message", plain),
    ];
    for (name, reader) in READERS {
        if reader(o, ev) {
            ev.envelope = Some(name);
            common_links(o, ev);
            return;
        }
    }
}

fn str_of<'a>(o: &'a Object, key: &str) -> Option<&'a str> {
    o.member(key)
        .and_then(Json::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// A code as the response states it: a string, or a number written out.
fn code_of(v: &Json<'_>) -> Option<String> {
    match v {
        Json::String(s) if !s.trim().is_empty() => Some(s.to_string()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Documentation links most conventions put beside the error.
fn common_links(o: &Object<'_>, ev: &mut Evidence) {
    for key in [
        "documentation_url",
        "doc_url",
        "more_info",
        "error_uri",
        "help_url",
        "href",
    ] {
        if let Some(url) = str_of(o, key) {
            ev.link(url);
        }
    }
}

/// Kubernetes `Status`: `reason`, `message`, `details.causes`.
fn kubernetes(o: &Object<'_>, ev: &mut Evidence) -> bool {
    if str_of(o, "kind") != Some("Status") || str_of(o, "status") != Some("Failure") {
        return false;
    }
    if let Some(reason) = str_of(o, "reason") {
        ev.code(reason);
    }
    if let Some(m) = str_of(o, "message") {
        ev.message(m);
    }
    let causes = o.member("details").and_then(|d| d.member("causes"));
    for cause in causes.and_then(Json::as_array).into_iter().flatten() {
        let problem = cause.member("message").and_then(Json::as_str).unwrap_or("");
        let field = cause
            .member("field")
            .and_then(Json::as_str)
            .map(str::to_owned);
        ev.field(field, problem.to_owned());
    }
    true
}

/// JSON-RPC 2.0: `{"jsonrpc": "2.0", "error": {"code": -32601, "message": …}}`, at any
/// status (an error answered with 200 is still an error).
fn json_rpc(o: &Object<'_>, ev: &mut Evidence) -> bool {
    let Some(err) = o.member("error").and_then(Json::as_object) else {
        return false;
    };
    if !o.has_member("jsonrpc") || !err.member("code").is_some_and(Json::is_i64) {
        return false;
    }
    ev.code(
        err.member("code")
            .map(ToString::to_string)
            .unwrap_or_default(),
    );
    if let Some(m) = str_of(err, "message") {
        ev.message(m);
    }
    if let Some(d) = err.member("data").and_then(Json::as_str) {
        ev.message(d);
    }
    ev.error_at_success = true;
    true
}

/// GraphQL: `errors` (objects with `message`) beside `data`, or alone with a member
/// only GraphQL errors carry (`locations`, `path`, `extensions`).
fn graphql(o: &Object<'_>, ev: &mut Evidence) -> bool {
    let Some(errors) = o.member("errors").and_then(Json::as_array) else {
        return false;
    };
    let shaped = !errors.is_empty()
        && errors
            .iter()
            .all(|e| e.member("message").is_some_and(Json::is_string))
        && (o.has_member("data")
            || errors.iter().any(|e| {
                ["locations", "path", "extensions"]
                    .iter()
                    .any(|k| e.member(k).is_some())
            }));
    if !shaped {
        return false;
    }
    for e in errors {
        let ext_code = e.pointer("/extensions/code").and_then(code_of);
        if let Some(code) = ext_code.or_else(|| e.member("type").and_then(code_of)) {
            ev.code(code);
        }
        if let Some(m) = e.member("message").and_then(Json::as_str) {
            ev.message(m);
        }
        if let Some(url) = e
            .pointer("/extensions/documentation")
            .and_then(Json::as_str)
        {
            ev.link(url);
        }
    }
    ev.error_at_success = true;
    true
}

/// Slack-style `{"ok": false, "error": "invalid_auth"}`, with `needed`/`provided`
/// scopes on `missing_scope`.
fn slack(o: &Object<'_>, ev: &mut Evidence) -> bool {
    if o.member("ok").and_then(Json::as_bool) != Some(false) {
        return false;
    }
    if let Some(e) = str_of(o, "error") {
        ev.code(e);
    }
    if let Some(needed) = str_of(o, "needed") {
        let provided = str_of(o, "provided").unwrap_or("none");
        ev.message(format!("needed scope {needed}; the token has {provided}"));
    }
    ev.error_at_success = true;
    true
}

/// Google's `error` object: `code`, `message`, `status`, `details[]` (`ErrorInfo`,
/// `QuotaFailure`, `BadRequest`, `Help`, `RetryInfo`), and the older `errors[]`.
fn google(o: &Object<'_>, ev: &mut Evidence) -> bool {
    let Some(err) = o.member("error").and_then(Json::as_object) else {
        return false;
    };
    let status = str_of(err, "status");
    let details = err.member("details").and_then(Json::as_array);
    let typed = details.is_some_and(|d| {
        d.iter().any(|x| {
            x.member("@type")
                .and_then(Json::as_str)
                .is_some_and(|t| t.starts_with("type.googleapis.com/"))
        })
    });
    if status.is_none() && !typed {
        return false;
    }
    if let Some(m) = str_of(err, "message") {
        ev.message(m);
    }
    for detail in details.into_iter().flatten() {
        google_detail(detail, ev);
    }
    for legacy in err
        .member("errors")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(reason) = legacy.member("reason").and_then(Json::as_str) {
            ev.code(reason);
        }
    }
    if let Some(status) = status {
        ev.code(status);
    }
    true
}

fn google_detail(detail: &Json<'_>, ev: &mut Evidence) {
    let kind = detail.member("@type").and_then(Json::as_str).unwrap_or("");
    let kind = kind.rsplit('.').next().unwrap_or(kind);
    match kind {
        "ErrorInfo" => {
            if let Some(reason) = detail.member("reason").and_then(Json::as_str) {
                ev.code(reason);
            }
            if let Some(url) = detail
                .pointer("/metadata/activationUrl")
                .and_then(Json::as_str)
            {
                ev.link(url);
            }
        }
        "QuotaFailure" => {
            for v in detail
                .member("violations")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let what = ["quotaId", "quotaMetric", "subject"]
                    .iter()
                    .find_map(|k| v.member(k).and_then(Json::as_str));
                let desc = v.member("description").and_then(Json::as_str);
                if let Some(text) = desc.or(what) {
                    ev.message(format!("quota: {text}"));
                }
            }
        }
        "BadRequest" => {
            for v in detail
                .member("fieldViolations")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let field = v.member("field").and_then(Json::as_str).map(str::to_owned);
                let problem = v.member("description").and_then(Json::as_str).unwrap_or("");
                ev.field(field, problem.to_owned());
            }
        }
        "Help" => {
            for l in detail
                .member("links")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(url) = l.member("url").and_then(Json::as_str) {
                    ev.link(url);
                }
            }
        }
        "RetryInfo" => {
            ev.retry_delay = detail
                .member("retryDelay")
                .and_then(Json::as_str)
                .and_then(duration_seconds);
        }
        _ => {}
    }
}

/// `"26s"`, `"0.5s"` (protobuf `Duration` in JSON), rounded up.
fn duration_seconds(text: &str) -> Option<u64> {
    let secs: f64 = text.strip_suffix('s')?.parse().ok()?;
    (secs.is_finite() && secs >= 0.0 && secs <= crate::facts::MAX_WAIT as f64)
        .then(|| secs.ceil() as u64)
}

/// AWS JSON protocol: `{"__type": "com.amazon.coral.service#ExpiredTokenException", "message": …}`.
fn aws_json(o: &Object<'_>, ev: &mut Evidence) -> bool {
    let Some(t) = str_of(o, "__type") else {
        return false;
    };
    let code = t.rsplit('#').next().unwrap_or(t);
    ev.code(code.split(':').next().unwrap_or(code));
    if let Some(m) = str_of(o, "message").or_else(|| str_of(o, "Message")) {
        ev.message(m);
    }
    true
}

/// AWS Query errors in JSON (`{"Error": {"Code", "Message", "Type"}, "RequestId"}`).
fn aws_query_json(o: &Object<'_>, ev: &mut Evidence) -> bool {
    let Some(err) = o.member("Error").and_then(Json::as_object) else {
        return false;
    };
    let Some(code) = str_of(err, "Code") else {
        return false;
    };
    ev.code(code);
    ev.error_type = str_of(err, "Type").map(str::to_owned);
    if let Some(m) = str_of(err, "Message") {
        ev.message(m);
    }
    ev.request_id = str_of(o, "RequestId").map(str::to_owned);
    true
}

/// `error: {type, code, message, param, doc_url}`: Stripe, OpenAI, Anthropic (whose
/// body also says `"type": "error"` and carries `request_id`).
fn typed_error(o: &Object<'_>, ev: &mut Evidence) -> bool {
    let Some(err) = o.member("error").and_then(Json::as_object) else {
        return false;
    };
    let Some(kind) = str_of(err, "type") else {
        return false;
    };
    ev.error_type = Some(kind.to_owned());
    for key in ["code", "decline_code"] {
        if let Some(code) = err.member(key).and_then(code_of) {
            ev.code(code);
        }
    }
    if let Some(m) = str_of(err, "message") {
        ev.message(m);
        if let Some(param) = str_of(err, "param") {
            ev.field(Some(param.to_owned()), m.to_owned());
        }
    }
    common_links(err, ev);
    ev.request_id = str_of(o, "request_id").map(str::to_owned);
    true
}

/// Azure and OData: `error: {code, message, target, details[], innererror}`.
fn azure(o: &Object<'_>, ev: &mut Evidence) -> bool {
    let Some(err) = o.member("error").and_then(Json::as_object) else {
        return false;
    };
    let Some(code) = str_of(err, "code") else {
        return false;
    };
    ev.code(code);
    if let Some(inner) = err
        .member("innererror")
        .and_then(|i| i.member("code"))
        .and_then(Json::as_str)
    {
        ev.code(inner);
    }
    if let Some(m) = str_of(err, "message") {
        ev.message(m);
    }
    for d in err
        .member("details")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(code) = d.member("code").and_then(Json::as_str) {
            ev.code(code);
        }
        let target = d.member("target").and_then(Json::as_str).map(str::to_owned);
        if let Some(m) = d.member("message").and_then(Json::as_str) {
            ev.field(target, m.to_owned());
        }
    }
    true
}

/// Twilio: a numeric `code` with `more_info` (a link to the error's page).
fn twilio(o: &Object<'_>, ev: &mut Evidence) -> bool {
    let code = o.member("code").filter(|c| c.is_u64());
    let Some((code, _)) = code.zip(str_of(o, "more_info")) else {
        return false;
    };
    ev.code(code.to_string());
    if let Some(m) = str_of(o, "message") {
        ev.message(m);
    }
    true
}

/// RFC 9457 problem details: `type`, `title`, `status`, `detail`, `instance`, and
/// the common `invalid-params` / `errors` extension for field problems.
fn problem_details(o: &Object<'_>, ev: &mut Evidence) -> bool {
    let titled = str_of(o, "title").is_some();
    let typed = str_of(o, "type").is_some() || o.member("status").is_some_and(Json::is_u64);
    if !(titled && typed) {
        return false;
    }
    if let Some(t) = str_of(o, "type").filter(|t| *t != "about:blank") {
        ev.error_type = Some(t.to_owned());
        ev.link(t);
    }
    for key in ["code", "errorCode", "error_code"] {
        if let Some(code) = o.member(key).and_then(code_of) {
            ev.code(code);
        }
    }
    if let Some(d) = str_of(o, "detail") {
        ev.message(d);
    }
    if let Some(t) = str_of(o, "title") {
        ev.message(t);
    }
    for key in ["invalid-params", "invalid_params", "issues", "errors"] {
        for p in o.member(key).and_then(Json::as_array).into_iter().flatten() {
            problem_field(p, ev);
        }
    }
    true
}

fn problem_field(p: &Json<'_>, ev: &mut Evidence) {
    let field = ["name", "field", "pointer", "in"]
        .iter()
        .find_map(|k| p.member(k).and_then(Json::as_str))
        .map(str::to_owned);
    let problem = ["reason", "detail", "message", "description"]
        .iter()
        .find_map(|k| p.member(k).and_then(Json::as_str));
    if let Some(problem) = problem {
        ev.field(field, problem.to_owned());
    }
}

/// OAuth 2.0 (RFC 6749 §5.2) and bearer-token (RFC 6750 §3.1) errors.
fn oauth(o: &Object<'_>, ev: &mut Evidence) -> bool {
    const CODES: &[&str] = &[
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "unsupported_response_type",
        "invalid_scope",
        "access_denied",
        "server_error",
        "temporarily_unavailable",
        "invalid_token",
        "insufficient_scope",
    ];
    let Some(error) = str_of(o, "error") else {
        return false;
    };
    if !(CODES.contains(&error) || o.has_member("error_description")) {
        return false;
    }
    ev.code(error);
    if let Some(d) = str_of(o, "error_description") {
        ev.message(d);
    }
    for code in o
        .member("error_codes")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(code) = code_of(code) {
            ev.code(code);
        }
    }
    true
}

/// A top-level `errors` list of objects (JSON:API, GitHub's 422, OCI registries,
/// Shopify REST): `code`, `title`/`message`/`detail`, `source.pointer`/`field`.
fn errors_list(o: &Object<'_>, ev: &mut Evidence) -> bool {
    let Some(errors) = o.member("errors").and_then(Json::as_array) else {
        return false;
    };
    if errors.is_empty() || !errors.iter().all(Json::is_object) {
        return false;
    }
    if let Some(m) = str_of(o, "message") {
        ev.message(m);
    }
    for e in errors {
        if let Some(code) = e.member("code").and_then(code_of) {
            ev.code(code);
        }
        let text = ["detail", "message", "title"]
            .iter()
            .find_map(|k| e.member(k).and_then(Json::as_str));
        let field = e
            .pointer("/source/pointer")
            .or_else(|| e.pointer("/source/parameter"))
            .or_else(|| e.member("field"))
            .and_then(Json::as_str)
            .map(|f| match e.member("resource").and_then(Json::as_str) {
                Some(resource) => format!("{resource}.{f}"),
                None => f.to_owned(),
            });
        match (text, &field) {
            (Some(t), _) => {
                ev.message(t);
                if field.is_some() {
                    ev.field(field, t.to_owned());
                }
            }
            (None, Some(_)) => {
                let code = e.member("code").and_then(code_of).unwrap_or_default();
                ev.field(field, code);
            }
            (None, None) => {}
        }
    }
    true
}

/// `{"success": false, "errors": [...]}` (Cloudflare's API and many others).
fn success_false(o: &Object<'_>, ev: &mut Evidence) -> bool {
    if o.member("success").and_then(Json::as_bool) != Some(false) {
        return false;
    }
    for e in o
        .member("errors")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(code) = e.member("code").and_then(code_of) {
            ev.code(code);
        }
        if let Some(m) = e.member("message").and_then(Json::as_str) {
            ev.message(m);
        }
    }
    plain(o, ev);
    ev.error_at_success = true;
    true
}

/// The loosest shape: a `message`/`error`/`detail` string and a `code`.
fn plain(o: &Object<'_>, ev: &mut Evidence) -> bool {
    let before = (ev.codes.len(), ev.messages.len());
    for key in ["code", "error_code", "errorCode"] {
        if let Some(code) = o.member(key).and_then(code_of) {
            ev.code(code);
        }
    }
    let nested = o
        .member("error")
        .and_then(|e| e.member("code"))
        .and_then(code_of);
    if let Some(code) = nested {
        ev.code(code);
    }
    if let Some(m) = server_words(o).or_else(|| str_of(o, "errorMessage").map(str::to_owned)) {
        ev.message(m);
    }
    (ev.codes.len(), ev.messages.len()) != before
}

/// The server's own words where the common error shapes put them: `message` (a
/// string, or NestJS's list of them), `detail`, `error_description`, `error.message`,
/// a string `error`, `title`. Status-level rules quote it (`{{message}}`), so a
/// message no rule knows is still shown.
pub(crate) fn server_words(o: &Object<'_>) -> Option<String> {
    let text = |v: &Json<'_>| v.as_str().map(str::to_owned);
    let list = |v: &Json<'_>| {
        let items: Vec<&str> = v.as_array()?.iter().filter_map(Json::as_str).collect();
        (!items.is_empty()).then(|| items.join("; "))
    };
    let found = o
        .member("message")
        .and_then(|m| text(m).or_else(|| list(m)))
        .or_else(|| o.member("detail").and_then(text))
        .or_else(|| o.member("error_description").and_then(text))
        .or_else(|| {
            o.member("error")
                .and_then(|e| e.member("message"))
                .and_then(text)
        })
        .or_else(|| o.member("error").and_then(text))
        .or_else(|| o.member("title").and_then(text))?;
    let found = found.trim();
    (!found.is_empty()).then(|| found.to_owned())
}
