#!/bin/bash
# ab.sh: `make bench-ab`: this build's relaymilter (B) against an earlier
# one (A, built here from git revision $AB_REV) and the null milter, in the
# same run, interleaved round by round so that the box's noise falls on all
# three alike. Scenarios: the static mix (no directory) and LDAP with a warm
# cache (10k domains), at $AB_CONC connections (32), $AB_ROUNDS rounds
# (5) of $AB_SECONDS (5) each. Prints per round and the medians: decisions/s
# and p99 of A, B and null, B/null against A/null, and B/A.
#
#   AB_REV      the baseline revision (default: the commit before the
#               directory-layer reshaping, 8474a9a)
#   AB_BASE     a baseline relaymilter binary to use instead of building
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/integ/lib_slapd.sh"
. "$top_srcdir/tests/bench/lib_bench.sh"

REV=${AB_REV:-8474a9a}
CONC=${AB_CONC:-32}
ROUNDS=${AB_ROUNDS:-5}
SECS=${AB_SECONDS:-5}
RESULTS=$TMP/ab.txt
: >"$RESULTS"
say() { printf '== %s\n' "$*"; }

base=${AB_BASE:-}
if [ -z "$base" ]; then
	say "building the baseline relaymilter at $REV"
	mkdir -p "$TMP/base-src"
	git -C "$top_srcdir" archive "$REV" | tar -x -C "$TMP/base-src" ||
		bail_out "git archive $REV failed"
	(cd "$TMP/base-src" && autoreconf -fi >/dev/null 2>&1 && mkdir b && cd b &&
		../configure -q >/dev/null && make -j"$(nproc)" relaymilter >/dev/null 2>&1) ||
		bail_out "the baseline at $REV does not build"
	base=$TMP/base-src/b/relaymilter
fi

dir_create dir10k 10000
null_start
WARM="positive_ttl = 3600; negative_ttl = 3600;"
for v in a b; do
	rm_config "static_$v"
	rm_config "warm_$v" "$(slapd_uri dir10k)" "$WARM"
done
RELAYMILTER_B=$RELAYMILTER
for v in a b; do
	RELAYMILTER=$RELAYMILTER_B
	[ "$v" = a ] && RELAYMILTER=$base
	rm_up "static_$v"
	rm_up "warm_$v"
done
RELAYMILTER=$RELAYMILTER_B
MIX=$ENV_DIR/envelopes.txt
LOOK=$ENV_DIR/lookups.txt
for v in a b; do
	"$LOADGEN" -q -s "unix:$TMP/warm_$v.sock" -e "$LOOK" -c 8 -n 8000 -p seq -r 1000 -l warm >/dev/null
done

for r in $(seq 1 "$ROUNDS"); do
	say "round $r"
	lg null-mix "$TMP/null.sock" "$MIX" "$CONC" "$SECS" -N -r 1000 >/dev/null
	lg static-a "$TMP/static_a.sock" "$MIX" "$CONC" "$SECS" -r 1000 >/dev/null
	lg static-b "$TMP/static_b.sock" "$MIX" "$CONC" "$SECS" -r 1000 >/dev/null
	lg null-lookups "$TMP/null.sock" "$LOOK" "$CONC" "$SECS" -N -r 1000 >/dev/null
	lg warm-a "$TMP/warm_a.sock" "$LOOK" "$CONC" "$SECS" -r 1000 >/dev/null
	lg warm-b "$TMP/warm_b.sock" "$LOOK" "$CONC" "$SECS" -r 1000 >/dev/null
done

# Medians over the rounds, and the ratios.
awk -v rounds="$ROUNDS" -v rev="$REV" '
function val(line, key,   i, n, kv) {
	n = split(line, f, " ")
	for (i = 1; i <= n; i++) { split(f[i], kv, "="); if (kv[1] == key) return kv[2] }
	return ""
}
function median(arr, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
	return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
/^RESULT/ {
	s = val($0, "scenario"); if (val($0, "wrong") > 0 || val($0, "errors") > 0) bad = bad " " s
	nd[s]++; d[s, nd[s]] = val($0, "dec_per_s"); p[s, nd[s]] = val($0, "p99_us")
}
END {
	split("null-mix static-a static-b null-lookups warm-a warm-b", names, " ")
	for (k = 1; k <= 6; k++) {
		s = names[k]
		for (i = 1; i <= nd[s]; i++) { a[i] = d[s, i]; b[i] = p[s, i] }
		md[s] = median(a, nd[s]); mp[s] = median(b, nd[s])
		printf "%-13s decisions/s %9.0f  p99 %7.1f us  (median of %d)\n", s, md[s], mp[s], nd[s]
	}
	for (k = 0; k < 2; k++) {
		sc = k ? "warm" : "static"; nl = k ? "null-lookups" : "null-mix"
		ra = md[sc "-a"] / md[nl]; rb = md[sc "-b"] / md[nl]
		printf "AB scenario=%s rev_a=%s a_over_null=%.3f b_over_null=%.3f b_over_a=%.3f p99_a_over_null=%.2f p99_b_over_null=%.2f\n", \
			sc, rev, ra, rb, rb / ra, mp[sc "-a"] / mp[nl], mp[sc "-b"] / mp[nl]
	}
	if (bad != "") { printf "wrong replies or errors in:%s\n", bad; exit 1 }
}' "$RESULTS"
