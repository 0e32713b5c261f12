complete --keep-order --exclusive --command apidiag --arguments "(COMPLETE=fish apidiag -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
