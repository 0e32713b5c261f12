//! Which way a retry goes. A rate limit passes with time, a quota or billing limit
//! only when it resets or is raised, an overload with backoff; a client error never
//! passes by itself. The status alone misleads both ways: GitHub sends rate limits as
//! 403, and quota exhaustion comes as 429.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Evidence;
use crate::response::Response;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// Too many requests in a window: retry after the wait.
    RateLimit,
    /// A quota, credit or billing limit is used up: retrying does not help until it
    /// resets or is raised.
    Quota,
    /// The server or a service behind it is overloaded or failing: retry with backoff.
    Overload,
    /// The request itself is wrong or not allowed: fix it first.
    Client,
}

/// Codes that name a rate limit, as the APIs spell them (compared without case).
const RATE_CODES: &[&str] = &[
    "throttling",
    "throttlingexception",
    "throttled",
    "toomanyrequests",
    "toomanyrequestsexception",
    "requestlimitexceeded",
    "slowdown",
    "provisionedthroughputexceededexception",
    "requestthrottled",
    "rate_limit_exceeded",
    "rate_limit_error",
    "rate_limited",
    "ratelimited",
    "ratelimitexceeded",
    "rate_limit_exceeded_error",
    "user_rate_limit_exceeded",
    "too_many_requests",
    "secondary_rate_limit",
    "20429",
];

/// Codes that name a used-up quota or billing limit.
const QUOTA_CODES: &[&str] = &[
    "insufficient_quota",
    "billing_hard_limit_reached",
    "quotaexceeded",
    "quota_exceeded",
    "dailylimitexceeded",
    "out_of_credits",
];

/// Words of a message that name a quota or billing limit rather than a rate.
const QUOTA_WORDS: &[&str] = &[
    "exceeded your current quota",
    "check your plan and billing",
    "credit balance is too low",
    "billing details",
    "insufficient quota",
    "out of credit",
];

const OVERLOAD_CODES: &[&str] = &[
    "overloaded_error",
    "unavailable",
    "serviceunavailable",
    "internalerror",
    "internal_error",
    "server_error",
    "temporarily_unavailable",
    "api_error",
];

pub(super) fn classify(resp: &Response, ev: &Evidence) -> Option<Failure> {
    let status = resp.status?;
    if status < 400 && !ev.error_at_success {
        return None;
    }
    let has = |list: &[&str]| {
        ev.codes
            .iter()
            .chain(&ev.error_type)
            .any(|c| list.iter().any(|l| c.eq_ignore_ascii_case(l)))
    };
    let said = |words: &[&str]| {
        ev.messages.iter().any(|m| {
            let m = m.to_ascii_lowercase();
            words.iter().any(|w| m.contains(w))
        })
    };
    if has(QUOTA_CODES) || said(QUOTA_WORDS) {
        return Some(Failure::Quota);
    }
    let exhausted = ev
        .rate_limit
        .as_ref()
        .is_some_and(super::RateLimit::exhausted);
    if status == 429
        || has(RATE_CODES)
        || (matches!(status, 403 | 429) && (exhausted || said(&["rate limit"])))
    {
        return Some(Failure::RateLimit);
    }
    if status >= 500 || status == 529 || has(OVERLOAD_CODES) {
        return Some(Failure::Overload);
    }
    Some(Failure::Client)
}
