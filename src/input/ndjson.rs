//! NDJSON logs: one JSON [`record`](super::record) per line, read and pushed line by
//! line, so a log of any length is read in the memory of its longest line.

use std::io::{self, BufRead};

use super::record::{Record, wrong_field};
use super::{InputOptions, Parsed, ReadFailure, RecordError, RecordSink, io_failure, push};
use crate::diagnosis::Source;
use crate::mask;
use crate::read::{Context, apply_context};
use crate::response::Response;

/// Read a log line by line and push each record (or why a line is not one) to `sink`.
pub(super) fn read_ndjson(
    reader: &mut dyn BufRead,
    name: &str,
    opts: &InputOptions,
    sink: &mut dyn RecordSink,
) -> Result<(), ReadFailure> {
    let mut line = Vec::new();
    for number in 1.. {
        line.clear();
        let record = match read_line_bounded(reader, &mut line, opts.max_record)
            .map_err(|source| io_failure(name, source))?
        {
            LineRead::End => break,
            LineRead::TooLong => Some(Err(too_long(name, number, opts))),
            LineRead::Line => line_record(&line, number, name, opts),
        };
        if let Some(record) = record {
            push(sink, record).map_err(ReadFailure::Output)?;
        }
    }
    Ok(())
}

/// The lines of a piece, each with its newline (the last may have none): what the
/// reader counts to number the next piece, and what the workers split.
pub(super) fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let (line, after) = rest.split_at(end);
        rest = after;
        Some(line)
    })
}

/// The record on line `number` (`None` for a blank line), or why it is not one.
pub(super) fn line_record(
    line: &[u8],
    number: usize,
    name: &str,
    opts: &InputOptions,
) -> Option<Result<Parsed, RecordError>> {
    if over_limit(line.len(), opts.max_record) {
        return Some(Err(too_long(name, number, opts)));
    }
    if line.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let source = ndjson_source(name, number);
    Some(match parse_record(line, &opts.context) {
        Ok(response) => Ok(Parsed {
            response,
            source: Some(source),
        }),
        Err(message) => Err(RecordError {
            at: source,
            message,
        }),
    })
}

pub(super) fn too_long(name: &str, number: usize, opts: &InputOptions) -> RecordError {
    RecordError {
        at: ndjson_source(name, number),
        message: format!(
            "record larger than the --max-input-size limit of {} bytes; skipped",
            opts.max_record
        ),
    }
}

fn ndjson_source(name: &str, number: usize) -> Source {
    Source {
        file: name.to_owned(),
        entry: None,
        line: Some(number),
    }
}

fn parse_record(line: &[u8], context: &Context) -> Result<Response, String> {
    let record: Record = serde_json::from_slice(line).map_err(|e| record_error(line, &e))?;
    let mut response = record.into_response();
    apply_context(&mut response, context);
    Ok(response)
}

/// Why a line is not a record, in words: broken JSON, JSON that is not an object, or
/// the field of an object that has the wrong type. Serde's wording of the last names
/// Rust types and quotes the line, secrets included: it is a last resort, masked.
fn record_error(line: &[u8], e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let text = e.to_string();
    let what = text.split(" at line ").next().unwrap_or(&text);
    match e.classify() {
        Category::Eof => "not JSON: the line ends inside a value (cut short?)".into(),
        Category::Syntax | Category::Io => format!("not JSON: {what} at column {}", e.column()),
        Category::Data => match line.trim_ascii_start().first() {
            Some(b'{') => mask::mask_owned(
                serde_json::from_slice(line)
                    .ok()
                    .and_then(|v| wrong_field(&v))
                    .unwrap_or_else(|| format!("not an NDJSON response record: {what}")),
            ),
            _ => "not an NDJSON response record: a record is a JSON object ({\"status\": …, \"headers\": {…}, \"body\": …})".into(),
        },
    }
}

/// A line of `len` bytes, its newline included, is longer than `--max-input-size`.
fn over_limit(len: usize, limit: u64) -> bool {
    len as u64 > limit.saturating_add(1)
}

pub(super) enum LineRead {
    Line,
    TooLong,
    End,
}

/// Read one line into `buf` without ever holding more than `limit` bytes of it.
pub(super) fn read_line_bounded(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    limit: u64,
) -> io::Result<LineRead> {
    let mut too_long = false;
    let mut any = false;
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok(match (any, too_long) {
                (false, _) => LineRead::End,
                (true, true) => LineRead::TooLong,
                (true, false) => LineRead::Line,
            });
        }
        any = true;
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if !too_long {
            if over_limit(buf.len() + take, limit) {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&chunk[..take]);
            }
        }
        reader.consume(take);
        if done {
            return Ok(if too_long {
                LineRead::TooLong
            } else {
                LineRead::Line
            });
        }
    }
}
