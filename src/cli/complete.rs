//! Shell completion: answering `TAB` and the registration scripts `apidiag completions
//! SHELL` prints. The values offered for rule ids, API names and statuses are in
//! `candidates`.
//!
//! Completion runs through clap_complete's `CompleteEnv`: the shell calls
//! `COMPLETE=<shell> apidiag -- <words>` and the binary answers from the one clap
//! definition. The registration scripts name the binary `apidiag` (found on `PATH`), never
//! the path of the build that printed them, so the committed files under `completions/`
//! are the same on every machine.

use std::io;

use clap::CommandFactory;
use clap_complete::env::{Bash, CompleteEnv, Elvish, EnvCompleter, Fish, Powershell, Shells};

use super::args::{Cli, Shell};

/// The command the scripts complete and call back; looked up on `PATH`.
pub(super) const BIN: &str = "apidiag";
/// The variable that asks the binary for completions instead of a run.
pub(super) const VAR: &str = "COMPLETE";

/// The shells `COMPLETE=<shell>` understands. Zsh's adapter is wrapped so that the script
/// also works when autoloaded from `$fpath` as `_apidiag`, bash's so that file names
/// with spaces or quotes complete quoted.
const SHELLS: Shells<'static> = Shells(&[&BashQuoting, &Elvish, &Fish, &Powershell, &ZshFpath]);

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

/// clap_complete's zsh adapter, plus the two lines that make its script work as an
/// autoloaded `_apidiag` in `$fpath`. The script defines a function and `compdef`s it,
/// which is all that `source <(COMPLETE=zsh apidiag)` needs; autoloaded, the file's body
/// runs on the first `TAB` as `_apidiag`, and without the tail that first `TAB` would
/// only register the function and offer nothing.
struct ZshFpath;

impl EnvCompleter for ZshFpath {
    fn name(&self) -> &'static str {
        clap_complete::env::Zsh.name()
    }

    fn is(&self, name: &str) -> bool {
        clap_complete::env::Zsh.is(name)
    }

    fn write_registration(
        &self,
        var: &str,
        name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn io::Write,
    ) -> io::Result<()> {
        clap_complete::env::Zsh.write_registration(var, name, bin, completer, buf)?;
        let function = name.replace('-', "_");
        writeln!(
            buf,
            "\n# Autoloaded from $fpath as _{function}: complete this first TAB too.\n\
             if [[ \"${{funcstack[1]}}\" == \"_{function}\" ]]; then\n    \
             _clap_dynamic_completer_{function} \"$@\"\n\
             fi"
        )
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<std::ffi::OsString>,
        current_dir: Option<&std::path::Path>,
        buf: &mut dyn io::Write,
    ) -> io::Result<()> {
        clap_complete::env::Zsh.write_complete(cmd, args, current_dir, buf)
    }
}

/// clap_complete's bash adapter, made to quote file names. Bash hands the completer the
/// word as typed (`my\ f`) and inserts what comes back as is (`my file.txt`, two words);
/// `-o filenames` makes readline quote what it inserts (escaped, or inside the quote the
/// user opened), and the words are unquoted here before clap compares them with names.
struct BashQuoting;

impl EnvCompleter for BashQuoting {
    fn name(&self) -> &'static str {
        Bash.name()
    }

    fn is(&self, name: &str) -> bool {
        Bash.is(name)
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
        Bash.write_registration(var, name, bin, completer, &mut script)?;
        let script = String::from_utf8_lossy(&script);
        let quoting = script.replace("complete -o nospace", "complete -o filenames -o nospace");
        debug_assert_ne!(quoting, script, "clap_complete's bash script changed");
        // After `run … --` the words are the client's: bash-completion's _command_offset
        // completes them as that command line (when bash-completion is loaded).
        let function = format!("_clap_complete_{}() {{\n", name.replace('-', "_"));
        let delegating = quoting.replacen(&function, &format!("{function}{BASH_RUN}"), 1);
        debug_assert_ne!(delegating, quoting, "clap_complete's bash function changed");
        buf.write_all(delegating.as_bytes())
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<std::ffi::OsString>,
        current_dir: Option<&std::path::Path>,
        buf: &mut dyn io::Write,
    ) -> io::Result<()> {
        let args = args.into_iter().map(|a| match a.to_str() {
            Some(word) => unquote(word).into(),
            None => a,
        });
        Bash.write_complete(cmd, args.collect(), current_dir, buf)
    }
}

/// The start of the bash completion function: the words after `run … --` are completed
/// as their own command line, by bash-completion's `_command_offset` when it is loaded.
const BASH_RUN: &str = r#"    local _apidiag_i _apidiag_run=
    for (( _apidiag_i = 1; _apidiag_i < COMP_CWORD; _apidiag_i++ )); do
        case ${COMP_WORDS[_apidiag_i]} in
            run) _apidiag_run=1 ;;
            --) if [[ -n $_apidiag_run ]] && declare -F _command_offset > /dev/null; then
                    _command_offset $(( _apidiag_i + 1 ))
                    return
                fi
                break ;;
        esac
    done
"#;

/// A word as bash would read it, without its quotes and backslashes (an open quote
/// runs to the end: the word is still being typed).
fn unquote(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars();
    let mut quote = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'') | (None, '"') => quote = Some(c),
            (None, '\\') => out.extend(chars.next()),
            // Inside double quotes a backslash escapes only these.
            (Some('"'), '\\') => match chars.next() {
                Some(n @ ('$' | '`' | '"' | '\\')) => out.push(n),
                next => out.extend(std::iter::once('\\').chain(next)),
            },
            (_, c) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_lose_the_quoting_bash_reads_away() {
        for (typed, meant) in [
            (r"my\ f", "my f"),
            ("'my f", "my f"),
            (r#""it's \"x\" \a"#, r#"it's "x" \a"#),
            (r"plain", "plain"),
        ] {
            assert_eq!(unquote(typed), meant, "{typed}");
        }
    }

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
