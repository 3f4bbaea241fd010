#!/bin/bash
# redisstore.sh: the Redis rate-limit store (policy/limits/redisstore.c)
# against a private redis-server on a unix socket, driven through
# tests/integ/redisprobe: exact allowances, refusals and dry runs that take
# nothing, the same answers as the memory store, suspensions, peek, reset,
# the key prefix, concurrent processes on one key, NOSCRIPT recovery, a
# restarted and a hung server (the breaker and its prober), AUTH, TCP.
# PROBE_WRAPPER (e.g. "valgrind --error-exitcode=99 --leak-check=full")
# runs every probe under it; the timing bounds are then only reported.
set -u
. "$top_srcdir/tests/integ/lib_redis.sh"

REDISPROBE=$top_builddir/tests/integ/redisprobe
TIMEOUT=0.2 # seconds, the store's per-call budget
TIMEOUT_MS=200
declare -A PROBE_IN PROBE_OUT PROBE_PIDS

# probe_open NAME SERVER [PASSWORD_FILE]: a long-lived redisprobe NAME, its
# stderr (the store's log) in $TMP/NAME.err.
probe_open() {
	local name=$1 line
	mkfifo "$TMP/$name.in" "$TMP/$name.out"
	# shellcheck disable=SC2086
	${PROBE_WRAPPER:-} "$REDISPROBE" "$2" "$TIMEOUT" "rmtest:" ${3:+"$3"} \
		<"$TMP/$name.in" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	PROBE_PIDS[$name]=$!
	exec {PROBE_IN[$name]}>"$TMP/$name.in"
	exec {PROBE_OUT[$name]}<"$TMP/$name.out"
	read -t 60 -r line <&"${PROBE_OUT[$name]}"
	[ "$line" = ready ] || bail_out "redisprobe $name did not start: $line $(cat "$TMP/$name.err")"
}

# probe_send NAME CMD / probe_read NAME: one answer line in $REPLY_LINE.
probe_send() { echo "$2" >&"${PROBE_IN[$1]}"; }
probe_read() {
	REPLY_LINE=
	read -t 60 -r REPLY_LINE <&"${PROBE_OUT[$1]}"
	echo "# $1: $REPLY_LINE" >&3
}
probe() {
	probe_send "$1" "$2"
	probe_read "$1"
}

# probe_close NAME: quit, wait; checks the exit status (99: valgrind found
# something) and how long it took (the prober thread must stop promptly).
probe_close() {
	local name=$1 pid=${PROBE_PIDS[$1]} rc=0 t0 ms
	t0=$(date +%s%N)
	probe_send "$name" quit
	wait "$pid" || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	exec {PROBE_IN[$name]}>&- {PROBE_OUT[$name]}<&-
	unset "PROBE_PIDS[$name]"
	is "probe $name exits 0${PROBE_WRAPPER:+ under ${PROBE_WRAPPER%% *}} (${ms} ms)" "$rc" 0
	[ "$rc" = 0 ] || sed 's/^/# /' "$TMP/$name.err" | tail -30 >&3
	return 0
}

probe_kill_all() {
	local name
	for name in "${!PROBE_PIDS[@]}"; do kill "${PROBE_PIDS[$name]}" 2>/dev/null; done
}
trap 'probe_kill_all; lib_redis_cleanup' EXIT

# Fields of the last answer: word 1, and KEY=VALUE ones.
st() { printf '%s' "${REPLY_LINE%% *}"; }
field() { printf '%s\n' "$REPLY_LINE" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
ms_int() { field ms | cut -d. -f1; }

# within LO HI VALUE: LO <= VALUE <= HI (integers).
within() { [ -n "$3" ] && [ "$3" -ge "$1" ] && [ "$3" -le "$2" ]; }

# A timing bound: asserted, unless under a wrapper (then only reported).
bound() {
	if [ -n "${PROBE_WRAPPER:-}" ]; then skip "$1" "under ${PROBE_WRAPPER%% *}"; else ok_if "$@"; fi
}

# Every key that lives another 20 s and its value (not the TTLs, which
# tick; the short-lived fuzz keys may expire meanwhile).
snapshot() {
	local k ttl
	redis_cli main --scan | sort | while read -r k; do
		ttl=$(redis_cli main PTTL "$k")
		[ "$ttl" -gt 20000 ] || [ "$ttl" = -1 ] || continue
		printf '%s=%s\n' "$k" "$(redis_cli main GET "$k")"
	done
}
# How often the server ran a command that writes a key, by the script or not.
writes() {
	redis_cli main INFO commandstats |
		sed -n 's/^cmdstat_\(set\|del\|pexpireat\):calls=\([0-9]*\),.*/\1=\2/p' | sort | tr '\n' ' '
}

warnings() { grep -c 'warning: limits: redis store' "$TMP/$1.err"; }

redis_start main
SERVER="unix:$(redis_sock main)"
probe_open a "$SERVER"

# ---- server strings ------------------------------------------------------
for s in unix:/run/redis/redis.sock tcp:127.0.0.1:6379 "tcp:[::1]:6379" \
	tcp:redis.example.org:1; do
	probe a "parse $s"
	is "server '$s' is accepted" "$REPLY_LINE" "parse ok"
done
for s in "" unix: tcp:host tcp::6379 tcp:h:0 tcp:h:65536 tcp:h:12x tcp:h: \
	"tcp:[::1]6379" "tcp:[]:1" tcp:::1:6379 udp:h:1 /run/redis.sock; do
	probe a "parse $s"
	like "server '$s' is refused" "$REPLY_LINE" "^parse error redis server: expected"
done

# ---- exactly MAX, then refused; refusals take nothing ----------------------
OP="k:exact,5,3600,1,cb"
n=0
for i in $(seq 1 8); do
	probe a "run $OP"
	[ "$(st)" = ok ] && [ "$(field allowed)" = 1 ] && n=$((n + 1))
	[ $i = 5 ] && is "the fifth leaves nothing" "$(field rem)" 0
	[ $i = 6 ] && {
		is "the sixth is refused" "$(field refused) $(field allowed)" "1 0"
		ok_if "the sixth may retry in one T (720 s, less the time since)" \
			within 719000000 720000000 "$(field retry)"
		TAT=$(field tat)
		NOW=$(field now)
	}
done
is "exactly max (5) of 8 allowed" "$n" 5
is "the TAT is stored as integer microseconds, prefix prepended" \
	"$(redis_cli main GET rmtest:k:exact)" "$TAT"
ok_if "it is 5 T (3600 s) after the first request" within $((NOW + 3599000000)) $((NOW + 3600000000)) "$TAT"
ok_if "the key expires when the TAT passes (PTTL ~3600 s)" \
	within 3598000 3600001 "$(redis_cli main PTTL rmtest:k:exact)"
is "the key's expiry is the TAT, in ms" "$(redis_cli main PEXPIRETIME rmtest:k:exact)" \
	"$(((TAT + 999) / 1000))"
probe a "run $OP"
probe a "run k:exact,5,3600,3,cb"
is "refused attempts left the TAT alone" "$(redis_cli main GET rmtest:k:exact)" "$TAT"
probe a "run k:exact,5,3600,9,cb"
is "a cost above max: refused, never retried" "$(field allowed) $(field retry)" "0 inf"

# ---- a blocking refusal commits nothing; dry runs take nothing -------------
probe a "run k:other,10,3600,1,cb $OP"
is "a blocking op refused: the check is refused" \
	"$(field refused) $(field allowed)" "1 1,0"
is "... and the allowed op took nothing" "$(redis_cli main EXISTS rmtest:k:other)" 0
probe a "run k:other,10,3600,1,cb k:exact,5,3600,1,c"
is "a non-blocking op refused: the others commit" "$(field refused) $(field allowed)" "0 1,0"
is "... k:other stored" "$(redis_cli main EXISTS rmtest:k:other)" 1
OTHER=$(redis_cli main GET rmtest:k:other)
probe a "run k:dry,5,3600,1,b k:other,10,3600,1,b"
is "dry-run ops are answered" "$(field refused) $(field allowed) $(field rem)" "0 1,1 4,8"
is "... and take nothing (no new key)" "$(redis_cli main EXISTS rmtest:k:dry)" 0
is "... nor change an existing one" "$(redis_cli main GET rmtest:k:other)" "$OTHER"

# ---- the same answers as the memory store ---------------------------------
same=0
for c in "cmp:a,3,10,1,cb" "cmp:a,3,10,1,cb" "cmp:a,3,10,2,cb" "cmp:a,3,10,1,cb" \
	"cmp:b,2,10,0,cb" "cmp:b,0,10,1,cb" "cmp:b,2,10,3,cb" "cmp:c,1000000000,1,1,cb" \
	"cmp:d,7,31622400,7,cb cmp:d,7,31622400,1,cb" "s=cmp:s cmp:e,1,10,2,cb,5 cmp:a,3,10,1,cb" \
	"s=cmp:s cmp:e,1,10,1,cb,5" "s=cmp:s cmp:f,5,10,1,cb" "cmp:g,3,2500ms,1,cb cmp:g,3,2500ms,1,cb"; do
	probe a "cmp $c"
	if [ "$REPLY_LINE" = same ]; then same=$((same + 1)); else echo "# cmp $c: $REPLY_LINE"; fi
done
is "13 hand-made checks: the same answers as memstore_run, field by field" "$same" 13
for seed in 1 2 3; do
	probe a "fuzz 400 $seed"
	like "400 random checks (seed $seed): the same answers as memstore_run" \
		"$REPLY_LINE" '^fuzz same=400 allowed=[1-9][0-9]* refused=[1-9][0-9]* suspended=[1-9]'
done

# ---- suspension -------------------------------------------------------------
probe a "run s=susp:alice k:s,1,3600,1,cb,60"
is "with a suspension key, not suspended: allowed" "$(field refused) $(field until) $(field allowed)" "0 0 1"
probe a "run s=susp:alice k:s,1,3600,1,cb,60"
NOW=$(field now)
UNTIL=$(field until)
is "refused with suspend: the suspension is written" "$(field refused) $(field snow)" "1 1"
is "... until now + 60 s" "$UNTIL" $((NOW + 60000000))
is "... stored under the prefixed key" "$(redis_cli main GET rmtest:susp:alice)" "$UNTIL"
ok_if "... expiring with it (PTTL ~60 s)" within 58000 60001 "$(redis_cli main PTTL rmtest:susp:alice)"
probe a "run s=susp:alice k:s2,100,3600,1,cb"
is "suspended: the next check is refused, the same until" \
	"$(field refused) $(field snow) $(field until)" "1 0 $UNTIL"
is "... and takes nothing" "$(redis_cli main EXISTS rmtest:k:s2)" 0
probe a "run s=susp:bob k:s,1,3600,1,c,60"
is "a non-blocking refusal suspends nobody" "$(field refused) $(field snow) $(redis_cli main EXISTS rmtest:susp:bob)" "0 0 0"

# ---- peek writes nothing ----------------------------------------------------
before=$(snapshot)
wbefore=$(writes)
probe a "peek s=susp:alice k:exact,5,3600,1,cb k:new,5,3600,3,cb k:other,10,3600,1,cb"
is "peek answers: suspended, and each op as cost 1" \
	"$(st) $(field until) $(field allowed) $(field rem)" "ok $UNTIL 0,1,1 0,4,8"
probe a "peek k:new,5,3600,3,cb k:other,10,3600,1,cb"
is "peek: allowed ops that would commit" "$(st) $(field refused) $(field allowed)" "ok 0 1,1"
probe a "peek s=susp:carol k:exact,5,3600,1,cb,60"
is "peek: a refusal that would suspend" "$(st) $(field refused) $(field snow)" "ok 1 0"
is "peek wrote nothing" "$(snapshot)" "$before"
like "... not even once: the write counts are there ($wbefore)" \
	"$(writes)" "^(del=[0-9]+ )?pexpireat=[0-9]+ set=[0-9]+ $"
is "... and SET, DEL, PEXPIREAT ran no more often than before" "$(writes)" "$wbefore"

# ---- reset ------------------------------------------------------------------
probe a "reset k:exact susp:alice k:never"
is "reset answers" "$(st)" ok
is "reset deleted the keys" "$(redis_cli main EXISTS rmtest:k:exact rmtest:susp:alice)" 0
probe a "run s=susp:alice k:exact,5,3600,5,cb"
is "after a reset: not suspended, a full burst" "$(field refused) $(field allowed)" "0 1"

# ---- the prefix -------------------------------------------------------------
is "every key carries the prefix" "$(redis_cli main --scan | grep -vc '^rmtest:')" 0
ok_if "the keys are there under it" [ "$(redis_cli main KEYS 'rmtest:k:*' | wc -l)" -ge 3 ]
is "nothing without it" "$(redis_cli main EXISTS k:exact k:other susp:alice)" 0

# ---- two processes, four threads each, one key -------------------------------
probe_open b "$SERVER"
probe_send a "hammer 4 150 k:ham,100,3600,1,cb"
probe_send b "hammer 4 150 k:ham,100,3600,1,cb"
probe_read a
A=$REPLY_LINE
probe_read b
B=$REPLY_LINE
REPLY_LINE=$A
na=$(field allowed)
ea=$(field errors)
REPLY_LINE=$B
nb=$(field allowed)
eb=$(field errors)
is "1200 concurrent checks from 2 processes: exactly max (100) allowed" "$((na + nb))" 100
is "... and no errors" "$ea $eb" "0 0"
probe_close b

# ---- NOSCRIPT: the script flushed ------------------------------------------
loads() { redis_cli main INFO commandstats | sed -n 's/^cmdstat_script|load:calls=\([0-9]*\),.*/\1/p'; }
probe a status
E0=$(field errors)
L0=$(loads)
redis_cli main SCRIPT FLUSH >/dev/null
probe a "run k:ns,5,60,1,cb"
is "after SCRIPT FLUSH the check still answers" "$(st) $(field allowed)" "ok 1"
is "... the script was loaded again once" "$(loads)" $((${L0:-0} + 1))
probe a status
is "... and nothing counted as an error" "$(field errors) $(field up)" "$E0 1"

# ---- redis restarted: ERROR, SKIPPED, the prober closes the breaker --------
W0=$(warnings a)
redis_stop main
probe a "run k:rs,5,60,1,cb"
is "redis down: the call fails" "$(st)" error
bound "... at once ($(field ms) ms)" [ "$(ms_int)" -lt "$TIMEOUT_MS" ]
probe a "run k:rs,5,60,1,cb"
is "the next call is skipped" "$(st)" skipped
bound "... at once" [ "$(ms_int)" -lt 5 ]
probe a "reset k:rs"
is "reset is skipped too" "$(st)" skipped
probe a "peek k:rs,5,60,1,cb"
is "peek too" "$(st)" skipped
probe a status
is "breaker open, one more error (skipped calls do not count)" "$(field up) $(field errors)" "0 $((E0 + 1))"
redis_start main
probe a "wait_up 10"
is "redis back: the prober closes the breaker" "$(st)" up
echo "# breaker closed $(field ms) ms after the restart"
bound "... within 2 s" [ "$(ms_int)" -lt 2000 ]
probe a "run k:rs,5,60,1,cb"
is "and calls answer again" "$(st) $(field allowed)" "ok 1"
is "one warning for that outage" "$(warnings a)" $((W0 + 1))
like "... naming the server and why" "$(grep 'warning: limits: redis store' "$TMP/a.err" | tail -1)" \
	"limits: redis store $SERVER: (connection lost|cannot connect): "
like "the recovery logged at info with the outage's length" \
	"$(tail -1 "$TMP/a.err")" "limits: redis store $SERVER: answering again after [0-9.]+s$"

# ---- redis hung (SIGSTOP): ERROR within the timeout, then SKIPPED ----------
probe_open c "$SERVER" # its first call will have to connect to the hung server
W0=$(warnings a)
redis_hang main
probe a "run k:hang,5,60,1,cb"
is "redis hung: the call fails" "$(st)" error
like "... timed out" "$REPLY_LINE" "why=timed out"
echo "# hung-server call: $(field ms) ms"
bound "... within the timeout + 100 ms ($TIMEOUT_MS + 100)" [ "$(ms_int)" -le $((TIMEOUT_MS + 100)) ]
bound "... not before it" [ "$(ms_int)" -ge $((TIMEOUT_MS - 5)) ]
probe a "run k:hang,5,60,1,cb"
is "the next call is skipped" "$(st)" skipped
echo "# skipped call: $(field ms) ms"
bound "... in under 5 ms" [ "$(ms_int)" -lt 5 ]
probe c "run k:hang,5,60,1,cb"
is "a new process connecting to the hung server fails too" "$(st)" error
bound "... within the timeout + 100 ms ($(field ms) ms)" [ "$(ms_int)" -le $((TIMEOUT_MS + 100)) ]
sleep 1.2 # the prober tries twice meanwhile, and fails
probe a "status"
is "still open while hung" "$(field up)" 0
redis_resume main
probe a "wait_up 10"
is "SIGCONT: the breaker closes" "$(st)" up
echo "# breaker closed $(field ms) ms after SIGCONT"
probe a "run k:hang2,5,60,1,cb"
is "calls answer again" "$(st) $(field allowed)" "ok 1"
is "one warning for the whole outage (prober failures are not logged)" "$(warnings a)" $((W0 + 1))
probe c "wait_up 10"
probe c "run k:hang3,5,60,1,cb"
is "the other process recovers too" "$(st)" ok
probe_close c

# the prober is asleep or probing when the store is freed: free is prompt
redis_hang main
probe a "run k:hang,5,60,1,cb"
t0=$(date +%s%N)
probe_close a
bound "freeing the store with the breaker open takes < 1 s" \
	[ $((($(date +%s%N) - t0) / 1000000)) -lt 1000 ]
redis_resume main

# ---- AUTH --------------------------------------------------------------------
REDIS_PASSWORD=s3cret-Pass redis_start sec
SSERVER="unix:$(redis_sock sec)"
printf 'wrong-Guess\n' >"$TMP/wrong.pw"
printf 's3cret-Pass\n' >"$TMP/right.pw"
chmod 600 "$TMP"/*.pw
probe_open d "$SSERVER" "$TMP/wrong.pw"
probe d "run k:pw,5,60,1,cb"
is "a wrong password: ERROR, AUTH refused" "$(st) $(field why)" "error AUTH"
probe_open e "$SSERVER" "$TMP/right.pw"
probe e "run k:pw,5,60,1,cb"
is "the right password works" "$(st) $(field allowed)" "ok 1"
probe_open f "$SSERVER"
probe f "run k:pw,5,60,1,cb"
is "no password where one is required: ERROR" "$(st)" error
probe_close d
probe_close e
probe_close f
is "no password in any log" "$(cat "$TMP"/[a-f].err | grep -cE 's3cret|wrong-Guess')" 0
like "the refusal is logged" "$(cat "$TMP/d.err")" "limits: redis store $SSERVER: AUTH refused: .*WRONGPASS"

# ---- TCP (127.0.0.1 only) ----------------------------------------------------
port=$((20000 + RANDOM % 20000))
while ss -Hltn "sport = :$port" | grep -q .; do port=$((20000 + RANDOM % 20000)); done
REDIS_TCP_PORT=$port redis_start tcp
probe_open g "tcp:127.0.0.1:$port"
probe g "run k:tcp,5,60,1,cb"
is "over TCP to 127.0.0.1" "$(st) $(field allowed)" "ok 1"
redis_stop tcp
probe g "run k:tcp,5,60,1,cb"
is "TCP server gone: ERROR" "$(st)" error
probe_close g
probe_open h "tcp:127.0.0.1:$port"
probe h "run k:tcp,5,60,1,cb"
is "nobody listening: cannot connect" "$(st) $(field why)" "error cannot"
probe_close h

done_testing
