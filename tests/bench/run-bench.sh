#!/bin/bash
# run-bench.sh: `make bench`. Every scenario runs against relaymilter and
# the null milter in the same run; the table gives both and the ratio.
#
#   scenarios  static            static policy, no directory
#              warm10k/warm100k  LDAP (10k / 100k domains in slapd), warm cache
#              miss10k/miss100k  LDAP, cache.max_entries = 0: every lookup asks slapd
#              ldapbase10k/100k  bare libldap ldap_search_ext_s round trips
#   concurrency 1 8 32 128 (BENCH_CONCS), BENCH_SECONDS each (default 5)
#   syncbig    ldap.mode = "sync" on the big directory (BENCH_SYNC=0: skip):
#              first refresh time, RSS, lookups.txt at every concurrency,
#              ldap_queries and source_sync checked; then edit-to-decision
#              latency over BENCH_SYNC_EDITS edits, on the big and the 10k
#              directory
#   accounts   SMTP AUTH accounts in LDAP (tests/bench/accounts-bench.sh,
#              BENCH_ACCOUNTS=0: skip): accounts / noaccounts / null at
#              every concurrency; one account search per transaction
#   limits     rate limits (tests/bench/limits-bench.sh, BENCH_LIMITS=0:
#              skip): memory / redis store / no limits / null at every
#              concurrency, bare EVALSHA, the store stopped and hung
#   memory     RSS at start and with 100k cached domains
#   end to end through Postfix (tests/bench/e2e-bench.sh), when root
#
# Writes $BENCH_OUT (default $top_builddir/tests/bench/results): bench.md,
# bench.png, results.txt (every RESULT line) and prints the table.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/integ/lib_slapd.sh"
. "$top_srcdir/tests/bench/lib_bench.sh"

SECS=${BENCH_SECONDS:-5}
CONCS=${BENCH_CONCS:-1 8 32 128}
BIG=${BENCH_BIG:-1000000}
SYNC=${BENCH_SYNC:-1}
EDITS=${BENCH_SYNC_EDITS:-100}
EDITS_BIG=${BENCH_SYNC_EDITS_BIG:-$EDITS}
MEMN=${BENCH_MEM_DOMAINS:-100000} # cached domains for the RSS figure (issue 5: 100k)
OUT=${BENCH_OUT:-$top_builddir/tests/bench/results}
mkdir -p "$OUT"
RESULTS=$OUT/results.txt
: >"$RESULTS"
START=$SECONDS

say() { printf '== %s\n' "$*"; }

machine() {
	printf 'nproc=%s; cpu=%s; memory=%s MB; kernel=%s' "$(nproc)" \
		"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
		"$(awk '/^MemTotal/ { printf "%d", $2 / 1024 }' /proc/meminfo)" "$(uname -r)"
}

say "machine: $(machine)"
say "directories: 10000 and $BIG generated domains"
# Both content-sync providers (syncprov, entryCSN/entryUUID indexes), for
# the sync scenarios; the query-mode scenarios run on the same directories.
SLAPD_SYNCPROV=1 dir_create dir10k 10000
SLAPD_SYNCPROV=1 dir_create dirbig "$BIG"
say "slapadd: 10k domains ${SLAPADD_SECONDS_dir10k} s, $BIG domains ${SLAPADD_SECONDS_dirbig} s"
echo "SLAPADD domains=10000 seconds=$SLAPADD_SECONDS_dir10k" >>"$RESULTS"
echo "SLAPADD domains=$BIG seconds=$SLAPADD_SECONDS_dirbig" >>"$RESULTS"

null_start
if [ "$SYNC" = 1 ]; then
	# Started before the other daemons, alone on the box, so that the
	# refresh time is the daemon's and slapd's only; idle after it.
	say "sync mode: first refresh of $BIG domains"
	# First a daemon whose stderr is a file, to time the refresh to its
	# "refresh complete" line; then the one measured under load, stderr to
	# /dev/null as for every other daemon here, seen through its textfile.
	RM_LDAP='mode = "sync";' rm_config syncref "$(slapd_uri dirbig)"
	sync_up syncref
	sync_report syncref big
	bench_stop "$RM_PID_syncref"
	RM_TOP=$(sync_stats syncbig) RM_LDAP='mode = "sync";' rm_config syncbig "$(slapd_uri dirbig)"
	sync_up_quiet syncbig
	SYNC_Q0=$(prom_value syncbig relaymilter_ldap_queries_total)
	SYNC_S0=$(prom_value syncbig 'relaymilter_lookups_total{source="sync"}')
fi
WARM_CACHE="positive_ttl = 3600; negative_ttl = 3600;"
rm_config static
rm_config warm10k "$(slapd_uri dir10k)" "$WARM_CACHE"
rm_config miss10k "$(slapd_uri dir10k)" "max_entries = 0;"
rm_config warmbig "$(slapd_uri dirbig)" "$WARM_CACHE"
rm_config missbig "$(slapd_uri dirbig)" "max_entries = 0;"
for d in static warm10k miss10k warmbig missbig; do rm_up "$d"; done

MIX=$ENV_DIR/envelopes.txt
LOOK=$ENV_DIR/lookups.txt
say "warming the caches: 1000 local and 1000 remote domains"
for d in warm10k warmbig; do
	"$LOADGEN" -q -s "unix:$TMP/$d.sock" -e "$LOOK" -c 8 -n 8000 -p seq -r 1000 -l warm >/dev/null
done

for c in $CONCS; do
	say "concurrency $c"
	lg null-mix "$TMP/null.sock" "$MIX" "$c" "$SECS" -N -r 1000
	lg static "$TMP/static.sock" "$MIX" "$c" "$SECS" -r 1000
	lg null-lookups "$TMP/null.sock" "$LOOK" "$c" "$SECS" -N -r 1000
	lg warm10k "$TMP/warm10k.sock" "$LOOK" "$c" "$SECS" -r 1000
	lg warmbig "$TMP/warmbig.sock" "$LOOK" "$c" "$SECS" -r 1000
	lg miss10k "$TMP/miss10k.sock" "$LOOK" "$c" "$SECS" -r 10000
	lg missbig "$TMP/missbig.sock" "$LOOK" "$c" "$SECS" -r "$BIG"
	[ "$SYNC" = 1 ] && lg syncbig "$TMP/syncbig.sock" "$LOOK" "$c" "$SECS" -r "$BIG"
	for d in dir10k dirbig; do
		r=10000
		[ "$d" = dirbig ] && r=$BIG
		"$LDAPBASE" -H "$(slapd_uri "$d")" -D "$SERVICE_DN" -y "$TMP/ldap.secret" \
			-b "ou=domains,dc=example,dc=org" \
			-f "(&(objectClass=domainRelatedObject)(associatedDomain=%s))" \
			-S -x "d{n}.bench.test" -x "r{n}.remote.test" \
			-c "$c" -d "$SECS" -r "$r" -l "ldapbase-$d" |
			sed "s/\$/ scenario=ldapbase-${d#dir}/" | tee -a "$RESULTS"
	done
done
for d in static warm10k miss10k warmbig missbig; do
	eval "bench_stop \$RM_PID_$d"
done

if [ "$SYNC" = 1 ]; then
	# A benchmark of query mode under the name of sync mode would be a
	# defect: no LDAP search during the runs, every timed decision from
	# the synced set (source=sync).
	n=$(awk '/^RESULT/ && / scenario=syncbig$/ { for (i = 1; i <= NF; i++) if ($i ~ /^decisions=/) { sub(/decisions=/, "", $i); s += $i } } END { print s + 0 }' "$RESULTS")
	echo "SYNCCHECK ldap_queries_before=$SYNC_Q0" \
		"ldap_queries_after=$(prom_value syncbig relaymilter_ldap_queries_total)" \
		"source_sync_delta=$(($(prom_value syncbig 'relaymilter_lookups_total{source="sync"}') - SYNC_S0))" \
		"decisions=$n source_ldap=$(prom_value syncbig 'relaymilter_lookups_total{source="ldap"}')" \
		"source_cache=$(prom_value syncbig 'relaymilter_lookups_total{source="cache"}')" |
		tee -a "$RESULTS"
	say "sync mode: edit-to-decision latency, $EDITS_BIG edits, $BIG domains"
	edit_latency syncbig dirbig "$EDITS_BIG" edit-big
	echo "SYNCMEM label=big-after-edits rss_kb=$(status_kb "$RM_PID_syncbig" VmRSS) hwm_kb=$(status_kb "$RM_PID_syncbig" VmHWM)" |
		tee -a "$RESULTS"
	bench_stop "$RM_PID_syncbig"
	say "sync mode: 10000 domains, $EDITS edits"
	RM_LDAP='mode = "sync";' rm_config sync10k "$(slapd_uri dir10k)"
	sync_up sync10k
	sync_report sync10k 10k
	edit_latency sync10k dir10k "$EDITS" edit-10k
	bench_stop "$RM_PID_sync10k"
fi

if [ "${BENCH_ACCOUNTS:-1}" = 1 ]; then
	RESULTS=$RESULTS BENCH_SECONDS=$SECS BENCH_CONCS=$CONCS \
		bash "$top_srcdir/tests/bench/accounts-bench.sh" || echo "# accounts bench failed"
fi

if [ "${BENCH_LIMITS:-1}" = 1 ]; then
	RESULTS=$RESULTS BENCH_SECONDS=$SECS BENCH_CONCS=$CONCS BENCH_LIMITS_REPORT=0 BENCH_LIMITS_APPEND=1 \
		bash "$top_srcdir/tests/bench/limits-bench.sh" || echo "# limits bench failed"
fi

say "memory: RSS at start and with $MEMN cached domains"
rm_config mem "$(slapd_uri dirbig)" "positive_ttl = 3600; negative_ttl = 3600; max_entries = $MEMN;"
rm_up mem
sleep 1
rss0=$(rss_kb "$RM_PID_mem")
printf 'local 203.0.113.9 - <> <u@d{n}.bench.test>\n' >"$TMP/fill.txt"
"$LOADGEN" -q -s "unix:$TMP/mem.sock" -e "$TMP/fill.txt" -c 8 -n "$MEMN" -t 50 -p seq -r "$MEMN" -l fill |
	sed 's/$/ scenario=cachefill/' | tee -a "$RESULTS"
rss1=$(rss_kb "$RM_PID_mem")
# Every domain again: all hits now, so nothing more should be allocated.
"$LOADGEN" -q -s "unix:$TMP/mem.sock" -e "$TMP/fill.txt" -c 8 -n "$MEMN" -t 50 -p seq -r "$MEMN" -l refill |
	sed 's/$/ scenario=cacherefill/' | tee -a "$RESULTS"
rss2=$(rss_kb "$RM_PID_mem")
nullrss=$(rss_kb "$NULL_PID")
echo "MEMORY rss_start_kb=$rss0 rss_filled_kb=$rss1 rss_refilled_kb=$rss2 cached=$MEMN null_rss_kb=$nullrss" |
	tee -a "$RESULTS"
bench_stop "$RM_PID_mem"

if [ "${BENCH_E2E:-1}" = 1 ]; then
	say "end to end through Postfix"
	RESULTS=$RESULTS bash "$top_srcdir/tests/bench/e2e-bench.sh" || echo "# e2e bench failed or skipped"
fi

say "report"
ELAPSED=$((SECONDS - START))
MACHINE=$(machine) ELAPSED=$ELAPSED bash "$top_srcdir/tests/bench/report.sh" "$RESULTS" "$OUT"
cat "$OUT/bench.md"
