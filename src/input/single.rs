//! An input that is one response: a curl, HTTPie or wget transcript, a raw HTTP
//! response, or a bare body, read whole through [`crate::read`].

use std::io::{self, BufRead, Read};

use super::{InputError, InputOptions, Parsed, ReadFailure, RecordSink, io_failure};
use crate::diagnosis::Source;
use crate::read::{InputFormat, apply_context, log_hint, read_normalised};
use crate::response::{Note, Response};

/// Read the one response `reader` holds, in `format`, and push it to `sink`.
pub(super) fn read_single(
    reader: &mut dyn BufRead,
    name: &str,
    opts: &InputOptions,
    format: InputFormat,
    sink: &mut dyn RecordSink,
) -> Result<(), ReadFailure> {
    let bytes = read_bounded(reader, opts.max_record)
        .map_err(|source| io_failure(name, source))?
        .ok_or_else(|| InputError::TooLarge {
            name: name.to_owned(),
            limit: opts.max_record,
        })?;
    let response = response(&bytes, format, opts).map_err(|message| InputError::Unreadable {
        name: name.to_owned(),
        message,
    })?;
    let source = (name != "-").then(|| Source {
        file: name.to_owned(),
        ..Source::default()
    });
    sink.record(Parsed { response, source })
        .map_err(ReadFailure::Output)
}

fn response(bytes: &[u8], format: InputFormat, opts: &InputOptions) -> Result<Response, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) && opts.context.status.is_none() {
        return Err(
            "the input is empty (was anything piped in? give --status N for an empty body)".into(),
        );
    }
    let mut response = read_normalised(bytes, format).map_err(|e| e.to_string())?;
    if opts.format == InputFormat::Auto && format == InputFormat::Body {
        response.notes.extend(log_hint(bytes).map(Note::Other));
    }
    apply_context(&mut response, &opts.context);
    Ok(response)
}

/// The whole input, or `None` when it is longer than `limit`.
fn read_bounded(reader: &mut dyn Read, limit: u64) -> io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    Ok((buf.len() as u64 <= limit).then_some(buf))
}
