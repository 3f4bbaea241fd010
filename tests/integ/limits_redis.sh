#!/bin/bash
# limits_redis.sh: rate limits shared through a real, private redis-server
# (SPEC §9) by two real daemons over the milter protocol: two daemons
# hammering one login at once never accept more than max together; a
# suspension written through one is seen by the other; relaymilter-query
# --limits and --reset; the store stopped, hung (SIGSTOP) and restarted,
# with every decision's time bounded by limits.redis.timeout, the memory
# counters enforcing meanwhile (one warning per outage, counters), and
# on_store_error = "tempfail"; a password file. Runs under RM_WRAPPER
# (valgrind) and TSan too.
. "$top_srcdir/tests/daemon/lib.sh"
REDIS_SOCKPERM=777 # the daemon runs as nobody
. "$top_srcdir/tests/integ/lib_redis.sh"

QUERY=$top_builddir/relaymilter-query
SOCK1=$SOCK
SOCK2=$TMP/rm2.sock
JSON1=$JSON
JSON2=$TMP/decisions2.json
TIMEOUT=0.2
RM2_PID=
# Time bounds (ms): the store's timeout plus a margin for this machine; a
# wrapper (valgrind, TSan) makes every decision slower, not the timeout.
SLACK=60 SKIP_MS=20
[ -n "${RM_WRAPPER:-}${RM_TSAN:-}" ] && SLACK=600 SKIP_MS=150

redis_start r
RSOCK=$(redis_sock r)

# conf FILE SOCKET JSON [on_store_error] [redis group]: the shared config.
conf() {
	local f=$1 sock=$2 json=$3 onerr=${4:-local} redis=${5:-"server = \"unix:$RSOCK\"; timeout = $TIMEOUT;"}
	SOCK=$sock JSON=$json write_config "$f" '
  accounts = ( { login = "zed@example.org"; limits = [ "susp=3" ]; } );' "
accounts = { default_domain = \"example.org\"; };
limits = {
  store = \"redis\";
  redis = { $redis };
  on_store_error = \"$onerr\";
  rules = (
    { name = \"shared-rcpt\"; key = \"login\"; max = 20; per = 3600; },
    { name = \"susp\"; key = \"login\"; max = 1000; per = 3600; action = \"suspend\"; suspend = 600; }
  );
};"
}
conf "$TMP/rm1.conf" "$SOCK1" "$JSON1"
conf "$TMP/rm2.conf" "$SOCK2" "$JSON2"

rm2_start() {
	rm -f "$SOCK2"
	# shellcheck disable=SC2086
	${RM_WRAPPER:-} "$RM_BIN" -f -c "$TMP/rm2.conf" 2>>"$TMP/stderr2" &
	RM2_PID=$!
	for _ in $(seq 1 200); do [ -S "$SOCK2" ] && return 0; sleep 0.05; done
	return 1
}
rm2_stop() {
	[ -n "$RM2_PID" ] || return 0
	kill "$RM2_PID" 2>/dev/null
	wait "$RM2_PID" 2>/dev/null
	local rc=$?
	RM2_PID=
	return $rc
}
trap 'rm2_stop; lib_redis_cleanup' EXIT

# one SOCK ADDR LOGIN RCPT...: one transaction; output in $OUT.
one() {
	local sock=$1 addr=$2 login=$3 r
	shift 3
	OUT=$({
		echo "connect client.example.net $addr"
		echo "helo client.example.net"
		echo "auth $login PLAIN"
		echo "mail <>"
		for r in "$@"; do printf 'rcpt %s\n' "$r"; done
		echo eom
		echo quit
	} | "$MTCLIENT" -s "unix:$sock" -m postfix -t 15 - 2>&1)
}
answer() { grep -F -- "rcpt $1: " <<<"$OUT" | head -1 | sed 's/^[^:]*: //'; }
# burst SOCK LOGIN N TAG: N transactions of one recipient; prints how many passed.
burst() {
	local ok=0 i
	for i in $(seq 1 "$3"); do
		one "$1" 203.0.113.50 "$2" "<$4-$i@remote.example>"
		[ "$(answer "<$4-$i@remote.example>")" = continue ] && ok=$((ok + 1))
	done
	echo $ok
}
RATE='^reply 451 4\.7\.1 <[^>]*>: Rate limit exceeded, try again later$'

rm_start "$TMP/rm1.conf" || bail_out "relaymilter 1 did not start"
rm2_start || bail_out "relaymilter 2 did not start: $(cat "$TMP/stderr2")"
ok "two daemons on one redis-server ($RSOCK)"
like "relaymilter -n -n: the rules and the store answering" "$("$RM_BIN" -n -n -c "$TMP/rm1.conf" 2>&1)" \
	"limits: 2 rules, store unix:.*: answering"

# ---- two daemons at once, one login: never more than max together ----
burst "$SOCK1" pat 15 p1 >"$TMP/b1" &
b1=$!
burst "$SOCK2" pat 15 p2 >"$TMP/b2" &
b2=$!
wait $b1 $b2
n1=$(cat "$TMP/b1") n2=$(cat "$TMP/b2")
is "30 recipients for pat through two daemons at once: exactly 20 accepted ($n1 + $n2)" "$((n1 + n2))" 20
ok_if "  both daemons accepted some ($n1, $n2)" [ "$n1" -gt 0 -a "$n2" -gt 0 ]
one "$SOCK2" 203.0.113.51 pat@example.org '<p3@remote.example>'
like "  pat@example.org is the same counter (daemon 2 refuses)" "$(answer '<p3@remote.example>')" "$RATE"
like "  the key is in Redis, prefixed, with the hash tag" \
	"$(redis_cli r --scan --pattern 'relaymilter:*')" 'relaymilter:v1:\{u:pat@example\.org\}:shared-rcpt'

# ---- suspend through daemon 1, seen by daemon 2 ----
is "zed (susp=3): 3 accepted through daemon 1" "$(burst "$SOCK1" zed 4 z1)" 3
like "  event=account-suspended logged by daemon 1" "$(grep 'event=account-suspended' "$TMP/stderr")" 'login=zed@example.org limit=susp'
one "$SOCK2" 203.0.113.52 zed '<z2@remote.example>' '<z2@example.org>'
like "daemon 2 sees the suspension: relay refused as suspended" "$(answer '<z2@remote.example>')" \
	'^reply 550 5\.7\.1 <z2@remote\.example>: Relay access denied: account suspended$'
is "  local mail still accepted" "$(answer '<z2@example.org>')" continue
is "  logged account-suspended source limits" \
	"$(jq -r 'select(.rcpt == "<z2@remote.example>") | [.reason,.source] | join(" ")' "$JSON2")" "account-suspended limits"

# ---- the abuse desk ----
out=$("$QUERY" -c "$TMP/rm1.conf" --limits --auth pat 2>&1)
rc=$?
like "query --limits --auth pat: used 20, remaining 0, retry after" "$out" \
	'shared-rcpt: relaymilter:v1:\{u:pat@example\.org\}:shared-rcpt max 20 per 3600s: used 20, remaining 0, retry after [0-9.]+s'
is "  exit 1 (a limit used up)" "$rc" 1
out=$("$QUERY" -c "$TMP/rm1.conf" --limits --auth zed 2>&1)
like "query --limits --auth zed: suspended until" "$out" 'suspended until 20[0-9-]+T[0-9:]+Z'
like "  with the account's override (susp max 3)" "$out" 'susp: .* max 3 per'
out=$("$QUERY" -c "$TMP/rm1.conf" --limits --reset --auth zed 2>&1)
like "query --limits --reset --auth zed: cleared, suspension lifted" "$out" 'suspension lifted'
one "$SOCK2" 203.0.113.53 zed '<z3@remote.example>'
is "  zed relays again through daemon 2" "$(answer '<z3@remote.example>')" continue
"$QUERY" -c "$TMP/rm1.conf" --limits --reset --auth pat >/dev/null 2>&1
one "$SOCK1" 203.0.113.54 pat '<p4@remote.example>'
is "  pat, reset, relays again" "$(answer '<p4@remote.example>')" continue
out=$("$QUERY" -c "$TMP/rm1.conf" --limits --client 192.0.2.1 2>&1)
like "query --limits --client: no client rule applies" "$out" 'no rule applies'

# ---- the store stopped: local counters enforce, decisions stay fast ----
redis_stop r
out=$("$RM_BIN" -n -n -c "$TMP/rm1.conf" 2>&1)
like "relaymilter -n -n, redis stopped: NOT answering" "$out" 'store unix:.*: NOT answering'
like "  and a warning line" "$out" 'warning: limits: the shared store does not answer'
like "  still exit 0, usable with warnings" "$out" 'configuration OK \(limits store usable with warnings\)'
is "redis stopped: quinn gets exactly 20 of 22 (this host's memory counters)" "$(burst "$SOCK1" quinn 22 q1)" 20
is "  one warning for the outage" "$(grep -c 'the shared store .* cannot answer' "$TMP/stderr")" 1
max_ms=$(jq -r 'select(.rcpt // "" | test("q1-")) | .ms' "$JSON1" | sort -g | tail -1)
ok_if "  every decision within limits.redis.timeout (slowest ${max_ms} ms)" \
	awk -v m="$max_ms" -v s="$SLACK" 'BEGIN { exit !(m <= 200 + s) }'
kill -USR2 "$RM_PID"
sleep 0.3
like "  SIGUSR2: store errors counted, fallback active" "$(grep 'stats:' "$TMP/stderr" | tail -1)" \
	'limit_store_errors=[1-9][0-9]* limit_fallback_checks=[1-9][0-9]* limit_fallback=1'
redis_start r
for _ in $(seq 1 40); do
	one "$SOCK1" 203.0.113.55 rita '<r0@remote.example>'
	[ -n "$(redis_cli r --scan --pattern '*rita*')" ] && break
	sleep 0.25
done
like "redis restarted (empty): the probe closes the breaker, counting goes back to Redis" \
	"$(redis_cli r --scan --pattern '*rita*')" 'shared-rcpt'
like "  logged that the store answers again" "$(grep 'answers again' "$TMP/stderr")" 'answers again'

# ---- the store hung (SIGSTOP): the first decision waits the timeout, the next skip ----
redis_hang r
start=$(date +%s%N)
is "redis hung: sam still gets 5 of 5 (memory counters)" "$(burst "$SOCK1" sam 5 s1)" 5
wall=$((($(date +%s%N) - start) / 1000000))
ms=$(jq -r 'select(.rcpt // "" | test("s1-")) | .ms' "$JSON1" | tr '\n' ' ')
first=$(awk '{print $1}' <<<"$ms")
rest=$(awk '{m=0; for (i=2;i<=NF;i++) if ($i>m) m=$i; print m}' <<<"$ms")
echo "# hung store: decision times $ms ms (5 sessions in $wall ms wall)"
ok_if "  the first decision bounded by the timeout ($first ms <= 200 + $SLACK)" \
	awk -v m="$first" -v s="$SLACK" 'BEGIN { exit !(m <= 200 + s) }'
ok_if "  the next ones skip the open breaker ($rest ms <= $SKIP_MS)" \
	awk -v m="$rest" -v s="$SKIP_MS" 'BEGIN { exit !(m <= s) }'
redis_resume r
for _ in $(seq 1 40); do
	one "$SOCK1" 203.0.113.56 tom '<t0@remote.example>'
	[ -n "$(redis_cli r --scan --pattern '*tom*')" ] && break
	sleep 0.25
done
like "redis resumed: counting in Redis again" "$(redis_cli r --scan --pattern '*tom*')" 'shared-rcpt'

# ---- on_store_error = "tempfail" ----
conf "$TMP/rm2.conf" "$SOCK2" "$JSON2" tempfail
kill -USR1 "$RM2_PID"
for _ in $(seq 1 50); do grep -q 'generation 2' "$TMP/stderr2" && break; sleep 0.1; done
redis_stop r
one "$SOCK2" 203.0.113.57 uma '<u1@remote.example>' '<u1@example.org>'
like "on_store_error tempfail, redis down: 451 4.3.0 to a recipient a rule applies to" \
	"$(answer '<u1@remote.example>')" '^reply 451 4\.3\.0 <u1@remote\.example>: Temporary lookup failure$'
is "  logged lookup-error source limits limit=shared-rcpt" \
	"$(jq -r 'select(.rcpt == "<u1@remote.example>") | [.reason,.source,.limit] | join(" ")' "$JSON2")" "lookup-error limits shared-rcpt"
redis_start r

# ---- a password file ----
REDIS_PASSWORD='s3cr3t-redis' redis_start rp
printf 's3cr3t-redis\n' >"$TMP/redis.pw"
chmod 600 "$TMP/redis.pw"
[ -n "$RM_USER" ] && chown "$RM_USER" "$TMP/redis.pw"
conf "$TMP/rm2.conf" "$SOCK2" "$JSON2" local "server = \"unix:$(redis_sock rp)\"; password_file = \"$TMP/redis.pw\"; timeout = $TIMEOUT;"
kill -USR1 "$RM2_PID"
for _ in $(seq 1 50); do grep -q 'generation 3' "$TMP/stderr2" && break; sleep 0.1; done
one "$SOCK2" 203.0.113.59 vic '<w1@remote.example>'
is "password_file: accepted" "$(answer '<w1@remote.example>')" continue
like "  counted in the password-protected Redis" "$(redis_cli rp --scan --pattern '*vic*')" 'shared-rcpt'
ok_if "  the password is in no log" bash -c "! grep -q 's3cr3t-redis' '$TMP/stderr' '$TMP/stderr2' '$JSON1' '$JSON2'"

rm2_stop
is "daemon 2 stops cleanly" "$?" 0
rm_stop
is "daemon 1 stops cleanly" "$?" 0
done_testing
