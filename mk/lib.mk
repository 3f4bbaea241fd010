# lib/: allocation, logging, strings, escaping
librelaymilter_a_SOURCES += \
	lib/xalloc.c lib/xalloc.h \
	lib/log.c lib/log.h \
	lib/strbuf.c lib/strbuf.h \
	lib/escape.c lib/escape.h
