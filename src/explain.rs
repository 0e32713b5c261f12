//! `apidiag explain`: the long form of a rule (like `rustc --explain`), or what a status
//! code means in general and for each API.

use std::io::{self, Write};

use crate::render::palette as p;
use crate::rules::compile::StatusSet;
use crate::rules::{Entry, RuleSet};
use crate::status::reason_phrase;
use crate::template;

/// What `explain` was asked about.
pub enum Topic<'a> {
    Rule(&'a Entry),
    Status(u16),
}

/// Resolve `topic` to a rule id or a status; an unknown id is an error naming near matches.
pub fn resolve<'a>(rules: &'a RuleSet, topic: &str) -> Result<Topic<'a>, String> {
    if let Ok(code) = topic.parse::<u16>() {
        return if (100..=599).contains(&code) {
            Ok(Topic::Status(code))
        } else {
            Err(format!("{code} is not an HTTP status (100–599)"))
        };
    }
    if let Some(entry) = rules.get(topic) {
        return Ok(Topic::Rule(entry));
    }
    let mut near: Vec<(f64, &str)> = rules
        .entries()
        .iter()
        .map(|e| (similarity(topic, &e.rule.id), e.rule.id.as_str()))
        .filter(|(s, _)| *s > 0.6)
        .collect();
    near.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let hint = match near.iter().take(5).map(|(_, id)| *id).collect::<Vec<_>>() {
        v if v.is_empty() => "run `apidiag rules list` to see every id".to_string(),
        v => format!("did you mean {}?", v.join(", ")),
    };
    Err(format!("unknown rule id {topic:?}; {hint}"))
}

fn similarity(topic: &str, id: &str) -> f64 {
    let topic = topic.to_ascii_lowercase();
    let slug = id.split_once('/').map_or(id, |(_, s)| s);
    if id.contains(&topic) {
        return 1.0;
    }
    strsim::jaro_winkler(&topic, id).max(strsim::jaro_winkler(&topic, slug))
}

/// The long form of one rule.
pub fn rule(rules: &RuleSet, entry: &Entry, out: &mut dyn Write) -> io::Result<()> {
    let r = &entry.rule;
    let pack = rules.pack(entry.pack);
    writeln!(out, "{}  {}", p::rule(&r.id), p::title(&outline(&r.title)))?;
    writeln!(
        out,
        "api:        {} ({})",
        rules.apis()[entry.api].name,
        rules.apis()[entry.api].title
    )?;
    writeln!(
        out,
        "confidence: {}",
        format!("{:?}", r.confidence).to_lowercase()
    )?;
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
    if let Some(ex) = r.examples.must_match.first() {
        writeln!(out, "\n{}", p::title("Example response"))?;
        let status = ex.status.map_or("(status not shown)".to_string(), |s| {
            format!("HTTP {s} {}", reason_phrase(s).unwrap_or(""))
        });
        writeln!(out, "  {}", status.trim_end())?;
        if let Some(body) = &ex.body {
            let text = body
                .as_str()
                .map_or_else(|| body.to_string(), str::to_string);
            writeln!(out, "  {text}")?;
        }
    }
    if let Some(docs) = r.docs.as_ref().or(pack.docs.as_ref()) {
        writeln!(out, "\ndocs: {docs}")?;
    }
    let retry = r.retry.iter().map(|x| x.advice.as_str());
    let texts = [r.title.as_str(), r.cause.as_str()].into_iter();
    footnote(
        texts.chain(r.fix.iter().map(String::as_str)).chain(retry),
        out,
    )
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
pub fn status(
    rules: &RuleSet,
    code: u16,
    api: Option<&str>,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        p::title(&format!(
            "{code} {}",
            reason_phrase(code).unwrap_or("(unregistered status)")
        ))
    )?;
    let applies = |e: &&Entry| {
        e.rule
            .when
            .status
            .as_ref()
            .and_then(|s| StatusSet::from_spec(s).ok())
            .is_some_and(|s| s.contains(code))
    };
    let generic: Vec<&Entry> = rules
        .entries()
        .iter()
        .filter(|e| rules.is_generic(e.api))
        .filter(applies)
        .collect();
    let general = generic
        .iter()
        .find(|e| e.rule.when.body.is_empty() && e.rule.when.headers.is_empty())
        .or(generic.first());
    if let Some(g) = general {
        writeln!(out, "\n{}", outline(&g.rule.cause))?;
    }
    let vendor: Vec<&Entry> = rules
        .entries()
        .iter()
        .filter(|e| !rules.is_generic(e.api))
        .filter(|e| api.is_none_or(|a| rules.apis()[e.api].name.eq_ignore_ascii_case(a)))
        .filter(applies)
        .collect();
    let mut current = None;
    for e in &vendor {
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
