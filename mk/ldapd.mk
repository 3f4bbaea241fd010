# ldapd: the real daemon against a private slapd, over the milter protocol
# (tests/daemon/lib.sh + tests/integ/lib_slapd.sh), and the cn=config schema.
LDAPD_INTEG_TESTS = tests/integ/ldap_daemon.sh tests/integ/ldap_reload.sh \
	tests/integ/ldap_schema.sh
dist_check_DATA += tests/integ/lib_ldapd.sh
TESTS += $(LDAPD_INTEG_TESTS)
dist_check_SCRIPTS += $(LDAPD_INTEG_TESTS)
