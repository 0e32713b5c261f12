//! The human form: a labelled block per response, read top to bottom in a second.
//! All text that came from the server is sanitised before it reaches the terminal.

use std::io::{self, Write};

use super::{
    challenge_line, codes_line, own_links, palette as p, rate_limit_line, request_line, retry_text,
    says, source_label, status_line,
};
use crate::diagnosis::{Confidence, Diagnosis, Outcome};
use crate::limit::one_line;
use crate::sanitize::sanitize;

pub(super) const WIDTH: usize = 9;

/// One labelled line; the text is sanitised.
pub(super) fn row(out: &mut dyn Write, label: &str, text: &str) -> io::Result<()> {
    writeln!(
        out,
        "{} {}",
        p::label(&format!("{label:<WIDTH$}")),
        sanitize(text)
    )
}

/// The full form, for a single response.
pub fn full(
    d: &Diagnosis,
    apis: &dyn Fn(&str) -> String,
    label_source: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    if let Some(src) = source_label(d).filter(|_| label_source) {
        writeln!(out, "{}", p::label(&format!("── {src}")))?;
    }
    let status = status_line(d);
    let headline = match (&d.title, d.outcome) {
        (Some(t), _) => format!("{}  {}", p::status(d, &status), p::title(&sanitize(t))),
        (None, Outcome::Success) => format!(
            "{}  {}",
            p::status(d, &status),
            "the request succeeded; nothing to diagnose"
        ),
        (None, _) => format!(
            "{}  {}",
            p::status(d, &status),
            "no rule recognises this response"
        ),
    };
    writeln!(out, "{headline}")?;
    match &d.api {
        Some(api) => row(out, "api", &apis(api))?,
        None if d.outcome != Outcome::Success => {
            row(out, "api", "none recognised (generic HTTP rules)")?;
        }
        None => {}
    }
    if let Some(error) = &d.error {
        row(out, "error", error)?;
    }
    if let Some(rule) = &d.rule {
        let conf = d.confidence.map_or("", Confidence::as_str);
        writeln!(
            out,
            "{} {} ({conf})",
            p::label(&format!("{:<WIDTH$}", "rule")),
            p::rule(rule)
        )?;
    }
    if let Some(m) = says(d) {
        row(out, "says", &format!("“{m}”"))?;
    }
    if let Some(codes) = codes_line(d) {
        row(out, "codes", &codes)?;
    }
    if let Some(cause) = &d.cause {
        row(out, "cause", cause)?;
    }
    for f in &d.fields {
        let field = f
            .field
            .as_deref()
            .map_or(String::new(), |f| format!("{f}: "));
        row(out, "field", &format!("{field}{}", f.problem))?;
    }
    if let Some(n) = d.fields_omitted {
        row(out, "", &format!("… and {n} more"))?;
    }
    fix_steps(d, out)?;
    if let Some(r) = retry_text(d) {
        row(out, "retry", &r)?;
    }
    if let Some(limit) = rate_limit_line(d) {
        row(out, "limit", &limit)?;
    }
    if let Some(challenge) = challenge_line(d) {
        row(out, "auth", &challenge)?;
    }
    if let Some(id) = &d.request_id {
        row(out, "support", &format!("quote {id}"))?;
    }
    if let Some(req) = request_line(d) {
        row(out, "request", &req)?;
    }
    if let Some(docs) = &d.docs {
        row(out, "docs", docs)?;
    }
    for (i, link) in own_links(d).enumerate() {
        row(out, if i == 0 { "see" } else { "" }, link)?;
    }
    for (i, m) in d.matches.iter().flatten().enumerate() {
        let label = if i == 0 { "matches" } else { "" };
        let conditions = format!(
            "{} condition{}",
            m.conditions,
            if m.conditions == 1 { "" } else { "s" }
        );
        let line = format!(
            "{}. {} ({conditions}, priority {}): {}",
            i + 1,
            m.rule,
            m.priority,
            m.why.join("; ")
        );
        row(out, label, &line)?;
    }
    for n in &d.notes {
        writeln!(
            out,
            "{} {}",
            p::label(&format!("{:<WIDTH$}", "note")),
            p::warning(&sanitize(n))
        )?;
    }
    Ok(())
}

fn fix_steps(d: &Diagnosis, out: &mut dyn Write) -> io::Result<()> {
    for (i, step) in d.fix.iter().enumerate() {
        let label = if i == 0 { "fix" } else { "" };
        let n = p::step(&format!("{}.", i + 1));
        writeln!(
            out,
            "{} {n} {}",
            p::label(&format!("{label:<WIDTH$}")),
            sanitize(step)
        )?;
    }
    Ok(())
}

/// The compact form, one short block per response of a batch: where it came from, the
/// request (secrets masked) and status, the rule, then the cause and the first fix step
/// on one line each.
pub fn compact(d: &Diagnosis, out: &mut dyn Write) -> io::Result<()> {
    let src = source_label(d).map_or(String::new(), |s| {
        format!("{} ", p::label(&format!("[{s}]")))
    });
    let req = request_line(d).map_or(String::new(), |r| format!("{} → ", sanitize(&r)));
    writeln!(out, "{src}{req}{}", p::status(d, &status_line(d)))?;
    match (&d.rule, &d.title) {
        (Some(rule), Some(title)) => writeln!(out, "  {}  {}", p::rule(rule), sanitize(title))?,
        _ if d.outcome == Outcome::Success => writeln!(out, "  succeeded")?,
        _ => writeln!(out, "  no rule recognises this response")?,
    }
    if let Some(error) = &d.error {
        writeln!(
            out,
            "  {} {}",
            p::label("error"),
            sanitize(&one_line(error, 200))
        )?;
    }
    for (label, text) in [
        ("says", says(d).map(|m| format!("“{m}”"))),
        ("codes", codes_line(d)),
    ] {
        if let Some(text) = text {
            writeln!(
                out,
                "  {} {}",
                p::label(label),
                sanitize(&one_line(&text, 200))
            )?;
        }
    }
    if let Some(cause) = &d.cause {
        writeln!(
            out,
            "  {} {}",
            p::label("cause"),
            sanitize(&one_line(cause, 200))
        )?;
    }
    if let Some(first) = d.fix.first() {
        let more = match (d.fix.len(), &d.rule) {
            (n, Some(rule)) if n > 1 => format!(" (+{} more: apidiag explain {rule})", n - 1),
            _ => String::new(),
        };
        writeln!(
            out,
            "  {}   {}{more}",
            p::label("fix"),
            sanitize(&one_line(first, usize::MAX))
        )?;
    }
    if let Some(note) = d.notes.first() {
        let more = if d.notes.len() > 1 {
            format!(" (+{} more)", d.notes.len() - 1)
        } else {
            String::new()
        };
        writeln!(
            out,
            "  {}  {}{more}",
            p::label("note"),
            p::warning(&sanitize(&one_line(note, 200)))
        )?;
    }
    Ok(())
}
