# policy/: the decision engine, the directory table, the static backend
librelaymilter_a_SOURCES += \
	policy/engine.c policy/engine.h policy/engine_int.h policy/engine_limits.c \
	policy/directory.c policy/directory.h \
	policy/dir_static.c policy/dir_static.h \
	policy/dir_set.c policy/dir_set.h \
	policy/account.c policy/account.h \
	policy/domainset.c policy/domainset.h \
	policy/reply.c policy/reply.h

check_PROGRAMS += tests/unit/test_engine tests/unit/test_escape
TESTS += tests/unit/test_engine tests/unit/test_escape
tests_unit_test_engine_SOURCES = tests/unit/test_engine.c tests/unit/tap.h
dist_check_DATA += tests/unit/engine/cases.txt tests/unit/engine/base.conf \
	tests/unit/engine/subdomains.conf tests/unit/engine/sender-reject.conf \
	tests/unit/engine/error-reject.conf tests/unit/engine/listeners.conf \
	tests/unit/engine/noauth.conf tests/unit/engine/replies.conf tests/unit/engine/all-reject.conf \
	tests/unit/engine/accounts.conf
tests_unit_test_engine_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_engine_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)
tests_unit_test_escape_SOURCES = tests/unit/test_escape.c tests/unit/tap.h
tests_unit_test_escape_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_escape_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_sets
TESTS += tests/unit/test_sets
tests_unit_test_sets_SOURCES = tests/unit/test_sets.c tests/unit/tap.h
tests_unit_test_sets_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_sets_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)

# Accounts: canonical logins, owner matching, the account map.
check_PROGRAMS += tests/unit/test_accounts
TESTS += tests/unit/test_accounts
tests_unit_test_accounts_SOURCES = tests/unit/test_accounts.c tests/unit/tap.h
tests_unit_test_accounts_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_accounts_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)
