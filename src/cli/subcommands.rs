//! The subcommands: `rules list`, `rules check`, `explain`, `completions`, `man`, `merge`. Each
//! writes to stdout through one buffer; only `rules check` decides its own status.

use std::io::{self, Write};

use anyhow::Result;
use apidiag::explain::{self, Topic};
use apidiag::render;
use apidiag::rules::RuleSet;
use apidiag::rules::check::{self, Verdict};

use super::args::ListFormat;
use super::complete;
use super::config::Subcommand;
use super::exit_codes::{ExitStatus, despite_closed_pipe};
use super::man;
use super::merge;

pub(super) fn run(cmd: &Subcommand) -> Result<ExitStatus> {
    let mut w = io::BufWriter::new(io::stdout().lock());
    let status = match cmd {
        Subcommand::ListRules { rules, api, format } => {
            list_rules(rules, api.as_deref(), *format, &mut w)?
        }
        Subcommand::CheckRules { files, format } => check_rules(files, *format, &mut w)?,
        Subcommand::Explain { rules, topic, api } => explain(rules, topic, api.as_deref(), &mut w)?,
        Subcommand::Completions(shell) => {
            complete::registration(*shell, &mut w)?;
            ExitStatus::Diagnosed
        }
        Subcommand::Man => {
            man::render(&mut w)?;
            ExitStatus::Diagnosed
        }
        Subcommand::Merge { files, format } => {
            merge::run(files, *format, &mut w)?;
            ExitStatus::Diagnosed
        }
        Subcommand::Run(job) => {
            drop(w);
            let code = super::wrap::run(job)?;
            std::process::exit(code)
        }
    };
    // A status decided before the pipe closed stands (a buffer keeps what it could not
    // write, so this flush fails again after one that did).
    despite_closed_pipe(w.flush().map_err(Into::into), status)
}

fn list_rules(
    rules: &RuleSet,
    api: Option<&str>,
    format: ListFormat,
    w: &mut dyn Write,
) -> Result<ExitStatus> {
    let mut entries: Vec<_> = rules
        .entries()
        .iter()
        .filter(|e| api.is_none_or(|a| rules.apis()[e.api].name.eq_ignore_ascii_case(a)))
        .collect();
    entries.sort_by(|a, b| a.rule.id.cmp(&b.rule.id));
    match format {
        ListFormat::Human => render::rules::list_human(&entries, w)?,
        ListFormat::Json => render::rules::list_json(rules, &entries, w)?,
    }
    Ok(ExitStatus::Diagnosed)
}

fn explain(
    rules: &RuleSet,
    topic: &str,
    api: Option<&str>,
    w: &mut dyn Write,
) -> Result<ExitStatus> {
    match explain::resolve(rules, topic).map_err(anyhow::Error::msg)? {
        Topic::Rule(entry) => render::explain::rule(rules, entry, w)?,
        Topic::Status(code) => {
            render::explain::status(rules, &explain::status(rules, code, api), w)?;
        }
    }
    Ok(ExitStatus::Diagnosed)
}

fn check_rules(
    files: &[std::path::PathBuf],
    format: ListFormat,
    w: &mut dyn Write,
) -> Result<ExitStatus> {
    let reports = check::check(files).map_err(|e| anyhow::anyhow!("rule file {e}"))?;
    let bad = reports
        .iter()
        .filter(|r| r.verdict != Verdict::Validated)
        .count();
    let status = if bad > 0 {
        ExitStatus::Nothing
    } else {
        ExitStatus::Diagnosed
    };
    despite_closed_pipe(print_checks(&reports, bad, format, w), status)
}

fn print_checks(
    reports: &[check::RuleReport],
    bad: usize,
    format: ListFormat,
    w: &mut dyn Write,
) -> Result<()> {
    match format {
        ListFormat::Json => render::rules::checks_json(reports, w)?,
        ListFormat::Human => render::rules::checks_human(reports, bad, w)?,
    }
    Ok(())
}
