#!/bin/bash
# milterfuzz.sh: the real daemon under tests/fuzz/milterfuzz (malformed,
# truncated, absurd, flooding, out-of-order milter traffic, with correct
# sessions interleaved that assert no relay is ever accepted). First the
# regression probes (milterfuzz -P: the packet sequences of past crashes),
# then two rounds with different seeds; after each: the daemon is alive,
# every asserted session passed, and (without a wrapper or sanitizer) VmRSS
# did not grow without bound from round 1 to round 2. MILTERFUZZ_SECONDS sets the length
# of each round (default 12 s; 4 s under RM_WRAPPER, e.g. valgrind).
. "$top_srcdir/tests/daemon/lib.sh"

FUZZ=$top_builddir/tests/fuzz/milterfuzz
if [ -n "${RM_WRAPPER:-}" ]; then
	SECONDS_PER_ROUND=${MILTERFUZZ_SECONDS:-4}
else
	SECONDS_PER_ROUND=${MILTERFUZZ_SECONDS:-12}
fi
SEED=${MILTERFUZZ_SEED:-$(date +%s)}
# Growth allowed from the end of round 1 to the end of round 2.
RSS_SLACK_KB=${MILTERFUZZ_RSS_SLACK_KB:-4096}

# libmilter's own one-byte over-read on a malformed connect is not ours:
# tests/daemon/lib.sh adds tests/fuzz/valgrind.supp under valgrind; anything
# else valgrind reports still fails.

CONF=$TMP/relaymilter.conf
write_config "$CONF"
rm_start "$CONF" || bail_out "daemon did not start"

rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$RM_PID/status" 2>/dev/null; }

# An instrumented daemon's RSS says nothing about leaks.
measure_rss=yes
if [ -n "${RM_WRAPPER:-}" ] || grep -qaE '__(asan|tsan)_init' "$RM_BIN"; then
	measure_rss=
fi

# First the exact packet sequences of past crashes (milterfuzz -P), alone,
# so that a regression is named instead of being one of thousands of
# connections in a round. Each round sends them again before fuzzing.
out=$("$FUZZ" -s "$SOCK" -P 2>&1)
rc=$?
if kill -0 "$RM_PID" 2>/dev/null; then
	ok "regression probes: daemon still running (odd macro list, ...)"
else
	wait "$RM_PID"
	st=$?
	RM_PID=
	not_ok "regression probes: daemon still running (odd macro list, ...)" \
		"the daemon died, exit status $st"$'\n'"$(tail -30 "$TMP/stderr")"
	bail_out "the daemon died on the regression probes"
fi
if [ $rc -eq 0 ]; then
	ok "regression probes: asserted sessions right afterwards"
else
	not_ok "regression probes: milterfuzz -P exit $rc" "$(printf '%s\n' "$out" | grep -v '^# [a-z0-9]' | head -20)"
fi

echo "# seed $SEED, $SECONDS_PER_ROUND s per round (rerun: MILTERFUZZ_SEED=$SEED)"
rss0=$(rss_kb)
declare -a rss
for round in 1 2; do
	out=$("$FUZZ" -s "$SOCK" -t "$SECONDS_PER_ROUND" -S $((SEED + round)) 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep '^#' | grep -v '^# FAIL' | sed "s/^# /# round $round: /"
	if [ $rc -eq 0 ]; then
		ok "round $round: every asserted session right, no relay accepted"
	else
		not_ok "round $round: milterfuzz exit $rc" "$(printf '%s\n' "$out" | grep -v '^# [a-z0-9]' | head -20)"
	fi
	ok_if "round $round: daemon still running" kill -0 "$RM_PID"
	rss[$round]=$(rss_kb)
done
echo "# VmRSS: start ${rss0:-?} kB, after round 1 ${rss[1]:-?} kB, after round 2 ${rss[2]:-?} kB"
if [ -z "$measure_rss" ]; then
	skip "RSS bounded across rounds" "wrapper or sanitizer build"
elif [ -n "${rss[1]}" ] && [ -n "${rss[2]}" ] && [ "${rss[2]}" -le $((rss[1] + RSS_SLACK_KB)) ]; then
	ok "RSS bounded across rounds (+$((rss[2] - rss[1])) kB)"
else
	not_ok "RSS bounded across rounds" "round 1 ${rss[1]:-?} kB, round 2 ${rss[2]:-?} kB"
fi

# A plain session after all that still gets the right answers (milterfuzz
# with no fuzz connections runs only its asserted sessions).
ok_if "correct answers after the fuzzing" "$FUZZ" -s "$SOCK" -n 0
rm_stop
rc=$?
is "daemon stops cleanly after the fuzzing (exit 0)" "$rc" 0
if grep -qE 'AddressSanitizer|runtime error|ThreadSanitizer|==[0-9]+== (Invalid|Conditional)' "$TMP/stderr"; then
	not_ok "no sanitizer or valgrind report" "$(grep -E 'Sanitizer|runtime error|==[0-9]+==' "$TMP/stderr" | head -20)"
else
	ok "no sanitizer or valgrind report"
fi
done_testing
