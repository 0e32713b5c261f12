//! The binary: the command line in, an exit status out. Read in this order:
//!
//! - `args`: the clap definition (`Cli`) and nothing else; `help` holds the examples
//!   and tables its long help shares with the man page, `candidates` the values `TAB`
//!   offers for its options.
//! - `config`: `Cli` checked and resolved once into a `Config` (rules loaded, `--api`
//!   known, colour decided, inputs and output settled).
//! - `run`: does what the `Config` says: diagnoses the inputs, or hands a subcommand to
//!   `subcommands`, which prints `complete`'s scripts and `man`'s page and has `merge`
//!   combine summaries.
//! - `exit_codes`: the exit status table and the closed-pipe rule; `error`: how an
//!   error message is shown.
//!
//! Imports run one way, with no cycle:
//! `run` → `subcommands` → `complete`, `man` → `args` → `help`, `candidates`;
//! `run`, `subcommands` → `config` → `args`; `exit_codes` and `error` use no sibling.

mod args;
mod candidates;
mod complete;
mod config;
mod error;
mod exit_codes;
mod help;
mod man;
mod merge;
mod run;
mod subcommands;
mod wrap;

pub(crate) use complete::complete_if_asked;
pub(crate) use error::shown_error;
pub(crate) use exit_codes::ExitStatus;

use anyhow::Result;
use config::Config;

/// Parse and check the command line, then do what it asks.
pub(crate) fn run() -> Result<ExitStatus> {
    let (matches, cli) = args::parse();
    let config = Config::from_cli(cli, &matches)?;
    let status = run::run(&config);
    // The process ends here: freeing every rule, regex and automaton one by one would
    // cost a run on one response about 5% more, for memory the exit returns anyway.
    #[expect(
        clippy::mem_forget,
        reason = "~5% on exit for one response (BENCHMARKS.md)"
    )]
    std::mem::forget(config);
    status
}
