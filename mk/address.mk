# address: RFC 5321 envelope address parser (lib/address.c) and its tests
librelaymilter_a_SOURCES += lib/address.c lib/address.h
check_PROGRAMS += tests/unit/test_address
TESTS += tests/unit/test_address
tests_unit_test_address_SOURCES = tests/unit/test_address.c tests/unit/tap.h
tests_unit_test_address_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_address_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)
