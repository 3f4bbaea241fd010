# syncproto: the BER codec of LDAP Content Synchronization (RFC 4533,
# policy/ldap/sync_proto.c), its unit test and its fuzz replay.
librelaymilter_a_SOURCES += policy/ldap/sync_proto.c policy/ldap/sync_proto.h

check_PROGRAMS += tests/unit/test_sync_proto
TESTS += tests/unit/test_sync_proto
tests_unit_test_sync_proto_SOURCES = tests/unit/test_sync_proto.c tests/unit/tap.h \
	tests/unit/sync_proto_hex.h
tests_unit_test_sync_proto_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LDAP_CFLAGS)
tests_unit_test_sync_proto_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_sync_proto_reject
TESTS += tests/unit/test_sync_proto_reject
tests_unit_test_sync_proto_reject_SOURCES = tests/unit/test_sync_proto_reject.c \
	tests/unit/tap.h tests/unit/sync_proto_hex.h
tests_unit_test_sync_proto_reject_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LDAP_CFLAGS)
tests_unit_test_sync_proto_reject_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)

# The fuzz target (FUZZ_TARGETS in mk/fuzz.mk, TARGETS in tests/fuzz/replay.sh),
# linked with replay_main.c for make check.
check_PROGRAMS += tests/fuzz/replay_sync_proto
tests_fuzz_replay_sync_proto_SOURCES = tests/fuzz/fuzz_sync_proto.c tests/fuzz/replay_main.c
tests_fuzz_replay_sync_proto_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_sync_proto_LDADD = $(RELAYMILTER_LIBS)
