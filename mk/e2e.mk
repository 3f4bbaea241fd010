# e2e: relaymilter attached to a real Postfix and a real Sendmail, driven
# with swaks (tests/e2e/). Needs root and the tools of
# tests/e2e/install-deps.sh; a suite whose tools are missing skips itself.
TESTS += tests/e2e/postfix.sh tests/e2e/sendmail.sh
dist_check_SCRIPTS += tests/e2e/postfix.sh tests/e2e/sendmail.sh
dist_check_DATA += \
	tests/e2e/lib_common.sh tests/e2e/lib_postfix.sh tests/e2e/lib_sendmail.sh \
	tests/e2e/cases_common.sh
dist_noinst_SCRIPTS += tests/e2e/install-deps.sh

# A do-nothing milter that records the macros each stage receives: proves
# the MTA configuration independently of relaymilter.
check_PROGRAMS += tests/e2e/macroprobe
tests_e2e_macroprobe_SOURCES = tests/e2e/macroprobe.c
tests_e2e_macroprobe_LDADD = $(MILTER_LIBS) $(PTHREAD_LIBS)

EXTRA_DIST += \
	contrib/postfix/main.cf.snippet contrib/postfix/master.cf.snippet \
	contrib/postfix/README.md \
	contrib/sendmail/relaymilter.mc contrib/sendmail/README.md \
	contrib/sendmail/Sendmail.conf contrib/sendmail/smtp-auth.mc
