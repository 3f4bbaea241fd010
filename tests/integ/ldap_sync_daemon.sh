#!/bin/bash
# ldap_sync_daemon.sh: the real daemon in sync mode against a real slapd
# with syncprov, over the milter protocol: decisions logged source=sync, an
# edit in LDAP changing the next decision, slapd stopped changing nothing
# and asking nothing, a reload with the ldap section unchanged keeping the
# synced sets, a reload with it changed while slapd is down starting from
# them, and the counters (SIGUSR2, the Prometheus textfile). Runs under
# RM_WRAPPER (valgrind) and TSan too.
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/integ/lib_slapd.sh"
export LOCAL_DOMAINS='"static.example"'
. "$top_srcdir/tests/integ/lib_ldapd.sh"

# stat KEY: KEY's value in a fresh SIGUSR2 counters line.
stat() {
	local n
	n=$(grep -c 'ldap_queries=' "$TMP/stderr")
	kill -USR2 "$RM_PID"
	for _ in $(seq 1 100); do
		[ "$(grep -c 'ldap_queries=' "$TMP/stderr")" -gt "$n" ] && break
		sleep 0.05
	done
	grep -o " $1=[0-9]*" "$TMP/stderr" | tail -1 | cut -d= -f2
}

PROM=$TMP/prom/relaymilter.prom
mkdir -p "$TMP/prom"
[ -n "$RM_USER" ] && chown "$RM_USER" "$TMP/prom"
SYNC_LDAP="mode = \"sync\"; };
stats = { textfile = \"$PROM\"; interval = 1;"
SLAPD_SYNCPROV=1 slapd_init a
slapd_start a
conf "" "" "" "$SYNC_LDAP"
rm_start "$CONF" || bail_out "relaymilter did not start"

sess postfix 203.0.113.5 '<b@example.org>' '<b@sub.example.net>' '<b@nowhere.example>'
like "sync: LDAP domain accepted" "$(answer '<b@example.org>')" '^continue$'
is "sync: ... from memory" "$(logged 203.0.113.5 '<b@example.org>')" "accept local-recipient sync"
like "sync: subdomain of an LDAP domain (match_subdomains) accepted" "$(answer '<b@sub.example.net>')" '^continue$'
like "sync: an unknown domain is refused" "$(answer '<b@nowhere.example>')" "$DENIED"
is "sync: ... from memory" "$(logged 203.0.113.5 '<b@nowhere.example>')" "reject unauth-relay sync"
sess postfix 198.51.100.7 '<b@elsewhere.example>'
like "sync: LDAP-network client relays" "$(answer '<b@elsewhere.example>')" '^continue$'
is "sync: ... from memory" "$(logged 198.51.100.7 '<b@elsewhere.example>')" "accept allowlisted-client sync"
is "sync: no per-decision LDAP search" "$(stat ldap_queries)" 0
is "sync: the counters line has the sets" "$(stat sync_domains) $(stat sync_domains_complete) $(stat sync_networks)" "3 1 3"

# Until a write after the decisions above (every second).
for _ in $(seq 1 40); do grep -Eq 'lookups_total\{source="sync"\} [1-9]' "$PROM" 2>/dev/null && break; sleep 0.1; done
out=$("$top_srcdir/tests/ops/prom-check.py" "$PROM" 2>&1)
is "textfile: valid Prometheus text with the sync families" "$?$out" "0"
body=$(cat "$PROM")
like "textfile: entries per set" "$body" 'relaymilter_sync_entries\{set="domains"\} 3'
like "textfile: complete" "$body" 'relaymilter_sync_complete\{set="networks"\} 1'
like "textfile: syncprov answered" "$body" 'relaymilter_sync_syncprov\{set="domains"\} 1'
like "textfile: lookups from sync counted" "$body" 'relaymilter_lookups_total\{source="sync"\} [1-9]'

ldap_admin a <<L
dn: associatedDomain=fresh.example,ou=domains,dc=example,dc=org
changetype: add
objectClass: relayDomain
objectClass: domainRelatedObject
associatedDomain: fresh.example
L
if until_answer 2 postfix 203.0.113.5 '<b@fresh.example>' '^continue$'; then
	ok "an added domain is accepted within 2 s"
else
	not_ok "an added domain is accepted within 2 s"
fi

mv "$JSON" "$JSON.1"
ok_if "reload, ldap unchanged: SIGUSR1" reload
like "reload, ldap unchanged: the directory is kept" "$(cat "$TMP/stderr")" "LDAP directory kept"
sess postfix 203.0.113.5 '<b@fresh.example>'
is "reload, ldap unchanged: the synced set decides at once" \
	"$(logged 203.0.113.5 '<b@fresh.example>')" "accept local-recipient sync"

slapd_stop a
sess postfix 203.0.113.5 '<b@example.org>' '<b@nowhere.example>'
is "slapd down: decisions unchanged (local)" "$(logged 203.0.113.5 '<b@example.org>')" "accept local-recipient sync"
is "slapd down: decisions unchanged (not local: refused, not 451)" \
	"$(logged 203.0.113.5 '<b@nowhere.example>')" "reject unauth-relay sync"
sess postfix 198.51.100.7 '<b@elsewhere.example>'
is "slapd down: the LDAP-network client still relays" \
	"$(logged 198.51.100.7 '<b@elsewhere.example>')" "accept allowlisted-client sync"
is "slapd down: still no per-decision LDAP search" "$(stat ldap_queries)" 0

TIMEOUT=1.5
conf "" "" "" "$SYNC_LDAP"
ok_if "reload, ldap.timeout changed, slapd down: SIGUSR1" reload
like "reload, ldap changed: a new directory" "$(cat "$TMP/stderr")" "new LDAP directory"
sess postfix 203.0.113.5 '<b@fresh.example>' '<b@nowhere.example>'
is "reload, ldap changed, slapd down: the previous set still decides" \
	"$(logged 203.0.113.5 '<b@fresh.example>')" "accept local-recipient sync"
is "reload, ldap changed, slapd down: ... both ways" \
	"$(logged 203.0.113.5 '<b@nowhere.example>')" "reject unauth-relay sync"
sess postfix 198.51.100.7 '<b@elsewhere.example>'
is "reload, ldap changed, slapd down: the networks too" \
	"$(logged 198.51.100.7 '<b@elsewhere.example>')" "accept allowlisted-client sync"

slapd_start a
for _ in $(seq 1 80); do
	[ "$(stat sync_domains_reconnects)" -ge 1 ] && break
	sleep 0.25
done
ldap_admin a <<L
dn: associatedDomain=fresh.example,ou=domains,dc=example,dc=org
changetype: delete
L
if until_answer 10 postfix 203.0.113.5 '<b@fresh.example>' "$DENIED"; then
	ok "slapd back: the new directory's sync is live"
else
	not_ok "slapd back: the new directory's sync is live"
fi

rm_stop
done_testing
