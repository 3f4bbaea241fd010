#!/bin/bash
# Sync mode (ldap.mode = "sync") against a real slapd with syncprov: the
# whole policy in memory, edits live within 2 s (add, delete, modify of one
# value, an entry leaving the filter), decisions unchanged and no LDAP I/O
# on the deciding threads while slapd is stopped or hung, reconnects that
# resume from the cookie (deletes while disconnected arrive through the
# sessionlog), the -n -n report and the counters. dirprobe drives the
# backend; a socat proxy between it and slapd cuts the connection without
# restarting slapd (which would lose its sessionlog).
. "$top_srcdir/tests/integ/lib_slapd.sh"
. "$top_srcdir/tests/integ/lib_sync.sh"

export SLAPD_SYNCPROV=1 SLAPD_SESSIONLOG=100
slapd_init a
slapd_start a
proxy_up a

CONF=$TMP/rm.conf
# Entries with description=disabled leave the filter.
sync_conf "$CONF" a '
  domains = { base = "ou=domains,dc=example,dc=org";
    filter = "(&(objectClass=domainRelatedObject)(!(description=disabled))(associatedDomain=%s))"; };'
# write_ldap_conf has its own domains group: keep only ours (the later one).
awk '/^  domains = \{ base = "ou=domains,dc=example,dc=org";$/ && !seen++ { getline; next } { print }' \
	"$CONF" >"$CONF.new" && mv "$CONF.new" "$CONF"
probe_start "$CONF"

queries() { probe stats >/dev/null; field queries; }

probe "sync domains" >/dev/null
like "domains synced at start: complete, syncprov answered" "$REPLY_LINE" \
	"entries=3 complete=1 syncprov=1 cookie=1"
probe "sync networks" >/dev/null
like "networks synced at start" "$REPLY_LINE" "entries=3 complete=1 syncprov=1"
probe "domain example.org" >/dev/null
is "a domain answered from memory" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "found sync"
like "its trace says where" "$REPLY_LINE" "sync domains: example.org"
probe "domain nowhere.example" >/dev/null
is "an unknown domain: not found, from memory" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "notfound sync"
probe "client 198.51.100.7" >/dev/null
is "an LDAP network answered from memory" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "found sync"
probe "client 192.0.2.5" >/dev/null
is "an invalid network value is skipped, not widened" "$(ans_status "$REPLY_LINE")" notfound
like "the skipped value is logged" "$(cat "$TMP/probe.err")" 'skipped network "192.0.2.77/24"'
Q0=$(queries)
is "no lookup went to LDAP" "$Q0" 0

# Edits: each must change the decision within 2 s.
DELAYS=
# edit_until WHAT "CMD" "STATUS SOURCE": the edit was just made; wait for it.
edit_until() {
	local t0=$EDIT_T0 ms
	if probe_until 5 "$2" "$3"; then
		ms=$((($(date +%s%N) - t0) / 1000000))
		DELAYS="$DELAYS $ms"
		ok_if "$1: seen in ${ms} ms (at most 2000)" [ "$ms" -le 2000 ]
	else
		not_ok "$1: not seen within 5 s" "$REPLY_LINE"
	fi
}
EDIT_T0=$(date +%s%N)
ldap_admin a <<L
dn: associatedDomain=new.example,ou=domains,dc=example,dc=org
changetype: add
objectClass: relayDomain
objectClass: domainRelatedObject
associatedDomain: new.example
L
edit_until "an added domain" "domain new.example" "found sync"
EDIT_T0=$(date +%s%N)
ldap_admin a <<L
dn: associatedDomain=example.net,ou=domains,dc=example,dc=org
changetype: delete
L
edit_until "a deleted domain" "domain example.net" "notfound sync"
EDIT_T0=$(date +%s%N)
ldap_admin a <<L
dn: associatedDomain=example.org,ou=domains,dc=example,dc=org
changetype: modify
add: associatedDomain
associatedDomain: alias.example
L
edit_until "a value added to an entry" "domain alias.example" "found sync"
EDIT_T0=$(date +%s%N)
ldap_admin a <<L
dn: associatedDomain=example.org,ou=domains,dc=example,dc=org
changetype: modify
delete: associatedDomain
associatedDomain: alias.example
L
edit_until "one value deleted from an entry" "domain alias.example" "notfound sync"
probe "domain example.org" >/dev/null
is "the entry's other value stays" "$(ans_status "$REPLY_LINE")" found
EDIT_T0=$(date +%s%N)
ldap_admin a <<L
dn: associatedDomain=lists.example.com,ou=domains,dc=example,dc=org
changetype: modify
add: description
description: disabled
L
edit_until "an entry leaving the filter" "domain lists.example.com" "notfound sync"
EDIT_T0=$(date +%s%N)
ldap_admin a <<L
dn: cn=office,ou=networks,dc=example,dc=org
changetype: modify
add: relayClientNetwork
relayClientNetwork: 100.64.9.0/24
L
edit_until "a network added" "client 100.64.9.1" "found sync"
is "no edit made a lookup go to LDAP" "$(queries)" 0
echo "# edit-to-decision delays (ms):$DELAYS"

# Deletes while disconnected, through the sessionlog: cut the connection,
# edit, restore; the reconnect resumes from the cookie.
probe "sync domains" >/dev/null
C0=$(field changes)
R0=$(field reconnects)
proxy_cut a
ldap_admin a <<L
dn: associatedDomain=new.example,ou=domains,dc=example,dc=org
changetype: delete
L
ldap_admin a <<L
dn: associatedDomain=gone.example,ou=domains,dc=example,dc=org
changetype: add
objectClass: relayDomain
objectClass: domainRelatedObject
associatedDomain: gone.example
L
probe "domain new.example" >/dev/null
is "while disconnected the published set still decides" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "found sync"
proxy_up a
if probe_until 40 "domain new.example" "notfound sync"; then
	ok "a delete made while disconnected arrives after the reconnect"
else
	not_ok "a delete made while disconnected arrives after the reconnect" "$REPLY_LINE"
fi
probe_until 5 "domain gone.example" "found sync"
is "an add made while disconnected arrives too" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "found sync"
probe "sync domains" >/dev/null
ok_if "the sync reconnected ($(field reconnects) > $R0)" [ "$(field reconnects)" -gt "$R0" ]
is "resumed from the cookie: only the two edits were applied, not a reload" \
	"$(($(field changes) - C0))" 2

# slapd stopped: decisions unchanged, no LDAP I/O on the deciding side.
probe "sync domains" >/dev/null
R_STOP=$(field reconnects)
slapd_stop a
for q in "domain example.org:found" "domain gone.example:found" "domain nowhere.example:notfound" \
	"client 100.64.9.1:found"; do
	probe "${q%:*}" >/dev/null
	is "slapd stopped: ${q%:*} still ${q#*:} from memory" \
		"$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "${q#*:} sync"
	ok_if "slapd stopped: ${q%:*} answered in $(ans_ms "$REPLY_LINE") ms (< 50)" [ "$(ans_ms "$REPLY_LINE")" -lt 50 ]
done
is "slapd stopped: no lookup went to LDAP" "$(queries)" 0
slapd_start a
# Wait until the sync is back on the restarted slapd (its backoff grew).
for _ in $(seq 1 120); do
	probe "sync domains" >/dev/null
	[ "$(field reconnects)" -gt "$R_STOP" ] && break
	sleep 0.25
done
ok_if "the sync is back after slapd's restart" [ "$(field reconnects)" -gt "$R_STOP" ]
R1=$(field reconnects)
# slapd hung (SIGSTOP): TCP keepalive cannot tell; the watchdog must.
slapd_hang a
sleep 1
probe "domain example.org" >/dev/null
is "slapd hung: decisions unchanged" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "found sync"
for _ in $(seq 1 40); do
	grep -q 'no answer for .* (watchdog)' "$TMP/probe.err" && break
	sleep 0.5
done
like "slapd hung: the watchdog notices the silent stream" "$(cat "$TMP/probe.err")" \
	'ldap sync (domains|networks): ldap://127.0.0.1:[0-9]+: no answer for [0-9]+ s \(watchdog\); reconnecting'
probe "domain example.org" >/dev/null
ok_if "slapd hung: still answered from memory in $(ans_ms "$REPLY_LINE") ms" \
	[ "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" = "found sync" -a "$(ans_ms "$REPLY_LINE")" -lt 50 ]
is "slapd hung: no lookup went to LDAP" "$(queries)" 0
slapd_resume a
EDIT_T0=$(date +%s%N)
ldap_admin a <<L
dn: associatedDomain=after.example,ou=domains,dc=example,dc=org
changetype: add
objectClass: relayDomain
objectClass: domainRelatedObject
associatedDomain: after.example
L
if probe_until 40 "domain after.example" "found sync"; then
	ok "after the hang the sync is live again"
else
	not_ok "after the hang the sync is live again" "$REPLY_LINE"
fi
probe "sync domains" >/dev/null
ok_if "the watchdog reconnected ($(field reconnects) > $R1)" [ "$(field reconnects)" -gt "$R1" ]

# -n -n in sync mode.
probe_check
is "-n -n succeeds" "$CHECK_RC" ok
like "-n -n names the mode" "$REPORT" "mode: sync"
like "-n -n: the domains set, complete, with syncprov and a cookie" "$REPORT" \
	"sync domains: 3 entries, complete; content sync answered; cookie held"
like "-n -n: the networks set" "$REPORT" "sync networks: 3 entries, complete; content sync answered"
probe_stop

# Provider restored from an older backup: our cookie is newer than its
# state (result 53): drop the cookie, reload in full.
"${SLAPCAT:-/usr/sbin/slapcat}" -f "$TMP/a/slapd.conf" -l "$TMP/backup.ldif" 2>/dev/null ||
	bail_out "slapcat failed"
probe_start "$CONF"
ldap_admin a <<L
dn: associatedDomain=later.example,ou=domains,dc=example,dc=org
changetype: add
objectClass: relayDomain
objectClass: domainRelatedObject
associatedDomain: later.example
L
probe_until 5 "domain later.example" "found sync" || true
is "an edit after the backup is synced" "$(ans_status "$REPLY_LINE")" found
slapd_stop a
rm -rf "$TMP/a/db" && mkdir "$TMP/a/db"
"$SLAPADD" -q -f "$TMP/a/slapd.conf" -l "$TMP/backup.ldif" >/dev/null 2>&1 || bail_out "slapadd of the backup failed"
slapd_start a
if probe_until 40 "domain later.example" "notfound sync"; then
	ok "restored provider: the set follows it back (the newer entry is gone)"
else
	not_ok "restored provider: the set follows it back" "$REPLY_LINE"
fi
like "restored provider: the refused cookie is logged" "$(cat "$TMP/probe.err")" \
	"refuses our cookie .*full reload"
probe "domain example.org" >/dev/null
is "restored provider: the rest of the set is intact" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "found sync"
probe_stop

# slapd down at start: query-mode behaviour, then sync by itself.
slapd_stop a
probe_start "$CONF"
probe "domain example.org" >/dev/null
is "slapd down at start: an error, never 'not found'" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "error ldap"
slapd_start a
if probe_until 40 "domain example.org" "found sync"; then
	ok "slapd back: sync starts by itself"
else
	not_ok "slapd back: sync starts by itself" "$REPLY_LINE"
fi
probe_stop

done_testing
