//! Reading one HTTP response out of whatever a client printed: curl (`-i`, `-D -`,
//! `-v`, `-s`, `-w`), HTTPie and xh (`--print=hb`, `-v`, coloured or not), wget `-S`.
//!
//! Every reader is total: any byte string gives either a [`Response`] or a
//! [`ReadError`], never a panic, and works in one pass over the input.

mod ansi;
mod body;
mod context;
mod curl_verbose;
mod decode;
mod detect;
mod format;
mod http;
mod httpie;
mod lines;
pub mod normal;
mod progress;
mod wget;

use std::borrow::Cow;

use crate::response::Response;

pub use context::{Context, apply_context};
pub use detect::{SNIFF_BYTES, detect, enough_to_detect, log_hint};
pub use format::InputFormat;

/// Why the input could not be read as the requested format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}", line_prefix(*.line), .message)]
pub struct ReadError {
    /// 1-based line of the input the problem is on, when there is one.
    pub line: Option<usize>,
    pub message: String,
}

impl ReadError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            line: None,
            message: message.into(),
        }
    }

    pub fn at(line: usize, message: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            message: message.into(),
        }
    }
}

fn line_prefix(line: Option<usize>) -> String {
    line.map(|n| format!("line {n}: ")).unwrap_or_default()
}

/// Read ONE response from the whole input; `Auto` sniffs the format first.
pub fn read_response(input: &[u8], format: InputFormat) -> Result<Response, ReadError> {
    read_normalised(&normal::normalise(input), format)
}

/// [`read_response`] for an input already through [`normal`].
pub fn read_normalised(input: &[u8], format: InputFormat) -> Result<Response, ReadError> {
    let format = match format {
        InputFormat::Auto => detect(input),
        f => f,
    };
    // Coloured output (HTTPie/xh `--pretty=all|colors`) is only ever text the client
    // re-rendered itself, so stripping escapes everywhere cannot damage raw body bytes;
    // plain output is left alone because a raw gzip body may contain ESC '['.
    let input: Cow<[u8]> = if ansi::first_line_is_coloured(input) {
        Cow::Owned(ansi::strip(input))
    } else {
        Cow::Borrowed(input)
    };
    match format {
        InputFormat::Auto | InputFormat::Http => http::read(&input),
        InputFormat::CurlVerbose => curl_verbose::read(&input),
        InputFormat::Httpie => httpie::read(&input),
        InputFormat::Wget => wget::read(&input),
        InputFormat::Body => Ok(body::read(&input)),
        InputFormat::Har | InputFormat::Ndjson => Err(ReadError::new(format!(
            "{} input holds a list of responses; it is read record by record, not as one response",
            format.name()
        ))),
    }
}
