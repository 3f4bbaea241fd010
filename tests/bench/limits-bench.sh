#!/bin/bash
# limits-bench.sh: the rate limits (SPEC §9), part of `make bench`
# (BENCH_LIMITS=0 skips it); runs alone too (`make bench-limits`, or
#   cd b && top_srcdir=.. top_builddir=. RESULTS=/tmp/lim.txt bash ../tests/bench/limits-bench.sh
# ). Static policy only (no directory): envelopes from limits.txt, an
# authenticated login u<n>@example.org (one per session, BENCH_LIMITS_LOGINS
# of them), the sender it owns, three remote recipients, every reply
# checked by loadgen to be an accept. One private redis-server on a unix
# socket (tests/integ/lib_redis.sh, no TCP port). Three rules:
#   login-rcpt-hour   login  rcpt  BENCH_LIMITS_LOGIN_MAX (10000) per 3600 s
#   login-msg-day     login  msg   BENCH_LIMITS_LOGIN_MAX per 86400 s
#   client-rcpt-hour  client rcpt  1000000000 per 3600 s (one hot key)
# all action "tempfail" (one EVALSHA per recipient, no suspension key),
# max large enough that nothing is refused.
#   null-limits  the null milter, same envelopes
#   nolimits     relaymilter without limits
#   memlimits    the same config with the rules, limits.store = "memory"
#   redislimits  the same with limits.store = "redis", timeout
#                BENCH_LIMITS_TIMEOUT (0.2), on_store_error = "local"
#   redisbase    tests/bench/redisbase: the store's own script, arguments and
#                reply check, bare hiredis EVALSHA (one context per thread)
#   redisstore   the same through redisstore_run() (the store's pool)
# at every BENCH_CONCS concurrency (default "1 8 32"), BENCH_SECONDS each,
# interleaved: BENCH_LIMITS_ROUNDS (2) rounds of the four daemons (the
# order reversed in even rounds), then redisbase and redisstore; then
# BENCH_LIMITS_LAT_ROUNDS (3) rounds at one connection of nolimits /
# redislimits / redisbase / redisstore for the added latency per checked
# recipient.
# Checks: LIMCHECK (per daemon, every timed decision counted by every rule
# (relaymilter_limit_checks_total), none exceeded, no store error).
# Then the store failing, at 8 connections, BENCH_LIMITS_OUTAGE_SECONDS (6)
# each, on redislimits: redis stopped 1 s into a run (redis-stop), a run
# with it stopped throughout (redis-stopped), the same with SIGSTOP
# (redis-hang, redis-hung), memlimits before and after them
# (memlimits-ref, memlimits-ref2); loadgen
# -L prints every RCPT slower than BENCH_LIMITS_SLOW_MS (20), counted;
# store_errors / fallback_checks from the textfile (LIMOUTAGE lines).
# (BENCH_LIMITS_OUTAGE=0 leaves this part out.)
# RESULT and LIM* lines to $RESULTS; the summary (limits-report.sh) at the
# end (BENCH_LIMITS_REPORT=0: not, as in `make bench`, whose report.sh
# has it). $RESULTS is emptied first unless BENCH_LIMITS_APPEND=1 (make bench).
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/integ/lib_slapd.sh"
. "$top_srcdir/tests/bench/lib_bench.sh"
# the daemon runs as nobody when we are root: it must reach the socket
# shellcheck disable=SC2034 # read by lib_redis.sh
[ "$(id -u)" -eq 0 ] && REDIS_SOCKPERM=777
. "$top_srcdir/tests/integ/lib_redis.sh"

SECS=${BENCH_SECONDS:-5}
CONCS=${BENCH_CONCS:-1 8 32}
LOGINS=${BENCH_LIMITS_LOGINS:-100000}
LOGIN_MAX=${BENCH_LIMITS_LOGIN_MAX:-10000}
CLIENT_MAX=1000000000
TIMEOUT=${BENCH_LIMITS_TIMEOUT:-0.2}
ROUNDS=${BENCH_LIMITS_ROUNDS:-2}
LAT_ROUNDS=${BENCH_LIMITS_LAT_ROUNDS:-3}
OSECS=${BENCH_LIMITS_OUTAGE_SECONDS:-6}
OCONC=8
SLOW_MS=${BENCH_LIMITS_SLOW_MS:-20}
RESULTS=${RESULTS:-$top_builddir/tests/bench/results/limits.txt}
mkdir -p "$(dirname "$RESULTS")"
# alone, a run of its own (the report pairs the rounds in file order)
[ "${BENCH_LIMITS_APPEND:-0}" = 1 ] || : >"$RESULTS"
REDISBASE=$top_builddir/tests/bench/redisbase
LIM=$ENV_DIR/limits.txt
T0=$SECONDS

say() { printf '== %s\n' "$*"; }

say "limits: redis-server $("$REDIS_SERVER" --version | sed 's/.* v=\([^ ]*\).*/\1/') on a unix socket; $LOGINS logins"
redis_start limits
RSOCK=$(redis_sock limits)

# limits_group STORE: the limits group of the daemons under test.
limits_group() {
	local redis=
	[ "$1" = redis ] && redis="redis = { server = \"unix:$RSOCK\"; timeout = $TIMEOUT; };"
	cat <<-CONF
	limits = {
	  store = "$1";
	  $redis
	  on_store_error = "local";
	  rules = (
	    { name = "login-rcpt-hour"; key = "login"; count = "rcpt"; max = $LOGIN_MAX; per = 3600; action = "tempfail"; },
	    { name = "login-msg-day"; key = "login"; count = "msg"; max = $LOGIN_MAX; per = 86400; action = "tempfail"; },
	    { name = "client-rcpt-hour"; key = "client"; count = "rcpt"; max = $CLIENT_MAX; per = 3600; action = "tempfail"; }
	  );
	};
	CONF
}

RM_TOP=$(sync_stats nolimits) rm_config nolimits
RM_TOP="$(limits_group memory) $(sync_stats memlimits)" rm_config memlimits
RM_TOP="$(limits_group redis) $(sync_stats redislimits)" rm_config redislimits
for d in nolimits memlimits redislimits; do rm_up "$d"; done
[ -n "${NULL_PID:-}" ] || null_start
"$RELAYMILTER" -n -n -c "$TMP/redislimits.conf" 2>&1 | grep 'limits:' | sed 's/^/# /'

pv() { prom_value "$1" "$2"; }
# cpu_ms PID: user + system CPU time of PID so far, ms.
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.0f", ($12 + $13) * 1000 / hz }' "/proc/$1/stat" 2>/dev/null
}
redis_pid() { cat "$TMP/limits/redis.pid"; }
# evalsha_calls: EVALSHA calls redis-server has answered since it started.
evalsha_calls() {
	redis_cli limits info commandstats | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),.*/\1/p'
}
# cpu_fields PID0 MS0 RMS0 DECISIONS: " rm_cpu_us_per_dec=... redis_cpu_us_per_dec=..."
# from the CPU the process (PID0, MS0 ms before) and redis-server (RMS0)
# used during the run, per decision.
cpu_fields() {
	local d=$4
	[ "${d:-0}" -gt 0 ] 2>/dev/null || d=1
	awk -v a="$2" -v b="$(cpu_ms "$1")" -v ra="$3" -v rb="$(cpu_ms "$(redis_pid)")" -v n="$d" \
		'BEGIN { printf " rm_cpu_us_per_dec=%.2f redis_cpu_us_per_dec=%.2f", (b - a) * 1000 / n, (rb - ra) * 1000 / n }'
}
# lgc LABEL DAEMON CONC [loadgen args]: lg on DAEMON's socket with
# limits.txt, BENCH_SECONDS; its RESULT line gets the CPU per decision
# of the daemon and of redis-server, and for redislimits the EVALSHA
# calls redis answered per decision (evalsha_per_dec).
lgc() {
	local label=$1 d=$2 c=$3 pid m0 r0 e0 line n extra
	shift 3
	if [ "$d" = null ]; then pid=$NULL_PID; else pid=$(eval echo "\$RM_PID_$d"); fi
	e0=$(evalsha_calls)
	m0=$(cpu_ms "$pid")
	r0=$(cpu_ms "$(redis_pid)")
	line=$("$LOADGEN" -q -s "unix:$TMP/$d.sock" -e "$LIM" -c "$c" -d "$SECS" -r "$LOGINS" -l "$label" "$@" |
		grep '^RESULT') || :
	[ -n "$line" ] || line="RESULT label=$label conns=$c failed=1"
	n=$(printf '%s\n' "$line" | sed -n 's/.* decisions=\([0-9]*\).*/\1/p')
	extra=$(cpu_fields "$pid" "$m0" "$r0" "$n")
	[ "$d" = redislimits ] && extra="$extra $(awk -v a="$e0" -v b="$(evalsha_calls)" -v n="${n:-0}" 'BEGIN { printf "evalsha_per_dec=%.3f", n ? (b - a) / n : 0 }')"
	printf '%s%s scenario=%s\n' "$line" "$extra" "$label" | tee -a "$RESULTS"
}
checks() { pv "$1" "relaymilter_limit_checks_total{rule=\"$2\"}"; }
exceeded() { pv "$1" "relaymilter_limit_exceeded_total{rule=\"$2\"}"; }

# Warm-up: every daemon's worker threads, Redis's pooled connections.
for d in nolimits memlimits redislimits; do
	"$LOADGEN" -q -s "unix:$TMP/$d.sock" -e "$LIM" -c 32 -d 1 -r "$LOGINS" -l "warm-$d" >/dev/null
done
RULES="login-rcpt-hour login-msg-day client-rcpt-hour"
for d in memlimits redislimits; do
	for r in $RULES; do
		eval "C0_${d}_${r//-/_}=$(checks "$d" "$r")"
		eval "X0_${d}_${r//-/_}=$(exceeded "$d" "$r")"
	done
done
E0=$(pv redislimits relaymilter_limit_store_errors_total)

# base LABEL MODE CONC: one redisbase run (BENCH_SECONDS), its RESULT line
# with redis-server's CPU per check.
base() {
	local line n r0 extra
	r0=$(cpu_ms "$(redis_pid)")
	line=$("$REDISBASE" -s "$RSOCK" -m "$2" -c "$3" -d "$SECS" -r "$LOGINS" -M "$LOGIN_MAX" \
		-C "$CLIENT_MAX" -T "$TIMEOUT" -l "$1" | grep '^RESULT') || :
	[ -n "$line" ] || line="RESULT label=$1 conns=$3 failed=1"
	n=$(printf '%s\n' "$line" | sed -n 's/.* decisions=\([0-9]*\).*/\1/p')
	extra=$(awk -v a="$r0" -v b="$(cpu_ms "$(redis_pid)")" -v n="${n:-0}" 'BEGIN { printf " redis_cpu_us_per_dec=%.2f", n ? (b - a) * 1000 / n : 0 }')
	printf '%s%s scenario=%s\n' "$line" "$extra" "$1" | tee -a "$RESULTS"
}

# redis-server's own time per command from here on (commandstats)
redis_cli limits config resetstat >/dev/null
# one_round C R: the four daemons once at C connections, in the reverse
# order in even rounds (no scenario always right after another).
one_round() {
	local order="null nolimits memlimits redislimits" d
	[ $(($2 % 2)) = 0 ] && order="redislimits memlimits nolimits null"
	for d in $order; do
		case $d in
		null) lgc null-limits null "$1" -N ;;
		*) lgc "$d" "$d" "$1" ;;
		esac
	done
}
for c in $CONCS; do
	for r in $(seq 1 "$ROUNDS"); do
		say "limits: concurrency $c, round $r of $ROUNDS"
		one_round "$c" "$r"
	done
	base redisbase bare "$c"
	base redisstore store "$c"
done
# One connection is noisy on a small VM (a cross-core wake-up or not):
# rounds of their own for the latency figure, the order reversed in even
# rounds.
for i in $(seq 1 "$LAT_ROUNDS"); do
	say "limits: latency at one connection, round $i of $LAT_ROUNDS"
	if [ $((i % 2)) = 1 ]; then
		lgc lat-nolimits nolimits 1
		lgc lat-redislimits redislimits 1
		base lat-redisbase bare 1
		base lat-redisstore store 1
	else
		base lat-redisstore store 1
		base lat-redisbase bare 1
		lgc lat-redislimits redislimits 1
		lgc lat-nolimits nolimits 1
	fi
done

# Redis's own time: EVALSHA (the script, with the commands it calls)
# and the commands called from it, per EVALSHA, over every run above
# (the daemon's and redisbase's: the same script).
redis_cli limits info commandstats | tr -d '\r' | awk -F '[:,=]' '
	$1 == "cmdstat_evalsha" { n = $3; us = $5 }
	$1 ~ /^cmdstat_(get|set|pexpireat|time|del)$/ { nested += $5; sub(/cmdstat_/, "", $1); calls = calls " " $1 "=" $3 }
	END { printf "LIMREDIS evalsha_calls=%d evalsha_usec_per_call=%.2f nested_usec_per_evalsha=%.2f%s\n", n, n ? us / n : 0, n ? nested / n : 0, calls }' |
	tee -a "$RESULTS"

# Every timed decision was checked by every rule, none refused, and Redis
# answered every check.
for d in memlimits redislimits; do
	n=$(awk -v d="$d" '/^RESULT/ && ($NF == "scenario=" d || $NF == "scenario=lat-" d) {
		for (i = 1; i <= NF; i++) if ($i ~ /^decisions=/) { sub(/decisions=/, "", $i); s += $i } } END { print s + 0 }' "$RESULTS")
	line="LIMCHECK daemon=$d decisions=$n"
	for r in $RULES; do
		v=${r//-/_}
		line="$line checks_$v=$(($(checks "$d" "$r") - $(eval echo "\$C0_${d}_$v")))"
		line="$line exceeded_$v=$(($(exceeded "$d" "$r") - $(eval echo "\$X0_${d}_$v")))"
	done
	[ "$d" = redislimits ] &&
		line="$line store_errors=$(($(pv redislimits relaymilter_limit_store_errors_total) - E0))"
	echo "$line" | tee -a "$RESULTS"
done

# outage LABEL stop|hang|-: loadgen at $OCONC connections for $OSECS s on
# redislimits (memlimits for LABEL memlimits-*); with stop/hang, redis
# is stopped/hung 1 s into the run. Its RESULT line with slow= (RCPTs
# slower than SLOW_MS) and slow_max_ms=, and a LIMOUTAGE line with the
# store_errors and fallback_checks the daemon counted during the run.
outage() {
	local label=$1 act=$2 d=redislimits out=$TMP/$1.out pid e0 f0 line slow smax at=-
	case $label in memlimits-*) d=memlimits ;; esac
	e0=$(pv "$d" relaymilter_limit_store_errors_total)
	f0=$(pv "$d" relaymilter_limit_fallback_checks_total)
	"$LOADGEN" -q -s "unix:$TMP/$d.sock" -e "$LIM" -c "$OCONC" -d "$OSECS" -r "$LOGINS" \
		-L "$SLOW_MS" -l "$label" >"$out" &
	pid=$!
	if [ "$act" != - ]; then
		sleep 1
		at=$EPOCHREALTIME
		if [ "$act" = stop ]; then redis_stop limits; else redis_hang limits; fi
	fi
	wait "$pid"
	line=$(grep '^RESULT' "$out") || line="RESULT label=$label conns=$OCONC failed=1"
	slow=$(grep -c '^SLOW' "$out")
	smax=$(awk '/^SLOW/ { for (i = 1; i <= NF; i++) if ($i ~ /^us=/) { v = substr($i, 4) + 0; if (v > m) m = v } } END { printf "%.1f", m / 1000 }' "$out")
	# the slow RCPTs themselves, with the wall-clock time each was sent
	grep '^SLOW' "$out" >"${RESULTS%.txt}-slow-$label.txt"
	printf '%s scenario=%s slow=%s slow_ms=%s slow_max_ms=%s\n' "$line" "$label" "$slow" "$SLOW_MS" "$smax" |
		tee -a "$RESULTS"
	[ "$d" = redislimits ] &&
		echo "LIMOUTAGE label=$label store=$act at=$at" \
			"store_errors=$(($(pv "$d" relaymilter_limit_store_errors_total) - e0))" \
			"fallback_checks=$(($(pv "$d" relaymilter_limit_fallback_checks_total) - f0))" \
			"fallback_active=$(pv "$d" relaymilter_limit_fallback) timeout_ms=$(awk -v t="$TIMEOUT" 'BEGIN { print t * 1000 }')" |
		tee -a "$RESULTS"
}

# store_back: redis answers again: one transaction at a time until the
# daemon counts there again (the breaker's probe runs every 0.5 s).
store_back() {
	local t0=$EPOCHREALTIME
	for _ in $(seq 1 100); do
		"$LOADGEN" -q -s "unix:$TMP/redislimits.sock" -e "$LIM" -c 1 -n 1 -r "$LOGINS" -l back >/dev/null
		if [ "$(pv redislimits relaymilter_limit_fallback)" = 0 ]; then
			echo "LIMBACK after=$1 seconds=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')" |
				tee -a "$RESULTS"
			return 0
		fi
		sleep 0.1
	done
	bail_out "limits: the daemon does not count in redis again after $1"
}

if [ "${BENCH_LIMITS_OUTAGE:-1}" = 1 ]; then
	say "limits: the store failing ($OCONC connections, $OSECS s per run, timeout $TIMEOUT s)"
	outage memlimits-ref -
	outage redis-stop stop
	outage redis-stopped -
	redis_start limits
	store_back stop
	outage redis-hang hang
	outage redis-hung -
	redis_resume limits
	store_back hang
	outage memlimits-ref2 -
fi
for d in nolimits memlimits redislimits; do
	eval "bench_stop \$RM_PID_$d"
done
echo "LIMTIME seconds=$((SECONDS - T0))" | tee -a "$RESULTS"
if [ "${BENCH_LIMITS_REPORT:-1}" = 1 ]; then
	echo
	bash "$top_srcdir/tests/bench/limits-report.sh" "$RESULTS"
fi
