//! The text of `apidiag rules list` and `apidiag rules check`: a line per rule, for
//! a person or as JSON.

use std::io::{self, Write};

use crate::rules::check::RuleReport;
use crate::rules::{Entry, RuleSet};
use crate::sanitize::sanitize;

/// `id   title`, a line per rule.
pub fn list_human(entries: &[&Entry], w: &mut dyn Write) -> io::Result<()> {
    for e in entries {
        writeln!(w, "{:<48} {}", e.rule.id, e.rule.title)?;
    }
    Ok(())
}

/// A JSON object per rule; `docs` falls back to its pack's.
pub fn list_json(rules: &RuleSet, entries: &[&Entry], w: &mut dyn Write) -> io::Result<()> {
    for e in entries {
        let r = &e.rule;
        let row = serde_json::json!({
            "id": r.id, "api": rules.apis()[e.api].name, "title": r.title,
            "confidence": r.confidence, "documented": r.documented,
            "docs": r.docs.as_ref().or(rules.pack(e.pack).docs.as_ref()),
        });
        writeln!(w, "{row}")?;
    }
    Ok(())
}

/// A verdict per rule with its problems below, then the totals; `bad` rules are not
/// validated. File names and problems can quote the files, so they are sanitised.
pub fn checks_human(reports: &[RuleReport], bad: usize, w: &mut dyn Write) -> io::Result<()> {
    for r in reports {
        writeln!(w, "{:<10} {}", r.verdict.as_str(), r.rule)?;
        for p in &r.problems {
            writeln!(w, "           {}: {}", sanitize(&r.file), sanitize(p))?;
        }
    }
    writeln!(
        w,
        "{} rules: {} validated, {bad} with problems",
        reports.len(),
        reports.len() - bad
    )
}

/// A JSON object per rule.
pub fn checks_json(reports: &[RuleReport], w: &mut dyn Write) -> io::Result<()> {
    for r in reports {
        writeln!(w, "{}", serde_json::to_string(r)?)?;
    }
    Ok(())
}
