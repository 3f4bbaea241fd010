#!/bin/bash
# Accounts in LDAP (SPEC §8), query mode, against a real slapd with the
# sample people (contrib/ldap/sample.ldif): found, cached, suspended, owned
# senders; a suspension seen after the cache TTL; injection-shaped logins
# never matching another entry; the directory down (cached answers go
# stale, uncached ones are errors, never "not suspended" invented) and
# hung (bounded by the budget); one search per login, not per question.
. "$top_srcdir/tests/integ/lib_slapd.sh"

slapd_init a
slapd_start a
CONF=$TMP/rm.conf
write_ldap_conf "$CONF" "$(slapd_uri a)" \
	'accounts = { base = "ou=people,dc=example,dc=org"; };' \
	"positive_ttl = 2; negative_ttl = 2; stale_ttl = 3600;" \
	'sender_login = "reject";'
probe_start "$CONF"

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$REPLY_LINE"; }

probe "account alice@example.org" >/dev/null
is "alice found in LDAP" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "found ldap"
is "alice's senders (mail, relayMilterSender)" "$(field senders)" \
	"alice@example.org,alice.smith@example.org,@example.net"
is "alice is not suspended" "$(field suspended)" 0
like "the trace names the filter, escaped" "$REPLY_LINE" \
	'\(&\(objectClass=inetOrgPerson\)\(\|\(uid=alice\)\(mail=alice@example.org\)\)\) -> 1 entry'
probe "account alice@example.org" >/dev/null
is "alice again: from the cache" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "found cache"
probe "account carol@example.org" >/dev/null
is "carol is suspended (relayMilterSuspended TRUE)" "$(ans_status "$REPLY_LINE") $(field suspended)" "found 1"
probe "account dave@example.org" >/dev/null
is "dave's limit override" "$(field limits)" "login-rcpt-hour=10"
probe "account bob@example.org" >/dev/null
is "bob: an entry without the aux class" "$(ans_status "$REPLY_LINE") $(field suspended) $(field senders)" "found 0 bob@example.org"
probe "account nobody@example.org" >/dev/null
is "an unknown login: no account" "$(ans_status "$REPLY_LINE")" notfound

# Injection-shaped logins (already canonical: lib/login.c lets these
# through, the filter escapes them) never find anyone's entry.
for l in '*' '*@example.org' ')(uid=*' 'alice)(uid=*' '\2a' 'a*e@example.org' '*)(|(objectClass=*'; do
	probe "account $l" >/dev/null
	is "injection-shaped login '$l' finds nothing" "$(ans_status "$REPLY_LINE")" notfound
done

# A suspension in LDAP counts once the cached answer expires.
ldap_admin a <<L
dn: uid=bob,ou=people,dc=example,dc=org
changetype: modify
add: objectClass
objectClass: relayMilterAccount
-
add: relayMilterSuspended
relayMilterSuspended: TRUE
L
probe "account bob@example.org" >/dev/null
is "bob suspended in LDAP: the cached answer still says no" "$(ans_source "$REPLY_LINE") $(field suspended)" "cache 0"
sleep 2.2
probe "account bob@example.org" >/dev/null
is "after positive_ttl the suspension counts" "$(ans_source "$REPLY_LINE") $(field suspended)" "ldap 1"

# One search per login: a burst of questions about one uncached login
# makes one LDAP search.
sleep 2.2 # every cached answer has expired
probe stats >/dev/null
q0=$(field queries)
for _ in 1 2 3 4 5; do probe "account dave@example.org" >/dev/null; done
probe stats >/dev/null
is "five questions about one login within the TTL: one search" "$(($(field queries) - q0))" 1

# Directory down: what was cached answers stale; nothing is invented.
probe "account carol@example.org" >/dev/null
slapd_stop a
sleep 2.2
probe "account carol@example.org" >/dev/null
is "slapd down: carol's suspension is still known (stale)" \
	"$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE") $(field suspended)" "found stale-cache 1"
probe "account never@example.org" >/dev/null
is "slapd down: an uncached login is an error, not 'no account'" "$(ans_status "$REPLY_LINE")" error
slapd_start a
probe "account zed@example.org" >/dev/null
slapd_hang a
probe "account hung@example.org" >/dev/null
is "slapd hung: an error" "$(ans_status "$REPLY_LINE")" error
ok_if "slapd hung: bounded by ldap.budget (2.5 s): $(ans_ms "$REPLY_LINE") ms" [ "$(ans_ms "$REPLY_LINE")" -le 2700 ]
slapd_resume a
probe_stop

# Sync mode: the accounts held in memory, a suspension live within 2 s,
# nothing asked of LDAP per login, an outage changing nothing.
SLAPD_SYNCPROV=1 slapd_init b
slapd_start b
write_ldap_conf "$TMP/sync.conf" "$(slapd_uri b)" \
	'mode = "sync"; accounts = { base = "ou=people,dc=example,dc=org"; };' "" \
	'sender_login = "reject";'
: >"$TMP/probe.err"
probe_start "$TMP/sync.conf"
probe "sync accounts" >/dev/null
like "sync: the accounts set is complete" "$REPLY_LINE" "entries=4 complete=1 syncprov=1"
probe "account alice@example.org" >/dev/null
is "sync: alice from memory" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "found sync"
is "sync: alice's senders" "$(field senders)" "alice@example.org,alice.smith@example.org,@example.net"
probe "account alice" >/dev/null
is "sync: the bare login finds the entry through uid=%u" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "found sync"
like "sync: ... as u:alice" "$REPLY_LINE" "found \(as u:alice\)"
probe "account carol@example.org" >/dev/null
is "sync: carol suspended" "$(field suspended)" 1
probe "account *" >/dev/null
is "sync: '*' finds nobody" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "notfound sync"
t0=$(date +%s%N)
ldap_admin b <<L
dn: uid=bob,ou=people,dc=example,dc=org
changetype: modify
add: objectClass
objectClass: relayMilterAccount
-
add: relayMilterSuspended
relayMilterSuspended: TRUE
L
if probe_until 5 "account bob@example.org" "found sync" && [ "$(field suspended)" = 1 ]; then :; fi
for _ in $(seq 1 25); do
	probe "account bob@example.org" >/dev/null
	[ "$(field suspended)" = 1 ] && break
	sleep 0.1
done
ms=$((($(date +%s%N) - t0) / 1000000))
ok_if "sync: a suspension in LDAP counts within 2 s (${ms} ms)" [ "$(field suspended)" = 1 -a "$ms" -le 2000 ]
probe stats >/dev/null
is "sync: no per-login LDAP search" "$(field queries)" 0
probe_check
like "-n -n counts the accounts" "$REPORT" "accounts: 4 entries"
like "-n -n reports the synced accounts" "$REPORT" "sync accounts: 4 entries, complete; content sync answered"
slapd_stop b
probe "account bob@example.org" >/dev/null
is "sync, slapd down: the suspension still holds" "$(ans_source "$REPLY_LINE") $(field suspended)" "sync 1"
probe_stop

done_testing
