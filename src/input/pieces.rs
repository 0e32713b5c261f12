//! The inputs cut up for worker threads ([`crate::parallel`]): a log in pieces of whole
//! lines, which the workers split and parse, and a HAR or a single response one
//! response at a time.

use std::io::{self, BufRead, Read};

use super::ndjson::{LineRead, line_record, lines, read_line_bounded, too_long};
use super::{InputOptions, Parsed, ReadFailure, RecordError, RecordSink, io_failure, push};
use crate::read::InputFormat;

/// Bytes of a log handed to a worker at a time: a few hundred typical records, few
/// enough that the pieces in flight stay small.
pub const PIECE_BYTES: usize = 64 << 10;

/// Bytes of pieces a worker is given at a time (the batch size of
/// [`crate::parallel::with_pool`]). Half a piece: a piece of a log, a few hundred
/// records, is a batch by itself, yet a HAR's large bodies are not held many at a time.
pub const BATCH_BYTES: usize = PIECE_BYTES / 2;

/// A piece of an input for a worker thread ([`read_pieces`]): whole NDJSON lines, still
/// to be split and parsed there, or a response read on the reading thread.
#[derive(Debug)]
pub enum Piece {
    /// Whole lines (the last one may lack its newline at the end of the input), the
    /// first of them line `first_line` of the input.
    Lines {
        bytes: Vec<u8>,
        first_line: usize,
    },
    /// Boxed: most pieces of a HAR's batch are responses, of a log's are lines.
    Parsed(Box<Parsed>),
    Refused(RecordError),
}

impl Piece {
    /// Bytes this piece holds, to bound what is in flight.
    pub fn size(&self) -> usize {
        match self {
            Piece::Lines { bytes, .. } => bytes.len(),
            Piece::Parsed(p) => p.response.body.bytes().len(),
            Piece::Refused(_) => 0,
        }
    }

    /// Push every response of this piece (or why a line is not one) to `sink`, in
    /// order; an error from `sink` stops there and is returned.
    pub fn records(
        self,
        name: &str,
        opts: &InputOptions,
        sink: &mut dyn RecordSink,
    ) -> io::Result<()> {
        match self {
            Piece::Parsed(p) => sink.record(*p),
            Piece::Refused(e) => sink.unreadable(e),
            Piece::Lines { bytes, first_line } => {
                for (number, line) in (first_line..).zip(lines(&bytes)) {
                    if let Some(record) = line_record(line, number, name, opts) {
                        push(sink, record)?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// [`read_input`](super::read_input) for worker threads: a log is handed on in pieces
/// of whole lines, which the workers split and parse ([`Piece::records`]); other inputs
/// one response at a time. Lines are not parsed here, and no record is held on its
/// own: reading a log costs this thread little more than copying it.
pub fn read_pieces(
    reader: &mut dyn BufRead,
    name: &str,
    opts: &InputOptions,
    sink: &mut dyn FnMut(Piece) -> io::Result<()>,
) -> Result<(), ReadFailure> {
    let mut lf = None;
    let (reader, format) = &mut super::sniff::open(reader, &mut lf, name, opts)?;
    match *format {
        InputFormat::Ndjson => read_ndjson_pieces(reader, name, opts, sink),
        other => super::read_whole(reader, name, opts, other, &mut OnePerPiece(sink)),
    }
}

/// Each response, or refusal, a piece of its own.
struct OnePerPiece<'a>(&'a mut dyn FnMut(Piece) -> io::Result<()>);

impl RecordSink for OnePerPiece<'_> {
    fn record(&mut self, parsed: Parsed) -> io::Result<()> {
        (self.0)(Piece::Parsed(Box::new(parsed)))
    }

    fn unreadable(&mut self, error: RecordError) -> io::Result<()> {
        (self.0)(Piece::Refused(error))
    }
}

/// A log in pieces of whole lines. A line longer than a piece is read on until it ends,
/// or refused here once it is longer than `--max-input-size` (so memory stays bounded);
/// shorter lines are held to that limit by [`line_record`] on the workers.
fn read_ndjson_pieces(
    reader: &mut dyn BufRead,
    name: &str,
    opts: &InputOptions,
    sink: &mut dyn FnMut(Piece) -> io::Result<()>,
) -> Result<(), ReadFailure> {
    let mut first_line = 1;
    let mut carry = Vec::new();
    loop {
        let mut bytes = Vec::with_capacity(PIECE_BYTES.max(carry.len()) + PIECE_BYTES / 8);
        bytes.append(&mut carry);
        let want = PIECE_BYTES.saturating_sub(bytes.len());
        let got = reader
            .take(want as u64)
            .read_to_end(&mut bytes)
            .map_err(|source| io_failure(name, source))?;
        let end = got < want;
        match memchr::memrchr(b'\n', &bytes) {
            _ if end => {}
            Some(last) => carry = bytes.split_off(last + 1),
            None => {
                // One line longer than a piece: it alone is the piece, or refused.
                let read = read_line_bounded(reader, &mut bytes, opts.max_record)
                    .map_err(|source| io_failure(name, source))?;
                if let LineRead::TooLong = read {
                    sink(Piece::Refused(too_long(name, first_line, opts)))
                        .map_err(ReadFailure::Output)?;
                    first_line += 1;
                    continue;
                }
            }
        }
        if bytes.is_empty() {
            return Ok(());
        }
        let count = lines(&bytes).count();
        sink(Piece::Lines { bytes, first_line }).map_err(ReadFailure::Output)?;
        first_line += count;
        if end {
            return Ok(());
        }
    }
}
