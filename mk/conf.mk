# conf/: the configuration file, its key table and its loader.
librelaymilter_a_SOURCES += \
	conf/conf.c conf/conf.h \
	conf/keys.c conf/keys.h \
	conf/loader.h conf/store.c \
	conf/validate.c conf/convert.c \
	conf/build.c conf/build.h

check_PROGRAMS += tests/unit/test_config
TESTS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c tests/unit/config_rows.h \
	tests/unit/tap.h
tests_unit_test_config_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBCONFIG_CFLAGS)
tests_unit_test_config_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS)
dist_check_DATA += \
	tests/unit/conf/full.conf \
	tests/unit/conf/include.conf \
	tests/unit/conf/included.inc

# The shipped example: every key, its default, what it does.
relaymilterconfdir = $(sysconfdir)/relaymilter
dist_relaymilterconf_DATA = conf/relaymilter.conf

