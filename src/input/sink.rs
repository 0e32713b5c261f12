//! Where readers put what they read.

use std::io;

use super::{Parsed, RecordError};

/// The receiving end of a reader: every response an input holds, or why a record of it
/// could not be read, pushed in input order as soon as it is read.
///
/// This is a push model, as ripgrep's `Sink` is: the reader drives, and calls the sink
/// once per record, so no reader collects its records and memory stays flat however
/// long the input. A sink that returns an error stops the reader, which returns that
/// error as [`ReadFailure::Output`](super::ReadFailure::Output): that is how a closed
/// output pipe stops a run without reading the rest of its input.
///
/// A closure taking `Result<Parsed, RecordError>` is a sink.
pub trait RecordSink {
    /// A response was read.
    fn record(&mut self, parsed: Parsed) -> io::Result<()>;

    /// A record could not be read; the reader goes on with the next.
    fn unreadable(&mut self, error: RecordError) -> io::Result<()>;
}

impl<F: FnMut(Result<Parsed, RecordError>) -> io::Result<()>> RecordSink for F {
    fn record(&mut self, parsed: Parsed) -> io::Result<()> {
        self(Ok(parsed))
    }

    fn unreadable(&mut self, error: RecordError) -> io::Result<()> {
        self(Err(error))
    }
}
