//! One printer per output form. A [`Report`](crate::report::Report) counts and
//! decides what is due; its printer decides only how that looks.

use std::io::{self, Write};

use super::{human, json, markdown, summary};
use crate::diagnosis::Diagnosis;
use crate::rules::RuleSet;
use crate::summary::{Summary, is_problem};

/// `--format`: the one list of diagnosis output forms. The binary maps its command
/// line onto it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Json,
    Markdown,
}

impl OutputFormat {
    /// The printer for this form; `label_files` heads each single response with its
    /// file, for runs over several inputs.
    pub fn printer(self, rules: &RuleSet, label_files: bool) -> Box<dyn Printer + '_> {
        match self {
            Self::Human => Box::new(HumanPrinter {
                rules,
                label_files,
                gap: Gap::default(),
            }),
            Self::Json => Box::new(JsonPrinter::default()),
            Self::Markdown => Box::new(MarkdownPrinter::default()),
        }
    }
}

pub trait Printer {
    /// Whether `d` is printed: a record of a batch only when it is a problem, so a
    /// log's successes do not bury its failures.
    fn shows(&self, d: &Diagnosis, batch_record: bool) -> bool {
        !batch_record || is_problem(d)
    }

    /// Whether a batch ends with a summary even without `--summary`.
    fn sums_up_batches(&self) -> bool {
        true
    }

    fn diagnosis(&mut self, d: &Diagnosis, batch_record: bool, w: &mut dyn Write)
    -> io::Result<()>;

    fn summary(&mut self, s: &Summary, w: &mut dyn Write) -> io::Result<()>;
}

/// The blank line between blocks of text: none before the first.
#[derive(Default)]
struct Gap {
    started: bool,
}

impl Gap {
    /// Before a block that starts something new.
    fn open(&mut self, w: &mut dyn Write) -> io::Result<()> {
        self.close(w)?;
        self.started = true;
        Ok(())
    }

    /// Before the summary, the last block.
    fn close(&self, w: &mut dyn Write) -> io::Result<()> {
        if self.started {
            writeln!(w)?;
        }
        Ok(())
    }
}

pub struct HumanPrinter<'r> {
    /// For the API's title beside its name.
    rules: &'r RuleSet,
    label_files: bool,
    gap: Gap,
}

impl HumanPrinter<'_> {
    fn api_title(&self, name: &str) -> String {
        self.rules
            .apis()
            .iter()
            .find(|a| a.name == name)
            .map_or(name.to_owned(), |a| format!("{} ({})", a.name, a.title))
    }
}

impl Printer for HumanPrinter<'_> {
    fn diagnosis(
        &mut self,
        d: &Diagnosis,
        batch_record: bool,
        w: &mut dyn Write,
    ) -> io::Result<()> {
        self.gap.open(w)?;
        if batch_record {
            human::compact(d, w)
        } else {
            human::full(d, &|name| self.api_title(name), self.label_files, w)
        }
    }

    fn summary(&mut self, s: &Summary, w: &mut dyn Write) -> io::Result<()> {
        self.gap.close(w)?;
        summary::human(s, w)
    }
}

/// A batch's records share one table, until a single response breaks it.
#[derive(Default)]
pub struct MarkdownPrinter {
    gap: Gap,
    table_open: bool,
}

impl Printer for MarkdownPrinter {
    fn diagnosis(
        &mut self,
        d: &Diagnosis,
        batch_record: bool,
        w: &mut dyn Write,
    ) -> io::Result<()> {
        if !batch_record {
            self.gap.open(w)?;
            self.table_open = false;
            return markdown::single(d, w);
        }
        if !self.table_open {
            self.gap.open(w)?;
            markdown::table_header(w)?;
            self.table_open = true;
        }
        markdown::table_row(d, w)
    }

    fn summary(&mut self, s: &Summary, w: &mut dyn Write) -> io::Result<()> {
        self.gap.close(w)?;
        summary::markdown(s, w)
    }
}

/// A line per response, every record included: a program reading it filters itself.
/// The summary is printed only when asked for, and then alone.
#[derive(Default)]
pub struct JsonPrinter {
    /// Kept between responses, so a line is built without allocating.
    line: Vec<u8>,
}

impl Printer for JsonPrinter {
    fn shows(&self, _: &Diagnosis, _: bool) -> bool {
        true
    }

    fn sums_up_batches(&self) -> bool {
        false
    }

    fn diagnosis(&mut self, d: &Diagnosis, _: bool, w: &mut dyn Write) -> io::Result<()> {
        self.line.clear();
        json::line_into(d, &mut self.line);
        w.write_all(&self.line)
    }

    fn summary(&mut self, s: &Summary, w: &mut dyn Write) -> io::Result<()> {
        summary::json(s, w)
    }
}
