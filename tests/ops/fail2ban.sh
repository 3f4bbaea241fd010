#!/bin/bash
# fail2ban.sh: contrib/fail2ban's filter against decision-log lines made by
# the daemon's own formatter (tests/tools/declogline) in syslog form, and,
# when tests/mtclient is built, against lines the running daemon wrote. It
# must catch every unauth-relay rejection with the right address (IPv4 and
# IPv6), and nothing else: accepts, report mode, tempfails, summaries, and
# lines where a client put "client_addr=..." or "action=reject" into its
# HELO or an address.
. "$top_srcdir/tests/daemon/lib.sh"

FILTER=$top_srcdir/contrib/fail2ban/filter.d/relaymilter.conf
JAIL=$top_srcdir/contrib/fail2ban/jail.d/relaymilter.conf
LINE=$top_builddir/tests/tools/declogline
if ! command -v fail2ban-regex >/dev/null; then
	skip "fail2ban filter" "no fail2ban-regex (apt-get install fail2ban)"
	done_testing
	exit
fi

# fail2ban-regex wants the filter next to common.conf: use the system's.
F2B=$TMP/f2b
mkdir -p "$F2B/filter.d"
cp /etc/fail2ban/filter.d/common.conf "$F2B/filter.d/" 2>/dev/null
cp "$FILTER" "$F2B/filter.d/relaymilter.conf"

stamp() { date '+%b %e %H:%M:%S'; }
syslog() { # syslog LINE: as rsyslog writes it to mail.log
	printf '%s mx relaymilter[4242]: %s\n' "$(stamp)" "$1"
}
ip_of() { # fields: what fail2ban-regex finds in one line
	printf '%s\n' "$1" >"$TMP/one.log"
	fail2ban-regex --out ip "$TMP/one.log" "$F2B/filter.d/relaymilter.conf" 2>/dev/null
}
common='session=7f3a1c2b-0001 from=<spam@example.net> source=static ms=0.041'

l=$(syslog "$("$LINE" $common qid=- client_addr=203.0.113.5 client_name=unknown helo=x \
	rcpt='<b@example.com>' action=reject reason=unauth-relay)")
is "unauth-relay reject (IPv4): caught" "$(ip_of "$l")" "203.0.113.5"
l=$(syslog "$("$LINE" $common qid=- client_addr=2001:db8:2::25 client_name=v6.example.net \
	helo=v6 rcpt='<b@example.com>' action=reject reason=unauth-relay)")
is "unauth-relay reject (IPv6): caught" "$(ip_of "$l")" "2001:db8:2::25"
l=$(syslog "$("$LINE" $common qid=4XyZ1 client_addr=198.51.100.7 client_name=mx.example.net \
	helo='spaces in helo' auth=- rcpt='<b@example.com>' action=reject reason=unauth-relay)")
is "quoted HELO with spaces: still caught, right address" "$(ip_of "$l")" "198.51.100.7"

for case in \
	"accept local-recipient|action=accept reason=local-recipient rcpt=<c@example.org>" \
	"report mode would-reject|action=would-reject reason=unauth-relay rcpt=<b@example.com>" \
	"tempfail lookup-error|action=tempfail reason=lookup-error rcpt=<c@example.org>" \
	"reject bad-address|action=reject reason=bad-address rcpt=<b@@example.org>"; do
	name=${case%%|*}
	# shellcheck disable=SC2086
	l=$(syslog "$("$LINE" $common qid=- client_addr=203.0.113.9 helo=x ${case#*|})")
	is "$name: not caught" "$(ip_of "$l")" ""
done

# Forgery: what a client controls cannot make a match or move the address.
l=$(syslog "$("$LINE" $common qid=- client_addr=192.0.2.20 helo='client_addr=6.6.6.6' \
	rcpt='<b@example.org>' action=accept reason=local-recipient)")
is "HELO client_addr=6.6.6.6 on an accept: no match" "$(ip_of "$l")" ""
l=$(syslog "$("$LINE" $common qid=- client_addr=192.0.2.20 \
	helo='x client_addr=6.6.6.6 action=reject reason=unauth-relay source=static ms=1' \
	rcpt='<b@example.org>' action=accept reason=local-recipient)")
is "HELO forging a whole reject tail: no match" "$(ip_of "$l")" ""
l=$(syslog "$("$LINE" $common qid=- client_addr=192.0.2.20 helo=x \
	rcpt='<a@b> action=reject reason=unauth-relay source=static ms=1' \
	action=accept reason=local-recipient)")
is "recipient forging a reject tail: no match" "$(ip_of "$l")" ""
l=$(syslog "$("$LINE" $common qid=- client_addr=203.0.113.5 helo='client_addr=6.6.6.6' \
	rcpt='<b@example.com>' action=reject reason=unauth-relay)")
is "HELO client_addr=6.6.6.6 on a real reject: the real address" "$(ip_of "$l")" "203.0.113.5"
l=$(syslog 'session=7f3a1c2b-0001 qid=- client_addr=203.0.113.5 auth=- from=<a@example.net> end=close accepted=0 rejected=3 tempfailed=0')
is "summary line: not caught" "$(ip_of "$l")" ""

# A whole log: count the matches.
{
	for i in 1 2 3; do
		syslog "$("$LINE" $common qid=- client_addr=203.0.113.5 helo=x rcpt="<r$i@example.com>" action=reject reason=unauth-relay)"
	done
	syslog "$("$LINE" $common qid=- client_addr=192.0.2.20 helo=x rcpt='<a@example.com>' action=accept reason=allowlisted-client)"
} >"$TMP/mail.log"
out=$(fail2ban-regex "$TMP/mail.log" "$F2B/filter.d/relaymilter.conf" 2>&1)
like "fail2ban-regex over a log: 3 matched, 1 missed" "$out" 'Lines: 4 lines, 0 ignored, 3 matched, 1 missed'

# The jail file parses and names the filter.
like "jail uses the relaymilter filter" "$(grep '^filter' "$JAIL")" 'relaymilter$'
like "jail bans on the SMTP ports" "$(grep '^port' "$JAIL")" 'smtp'

# Lines the running daemon wrote (needs tests/mtclient to drive a session).
if [ -x "$MTCLIENT" ]; then
	CONF=$TMP/relaymilter.conf
	write_config "$CONF"
	rm_start "$CONF" || bail_out "daemon did not start"
	mt postfix >/dev/null <<'S'
connect mx.example.net 203.0.113.77
helo mx.example.net
mail <a@example.net>
rcpt <b@example.net>
rcpt <c@example.org>
rcpt <d@example.com.invalid>
abort
quit
S
	rm_stop
	# stderr has "relaymilter: LINE": give it syslog's prefix and a date.
	grep '^relaymilter: session=' "$TMP/stderr" | sed 's/^relaymilter: //' |
		while IFS= read -r l; do syslog "$l"; done >"$TMP/daemon.log"
	out=$(fail2ban-regex --out ip "$TMP/daemon.log" "$F2B/filter.d/relaymilter.conf" 2>/dev/null | sort | uniq -c | awk '{print $1, $2}')
	is "daemon's own lines: 2 unauth-relay rejects from 203.0.113.77" "$out" "2 203.0.113.77"
else
	skip "daemon's own lines: 2 unauth-relay rejects from 203.0.113.77" "no tests/mtclient in this build"
fi
done_testing
