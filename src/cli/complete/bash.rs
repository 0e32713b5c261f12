//! Bash: file names complete quoted, and after `run … --` bash-completion completes
//! the client's command line.

use super::insert_after;

/// clap_complete's bash script, made to quote file names. Bash hands the completer the
/// word as typed (`my\ f`) and inserts what comes back as is (`my file.txt`, two words);
/// `-o filenames` makes readline quote what it inserts (escaped, or inside the quote the
/// user opened), and the words are [`unquote`]d before clap compares them with names.
pub(super) fn script(script: &str, name: &str, _bin: &str) -> String {
    let quoting = script.replace("complete -o nospace", "complete -o filenames -o nospace");
    debug_assert_ne!(quoting, script, "clap_complete's bash script changed");
    // After `run … --` the words are the client's: bash-completion's _command_offset
    // completes them as that command line (when bash-completion is loaded).
    let function = format!("_clap_complete_{}() {{\n", name.replace('-', "_"));
    insert_after(&quoting, &function, BASH_RUN)
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
pub(super) fn unquote(word: &str) -> String {
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
}
