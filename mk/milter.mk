# milter/: the daemon. declog and stats have no libmilter dependency and go
# into the library so the query tool and unit tests can use them.
librelaymilter_a_SOURCES += \
	milter/declog.c milter/declog.h \
	milter/stats.c milter/stats.h

sbin_PROGRAMS += relaymilter
relaymilter_SOURCES = \
	milter/main.c \
	milter/kick.c milter/kick.h \
	milter/callbacks.c milter/callbacks.h \
	milter/negotiate.c milter/negotiate.h \
	milter/macros.c milter/macros.h \
	milter/snapshot.c milter/snapshot.h \
	milter/privs.c milter/privs.h \
	milter/socket.c milter/socket.h
relaymilter_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(LIBIDN2_CFLAGS) $(LDAP_CFLAGS)
relaymilter_LDADD = $(RELAYMILTER_LIBS) $(MILTER_LIBS)

check_PROGRAMS += tests/unit/test_declog
TESTS += tests/unit/test_declog
tests_unit_test_declog_SOURCES = tests/unit/test_declog.c tests/unit/tap.h
tests_unit_test_declog_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_declog_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)
