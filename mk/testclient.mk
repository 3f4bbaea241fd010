# testclient: fragment owned by its module (see Makefile.am)
