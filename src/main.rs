//! The `apidiag` binary: wires the command line to the library.

mod app;
mod cli;

use std::process::ExitCode;

use clap::CommandFactory;

fn main() -> ExitCode {
    clap_complete::CompleteEnv::with_factory(cli::Cli::command).complete();
    match app::run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("apidiag: error: {err:#}");
            ExitCode::from(app::EXIT_ERROR)
        }
    }
}
