#!/bin/bash
# LDAP lookups against a real slapd: domains found / not found / subdomains,
# injection-shaped values, the cache, networks from LDAP (invalid values
# skipped, a change picked up after the refresh), the -n -n report, and a
# wrong bind password.
. "$top_srcdir/tests/integ/lib_slapd.sh"

slapd_init a
slapd_start a
URI=$(slapd_uri a)
CONF=$TMP/rm.conf
write_ldap_conf "$CONF" "$URI" "" "positive_ttl = 300; negative_ttl = 60;"
probe_start "$CONF"

probe "domain example.org" >/dev/null
is "example.org found in LDAP" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "found ldap"
like "trace names server, filter and count" "$REPLY_LINE" \
	"$URI \(&\(objectClass=domainRelatedObject\)\(associatedDomain=example.org\)\) -> 1 entry"
probe "domain example.org" >/dev/null
is "second lookup answered from the cache" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "found cache"
probe "domain example.net" >/dev/null
is "example.net found" "$(ans_status "$REPLY_LINE")" found
probe "domain nowhere.example" >/dev/null
is "unknown domain not found" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "notfound ldap"
probe "domain sub.example.org" >/dev/null
is "subdomain not local without match_subdomains" "$(ans_status "$REPLY_LINE")" notfound
probe "domain example.com" >/dev/null
is "parent of a listed subdomain is not local" "$(ans_status "$REPLY_LINE")" notfound

# Injection-shaped values: each must be a plain, escaped assertion value.
for v in '*' '*.org' 'x)(associatedDomain=*' '*)(|(objectClass=*' '\2a' 'example.org)(objectClass=*' \
	'example.org\'; do
	probe "domain $v" >/dev/null
	is "injection-shaped '$v' not found" "$(ans_status "$REPLY_LINE")" notfound
done
probe "domain *)(|(objectClass=*" >/dev/null
like "the trace shows the escaped filter" "$REPLY_LINE" '\\2a\\29\\28\|\\28objectClass=\\2a'

# Networks from LDAP, loaded at start; invalid values skipped with a warning.
probe "client 198.51.100.7" >/dev/null
is "client in an LDAP network" "$(ans_status "$REPLY_LINE")" found
like "trace names the network" "$REPLY_LINE" "198.51.100.0/24"
probe "client 2001:db8:100::25" >/dev/null
is "IPv6 client in an LDAP network" "$(ans_status "$REPLY_LINE")" found
probe "client 203.0.113.25" >/dev/null
is "bare address value matches" "$(ans_status "$REPLY_LINE")" found
probe "client 192.0.2.200" >/dev/null
is "valid sibling of invalid values loaded" "$(ans_status "$REPLY_LINE")" found
probe "client 192.0.2.5" >/dev/null
is "host-bits value skipped, not widened" "$(ans_status "$REPLY_LINE")" notfound
probe "client 8.8.8.8" >/dev/null
is "0.0.0.0/0 skipped: not an open relay" "$(ans_status "$REPLY_LINE")" notfound
like "skipped values logged with the entry" "$(cat "$TMP/probe.err")" \
	'skipping relayClientNetwork value "192.0.2.77/24" of cn=broken,ou=networks'

# -n -n report.
probe_check
is "-n -n succeeds" "$CHECK_RC" ok
like "report: bind OK" "$REPORT" "$URI: OK in [0-9]+ ms; TLS off; bind $SERVICE_DN"
like "report: domains counted" "$REPORT" "domains: 3 entries"
like "report: networks counted" "$REPORT" "networks: 4 valid, 3 invalid skipped"

# A change in LDAP is picked up after the refresh (10 s).
ldap_admin a <<L
dn: cn=new,ou=networks,dc=example,dc=org
changetype: add
objectClass: relayClient
cn: new
relayClientNetwork: 100.64.7.0/24
L
probe "client 100.64.7.9" >/dev/null
is "new network not yet known before the refresh" "$(ans_status "$REPLY_LINE")" notfound
sleep 11
probe "client 100.64.7.9" >/dev/null
is "new network known after the refresh" "$(ans_status "$REPLY_LINE")" found
probe stats >/dev/null
like "stats count the cache hit and the loads" "$REPLY_LINE" "hits=2 .*network_loads=2"
probe_stop

# The same with match_subdomains: one OR query for all parents.
write_ldap_conf "$CONF" "$URI" "" "" "match_subdomains = true;"
probe_start "$CONF"
probe "domain a.b.example.org" >/dev/null
is "subdomain of an LDAP domain found" "$(ans_status "$REPLY_LINE")" found
like "one query for every parent" "$REPLY_LINE" \
	'\(\|\(&\(objectClass=domainRelatedObject\)\(associatedDomain=a.b.example.org\)\)\(&\(objectClass=domainRelatedObject\)\(associatedDomain=b.example.org\)\)\(&\(objectClass=domainRelatedObject\)\(associatedDomain=example.org\)\)\)'
probe "domain x.lists.example.com" >/dev/null
is "subdomain of a listed subdomain found" "$(ans_status "$REPLY_LINE")" found
probe "domain x.example.com" >/dev/null
is "sibling of a listed subdomain not found" "$(ans_status "$REPLY_LINE")" notfound
probe "domain *.example.org" >/dev/null
is "wildcard label finds only the parent, escaped" "$(ans_status "$REPLY_LINE")" found
like "wildcard escaped in the OR" "$REPLY_LINE" 'associatedDomain=\\2a.example.org'
probe_stop

# Wrong bind password: a clear error at -n -n, DIR_ERROR in service.
printf 'wrong\n' >"$TMP/bad.secret"
chmod 600 "$TMP/bad.secret"
sed "s|$TMP/ldap.secret|$TMP/bad.secret|" "$CONF" >"$TMP/bad.conf"
probe_start "$TMP/bad.conf"
probe "domain example.org" >/dev/null
is "wrong password: lookup is an error, not 'not found'" "$(ans_status "$REPLY_LINE")" error
like "wrong password: the reason is in the trace" "$REPLY_LINE" "Invalid credentials"
probe_check
is "wrong password: -n -n fails" "$CHECK_RC" failed
like "wrong password: -n -n says why" "$REPORT" "FAILED: .*bind as $SERVICE_DN: Invalid credentials \(49\)"
uri=$(slapd_uri a)
is "wrong password: the report names the URI once" \
	"$(grep -c -F "$uri: FAILED: bind as" <<<"$REPORT") $(grep -c -F "$uri: $uri" <<<"$REPORT")" "1 0"
like "wrong password: the log line names the URI once" \
	"$(grep -F 'unusable' "$TMP/probe.err")" "server $uri unusable: bind as $SERVICE_DN"
if grep -q -e wrong -e "$SERVICE_PW" "$TMP/probe.err"; then
	not_ok "the password never reaches the log"
else
	ok "the password never reaches the log"
fi
probe_stop

done_testing
