# lib/: allocation, logging, strings, escaping
librelaymilter_a_SOURCES += \
	lib/xalloc.c lib/xalloc.h \
	lib/log.c lib/log.h \
	lib/strbuf.c lib/strbuf.h \
	lib/escape.c lib/escape.h \
	lib/utf8.c lib/utf8.h \
	lib/publish.c lib/publish.h \
	lib/login.c lib/login.h \
	lib/gcra.c lib/gcra.h \
	lib/error.c lib/error.h \
	lib/counter.h

# The include graph's rules (no header shadows autoconf's config.h, ...).
TESTS += tests/tools/includes.sh tests/tools/format.sh
dist_check_SCRIPTS += tests/tools/includes.sh tests/tools/format.sh

# The rate-limit arithmetic (SPEC §9).
check_PROGRAMS += tests/unit/test_gcra
TESTS += tests/unit/test_gcra
tests_unit_test_gcra_SOURCES = tests/unit/test_gcra.c tests/unit/tap.h
tests_unit_test_gcra_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_gcra_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)
