# query/: relaymilter-query, the policy without an MTA
bin_PROGRAMS += relaymilter-query
relaymilter_query_SOURCES = query/main.c query/limits.c query/limits.h
relaymilter_query_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(LIBIDN2_CFLAGS) $(LDAP_CFLAGS)
relaymilter_query_LDADD = $(RELAYMILTER_LIBS)
