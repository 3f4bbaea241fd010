#!/bin/bash
# ldap_daemon.sh: the real relaymilter with its policy in a real slapd,
# driven over the milter protocol (tests/mtclient) with Postfix's and
# Sendmail's macro sets: domains and networks from LDAP, the cache and its
# sources in the decision log, a network added in LDAP and picked up by the
# refresh, injection-shaped recipients, SIGUSR1 expiring the cache, slapd
# stopped / hung / down at start / bound with a wrong password, -n -n, and
# on_lookup_error = "reject". Runs under RM_WRAPPER (valgrind) too.
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/integ/lib_slapd.sh" # shares lib.sh's TMP, chains its cleanup

. "$top_srcdir/tests/integ/lib_ldapd.sh"

slapd_init a
slapd_start a
conf
rm_start "$CONF" || bail_out "relaymilter did not start"

# ---- domains from LDAP, both macro sets; the first asks LDAP, the second
# is answered from the cache (positive and negative).
for preset in postfix sendmail; do
	case $preset in postfix) c=203.0.113.5 ;; sendmail) c=203.0.113.6 ;; esac
	sess $preset $c '<b@example.org>' '<b@nowhere.example>' '<b@deep.sub.example.net>' \
		'<b@lists.example.com>' '<b@example.com>' '<b@static.example>'
	like "$preset: LDAP domain accepted" "$(answer '<b@example.org>')" '^continue$'
	like "$preset: domain not in LDAP: 550 5.7.1" "$(answer '<b@nowhere.example>')" "$DENIED"
	like "$preset: subdomain of an LDAP domain (match_subdomains)" \
		"$(answer '<b@deep.sub.example.net>')" '^continue$'
	like "$preset: listed subdomain accepted" "$(answer '<b@lists.example.com>')" '^continue$'
	like "$preset: its parent is not local" "$(answer '<b@example.com>')" "$DENIED"
	like "$preset: static domain still local" "$(answer '<b@static.example>')" '^continue$'
done
is "log: first lookup of a found domain from ldap" "$(logged 203.0.113.5 '<b@example.org>')" \
	"accept local-recipient ldap"
is "log: second one from the cache" "$(logged 203.0.113.6 '<b@example.org>')" \
	"accept local-recipient cache"
is "log: not found from ldap" "$(logged 203.0.113.5 '<b@nowhere.example>')" \
	"reject unauth-relay ldap"
is "log: not found, then from the (negative) cache" "$(logged 203.0.113.6 '<b@nowhere.example>')" \
	"reject unauth-relay cache"
is "log: subdomain found in ldap" "$(logged 203.0.113.5 '<b@deep.sub.example.net>')" \
	"accept local-recipient ldap"
is "log: static domain" "$(logged 203.0.113.5 '<b@static.example>')" \
	"accept local-recipient static"

# ---- networks from LDAP; add one now, check it after the refresh below.
for preset in postfix sendmail; do
	sess $preset 198.51.100.7 '<b@elsewhere.example>'
	like "$preset: client in an LDAP network relays" "$(answer '<b@elsewhere.example>')" '^continue$'
	sess $preset 2001:db8:100::9 '<b@elsewhere.example>'
	like "$preset: IPv6 client in an LDAP network relays" "$(answer '<b@elsewhere.example>')" '^continue$'
	sess $preset 203.0.113.77 '<b@elsewhere.example>'
	like "$preset: client not yet in LDAP refused" "$(answer '<b@elsewhere.example>')" "$DENIED"
done
is "log: LDAP network is allowlisted-client, source ldap" \
	"$(logged 198.51.100.7 '<b@elsewhere.example>')" "accept allowlisted-client ldap"
ldap_admin a -a <<'L'
dn: cn=newnet,ou=networks,dc=example,dc=org
objectClass: relayClient
cn: newnet
relayClientNetwork: 203.0.113.64/26
L
ok_if "ldapadd of a new network" test $? -eq 0
T_NET=$SECONDS

# ---- injection-shaped recipients: never accepted.
for preset in postfix sendmail; do
	sess $preset 203.0.113.5 '<b@*>' '<b@example.org)(objectClass=*>' '<b@exa\2a>' \
		'<b@*)(associatedDomain=*>' '<b@example.org)>' '<b@\2a>' '<b*@example.org>'
	for r in '<b@*>' '<b@example.org)(objectClass=*>' '<b@exa\2a>' '<b@*)(associatedDomain=*>' \
		'<b@example.org)>' '<b@\2a>'; do
		like "$preset: injection-shaped $r refused" "$(answer "$r")" '^reply 5(01 5\.1\.3|50 5\.7\.1) '
	done
	like "$preset: '*' in the local part is just a local part" "$(answer '<b*@example.org>')" '^continue$'
done
n=$(json_q 'select(.client_addr == "203.0.113.5" and (.rcpt | test("[*)\\\\]")) and .action == "accept") | .rcpt' |
	grep -vc '^<b\*@example.org>$')
is "log: no injection-shaped recipient was accepted" "$n" 0
ok_if "slapd still answers after the injection attempts" \
	ldapsearch -x -H "$(slapd_uri a)" -b "" -s base -o nettimeout=1 >/dev/null

# ---- relaymilter -n -n against the live slapd.
out=$("$RM_BIN" -n -n -c "$CONF" 2>&1)
is "-n -n: exit 0" "$?" 0
like "-n -n: bind OK" "$out" "$(slapd_uri a): OK in [0-9]+ ms; TLS off; bind $SERVICE_DN"
like "-n -n: domains counted" "$out" "domains: 3 entries"
like "-n -n: networks counted" "$out" "networks: [0-9]+ valid"
conf "" "" "$BADSECRET"
out=$("$RM_BIN" -n -n -c "$CONF" 2>&1)
is "-n -n, wrong password: exit 69 (directory unusable)" "$?" 69
like "-n -n, wrong password: says why" "$out" "$(slapd_uri a): FAILED: bind as $SERVICE_DN: Invalid credentials \(49\)"
conf

# ---- the network added in LDAP shows up after the refresh.
for preset in postfix sendmail; do
	ok_if "$preset: network added in LDAP picked up by the refresh" \
		until_answer $((REFRESH + 8)) $preset 203.0.113.70 '<b@elsewhere.example>' '^continue$'
done
echo "# picked up $((SECONDS - T_NET)) s after the ldapadd (refresh $REFRESH s)"
is "log: the new network, source ldap" "$(logged 203.0.113.70 '<b@elsewhere.example>')" \
	"accept allowlisted-client ldap"

# ---- SIGUSR1 expires the cache: an edit in LDAP is seen at once.
ldap_admin a -a <<'L'
dn: associatedDomain=flush.example,ou=domains,dc=example,dc=org
objectClass: relayDomain
objectClass: domainRelatedObject
associatedDomain: flush.example
L
sess postfix 203.0.113.5 '<b@flush.example>'
like "flush: domain added in LDAP accepted" "$(answer '<b@flush.example>')" '^continue$'
ldap_admin a <<'L'
dn: associatedDomain=flush.example,ou=domains,dc=example,dc=org
changetype: delete
L
sess sendmail 203.0.113.6 '<b@flush.example>'
like "flush: removed from LDAP, still accepted from the cache" "$(answer '<b@flush.example>')" '^continue$'
is "flush: ... logged source=cache" "$(logged 203.0.113.6 '<b@flush.example>')" "accept local-recipient cache"
ok_if "flush: SIGUSR1 reload" reload
sess sendmail 203.0.113.6 '<b@flush.example>'
like "flush: after SIGUSR1 refused" "$(answer '<b@flush.example>')" "$DENIED"
is "flush: ... logged source=ldap" "$(logged 203.0.113.6 '<b@flush.example>')" "reject unauth-relay ldap"

# ---- slapd stopped: short TTLs, long stale_ttl.
conf "positive_ttl = 1; negative_ttl = 1; stale_ttl = 3600;"
ok_if "outage: reload with short TTLs" reload
sess postfix 203.0.113.5 '<b@example.org>' '<b@nowhere.example>'
slapd_stop a
sleep 1.2 # the cached answers expire
for preset in postfix sendmail; do
	case $preset in postfix) c=203.0.113.5 ;; sendmail) c=203.0.113.6 ;; esac
	sess $preset $c '<b@example.org>' '<b@nowhere.example>' '<b@uncached.example>'
	like "$preset, slapd down: cached domain accepted within stale_ttl" \
		"$(answer '<b@example.org>')" '^continue$'
	is "$preset, slapd down: ... logged source=stale-cache" "$(logged $c '<b@example.org>')" \
		"accept local-recipient stale-cache"
	like "$preset, slapd down: stale negative answer still refuses" \
		"$(answer '<b@nowhere.example>')" "$DENIED"
	like "$preset, slapd down: uncached domain: 451 4.3.0" \
		"$(answer '<b@uncached.example>')" "$TEMPFAIL"
	is "$preset, slapd down: ... logged lookup-error" \
		"$(logged $c '<b@uncached.example>' | cut -d' ' -f1,2)" "tempfail lookup-error"
	AUTH=alice sess $preset 203.0.113.8 '<b@elsewhere.example>'
	like "$preset, slapd down: authenticated client relays" "$(answer '<b@elsewhere.example>')" '^continue$'
	sess $preset 127.0.0.1 '<b@elsewhere.example>'
	like "$preset, slapd down: static allowlist relays" "$(answer '<b@elsewhere.example>')" '^continue$'
	sess $preset 198.51.100.7 '<b@elsewhere.example>'
	like "$preset, slapd down: LDAP network (in memory) relays" "$(answer '<b@elsewhere.example>')" '^continue$'
done
slapd_start a
t0=$SECONDS
ok_if "slapd restarted: normal service without restarting relaymilter" \
	until_answer 10 postfix 203.0.113.5 '<b@uncached.example>' "$DENIED"
echo "# recovered $((SECONDS - t0)) s after slapd came back"
sess sendmail 203.0.113.6 '<b@example.org>'
like "slapd restarted: LDAP domain accepted" "$(answer '<b@example.org>')" '^continue$'
is "slapd restarted: ... source ldap again" "$(logged 203.0.113.6 '<b@example.org>')" \
	"accept local-recipient ldap"

# ---- slapd hung: every RCPT answered within the budget, as a tempfail;
# three sessions at once, so no milter thread is stuck behind another.
slapd_hang a
t0=$(date +%s%N)
pids=
for preset in postfix sendmail postfix; do
	( sess $preset 203.0.113.5 '<b@hung1.example>' '<b@hung2.example>' '<b@hung3.example>'
	  printf '%s\n' "$OUT" >"$TMP/hung.$BASHPID" ) &
	pids="$pids $!"
done
wait $pids # only these: a bare wait would wait for the daemon and slapd too
ms=$(ms_since "$t0")
limit=$(awk -v b="$BUDGET" 'BEGIN { print int((b + 2) * 1000) }')
n=$(cat "$TMP"/hung.* | grep -c '^rcpt ')
bad=$(cat "$TMP"/hung.* | grep '^rcpt ' | grep -Ev ': reply 451 4\.3\.0 ' || true)
is "hung: 9 RCPTs in 3 concurrent sessions answered" "$n" 9
is "hung: every one a 451 4.3.0 tempfail" "$bad" ""
ok_if "hung: all answered within budget + 2 s ($ms ms <= $limit ms)" test "$ms" -le "$limit"
max=$(json_q 'select(.rcpt and (.rcpt | test("hung[123]"))) | .ms' | sort -n | tail -1)
ok_if "hung: the log's ms within the budget (max $max ms)" \
	awk -v m="${max:-99999}" -v b="$BUDGET" 'BEGIN { exit !(m <= b * 1000) }'
t0=$(date +%s%N)
sess sendmail 203.0.113.6 '<b@hung4.example>'
ms=$(ms_since "$t0")
like "hung: a later RCPT tempfails too" "$(answer '<b@hung4.example>')" "$TEMPFAIL"
ok_if "hung: ... at once, the server is known down ($ms ms)" test "$ms" -lt 1500
like "hung: logged clearly" "$(cat "$TMP/stderr")" "server $(slapd_uri a) unusable: no answer within $TIMEOUT"
slapd_resume a
t0=$SECONDS
ok_if "kill -CONT: normal service again" \
	until_answer 10 sendmail 203.0.113.6 '<b@hung1.example>' "$DENIED"
echo "# recovered $((SECONDS - t0)) s after SIGCONT"

# ---- wrong bind password: the daemon in service tempfails.
conf "" "" "$BADSECRET"
ok_if "wrong password: reload" reload
sess postfix 203.0.113.5 '<b@example.net>'
like "wrong password: directory lookup tempfails" "$(answer '<b@example.net>')" "$TEMPFAIL"
like "wrong password: logged, naming the URI once" \
	"$(grep -F "$(slapd_uri a)" "$TMP/stderr" | grep 'unusable: .*Invalid credentials' | tail -1)" \
	"server $(slapd_uri a) unusable: bind as $SERVICE_DN: Invalid credentials \(49\)"
if grep -q -e "$SERVICE_PW" -e wrong "$TMP/stderr"; then
	not_ok "wrong password: no password in the log"
else
	ok "wrong password: no password in the log"
fi

# ---- on_lookup_error = "reject": slapd down, uncached domain -> 550.
conf "" 'on_lookup_error = "reject";'
ok_if "on_lookup_error reject: reload" reload
slapd_stop a
# (example.org is in the cache the reloads carried over: it would be
# answered stale; a domain never asked for has nothing to fall back on.)
for preset in postfix sendmail; do
	sess $preset 203.0.113.5 '<b@never-asked.example>'
	like "$preset, on_lookup_error reject, slapd down: 550 5.7.1" \
		"$(answer '<b@never-asked.example>')" '^reply 550 5\.7\.1 '
done
is "on_lookup_error reject: logged reject lookup-error" \
	"$(logged 203.0.113.5 '<b@never-asked.example>' | cut -d' ' -f1,2)" "reject lookup-error"

# ---- slapd down when relaymilter starts.
rm_stop
is "stopped cleanly" "$?" 0
conf
rm_start "$CONF"
ok_if "slapd down at start: relaymilter starts anyway" kill -0 "$RM_PID"
for preset in postfix sendmail; do
	sess $preset 203.0.113.5 '<b@example.org>'
	like "$preset, down at start: directory lookup tempfails" "$(answer '<b@example.org>')" "$TEMPFAIL"
	AUTH=alice sess $preset 203.0.113.8 '<b@elsewhere.example>'
	like "$preset, down at start: authenticated client relays" "$(answer '<b@elsewhere.example>')" '^continue$'
done
# No LDAP networks loaded yet: an LDAP-network client is not allowlisted,
# but its remote recipient needs the (down) directory, so 451, never 550.
sess postfix 198.51.100.7 '<b@elsewhere.example>'
like "down at start: LDAP-network client to a remote domain: 451, not 550" \
	"$(answer '<b@elsewhere.example>')" "$TEMPFAIL"
slapd_start a
t0=$SECONDS
ok_if "down at start: serves once slapd is up" \
	until_answer 10 postfix 203.0.113.5 '<b@example.org>' '^continue$'
ok_if "down at start: LDAP networks loaded once slapd is up" \
	until_answer $((REFRESH + 5)) sendmail 198.51.100.7 '<b@elsewhere.example>' '^continue$'
echo "# LDAP networks after $((SECONDS - t0)) s"

rm_stop
is "final stop: exit 0" "$?" 0
echo "# wall time $((SECONDS - T_START)) s"
done_testing
