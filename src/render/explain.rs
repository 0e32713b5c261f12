//! The text of `apidiag explain`: a rule's long form, or a status and the rules that
//! answer it.

use std::io::{self, Write};

use super::palette as p;
use crate::explain::StatusRules;
use crate::rules::model::{Example, Rule};
use crate::rules::{Entry, RuleSet};
use crate::status::reason_phrase;
use crate::template;

/// The long form of one rule.
pub fn rule(rules: &RuleSet, entry: &Entry, out: &mut dyn Write) -> io::Result<()> {
    let r = &*entry.rule;
    let api = &rules.apis()[entry.api];
    writeln!(out, "{}  {}", p::rule(&r.id), p::title(&outline(&r.title)))?;
    writeln!(out, "api:        {} ({})", api.name, api.title)?;
    writeln!(out, "confidence: {}", r.confidence.as_str())?;
    if let Some(status) = &r.when.status {
        writeln!(
            out,
            "status:     {}",
            serde_json::to_string(status).unwrap_or_default()
        )?;
    }
    if let Some(doc) = &r.documented {
        writeln!(out, "documented: {doc:?}")?;
    }
    advice(r, out)?;
    if let Some(ex) = r.examples.must_match.first() {
        example(ex, out)?;
    }
    if let Some(docs) = r.docs.as_ref().or(rules.pack(entry.pack).docs.as_ref()) {
        writeln!(out, "\ndocs: {docs}")?;
    }
    let retry = r.retry.iter().map(|x| x.advice.as_str());
    let texts = [r.title.as_str(), r.cause.as_str()].into_iter();
    footnote(
        texts.chain(r.fix.iter().map(String::as_str)).chain(retry),
        out,
    )
}

/// Cause, fix steps, retry advice and background, each under its title.
fn advice(r: &Rule, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "\n{}\n  {}", p::title("Cause"), outline(&r.cause))?;
    writeln!(out, "\n{}", p::title("Fix"))?;
    for (i, step) in r.fix.iter().enumerate() {
        writeln!(out, "  {}. {}", i + 1, outline(step))?;
    }
    if let Some(retry) = &r.retry {
        let when = if retry.retryable {
            "retryable"
        } else {
            "not retryable as is"
        };
        writeln!(
            out,
            "\n{}\n  {when}: {}",
            p::title("Retry"),
            outline(&retry.advice)
        )?;
    }
    if let Some(text) = &r.explain {
        writeln!(out, "\n{}\n  {}", p::title("Background"), text)?;
    }
    Ok(())
}

/// A response the rule must match: its status line and body.
fn example(ex: &Example, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "\n{}", p::title("Example response"))?;
    let status = ex.status.map_or("(status not shown)".to_owned(), |s| {
        format!("HTTP {s} {}", reason_phrase(s).unwrap_or(""))
    });
    writeln!(out, "  {}", status.trim_end())?;
    if let Some(body) = &ex.body {
        let text = body
            .as_str()
            .map_or_else(|| body.to_string(), str::to_owned);
        writeln!(out, "  {text}")?;
    }
    Ok(())
}

/// A rule's text as `explain` shows it, for a rule and for a status alike: there is no
/// response, so placeholders and conditional sections are shown, not filled.
fn outline(text: &str) -> String {
    template::Template::parse(text).outline()
}

/// How to read `<name>` and `[if …]`, when any of `texts` uses them.
fn footnote<'t>(mut texts: impl Iterator<Item = &'t str>, out: &mut dyn Write) -> io::Result<()> {
    if texts.any(|t| !template::Template::parse(t).is_plain()) {
        writeln!(
            out,
            "\n<name> marks a value apidiag takes from the response when it diagnoses one;\n\
             [if <name>: …] and [if no <name>: …] show text used only when the response has,\n\
             or has not, that value."
        )?;
    }
    Ok(())
}

/// What a status means in general and every rule that can answer it.
pub fn status(rules: &RuleSet, found: &StatusRules, out: &mut dyn Write) -> io::Result<()> {
    let StatusRules {
        code,
        general,
        vendor,
        api,
    } = found;
    writeln!(
        out,
        "{}",
        p::title(&format!(
            "{code} {}",
            reason_phrase(*code).unwrap_or("(unregistered status)")
        ))
    )?;
    if let Some(g) = general {
        writeln!(out, "\n{}", outline(&g.rule.cause))?;
    }
    vendor_rules(rules, vendor, out)?;
    if vendor.is_empty() {
        writeln!(
            out,
            "\nNo vendor rule is specific to {code}{}.",
            api.map_or(String::new(), |a| format!(" for {a}"))
        )?;
    }
    writeln!(out, "\nRun `apidiag explain RULE_ID` for any of them.")?;
    let titles = vendor.iter().map(|e| e.rule.title.as_str());
    footnote(
        general
            .map(|g| g.rule.cause.as_str())
            .into_iter()
            .chain(titles),
        out,
    )
}

/// Each rule's id and title, under its API's title.
fn vendor_rules(rules: &RuleSet, vendor: &[&Entry], out: &mut dyn Write) -> io::Result<()> {
    let mut current = None;
    for e in vendor {
        if current != Some(e.api) {
            current = Some(e.api);
            writeln!(out, "\n{}", p::title(&rules.apis()[e.api].title))?;
        }
        writeln!(
            out,
            "  {:<44} {}",
            p::rule(&e.rule.id),
            outline(&e.rule.title)
        )?;
    }
    Ok(())
}
