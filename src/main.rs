//! The `apidiag` binary: wires the command line to the library.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    // `COMPLETE=<shell> apidiag …` is the shell asking for completions: answer and exit.
    cli::complete_if_asked();
    match cli::run() {
        Ok(status) => status.into(),
        Err(err) => {
            // Errors name files and quote rule files: masked and sanitised like server text.
            eprintln!(
                "apidiag: error: {}",
                cli::shown_error(format_args!("{err:#}"))
            );
            cli::ExitStatus::Error.into()
        }
    }
}
