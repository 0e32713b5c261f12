//! apidiag: read an HTTP API response from any client's output and explain why the
//! call failed, from a rule table built on the vendors' documented failure modes.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod read;
pub mod record;
pub mod response;
pub mod rules;
