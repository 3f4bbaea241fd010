# syncproto: the BER codec of LDAP Content Synchronization (RFC 4533,
# policy/ldap/sync_proto.c), its unit test and its fuzz replay.
librelaymilter_a_SOURCES += policy/ldap/sync_proto.c policy/ldap/sync_proto.h

check_PROGRAMS += tests/unit/test_sync_proto
TESTS += tests/unit/test_sync_proto
tests_unit_test_sync_proto_SOURCES = tests/unit/test_sync_proto.c tests/unit/tap.h
tests_unit_test_sync_proto_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LDAP_CFLAGS)
tests_unit_test_sync_proto_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)
