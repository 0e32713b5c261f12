//! apidiag: read an HTTP API response from any client's output and explain why the
//! call failed, from a rule table built on the vendors' documented failure modes.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod diagnosis;
pub mod evidence;
pub mod explain;
pub mod facts;
pub mod input;
pub mod json;
pub mod limit;
pub mod mask;
pub mod parallel;
pub mod read;
pub mod render;
pub mod report;
pub mod response;
pub mod rules;
pub mod sanitize;
pub mod status;
pub mod summary;
pub mod template;
pub mod text;
pub mod wrap;
