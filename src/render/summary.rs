//! The summary of a batch, for a terminal and for a ticket. `--format json --summary`
//! writes the [`Summary`] itself as one JSON object.

use std::io::{self, Write};

use super::human::{WIDTH, row};
use super::markdown as md;
use super::palette as p;
use crate::diagnosis::Source;
use crate::sanitize::sanitize;
use crate::summary::{Occurrence, Summary};

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `21 responses: 12 diagnosed, 1 warning, 6 unrecognised, 2 succeeded; 1 unreadable`
pub fn totals(s: &Summary) -> String {
    let mut text = format!(
        "{}: {} diagnosed, {}, {} unrecognised, {} succeeded",
        plural(s.responses, "response", "responses"),
        s.diagnosed,
        plural(s.warnings, "warning", "warnings"),
        s.unrecognised,
        s.succeeded,
    );
    if s.unreadable > 0 {
        text.push_str(&format!("; {} unreadable", s.unreadable));
    }
    text
}

fn source_text(s: Option<&Source>) -> String {
    match s {
        None => "standard input".into(),
        Some(s) => s.to_string(),
    }
}

/// `file entry 3, 2026-11-23T16:31:16.775Z: 403 hacktron/missing-write-scope`
pub fn occurrence(o: &Occurrence) -> String {
    let mut text = source_text(o.source.as_ref());
    if let Some(t) = &o.time {
        text.push_str(&format!(", {t}"));
    } else {
        text.push_str(&format!(", response #{}", o.order));
    }
    text.push_str(": ");
    text.push_str(&o.status.map_or("no status".to_owned(), |s| s.to_string()));
    text.push(' ');
    text.push_str(o.rule.as_deref().unwrap_or("(no rule)"));
    text
}

fn counts(map: &std::collections::BTreeMap<String, usize>) -> String {
    Summary::ranked(map)
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The human summary: totals, then per rule/API/status class, first and last, fixes.
pub fn human(s: &Summary, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", p::title("Summary"))?;
    row(out, "total", &totals(s))?;
    if !s.apis.is_empty() {
        row(out, "by API", &counts(&s.apis))?;
    }
    if !s.status_classes.is_empty() {
        row(out, "by status", &counts(&s.status_classes))?;
    }
    if let Some(f) = &s.first {
        row(out, "first", &occurrence(f))?;
    }
    if let Some(l) = &s.last {
        row(out, "last", &occurrence(l))?;
    }
    let fixes = s.fixes();
    for (i, (rule, t)) in fixes.iter().enumerate() {
        let label = if i == 0 { "by rule" } else { "" };
        writeln!(
            out,
            "{} {:>4}× {}  {}",
            p::label(&format!("{label:<WIDTH$}")),
            t.count,
            p::rule(rule),
            sanitize(t.title.as_deref().unwrap_or(""))
        )?;
    }
    if !fixes.is_empty() {
        writeln!(out, "{}", p::label("fixes to apply"))?;
        for (i, (rule, t)) in fixes.iter().enumerate() {
            writeln!(
                out,
                "  {} {} ({}×): {}",
                p::step(&format!("{}.", i + 1)),
                p::rule(rule),
                t.count,
                sanitize(t.fix.as_deref().unwrap_or("(no fix step)"))
            )?;
        }
    }
    if s.unrecognised > 0 {
        row(
            out,
            "note",
            &format!(
                "{} not explained by any rule: see them above, or run with --all",
                plural(s.unrecognised, "error response", "error responses")
            ),
        )?;
    }
    Ok(())
}

/// The summary as a ticket section.
pub fn markdown(s: &Summary, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### Summary\n")?;
    writeln!(out, "**{}.**\n", md::text(&totals(s)))?;
    if !s.apis.is_empty() {
        writeln!(out, "- **By API:** {}", md::text(&counts(&s.apis)))?;
    }
    if !s.status_classes.is_empty() {
        writeln!(
            out,
            "- **By status:** {}",
            md::text(&counts(&s.status_classes))
        )?;
    }
    if let Some(f) = &s.first {
        writeln!(out, "- **First:** {}", md::text(&occurrence(f)))?;
    }
    if let Some(l) = &s.last {
        writeln!(out, "- **Last:** {}", md::text(&occurrence(l)))?;
    }
    let fixes = s.fixes();
    if !fixes.is_empty() {
        writeln!(out, "\n**Fixes to apply**\n")?;
        writeln!(
            out,
            "| Count | Rule | API | What went wrong | First fix step |"
        )?;
        writeln!(out, "|---|---|---|---|---|")?;
        for (rule, t) in fixes {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                t.count,
                md::code(rule),
                md::text(t.api.as_deref().unwrap_or("")),
                md::text(t.title.as_deref().unwrap_or("")),
                md::text(t.fix.as_deref().unwrap_or("")),
            )?;
        }
    }
    Ok(())
}

/// `--format json --summary`: the summary as one JSON object on one line.
pub fn json(s: &Summary, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer(&mut *out, s)?;
    out.write_all(b"\n")
}
