//! `apidiag merge`: summaries of the shards of a log, one JSON object per line, merged
//! in the order read into the summary of the whole log.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};

use anyhow::{Context, Result, anyhow, bail};
use apidiag::diagnosis::shown;
use apidiag::render::{OutputFormat, summary as print};
use apidiag::summary::Summary;

/// Merge every summary of `files` (`-` is standard input) and print the result.
pub(super) fn run(files: &[String], format: OutputFormat, w: &mut dyn Write) -> Result<()> {
    let mut merged = Summary::new();
    for name in files {
        let reader: Box<dyn BufRead> = if name == "-" {
            Box::new(io::stdin().lock())
        } else {
            let file = File::open(name).with_context(|| name.clone())?;
            Box::new(BufReader::new(file))
        };
        merge_input(&mut merged, name, reader)?;
    }
    match format {
        OutputFormat::Human => print::human(&merged, w)?,
        OutputFormat::Markdown => print::markdown(&merged, w)?,
        OutputFormat::Json => print::json(&merged, w)?,
    }
    Ok(())
}

/// Merge each line's summary of one input; an input without any is refused, as it is
/// most likely not the file meant.
fn merge_input(merged: &mut Summary, name: &str, reader: Box<dyn BufRead>) -> Result<()> {
    let shown = shown(name);
    let mut found = 0usize;
    for (number, line) in (1..).zip(reader.lines()) {
        let line = line.map_err(|e| anyhow!("{shown}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let summary = Summary::from_json(&line).map_err(|e| {
            anyhow!("{shown}:{number}: not a summary of `apidiag --summary --format json`: {e}")
        })?;
        merged.merge(summary);
        found += 1;
    }
    if found == 0 {
        bail!(
            "{shown}: no summary in it (expected the output of `apidiag --summary --format json`)"
        );
    }
    Ok(())
}
