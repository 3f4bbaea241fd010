# limits: rate limits (SPEC §9): the rules, the memory store and the
# limiter the engine asks (the Redis store: mk/redis.mk).
librelaymilter_a_SOURCES += policy/limits/memstore.c policy/limits/memstore.h \
	policy/limits/store.h policy/limits/rules.h \
	policy/limits/limiter.c policy/limits/limiter.h

check_PROGRAMS += tests/unit/test_memstore
TESTS += tests/unit/test_memstore
tests_unit_test_memstore_SOURCES = tests/unit/test_memstore.c tests/unit/tap.h
tests_unit_test_memstore_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_memstore_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_limiter
TESTS += tests/unit/test_limiter
tests_unit_test_limiter_SOURCES = tests/unit/test_limiter.c tests/unit/tap.h
tests_unit_test_limiter_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_limiter_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)
