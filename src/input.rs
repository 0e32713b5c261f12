//! Reading whole inputs: one response from a pipe or file, or many from a HAR or an
//! NDJSON stream, each handed on as soon as it is read so memory does not grow with
//! the number of records.

use std::cell::Cell;
use std::io::{self, BufRead, Read};
use std::rc::Rc;

use crate::diagnosis::Source;
use crate::read::{Context, InputFormat, apply_context, detect, enough_to_detect, read_response};
use crate::record::Record;
use crate::response::Response;

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
#[error("{}: {message}", label(.at))]
pub struct RecordError {
    pub at: Source,
    pub message: String,
}

fn label(s: &Source) -> String {
    match (s.entry, s.line) {
        (Some(e), _) => format!("{} entry {e}", s.file),
        (None, Some(l)) => format!("{}:{l}", s.file),
        _ => s.file.clone(),
    }
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

/// How an input is named in messages: `-` is standard input.
fn shown(name: &str) -> &str {
    if name == "-" { "standard input" } else { name }
}

/// What the consumer of records says: go on, or stop reading (the output was closed).
pub type Flow = io::Result<()>;

/// A response as read, or an NDJSON record whose line is still to be parsed, which
/// can then be done on another thread ([`read_input_pending`]).
#[derive(Debug)]
pub enum Pending {
    /// Boxed: most pending items of a batch are records, a line and a place.
    Parsed(Box<Parsed>),
    Record {
        line: Vec<u8>,
        source: Source,
    },
}

impl Pending {
    /// The response, parsing a record's line with `context` applied.
    pub fn parse(self, context: &Context) -> Result<Parsed, RecordError> {
        match self {
            Pending::Parsed(p) => Ok(*p),
            Pending::Record { line, source } => match parse_record(&line, context) {
                Ok(response) => Ok(Parsed {
                    response,
                    source: Some(source),
                }),
                Err(message) => Err(RecordError {
                    at: source,
                    message,
                }),
            },
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
    read_input_pending(reader, name, opts, &mut |item| {
        sink(item.and_then(|p| p.parse(&opts.context)))
    })
}

/// [`read_input`], handing each NDJSON record on before parsing it.
pub fn read_input_pending(
    reader: &mut dyn BufRead,
    name: &str,
    opts: &InputOptions,
    sink: &mut dyn FnMut(Result<Pending, RecordError>) -> Flow,
) -> Result<(), ReadFailure> {
    let io_err = |source| InputError::Io {
        name: name.to_string(),
        source,
    };
    let head = sniff(reader).map_err(io_err)?;
    let format = match opts.format {
        InputFormat::Auto => detect(&head),
        f => f,
    };
    let reader: &mut dyn BufRead = &mut io::Cursor::new(head).chain(reader);
    match format {
        InputFormat::Ndjson => read_ndjson(reader, name, opts, sink),
        InputFormat::Har => crate::har::read_har(reader, name, opts, &mut |item| {
            sink(item.map(|p| Pending::Parsed(Box::new(p))))
        }),
        single => {
            let bytes = read_bounded(reader, opts.max_record)
                .map_err(io_err)?
                .ok_or_else(|| InputError::TooLarge {
                    name: name.to_string(),
                    limit: opts.max_record,
                })?;
            let response =
                read_single(&bytes, single, opts).map_err(|message| InputError::Unreadable {
                    name: name.to_string(),
                    message,
                })?;
            let source = (name != "-").then(|| Source {
                file: name.to_string(),
                ..Source::default()
            });
            let parsed = Box::new(Parsed { response, source });
            sink(Ok(Pending::Parsed(parsed))).map_err(ReadFailure::Output)
        }
    }
}

/// Enough of the input's start to tell its format. A pipe hands data over in pieces
/// (curl writes its `-v` lines one by one), so one read is not enough; but a stream
/// of records must not wait for more than it needs ([`enough_to_detect`]).
fn sniff(reader: &mut dyn BufRead) -> io::Result<Vec<u8>> {
    const ENOUGH: usize = 8 << 10;
    let mut head = Vec::new();
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok(head);
        }
        let take = chunk.len().min(ENOUGH - head.len());
        head.extend_from_slice(&chunk[..take]);
        reader.consume(take);
        if head.len() >= ENOUGH || enough_to_detect(&head) {
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
    let unmarked = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if unmarked.iter().all(u8::is_ascii_whitespace) && opts.context.status.is_none() {
        return Err(
            "the input is empty (was anything piped in? give --status N for an empty body)".into(),
        );
    }
    let mut response = read_response(bytes, format).map_err(|e| e.to_string())?;
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
    sink: &mut dyn FnMut(Result<Pending, RecordError>) -> Flow,
) -> Result<(), ReadFailure> {
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        line.clear();
        number += 1;
        let complete = read_line_bounded(reader, &mut line, opts.max_record).map_err(|source| {
            InputError::Io {
                name: name.to_string(),
                source,
            }
        })?;
        let source = Source {
            file: name.to_string(),
            entry: None,
            line: Some(number),
        };
        match complete {
            LineRead::End => return Ok(()),
            LineRead::TooLong => {
                let message = format!(
                    "record larger than the --max-input-size limit of {} bytes; skipped",
                    opts.max_record
                );
                sink(Err(RecordError {
                    at: source,
                    message,
                }))
                .map_err(ReadFailure::Output)?;
            }
            LineRead::Line if line.iter().all(u8::is_ascii_whitespace) => {}
            LineRead::Line => {
                let line = std::mem::take(&mut line);
                sink(Ok(Pending::Record { line, source })).map_err(ReadFailure::Output)?;
            }
        }
    }
}

fn parse_record(line: &[u8], context: &Context) -> Result<Response, String> {
    let record: Record = serde_json::from_slice(line).map_err(|e| record_error(line, &e))?;
    let mut response = record.into_response();
    apply_context(&mut response, context);
    Ok(response)
}

/// Why a line is not a record, in words: broken JSON, JSON that is not an object, or
/// an object whose field has the wrong type.
fn record_error(line: &[u8], e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let text = e.to_string();
    let what = text.split(" at line ").next().unwrap_or(&text);
    match e.classify() {
        Category::Eof => "not JSON: the line ends inside a value (cut short?)".into(),
        Category::Syntax | Category::Io => format!("not JSON: {what} at column {}", e.column()),
        Category::Data => match line.trim_ascii_start().first() {
            Some(b'{') => format!("not an NDJSON response record: {what}"),
            _ => "not an NDJSON response record: a record is a JSON object ({\"status\": …, \"headers\": {…}, \"body\": …})".into(),
        },
    }
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
            if (buf.len() + take) as u64 > limit.saturating_add(1) {
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
