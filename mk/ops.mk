# ops: fragment owned by its module (see Makefile.am)
