//! Fish: after `run … --` fish's own completion takes the client's command line.

use std::io;

use clap_complete::env::{EnvCompleter, Fish};

use super::insert_after;

/// clap_complete's fish adapter, with its `complete` line kept for everything but the
/// client's words after `run … --`, which fish completes as their own command line
/// (`complete -C`, as fish's `__fish_complete_subcommand` does for `sudo CMD …`).
pub(super) struct FishRun;

impl EnvCompleter for FishRun {
    fn name(&self) -> &'static str {
        Fish.name()
    }

    fn is(&self, name: &str) -> bool {
        Fish.is(name)
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
        Fish.write_registration(var, name, bin, completer, &mut script)?;
        let script = String::from_utf8_lossy(&script);
        let function = format!("__{}_run_client", name.replace('-', "_"));
        let anchor = format!("--command {bin} ");
        let clap = insert_after(&script, &anchor, &format!("--condition 'not {function}' "));
        let run = FISH_RUN.replace("FUNCTION", &function);
        write!(
            buf,
            "{run}complete --keep-order --exclusive --command {bin} --condition {function} \
             --arguments '(complete -C ({function}))'\n{clap}"
        )
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<std::ffi::OsString>,
        current_dir: Option<&std::path::Path>,
        buf: &mut dyn io::Write,
    ) -> io::Result<()> {
        Fish.write_complete(cmd, args, current_dir, buf)
    }
}

/// A fish function that prints the command line after `run … --` up to the cursor (the
/// words fish read, quoted again, and the word being typed as it stands) and fails
/// where there is none, so it serves as both condition and argument.
const FISH_RUN: &str = r#"# After `run ... --` the words are the client's: fish completes them as its own command line.
function FUNCTION
    set -l tokens (commandline --current-process --tokenize --cut-at-cursor)
    set -l run
    for i in (seq 2 (count $tokens))
        switch $tokens[$i]
            case run
                set run 1
            case --
                set -q run[1]; or return 1
                set -e tokens[1..$i]
                set -l current (commandline --current-token)
                string join ' ' -- (string escape -- $tokens) "$current"
                return 0
        end
    end
    return 1
end
"#;
