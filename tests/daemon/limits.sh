#!/bin/bash
# limits.sh: rate limits (SPEC §9) in the real daemon on the memory store,
# over the milter protocol: exactly max accepted then 451 4.7.1 with reason
# rate-limit and limit=NAME; bare and full login sharing one counter; the
# account overrides NAME=10 and NAME=0; a msg rule counted at end of data
# and refusing (550) at RCPT once used; client rules on unauthenticated and
# allowlisted clients (IPv6 by /64); hold (the message quarantined); log;
# suspend (the login then refused as suspended, local mail still accepted,
# event=account-suspended); one alert per key and period; the counters on
# the SIGUSR2 line and in the textfile; and everything surviving a reload
# (SIGUSR1). Runs under RM_WRAPPER (valgrind) and TSan too.
. "$top_srcdir/tests/daemon/lib.sh"

CONF=$TMP/relaymilter.conf
PROM=$TMP/relaymilter.prom
ACCOUNTS='accounts = (
    { login = "ten@example.org"; limits = [ "login-rcpt=10", "susp=20" ]; },
    { login = "free@example.org"; limits = [ "login-rcpt=0", "login-msg=0" ]; } );'
LOGIN_RULES='
    { name = "login-rcpt"; key = "login"; count = "rcpt"; max = 5; per = 3600; },
    { name = "login-msg"; key = "login"; count = "msg"; max = 3; per = 3600; action = "reject"; },
    { name = "held"; key = "sender_domain"; max = 2; per = 3600; action = "hold"; },
    { name = "logged"; key = "sender_domain"; max = 1; per = 3600; action = "log"; },
    { name = "susp"; key = "login"; max = 7; per = 3600; action = "suspend"; suspend = 600; }'
# config [more rules]: the login rules first; a reload adds a client rule
# (client rules apply to every client, so they get a phase of their own).
config() {
	write_config "$CONF" "$ACCOUNTS" "
accounts = { default_domain = \"example.org\"; };
stats = { textfile = \"$PROM\"; interval = 1; };
limits = { store = \"memory\"; rules = ( $LOGIN_RULES ${1:-} ); };"
}
config
[ -n "$RM_USER" ] && chown "$RM_USER" "$TMP"

# tx ADDR [RCPT...]: one transaction to end of data (AUTH, FROM from the
# environment); its output in $OUT.
tx() {
	local addr=$1 r
	shift
	OUT=$({
		echo "connect client.example.net $addr"
		echo "helo client.example.net"
		[ -n "${AUTH:-}" ] && echo "auth $AUTH PLAIN"
		echo "mail ${FROM:-<a@sender.example>}"
		for r in "$@"; do printf 'rcpt %s\n' "$r"; done
		echo eom
		echo quit
	} | mt postfix 2>&1)
}
answer() { grep -F -- "rcpt $1: " <<<"$OUT" | head -1 | sed 's/^[^:]*: //'; }
# accepted ADDR N [DOMAIN]: how many of N recipients (a transaction each) pass.
accepted() {
	local addr=$1 n=$2 dom=${3:-remote.example} i ok=0
	for i in $(seq 1 "$n"); do
		tx "$addr" "<r$i@$dom>"
		[ "$(answer "<r$i@$dom>")" = continue ] && ok=$((ok + 1))
	done
	echo $ok
}
accepted_local() { accepted "$1" "$2" example.org; }
RATE='^reply 451 4\.7\.1 <[^>]*>: Rate limit exceeded, try again later$'

rm_start "$CONF" || bail_out "relaymilter did not start"

# login-rcpt = 5: one transaction of 6 recipients
AUTH=alice FROM='<>' tx 203.0.113.10 '<a1@remote.example>' '<a2@remote.example>' \
	'<a3@remote.example>' '<a4@remote.example>' '<a5@remote.example>' '<a6@remote.example>'
n=$(grep -c '^rcpt <a[0-9]@remote.example>: continue$' <<<"$OUT")
is "login-rcpt max 5: exactly 5 of 6 recipients accepted" "$n" 5
like "the 6th gets 451 4.7.1 Rate limit exceeded" "$(answer '<a6@remote.example>')" "$RATE"
is "logged reason rate-limit, source limits, limit=login-rcpt, login canonical" \
	"$(json_q 'select(.rcpt == "<a6@remote.example>") | [.action,.reason,.source,.login,.limit] | join(" ")')" \
	"tempfail rate-limit limits alice@example.org login-rcpt"
AUTH=alice@example.org FROM='<>' tx 203.0.113.11 '<a7@remote.example>'
like "alice@example.org shares alice's counter" "$(answer '<a7@remote.example>')" "$RATE"
AUTH=bob FROM='<>' tx 203.0.113.12 '<b1@remote.example>'
is "another login has its own allowance" "$(answer '<b1@remote.example>')" continue

# overrides (static accounts): NAME=10, NAME=0
rcpts=$(for i in $(seq 1 12); do printf '<t%d@remote.example> ' "$i"; done)
# shellcheck disable=SC2086
AUTH=ten FROM='<>' tx 203.0.113.13 $rcpts
is "override login-rcpt=10: exactly 10 of 12" "$(grep -c '^rcpt <t[0-9]*@remote.example>: continue$' <<<"$OUT")" 10
# shellcheck disable=SC2086
AUTH=free FROM='<>' tx 203.0.113.14 $rcpts
# login-rcpt=0 lifts login-rcpt only: susp (7 per hour) still counts.
is "override login-rcpt=0: only the rule without an override (susp, 7) counts" \
	"$(grep -c '^rcpt <t[0-9]*@remote.example>: continue$' <<<"$OUT")" 7
is "free: the 8th refused by susp" "$(json_q 'select(.rcpt == "<t8@remote.example>" and .client_addr == "203.0.113.14") | [.action,.limit] | join(" ")')" "tempfail susp"
like "event=account-suspended logged" "$(grep 'event=account-suspended' "$TMP/stderr")" \
	'event=account-suspended login=free@example.org limit=susp until=20[0-9-]+T[0-9:]+Z'
AUTH=free FROM='<>' tx 203.0.113.14 '<x@remote.example>' '<y@example.org>'
like "free, suspended in the store: relay refused as suspended" "$(answer '<x@remote.example>')" \
	'^reply 550 5\.7\.1 <x@remote\.example>: Relay access denied: account suspended$'
is "  logged account-suspended, source limits" \
	"$(json_q 'select(.rcpt == "<x@remote.example>" and .client_addr == "203.0.113.14") | [.reason,.source] | join(" ")' | tail -1)" \
	"account-suspended limits"
is "  a local recipient still accepted" "$(answer '<y@example.org>')" continue

# msg rule: carol sends 3 messages (one recipient each), the 4th refused at RCPT
for i in 1 2 3; do AUTH=carol FROM='<>' tx 203.0.113.15 "<c$i@remote.example>"; done
AUTH=carol FROM='<>' tx 203.0.113.15 '<c4@remote.example>'
like "login-msg max 3: the 4th message's recipient gets 550 5.7.1 (action reject)" \
	"$(answer '<c4@remote.example>')" '^reply 550 5\.7\.1 <c4@remote\.example>: Rate limit exceeded, try again later$'
# an aborted transaction is no message: dave aborts twice, then sends 3
for i in 1 2; do
	printf 'connect c 203.0.113.16\nhelo c\nauth dave PLAIN\nmail <>\nrcpt <d%s@remote.example>\nabort\nquit\n' "$i" |
		mt postfix >/dev/null 2>&1
done
ok=0
for i in 3 4 5; do
	AUTH=dave FROM='<>' tx 203.0.113.16 "<d$i@remote.example>"
	[ "$(answer "<d$i@remote.example>")" = continue ] && ok=$((ok + 1))
done
is "aborted transactions take no msg allowance: 3 messages after 2 aborts" "$ok" 3

# hold (sender_domain max 2) and log (max 1): erin as erin@held.example
for i in 1 2 3; do
	AUTH=erin FROM='<erin@held.example>' tx 203.0.113.17 "<e$i@remote.example>"
	eval "OUT$i=\$OUT"
done
is "hold: the first two messages not held" "$(grep -c '^eom: quarantine' <<<"$OUT1$OUT2")" 0
like "hold: the third accepted and quarantined" "$(grep -F 'rcpt <e3@remote.example>:' <<<"$OUT3")" ': continue$'
like "  eom answers quarantine with the rule's name" "$(grep '^eom' <<<"$OUT3")" 'quarantine relaymilter: rate limit held'
is "log: the second passed, logged with limit=logged" \
	"$(json_q 'select(.rcpt == "<e2@remote.example>") | [.action,.limit] | join(" ")')" "accept logged"
like "event=message-held logged" "$(grep 'event=message-held' "$TMP/stderr")" 'limit=held'

# alerts: once per key, rule and period
is "one alert for login:alice@example.org login-rcpt despite 2 refusals" \
	"$(grep -c 'event=limit-exceeded limit=login-rcpt key=login:alice@example.org ' "$TMP/stderr")" 1
like "  the alert names max, per and action" "$(grep 'event=limit-exceeded limit=login-rcpt key=login:alice' "$TMP/stderr")" \
	'max=5 per=3600 action=tempfail'

# counters: SIGUSR2 and the textfile; then a reload (adding a client rule)
# keeps them and everybody's allowance
kill -USR2 "$RM_PID"
sleep 0.3
line=$(grep 'stats:' "$TMP/stderr" | tail -1)
like "SIGUSR2 line: per-rule checks, exceeded, alerts (2: alice and ten)" "$line" 'limit_login-rcpt_checks=[0-9]+ limit_login-rcpt_exceeded=[0-9]+ limit_login-rcpt_alerts=2'
checks_before=$(sed -E 's/.*limit_login-rcpt_checks=([0-9]+).*/\1/' <<<"$line")
for _ in $(seq 1 30); do grep -q 'relaymilter_limit_checks_total{rule="susp"}' "$PROM" 2>/dev/null && break; sleep 0.1; done
like "textfile: # HELP and a series per rule" "$(grep -A3 'HELP relaymilter_limit_checks_total' "$PROM")" \
	'relaymilter_limit_checks_total\{rule="login-rcpt"\} [0-9]+'
config ', { name = "client-rcpt"; key = "client"; max = 6; per = 3600; }'
kill -USR1 "$RM_PID"
for _ in $(seq 1 50); do grep -q 'generation 2' "$TMP/stderr" && break; sleep 0.1; done
like "reload: generation 2 loaded" "$(grep 'generation 2' "$TMP/stderr")" loaded
AUTH=alice FROM='<>' tx 203.0.113.30 '<after@remote.example>'
like "after SIGUSR1: alice's used allowance stays used" "$(answer '<after@remote.example>')" "$RATE"
AUTH=free FROM='<>' tx 203.0.113.31 '<after@remote.example>'
like "after SIGUSR1: the suspension stays" "$(answer '<after@remote.example>')" 'account suspended$'
kill -USR2 "$RM_PID"
sleep 0.3
checks_after=$(grep 'stats:' "$TMP/stderr" | tail -1 | sed -E 's/.*limit_login-rcpt_checks=([0-9]+).*/\1/')
ok_if "after SIGUSR1: the counters carry on ($checks_before -> $checks_after)" \
	[ "$checks_after" -gt "$checks_before" ]

# client rule (6 per hour): unauthenticated local mail, and allowlisted clients
is "client-rcpt: an unauthenticated client gets 6 of 8 local recipients" \
	"$(FROM='<x@remote.example>' accepted_local 198.51.100.1 8)" 6
like "  the next: 451 rate limit" "$(FROM='<x@remote.example>' tx 198.51.100.1 '<z@example.org>'; answer '<z@example.org>')" "$RATE"
is "an allowlisted client is limited by client rules too" "$(accepted 192.0.2.9 8)" 6
is "IPv6: one /64 shares a counter (3 + 3 of 8)" \
	"$(( $(accepted_local 2001:db8:77:1::1 3) + $(accepted_local 2001:db8:77:1:ffff::2 5) ))" 6
is "IPv6: another /64 has its own" "$(accepted_local 2001:db8:77:2::1 2)" 2

rm_stop
is "the daemon stops cleanly" "$?" 0
done_testing
