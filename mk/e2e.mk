# e2e: fragment owned by its module (see Makefile.am)
