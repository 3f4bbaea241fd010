#!/bin/bash
# stats.sh: the Prometheus textfile (stats.textfile, stats.interval): it
# appears at start, is valid exposition text (HELP/TYPE per family, counters,
# a cumulative histogram; checked by tests/ops/prom-check.py), is rewritten
# every interval by rename (never half-written), is world-readable whatever
# the umask, follows a reload to a new path, and a write failure is logged
# without stopping the daemon. With tests/mtclient, counts move with traffic.
. "$top_srcdir/tests/daemon/lib.sh"

PROMCHECK=$top_srcdir/tests/ops/prom-check.py
PROMDIR=$TMP/prom
PROM=$PROMDIR/relaymilter.prom
mkdir -p "$PROMDIR"
[ -n "$RM_USER" ] && chown "$RM_USER" "$PROMDIR"
CONF=$TMP/relaymilter.conf
write_config "$CONF" "" "stats = { textfile = \"$PROM\"; interval = 1; };"

# wait_for CMD...: up to 5 s for CMD to succeed.
wait_for() {
	for _ in $(seq 1 100); do "$@" && return 0; sleep 0.05; done
	return 1
}

old_umask=$(umask)
umask 077
rm_start "$CONF" || bail_out "daemon did not start"
umask "$old_umask"

ok_if "textfile appears at start" wait_for test -s "$PROM"
out=$("$PROMCHECK" "$PROM" 2>&1); rc=$?
is "textfile is valid Prometheus text" "$rc$out" "0"
body=$(cat "$PROM")
like "HELP line for decisions" "$body" '^# HELP relaymilter_decisions_total '
like "TYPE counter for decisions" "$body" '# TYPE relaymilter_decisions_total counter'
like "TYPE histogram for latency" "$body" '# TYPE relaymilter_decision_seconds histogram'
like "sessions counter at zero" "$body" 'relaymilter_sessions_total 0'
like "lookups by source" "$body" 'relaymilter_lookups_total\{source="static"\} 0'
like "latency +Inf bucket" "$body" 'relaymilter_decision_seconds_bucket\{le="\+Inf"\} 0'
like "build info with version" "$body" 'relaymilter_build_info\{version="[0-9.]+"\} 1'
like "start time" "$body" 'relaymilter_start_time_seconds [0-9]{10}'
is "mode 0644 despite umask 077" "$(stat -c %a "$PROM")" "644"
is "no temporary file left" "$(ls "$PROMDIR" | grep -c tmp)" "0"

ino1=$(stat -c %i "$PROM")
changed() { [ "$(stat -c %i "$PROM" 2>/dev/null)" != "$ino1" ]; }
ok_if "rewritten (renamed into place) within the interval" wait_for changed
ino1=$(stat -c %i "$PROM")
ok_if "and again at the next interval" wait_for changed

if [ -x "$MTCLIENT" ]; then
	mt postfix >/dev/null <<'S'
connect mx.example.net 203.0.113.5
helo mx.example.net
mail <a@example.net>
rcpt <b@example.net>
rcpt <c@example.org>
abort
quit
S
	counted() { grep -q 'relaymilter_decisions_total{action="reject",reason="unauth-relay"} 1' "$PROM"; }
	ok_if "unauth-relay rejection counted" wait_for counted
	body=$(cat "$PROM")
	like "local-recipient accept counted" "$body" 'relaymilter_decisions_total\{action="accept",reason="local-recipient"\} 1'
	like "session counted" "$body" 'relaymilter_sessions_total 1'
	like "latency histogram counts both" "$body" 'relaymilter_decision_seconds_count 2'
	out=$("$PROMCHECK" "$PROM" 2>&1); rc=$?
	is "still valid with counts" "$rc$out" "0"
else
	for t in "unauth-relay rejection counted" "local-recipient accept counted" \
		"session counted" "latency histogram counts both" "still valid with counts"; do
		skip "$t" "no tests/mtclient in this build"
	done
fi

# SIGUSR2 logs the same counters as one line.
kill -USR2 "$RM_PID"
ok_if "SIGUSR2 logs the counters" wait_for grep -q 'stats: sessions=' "$TMP/stderr"

# Reload to a new path: written at once, not after an interval.
PROM2=$PROMDIR/other.prom
write_config "$CONF" "" "stats = { textfile = \"$PROM2\"; interval = 3600; };"
kill -USR1 "$RM_PID"
ok_if "reload: new textfile written at once" wait_for test -s "$PROM2"

# An unwritable path: logged, the daemon keeps serving.
write_config "$CONF" "" "stats = { textfile = \"$TMP/nonexistent/x.prom\"; interval = 1; };"
kill -USR1 "$RM_PID"
ok_if "write failure is logged" wait_for grep -q 'stats textfile: .*nonexistent' "$TMP/stderr"
ok_if "daemon still running after the failure" kill -0 "$RM_PID"
is "failure logged once, not every second" \
	"$(sleep 1.5; grep -c 'stats textfile:' "$TMP/stderr")" "1"

# No textfile configured: nothing written any more.
write_config "$CONF"
kill -USR1 "$RM_PID"
wait_for grep -q 'generation 4' "$TMP/stderr"
rm -f "$PROM2"
sleep 1.2
ok_if "without stats.textfile nothing is written" test ! -e "$PROM2"

rm_stop; rc=$?
is "clean stop" "$rc" "0"
done_testing
