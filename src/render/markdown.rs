//! `--format markdown`: a snippet to paste into a support ticket. Secrets are already
//! masked in the diagnosis; here table cells are escaped.

use std::io::{self, Write};

use super::{request_line, retry_text, source_label, status_line};
use crate::diagnosis::Diagnosis;

fn cell(text: &str) -> String {
    crate::sanitize::sanitize(text).replace('|', "\\|")
}

/// One response as a ticket section.
pub fn single(d: &Diagnosis, out: &mut dyn Write) -> io::Result<()> {
    let title = d
        .title
        .as_deref()
        .unwrap_or("no rule recognises this response");
    writeln!(out, "### {} — {}\n", status_line(d), cell(title))?;
    writeln!(out, "| | |\n|---|---|")?;
    let conf = d.confidence.map(|c| format!("{c:?}").to_lowercase());
    let rows: [(&str, Option<String>); 6] = [
        ("API", d.api.as_deref().map(str::to_string)),
        (
            "Rule",
            d.rule
                .as_ref()
                .map(|r| format!("`{r}` ({})", conf.unwrap_or_default())),
        ),
        ("Request", request_line(d).map(|r| format!("`{r}`"))),
        (
            "Request id",
            d.request_id.as_ref().map(|r| format!("`{r}`")),
        ),
        ("Source", source_label(d)),
        ("Docs", d.docs.as_deref().map(str::to_string)),
    ];
    for (k, v) in rows {
        if let Some(v) = v {
            writeln!(out, "| {k} | {} |", cell(&v))?;
        }
    }
    if let Some(cause) = &d.cause {
        writeln!(out, "\n**Cause.** {}", cell(cause))?;
    }
    if !d.fields.is_empty() {
        writeln!(out, "\n**Fields.**")?;
        for f in &d.fields {
            writeln!(
                out,
                "- `{}`: {}",
                f.field.as_deref().unwrap_or("?"),
                cell(&f.problem)
            )?;
        }
    }
    if !d.fix.is_empty() {
        writeln!(out, "\n**Fix.**")?;
        for (i, step) in d.fix.iter().enumerate() {
            writeln!(out, "{}. {}", i + 1, cell(step))?;
        }
    }
    if let Some(r) = retry_text(d) {
        writeln!(out, "\n**Retry.** {}", cell(&r))?;
    }
    Ok(())
}

/// Header of the batch table.
pub fn table_header(out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "| Source | Request | Status | Rule | Cause | Fix |\n|---|---|---|---|---|---|"
    )
}

/// One row of the batch table.
pub fn table_row(d: &Diagnosis, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} |",
        cell(&source_label(d).unwrap_or_default()),
        cell(&request_line(d).unwrap_or_default()),
        status_line(d),
        d.rule
            .as_deref()
            .map_or(String::new(), |r| format!("`{r}`")),
        cell(d.cause.as_deref().unwrap_or("")),
        cell(d.fix.first().map_or("", |f| f.as_str())),
    )
}
