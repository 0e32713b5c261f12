//! The rule-file format, exactly as it is written in `rules/*.json`.
//!
//! Every struct denies unknown fields so a typo fails loudly; `rules/schema.json`
//! is generated from these types.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnosis::Confidence;
use crate::input::record::{Record, RecordHeaders, RecordRequest};

/// One rule file: a pack of rules for one API (or the generic `http` pack).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Editors use this to find `schema.json`; ignored by apidiag.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The API this pack describes (`hacktron`, `tumban`, …); `http` for generic rules.
    /// Every rule id in the file starts with `<api>/`.
    pub api: String,
    /// Human name of the API (`Hacktron REST API`).
    pub name: String,
    /// Default documentation URL for rules that give none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
    /// How to tell that a response came from this API.
    #[serde(default)]
    pub recognise: Recognise,
    /// Where this API puts the id to quote to support, tried in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_id: Vec<Extract>,
    /// Lookup tables the docs give (scope per endpoint, limit per route).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tables: BTreeMap<String, Vec<TableRow>>,
    pub rules: Vec<Rule>,
}

/// Strong evidence that a response belongs to an API.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recognise {
    /// Request hosts: exact (`api.hacktron.ai`) or a suffix wildcard (`*.hacktron.ai`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Prefixes of the credential sent with the request (`hacktron_`, `wv_live_`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_prefixes: Vec<String>,
    /// Response header names only this API sends (case-insensitive).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<String>,
    /// Weaker evidence, used only when none of the above names an API and no request
    /// host contradicts it: terms the API's documentation uses (field names, error
    /// codes, messages verbatim) that a generic framework does not send. Found as whole
    /// words in the body; a rule won this way is at most `likely`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vocabulary: Vec<String>,
    /// A layer in front of any API (a proxy, CDN or load balancer), not an API: its
    /// rules are tried on every response whatever API it is recognised as, like the
    /// generic rules, and rank as a vendor's. Every rule of such a pack must test the
    /// layer's own evidence (its page, its headers), never a status alone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub layer: bool,
}

/// Where to pull a value from: a JSONPath into the body, a response header, or a
/// regex over a body string.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extract {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// With `body`: a regex applied to the string found; group `id` (or the whole match) is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
}

/// A row of a lookup table, matched against the request.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableRow {
    /// Request method; absent = any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Request path, matched as a suffix of the request path so a base-path prefix
    /// (`/v1`) may be left out. `{id}` matches one segment holding a digit, any other
    /// `{name}` one segment, and a last `{...}` whatever follows. The most specific
    /// matching row wins (a literal segment beats a placeholder, from the end).
    pub path: String,
    pub value: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id `<api>/<kebab-slug>`; never reused.
    pub id: String,
    /// One line naming the failure.
    pub title: String,
    /// The exact vendor string (or code) the rule was built from; null for
    /// failure modes documented without a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documented: Option<String>,
    #[serde(default)]
    pub confidence: Confidence,
    /// Higher wins when several rules match (default 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub priority: i32,
    /// Marks a signal inside a successful response (partial acceptance, a failed scan record).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub warning: bool,
    pub when: When,
    /// Fill placeholders from lookup tables of this file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lookups: Vec<Lookup>,
    /// Why it failed. `{{name}}` placeholders; `{{#name}}…{{/name}}` shows only when
    /// `name` has a value, `{{^name}}…{{/name}}` only when it has none.
    pub cause: String,
    /// What to do, one step per entry, same placeholders.
    pub fix: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetrySpec>,
    /// Field-level problems of a validation error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<FieldsSpec>,
    /// Overrides the file's `request_id` sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_id: Vec<Extract>,
    /// Documentation URL; defaults to the file's `docs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
    /// Longer background for `apidiag explain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<String>,
    pub examples: Examples,
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

/// Every condition present must hold.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// `403`, `"4xx"`, or a list of either. Absent = any status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusSpec>,
    /// Conditions on the JSON body, each a JSONPath query and tests on what it selects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub body: Vec<BodyCondition>,
    /// Conditions on the response's evidence (its codes, messages, rate-limit state,
    /// challenge, retry direction, whatever convention it follows), as body-style
    /// JSONPath tests on the evidence object `apidiag` reads from it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<BodyCondition>,
    /// Tests on the raw body text (any content type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextTest>,
    /// The kind of body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_kind: Option<BodyKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HeaderCondition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestCondition>,
    /// Tests on a transport failure (no response: DNS, TLS, refused connection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_error: Option<TextTest>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum StatusSpec {
    One(StatusItem),
    Many(Vec<StatusItem>),
}

/// As `#[serde(untagged)]` would, with the same error at the same place (after the
/// whole value), but without buffering every item and trying each variant in turn,
/// which was a large part of parsing a rule.
impl<'de> Deserialize<'de> for StatusSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fn item(v: serde_json::Value) -> Option<StatusItem> {
            match v {
                serde_json::Value::Number(n) => n
                    .as_u64()
                    .and_then(|c| u16::try_from(c).ok())
                    .map(StatusItem::Code),
                serde_json::Value::String(s) => Some(StatusItem::Class(s)),
                _ => None,
            }
        }
        let spec = match serde_json::Value::deserialize(d)? {
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(item)
                .collect::<Option<Vec<_>>>()
                .map(StatusSpec::Many),
            other => item(other).map(StatusSpec::One),
        };
        spec.ok_or_else(|| {
            serde::de::Error::custom("data did not match any variant of untagged enum StatusSpec")
        })
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum StatusItem {
    /// An exact status code.
    Code(u16),
    /// A class: `"1xx"` … `"5xx"`.
    Class(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BodyKind {
    /// No body, or only whitespace.
    Empty,
    Json,
    Html,
    /// Not empty, not JSON, not HTML.
    Text,
}

/// A JSONPath query and the tests that at least one selected node must pass.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyCondition {
    /// RFC 9535 JSONPath, e.g. `$.message`, `$.detail[*].loc[-1]`.
    pub path: String,
    /// The node equals this JSON value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<serde_json::Value>,
    /// The node equals one of these values.
    #[serde(rename = "in", default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<serde_json::Value>>,
    /// The node equals none of these values (with `$.list[*]`: some item is not one of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_in: Option<Vec<serde_json::Value>>,
    /// The node is a string containing this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    /// The node is a string starting with this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_with: Option<String>,
    /// The node is a string matching this regex; named groups become placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// `true`: the query selects something; `false`: it selects nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    /// The node has this JSON type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub json_type: Option<JsonType>,
    /// Keep the node's value (a string, or compact JSON) under this placeholder name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    String,
    Number,
    Boolean,
    Array,
    Object,
    Null,
}

/// Tests on a piece of text; every test given must hold.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TextTest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    /// Named groups become placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeaderCondition {
    /// Header name, case-insensitive.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    /// Case-insensitive equality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    /// Case-insensitive substring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<String>,
}

/// Conditions on the request, when the input shows it (`curl -v`, HAR, NDJSON).
/// A condition on a request fact the input does not show fails, except `known: false`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestCondition {
    /// `true`: the request is shown; `false`: it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known: Option<bool>,
    /// One method or a list (upper case).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub method: Vec<String>,
    /// Regex on the URL path (without query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Regex on the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The `Authorization` scheme (`Bearer`, `ApiKey`, `Basic`), case-insensitive;
    /// `"none"` when no `Authorization` header was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_scheme: Option<String>,
    /// The credential (from `Authorization` or `X-Api-Key`) starts with one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_prefix: Vec<String>,
    /// A credential was sent and starts with none of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_prefix_not: Vec<String>,
    /// A request header that must be present (case-insensitive name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub header: Vec<String>,
    /// Conditions on the URL's query string, tested like `body` conditions on an object
    /// of its parameters: names and values percent-decoded, a value holding a JSON object
    /// or array parsed (`searchParams={"categories":["Login"]}` is tested at
    /// `$.searchParams.categories[*]`), any other value a string, a repeated parameter an
    /// array of its values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<BodyCondition>,
}

/// Fill `capture` from the first row of `table` that matches the request.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lookup {
    pub table: String,
    pub capture: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrySpec {
    pub retryable: bool,
    /// Seconds to wait: a number, or a placeholder such as `"{{wait}}"`. A diagnosis
    /// waits the longer of this and the wait the response asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<serde_json::Value>,
    /// How to retry, same placeholders as `cause`.
    pub advice: String,
}

/// Field-level problems: each node selected by `each` is one problem.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldsSpec {
    /// JSONPath selecting one node per problem (`$.detail[*]`, `$.message[*]`).
    pub each: String,
    /// JSONPath, relative to the node, to the field name (`$.loc[-1]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// JSONPath, relative to the node, to the problem text (`$.msg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// For string nodes: a regex with groups `field` and `problem`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

/// Responses the rule must win on, and responses it must not match.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    #[serde(rename = "match")]
    pub must_match: Vec<Example>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub no_match: Vec<Example>,
}

/// A response in the NDJSON record shape, plus optional expectations on the output.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Example {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "RecordHeaders::is_empty")]
    pub headers: RecordHeaders,
    /// A JSON value (the JSON body) or a string (the body text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RecordRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Strings the rendered cause, fix or retry advice must contain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<String>,
}

impl Example {
    pub fn to_response(&self) -> crate::response::Response {
        let record = Record {
            status: self.status,
            headers: self.headers.clone(),
            body: self
                .body
                .as_ref()
                .map(|v| serde_json::value::to_raw_value(v).expect("a JSON value serialises")),
            request: self.request.clone(),
            time: self.time.clone(),
            error: self.error.clone(),
        };
        record.into_response()
    }
}
