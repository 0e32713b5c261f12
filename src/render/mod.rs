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
