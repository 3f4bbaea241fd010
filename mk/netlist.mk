# netlist: fragment owned by its module (see Makefile.am)
librelaymilter_a_SOURCES += lib/netlist.c lib/netlist.h
check_PROGRAMS += tests/unit/test_netlist
TESTS += tests/unit/test_netlist
tests_unit_test_netlist_SOURCES = tests/unit/test_netlist.c tests/unit/tap.h
tests_unit_test_netlist_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_netlist_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)
