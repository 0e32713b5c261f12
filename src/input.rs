//! Reading whole inputs: one response from a pipe or file, or many from a HAR or an
//! NDJSON stream, each handed on as soon as it is read so memory does not grow with
//! the number of records.

use std::cell::Cell;
use std::io::{self, BufRead, Read};
use std::rc::Rc;

use crate::diagnosis::{Source, shown};
use crate::mask;
use crate::read::normal::{BOM, CrToLf, normalise_head, strip_bom};
use crate::read::{
    Context, InputFormat, SNIFF_BYTES, apply_context, detect, enough_to_detect, log_hint,
    read_normalised,
};
use crate::record::{Record, wrong_field};
use crate::response::{Note, Response};

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

/// What the consumer of records says: go on, or stop reading (the output was closed).
pub type Flow = io::Result<()>;

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

    /// Hand `each` every response of this piece (or why a line is not one), in order.
    pub fn records(
        self,
        name: &str,
        opts: &InputOptions,
        each: &mut dyn FnMut(Result<Parsed, RecordError>),
    ) {
        match self {
            Piece::Parsed(p) => each(Ok(*p)),
            Piece::Refused(e) => each(Err(e)),
            Piece::Lines { bytes, first_line } => {
                for (number, line) in (first_line..).zip(lines(&bytes)) {
                    if let Some(record) = line_record(line, number, name, opts) {
                        each(record);
                    }
                }
            }
        }
    }
}

impl From<Result<Parsed, RecordError>> for Piece {
    fn from(item: Result<Parsed, RecordError>) -> Self {
        match item {
            Ok(p) => Piece::Parsed(Box::new(p)),
            Err(e) => Piece::Refused(e),
        }
    }
}

/// Read `reader` (called `name`; `-` is standard input) and hand each response or
/// record error to `sink`. An error from `sink` stops reading and is returned.
pub fn read_input(
    reader: &mut dyn BufRead,
    name: &str,
    opts: &InputOptions,
    sink: &mut dyn FnMut(Result<Parsed, RecordError>) -> Flow,
) -> Result<(), ReadFailure> {
    let mut lf = None;
    let (reader, format) = &mut open(reader, &mut lf, name, opts)?;
    match *format {
        InputFormat::Ndjson => read_ndjson(reader, name, opts, sink),
        other => read_whole(reader, name, opts, other, sink),
    }
}

/// [`read_input`] for worker threads: a log is handed on in pieces of whole lines,
/// which the workers split and parse ([`Piece::records`]); other inputs one response at
/// a time. Lines are not parsed here, and no record is held on its own: reading a log
/// costs this thread little more than copying it.
pub fn read_pieces(
    reader: &mut dyn BufRead,
    name: &str,
    opts: &InputOptions,
    sink: &mut dyn FnMut(Piece) -> Flow,
) -> Result<(), ReadFailure> {
    let mut lf = None;
    let (reader, format) = &mut open(reader, &mut lf, name, opts)?;
    match *format {
        InputFormat::Ndjson => read_ndjson_pieces(reader, name, opts, sink),
        other => read_whole(reader, name, opts, other, &mut |item| sink(item.into())),
    }
}

/// The input normalised ([`crate::read::normal`]): its first bytes, read to tell its
/// format, then the rest (through `lf` when its line endings are lone CRs); and its
/// format (`opts.format`, or as the first bytes show).
fn open<'r>(
    reader: &'r mut dyn BufRead,
    lf: &'r mut Option<CrToLf<&'r mut dyn BufRead>>,
    name: &str,
    opts: &InputOptions,
) -> Result<(Normalised<'r>, InputFormat), ReadFailure> {
    let mut head = sniff(reader).map_err(|source| io_failure(name, source))?;
    let rest: &'r mut dyn BufRead = if normalise_head(&mut head) {
        lf.insert(CrToLf::new(reader))
    } else {
        reader
    };
    let format = match opts.format {
        InputFormat::Auto => detect(&head),
        f => f,
    };
    Ok((io::Cursor::new(head).chain(rest), format))
}

type Normalised<'r> = io::Chain<io::Cursor<Vec<u8>>, &'r mut dyn BufRead>;

fn io_failure(name: &str, source: io::Error) -> ReadFailure {
    ReadFailure::Input(InputError::Io {
        name: name.to_string(),
        source,
    })
}

/// A HAR, entry by entry, or a single response.
fn read_whole(
    reader: &mut dyn BufRead,
    name: &str,
    opts: &InputOptions,
    format: InputFormat,
    sink: &mut dyn FnMut(Result<Parsed, RecordError>) -> Flow,
) -> Result<(), ReadFailure> {
    if format == InputFormat::Har {
        return crate::har::read_har(reader, name, opts, sink);
    }
    let bytes = read_bounded(reader, opts.max_record)
        .map_err(|source| io_failure(name, source))?
        .ok_or_else(|| InputError::TooLarge {
            name: name.to_string(),
            limit: opts.max_record,
        })?;
    let response = read_single(&bytes, format, opts).map_err(|message| InputError::Unreadable {
        name: name.to_string(),
        message,
    })?;
    let source = (name != "-").then(|| Source {
        file: name.to_string(),
        ..Source::default()
    });
    sink(Ok(Parsed { response, source })).map_err(ReadFailure::Output)
}

/// Enough of the input's start to tell its format. A pipe hands data over in pieces
/// (curl writes its `-v` lines one by one), so one read is not enough; but a stream
/// of records must not wait for more than it needs ([`enough_to_detect`]).
fn sniff(reader: &mut dyn BufRead) -> io::Result<Vec<u8>> {
    // The byte-order mark is not counted: [`normalise_head`] drops it.
    let enough = SNIFF_BYTES + BOM.len();
    let mut head = Vec::new();
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok(head);
        }
        let take = chunk.len().min(enough - head.len());
        head.extend_from_slice(&chunk[..take]);
        reader.consume(take);
        if head.len() >= enough || enough_to_detect(strip_bom(&head)) {
            return Ok(head);
        }
    }
}

/// A reader that knows whether everything it has read has been consumed, that is
/// whether its next read may wait for more input: the moment for a consumer of a
/// stream to flush its output, so `tail -f log | apidiag` shows each diagnosis as its
/// record arrives, yet a fast input is not written out one record at a time.
pub struct DrainAware<R> {
    inner: R,
    buffered: Rc<Cell<usize>>,
}

impl<R> DrainAware<R> {
    /// Wrap `inner`; the returned cell holds the bytes read but not yet consumed.
    pub fn new(inner: R) -> (Self, Rc<Cell<usize>>) {
        let buffered = Rc::new(Cell::new(0));
        let reader = Self {
            inner,
            buffered: Rc::clone(&buffered),
        };
        (reader, buffered)
    }
}

impl<R: BufRead> Read for DrainAware<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        // What is left buffered is not known here: a flush too many is harmless.
        self.buffered.set(0);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for DrainAware<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let buf = self.inner.fill_buf()?;
        self.buffered.set(buf.len());
        Ok(buf)
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.buffered.set(self.buffered.get().saturating_sub(n));
    }
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

fn read_single(bytes: &[u8], format: InputFormat, opts: &InputOptions) -> Result<Response, String> {
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
pub fn read_bounded(reader: &mut dyn Read, limit: u64) -> io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    Ok((buf.len() as u64 <= limit).then_some(buf))
}

fn read_ndjson(
    reader: &mut dyn BufRead,
    name: &str,
    opts: &InputOptions,
    sink: &mut dyn FnMut(Result<Parsed, RecordError>) -> Flow,
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
            sink(record).map_err(ReadFailure::Output)?;
        }
    }
    Ok(())
}

/// Bytes of a log handed to a worker at a time: a few hundred typical records, few
/// enough that the pieces in flight stay small.
pub const PIECE_BYTES: usize = 64 << 10;

/// A log in pieces of whole lines. A line longer than a piece is read on until it ends,
/// or refused here once it is longer than `--max-input-size` (so memory stays bounded);
/// shorter lines are held to that limit by [`line_record`] on the workers.
fn read_ndjson_pieces(
    reader: &mut dyn BufRead,
    name: &str,
    opts: &InputOptions,
    sink: &mut dyn FnMut(Piece) -> Flow,
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

/// The lines of a piece, each with its newline (the last may have none): what the
/// reader counts to number the next piece, and what the workers split.
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
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
fn line_record(
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

fn too_long(name: &str, number: usize, opts: &InputOptions) -> RecordError {
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
        file: name.to_string(),
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

enum LineRead {
    Line,
    TooLong,
    End,
}

/// Read one line into `buf` without ever holding more than `limit` bytes of it.
fn read_line_bounded(
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
