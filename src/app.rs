//! Turning the parsed command line into work: resolve the configuration, run the job,
//! map the result to an exit code. Broken pipes end the run quietly.

use std::fs::File;
use std::io::{self, BufReader, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Result, bail};
use apidiag::diagnose::Options;
use apidiag::diagnosis::{Diagnosis, Outcome};
use apidiag::input::{InputOptions, ReadFailure, read_input};
use apidiag::read::{Context, InputFormat};
use apidiag::render;
use apidiag::rules::check::{self, Verdict};
use apidiag::rules::{RuleSet, loader};
use clap::Parser;

use crate::cli::{
    Cli, ColorWhen, Command, DiagnoseArgs, Format, InputFormatArg, ListFormat, RulesCommand,
};

pub const EXIT_DIAGNOSED: u8 = 0;
pub const EXIT_NOTHING: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    colored::control::set_override(use_color(cli.color));
    let mut user_rules = cli.rules.clone();
    user_rules.extend(loader::env_rule_paths());
    let result = match cli.command {
        None => diagnose(&cli.diagnose, &user_rules),
        Some(cmd) => {
            refuse_diagnose_options(&cli.diagnose)?;
            subcommand(cmd, &user_rules)
        }
    };
    match result {
        Err(e) if is_broken_pipe(&e) => Ok(ExitCode::from(EXIT_DIAGNOSED)),
        other => other.map(ExitCode::from),
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

fn refuse_diagnose_options(d: &DiagnoseArgs) -> Result<()> {
    let given = [
        (!d.files.is_empty(), "FILE"),
        (d.format != Format::Human, "--format"),
        (d.summary, "--summary"),
        (d.all, "--all"),
        (d.input_format != InputFormatArg::Auto, "--input-format"),
        (d.status.is_some(), "--status"),
        (!d.headers.is_empty(), "--header"),
        (d.url.is_some(), "--url"),
        (d.method.is_some(), "--method"),
        (d.api.is_some(), "--api"),
    ];
    if let Some((_, name)) = given.iter().find(|(on, _)| *on) {
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
        format: input_format(args.input_format),
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
    let mut out = Output::new(args.format, args.summary, files.len() > 1);
    let mut failed = false;
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    for name in &files {
        let mut reader: Box<dyn io::BufRead> = if name == "-" {
            Box::new(BufReader::with_capacity(1 << 16, stdin.lock()))
        } else {
            match File::open(name) {
                Ok(f) => Box::new(BufReader::with_capacity(1 << 16, f)),
                Err(e) => {
                    eprintln!("apidiag: error: {name}: {e}");
                    failed = true;
                    continue;
                }
            }
        };
        let mut sink =
            |item: Result<apidiag::input::Parsed, apidiag::input::RecordError>| -> io::Result<()> {
                match item {
                    Ok(p) => out.emit(
                        &rules.diagnose(&p.response, &opts, p.source),
                        &rules,
                        &mut w,
                    ),
                    Err(e) => {
                        w.flush()?;
                        eprintln!("apidiag: error: {e}");
                        out.record_errors += 1;
                        Ok(())
                    }
                }
            };
        match read_input(&mut reader, name, &input, &mut sink) {
            Ok(()) => {}
            Err(ReadFailure::Output(e)) => return Err(e.into()),
            Err(ReadFailure::Input(e)) => {
                w.flush()?;
                eprintln!("apidiag: error: {e}");
                failed = true;
            }
        }
    }
    out.finish(&mut w)?;
    w.flush()?;
    Ok(if failed || out.record_errors > 0 {
        EXIT_ERROR
    } else if out.diagnosed > 0 {
        EXIT_DIAGNOSED
    } else {
        EXIT_NOTHING
    })
}

fn input_format(f: InputFormatArg) -> InputFormat {
    match f {
        InputFormatArg::Auto => InputFormat::Auto,
        InputFormatArg::Http => InputFormat::Http,
        InputFormatArg::CurlVerbose => InputFormat::CurlVerbose,
        InputFormatArg::Httpie => InputFormat::Httpie,
        InputFormatArg::Wget => InputFormat::Wget,
        InputFormatArg::Body => InputFormat::Body,
        InputFormatArg::Har => InputFormat::Har,
        InputFormatArg::Ndjson => InputFormat::Ndjson,
    }
}

/// Renders diagnoses as they come and keeps the counts the exit code needs.
struct Output {
    format: Format,
    /// Several inputs: label each single response with its file.
    label_files: bool,
    summary_only: bool,
    shown: usize,
    diagnosed: usize,
    record_errors: usize,
    table_started: bool,
}

impl Output {
    fn new(format: Format, summary_only: bool, label_files: bool) -> Self {
        Self {
            format,
            label_files,
            summary_only,
            shown: 0,
            diagnosed: 0,
            record_errors: 0,
            table_started: false,
        }
    }

    fn emit(&mut self, d: &Diagnosis, rules: &RuleSet, w: &mut dyn Write) -> io::Result<()> {
        if matches!(d.outcome, Outcome::Diagnosed | Outcome::Warning) {
            self.diagnosed += 1;
        }
        let batch_record = d
            .source
            .as_ref()
            .is_some_and(|s| s.entry.is_some() || s.line.is_some());
        if self.summary_only {
            return Ok(());
        }
        let api_title = |name: &str| {
            rules
                .apis()
                .iter()
                .find(|a| a.name == name)
                .map_or(name.to_string(), |a| format!("{} ({})", a.name, a.title))
        };
        match (self.format, batch_record) {
            (Format::Json, _) => render::json::line(d, w)?,
            (Format::Markdown, true) => {
                if !std::mem::replace(&mut self.table_started, true) {
                    render::markdown::table_header(w)?;
                }
                render::markdown::table_row(d, w)?;
            }
            (Format::Markdown, false) => {
                if self.shown > 0 {
                    writeln!(w)?;
                }
                render::markdown::single(d, w)?;
            }
            (Format::Human, true) => render::human::compact(d, w)?,
            (Format::Human, false) => {
                if self.shown > 0 {
                    writeln!(w)?;
                }
                render::human::full(d, &api_title, self.label_files, w)?;
            }
        }
        self.shown += 1;
        Ok(())
    }

    fn finish(&mut self, _w: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
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
    w.flush()?;
    Ok(code)
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
    let mut bad = 0;
    for r in &reports {
        if r.verdict != Verdict::Validated {
            bad += 1;
        }
        match format {
            ListFormat::Json => writeln!(w, "{}", serde_json::to_string(r)?)?,
            ListFormat::Human => {
                let verdict = format!("{:?}", r.verdict).to_lowercase();
                writeln!(w, "{verdict:<10} {}", r.rule)?;
                for p in &r.problems {
                    writeln!(w, "           {}: {p}", r.file)?;
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
    Ok(if bad > 0 {
        EXIT_NOTHING
    } else {
        EXIT_DIAGNOSED
    })
}
