#!/bin/bash
# TLS: StartTLS and ldaps:// verified against the CA the test generates; a
# wrong CA is refused (error and a clear log line), also when an ldaprc and
# LDAPTLS_REQCERT=never try to relax the check.
. "$top_srcdir/tests/integ/lib_slapd.sh"

slapd_init a
slapd_start a
CA=$TMP/tls/ca.pem
WRONG=$TMP/tls/wrong-ca.pem
CONF=$TMP/rm.conf

write_ldap_conf "$CONF" "$(slapd_uri a)" "starttls = true; tls_ca_file = \"$CA\";"
probe_start "$CONF"
probe "domain example.org" >/dev/null
is "StartTLS: found" "$(ans_status "$REPLY_LINE")" found
probe_check
is "StartTLS: -n -n good" "$CHECK_RC" ok
like "StartTLS: -n -n says TLS OK" "$REPORT" "TLS OK \(StartTLS, certificate verified\)"
probe_stop

write_ldap_conf "$CONF" "$(slapd_ldaps_uri a)" "tls_ca_file = \"$CA\";"
probe_start "$CONF"
probe "domain example.org" >/dev/null
is "ldaps: found" "$(ans_status "$REPLY_LINE")" found
probe_check
like "ldaps: -n -n says TLS OK" "$REPORT" "TLS OK \(ldaps, certificate verified\)"
probe_stop

for mode in starttls ldaps; do
	if [ $mode = starttls ]; then
		write_ldap_conf "$CONF" "$(slapd_uri a)" "starttls = true; tls_ca_file = \"$WRONG\";"
	else
		write_ldap_conf "$CONF" "$(slapd_ldaps_uri a)" "tls_ca_file = \"$WRONG\";"
	fi
	: >"$TMP/probe.err"
	probe_start "$CONF"
	probe "domain example.org" >/dev/null
	is "$mode, wrong CA: error, never found" "$(ans_status "$REPLY_LINE")" error
	probe "client 198.51.100.7" >/dev/null
	is "$mode, wrong CA: networks never loaded: an error" "$(ans_status "$REPLY_LINE")" error
	probe_check
	is "$mode, wrong CA: -n -n fails" "$CHECK_RC" failed
	like "$mode, wrong CA: -n -n says why" "$REPORT" "FAILED: .*TLS handshake failed: the server certificate is not signed by $WRONG"
	like "$mode, wrong CA: a clear log line" "$(cat "$TMP/probe.err")" \
		"unusable: .*TLS handshake failed: the server certificate is not signed by $WRONG"
	probe_stop
done

# ldaprc, ~/.ldaprc and LDAP* variables must not relax certificate checks.
mkdir -p "$TMP/cwd" "$TMP/home"
printf 'TLS_REQCERT never\nTLS_CACERT %s\n' "$CA" >"$TMP/cwd/ldaprc"
printf 'TLS_REQCERT never\nTLS_CACERT %s\n' "$CA" >"$TMP/home/.ldaprc"
write_ldap_conf "$CONF" "$(slapd_uri a)" "starttls = true; tls_ca_file = \"$WRONG\";"
PROBE_CWD=$TMP/cwd PROBE_ENV="-u LDAPNOINIT HOME=$TMP/home LDAPTLS_REQCERT=never LDAPTLS_CACERT=$CA" \
	probe_start "$CONF"
probe "domain example.org" >/dev/null
is "ldaprc and LDAPTLS_REQCERT=never are ignored: still refused" "$(ans_status "$REPLY_LINE")" error
probe_stop
# ... and the same files really would have worked for an ldap tool that reads them.
if (cd "$TMP/cwd" && env -u LDAPNOINIT HOME="$TMP/home" ldapsearch -ZZ -x \
	-H "$(slapd_uri a)" -b "" -s base >/dev/null 2>&1); then
	ok "control: libldap's defaults would have read those files"
else
	not_ok "control: libldap's defaults would have read those files"
fi
done_testing
