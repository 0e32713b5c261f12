//! The few colours apidiag uses, by meaning. Whether to colour at all is decided once
//! by the binary (`colored::control::set_override`).

use colored::{ColoredString, Colorize};

use crate::diagnosis::{Diagnosis, Outcome};

pub fn status(d: &Diagnosis, text: &str) -> ColoredString {
    match d.outcome {
        Outcome::Success => text.green().bold(),
        Outcome::Warning => text.yellow().bold(),
        _ => text.red().bold(),
    }
}

pub fn label(text: &str) -> ColoredString {
    text.dimmed()
}

pub fn rule(text: &str) -> ColoredString {
    text.cyan()
}

pub fn title(text: &str) -> ColoredString {
    text.bold()
}

pub fn step(text: &str) -> ColoredString {
    text.green().bold()
}

pub fn warning(text: &str) -> ColoredString {
    text.yellow()
}
