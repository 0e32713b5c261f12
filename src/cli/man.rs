//! `apidiag man`: the manual page, from the one clap definition plus the tables in `help`
//! and `exit_codes` (examples, rule files, environment, exit status), so it cannot drift from `--help`.

use std::io;

use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, italic, roman};

use super::args::Cli;
use super::exit_codes::{CLOSED_PIPE, EXIT_CODES};
use super::help::{ENVIRONMENT, EXAMPLES, RULE_FILES};

/// The lines `roff` puts before every fragment it renders; kept once, at the top.
const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

/// Write `apidiag.1` (roff).
pub(super) fn render(w: &mut dyn io::Write) -> io::Result<()> {
    let mut page = Vec::new();
    sections(&mut page)?;
    let page = String::from_utf8_lossy(&page).replace(PREAMBLE, "");
    let title = format!(
        ".TH APIDIAG 1 \"\" \"apidiag {}\" \"User Commands\"\n",
        env!("CARGO_PKG_VERSION")
    );
    w.write_all(PREAMBLE.as_bytes())?;
    w.write_all(title.as_bytes())?;
    w.write_all(page.as_bytes())
}

/// Every section after the title. (clap_mangen's own title drops an empty date, which
/// shifts the source and manual into the wrong fields, so `render` writes `.TH` itself.)
fn sections(w: &mut dyn io::Write) -> io::Result<()> {
    let mut cmd = Cli::command();
    cmd.build();
    let man = Man::new(cmd.clone());
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    man.render_options_section(w)?;
    commands(&cmd, w)?;

    let mut roff = Roff::new();
    roff.control("SH", ["EXAMPLES"]);
    for (what, lines) in EXAMPLES {
        roff.control("PP", []).text([roman(*what)]);
        roff.control("RS", ["4"]).control("nf", []);
        for line in *lines {
            roff.text([bold(*line)]);
        }
        roff.control("fi", []).control("RE", []);
    }

    roff.control("SH", ["FILES"]);
    roff.text([roman(
        "Rules are read from these places, in this order; a later rule with the same id \
         replaces an earlier one. A broken rule file is an error naming the file, the rule \
         and the position.",
    )]);
    for (place, what) in RULE_FILES {
        roff.control("TP", [])
            .text([italic(*place)])
            .text([roman(*what)]);
    }

    roff.control("SH", ["ENVIRONMENT"]);
    for (name, what) in ENVIRONMENT {
        roff.control("TP", [])
            .text([bold(*name)])
            .text([roman(*what)]);
    }

    roff.control("SH", ["EXIT STATUS"]);
    for (status, meaning) in EXIT_CODES {
        roff.control("TP", [])
            .text([bold(status.code().to_string())])
            .text([roman(*meaning)]);
    }
    roff.control("PP", []).text([roman(CLOSED_PIPE)]);

    roff.control("SH", ["SHELL COMPLETION"]);
    roff.text([
        bold("apidiag completions "),
        italic("SHELL"),
        roman(
            " prints a script that registers completion for bash, zsh, fish, elvish or \
             PowerShell. The script calls apidiag (found on PATH) on each TAB, so rule ids, \
             API names, statuses, formats and files complete from the installed binary.",
        ),
    ]);

    roff.control("SH", ["SEE ALSO"]);
    roff.text([
        bold("curl"),
        roman("(1), "),
        bold("jq"),
        roman("(1); the rule format: rules/README.md in the source."),
    ]);
    roff.to_writer(w)?;
    man.render_version_section(w)
}

/// A COMMANDS section: each subcommand (leaves of `rules` included) with its synopsis, its
/// description and its own options. The global options are documented once, above.
fn commands(cmd: &clap::Command, w: &mut dyn io::Write) -> io::Result<()> {
    let globals: Vec<String> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| a.get_id().to_string())
        .chain(["help".to_owned()])
        .collect();
    let mut leaves = Vec::new();
    collect_leaves(cmd, &mut leaves);

    let mut roff = Roff::new();
    roff.control("SH", ["COMMANDS"]);
    roff.text([roman(
        "Without a command, apidiag diagnoses the responses it reads. The commands are:",
    )]);
    roff.to_writer(w)?;
    for sub in leaves {
        let mut sub = sub.clone();
        for id in &globals {
            if sub.get_arguments().any(|a| a.get_id() == id) {
                sub = sub.mut_arg(id, |a| a.hide(true));
            }
        }
        let about = sub
            .get_about()
            .or(sub.get_long_about())
            .map(ToString::to_string)
            .unwrap_or_default();
        let man = Man::new(sub);
        let mut synopsis = Vec::new();
        man.render_synopsis_section(&mut synopsis)?;
        let synopsis = String::from_utf8_lossy(&synopsis).replacen(".SH SYNOPSIS\n", "", 1);
        let mut options = Vec::new();
        man.render_options_section(&mut options)?;
        let options = String::from_utf8_lossy(&options).replacen(".SH OPTIONS\n", "", 1);

        let mut roff = Roff::new();
        roff.control("PP", []);
        roff.to_writer(w)?;
        w.write_all(synopsis.as_bytes())?;
        let mut roff = Roff::new();
        roff.control("RS", ["4"]);
        for line in about.lines() {
            if line.trim().is_empty() {
                roff.control("PP", []);
            } else {
                roff.text([roman(line)]);
            }
        }
        roff.to_writer(w)?;
        w.write_all(options.as_bytes())?;
        Roff::new().control("RE", []).to_writer(w)?;
    }
    Ok(())
}

fn collect_leaves<'a>(cmd: &'a clap::Command, out: &mut Vec<&'a clap::Command>) {
    let shown = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help");
    for sub in shown {
        if sub.has_subcommands() {
            collect_leaves(sub, out);
        } else {
            out.push(sub);
        }
    }
}
