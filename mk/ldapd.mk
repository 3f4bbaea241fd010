# ldapd: the real daemon against a private slapd, over the milter protocol
# (tests/daemon/lib.sh + tests/integ/lib_slapd.sh), and the cn=config schema.
LDAPD_INTEG_TESTS = tests/integ/ldap_daemon.sh tests/integ/ldap_reload.sh \
	tests/integ/ldap_accounts_daemon.sh \
	tests/integ/ldap_schema.sh
dist_check_DATA += tests/integ/lib_ldapd.sh
TESTS += $(LDAPD_INTEG_TESTS)
dist_check_SCRIPTS += $(LDAPD_INTEG_TESTS)

# An LD_PRELOAD shim that makes pthread_create fail on demand (ldap_reload.sh).
check_PROGRAMS += tests/tools/failthreads.so
tests_tools_failthreads_so_SOURCES = tests/tools/failthreads.c
tests_tools_failthreads_so_CFLAGS = $(AM_CFLAGS) -fPIC -fvisibility=default
tests_tools_failthreads_so_LDFLAGS = -shared
tests_tools_failthreads_so_LDADD = -ldl
