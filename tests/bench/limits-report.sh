#!/bin/bash
# limits-report.sh RESULTS: the rate-limits part of a bench run (the
# RESULT lines of limits-bench.sh's scenarios, its LIMCHECK, LIMOUTAGE,
# LIMBACK and LIMTIME lines) as markdown on stdout: throughput against the
# same daemon without limits, the added latency per checked recipient
# against a bare EVALSHA, the store stopped and hung. limits-bench.sh
# prints it at its end; report.sh puts it into bench.md.
set -u
res=$1

AWK_KV='function kv(   i, p) { delete f; for (i = 1; i <= NF; i++) { p = index($i, "="); if (p) f[substr($i, 1, p - 1)] = substr($i, p + 1) } }
function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "—" }'

echo "## Rate limits (limits-bench.sh)"
echo
echo "limits.txt: an SMTP AUTH login u<n>@example.org (one per session, drawn at random over BENCH_LIMITS_LOGINS, 100000) sending as itself to three remote recipients, static policy, every reply checked to be an accept. Three rules (login rcpt per hour, login msg per day, client rcpt per hour; action tempfail; max large enough that nothing is refused): memlimits with limits.store = \"memory\", redislimits with a private redis-server on a unix socket (one EVALSHA per recipient); nolimits: the same daemon config without limits; null: the null milter. Targets: memory ≥ 0.95 × nolimits, redis ≥ 0.80 × nolimits (32 connections)."
echo
echo "Figures per concurrency are means over the rounds (each round runs the four daemons once, the order reversed in even rounds); \"per round\" gives each round's ratio, the spread the box adds."
echo
echo "| conns | rounds | nolimits dec/s | memory dec/s | memory × nolimits (≥ 0.95) | per round | redis dec/s | redis × nolimits (≥ 0.80) | per round | null dec/s | p50 µs nolim / mem / redis / null | p99 µs nolim / mem / redis / null | bare EVALSHA/s | wrong | errors |"
echo "|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---|---|---:|---:|---:|"
awk "$AWK_KV"'
	/^RESULT/ { kv(); s = f["scenario"]; c = f["conns"]; k = ++cnt[s, c]
		d[s, c, k] = f["dec_per_s"]; sd[s, c] += f["dec_per_s"]; s50[s, c] += f["p50_us"]; s99[s, c] += f["p99_us"]
		w[s, c] += f["wrong"]; e[s, c] += f["errors"]
		if (s == "redislimits" && !(c in seen)) { seen[c] = 1; cs[++nc] = c } }
	function m(s, c) { return cnt[s, c] ? sd[s, c] / cnt[s, c] : 0 }
	function per(a, c,   k, out) { out = ""
		for (k = 1; k <= cnt[a, c] && k <= cnt["nolimits", c]; k++)
			out = out (k > 1 ? ", " : "") ratio(d[a, c, k], d["nolimits", c, k])
		return out }
	function lat(t, s, c) { return cnt[s, c] ? (t == 50 ? s50[s, c] : s99[s, c]) / cnt[s, c] : 0 }
	END { for (j = 1; j <= nc; j++) { c = cs[j]; n = "nolimits"; mm = "memlimits"; r = "redislimits"; z = "null-limits"
		printf "| %s | %d | %.0f | %.0f | %s | %s | %.0f | %s | %s | %.0f | %.1f / %.1f / %.1f / %.1f | %.1f / %.1f / %.1f / %.1f | %.0f | %d | %d |\n", c, cnt[r, c],
			m(n, c), m(mm, c), ratio(m(mm, c), m(n, c)), per(mm, c), m(r, c), ratio(m(r, c), m(n, c)), per(r, c), m(z, c),
			lat(50, n, c), lat(50, mm, c), lat(50, r, c), lat(50, z, c), lat(99, n, c), lat(99, mm, c), lat(99, r, c), lat(99, z, c),
			m("redisbase", c), w[n, c] + w[mm, c] + w[r, c], e[n, c] + e[mm, c] + e[r, c] } }' "$res"
echo
echo "Where the CPU goes (from /proc, per timed decision or check; the generator's own is not counted): relaymilter's CPU per decision in each daemon, redis-server's per decision of redislimits and per check of redisbase (bare EVALSHA), redisbase's own CPU per check (the client side of one EVALSHA: bare hiredis, and through redisstore_run), and EVALSHA calls redis-server answered per redislimits decision (commandstats; must be 1.000). On this box the generator, the daemon and redis-server share the same cores."
echo
echo "| conns | relaymilter µs/dec nolim / mem / redis | redis-server µs per redislimits dec | redis-server µs per bare check | client µs per check bare / store | EVALSHA per dec |"
echo "|---:|---|---:|---:|---|---:|"
awk "$AWK_KV"'
	/^RESULT/ { kv(); s = f["scenario"]; c = f["conns"]
		x = (s ~ /^redis(base|store)$/) ? f["cpu_us_per_dec"] : f["rm_cpu_us_per_dec"]
		n[s, c]++; cpu[s, c] += x; rcpu[s, c] += f["redis_cpu_us_per_dec"]; ev[s, c] += f["evalsha_per_dec"]
		if (s == "redislimits" && !(c in seen)) { seen[c] = 1; cs[++nc] = c } }
	function a(v, s, c) { return n[s, c] ? v / n[s, c] : 0 }
	END { for (j = 1; j <= nc; j++) { c = cs[j]; r = "redislimits"
		printf "| %s | %.1f / %.1f / %.1f | %.1f | %.1f | %.1f / %.1f | %.3f |\n", c, a(cpu["nolimits", c], "nolimits", c),
			a(cpu["memlimits", c], "memlimits", c), a(cpu[r, c], r, c), a(rcpu[r, c], r, c),
			a(rcpu["redisbase", c], "redisbase", c), a(cpu["redisbase", c], "redisbase", c),
			a(cpu["redisstore", c], "redisstore", c), a(ev[r, c], r, c) } }' "$res"
echo
echo "Added latency per checked recipient, one connection: (redislimits − nolimits) RCPT round trip as loadgen times it, against redisbase (the same script, KEYS and ARGV, through hiredis on the same socket: the EVALSHA round trip alone) and redisstore (the same through redisstore_run: the store's pool, arguments and reply parsing). Each round runs the four back to back (the order reversed in even rounds). Target: added ≤ 1.3 × bare."
echo
echo "| round | nolimits p50 / mean µs | redis p50 / mean µs | added p50 / mean µs | bare EVALSHA p50 / mean µs | store p50 / mean µs | added ÷ bare, p50 | added ÷ bare, mean |"
echo "|---:|---|---|---|---|---|---:|---:|"
awk "$AWK_KV"'
	function put(k, r) { p50[k, r] = f["p50_us"]; mean[k, r] = f["mean_us"]; if (r > nr) nr = r }
	/^RESULT/ { kv(); s = f["scenario"]
		if (s ~ /^lat-/) { k = substr(s, 5); put(k, ++cnt[k]) } }
	END { for (r = 1; r <= nr; r++) {
			if (!(("redislimits", r) in p50) || !(("nolimits", r) in p50)) continue
			ap = p50["redislimits", r] - p50["nolimits", r]; am = mean["redislimits", r] - mean["nolimits", r]
			printf "| %d | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f | %s | %s |\n", r,
				p50["nolimits", r], mean["nolimits", r], p50["redislimits", r], mean["redislimits", r], ap, am,
				p50["redisbase", r], mean["redisbase", r], p50["redisstore", r], mean["redisstore", r],
				ratio(ap, p50["redisbase", r]), ratio(am, mean["redisbase", r])
			n++; sap += ap; sam += am; sbp += p50["redisbase", r]; sbm += mean["redisbase", r]
			ssp += p50["redisstore", r]; ssm += mean["redisstore", r] }
		if (n > 1)
			printf "| mean of %d | — | — | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f | %s | %s |\n", n,
				sap / n, sam / n, sbp / n, sbm / n, ssp / n, ssm / n, ratio(sap, sbp), ratio(sam, sbm) }' "$res"
echo
echo "The store failing: redis-stop / redis-hang: redis-server stopped (TERM) / hung (SIGSTOP) 1 s into the run; redis-stopped / redis-hung: the whole run with it stopped / hung (the breaker open), on_store_error = \"local\" (this host's memory counters decide); memlimits-ref / -ref2: the memory-store daemon just before and after, same load. Latency: the RCPT round trip (an upper bound of the decision time); slow: RCPTs slower than slow_ms. Target: p99 ≤ limits.redis.timeout + 10 ms; after the breaker opens, memory speed."
echo
echo "| run | conns | dec/s | × memlimits-ref (mean of both) | p50 µs | p99 µs | p99 ≤ timeout + 10 ms | p99.9 µs | max ms | slow (count, > ms) | store_errors | fallback_checks | wrong | errors |"
echo "|---|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---:|---:|---:|"
awk "$AWK_KV"'
	/^LIMOUTAGE/ { kv(); se[f["label"]] = f["store_errors"]; fc[f["label"]] = f["fallback_checks"]; to = f["timeout_ms"] }
	/^RESULT/ && / slow_ms=/ { kv(); s = f["scenario"]; o[++n] = s
		d[s] = f["dec_per_s"]; c[s] = f["conns"]; p50[s] = f["p50_us"]; p99[s] = f["p99_us"]; p999[s] = f["p999_us"]
		mx[s] = f["max_us"]; sl[s] = f["slow"]; sm[s] = f["slow_ms"]; w[s] = f["wrong"]; e[s] = f["errors"] }
	END { ref = 0; nref = 0
		for (i = 1; i <= n; i++) if (o[i] ~ /^memlimits-ref/) { ref += d[o[i]]; nref++ }
		ref = nref ? ref / nref : 0
		for (i = 1; i <= n; i++) { s = o[i]
		ok = (s ~ /^redis/ && to != "") ? (p99[s] / 1000 <= to + 10 ? "yes" : "NO") : "—"
		printf "| %s | %s | %.0f | %s | %.1f | %.1f | %s | %.1f | %.1f | %s, > %s | %s | %s | %s | %s |\n", s, c[s], d[s],
			ratio(d[s], ref), p50[s], p99[s], ok, p999[s], mx[s] / 1000, sl[s], sm[s],
			(s in se) ? se[s] : "—", (s in fc) ? fc[s] : "—", w[s], e[s] } }' "$res"
echo
awk "$AWK_KV"'
	/^LIMCHECK/ { kv(); line = sprintf("- %s: %s timed decisions; checks per rule login-rcpt-hour %s, login-msg-day %s, client-rcpt-hour %s (warm-ups and redisbase excluded; each must equal the decisions); exceeded %d",
			f["daemon"], f["decisions"], f["checks_login_rcpt_hour"], f["checks_login_msg_day"], f["checks_client_rcpt_hour"],
			f["exceeded_login_rcpt_hour"] + f["exceeded_login_msg_day"] + f["exceeded_client_rcpt_hour"])
		if ("store_errors" in f) line = line sprintf("; store errors %s", f["store_errors"])
		print line "." }
	/^LIMREDIS/ { kv(); printf "- redis-server'"'"'s own time per EVALSHA (INFO commandstats, every run: %s calls): %s µs, of which %s µs in the commands the script calls (%s).\n",
			f["evalsha_calls"], f["evalsha_usec_per_call"], f["nested_usec_per_evalsha"],
			sprintf("get %s, set %s, pexpireat %s, time %s", f["get"], f["set"], f["pexpireat"], f["time"]) }
	/^LIMBACK/ { kv(); printf "- redis back after the %s: the daemon counted there again %s s later (probe every 0.5 s).\n", f["after"], f["seconds"] }
	/^LIMTIME/ { kv(); printf "- the rate-limits part took %s s.\n", f["seconds"] }' "$res"
