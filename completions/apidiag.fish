# After `run ... --` the words are the client's: fish completes them as its own command line.
function __apidiag_run_client
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
complete --keep-order --exclusive --command apidiag --condition __apidiag_run_client --arguments '(complete -C (__apidiag_run_client))'
complete --keep-order --exclusive --command apidiag --condition 'not __apidiag_run_client' --arguments "(COMPLETE=fish apidiag -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
