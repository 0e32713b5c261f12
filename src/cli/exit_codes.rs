//! The process exit status: the one table `--help`, the man page and the README list,
//! and how a closed pipe bears on it. The library reports what a run found
//! ([`Outcome`]); only the binary turns that into a number.

use std::io;

use apidiag::report::Outcome;

/// How the process exits, like grep: 0 found, 1 nothing found, 2 trouble.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// At least one response was diagnosed (or a subcommand succeeded).
    Diagnosed,
    /// Nothing was diagnosed; for `rules check`, a rule is missing or noisy.
    Nothing,
    /// A usage error, an unreadable input or record, a broken rule file.
    Error,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Diagnosed => 0,
            ExitStatus::Nothing => 1,
            ExitStatus::Error => 2,
        }
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        Self::from(status.code())
    }
}

impl From<Outcome> for ExitStatus {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Unreadable => ExitStatus::Error,
            Outcome::Diagnosed => ExitStatus::Diagnosed,
            Outcome::Nothing => ExitStatus::Nothing,
        }
    }
}

/// Exit status, as `--help`, the man page and the README list it.
pub(super) const EXIT_CODES: &[(ExitStatus, &str)] = &[
    (
        ExitStatus::Diagnosed,
        "at least one response was diagnosed (or a subcommand succeeded)",
    ),
    (
        ExitStatus::Nothing,
        "nothing was diagnosed: only successes, or nothing recognisable; for `rules check`, a rule is missing or noisy",
    ),
    (
        ExitStatus::Error,
        "usage error, unreadable or oversize input, a broken rule file, an unknown rule id, or an unreadable record in a batch (the rest is still diagnosed); for `run`, a client that is not installed or is too old for the options apidiag adds (the one line on stderr names the version found and the one needed)",
    ),
];

/// What a closed pipe does to the run, after the exit status in `--help` and the man page.
pub(super) const CLOSED_PIPE: &str = "A closed pipe (apidiag ... | head) is not an error: apidiag stops reading and writing, and exits with the status of the responses it had read (1 if they were all successes, so `apidiag | grep -q` cannot turn a success into a finding).";

/// A closed pipe stops the output, not the verdict: the run exits with the status of
/// what it found so far (`apidiag … | grep -q` must not turn a success into a finding).
pub(super) fn despite_closed_pipe(
    written: anyhow::Result<()>,
    status: ExitStatus,
) -> anyhow::Result<ExitStatus> {
    match written {
        Err(e) if !is_broken_pipe(&e) => Err(e),
        _ => Ok(status),
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
