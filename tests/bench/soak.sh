#!/bin/bash
# soak.sh: `make soak`. About a million recipient decisions at high
# concurrency (SOAK_CONNS, default 64) through the load generator, against
# relaymilter with a slapd of 100k domains, the full envelope mix over 100k
# local and 100k remote domains (more than the cache holds: lookups, hits
# and evictions all the time), in three phases:
#   1. steady:  SOAK_TXNS transactions, every reply checked strictly
#   2. outage:  SOAK_OUTAGE_SECONDS of load; 3 s in, slapd is stopped, and
#               restarted 5 s later on the same port. Replies checked with
#               loadgen -o: 451 (or a stale-cache answer) where a lookup is
#               needed; allowlisted and authenticated clients must still get
#               "continue", a remote recipient never does.
#   3. steady:  SOAK_TXNS transactions after the restart, strict again.
# Every request has a 10 s timeout (Sendmail's default milter timeout): a
# timeout means a stuck thread and fails the soak. relaymilter's RSS is
# sampled every second; the soak reports first/last/max and fails when the
# RSS grew more than 10% between the end of phase 1 and the end.
# Figures go to $BENCH_OUT/soak.md.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/integ/lib_slapd.sh"
. "$top_srcdir/tests/bench/lib_bench.sh"

CONNS=${SOAK_CONNS:-64}
TXNS=${SOAK_TXNS:-400000}
OUTAGE_SECS=${SOAK_OUTAGE_SECONDS:-20}
OUT=${BENCH_OUT:-$top_builddir/tests/bench/results}
mkdir -p "$OUT"
RESULTS=$OUT/soak.txt
: >"$RESULTS"
MIX=$ENV_DIR/envelopes.txt
FAILED=0

dir_create dir 100000
rm_config soak "$(slapd_uri dir)" "positive_ttl = 60; negative_ttl = 30; stale_ttl = 3600;"
rm_up soak
PID=$RM_PID_soak

: >"$TMP/rss"
(
	t=0
	while kill -0 "$PID" 2>/dev/null; do
		echo "$t $(rss_kb "$PID")" >>"$TMP/rss"
		sleep 1
		t=$((t + 1))
	done
) &
SAMPLER=$!
BENCH_PIDS="$BENCH_PIDS $SAMPLER"

phase() {
	local name=$1 rc
	shift
	"$LOADGEN" -s "unix:$TMP/soak.sock" -e "$MIX" -c "$CONNS" -r 100000 -T 10000 -l "$name" "$@" \
		>"$TMP/$name.out"
	rc=$?
	cat "$TMP/$name.out"
	grep '^RESULT' "$TMP/$name.out" >>"$RESULTS"
	[ "$rc" -eq 0 ] || { echo "# phase $name: loadgen exit $rc (1 wrong replies, 2 request errors)"; FAILED=1; }
	kill -0 "$PID" 2>/dev/null || { echo "# relaymilter died in phase $name"; FAILED=1; }
}

echo "== phase 1: steady, $TXNS transactions, $CONNS connections"
phase steady1 -n "$TXNS"
rss_mid=$(rss_kb "$PID")

echo "== phase 2: slapd stopped and restarted under load ($OUTAGE_SECS s)"
(
	sleep 3
	slapd_stop dir
	echo "# slapd stopped at +3 s"
	sleep 5
	slapd_start dir
	echo "# slapd restarted at +8 s"
) &
OUTAGE=$!
phase outage -d "$OUTAGE_SECS" -o
wait "$OUTAGE"

echo "== phase 3: steady again, $TXNS transactions"
phase steady2 -n "$TXNS"
sleep 1
rss_end=$(rss_kb "$PID")
kill "$SAMPLER" 2>/dev/null
wait "$SAMPLER" 2>/dev/null

awk -v mid="$rss_mid" -v end="$rss_end" '
	{ n++; if (n == 1) first = $2; last = $2; if ($2 > max) max = $2 }
	END { printf "RSS samples=%d first_kb=%d last_kb=%d max_kb=%d after_phase1_kb=%d end_kb=%d growth_pct=%.1f\n",
		n, first, last, max, mid, end, 100 * (end - mid) / mid }' "$TMP/rss" | tee -a "$RESULTS"
growth=$(awk '/^RSS/ { for (i = 1; i <= NF; i++) if ($i ~ /^growth_pct=/) { sub(/growth_pct=/, "", $i); print $i } }' "$RESULTS")
if awk -v g="$growth" 'BEGIN { exit !(g > 10) }'; then
	echo "# RSS grew by $growth% after phase 1"
	FAILED=1
fi
cp "$TMP/rss" "$OUT/soak-rss.dat"

{
	echo "# relaymilter soak"
	echo
	echo "$CONNS connections, envelopes.txt mix over 100k local + 100k remote domains, slapd with 100k domains, cache positive_ttl 60 s / negative_ttl 30 s / max_entries 100000; request timeout 10 s."
	echo
	echo "| phase | seconds | transactions | decisions | decisions/s | p50 µs | p99 µs | p99.9 µs | max µs | wrong | request errors | replies |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	awk '/^RESULT/ { delete f; r = ""
		for (i = 1; i <= NF; i++) { p = index($i, "="); k = substr($i, 1, p - 1); v = substr($i, p + 1); f[k] = v
			if (k ~ /^reply_/) r = r (r ? " " : "") substr(k, 7) "=" v }
		printf "| %s | %.1f | %s | %s | %.0f | %.1f | %.1f | %.1f | %.1f | %s | %s | %s |\n",
			f["label"], f["seconds"], f["txns"], f["decisions"], f["dec_per_s"], f["p50_us"], f["p99_us"],
			f["p999_us"], f["max_us"], f["wrong"], f["errors"], r
		tot += f["decisions"] }
		END { printf "\nTotal decisions: %d.\n", tot }' "$RESULTS"
	echo
	grep '^RSS' "$RESULTS" | sed 's/^RSS /RSS (kB, sampled every second): /'
	echo
	[ "$FAILED" -eq 0 ] && echo "Verdict: PASS (no wrong reply, no request error or timeout, RSS flat)." ||
		echo "Verdict: FAIL (see above)."
} >"$OUT/soak.md"
cat "$OUT/soak.md"
exit "$FAILED"
