//! The command line, as clap sees it. Nothing here does work; `config` turns it into a
//! checked configuration first.

use std::borrow::Cow;
use std::path::PathBuf;

use apidiag::read::InputFormat;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use clap_complete::ArgValueCompleter;

use super::candidates;
use super::help::after_long_help;

#[derive(Debug, Parser)]
#[command(
    name = "apidiag",
    version,
    about = "Explain why an API call failed, from the response curl, HTTPie, wget or a browser printed",
    long_about = "Explain why an API call failed.\n\nReads a response as printed by curl (-i, -v, -s), HTTPie, xh or wget, a saved \
file, a browser HAR or an NDJSON log, reads what the response says of itself (error codes, messages, \
rate-limit headers, errors inside a 200, XML errors), matches it against rules built from the APIs' documented \
failure modes (the founding vendors Hacktron, Tumban, WASViking and Blazeauth; packs for public APIs such as \
GitHub, Stripe, OpenAI, Google Cloud, AWS and Kubernetes, listed by `apidiag rules list`; generic HTTP), and \
prints the cause, the fix, retry advice and what to quote to support.",
    after_help = "Run `apidiag --help` for examples and exit codes.",
    after_long_help = after_long_help(),
    max_term_width = 100
)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub diagnose: DiagnoseArgs,

    /// When to use colour [default: auto, honouring NO_COLOR and CLICOLOR_FORCE]
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto, global = true, hide_default_value = true)]
    pub color: ColorWhen,

    /// Add a rule file or a folder of them (repeatable)
    #[arg(long = "rules", value_name = "PATH", global = true, value_hint = clap::ValueHint::AnyPath)]
    pub rules: Vec<PathBuf>,

    /// Turn a built-in rule pack off (repeatable)
    ///
    /// NAME is the API of a built-in pack, as `apidiag rules list` shows it: `--no-pack github`.
    #[arg(long = "no-pack", value_name = "NAME", global = true)]
    pub no_pack: Vec<String>,
}

/// The command line, with clap's record of which options were given, or clap's error; an
/// error that quotes a secret given as an argument (`--header 'Authorization Bearer …'`)
/// is printed masked.
pub(super) fn parse() -> (ArgMatches, Cli) {
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

#[derive(Debug, Args)]
pub(super) struct DiagnoseArgs {
    /// Files to read; none or `-` reads standard input
    #[arg(value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub files: Vec<PathBuf>,

    /// Output form
    #[arg(short, long, value_enum, default_value_t = Format::Human, help_heading = "Output")]
    pub format: Format,

    /// Print only the summary of a batch (HAR, NDJSON, several files)
    #[arg(long, help_heading = "Output")]
    pub summary: bool,

    /// List every matching rule, ranked, with why each matched
    #[arg(long, help_heading = "Output")]
    pub all: bool,

    /// How to read the input [default: auto-detected]
    #[arg(long, value_name = "FORMAT", default_value = "auto", hide_default_value = true, value_parser = input_formats(), help_heading = "Input")]
    pub input_format: InputFormat,

    /// The status, when the input is a bare body
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(100..=599), help_heading = "Input", add = ArgValueCompleter::new(candidates::statuses))]
    pub status: Option<u16>,

    /// A request header you sent, e.g. 'Authorization: Bearer TOKEN' (repeatable)
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE", value_parser = parse_header, help_heading = "Input")]
    pub headers: Vec<(String, String)>,

    /// The request URL, when the input does not show it
    #[arg(long, value_name = "URL", help_heading = "Input")]
    pub url: Option<String>,

    /// The request method, when the input does not show it
    #[arg(long, value_name = "METHOD", help_heading = "Input")]
    pub method: Option<String>,

    /// Refuse a single response or record larger than this (e.g. 64M, 512K)
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = parse_size, help_heading = "Input")]
    pub max_input_size: u64,

    /// Diagnose a large file on N threads [default: one per CPU]
    ///
    /// A file of 1 MiB or more is diagnosed on worker threads; the output is the same, in
    /// the same order. Standard input and smaller files are read on one thread, so each
    /// diagnosis is printed as soon as its response has arrived. -j 1 starts no workers.
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256), help_heading = "Input")]
    pub threads: Option<u16>,

    /// Treat responses as this API's (see `apidiag rules list`)
    #[arg(long, value_name = "NAME", help_heading = "Rules", add = ArgValueCompleter::new(candidates::api_names))]
    pub api: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(super) enum Command {
    /// List or check rules
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Explain a rule (by id) or a status code (with every vendor rule for it)
    Explain {
        /// A rule id such as hacktron/missing-write-scope, or a status such as 429
        #[arg(value_name = "RULE_ID|STATUS", add = ArgValueCompleter::new(candidates::explain_topics))]
        topic: String,
        /// With a status: only this API's rules
        #[arg(long, value_name = "NAME", add = ArgValueCompleter::new(candidates::api_names))]
        api: Option<String>,
    },
    /// Print the completion script for a shell
    #[command(
        long_about = "Print the completion script for a shell.\n\nThe script registers dynamic completion: on TAB the shell runs \
`COMPLETE=<shell> apidiag`, so rule ids, API names, statuses, formats and file names come from the \
apidiag on PATH, your rule files included. Install it once (see the README), or load it at start-up:\n\n  \
bash:        source <(COMPLETE=bash apidiag)            in ~/.bashrc\n  \
zsh:         source <(COMPLETE=zsh apidiag)             in ~/.zshrc\n  \
fish:        COMPLETE=fish apidiag | source             in ~/.config/fish/config.fish\n  \
elvish:      eval (E:COMPLETE=elvish apidiag | slurp)   in ~/.config/elvish/rc.elv\n  \
PowerShell:  apidiag completions powershell | Out-String | Invoke-Expression   in $PROFILE"
    )]
    Completions {
        /// The shell to print the script for
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the man page (roff)
    Man,
    /// Merge summaries written by `--summary --format json` (shards of one log, in order)
    #[command(
        long_about = "Merge summaries written by `apidiag --summary --format json`.\n\nEach input holds one summary \
per line; they are merged in the order read, as if their responses had been read one after the other (inputs of \
the same name, such as `-`, as one input whose lines and entries run on). The counts, first and last problem and \
ranked fixes equal those of one run over the whole log; `--format json` output can be merged again."
    )]
    Merge {
        /// Summary files; none or `-` reads standard input
        #[arg(value_name = "SUMMARY.json", value_hint = clap::ValueHint::FilePath)]
        files: Vec<PathBuf>,
        /// Output form
        #[arg(short, long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Run curl, wget, HTTPie or xh and diagnose the call when it failed
    #[command(
        long_about = "Run an HTTP client and diagnose the call when it failed.\n\napidiag adds options that expose the status, the response headers and the \
request (curl: --trace to a private file; wget: -S with its log in a private file), without changing what you see: \
stdout carries exactly what the client prints, its stderr is its own, stdin is passed on. When the call failed (an \
error status, an error a rule recognises in a 2xx, or a transport failure) the diagnosis goes to stderr. The exit \
status is the client's unless --exit-status diagnosis.\n\nExample: apidiag run -- curl -sS https://api.example.com/v1/scans | jq .id"
    )]
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub(super) struct RunArgs {
    /// Output form of the diagnosis (on stderr)
    #[arg(short, long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the diagnosis to FILE instead of stderr
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub diagnosis_to: Option<PathBuf>,

    /// Exit with the client's status, or with apidiag's (0 diagnosed, 1 nothing, 2 trouble)
    #[arg(long, value_enum, value_name = "FROM", default_value_t = ExitFrom::Client)]
    pub exit_status: ExitFrom,

    /// Treat the response as this API's (see `apidiag rules list`)
    #[arg(long, value_name = "NAME", add = ArgValueCompleter::new(candidates::api_names))]
    pub api: Option<String>,

    /// The client and its arguments: curl, wget, http, https, xh or xhs
    #[arg(value_name = "CLIENT ARGS", required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum ExitFrom {
    Client,
    Diagnosis,
}

#[derive(Debug, Subcommand)]
pub(super) enum RulesCommand {
    /// List the rules, one per line
    List {
        /// Only this API's rules
        #[arg(long, value_name = "NAME", add = ArgValueCompleter::new(candidates::api_names))]
        api: Option<String>,
        /// Output form: a table, or one JSON object per line
        #[arg(short, long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Validate rule files and run their examples (the built-in table when no FILE)
    Check {
        /// Rule files or folders to check
        #[arg(value_name = "FILE", value_hint = clap::ValueHint::AnyPath)]
        files: Vec<PathBuf>,
        /// Output form: a line per rule, or one JSON object per line
        #[arg(short, long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum ListFormat {
    Human,
    Json,
}

/// The library's input formats, by the names it gives them.
fn input_formats() -> impl TypedValueParser<Value = InputFormat> {
    PossibleValuesParser::new(InputFormat::ALL.map(InputFormat::name))
        .map(|name| name.parse().expect("every listed name parses"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

fn parse_header(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((n, v)) if !n.trim().is_empty() && !n.contains(char::is_whitespace) => {
            Ok((n.trim().to_owned(), v.trim().to_owned()))
        }
        // clap quotes the argument already.
        _ => Err("expected 'Name: value'".to_owned()),
    }
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a size such as 64M"))?;
    let mult = match unit
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return Err(format!("{s:?}: unknown unit (use K, M or G)")),
    };
    n.checked_mul(mult)
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{s:?} is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert!(parse_size("0").is_err() && parse_size("1X").is_err());
    }
}
