# testclient: the MTA side of the milter protocol (tests/milterclient/).
# libmclient is the reusable client library (daemon tests, load generator);
# mtclient is its script-driven CLI; echofilter and mtfake are test peers.
noinst_LIBRARIES += tests/libmclient.a
tests_libmclient_a_SOURCES = \
	tests/milterclient/mclient.c tests/milterclient/mclient.h \
	tests/milterclient/mcint.h \
	tests/milterclient/mcdial.c \
	tests/milterclient/mcevent.c \
	tests/milterclient/mcmacro.c tests/milterclient/mcmacro.h

check_PROGRAMS += tests/mtclient tests/echofilter tests/mtfake
tests_mtclient_SOURCES = tests/milterclient/mtclient.c
tests_mtclient_LDADD = tests/libmclient.a $(RELAYMILTER_LIBS)
tests_echofilter_SOURCES = tests/milterclient/echofilter.c
tests_echofilter_LDADD = $(MILTER_LIBS) $(PTHREAD_LIBS)
tests_mtfake_SOURCES = tests/milterclient/mtfake.c

TESTS += tests/milterclient/mtclient.sh
dist_check_SCRIPTS += tests/milterclient/mtclient.sh
