//! Turning the parsed command line into work: resolve the configuration, run the job,
//! map the result to an exit code. Broken pipes end the run quietly.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufReader, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Result, bail};
use apidiag::input::{
    DrainAware, InputOptions, Piece, ReadFailure, RecordError, read_input, read_pieces,
};
use apidiag::parallel::{HandOut, Output, with_pool};
use apidiag::read::Context;
use apidiag::report::{HandIn, Handed, OutputFormat, Progress, Report, ReportOptions};
use apidiag::rules::check::{self, Verdict};
use apidiag::rules::diagnose::Options;
use apidiag::rules::{RuleSet, loader};
use apidiag::sanitize::sanitize;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches};

use crate::cli::{Cli, ColorWhen, Command, DiagnoseArgs, Format, ListFormat, RulesCommand};

pub use apidiag::report::{EXIT_DIAGNOSED, EXIT_ERROR, EXIT_NOTHING};

pub fn run() -> Result<ExitCode> {
    let (matches, cli) = parse_args();
    colored::control::set_override(use_color(cli.color));
    let mut user_rules = cli.rules.clone();
    user_rules.extend(loader::env_rule_paths());
    let code = match cli.command {
        None => diagnose(&cli.diagnose, &user_rules)?,
        Some(cmd) => {
            refuse_diagnose_options(&matches)?;
            // Only `rules check` can fail once it writes, and it keeps its own status.
            subcommand(cmd, &user_rules).or_else(|e| despite_closed_pipe(Err(e), EXIT_DIAGNOSED))?
        }
    };
    Ok(ExitCode::from(code))
}

/// A closed pipe stops the output, not the verdict: the run exits with the status of
/// what it found so far (`apidiag … | grep -q` must not turn a success into a finding).
fn despite_closed_pipe(written: Result<()>, code: u8) -> Result<u8> {
    match written {
        Err(e) if !is_broken_pipe(&e) => Err(e),
        _ => Ok(code),
    }
}

/// The command line, or clap's error; an error that quotes a secret given as an
/// argument (`--header 'Authorization Bearer …'`) is printed masked.
fn parse_args() -> (ArgMatches, Cli) {
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (m, cli)));
    let err = match parsed {
        Ok(both) => return both,
        Err(err) => err,
    };
    if !err.use_stderr() {
        err.exit(); // help or version, on stdout
    }
    let plain = err.render().to_string();
    match apidiag::mask::mask_text(&plain) {
        // Left to clap, which colours it on a terminal.
        Cow::Borrowed(_) => err.exit(),
        Cow::Owned(masked) => {
            eprint!("{masked}");
            std::process::exit(err.exit_code())
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// auto = stdout is a terminal and NO_COLOR is unset or empty; CLICOLOR_FORCE forces it.
fn use_color(when: ColorWhen) -> bool {
    let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty() && x != "0");
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto if set("NO_COLOR") => false,
        ColorWhen::Auto if set("CLICOLOR_FORCE") => true,
        ColorWhen::Auto => io::stdout().is_terminal(),
    }
}

/// Diagnose options given before a subcommand would be silently ignored: refuse any
/// that clap saw on the command line (defaults and the global options do not count).
fn refuse_diagnose_options(matches: &ArgMatches) -> Result<()> {
    let args = DiagnoseArgs::augment_args(clap::Command::new(""));
    let given = args
        .get_arguments()
        .find(|a| matches.value_source(a.get_id().as_str()) == Some(ValueSource::CommandLine));
    if let Some(arg) = given {
        let name = match (arg.get_long(), arg.get_value_names()) {
            (Some(long), _) => format!("--{long}"),
            (None, Some([value, ..])) => value.to_string(),
            (None, _) => arg.get_id().to_string(),
        };
        bail!(
            "{name} applies to diagnosing responses, not to a subcommand; put it after the subcommand if it has one, or drop it"
        );
    }
    Ok(())
}

fn known_api(rules: &RuleSet, api: Option<&str>) -> Result<()> {
    match api {
        Some(a) if rules.api_index(a).is_none() => {
            let known: Vec<&str> = rules.apis().iter().map(|a| a.name.as_str()).collect();
            bail!("unknown API {a:?} for --api; known: {}", known.join(", "))
        }
        _ => Ok(()),
    }
}

fn load_rules(paths: &[std::path::PathBuf]) -> Result<RuleSet> {
    RuleSet::load(paths).map_err(|e| anyhow::anyhow!("rule file {e}"))
}

fn diagnose(args: &DiagnoseArgs, user_rules: &[std::path::PathBuf]) -> Result<u8> {
    let stdin = io::stdin();
    if args.files.is_empty() && stdin.is_terminal() {
        eprintln!(
            "apidiag: reading a response from standard input; pipe one in, e.g.\n  curl -sS -i URL | apidiag\nor name a file: apidiag response.txt (apidiag --help for more)"
        );
        return Ok(EXIT_ERROR);
    }
    let rules = load_rules(user_rules)?;
    let opts = Options {
        api: args.api.clone(),
        all: args.all,
    };
    known_api(&rules, args.api.as_deref())?;
    let input = InputOptions {
        format: args.input_format,
        context: Context {
            status: args.status,
            request_headers: args.headers.clone(),
            url: args.url.clone(),
            method: args.method.clone(),
        },
        max_record: args.max_input_size,
    };
    let files: Vec<String> = if args.files.is_empty() {
        vec!["-".into()]
    } else {
        args.files.iter().map(|f| f.display().to_string()).collect()
    };
    let format = match args.format {
        Format::Human => OutputFormat::Human,
        Format::Json => OutputFormat::Json,
        Format::Markdown => OutputFormat::Markdown,
    };
    // A counter on stderr for long inputs, only on a terminal and never in JSON mode.
    let progress = if format != OutputFormat::Json && io::stderr().is_terminal() {
        Progress::to(Box::new(io::stderr()))
    } else {
        Progress::off()
    };
    let mut report = Report::new(
        &rules,
        ReportOptions {
            format,
            summary_only: args.summary,
            label_files: files.len() > 1,
        },
        progress,
    );
    let stdout = io::stdout();
    // A log's diagnoses are several times its size: fewer, larger writes.
    let mut w = io::BufWriter::with_capacity(64 << 10, stdout.lock());
    let job = Job {
        rules: &rules,
        opts: &opts,
        input: &input,
    };
    let written = job.each_file(&files, args.threads, &stdin, &mut report, &mut w);
    let code = despite_closed_pipe(written, report.exit_code())?;
    drop(report);
    // The process ends here: freeing every rule, regex and automaton one by one would
    // cost a run on one response about 5% more, for memory the exit returns anyway.
    std::mem::forget(rules);
    Ok(code)
}

/// Where each diagnosis (or unreadable record) goes, with the bytes a worker rendered
/// it to (none on one thread).
type HandOn<'a> = HandOut<'a, Result<Handed, RecordError>>;

/// What diagnosing an input needs besides the input.
struct Job<'a> {
    rules: &'a RuleSet,
    opts: &'a Options,
    input: &'a InputOptions,
}

impl Job<'_> {
    /// Diagnose every input in turn, then the summary.
    fn each_file(
        &self,
        files: &[String],
        asked: Option<u16>,
        stdin: &io::Stdin,
        report: &mut Report,
        w: &mut dyn Write,
    ) -> Result<()> {
        for name in files {
            let (reader, size) = match open(name, stdin) {
                Ok(opened) => opened,
                Err(e) => {
                    report.input_error();
                    complain(report, w, format_args!("{name}: {e}"))?;
                    continue;
                }
            };
            let (mut reader, buffered) = DrainAware::new(reader);
            let threads = threads_for(size, asked);
            // Only a stream is worth flushing whenever its input is drained: workers read
            // whole files, in pieces that always drain the reader.
            let streaming = threads <= 1;
            let hand_in = report.hand_in();
            let mut hand_on = |item: Result<Handed, RecordError>, line: &[u8]| -> io::Result<()> {
                match item {
                    Ok(h) => {
                        report.add_handed(h, line, w)?;
                        if streaming && buffered.get() == 0 {
                            w.flush()?;
                        }
                    }
                    Err(e) => {
                        report.record_error(&e);
                        complain(report, w, &e)?;
                    }
                }
                Ok(())
            };
            match self.read(&mut reader, name, threads, hand_in, &mut hand_on) {
                Ok(()) => {}
                Err(ReadFailure::Output(e)) => return Err(e.into()),
                Err(ReadFailure::Input(e)) => {
                    report.input_error();
                    complain(report, w, &e)?;
                }
            }
        }
        report.finish(w)?;
        w.flush()?;
        Ok(())
    }

    /// Read one input and hand on each diagnosis (or unreadable record) in order,
    /// diagnosing on `threads` worker threads when more than one.
    fn read(
        &self,
        reader: &mut dyn io::BufRead,
        name: &str,
        threads: usize,
        hand_in: HandIn,
        hand_on: &mut HandOn<'_>,
    ) -> Result<(), ReadFailure> {
        let (rules, opts) = (self.rules, self.opts);
        if threads <= 1 {
            return read_input(reader, name, self.input, &mut |item| {
                let d = item.map(|p| rules.diagnose(&p.response, opts, p.source));
                hand_on(d.map(|d| Handed::Diagnosis(Box::new(d))), &[])
            });
        }
        let work = |piece: Piece, out: &mut Output<Result<Handed, RecordError>>| {
            piece.records(name, self.input, &mut |item| {
                let handed = item.map(|p| {
                    let d = rules.diagnose(&p.response, opts, p.source);
                    hand_in.prepare(d, &mut out.bytes)
                });
                out.push(handed);
            });
        };
        with_pool(threads, &work, |pool| {
            let read = read_pieces(reader, name, self.input, &mut |piece| {
                let size = piece.size();
                pool.push(piece, size, hand_on)
            });
            match read {
                Err(ReadFailure::Output(e)) => Err(ReadFailure::Output(e)),
                other => pool.finish(hand_on).map_err(ReadFailure::Output).and(other),
            }
        })
    }
}

/// Say on stderr what could not be read, after the output so far. The message names
/// a file and may quote the input, so it is sanitised like server text.
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

/// An error message as it may reach a terminal or a CI log: it can quote the input
/// (a file name, a header name, a parser's words), so secrets are masked and control
/// characters escaped, as in a diagnosis; on one line.
pub fn shown_error(what: impl std::fmt::Display) -> String {
    let text = apidiag::mask::mask_owned(what.to_string());
    apidiag::sanitize::sanitize(&text).into_owned()
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

/// Open an input (`-` is standard input), with its size when it is a regular file.
fn open(name: &str, stdin: &io::Stdin) -> io::Result<(Box<dyn io::BufRead>, Option<u64>)> {
    if name == "-" {
        return Ok((
            Box::new(BufReader::with_capacity(1 << 16, stdin.lock())),
            None,
        ));
    }
    let file = File::open(name)?;
    let size = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    Ok((Box::new(BufReader::with_capacity(1 << 16, file)), size))
}

fn subcommand(cmd: Command, user_rules: &[std::path::PathBuf]) -> Result<u8> {
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    let code = match cmd {
        Command::Rules(RulesCommand::List { api, format }) => {
            list_rules(&load_rules(user_rules)?, api.as_deref(), format, &mut w)?
        }
        Command::Rules(RulesCommand::Check { files, format }) => {
            check_rules(&files, format, &mut w)?
        }
        Command::Explain { topic, api } => {
            let rules = load_rules(user_rules)?;
            match apidiag::explain::resolve(&rules, &topic).map_err(anyhow::Error::msg)? {
                apidiag::explain::Topic::Rule(entry) => {
                    apidiag::explain::rule(&rules, entry, &mut w)?
                }
                apidiag::explain::Topic::Status(code) => {
                    apidiag::explain::status(&rules, code, api.as_deref(), &mut w)?
                }
            }
            EXIT_DIAGNOSED
        }
        Command::Completions { shell } => {
            crate::complete::registration(shell, &mut w)?;
            EXIT_DIAGNOSED
        }
        Command::Man => {
            crate::man::render(&mut w)?;
            EXIT_DIAGNOSED
        }
    };
    // A status decided before the pipe closed stands (a buffer keeps what it could not
    // write, so this flush fails again after one that did).
    despite_closed_pipe(w.flush().map_err(Into::into), code)
}

fn list_rules(
    rules: &RuleSet,
    api: Option<&str>,
    format: ListFormat,
    w: &mut dyn Write,
) -> Result<u8> {
    known_api(rules, api)?;
    let mut entries: Vec<_> = rules
        .entries()
        .iter()
        .filter(|e| api.is_none_or(|a| rules.apis()[e.api].name.eq_ignore_ascii_case(a)))
        .collect();
    entries.sort_by(|a, b| a.rule.id.cmp(&b.rule.id));
    for e in entries {
        let r = &e.rule;
        match format {
            ListFormat::Human => writeln!(w, "{:<48} {}", r.id, r.title)?,
            ListFormat::Json => {
                let row = serde_json::json!({
                    "id": r.id, "api": rules.apis()[e.api].name, "title": r.title,
                    "confidence": r.confidence, "documented": r.documented,
                    "docs": r.docs.as_ref().or(rules.pack(e.pack).docs.as_ref()),
                });
                writeln!(w, "{row}")?;
            }
        }
    }
    Ok(EXIT_DIAGNOSED)
}

fn check_rules(files: &[std::path::PathBuf], format: ListFormat, w: &mut dyn Write) -> Result<u8> {
    let reports = check::check(files).map_err(|e| anyhow::anyhow!("rule file {e}"))?;
    let bad = reports
        .iter()
        .filter(|r| r.verdict != Verdict::Validated)
        .count();
    let code = if bad > 0 {
        EXIT_NOTHING
    } else {
        EXIT_DIAGNOSED
    };
    despite_closed_pipe(print_checks(&reports, bad, format, w), code)
}

fn print_checks(
    reports: &[check::RuleReport],
    bad: usize,
    format: ListFormat,
    w: &mut dyn Write,
) -> Result<()> {
    for r in reports {
        match format {
            ListFormat::Json => writeln!(w, "{}", serde_json::to_string(r)?)?,
            ListFormat::Human => {
                let verdict = format!("{:?}", r.verdict).to_lowercase();
                writeln!(w, "{verdict:<10} {}", r.rule)?;
                for p in &r.problems {
                    writeln!(w, "           {}: {}", sanitize(&r.file), sanitize(p))?;
                }
            }
        }
    }
    if format == ListFormat::Human {
        writeln!(
            w,
            "{} rules: {} validated, {bad} with problems",
            reports.len(),
            reports.len() - bad
        )?;
    }
    Ok(())
}
