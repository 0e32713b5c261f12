//! Zsh: the script also works autoloaded from `$fpath`, and after `run … --` zsh's own
//! completion takes the client's command line.

use super::insert_after;

/// clap_complete's zsh script, plus the lines that make its script work as an
/// autoloaded `_apidiag` in `$fpath`, and [`ZSH_RUN`] at the start of its function. The
/// script defines a function and `compdef`s it, which is all that `source <(COMPLETE=zsh
/// apidiag)` needs; autoloaded, the file's body runs on the first `TAB` as `_apidiag`,
/// and without the tail that first `TAB` would only register the function and offer
/// nothing.
pub(super) fn script(script: &str, name: &str, _bin: &str) -> String {
    let function = name.replace('-', "_");
    let start = format!("function _clap_dynamic_completer_{function}() {{\n");
    format!(
        "{}\n# Autoloaded from $fpath as _{function}: complete this first TAB too.\n\
         if [[ \"${{funcstack[1]}}\" == \"_{function}\" ]]; then\n    \
         _clap_dynamic_completer_{function} \"$@\"\n\
         fi\n",
        insert_after(script, &start, ZSH_RUN)
    )
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
