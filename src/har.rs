//! Browser HAR files, read entry by entry.

use std::io::BufRead;

use crate::input::{Flow, InputError, InputOptions, Parsed, ReadFailure, RecordError};

pub fn read_har(
    _reader: &mut dyn BufRead,
    name: &str,
    _opts: &InputOptions,
    _sink: &mut dyn FnMut(Result<Parsed, RecordError>) -> Flow,
) -> Result<(), ReadFailure> {
    Err(InputError::Unreadable {
        name: name.to_string(),
        message: "HAR input is not supported yet".into(),
    }
    .into())
}
