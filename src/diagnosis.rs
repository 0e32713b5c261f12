//! The result of diagnosing one response: a plain serde type that every renderer
//! and `--format json` share. Its JSON form is a public contract (`schema/diagnosis.json`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::evidence::{Challenge, Failure, RateLimit};
pub use crate::text::Text;

/// How sure a rule is of its cause.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    Serialize,
    JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// The vendor documents this cause for this response.
    #[default]
    Documented,
    /// Inferred: the docs do not say so.
    Likely,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// An error response (or a failed request) explained by a rule.
    Diagnosed,
    /// A successful response carrying a warning a rule knows (partial acceptance, failed job).
    Warning,
    /// A response that is not an error (1xx–3xx); nothing to diagnose, though a rule may
    /// describe it (a redirect), and `rule` then names that rule.
    Success,
    /// An error response (or a failed request, or an unknown status) no rule explains.
    Unrecognised,
}

/// One response's diagnosis.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
pub struct Diagnosis {
    pub outcome: Outcome,
    /// HTTP status; null when the input does not tell or no response arrived.
    pub status: Option<u16>,
    /// Reason phrase for the status (`Forbidden`).
    pub reason: Option<String>,
    /// A failure before any response arrived (DNS, TLS, refused connection), as the client reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The API recognised (`hacktron`, `tumban`, `wasviking`, `blazeauth`, a user pack's name), or null.
    pub api: Option<Text>,
    /// Winning rule id `<pack>/<slug>` (generic rules are `http/<slug>`), or null.
    pub rule: Option<Text>,
    /// Whether the cause is the vendor's documented word or our inference; null without a rule.
    pub confidence: Option<Confidence>,
    pub title: Option<Text>,
    pub cause: Option<Text>,
    /// Steps to fix, in order.
    pub fix: Vec<Text>,
    pub retry: Option<Retry>,
    /// The id to quote to support (request id, error id), when the response carries one.
    pub request_id: Option<String>,
    /// Documentation URL the rule cites.
    pub docs: Option<Text>,
    /// Field-level problems of a validation error.
    pub fields: Vec<FieldProblem>,
    /// Field problems left out of `fields`, which lists the first 50; absent when none were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields_omitted: Option<usize>,
    /// The server's own words, whatever convention the body follows (masked, at most 1 KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Error codes and reasons the response states, most specific first
    /// (`API_KEY_INVALID`, `SignatureDoesNotMatch`, `-32601`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    /// The error's type or class as the response states it (Stripe `type`, AWS `Type`,
    /// a problem type URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// Documentation links the response itself gives.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    /// The rate-limit state the response's headers report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    /// The `WWW-Authenticate` challenge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<Challenge>,
    /// Which way a retry goes: `rate_limit` (after the wait), `quota` (not until it
    /// resets or is raised), `overload` (with backoff), `client` (fix first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// The error convention the body follows (`google`, `graphql`, `aws-query-xml`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envelope: Option<String>,
    /// The request, when the input shows it; secrets masked.
    pub request: Option<RequestSummary>,
    /// Where the response came from; null for a single response on stdin.
    pub source: Option<Source>,
    /// When the response was received, as the input states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// What the reader noticed (status taken from the body, body decompressed, body missing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// With `--all`: every matching rule, best first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<Vec<RuleMatch>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
pub struct Retry {
    pub retryable: bool,
    /// Seconds to wait before retrying, when known: the longer of the rule's documented
    /// wait and, when retryable, the one the response asks for (`Retry-After`, else its
    /// body's text).
    pub after_seconds: Option<u64>,
    pub advice: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub struct FieldProblem {
    pub field: Option<String>,
    pub problem: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub struct RequestSummary {
    pub method: Option<String>,
    pub url: Option<String>,
    /// The `Authorization` scheme, or `X-Api-Key`.
    pub auth: Option<String>,
    /// The credential with all but its vendor prefix and a few characters masked.
    pub key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
pub struct Source {
    /// File name; `-` for standard input.
    pub file: String,
    /// 0-based index of the HAR entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<usize>,
    /// 1-based line of the NDJSON record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// How an input is named in messages and labels: `-` (the command line's name for
/// it) is "standard input", the one name apidiag prints for it. It lives beside
/// [`Source`], whose `file` is such a name, so input errors and diagnoses share it.
pub fn shown(name: &str) -> &str {
    if name == "-" { "standard input" } else { name }
}

/// `file`, `file entry 3` (HAR) or `file:12` (NDJSON), standard input by the one name
/// messages give it.
impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let file = shown(&self.file);
        match (self.entry, self.line) {
            (Some(e), _) => write!(f, "{file} entry {e}"),
            (None, Some(l)) => write!(f, "{file}:{l}"),
            (None, None) => f.write_str(file),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub struct RuleMatch {
    pub rule: String,
    pub confidence: Confidence,
    pub priority: i32,
    pub conditions: usize,
    /// One line per condition that held.
    pub why: Vec<String>,
}

/// JSON Schema of one `--format json` line, as committed in `schema/diagnosis.json`.
pub fn diagnosis_schema() -> String {
    let schema = schemars::schema_for!(Diagnosis);
    serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n"
}
