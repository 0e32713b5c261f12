//! The command line, as clap sees it. Nothing here does work; `app` turns it into a
//! checked configuration first.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub const EXIT_CODES: &str = "\
Exit status:
  0  at least one response was diagnosed (or a subcommand succeeded)
  1  nothing was diagnosed: only successes, or nothing recognisable;
     for `rules check`, a rule is missing or noisy
  2  usage error, unreadable or oversize input, a broken rule file, an unknown
     rule id, or an unreadable record in a batch (the rest is still diagnosed)";

const EXAMPLES: &str = "\
Examples:
  Pipe curl's response with its headers:
    curl -sS -i -H \"X-Api-Key: $KEY\" https://api.hacktron.ai/v1/scans -d @scan.json | apidiag
  Pipe a verbose transcript (request facts such as the auth scheme are used):
    curl -sS -v https://api.wasviking.com/v1/findings 2>&1 | apidiag
  A saved response, or a body with its status:
    apidiag saved-response.txt
    apidiag --status 403 body.json
  Every failed call in a browser HAR, then a summary; only the summary:
    apidiag session.har
    apidiag --summary session.har
  Read a rule's long explanation, or what a status means for each API:
    apidiag explain hacktron/estimation-not-ready
    apidiag explain 429 --api wasviking
  Add your own rules (see rules/README.md for the format) and check them:
    apidiag rules check my-rules.json
    apidiag --rules my-rules.json response.txt
  Into a ticket, or a script:
    apidiag --format markdown response.txt | xclip
    apidiag --format json response.txt | jq -r .fix[]";

const RULE_FILES: &str = "\
Rule files:
  built in (embedded), then --rules PATH..., then APIDIAG_RULES (paths separated
  by ':'), then $XDG_CONFIG_HOME/apidiag/rules/ (default ~/.config/apidiag/rules/).
  A user rule with a built-in's id replaces it.";

#[derive(Debug, Parser)]
#[command(
    name = "apidiag",
    version,
    about = "Explain why an API call failed, from the response curl, HTTPie, wget or a browser printed",
    long_about = "Explain why an API call failed.\n\nReads a response as printed by curl (-i, -v, -s), HTTPie, xh or wget, a saved \
file, a browser HAR or an NDJSON log, matches it against rules built from the vendors' documented failure modes \
(Hacktron, Tumban, WASViking, Blazeauth, and generic HTTP), and prints the cause, the fix, retry advice and what \
to quote to support.",
    after_help = "Run `apidiag --help` for examples and exit codes.",
    after_long_help = format!("{EXAMPLES}\n\n{RULE_FILES}\n\n{EXIT_CODES}"),
    max_term_width = 100
)]
pub struct Cli {
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
}

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
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
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = InputFormatArg::Auto, hide_default_value = true, help_heading = "Input")]
    pub input_format: InputFormatArg,

    /// The status, when the input is a bare body
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(100..=599), help_heading = "Input")]
    pub status: Option<u16>,

    /// A request header you sent, e.g. 'Authorization: Bearer …' (repeatable)
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

    /// Treat responses as this API's (see `apidiag rules list`)
    #[arg(long, value_name = "NAME", help_heading = "Rules")]
    pub api: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List or check rules
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Explain a rule (by id) or a status code (with every vendor rule for it)
    Explain {
        /// A rule id such as hacktron/missing-write-scope, or a status such as 429
        #[arg(value_name = "RULE_ID|STATUS")]
        topic: String,
        /// With a status: only this API's rules
        #[arg(long, value_name = "NAME")]
        api: Option<String>,
    },
    /// Print shell completions
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the man page (roff)
    Man,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules, one per line
    List {
        /// Only this API's rules
        #[arg(long, value_name = "NAME")]
        api: Option<String>,
        #[arg(short, long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Validate rule files and run their examples (the built-in table when no FILE)
    Check {
        #[arg(value_name = "FILE", value_hint = clap::ValueHint::AnyPath)]
        files: Vec<PathBuf>,
        #[arg(short, long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    Auto,
    Http,
    CurlVerbose,
    Httpie,
    Wget,
    Body,
    Har,
    Ndjson,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

fn parse_header(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((n, v)) if !n.trim().is_empty() && !n.contains(char::is_whitespace) => {
            Ok((n.trim().to_string(), v.trim().to_string()))
        }
        _ => Err(format!("{s:?} is not 'Name: value'")),
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
    use clap::CommandFactory;

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
