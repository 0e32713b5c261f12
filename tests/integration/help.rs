//! `--help`, `-h` and the man page, as a user sees them:
//! - snapshots of `apidiag --help` and `apidiag -h` under `tests/snapshots/`, taken with
//!   `COLUMNS=100` and no colour variables;
//! - `doc/apidiag.1` is what `apidiag man` prints, and it renders with groff;
//! - the exit codes, rule-file locations and examples appear in both.
//!
//! `APIDIAG_BLESS=1 cargo test --test integration help::` rewrites the snapshots and the man page.

use crate::common;
use common::check_or_bless;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// apidiag with a fixed width and none of the variables that change its output.
fn apidiag(args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_apidiag"));
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("APIDIAG_")
            || k.starts_with("CLICOLOR")
            || matches!(
                &*k,
                "NO_COLOR" | "TERM" | "COLORTERM" | "COMPLETE" | "LINES"
            )
        {
            cmd.env_remove(key);
        }
    }
    let out = cmd.env("COLUMNS", "100").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "apidiag {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
fn snapshot(name: &str) -> PathBuf {
    root().join("tests/snapshots").join(name)
}

#[test]
fn long_help_snapshot() {
    let help = apidiag(&["--help"]);
    assert!(!help.contains('\x1b'), "colour in a pipe");
    for part in [
        "Examples:",
        "| apidiag",
        "2>&1 | apidiag",
        "session.har",
        "--status 403 body.json",
        "apidiag explain ",
        "rules check",
        "Rule files:",
        "APIDIAG_RULES",
        "Exit status:",
    ] {
        assert!(help.contains(part), "--help lacks {part:?}");
    }
    for code in ["  0  ", "  1  ", "  2  "] {
        assert!(help.contains(code), "--help lacks exit code {code:?}");
    }
    assert!(
        help.lines().all(|l| l.chars().count() <= 100),
        "wider than COLUMNS"
    );
    check_or_bless(&snapshot("help-long.txt"), &help);
}

#[test]
fn short_help_snapshot() {
    let help = apidiag(&["-h"]);
    assert!(help.contains("Run `apidiag --help` for examples and exit codes."));
    assert!(!help.contains("Exit status:"), "-h is the short form");
    check_or_bless(&snapshot("help-short.txt"), &help);
}

#[test]
fn man_page_is_committed_and_current() {
    let page = apidiag(&["man"]);
    assert!(
        page.is_ascii(),
        "keep the man page ASCII so any locale renders it"
    );
    for section in [
        ".TH APIDIAG 1",
        ".SH SYNOPSIS",
        ".SH COMMANDS",
        ".SH EXAMPLES",
        ".SH FILES",
        ".SH ENVIRONMENT",
        ".SH \"EXIT STATUS\"",
    ] {
        assert!(page.contains(section), "man page lacks {section}");
    }
    check_or_bless(&root().join("doc/apidiag.1"), &page);
}

#[test]
fn man_page_renders() {
    let Ok(out) = Command::new("groff")
        // Plain text (no bold or underline), lines long enough not to hyphenate paths.
        .args(["-man", "-Tutf8", "-ww", "-P-cbu", "-rLL=300n", "-rHY=0"])
        .arg(root().join("doc/apidiag.1"))
        .env("LC_ALL", "C")
        .output()
    else {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "skipping the man page render check: groff is not installed"
        );
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "groff: {stderr}");
    let text = String::from_utf8_lossy(&out.stdout);
    for part in [
        "EXIT STATUS",
        "apidiag explain",
        "APIDIAG_RULES",
        "~/.config/apidiag/rules/",
        "curl -sS -v",
    ] {
        assert!(text.contains(part), "rendered man page lacks {part:?}");
    }
}
