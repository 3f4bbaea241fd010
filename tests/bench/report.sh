#!/bin/bash
# report.sh RESULTS OUTDIR: turn the RESULT/MEMORY/SLAPADD/E2E lines of a
# bench run (and the SYNC/SYNCCHECK/SYNCMEM/SYNCEDIT lines of sync mode,
# the ACCTNEG/ACCTWARM/ACCTCOUNT lines of accounts-bench.sh, and the rate
# limits' RESULT and LIM* lines of limits-bench.sh through limits-report.sh)
# into OUTDIR/bench.md (markdown tables, ratios against the null
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
	echo "static: envelopes.txt mix (all categories); warm/miss/sync: lookups.txt (one directory lookup per decision)."
	echo
	echo "| scenario | conns | decisions/s | × null | p50 µs | p99 µs | p99 × null | p99.9 µs | wrong | errors |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	awk "$AWK_KV"'
		/^RESULT/ { kv(); s = f["scenario"]; c = f["conns"]
			d[s, c] = f["dec_per_s"]; p50[s, c] = f["p50_us"]; p99[s, c] = f["p99_us"]
			p999[s, c] = f["p999_us"]; w[s, c] = f["wrong"]; e[s, c] = f["errors"]
			if (!(c in seen)) { seen[c] = 1; cs[++nc] = c } }
		END {
			n = split("null-mix static null-lookups warm10k warmbig miss10k missbig syncbig", order, " ")
			for (i = 1; i <= n; i++) for (j = 1; j <= nc; j++) {
				s = order[i]; c = cs[j]
				if (!((s, c) in d)) continue
				ref = (s == "static") ? "null-mix" : (s ~ /^(warm|miss|sync)/ ? "null-lookups" : "")
				r = (ref != "" && d[ref, c] > 0) ? sprintf("%.2f", d[s, c] / d[ref, c]) : "—"
				rp = (ref != "" && p99[ref, c] > 0) ? sprintf("%.2f", p99[s, c] / p99[ref, c]) : "—"
				printf "| %s | %s | %.0f | %s | %.1f | %.1f | %s | %.1f | %s | %s |\n",
					s, c, d[s, c], r, p50[s, c], p99[s, c], rp, p999[s, c], w[s, c], e[s, c]
			} }' "$res"
	if grep -q '^SYNC' "$res"; then
		echo
		echo "## Sync mode (ldap.mode = \"sync\")"
		echo
		echo "syncbig: relaymilter in sync mode on the big directory (syncprov), no cache warm-up, lookups.txt with recipients drawn at random over all its domains and as many unknown ones (the missbig mix); stderr to /dev/null as for the other daemons, its counters read from its Prometheus textfile. The refresh is timed on a first daemon whose stderr is a file (to the \"refresh complete\" line), stopped before the measured one starts. Targets: decisions/s ≥ 0.9 × null, p99 ≤ 1.2 × null; first refresh ≤ 20 s; RSS ≤ 150 MB; edit-to-decision p99 ≤ 2 s."
		echo
		echo "| conns | sync decisions/s | null decisions/s | × null (≥ 0.90) | sync p50 µs | null p50 µs | sync p99 µs | null p99 µs | p99 × null (≤ 1.20) |"
		echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		awk "$AWK_KV"'
			/^RESULT/ { kv(); s = f["scenario"]; c = f["conns"]
				d[s, c] = f["dec_per_s"]; p50[s, c] = f["p50_us"]; p99[s, c] = f["p99_us"]
				if (!(c in seen)) { seen[c] = 1; cs[++nc] = c } }
			END { for (j = 1; j <= nc; j++) { c = cs[j]
				if (!(("syncbig", c) in d) || !(("null-lookups", c) in d)) continue
				printf "| %s | %.0f | %.0f | %.2f | %.1f | %.1f | %.1f | %.1f | %.2f |\n", c,
					d["syncbig", c], d["null-lookups", c], d["syncbig", c] / d["null-lookups", c],
					p50["syncbig", c], p50["null-lookups", c], p99["syncbig", c], p99["null-lookups", c],
					p99["syncbig", c] / p99["null-lookups", c] } }' "$res"
		echo
		awk "$AWK_KV"'
			/^SYNCCHECK/ { kv(); printf "- source check over the syncbig runs: ldap_queries %s before, %s after (must not grow); source_sync grew by %s for %s timed decisions (source_ldap %s, source_cache %s).\n",
				f["ldap_queries_before"], f["ldap_queries_after"], f["source_sync_delta"], f["decisions"], f["source_ldap"], f["source_cache"] }
			/^SYNC / { kv(); printf "- %s directory: first complete refresh of the domains (%s entries) %.2f s after the daemon started (%.2f × the 20 s target); VmRSS %.1f MB, VmHWM %.1f MB (%.2f × the 150 MB target).\n",
				f["label"], f["entries"], f["refresh_s"], f["refresh_s"] / 20, f["rss_kb"] / 1024, f["hwm_kb"] / 1024, f["hwm_kb"] / 1024 / 150 }
			/^SYNCMEM/ { kv(); printf "- %s: VmRSS %.1f MB, VmHWM %.1f MB.\n", f["label"], f["rss_kb"] / 1024, f["hwm_kb"] / 1024 }' "$res"
		if grep -q '^SYNCEDIT' "$res"; then
			echo
			echo "Edit to decision: an ldapmodify add or delete over ldapi as cn=admin, then one milter session asking about the edited domain every poll_ms until the answer changes; from just before ldapmodify starts."
			echo
			echo "| directory | edits | p50 ms | p90 ms | p99 ms | p99 × 2 s target | max ms | ldapmodify p50 ms | poll ms |"
			echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
			awk "$AWK_KV"'
				/^SYNCEDIT/ { kv(); printf "| %s | %s | %s | %s | %s | %.2f | %s | %s | %s |\n", f["label"], f["edits"], f["p50_ms"], f["p90_ms"], f["p99_ms"], f["p99_ms"] / 2000, f["max_ms"], f["ldapmodify_p50_ms"], f["poll_ms"] }' "$res"
		fi
	fi
	if grep -q '^ACCT' "$res"; then
		echo
		echo "## Accounts (ldap.accounts, policy.sender_login = \"reject\")"
		echo
		echo "accounts.txt: an SMTP AUTH login u<n> (accounts.default_domain = \"example.org\") sending as the address it owns, three remote recipients, every reply checked to be an accept. accounts: relaymilter with LDAP accounts (query mode, warm cache: every account looked up once first); noaccounts: the same daemon without ldap.accounts and with sender_login off, same envelopes, warmed the same way; null: the null milter, same envelopes. Target: accounts decisions/s ≥ 0.9 × null."
		echo
		echo "| conns | accounts dec/s | null dec/s | × null (≥ 0.90) | noaccounts dec/s | accounts × noaccounts | p50 µs acct / noacct / null | p99 µs acct / noacct / null | wrong | errors |"
		echo "|---:|---:|---:|---:|---:|---:|---|---|---:|---:|"
		awk "$AWK_KV"'
			/^RESULT/ { kv(); s = f["scenario"]; c = f["conns"]
				d[s, c] = f["dec_per_s"]; p50[s, c] = f["p50_us"]; p99[s, c] = f["p99_us"]
				w[s, c] = f["wrong"]; e[s, c] = f["errors"]
				if (s == "accounts" && !(c in seen)) { seen[c] = 1; cs[++nc] = c } }
			END { for (j = 1; j <= nc; j++) { c = cs[j]; a = "accounts"; b = "noaccounts"; z = "null-accounts"
				if (!((a, c) in d) || !((z, c) in d) || !((b, c) in d)) continue
				printf "| %s | %.0f | %.0f | %.2f | %.0f | %.2f | %.1f / %.1f / %.1f | %.1f / %.1f / %.1f | %s | %s |\n", c,
					d[a, c], d[z, c], d[a, c] / d[z, c], d[b, c], d[a, c] / d[b, c],
					p50[a, c], p50[b, c], p50[z, c], p99[a, c], p99[b, c], p99[z, c],
					w[a, c] + w[b, c], e[a, c] + e[b, c] } }' "$res"
		echo
		awk "$AWK_KV"'
			/^ACCTNEG/ { kv(); printf "- binding on: %s transactions whose sender the login does not own: %s refused at MAIL with 553 (%s counted wrong by loadgen, as they must be).\n", f["txns"], f["reply_553"] + 0, f["wrong"] }
			/^ACCTWARM/ { kv(); printf "- warm cache: LDAP searches during the measured runs: accounts %s, noaccounts %s (must be 0).\n", f["accounts_ldap_queries"], f["noaccounts_ldap_queries"] }
			/^ACCTTIME/ { kv(); printf "- the accounts part took %s s.\n", f["seconds"] }
			/^ACCTCOUNT/ { kv(); t = f["txns"]; r = f["decisions"]; a = f["account_searches"]
				printf "- one account search per transaction: cache off (cache.max_entries = 0), %s transactions with %s recipients in all (%.2f per transaction): slapd logged %s searches with the accounts filter, %.3f per transaction, %.3f per recipient (%s with the domains filter, %s searches in all); the daemon counted %s LDAP searches (ldap_queries_total).\n",
					t, r, t ? r / t : 0, a, t ? a / t : 0, r ? a / r : 0, f["domain_searches"], f["srch_total"], f["ldap_queries_delta"] }' "$res"
	fi
	if grep -q '^LIMCHECK' "$res"; then
		echo
		bash "$(dirname "$0")/limits-report.sh" "$res"
	fi
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
