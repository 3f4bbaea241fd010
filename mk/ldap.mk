# ldap: the LDAP directory backend (policy/ldap/dir_ldap.c), its handle pool,
# filter escaping, the answer cache, contrib/ldap and the slapd tests.
librelaymilter_a_SOURCES += \
	lib/monotime.h \
	policy/ldap/ldap_filter.c policy/ldap/ldap_filter.h \
	policy/cache.c policy/cache.h \
	policy/ldap/ldap_conn.c policy/ldap/ldap_conn.h \
	policy/ldap/ldap_pool.c policy/ldap/ldap_pool.h \
	policy/ldap/ldap_networks.c policy/ldap/ldap_networks.h \
	policy/ldap/ldap_accounts.c policy/ldap/ldap_accounts.h \
	policy/ldap/dir_ldap.c policy/ldap/dir_ldap.h

check_PROGRAMS += tests/unit/test_ldap_filter tests/unit/test_cache
TESTS += tests/unit/test_ldap_filter tests/unit/test_cache

tests_unit_test_ldap_filter_SOURCES = tests/unit/test_ldap_filter.c tests/unit/tap.h
tests_unit_test_ldap_filter_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_ldap_filter_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)

tests_unit_test_cache_SOURCES = tests/unit/test_cache.c tests/unit/tap.h
tests_unit_test_cache_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_cache_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)

# A small driver for the slapd integration tests (tests/integ/).
check_PROGRAMS += tests/integ/dirprobe
tests_integ_dirprobe_SOURCES = tests/integ/dirprobe.c
tests_integ_dirprobe_LDADD = $(RELAYMILTER_LIBS)

# Integration tests against a private slapd (TAP shell scripts).
LDAP_INTEG_TESTS = tests/integ/ldap_accounts.sh tests/integ/ldap_lookup.sh tests/integ/ldap_outage.sh \
	tests/integ/ldap_failover.sh tests/integ/ldap_tls.sh tests/integ/ldap_query.sh \
	tests/integ/ldap_syncprov.sh
TESTS += $(LDAP_INTEG_TESTS)
dist_check_SCRIPTS += $(LDAP_INTEG_TESTS)
dist_check_DATA += tests/integ/lib_slapd.sh tests/integ/data/extra.ldif

EXTRA_DIST += contrib/ldap/README.md contrib/ldap/relaymilter.schema \
	contrib/ldap/relaymilter.ldif contrib/ldap/sample.ldif \
	contrib/ldap/syncprov.conf contrib/ldap/syncprov.ldif
