//! One run's output: diagnoses are written as they come (full form for single
//! responses, one compact block or table row per problem of a batch), counted into a
//! [`Summary`], and the summary closes the run when it saw more than one response.
//! The binary only wires inputs to a [`Report`]; every decision of what to print is
//! here, and how it looks is the format's [`Printer`].
//!
//! What each format prints:
//!
//! | format | per response | summary |
//! | --- | --- | --- |
//! | human | single responses: the full block; HAR/NDJSON records: a compact block per problem, plain successes only counted | after a batch, or with `--summary` (then alone) |
//! | markdown | single responses: a section; records: a table row per problem | after a batch, or with `--summary` (then alone) |
//! | json | one line per response, every record included | never, except `--summary`: then ONE object and nothing else |

use std::io::{self, Write};
use std::time::{Duration, Instant};

use crate::diagnosis::Diagnosis;
use crate::render::{self, OutputFormat, Printer};
use crate::rules::RuleSet;
use crate::summary::Summary;

/// What a run found, for the binary to turn into an exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// At least one response was diagnosed (or flagged).
    Diagnosed,
    /// Nothing was diagnosed.
    Nothing,
    /// An input or a record could not be read (the rest was still diagnosed).
    Unreadable,
}

#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    pub format: OutputFormat,
    /// `--summary`: print only the summary.
    pub summary_only: bool,
    /// Several inputs: label each single response with its file.
    pub label_files: bool,
}

/// A diagnosis made on a worker thread, ready for [`Report::add_prepared`]. A JSON
/// line without a summary is printed by the worker already, so only its bytes and
/// what the tally needs cross threads.
#[derive(Debug)]
pub enum Prepared {
    Diagnosis(Box<Diagnosis>),
    /// Printed already; the line's bytes travel beside it.
    JsonLine {
        diagnosed: bool,
        record: bool,
    },
}

/// The part of a [`Report`]'s printing a worker thread can do on its own.
#[derive(Debug, Clone, Copy)]
pub struct WorkerPrinter {
    json_lines: bool,
}

impl WorkerPrinter {
    /// `d` ready for the report; a JSON line is printed onto `bytes`.
    pub fn prepare(&self, d: Diagnosis, bytes: &mut Vec<u8>) -> Prepared {
        if !self.json_lines {
            return Prepared::Diagnosis(Box::new(d));
        }
        render::json::line_into(&d, bytes);
        Prepared::JsonLine {
            diagnosed: counts_as_diagnosed(&d),
            record: is_record(&d),
        }
    }
}

/// A rule explained or flagged it; a redirect a rule describes counts too.
fn counts_as_diagnosed(d: &Diagnosis) -> bool {
    d.rule.is_some()
}

/// A record of a HAR or NDJSON input, not a single response.
fn is_record(d: &Diagnosis) -> bool {
    d.source
        .as_ref()
        .is_some_and(|s| s.entry.is_some() || s.line.is_some())
}

/// What the run saw, as far as the exit code and a due summary go (typos'
/// `MessageStatus`). Kept apart from [`Summary`], which JSON lines never build.
#[derive(Debug, Default)]
struct Tally {
    responses: usize,
    /// Records and inputs that could not be read.
    unreadable: usize,
    /// Responses a rule explains, whatever their outcome.
    diagnosed: usize,
    /// A record of a HAR or NDJSON input was seen.
    batch_seen: bool,
}

impl Tally {
    fn response(&mut self, diagnosed: bool, record: bool) {
        self.responses += 1;
        self.diagnosed += usize::from(diagnosed);
        self.batch_seen |= record;
    }

    fn seen(&self) -> usize {
        self.responses + self.unreadable
    }

    /// A HAR or NDJSON input, or more than one response.
    fn is_batch(&self) -> bool {
        self.batch_seen || self.seen() > 1
    }

    fn outcome(&self) -> Outcome {
        if self.unreadable > 0 {
            Outcome::Unreadable
        } else if self.diagnosed > 0 {
            Outcome::Diagnosed
        } else {
            Outcome::Nothing
        }
    }
}

/// A run's output: each diagnosis goes to the format's [`Printer`] when it shows,
/// and is counted for the summary and the exit code.
pub struct Report<'r> {
    printer: Box<dyn Printer + 'r>,
    worker: WorkerPrinter,
    summary_only: bool,
    /// `None` when it can never print: JSON without `--summary`. The exit code and
    /// progress need only the tally.
    summary: Option<Summary>,
    tally: Tally,
    progress: Progress,
}

impl<'r> Report<'r> {
    pub fn new(rules: &'r RuleSet, opts: ReportOptions, progress: Progress) -> Self {
        let printer = opts.format.printer(rules, opts.label_files);
        let summary = (opts.summary_only || printer.sums_up_batches()).then(Summary::new);
        let json_lines = opts.format == OutputFormat::Json && summary.is_none();
        Self {
            printer,
            worker: WorkerPrinter { json_lines },
            summary_only: opts.summary_only,
            summary,
            tally: Tally::default(),
            progress,
        }
    }

    /// What a worker thread may print of a diagnosis for [`Report::add_prepared`].
    pub fn worker_printer(&self) -> WorkerPrinter {
        self.worker
    }

    /// [`Report::add`] for a diagnosis prepared by [`WorkerPrinter::prepare`], with the
    /// bytes it printed to.
    pub fn add_prepared(&mut self, p: Prepared, line: &[u8], w: &mut dyn Write) -> io::Result<()> {
        match p {
            Prepared::Diagnosis(d) => self.add(&d, w),
            Prepared::JsonLine { diagnosed, record } => {
                self.tally.response(diagnosed, record);
                w.write_all(line)?;
                self.progress.tick(self.tally.seen());
                Ok(())
            }
        }
    }

    /// Print one diagnosis (or not, see the module doc) and count it.
    pub fn add(&mut self, d: &Diagnosis, w: &mut dyn Write) -> io::Result<()> {
        let record = is_record(d);
        self.tally.response(counts_as_diagnosed(d), record);
        if let Some(summary) = &mut self.summary {
            summary.add(d);
        }
        if !self.summary_only && self.printer.shows(d, record) {
            self.progress.clear();
            self.printer.diagnosis(d, record, w)?;
            if self.progress.is_on() {
                w.flush()?;
            }
        }
        self.progress.tick(self.tally.seen());
        Ok(())
    }

    /// Count one diagnosis, for the summary and the exit code, without printing it:
    /// `apidiag run` shows only the calls that failed, but the summary of a client's
    /// several calls counts the ones that succeeded too.
    pub fn count(&mut self, d: &Diagnosis) {
        self.tally.response(counts_as_diagnosed(d), is_record(d));
        if let Some(summary) = &mut self.summary {
            summary.add(d);
        }
    }

    /// Count a record that could not be read. The caller reports it on stderr, after
    /// [`Report::before_stderr`].
    pub fn record_error(&mut self) {
        self.count_unreadable();
        self.progress.tick(self.tally.seen());
    }

    /// [`Report::record_error`], for a record at `at`: the summary's extent reaches it.
    pub fn record_error_at(&mut self, at: &crate::diagnosis::Source) {
        self.record_error();
        if let Some(summary) = &mut self.summary {
            summary.reach(at);
        }
    }

    /// An input was read to its end: it held `lines` lines; `ndjson`: it was read as
    /// NDJSON (`--input-format ndjson`).
    pub fn input_read(&mut self, name: &str, lines: usize, ndjson: bool) {
        if let Some(summary) = &mut self.summary {
            summary.input_lines(name, lines, ndjson);
        }
    }

    /// Count an input that could not be opened or read at all.
    pub fn input_error(&mut self) {
        self.count_unreadable();
    }

    fn count_unreadable(&mut self) {
        self.tally.unreadable += 1;
        if let Some(summary) = &mut self.summary {
            summary.add_unreadable();
        }
    }

    /// Clear the progress line so a message on stderr starts on a clean line.
    pub fn before_stderr(&mut self) {
        self.progress.clear();
    }

    /// Whether the summary is printed at the end: always with `--summary`; never in
    /// JSON mode otherwise; else when the run saw a HAR or NDJSON input or more than
    /// one response.
    pub fn wants_summary(&self) -> bool {
        self.summary_only || (self.printer.sums_up_batches() && self.tally.is_batch())
    }

    /// End the run: clear the progress line and print the summary when it is due.
    pub fn finish(&mut self, w: &mut dyn Write) -> io::Result<()> {
        self.progress.clear();
        let due = self.wants_summary();
        match self.summary.as_ref().filter(|_| due) {
            Some(summary) => self.printer.summary(summary, w),
            None => Ok(()),
        }
    }

    /// Unreadable when any input or record was, else diagnosed when any response was
    /// diagnosed or flagged by a rule (a described redirect included), else nothing.
    pub fn outcome(&self) -> Outcome {
        self.tally.outcome()
    }
}

/// A `\r` counter of the responses read so far, on a terminal's stderr, for long
/// inputs only: nothing is drawn during the first second, then at most five times a
/// second. The binary turns it on only when stderr is a terminal and the format is not
/// JSON; [`Progress::off`] never writes anything.
pub struct Progress {
    out: Option<Box<dyn Write>>,
    start: Instant,
    delay: Duration,
    last: Option<Instant>,
    drawn: bool,
}

impl Progress {
    const EVERY: Duration = Duration::from_millis(200);

    /// No progress indicator.
    pub fn off() -> Self {
        Self {
            out: None,
            start: Instant::now(),
            delay: Duration::ZERO,
            last: None,
            drawn: false,
        }
    }

    /// Draw on `out` (a terminal's stderr) once the run has taken longer than a second.
    pub fn to(out: Box<dyn Write>) -> Self {
        Self::with_delay(out, Duration::from_secs(1))
    }

    pub fn with_delay(out: Box<dyn Write>, delay: Duration) -> Self {
        Self {
            out: Some(out),
            start: Instant::now(),
            delay,
            last: None,
            drawn: false,
        }
    }

    pub fn is_on(&self) -> bool {
        self.out.is_some()
    }

    fn tick(&mut self, count: usize) {
        let Some(out) = self.out.as_mut() else {
            return;
        };
        let now = Instant::now();
        if now.duration_since(self.start) < self.delay
            || self
                .last
                .is_some_and(|l| now.duration_since(l) < Self::EVERY)
        {
            return;
        }
        self.last = Some(now);
        // A failing stderr is not worth stopping the run for.
        let _ = write!(out, "\r\x1b[Kapidiag: {count} responses read…");
        let _ = out.flush();
        self.drawn = true;
    }

    fn clear(&mut self) {
        if let (Some(out), true) = (self.out.as_mut(), self.drawn) {
            let _ = write!(out, "\r\x1b[K");
            let _ = out.flush();
            self.drawn = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn an_unreadable_input_outweighs_a_diagnosis() {
        let mut t = Tally::default();
        assert_eq!(t.outcome(), Outcome::Nothing);
        t.response(false, false);
        assert!(!t.is_batch());
        assert_eq!(t.outcome(), Outcome::Nothing);
        t.response(true, false);
        assert!(t.is_batch());
        assert_eq!(t.outcome(), Outcome::Diagnosed);
        t.unreadable += 1;
        assert_eq!(t.outcome(), Outcome::Unreadable);

        let mut one_record = Tally::default();
        one_record.response(false, true);
        assert!(one_record.is_batch(), "a HAR of one entry is still a batch");
    }

    #[test]
    fn progress_draws_and_clears_only_when_on() {
        let buf = Shared::default();
        let mut p = Progress::with_delay(Box::new(buf.clone()), Duration::ZERO);
        p.tick(1);
        p.tick(2); // within 200 ms: not drawn again
        p.clear();
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "\r\x1b[Kapidiag: 1 responses read…\r\x1b[K");

        let mut off = Progress::off();
        off.tick(1);
        off.clear();
        assert!(!off.is_on());

        let buf = Shared::default();
        let mut slow = Progress::with_delay(Box::new(buf.clone()), Duration::from_secs(60));
        slow.tick(1);
        slow.clear();
        assert!(
            buf.0.lock().unwrap().is_empty(),
            "a short run draws nothing"
        );
    }
}
