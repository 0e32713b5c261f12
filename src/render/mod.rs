//! Turning diagnoses, rules and checks into text. Only this module writes output; it
//! never decides anything about the response.

pub mod explain;
pub mod human;
pub mod json;
pub mod markdown;
pub mod palette;
mod printer;
pub mod rules;
pub mod summary;

pub use printer::{HumanPrinter, JsonPrinter, MarkdownPrinter, OutputFormat, Printer};

use crate::diagnosis::{Confidence, Diagnosis};
use crate::rules::check::Verdict;

// The words for domain types live here, beside every text that shows them, so the
// rule engine's types stay free of output.

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Documented => "documented",
            Self::Likely => "likely",
        }
    }
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validated => "validated",
            Self::Missing => "missing",
            Self::Noisy => "noisy",
            Self::Invalid => "invalid",
        }
    }
}

/// `403 Forbidden`, `status unknown`, or `no response`. The reason phrase came from
/// the server, so it is sanitised here for every text form.
pub fn status_line(d: &Diagnosis) -> String {
    match (d.status, d.reason.as_deref()) {
        (Some(s), Some(r)) => format!("{s} {}", crate::sanitize::sanitize(r)),
        (Some(s), None) => s.to_string(),
        (None, _) if d.error.is_some() => "no response".into(),
        (None, _) => "status unknown".into(),
    }
}

/// `METHOD url` of the request, when known.
pub fn request_line(d: &Diagnosis) -> Option<String> {
    let r = d.request.as_ref()?;
    let line = [r.method.as_deref(), r.url.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    (!line.is_empty()).then_some(line)
}

/// Where the response came from, for batch output: `file`, `file entry 3`,
/// `file:12`. A file name may hold any byte a terminal acts on, so it is sanitised
/// here for every text form, as the reason phrase is.
pub fn source_label(d: &Diagnosis) -> Option<String> {
    let s = d.source.as_ref()?;
    Some(crate::sanitize::sanitize(&s.to_string()).into_owned())
}

/// The retry advice in one line.
pub fn retry_text(d: &Diagnosis) -> Option<String> {
    let r = d.retry.as_ref()?;
    let when = match (r.retryable, r.after_seconds) {
        (true, Some(s)) => format!("yes, after {s} s"),
        (true, None) => "yes".into(),
        (false, _) => "not until fixed".into(),
    };
    Some(format!("{when} — {}", r.advice))
}

/// The server's own words, when the cause does not already quote them.
pub fn says(d: &Diagnosis) -> Option<&str> {
    let m = d.message.as_deref()?;
    let quoted = d.cause.as_deref().is_some_and(|c| c.contains(m));
    // Slack's `"error": "invalid_auth"` is a code, shown as one.
    let a_code = d.codes.iter().any(|c| c == m);
    // An error page titled `502 Bad Gateway` says no more than the status line.
    let the_status = m.eq_ignore_ascii_case(&status_line(d));
    (!quoted && !a_code && !the_status).then_some(m)
}

/// The codes and type the response states, in one line.
pub fn codes_line(d: &Diagnosis) -> Option<String> {
    let mut parts: Vec<String> = d.codes.clone();
    if let Some(t) = d.error_type.as_ref().filter(|t| !d.codes.contains(t)) {
        parts.push(format!("type {t}"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The rate-limit state in one line: `0 of 60 left (core), resets 2013-07-01T17:47:53Z, in 512 s`.
pub fn rate_limit_line(d: &Diagnosis) -> Option<String> {
    let r = d.rate_limit.as_ref()?;
    let mut line = match (r.remaining, r.limit) {
        (Some(left), Some(limit)) => format!("{left} of {limit} left"),
        (Some(left), None) => format!("{left} left"),
        (None, Some(limit)) => format!("limit {limit}"),
        (None, None) => String::new(),
    };
    if let Some(resource) = &r.resource {
        line.push_str(&format!(" ({resource})"));
    }
    match (&r.reset_at, r.reset_in_seconds) {
        (Some(at), Some(secs)) => line.push_str(&format!(", resets {at}, in {secs} s")),
        (Some(at), None) => line.push_str(&format!(", resets {at}")),
        (None, Some(secs)) => line.push_str(&format!(", resets in {secs} s")),
        (None, None) => {}
    }
    Some(line.trim_start_matches(", ").to_owned())
}

/// The `WWW-Authenticate` challenge in one line: `Bearer realm="…" scope="…"`.
pub fn challenge_line(d: &Diagnosis) -> Option<String> {
    let c = d.challenge.as_ref()?;
    let params: Vec<String> = c
        .params
        .iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    Some(
        format!("{} {}", c.scheme, params.join(" "))
            .trim_end()
            .to_owned(),
    )
}

/// The response's own documentation links the rule's docs line does not repeat.
pub fn own_links(d: &Diagnosis) -> impl Iterator<Item = &str> {
    d.links
        .iter()
        .map(String::as_str)
        .filter(move |l| d.docs.as_deref() != Some(*l))
}
