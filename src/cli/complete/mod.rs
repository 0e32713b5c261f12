//! Shell completion: answering `TAB` and the registration scripts `apidiag completions
//! SHELL` prints. The values offered for rule ids, API names and statuses are in
//! `candidates`; what each shell's script adds to clap_complete's is in `bash`, `zsh`
//! and `fish`.
//!
//! Completion runs through clap_complete's `CompleteEnv`: the shell calls
//! `COMPLETE=<shell> apidiag -- <words>` and the binary answers from the one clap
//! definition. The registration scripts name the binary `apidiag` (found on `PATH`), never
//! the path of the build that printed them, so the committed files under `completions/`
//! are the same on every machine.
//!
//! After `apidiag run … --` the words are another program's command line (`curl -sS …`),
//! which apidiag's clap definition knows nothing about: bash, zsh and fish hand those
//! words to the shell's own completion for that program instead.

mod bash;
mod fish;
mod zsh;

use std::io;

use clap::CommandFactory;
use clap_complete::env::{Bash, CompleteEnv, Elvish, EnvCompleter, Fish, Powershell, Shells, Zsh};

use super::args::{Cli, Shell};

/// The command the scripts complete and call back; looked up on `PATH`.
pub(super) const BIN: &str = "apidiag";
/// The variable that asks the binary for completions instead of a run.
pub(super) const VAR: &str = "COMPLETE";

/// The shells `COMPLETE=<shell>` understands; the wrapped adapters say why they are.
const SHELLS: Shells<'static> = Shells(&[
    &Edited {
        inner: Bash,
        script: bash::script,
        word: bash::unquote,
    },
    &Elvish,
    &Edited {
        inner: Fish,
        script: fish::script,
        word: str::to_owned,
    },
    &Powershell,
    &Edited {
        inner: Zsh,
        script: zsh::script,
        word: str::to_owned,
    },
]);

/// A clap_complete shell adapter whose registration script is edited (`script` gets
/// the script, the command's name and the binary's) and whose words are read through
/// `word` before clap sees them.
struct Edited<C> {
    inner: C,
    script: fn(&str, &str, &str) -> String,
    word: fn(&str) -> String,
}

impl<C: EnvCompleter> EnvCompleter for Edited<C> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn is(&self, name: &str) -> bool {
        self.inner.is(name)
    }

    fn write_registration(
        &self,
        var: &str,
        name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn io::Write,
    ) -> io::Result<()> {
        let mut script = Vec::new();
        self.inner
            .write_registration(var, name, bin, completer, &mut script)?;
        let script = String::from_utf8_lossy(&script);
        buf.write_all((self.script)(&script, name, bin).as_bytes())
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<std::ffi::OsString>,
        current_dir: Option<&std::path::Path>,
        buf: &mut dyn io::Write,
    ) -> io::Result<()> {
        let args = args.into_iter().map(|a| match a.to_str() {
            Some(word) => (self.word)(word).into(),
            None => a,
        });
        self.inner
            .write_complete(cmd, args.collect(), current_dir, buf)
    }
}

/// Answer a completion request (`COMPLETE=<shell> apidiag …`) and exit, or return for a
/// normal run. Called first thing in `main`.
pub(crate) fn complete_if_asked() {
    CompleteEnv::with_factory(Cli::command)
        .var(VAR)
        .bin(BIN)
        .completer(BIN)
        .shells(SHELLS)
        .complete();
}

/// Write the registration script for `shell`: the same text `COMPLETE=<shell> apidiag`
/// prints and `completions/` holds.
pub(super) fn registration(shell: Shell, w: &mut dyn io::Write) -> io::Result<()> {
    let name = match shell {
        Shell::Bash => "bash",
        Shell::Zsh => "zsh",
        Shell::Fish => "fish",
        Shell::Elvish => "elvish",
        Shell::Powershell => "powershell",
    };
    let completer = SHELLS.completer(name).expect("every Shell has a completer");
    completer.write_registration(VAR, Cli::command().get_name(), BIN, BIN, w)
}

/// Insert `text` right after `anchor` in a script clap_complete generated. Its text is
/// pinned (`=` in Cargo.toml), so a missing anchor means the pin moved: the debug check
/// (run by the drift test) says so rather than shipping a script without the addition.
fn insert_after(script: &str, anchor: &str, text: &str) -> String {
    debug_assert!(
        script.contains(anchor),
        "clap_complete's script no longer contains {anchor:?}"
    );
    script.replacen(anchor, &format!("{anchor}{text}"), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_registers_apidiag_by_name() {
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::Elvish,
            Shell::Powershell,
        ] {
            let mut buf = Vec::new();
            registration(shell, &mut buf).unwrap();
            let text = String::from_utf8(buf).unwrap();
            assert!(text.contains("apidiag"), "{shell:?}");
            assert!(!text.contains(env!("CARGO_MANIFEST_DIR")), "{shell:?}");
        }
    }
}
