# lib/: allocation, logging, strings, escaping
librelaymilter_a_SOURCES += \
	lib/xalloc.c lib/xalloc.h \
	lib/log.c lib/log.h \
	lib/strbuf.c lib/strbuf.h \
	lib/escape.c lib/escape.h \
	lib/utf8.c lib/utf8.h \
	lib/publish.c lib/publish.h \
	lib/login.c lib/login.h \
	lib/error.c lib/error.h \
	lib/counter.h

# The include graph's rules (no header shadows autoconf's config.h, ...).
TESTS += tests/tools/includes.sh tests/tools/format.sh
dist_check_SCRIPTS += tests/tools/includes.sh tests/tools/format.sh
