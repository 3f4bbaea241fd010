# syncproto: the BER codec of LDAP Content Synchronization (RFC 4533,
# policy/ldap/sync_proto.c), its unit test and its fuzz replay.
librelaymilter_a_SOURCES += policy/ldap/sync_proto.c policy/ldap/sync_proto.h
