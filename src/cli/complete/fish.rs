//! Fish: after `run … --` fish's own completion takes the client's command line.

use super::insert_after;

/// clap_complete's fish script, with its `complete` line kept for everything but the
/// client's words after `run … --`, which fish completes as their own command line
/// (`complete -C`, as fish's `__fish_complete_subcommand` does for `sudo CMD …`).
pub(super) fn script(script: &str, name: &str, bin: &str) -> String {
    let function = format!("__{}_run_client", name.replace('-', "_"));
    let anchor = format!("--command {bin} ");
    let clap = insert_after(script, &anchor, &format!("--condition 'not {function}' "));
    let run = FISH_RUN.replace("FUNCTION", &function);
    format!(
        "{run}complete --keep-order --exclusive --command {bin} --condition {function} \
         --arguments '(complete -C ({function}))'\n{clap}"
    )
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
