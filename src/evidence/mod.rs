//! What a response itself says about its failure, whatever convention the API
//! follows: error codes, type, messages, per-field problems, documentation links, the
//! request id, the auth challenge, the rate-limit state, and which way a retry goes.
//!
//! Rules test it (`when.evidence`) and every output form shows it, so a response no
//! rule knows still tells its codes, its links and when to retry.

mod headers;
mod json;
mod kind;
mod xml;

use serde::Serialize;

use crate::diagnosis::FieldProblem;
use crate::json::Json;
use crate::response::Response;

pub use headers::{Challenge, RateLimit};
pub(crate) use json::server_words;
pub use kind::Failure;

/// How many codes, messages and links are kept: the first few name the failure, and a
/// hostile body must not grow the output.
const MAX_ITEMS: usize = 10;

/// The evidence one response carries.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evidence {
    /// The error convention recognised (`google`, `graphql`, `aws-xml`, …).
    pub envelope: Option<&'static str>,
    /// Error codes and reasons, most specific first.
    pub codes: Vec<String>,
    /// The error's type or class (Stripe `type`, an AWS `Type`, a problem type URI).
    pub error_type: Option<String>,
    /// The server's own words, most specific first.
    pub messages: Vec<String>,
    pub fields: Vec<FieldProblem>,
    /// Documentation links the response gives.
    pub links: Vec<String>,
    /// The id to quote to support, from the body or a well-known header.
    pub request_id: Option<String>,
    pub challenge: Option<Challenge>,
    pub rate_limit: Option<RateLimit>,
    /// A wait the body asks for in a structured field (Google `RetryInfo.retryDelay`).
    pub retry_delay: Option<u64>,
    /// The body of a 2xx response reports an error (GraphQL `errors`, `ok:false`,
    /// JSON-RPC `error`, `success:false`).
    pub error_at_success: bool,
    pub failure: Option<Failure>,
}

impl Evidence {
    /// Read the evidence of `resp`, whose body's JSON is `json` when it is JSON.
    pub fn of(resp: &Response, json: Option<&Json<'_>>) -> Self {
        let mut ev = Self::default();
        // Most successes carry no error report: not read, not parsed for one.
        let answered = resp.status.is_some_and(|s| s < 400);
        if answered && !Self::may_report_error(resp) {
            return ev;
        }
        if let Some(body) = json {
            json::read(body, &mut ev);
        } else if xml::looks_like_xml(resp.body.bytes()) {
            xml::read(resp.body.bytes(), &mut ev);
        } else if let Some(title) = xml::html_title(resp.body.bytes()) {
            ev.envelope = Some("html");
            ev.message(title);
        }
        headers::read(resp, &mut ev);
        ev.error_at_success &= resp.status.is_some_and(|s| (200..300).contains(&s));
        ev.failure = kind::classify(resp, &ev);
        ev.dedup();
        ev
    }

    /// Whether the body of a 2xx response can hold an error report at all: a cheap
    /// look for the member names the conventions use, so a success is not parsed for it.
    pub fn may_report_error(resp: &Response) -> bool {
        let body = resp.body.bytes();
        let head = &body[..body.len().min(64 * 1024)];
        [&b"\"errors\""[..], b"\"ok\"", b"\"error\"", b"\"success\""]
            .iter()
            .any(|needle| memchr::memmem::find(head, needle).is_some())
    }

    fn code(&mut self, code: impl Into<String>) {
        push_bounded(&mut self.codes, code.into());
    }

    fn message(&mut self, message: impl Into<String>) {
        push_bounded(&mut self.messages, message.into());
    }

    fn link(&mut self, link: &str) {
        if link.starts_with("https://") || link.starts_with("http://") {
            push_bounded(&mut self.links, link.to_owned());
        }
    }

    fn field(&mut self, field: Option<String>, problem: String) {
        let problem = problem.trim().to_owned();
        if !problem.is_empty() && self.fields.len() < crate::limit::MAX_FIELDS * 4 {
            self.fields.push(FieldProblem { field, problem });
        }
    }

    /// Each item once, where it first came. The lists hold at most [`MAX_ITEMS`], so
    /// comparing with those before costs less than hashing.
    fn dedup(&mut self) {
        for list in [&mut self.codes, &mut self.messages, &mut self.links] {
            let mut at = 0;
            while at < list.len() {
                if list[..at].contains(&list[at]) {
                    list.remove(at);
                } else {
                    at += 1;
                }
            }
        }
    }

    /// The server's words as one line, the way templates quote them: the first three
    /// messages (an Azure message and its `AuthenticationErrorDetail`, several GraphQL
    /// errors).
    pub fn message_line(&self) -> Option<String> {
        let mut line = String::new();
        for m in self.messages.iter().take(3) {
            if !line.is_empty() {
                line.push_str(if line.ends_with(['.', '!', '?']) {
                    " "
                } else {
                    "; "
                });
            }
            line.push_str(m);
        }
        (!line.is_empty()).then_some(line)
    }

    /// As `when.evidence` conditions test it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

fn push_bounded(list: &mut Vec<String>, item: String) {
    let trimmed = item.trim();
    if trimmed.is_empty() || list.len() >= MAX_ITEMS {
        return;
    }
    list.push(if trimmed.len() == item.len() {
        item
    } else {
        trimmed.to_owned()
    });
}
