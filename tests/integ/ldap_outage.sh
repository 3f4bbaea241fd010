#!/bin/bash
# The directory fails: slapd stopped (stale cache within stale_ttl, then
# error, never found; networks in memory unaffected), restarted (recovers
# without restarting us), hung with SIGSTOP (every lookup returns within the
# budget), resumed, and down when we start.
. "$top_srcdir/tests/integ/lib_slapd.sh"

slapd_init a
slapd_start a
CONF=$TMP/rm.conf
# timeout 1 s, budget 2.5 s (lib_slapd.sh); short TTLs to watch them expire.
write_ldap_conf "$CONF" "$(slapd_uri a)" "" \
	"positive_ttl = 1; negative_ttl = 1; stale_ttl = 4;"
BUDGET_MS=2500
probe_start "$CONF"

probe "domain example.org" >/dev/null
is "up: example.org found in LDAP" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "found ldap"
probe "domain nowhere.example" >/dev/null
is "up: nowhere.example not found" "$(ans_status "$REPLY_LINE")" notfound

# --- slapd stopped
slapd_stop a
sleep 1.2 # the cached answers expire (TTL 1 s)
probe "domain example.org" >/dev/null
is "stopped: expired entry within stale_ttl decides" \
	"$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "found stale-cache"
like "stopped: the stale trace says why" "$REPLY_LINE" "stale cache: example.org found .* because .*Can't contact LDAP server"
like "stopped: the failed search and the failed reconnect, separated" "$REPLY_LINE" \
	"search: Can't contact LDAP server \(-1\); ldap://[^ ]+: connect: "
probe "domain nowhere.example" >/dev/null
is "stopped: a stale negative answer also decides" \
	"$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "notfound stale-cache"
probe "domain example.net" >/dev/null
is "stopped: never-seen domain is an error" "$(ans_status "$REPLY_LINE")" error
ok_if "stopped: the error came fast ($(ans_ms "$REPLY_LINE") ms)" [ "$(ans_ms "$REPLY_LINE")" -lt 500 ]
probe "client 198.51.100.7" >/dev/null
is "stopped: networks still answered from memory" "$(ans_status "$REPLY_LINE")" found
sleep 3.5 # beyond stale_ttl
probe "domain example.org" >/dev/null
is "stopped: beyond stale_ttl an error, never found" "$(ans_status "$REPLY_LINE")" error

# --- restarted: recovers by itself
slapd_start a
t0=$SECONDS
ok_if "restarted: lookups recover without restarting" \
	probe_until 8 "domain example.org" "found ldap"
echo "# recovered after $((SECONDS - t0)) s"
like "recovery is logged" "$(cat "$TMP/probe.err")" "reachable again after"

# --- hung (SIGSTOP): bounded by the budget, then fast
sleep 1.1 # let the cache expire
slapd_hang a
max=0
all_safe=yes
for i in 1 2 3 4 5; do
	probe "domain example.org" >/dev/null
	ms=$(ans_ms "$REPLY_LINE")
	[ "$ms" -gt "$max" ] && max=$ms
	case "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" in
	"found stale-cache" | "error ldap") ;;
	*) all_safe="no: $REPLY_LINE" ;;
	esac
	echo "# hung lookup $i: $ms ms"
done
is "hung: every answer is a stale one or an error" "$all_safe" yes
ok_if "hung: every lookup within the budget (max $max ms)" [ "$max" -le "$BUDGET_MS" ]
probe "domain never-cached.example" >/dev/null
is "hung: uncached domain is an error" "$(ans_status "$REPLY_LINE")" error
ok_if "hung: once marked down, errors come at once ($(ans_ms "$REPLY_LINE") ms)" \
	[ "$(ans_ms "$REPLY_LINE")" -lt 200 ]
like "hung: logged clearly" "$(cat "$TMP/probe.err")" "unusable: no answer within 1.0s"
slapd_resume a
t0=$SECONDS
ok_if "resumed: recovers" probe_until 8 "domain example.org" "found ldap"
echo "# recovered after $((SECONDS - t0)) s"
probe_stop

# --- down when we start: create succeeds, errors, then normal service
slapd_stop a
t0=$(date +%s%N)
probe_start "$CONF"
echo "# started with slapd down in $((($(date +%s%N) - t0) / 1000000)) ms"
ok "down at start: the directory is created anyway"
probe "domain example.org" >/dev/null
is "down at start: lookups are errors" "$(ans_status "$REPLY_LINE")" error
probe "client 198.51.100.7" >/dev/null
is "down at start: networks never loaded: an error, not 'not allowlisted'" "$(ans_status "$REPLY_LINE")" error
slapd_start a
ok_if "down at start: serves once slapd is up" probe_until 8 "domain example.org" "found ldap"
ok_if "down at start: networks loaded once slapd is up" \
	probe_until 12 "client 198.51.100.7" "found ldap"
probe_stop

done_testing
