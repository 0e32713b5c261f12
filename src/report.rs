//! One run's output: diagnoses are written as they come (full form for single
//! responses, one compact block or table row per problem of a batch), counted into a
//! [`Summary`], and the summary closes the run when it saw more than one response.
//! The binary only wires inputs to a [`Report`]; every output decision is here.
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
use crate::input::RecordError;
use crate::render;
use crate::rules::RuleSet;
use crate::summary::{Summary, is_problem};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    pub format: OutputFormat,
    /// `--summary`: print only the summary.
    pub summary_only: bool,
    /// Several inputs: label each single response with its file.
    pub label_files: bool,
}

/// A diagnosis on its way to a [`Report`] from a worker thread: JSON lines without a
/// summary are written out there, so only their bytes and counts cross threads.
#[derive(Debug)]
pub enum Handed {
    Diagnosis(Box<Diagnosis>),
    /// Rendered already; the line's bytes travel beside it.
    JsonLine {
        diagnosed: bool,
        record: bool,
    },
}

/// What a worker needs to know of the report to prepare a [`Handed`].
#[derive(Debug, Clone, Copy)]
pub struct HandIn {
    json_lines: bool,
}

impl HandIn {
    /// `d` ready to hand in; a JSON line is rendered onto `bytes`.
    pub fn prepare(&self, d: Diagnosis, bytes: &mut Vec<u8>) -> Handed {
        if !self.json_lines {
            return Handed::Diagnosis(Box::new(d));
        }
        render::json::line_into(&d, bytes);
        Handed::JsonLine {
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

/// Renders a run's diagnoses and keeps what the summary and the exit code need.
pub struct Report<'r> {
    rules: &'r RuleSet,
    opts: ReportOptions,
    /// `None` when the format and options can never print it: JSON without
    /// `--summary`. The exit code and progress need only the counts below.
    summary: Option<Summary>,
    /// Responses diagnosed.
    responses: usize,
    /// Records and inputs that could not be read.
    unreadable: usize,
    progress: Progress,
    shown: usize,
    table_open: bool,
    /// A record of a HAR or NDJSON input was seen.
    batch_seen: bool,
    input_errors: usize,
    /// Responses a rule explains, whatever their outcome.
    diagnosed: usize,
    /// A JSON line is rendered here, then written at once (kept between responses).
    line: Vec<u8>,
}

impl<'r> Report<'r> {
    pub fn new(rules: &'r RuleSet, opts: ReportOptions, progress: Progress) -> Self {
        Self {
            rules,
            opts,
            summary: (opts.summary_only || opts.format != OutputFormat::Json).then(Summary::new),
            responses: 0,
            unreadable: 0,
            progress,
            shown: 0,
            table_open: false,
            batch_seen: false,
            input_errors: 0,
            diagnosed: 0,
            line: Vec::new(),
        }
    }

    /// How to hand this report a diagnosis made on another thread ([`Report::add_handed`]).
    pub fn hand_in(&self) -> HandIn {
        HandIn {
            json_lines: self.opts.format == OutputFormat::Json && self.summary.is_none(),
        }
    }

    /// [`Report::add`] for a diagnosis prepared by [`HandIn::prepare`], with the bytes
    /// it rendered to.
    pub fn add_handed(&mut self, h: Handed, line: &[u8], w: &mut dyn Write) -> io::Result<()> {
        match h {
            Handed::Diagnosis(d) => self.add(&d, w),
            Handed::JsonLine { diagnosed, record } => {
                self.responses += 1;
                self.diagnosed += usize::from(diagnosed);
                self.batch_seen |= record;
                self.shown += 1;
                w.write_all(line)?;
                self.progress.tick(self.seen());
                Ok(())
            }
        }
    }

    /// Write one diagnosis (or not, see the module doc) and count it.
    pub fn add(&mut self, d: &Diagnosis, w: &mut dyn Write) -> io::Result<()> {
        self.responses += 1;
        if let Some(summary) = &mut self.summary {
            summary.add(d);
        }
        self.diagnosed += usize::from(counts_as_diagnosed(d));
        let record = is_record(d);
        self.batch_seen |= record;
        let visible = !self.opts.summary_only
            && (self.opts.format == OutputFormat::Json || !record || is_problem(d));
        if visible {
            self.progress.clear();
            self.write(d, record, w)?;
            if self.progress.is_on() {
                w.flush()?;
            }
        }
        self.progress.tick(self.seen());
        Ok(())
    }

    fn write(&mut self, d: &Diagnosis, record: bool, w: &mut dyn Write) -> io::Result<()> {
        match (self.opts.format, record) {
            (OutputFormat::Json, _) => {
                self.line.clear();
                render::json::line_into(d, &mut self.line);
                w.write_all(&self.line)?;
            }
            (OutputFormat::Markdown, true) => {
                if !self.table_open {
                    if self.shown > 0 {
                        writeln!(w)?;
                    }
                    render::markdown::table_header(w)?;
                    self.table_open = true;
                }
                render::markdown::table_row(d, w)?;
            }
            (OutputFormat::Markdown, false) => {
                if self.shown > 0 {
                    writeln!(w)?;
                }
                self.table_open = false;
                render::markdown::single(d, w)?;
            }
            (OutputFormat::Human, true) => {
                if self.shown > 0 {
                    writeln!(w)?;
                }
                render::human::compact(d, w)?;
            }
            (OutputFormat::Human, false) => {
                if self.shown > 0 {
                    writeln!(w)?;
                }
                let rules = self.rules;
                let api_title = |name: &str| {
                    rules
                        .apis()
                        .iter()
                        .find(|a| a.name == name)
                        .map_or(name.to_string(), |a| format!("{} ({})", a.name, a.title))
                };
                render::human::full(d, &api_title, self.opts.label_files, w)?;
            }
        }
        self.shown += 1;
        Ok(())
    }

    /// Count a record that could not be read. The caller reports it on stderr, after
    /// [`Report::before_stderr`].
    pub fn record_error(&mut self, _e: &RecordError) {
        self.count_unreadable();
        self.progress.tick(self.seen());
    }

    /// Count an input that could not be opened or read at all.
    pub fn input_error(&mut self) {
        self.input_errors += 1;
        self.count_unreadable();
    }

    fn count_unreadable(&mut self) {
        self.unreadable += 1;
        if let Some(summary) = &mut self.summary {
            summary.add_unreadable();
        }
    }

    /// Clear the progress line so a message on stderr starts on a clean line.
    pub fn before_stderr(&mut self) {
        self.progress.clear();
    }

    fn seen(&self) -> usize {
        self.responses + self.unreadable
    }

    /// Whether the summary is printed at the end: always with `--summary`; never in
    /// JSON mode otherwise; else when the run saw a HAR or NDJSON input or more than
    /// one response.
    pub fn wants_summary(&self) -> bool {
        self.opts.summary_only
            || (self.opts.format != OutputFormat::Json && (self.batch_seen || self.seen() > 1))
    }

    /// End the run: clear the progress line and write the summary when it is due.
    pub fn finish(&mut self, w: &mut dyn Write) -> io::Result<()> {
        self.progress.clear();
        let Some(summary) = self.summary.as_ref().filter(|_| self.wants_summary()) else {
            return Ok(());
        };
        match self.opts.format {
            OutputFormat::Json => render::summary::json(summary, w),
            OutputFormat::Human => {
                if self.shown > 0 {
                    writeln!(w)?;
                }
                render::summary::human(summary, w)
            }
            OutputFormat::Markdown => {
                if self.shown > 0 {
                    writeln!(w)?;
                }
                render::summary::markdown(summary, w)
            }
        }
    }

    /// Unreadable when any input or record was, else diagnosed when any response was
    /// diagnosed or flagged by a rule (a described redirect included), else nothing.
    pub fn outcome(&self) -> Outcome {
        if self.input_errors > 0 || self.unreadable > 0 {
            Outcome::Unreadable
        } else if self.diagnosed > 0 {
            Outcome::Diagnosed
        } else {
            Outcome::Nothing
        }
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
