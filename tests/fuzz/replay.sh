#!/bin/bash
# replay.sh: every fuzz corpus through every fuzz target, without libFuzzer
# (tests/fuzz/replay_* are the targets linked with replay_main.c). Two TAP
# lines per target: its own corpus, then every other target's corpus (an
# address is a fine config file to throw at the loader, and so on). A
# broken invariant aborts the replay; the failing input is then found by
# replaying file by file and named in the diagnostics. RM_WRAPPER (valgrind
# ...) is put in front of each replay when set, as for the daemon.
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/tap.sh"

CORPUS=$top_srcdir/tests/fuzz/corpus
# libconfig's own leak on a parse error is not ours (see lsan.supp).
export LSAN_OPTIONS="suppressions=$top_srcdir/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
case ${RM_WRAPPER:-} in
valgrind*) RM_WRAPPER="$RM_WRAPPER --suppressions=$top_srcdir/tests/fuzz/valgrind.supp" ;;
esac
TARGETS="address cidr config engine ldap_filter sync_proto"

# culprit BIN DIR...: the first input on which BIN fails alone.
culprit() {
	local bin=$1 f
	shift
	for f in $(find "$@" -maxdepth 1 -type f | sort); do
		"$bin" "$f" >/dev/null 2>&1 || { echo "$f"; return; }
	done
	echo "(none alone: the failure needs the sequence)"
}

# replay NAME BIN DIR...: one TAP line.
replay() {
	local name=$1 bin=$2 out rc n
	shift 2
	# shellcheck disable=SC2086
	out=$(${RM_WRAPPER:-} "$bin" "$@" 2>&1)
	rc=$?
	n=$(printf '%s\n' "$out" | sed -n 's/^# .*: \([0-9]*\) inputs$/\1/p' | awk '{s+=$1} END {print s+0}')
	if [ $rc -eq 0 ] && [ "$n" -gt 0 ]; then
		ok "$name ($n inputs)"
	else
		not_ok "$name (exit $rc, $n inputs)" \
			"$(printf '%s\n' "$out" | tail -20)"$'\n'"failing input: $(culprit "$bin" "$@")"
	fi
}

for t in $TARGETS; do
	bin=$top_builddir/tests/fuzz/replay_$t
	replay "fuzz_$t: own corpus" "$bin" "$CORPUS/$t"
	others=()
	for c in "$CORPUS"/*/; do
		c=${c%/}
		[ "$(basename "$c")" = "$t" ] || others+=("$c")
	done
	replay "fuzz_$t: the other corpora" "$bin" "${others[@]}"
done
done_testing
