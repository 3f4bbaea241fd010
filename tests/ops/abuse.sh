#!/bin/bash
# abuse.sh: the jq recipes of docs/abuse.md, run against a JSON decision log
# written by the daemon's own formatter (tests/tools/declogline), so the
# walk from a complaint (recipient, time) to the client, the login and the
# queue id keeps working when the log format moves.
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/tap.sh"
command -v jq >/dev/null || { skip "abuse recipes" "no jq"; done_testing; exit; }
L=$top_builddir/tests/tools/declogline
TMP=$(mktemp -d /tmp/rm-abuse.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
LOG=$TMP/decisions.json
{
	"$L" -j 2026-11-22T09:00:00.000Z session=aa-1 qid=- client_addr=198.51.100.9 helo=x \
		'from=<x@y.example>' 'rcpt=<z@example.com>' action=reject reason=unauth-relay
	"$L" -j 2026-11-22T14:05:12.345Z session=7f3a1c2b-0001 qid=- client_addr=203.0.113.5 \
		client_name=mx.example.net helo=mx auth=alice 'from=<news@example.org>' \
		'rcpt=<Bob@Example.com>' action=accept reason=authenticated source=- ms=0.041
	"$L" -j 2026-11-22T14:05:12.400Z session=7f3a1c2b-0001 qid=4XyZ1abc client_addr=203.0.113.5 \
		client_name=mx.example.net helo=mx auth=alice 'from=<news@example.org>' \
		'rcpt=<carol@example.net>' action=accept reason=authenticated source=- ms=0.041
	"$L" -j 2026-11-22T16:00:00.000Z session=bb-2 qid=- client_addr=198.51.100.9 helo=x \
		'from=<x@y.example>' 'rcpt=<w@example.com>' action=reject reason=unauth-relay
	# The summary line, as milter/declog.c's declog_format_summary_json writes it.
	echo '{"time":"2026-11-22T14:05:13.002Z","session":"7f3a1c2b-0001","qid":"4XyZ1abc","client_addr":"203.0.113.5","auth":"alice","from":"<news@example.org>","end":"eom","accepted":2,"rejected":0,"tempfailed":0}'
} >"$LOG"
ok_if "sample log is JSON lines" bash -c "jq -e . '$LOG' >/dev/null"

hit=$(jq -c 'select(.rcpt != null and (.rcpt | ascii_downcase | contains("bob@example.com")))
       | select(.time >= "2026-11-22T13:55" and .time < "2026-11-22T14:15")' "$LOG")
is "step 1: the complaint's decision found" "$(jq -r '[.session, .client_addr, .auth, .reason] | @tsv' <<<"$hit")" \
	"7f3a1c2b-0001	203.0.113.5	alice	authenticated"
S=$(jq -r .session <<<"$hit")
is "step 2: the whole session" "$(jq -c --arg s "$S" 'select(.session == $s)' "$LOG" | wc -l)" "3"
is "step 3: what the login relayed" "$(jq -r 'select(.auth == "alice" and .rcpt != null)
       | [.time, .client_addr, .action, .rcpt] | @tsv' "$LOG" | wc -l)" "2"
is "step 3: where the login came from" \
	"$(jq -r 'select(.auth == "alice") | .client_addr' "$LOG" | sort | uniq -c | sort -rn | awk '{print $1, $2}')" \
	"3 203.0.113.5"
is "step 3: top relay attempters" "$(jq -r 'select(.reason == "unauth-relay" and (.time | startswith("2026-11-22")))
       | .client_addr' "$LOG" | sort | uniq -c | sort -rn | head | awk '{print $1, $2}')" "2 198.51.100.9"
is "step 4: the queue id from the summary" \
	"$(jq -r --arg s "$S" 'select(.session == $s and .end != null and .qid != "-") | .qid' "$LOG" | tail -1)" \
	"4XyZ1abc"
# rate limits: the p99 recipe over alice (3 recipients in one hour, 1 in
# another) and bob (1): login-hours 3, p99 of [1 1 3] = 1, max 3.
{
	for t in 10:00:01 10:20:00 10:59:59; do
		"$L" -j "2026-11-23T$t.000Z" session=cc-1 client_addr=203.0.113.5 auth=alice \
			login=alice@example.org 'from=<>' 'rcpt=<r@example.net>' action=accept reason=authenticated
	done
	"$L" -j 2026-11-23T11:00:00.000Z session=cc-2 client_addr=203.0.113.5 auth=alice \
		login=alice@example.org 'from=<>' 'rcpt=<r@example.net>' action=accept reason=authenticated
	"$L" -j 2026-11-23T10:30:00.000Z session=cc-3 client_addr=203.0.113.6 auth=bob \
		login=bob@example.org 'from=<>' 'rcpt=<r@example.net>' action=accept reason=authenticated
	"$L" -j 2026-11-23T10:31:00.000Z session=cc-3 client_addr=203.0.113.6 auth=bob \
		login=bob@example.org 'from=<>' 'rcpt=<s@example.net>' action=tempfail reason=rate-limit \
		source=limits limit=login-rcpt-hour
} >"$TMP/limits.json"
recipe=$(sed -n '/^# recipients per login per hour/,/^```/p' "$top_srcdir/docs/abuse.md" | sed '1d;$d')
is "rate limits: the p99 recipe of docs/abuse.md" "$(LOG=$TMP/limits.json bash -c "$recipe")" \
	"login-hours 3 p99 1 max 3"
recipe=$(sed -n '/^# who would have been refused, by rule/,/^```/p' "$top_srcdir/docs/abuse.md" | sed '1d;$d')
is "rate limits: the who-would-be-refused recipe" "$(LOG=$TMP/limits.json bash -c "$recipe" | awk '{$1=$1; print}')" \
	"1 login-rcpt-hour bob@example.org 203.0.113.6"
for cmd in 'ascii_downcase | contains("bob@example.com")' 'select(.session == $s)' \
	'.end != null and .qid != "-"' 'select(.reason == "unauth-relay"'; do
	ok_if "docs/abuse.md still shows: $cmd" grep -qF -- "$cmd" "$top_srcdir/docs/abuse.md"
done
done_testing
