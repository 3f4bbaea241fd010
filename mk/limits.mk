# limits: rate limits (SPEC §9). Work in progress on branch limits-wip: the
# memory store; the rules, the Redis store and the engine hooks to come.
librelaymilter_a_SOURCES += policy/limits/memstore.c policy/limits/memstore.h

check_PROGRAMS += tests/unit/test_memstore
TESTS += tests/unit/test_memstore
tests_unit_test_memstore_SOURCES = tests/unit/test_memstore.c tests/unit/tap.h
tests_unit_test_memstore_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_memstore_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)
