//! Reading whole inputs: one response from a pipe or file, or many from a HAR or an
//! NDJSON stream, each pushed to a [`RecordSink`] as soon as it is read so memory does
//! not grow with the number of records.
//!
//! The files, in the order data flows:
//!
//! - `sniff.rs`: the first bytes of a stream, normalised, tell its format;
//! - `single.rs` (one response, through [`crate::read`]), `ndjson.rs` (a log, line by
//!   line, each line a [`record`]) and `har.rs` (a browser's HAR, entry by entry) read
//!   what it holds;
//! - `sink.rs`: [`RecordSink`], where they push each response, or why a record could
//!   not be read;
//! - `pieces.rs`: the same inputs cut up for worker threads ([`crate::parallel`]);
//! - `drain.rs`: [`DrainAware`], which tells when a stream's reader has caught up with
//!   its input.
//!
//! The types every reader shares, and the entry points, live here. The children use
//! them and not each other, with two exceptions: `pieces.rs` cuts up what `ndjson.rs`
//! reads, and `ndjson.rs` and `har.rs` word their refusals as `record.rs` does.

use std::io::{self, BufRead};

use crate::diagnosis::{Source, shown};
use crate::read::{Context, InputFormat};
use crate::response::Response;

mod drain;
mod har;
mod ndjson;
mod pieces;
pub mod record;
mod single;
mod sink;
mod sniff;

pub use drain::DrainAware;
pub use pieces::{BATCH_BYTES, PIECE_BYTES, Piece, read_pieces};
pub use sink::RecordSink;

/// How to read every input of a run.
#[derive(Debug, Clone)]
pub struct InputOptions {
    pub format: InputFormat,
    pub context: Context,
    /// The largest single response or record accepted, in bytes.
    pub max_record: u64,
}

/// A response read from an input, with where it came from.
#[derive(Debug)]
pub struct Parsed {
    pub response: Response,
    pub source: Option<Source>,
}

/// One record of a batch that could not be read; the rest of the input goes on.
#[derive(Debug, thiserror::Error)]
#[error("{at}: {message}")]
pub struct RecordError {
    pub at: Source,
    pub message: String,
}

/// An input that could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{}: {source}", shown(name))]
    Io { name: String, source: io::Error },
    #[error(
        "{}: larger than the --max-input-size limit of {limit} bytes",
        shown(name)
    )]
    TooLarge { name: String, limit: u64 },
    #[error("{}: {message}", shown(name))]
    Unreadable { name: String, message: String },
}

/// Why reading stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ReadFailure {
    #[error(transparent)]
    Input(#[from] InputError),
    /// Writing the output failed (a closed pipe is one).
    #[error("writing output: {0}")]
    Output(io::Error),
}

/// Read `reader` (called `name`; `-` is standard input) and push each response or
/// record error to `sink`. An error from `sink` stops reading and is returned.
pub fn read_input(
    reader: &mut dyn BufRead,
    name: &str,
    opts: &InputOptions,
    sink: &mut dyn RecordSink,
) -> Result<(), ReadFailure> {
    let mut lf = None;
    let (reader, format) = &mut sniff::open(reader, &mut lf, name, opts)?;
    match *format {
        InputFormat::Ndjson => ndjson::read_ndjson(reader, name, opts, sink),
        other => read_whole(reader, name, opts, other, sink),
    }
}

/// A HAR, entry by entry, or a single response: the inputs read the same way on one
/// thread or for workers.
fn read_whole(
    reader: &mut dyn BufRead,
    name: &str,
    opts: &InputOptions,
    format: InputFormat,
    sink: &mut dyn RecordSink,
) -> Result<(), ReadFailure> {
    match format {
        InputFormat::Har => har::read_har(reader, name, opts, sink),
        other => single::read_single(reader, name, opts, other, sink),
    }
}

/// Push `item` to the method of `sink` it calls for: for readers whose records come
/// out of one function that may refuse them.
fn push(sink: &mut dyn RecordSink, item: Result<Parsed, RecordError>) -> io::Result<()> {
    match item {
        Ok(parsed) => sink.record(parsed),
        Err(error) => sink.unreadable(error),
    }
}

fn io_failure(name: &str, source: io::Error) -> ReadFailure {
    ReadFailure::Input(InputError::Io {
        name: name.to_owned(),
        source,
    })
}

/// The transport failure a record or HAR entry stands for: the error it names, or,
/// with status 0 (how browsers and logs write down a request that got no answer),
/// that no response arrived.
fn transport_error(status: Option<u16>, error: Option<String>) -> Option<String> {
    error.or_else(|| (status == Some(0)).then(|| "no response received (status 0)".into()))
}
