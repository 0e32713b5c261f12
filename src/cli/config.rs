//! The command line turned, once, into a checked configuration: rules loaded, `--api`
//! checked against them, colour decided, inputs and output resolved. Everything that
//! can be refused is refused here, before any output; `run` never looks at `Cli`.

use std::io::{self, IsTerminal};
use std::path::PathBuf;

use anyhow::{Result, bail};
use apidiag::input::InputOptions;
use apidiag::read::Context;
use apidiag::render::OutputFormat;
use apidiag::report::ReportOptions;
use apidiag::rules::diagnose::{Detail, Options};
use apidiag::rules::{RuleSet, loader};
use clap::parser::ValueSource;
use clap::{ArgMatches, Args};

use super::args::{
    Cli, ColorWhen, Command, DiagnoseArgs, ExitFrom, Format, ListFormat, RulesCommand, Shell,
};

/// What one run of the binary does, and how.
pub(super) struct Config {
    /// Colour on or off: `--color`, with `auto` resolved against `NO_COLOR`,
    /// `CLICOLOR_FORCE` and whether stdout is a terminal.
    pub color: bool,
    /// The work itself.
    pub task: Task,
}

pub(super) enum Task {
    /// No subcommand: diagnose the responses in the inputs.
    Diagnose(Diagnose),
    /// No subcommand and no FILE while standard input is a terminal: nobody piped a
    /// response in, so say how to rather than wait for one to be typed.
    NoInput,
    /// A subcommand, no diagnose option having been given before it.
    Subcommand(Subcommand),
}

/// Diagnosing responses: everything the per-file loop needs.
pub(super) struct Diagnose {
    /// Built-in rules, then `--rules`, `APIDIAG_RULES` and the user's rule folder.
    pub rules: RuleSet,
    /// `--api` (an API `rules` knows) and `--all`.
    pub options: Options,
    /// How to read every input: `--input-format`, the request context given as options
    /// (`--status`, `--header`, `--url`, `--method`) and `--max-input-size`.
    pub input: InputOptions,
    /// The inputs, in order, by name; `-` is standard input.
    pub files: Vec<String>,
    /// `--format`, `--summary`, and whether single responses are labelled with their
    /// file (more than one input).
    pub report: ReportOptions,
    /// A count of responses read, on stderr: only on a terminal, and never with JSON,
    /// whose readers parse every line.
    pub progress: bool,
    /// `-j`: worker threads for a large file (`None`: one per CPU, at most 8).
    pub threads: Option<u16>,
}

/// A subcommand, its arguments checked.
pub(super) enum Subcommand {
    /// `rules list`, `--api` known to `rules`.
    ListRules {
        rules: RuleSet,
        api: Option<String>,
        format: ListFormat,
    },
    /// `rules check FILE…`: the files alone (the built-in table when none), without the
    /// user's rules.
    CheckRules {
        files: Vec<PathBuf>,
        format: ListFormat,
    },
    /// `explain RULE_ID|STATUS`: the topic is resolved when it is explained, as it
    /// borrows from `rules`.
    Explain {
        rules: RuleSet,
        topic: String,
        api: Option<String>,
    },
    /// `completions SHELL`: the registration script.
    Completions(Shell),
    /// `man`: the manual page.
    Man,
    /// `merge SUMMARY.json…`: the inputs by name (`-` when none) and the output form.
    Merge {
        files: Vec<String>,
        format: OutputFormat,
    },
    /// `run -- CLIENT ARGS…`: run the client, diagnose a failed call.
    Run(RunJob),
}

/// `run`: the client to run and how to report on it.
pub(super) struct RunJob {
    pub rules: RuleSet,
    pub options: Options,
    pub format: OutputFormat,
    pub diagnosis_to: Option<PathBuf>,
    pub exit_status: ExitFrom,
    pub command: Vec<std::ffi::OsString>,
}

impl Config {
    /// Check the command line and load what it names. `matches` tells which options
    /// were typed, as opposed to defaulted.
    pub(super) fn from_cli(cli: Cli, matches: &ArgMatches) -> Result<Config> {
        // `run` writes its diagnosis on stderr: colour follows stderr there.
        let color = match cli.command {
            Some(Command::Run(ref run)) if run.diagnosis_to.is_some() => {
                cli.color == ColorWhen::Always
            }
            Some(Command::Run(_)) => use_color_on(cli.color, io::stderr().is_terminal()),
            _ => use_color(cli.color),
        };
        let mut paths = cli.rules;
        paths.extend(loader::env_rule_paths());
        let user_rules = RuleSources::new(paths, cli.no_pack)?;
        let task = match cli.command {
            None if reads_a_terminal(&cli.diagnose) => Task::NoInput,
            None => Task::Diagnose(Diagnose::new(cli.diagnose, &user_rules)?),
            Some(cmd) => {
                refuse_diagnose_options(matches)?;
                Task::Subcommand(Subcommand::new(cmd, &user_rules)?)
            }
        };
        Ok(Config { color, task })
    }
}

impl Diagnose {
    fn new(args: DiagnoseArgs, user_rules: &RuleSources) -> Result<Diagnose> {
        let rules = load_rules(user_rules)?;
        known_api(&rules, args.api.as_deref())?;
        let files = inputs(&args.files);
        let format = output_format(args.format);
        Ok(Diagnose {
            options: Options {
                api: args.api,
                all: args.all,
                // A summary prints a few fields of each diagnosis.
                detail: if args.summary {
                    Detail::Summary
                } else {
                    Detail::Full
                },
            },
            input: InputOptions {
                format: args.input_format,
                context: Context {
                    status: args.status,
                    request_headers: args.headers,
                    url: args.url,
                    method: args.method,
                },
                max_record: args.max_input_size,
            },
            report: ReportOptions {
                format,
                summary_only: args.summary,
                label_files: files.len() > 1,
            },
            progress: format != OutputFormat::Json && io::stderr().is_terminal(),
            threads: args.threads,
            files,
            rules,
        })
    }
}

impl Subcommand {
    fn new(cmd: Command, user_rules: &RuleSources) -> Result<Subcommand> {
        Ok(match cmd {
            Command::Rules(RulesCommand::List { api, format }) => {
                let rules = load_rules(user_rules)?;
                known_api(&rules, api.as_deref())?;
                Subcommand::ListRules { rules, api, format }
            }
            Command::Rules(RulesCommand::Check { files, format }) => {
                Subcommand::CheckRules { files, format }
            }
            Command::Explain { topic, api } => Subcommand::Explain {
                rules: load_rules(user_rules)?,
                topic,
                api,
            },
            Command::Completions { shell } => Subcommand::Completions(shell),
            Command::Man => Subcommand::Man,
            Command::Merge { files, format } => Subcommand::Merge {
                files: inputs(&files),
                format: output_format(format),
            },
            Command::Run(args) => {
                let rules = load_rules(user_rules)?;
                known_api(&rules, args.api.as_deref())?;
                Subcommand::Run(RunJob {
                    rules,
                    options: Options {
                        api: args.api,
                        ..Options::default()
                    },
                    format: output_format(args.format),
                    diagnosis_to: args.diagnosis_to,
                    exit_status: args.exit_status,
                    command: args.command,
                })
            }
        })
    }
}

/// auto = stdout is a terminal and NO_COLOR is unset or empty; CLICOLOR_FORCE forces it.
fn use_color(when: ColorWhen) -> bool {
    use_color_on(when, io::stdout().is_terminal())
}

/// auto = `terminal` and NO_COLOR is unset or empty; CLICOLOR_FORCE forces it.
fn use_color_on(when: ColorWhen, terminal: bool) -> bool {
    let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty() && x != "0");
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto if set("NO_COLOR") => false,
        ColorWhen::Auto if set("CLICOLOR_FORCE") => true,
        ColorWhen::Auto => terminal,
    }
}

fn reads_a_terminal(args: &DiagnoseArgs) -> bool {
    args.files.is_empty() && io::stdin().is_terminal()
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

/// Where the rules come from: user files and folders, and the built-in packs turned off.
struct RuleSources {
    paths: Vec<PathBuf>,
    off: Vec<String>,
}

impl RuleSources {
    /// Refuses a `--no-pack` name that is no built-in pack.
    fn new(paths: Vec<PathBuf>, off: Vec<String>) -> Result<RuleSources> {
        let packs = loader::builtin_pack_names();
        if let Some(name) = off.iter().find(|n| !packs.contains(&n.as_str())) {
            bail!(
                "unknown pack {name:?} for --no-pack; built-in packs: {}",
                packs.join(", ")
            );
        }
        Ok(RuleSources { paths, off })
    }
}

fn load_rules(sources: &RuleSources) -> Result<RuleSet> {
    RuleSet::load_except(&sources.paths, &sources.off).map_err(|e| anyhow::anyhow!("rule file {e}"))
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

/// The inputs by name: the files given, or standard input.
fn inputs(files: &[PathBuf]) -> Vec<String> {
    if files.is_empty() {
        vec!["-".into()]
    } else {
        files.iter().map(|f| f.display().to_string()).collect()
    }
}

/// The one place the command line's `--format` becomes the library's.
fn output_format(format: Format) -> OutputFormat {
    match format {
        Format::Human => OutputFormat::Human,
        Format::Json => OutputFormat::Json,
        Format::Markdown => OutputFormat::Markdown,
    }
}
