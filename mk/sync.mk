# sync: ldap.mode = "sync", the directory held in memory by content sync
# (RFC 4533): the working set, the consumer's data flow, the sync thread,
# the domain and network sets, and their tests.
librelaymilter_a_SOURCES += \
	policy/ldap/sync_store.c policy/ldap/sync_store.h \
	policy/ldap/sync_session.c policy/ldap/sync_session.h \
	policy/ldap/ldap_sync.c policy/ldap/ldap_sync.h policy/ldap/ldap_sync_int.h \
	policy/ldap/ldap_sync_poll.c \
	policy/ldap/ldap_syncsets.c policy/ldap/ldap_syncsets.h

check_PROGRAMS += tests/unit/test_sync
TESTS += tests/unit/test_sync
tests_unit_test_sync_SOURCES = tests/unit/test_sync.c tests/unit/tap.h
tests_unit_test_sync_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LDAP_CFLAGS)
tests_unit_test_sync_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)

# Against a real slapd with syncprov (tests/integ/lib_sync.sh: a socat proxy
# to cut connections without restarting slapd).
SYNC_INTEG_TESTS = tests/integ/ldap_sync.sh tests/integ/ldap_sync_modes.sh \
	tests/integ/ldap_sync_daemon.sh
TESTS += $(SYNC_INTEG_TESTS)
dist_check_SCRIPTS += $(SYNC_INTEG_TESTS)
dist_check_DATA += tests/integ/lib_sync.sh
