#!/bin/bash
# report.sh RESULTS OUTDIR: turn the RESULT/MEMORY/SLAPADD/E2E lines of a
# bench run into OUTDIR/bench.md (markdown tables, ratios against the null
# milter of the same run) and OUTDIR/bench.png (gnuplot: decisions/s and p99
# by concurrency, relaymilter vs the null milter). MACHINE and ELAPSED come
# from the environment.
set -u
res=$1
out=$2

# kv FIELD: awk helper that reads key=value pairs of a line into an array.
AWK_KV='function kv(   i, p) { delete f; for (i = 1; i <= NF; i++) { p = index($i, "="); if (p) f[substr($i, 1, p - 1)] = substr($i, p + 1) } }'

{
	echo "# relaymilter benchmark"
	echo
	echo "Machine: ${MACHINE:-unknown}. Run took ${ELAPSED:-?} s; $(date -u +%Y-%m-%d)."
	echo
	echo "## Recipient decisions through the milter protocol (loadgen)"
	echo
	echo "Each relaymilter scenario is compared with the null milter run in the same bench run, on the same envelope file and concurrency."
	echo "static: envelopes.txt mix (all categories); warm/miss: lookups.txt (one directory lookup per decision)."
	echo
	echo "| scenario | conns | decisions/s | × null | p50 µs | p99 µs | p99 × null | p99.9 µs | wrong | errors |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	awk "$AWK_KV"'
		/^RESULT/ { kv(); s = f["scenario"]; c = f["conns"]
			d[s, c] = f["dec_per_s"]; p50[s, c] = f["p50_us"]; p99[s, c] = f["p99_us"]
			p999[s, c] = f["p999_us"]; w[s, c] = f["wrong"]; e[s, c] = f["errors"]
			if (!(c in seen)) { seen[c] = 1; cs[++nc] = c } }
		END {
			n = split("null-mix static null-lookups warm10k warmbig miss10k missbig", order, " ")
			for (i = 1; i <= n; i++) for (j = 1; j <= nc; j++) {
				s = order[i]; c = cs[j]
				if (!((s, c) in d)) continue
				ref = (s == "static") ? "null-mix" : (s ~ /^(warm|miss)/ ? "null-lookups" : "")
				r = (ref != "" && d[ref, c] > 0) ? sprintf("%.2f", d[s, c] / d[ref, c]) : "—"
				rp = (ref != "" && p99[ref, c] > 0) ? sprintf("%.2f", p99[s, c] / p99[ref, c]) : "—"
				printf "| %s | %s | %.0f | %s | %.1f | %.1f | %s | %.1f | %s | %s |\n",
					s, c, d[s, c], r, p50[s, c], p99[s, c], rp, p999[s, c], w[s, c], e[s, c]
			} }' "$res"
	echo
	echo "## Cache misses against a bare libldap search (same slapd)"
	echo
	echo "missN: relaymilter with cache.max_entries = 0 (pool of 4 LDAP handles, the default); ldapbaseN: one handle per thread, synchronous ldap_search_ext_s of the search relaymilter sends (its filter code: the domain and its parents OR-ed, as with match_subdomains; same size limit; local and remote domains in equal parts, as lookups.txt). The round trip of one search at one connection (p50) is the comparison the target names."
	echo
	echo "| directory | conns | miss decisions/s | bare searches/s | ratio | miss p50 µs | bare p50 µs | p50 ratio | miss p99 µs | bare p99 µs |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	awk "$AWK_KV"'
		/^RESULT/ { kv(); s = f["scenario"]; c = f["conns"]
			d[s, c] = f["dec_per_s"]; p50[s, c] = f["p50_us"]; p99[s, c] = f["p99_us"]
			if (!(c in seen)) { seen[c] = 1; cs[++nc] = c } }
		END {
			split("10k big", dirs, " ")
			for (i = 1; i <= 2; i++) for (j = 1; j <= nc; j++) {
				m = "miss" dirs[i]; b = (dirs[i] == "10k") ? "ldapbase-10k" : "ldapbase-big"; c = cs[j]
				if (!((m, c) in d) || !((b, c) in d)) continue
				printf "| %s | %s | %.0f | %.0f | %.2f | %.1f | %.1f | %.2f | %.1f | %.1f |\n",
					dirs[i], c, d[m, c], d[b, c], d[m, c] / d[b, c], p50[m, c], p50[b, c],
					p50[m, c] / p50[b, c], p99[m, c], p99[b, c]
			} }' "$res"
	echo
	echo "## Memory and directory load"
	echo
	awk "$AWK_KV"'
		/^MEMORY/ { kv(); printf "- relaymilter RSS at start: %.1f MB; with %d cached domains: %.1f MB; after looking them all up again (all hits): %.1f MB. Null milter RSS after the runs: %.1f MB.\n",
			f["rss_start_kb"] / 1024, f["cached"], f["rss_filled_kb"] / 1024, f["rss_refilled_kb"] / 1024, f["null_rss_kb"] / 1024 }
		/^RESULT/ && / scenario=cachefill/ { kv(); printf "- filling the cache (every lookup a miss, 8 connections): %.0f decisions/s, p99 %.1f µs.\n", f["dec_per_s"], f["p99_us"] }
		/^SLAPADD/ { kv(); printf "- slapadd of %d generated domains (indexed): %.1f s.\n", f["domains"], f["seconds"] }' "$res"
	if grep -q '^E2E' "$res"; then
		echo
		echo "## End to end: smtp-source → Postfix → smtp-sink"
		echo
		echo "Messages summed over the rounds of the run; smtp-source, one message per SMTP session, $(awk '/^E2E / { for (i = 1; i <= NF; i++) if ($i ~ /^sessions=/) { sub(/sessions=/, "", $i); print $i; exit } }' "$res") sessions in parallel."
		echo "On the reject path the null milter decides nothing: the relay goes through and is delivered."
		echo
		grep '^E2E-CHECK' "$res" | sed 's/^E2E-CHECK /Check: /; s/$/ (must be 0)./'
		echo
		echo "Outcome of every timed message (delivered to the sink / rejected in Postfix's log):"
		echo
		grep '^E2E-COUNT' "$res" | sed 's/^E2E-COUNT /- /'
		echo
		echo "| path | variant | messages | seconds | messages/s | × null milter | × Postfix native LDAP check |"
		echo "|---|---|---:|---:|---:|---:|---:|"
		awk "$AWK_KV"'
			/^E2E / { kv(); k = f["path"] SUBSEP f["variant"]; m[k] += f["msgs"]; t[k] += f["seconds"]; r[k] = m[k] / t[k]
				if (!(f["path"] in sp)) { sp[f["path"]] = 1; ps[++np] = f["path"] } }
			END { n = split("none null relaymilter postfix-ldap postfix-static", vs, " ")
				for (i = 1; i <= np; i++) for (j = 1; j <= n; j++) {
					p = ps[i]; v = vs[j]; k = p SUBSEP v
					if (!(k in r)) continue
					rn = ((p, "null") in r && r[p, "null"] > 0) ? sprintf("%.2f", r[k] / r[p, "null"]) : "—"
					rl = ((p, "postfix-ldap") in r && r[p, "postfix-ldap"] > 0) ? sprintf("%.2f", r[k] / r[p, "postfix-ldap"]) : "—"
					printf "| %s | %s | %s | %.2f | %.0f | %s | %s |\n", p, v, m[k], t[k], r[k], rn, rl
				} }' "$res"
	fi
} >"$out/bench.md"

# Chart data: conns, then dec/s and p99 per series.
awk "$AWK_KV"'
	/^RESULT/ { kv(); s = f["scenario"]; c = f["conns"]; d[s, c] = f["dec_per_s"]; p[s, c] = f["p99_us"]
		if (!(c in seen)) { seen[c] = 1; cs[++nc] = c } }
	END { n = split("null-lookups warm10k warmbig miss10k null-mix static", o, " ")
		for (j = 1; j <= nc; j++) { line = cs[j]
			for (i = 1; i <= n; i++) line = line " " (((o[i], cs[j]) in d) ? d[o[i], cs[j]] " " p[o[i], cs[j]] : "NaN NaN")
			print line } }' "$res" >"$out/chart.dat"
if command -v gnuplot >/dev/null; then
	gnuplot -e "datafile='$out/chart.dat'; outfile='$out/bench.png'" \
		"$(dirname "$0")/bench.gp" 2>"$out/gnuplot.err" || cat "$out/gnuplot.err"
fi
