//! Zsh: the script also works autoloaded from `$fpath`, and after `run … --` zsh's own
//! completion takes the client's command line.

use std::io;

use clap_complete::env::{EnvCompleter, Zsh};

use super::insert_after;

/// clap_complete's zsh adapter, plus the lines that make its script work as an
/// autoloaded `_apidiag` in `$fpath`, and [`ZSH_RUN`] at the start of its function. The
/// script defines a function and `compdef`s it, which is all that `source <(COMPLETE=zsh
/// apidiag)` needs; autoloaded, the file's body runs on the first `TAB` as `_apidiag`,
/// and without the tail that first `TAB` would only register the function and offer
/// nothing.
pub(super) struct ZshFpath;

impl EnvCompleter for ZshFpath {
    fn name(&self) -> &'static str {
        Zsh.name()
    }

    fn is(&self, name: &str) -> bool {
        Zsh.is(name)
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
        Zsh.write_registration(var, name, bin, completer, &mut script)?;
        let script = String::from_utf8_lossy(&script);
        let function = name.replace('-', "_");
        let start = format!("function _clap_dynamic_completer_{function}() {{\n");
        buf.write_all(insert_after(&script, &start, ZSH_RUN).as_bytes())?;
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
        Zsh.write_complete(cmd, args, current_dir, buf)
    }
}

/// The start of the zsh completion function: after `run … --` the words are shifted so
/// that the client is `words[1]`, and `_normal` completes them as that command line (how
/// zsh's own `_precommand` hands `nohup CMD …` over).
const ZSH_RUN: &str = r#"    local _apidiag_i _apidiag_run=
    for (( _apidiag_i = 2; _apidiag_i < CURRENT; _apidiag_i++ )); do
        case ${words[_apidiag_i]} in
            run) _apidiag_run=1 ;;
            --) if [[ -n $_apidiag_run ]]; then
                    shift $_apidiag_i words
                    (( CURRENT -= _apidiag_i ))
                    _normal
                    return
                fi
                break ;;
        esac
    done
"#;
