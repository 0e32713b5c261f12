//! The work a [`Config`] describes: diagnosing the inputs one by one, on worker threads
//! for a large file, or a subcommand. Broken pipes end the run quietly.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::rc::Rc;

use anyhow::Result;
use apidiag::diagnosis::Diagnosis;
use apidiag::input::{
    BATCH_BYTES, DrainAware, Parsed, Piece, ReadFailure, RecordError, read_input, read_pieces,
};
use apidiag::parallel::{Output, with_pool};
use apidiag::read::InputFormat;
use apidiag::report::{Prepared, Progress, Report, WorkerPrinter};

use super::config::{Config, Diagnose, Task};
use super::error::shown_error;
use super::exit_codes::{ExitStatus, despite_closed_pipe};
use super::subcommands;

pub(super) fn run(config: &Config) -> Result<ExitStatus> {
    colored::control::set_override(config.color);
    match &config.task {
        Task::Diagnose(job) => diagnose(job),
        Task::NoInput => {
            eprintln!(
                "apidiag: reading a response from standard input; pipe one in, e.g.\n  curl -sS -i URL | apidiag\nor name a file: apidiag response.txt (apidiag --help for more)"
            );
            Ok(ExitStatus::Error)
        }
        // Only `rules check` can fail once it writes, and it keeps its own status.
        Task::Subcommand(cmd) => {
            subcommands::run(cmd).or_else(|e| despite_closed_pipe(Err(e), ExitStatus::Diagnosed))
        }
    }
}

/// Diagnose every input, then write the summary; the status says what was found.
fn diagnose(job: &Diagnose) -> Result<ExitStatus> {
    let progress = if job.progress {
        Progress::to(Box::new(io::stderr()))
    } else {
        Progress::off()
    };
    let mut report = Report::new(&job.rules, job.report, progress);
    let stdin = io::stdin();
    // A log's diagnoses are several times its size: fewer, larger writes.
    let mut w = io::BufWriter::with_capacity(64 << 10, io::stdout().lock());
    let written = each_file(job, &stdin, &mut report, &mut w);
    despite_closed_pipe(written, report.outcome().into())
}

/// Where each diagnosis (or unreadable record) goes, with the bytes a worker rendered
/// it to (none on one thread).
type HandOn<'a> = dyn FnMut(Handed<'_>, &[u8]) -> io::Result<()> + 'a;

/// What [`HandOn`] is given, in input order.
enum Handed<'d> {
    /// A diagnosis made on this thread, lent: boxing it as a [`Prepared`] (a malloc,
    /// a free and two copies of the struct) cost a tenth of a JSON line's rendering.
    Here(&'d Diagnosis),
    /// A worker's diagnosis or JSON line.
    Prepared(Prepared),
    Unreadable(RecordError),
}

fn each_file(
    job: &Diagnose,
    stdin: &io::Stdin,
    report: &mut Report,
    w: &mut dyn Write,
) -> Result<()> {
    for name in &job.files {
        one_file(job, name, stdin, report, w)?;
    }
    report.finish(w)?;
    w.flush()?;
    Ok(())
}

/// Diagnose one input into `report`. An input that cannot be opened or read is said
/// on stderr and counted; only a failed write ends the run.
fn one_file(
    job: &Diagnose,
    name: &str,
    stdin: &io::Stdin,
    report: &mut Report,
    w: &mut dyn Write,
) -> Result<()> {
    let (reader, size, lines) = match open(name, stdin) {
        Ok(opened) => opened,
        Err(e) => {
            report.input_error();
            return Ok(complain(report, w, format_args!("{name}: {e}"))?);
        }
    };
    let (mut reader, buffered) = DrainAware::new(reader);
    let threads = threads_for(size, job.threads);
    // Only a stream is worth flushing whenever its input is drained: workers read
    // whole files, in pieces that always drain the reader.
    let streaming = threads <= 1;
    let worker = report.worker_printer();
    let mut hand_on = |item: Handed<'_>, line: &[u8]| -> io::Result<()> {
        let added = match item {
            Handed::Here(d) => report.add(d, w),
            Handed::Prepared(h) => report.add_prepared(h, line, w),
            Handed::Unreadable(e) => {
                report.record_error_at(&e.at);
                return complain(report, w, &e);
            }
        };
        added?;
        if streaming && buffered.get() == 0 {
            w.flush()?;
        }
        Ok(())
    };
    match read(job, &mut reader, name, threads, worker, &mut hand_on) {
        Ok(()) => {
            let ndjson = job.input.format == InputFormat::Ndjson;
            report.input_read(name, lines.get(), ndjson);
            Ok(())
        }
        Err(ReadFailure::Output(e)) => Err(e.into()),
        Err(ReadFailure::Input(e)) => {
            report.input_error();
            Ok(complain(report, w, &e)?)
        }
    }
}

/// Read one input and hand on each diagnosis (or unreadable record) in order,
/// diagnosing on `threads` worker threads when more than one.
fn read(
    job: &Diagnose,
    reader: &mut dyn io::BufRead,
    name: &str,
    threads: usize,
    worker: WorkerPrinter,
    hand_on: &mut HandOn<'_>,
) -> Result<(), ReadFailure> {
    let (rules, opts) = (&job.rules, &job.options);
    if threads <= 1 {
        return read_input(
            reader,
            name,
            &job.input,
            &mut |item: Result<Parsed, _>| match item {
                Ok(p) => hand_on(
                    Handed::Here(&rules.diagnose(&p.response, opts, p.source)),
                    &[],
                ),
                Err(e) => hand_on(Handed::Unreadable(e), &[]),
            },
        );
    }
    let work = |piece: Piece, out: &mut Output<Result<Prepared, RecordError>>| {
        // This sink only pushes onto `out`: it cannot fail.
        let _ = piece.records(name, &job.input, &mut |item: Result<Parsed, _>| {
            let prepared = item.map(|p| {
                let d = rules.diagnose(&p.response, opts, p.source);
                worker.prepare(d, &mut out.bytes)
            });
            out.push(prepared);
            Ok(())
        });
    };
    let hand_on = &mut |item: Result<Prepared, RecordError>, line: &[u8]| match item {
        Ok(p) => hand_on(Handed::Prepared(p), line),
        Err(e) => hand_on(Handed::Unreadable(e), line),
    };
    with_pool(threads, BATCH_BYTES, &work, |pool| {
        let read = read_pieces(reader, name, &job.input, &mut |piece| {
            let size = piece.size();
            pool.push(piece, size, hand_on)
        });
        match read {
            Err(ReadFailure::Output(e)) => Err(ReadFailure::Output(e)),
            other => pool.finish(hand_on).map_err(ReadFailure::Output).and(other),
        }
    })
}

/// Say on stderr what could not be read, after the output so far.
fn complain(
    report: &mut Report,
    w: &mut dyn Write,
    what: impl std::fmt::Display,
) -> io::Result<()> {
    w.flush()?;
    report.before_stderr();
    eprintln!("apidiag: error: {}", shown_error(what));
    Ok(())
}

/// A file smaller than this is diagnosed on the calling thread: starting workers costs
/// more than it saves, and a single response must stay quick.
const PARALLEL_MIN_BYTES: u64 = 1 << 20;

/// Threads for an input of `size` bytes (`None`: a pipe or a terminal, read on one
/// thread so each diagnosis is printed as soon as its response has arrived).
fn threads_for(size: Option<u64>, asked: Option<u16>) -> usize {
    match size {
        Some(n) if n >= PARALLEL_MIN_BYTES => asked
            .map(usize::from)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(8))),
        _ => 1,
    }
}

/// An opened input: the reader, its size when it is a regular file, and its lines so
/// far.
type Opened = (Box<dyn io::BufRead>, Option<u64>, Rc<LineCount>);

/// Open an input (`-` is standard input), with its size when it is a regular file.
fn open(name: &str, stdin: &io::Stdin) -> io::Result<Opened> {
    let lines = Rc::new(LineCount::default());
    if name == "-" {
        let counted = Counted::new(stdin.lock(), &lines);
        return Ok((
            Box::new(BufReader::with_capacity(1 << 16, counted)),
            None,
            lines,
        ));
    }
    let file = File::open(name)?;
    let size = file
        .metadata()
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len());
    let counted = Counted::new(file, &lines);
    Ok((
        Box::new(BufReader::with_capacity(1 << 16, counted)),
        size,
        lines,
    ))
}

/// The lines of an input, numbered as the NDJSON reader numbers them, for the summary's
/// extent: blank lines at the end of a shard belong to it, though no record says so.
#[derive(Debug, Default)]
struct LineCount {
    lf: Cell<usize>,
    cr: Cell<usize>,
    last: Cell<Option<u8>>,
}

impl LineCount {
    fn get(&self) -> usize {
        // A log whose lines end in lone CRs is read as if they were LFs.
        let (count, end) = match self.lf.get() {
            0 => (self.cr.get(), b'\r'),
            n => (n, b'\n'),
        };
        count + usize::from(self.last.get().is_some_and(|b| b != end))
    }
}

struct Counted<R> {
    inner: R,
    lines: Rc<LineCount>,
}

impl<R> Counted<R> {
    fn new(inner: R, lines: &Rc<LineCount>) -> Self {
        Self {
            inner,
            lines: Rc::clone(lines),
        }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(&last) = buf[..n].last() {
            let l = &self.lines;
            l.lf.set(l.lf.get() + memchr::memchr_iter(b'\n', &buf[..n]).count());
            // Lone CRs count only in an input without any LF: once one is seen, the
            // second pass over the bytes is saved.
            if l.lf.get() == 0 {
                l.cr.set(l.cr.get() + memchr::memchr_iter(b'\r', &buf[..n]).count());
            }
            l.last.set(Some(last));
        }
        Ok(n)
    }
}
