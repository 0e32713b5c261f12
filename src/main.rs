//! The `apidiag` binary: wires the command line to the library.

mod app;
mod cli;
mod complete;
mod man;

use std::process::ExitCode;

fn main() -> ExitCode {
    // `COMPLETE=<shell> apidiag …` is the shell asking for completions: answer and exit.
    complete::complete_if_asked();
    match app::run() {
        Ok(code) => code,
        Err(err) => {
            // Errors name files and quote rule files: masked and sanitised like server text.
            eprintln!(
                "apidiag: error: {}",
                app::shown_error(format_args!("{err:#}"))
            );
            ExitCode::from(app::EXIT_ERROR)
        }
    }
}
