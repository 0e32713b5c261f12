//! The words `--help` and the man page share beyond the options: examples, where rules
//! come from, the environment, and the long help that lists them with the exit status.

use super::exit_codes::{CLOSED_PIPE, EXIT_CODES};

/// Examples for the long help and the man page: what it does, then the command lines.
pub(super) const EXAMPLES: &[(&str, &[&str])] = &[
    (
        "Pipe curl's response with its headers (-i):",
        &[
            "curl -sS -i -H \"X-Api-Key: $KEY\" https://api.hacktron.ai/v1/scans -d @scan.json | apidiag",
        ],
    ),
    (
        "Pipe a verbose transcript; request facts such as the auth scheme are used:",
        &["curl -sS -v https://api.wasviking.com/v1/findings 2>&1 | apidiag"],
    ),
    (
        "A saved response, or only a body with its status:",
        &[
            "apidiag saved-response.txt",
            "apidiag --status 403 body.json",
        ],
    ),
    (
        "Every failed call in a browser HAR, then a summary; or only the summary:",
        &["apidiag session.har", "apidiag --summary session.har"],
    ),
    (
        "A rule's long explanation, or what a status means for each API:",
        &[
            "apidiag explain hacktron/estimation-not-ready",
            "apidiag explain 429 --api wasviking",
        ],
    ),
    (
        "Write a rule of your own (format: rules/README.md), check it, use it:",
        &[
            "mkdir -p ~/.config/apidiag/rules",
            "$EDITOR ~/.config/apidiag/rules/acme.json",
            "apidiag rules check ~/.config/apidiag/rules/acme.json",
            "apidiag rules list --api acme",
        ],
    ),
    (
        "Into a ticket, or a script:",
        &[
            "apidiag --format markdown response.txt > ticket.md",
            "apidiag --format json response.txt | jq -r '.fix[]'",
        ],
    ),
];

/// Where rules come from, in order; later ones replace earlier ones with the same id.
pub(super) const RULE_FILES: &[(&str, &str)] = &[
    (
        "built in",
        "the rules embedded in the binary (rules/*.json)",
    ),
    (
        "--rules PATH",
        "a rule file or a folder of them (repeatable)",
    ),
    ("APIDIAG_RULES", "rule files or folders, separated by ':'"),
    (
        "$XDG_CONFIG_HOME/apidiag/rules/",
        "every rule file in this folder (default ~/.config/apidiag/rules/)",
    ),
];

/// The environment apidiag reads.
pub(super) const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "APIDIAG_RULES",
        "more rule files or folders, separated by ':'",
    ),
    (
        "XDG_CONFIG_HOME",
        "where the user rule folder lives (apidiag/rules/ under it; default ~/.config)",
    ),
    (
        "NO_COLOR",
        "when set and not empty, --color auto does not colour",
    ),
    (
        "CLICOLOR_FORCE",
        "when set and not 0, --color auto colours even a pipe",
    ),
    (
        "COMPLETE",
        "set to a shell name by the completion scripts to ask for completions",
    ),
];

/// Wrap `text` to `width` columns, indenting lines after the first by `indent` (clap
/// wraps long help too, but without a hanging indent).
fn hang(text: &str, indent: usize, width: usize) -> String {
    let mut out = String::new();
    let mut col = indent;
    for word in text.split_whitespace() {
        if col > indent && col + 1 + word.len() > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = indent;
        } else if col > indent {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += word.chars().count();
    }
    out
}

/// The long help after the options: examples, rule files, exit status.
pub(super) fn after_long_help() -> String {
    use std::fmt::Write as _;
    let h = clap::builder::styling::Style::new().bold().underline();
    let mut s = format!("{h}Examples:{h:#}\n");
    for (what, commands) in EXAMPLES {
        let _ = writeln!(s, "  {what}");
        for c in *commands {
            let _ = writeln!(s, "    {c}");
        }
    }
    let _ = writeln!(
        s,
        "\n{h}Rule files:{h:#} in this order; a later rule with the same id replaces an earlier one"
    );
    for (place, what) in RULE_FILES {
        let _ = writeln!(s, "  {place}\n      {what}");
    }
    let _ = writeln!(s, "\n{h}Exit status:{h:#}");
    for (status, meaning) in EXIT_CODES {
        let _ = writeln!(s, "  {}  {}", status.code(), hang(meaning, 5, 95));
    }
    let _ = write!(s, "\n{}", hang(CLOSED_PIPE, 0, 95));
    s
}
