#!/bin/bash
# mtclient.sh: the milter test client against a real libmilter filter
# (echofilter) and a misbehaving one (mtfake). Unix sockets only, in a
# private temporary directory; every process started here is killed by PID.
set -u
. "$top_srcdir/tests/lib/tap.sh"

B=${top_builddir:-.}/tests
T=$(mktemp -d "${TMPDIR:-/tmp}/mtclient.XXXXXX") || bail_out "mktemp failed"
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

# start NAME PROGRAM ARGS...: run in the background, wait for $T/NAME.sock.
start() {
	local name=$1
	shift
	"$@" >"$T/$name.out" 2>&1 &
	PIDS="$PIDS $!"
	for _ in $(seq 50); do
		[ -S "$T/$name.sock" ] && return 0
		sleep 0.1
	done
	bail_out "$name did not start: $(cat "$T/$name.out")"
}

# run SOCKNAME [mtclient options] <<script: stdout to $OUT, status to $RC.
run() {
	local sock=$1
	shift
	OUT=$("$B/mtclient" -s "unix:$T/$sock.sock" -t 3 "$@" - 2>"$T/stderr")
	RC=$?
	ERR=$(cat "$T/stderr")
}

# line OUTPUT PREFIX: the first line of OUTPUT starting with PREFIX.
line() {
	printf '%s\n' "$1" | grep -F -m1 -- "$2" || true
}

start echo "$B/echofilter" -p "unix:$T/echo.sock" -l "$T/echo.log"
start nr "$B/echofilter" -p "unix:$T/nr.sock" -l "$T/nr.log" -P 0x3402
start plain "$B/echofilter" -D -p "unix:$T/plain.sock" -l "$T/plain.log"

# --- Postfix preset: verdicts, macros, end of message ----------------------
run echo -m postfix <<'EOF'
connect mail.client.test 192.0.2.1 4567
set {tls_version} TLSv1.3
helo client.test
auth alice
set i 4ABC123
mail <a@x.test> SIZE=100 BODY=8BITMIME
rcpt <b@y.test>
rcpt <reject@y.test>
expect "^rcpt <reject@y\.test>: reply 550 5\.7\.1 Relay access denied$"
rcpt <temp@y.test>
data
header Subject "hi \"there\"\t!"
header X-Quarantine yes
eoh
body "line1\r\nline2\r\n"
eom
quit
EOF
is "postfix script runs" "$RC" 0
like "negotiation printed" "$(line "$OUT" negotiate:)" \
	'^negotiate: version=6 actions=0x121 protocol=0x0 symlist rcpt="\{rcpt_addr\} \{auth_authen\} \{daemon_name\} i"$'
is "connect continues" "$(line "$OUT" 'connect ')" "connect mail.client.test 192.0.2.1 4567: continue"
is "plain rcpt continues" "$(line "$OUT" 'rcpt <b@')" "rcpt <b@y.test>: continue"
is "reject with setreply text" "$(line "$OUT" 'rcpt <reject@')" \
	"rcpt <reject@y.test>: reply 550 5.7.1 Relay access denied"
is "tempfail" "$(line "$OUT" 'rcpt <temp@')" "rcpt <temp@y.test>: tempfail"
is "header with escapes shown escaped" "$(line "$OUT" 'header Subject')" \
	'header Subject hi \"there\"\x09!: continue'
is "eom: actions then final" "$(line "$OUT" 'eom:')" \
	"eom: addheader X-Echofilter: seen; quarantine asked for; continue"
is "quit" "$(line "$OUT" 'quit:')" "quit: sent"

L=$(cat "$T/echo.log")
like "filter saw Postfix's offer" "$(line "$L" 'negotiate ')" 'offered actions=0x1ff protocol=0x1fffff'
like "connect macros (postfix)" "$(line "$L" 'connect ')" \
	'^connect mail\.client\.test addr j=mx\.example\.test _=mail\.client\.test \[192\.0\.2\.1\] v=Postfix 3\.7\.11 \{daemon_name\}=mx\.example\.test \{daemon_addr\}=127\.0\.0\.1$'
like "helo macros: tls set before helo" "$(line "$L" 'helo ')" '\{tls_version\}=TLSv1\.3'
like "mail: ESMTP args passed" "$(line "$L" 'mail ')" '^mail <a@x\.test> SIZE=100 BODY=8BITMIME '
like "mail macros: auth, queue id, mail_addr" "$(line "$L" 'mail ')" \
	'i=4ABC123 .*\{auth_type\}=PLAIN \{auth_authen\}=alice \{mail_addr\}=a@x\.test'
like "rcpt macros from the filter's symlist" "$(line "$L" 'rcpt <b@')" '\{rcpt_addr\}=b@y\.test'
like "header value received unescaped" "$(line "$L" 'header Subject')" '^header Subject hi "there"\\x09! '
like "body received with CRLF" "$(line "$L" 'body ')" '^body line1\\x0d\\x0aline2\\x0d\\x0a '
ok_if "filter saw quit" grep -qx close "$T/echo.log"

# --- Sendmail preset ----------------------------------------------------
: >"$T/echo.log"
run echo -m sendmail <<'EOF'
connect unknown 2001:db8::7 25
set {msg_id} <m1@x.test>
mail <s@x.test>
rcpt <r@y.test>
data
eoh
eom
quit
EOF
is "sendmail script runs" "$RC" 0
is "connect unknown host sent as [addr]" "$(line "$OUT" 'connect ')" "connect unknown 2001:db8::7 25: continue"
L=$(cat "$T/echo.log")
like "connect macros (sendmail)" "$(line "$L" 'connect ')" \
	'^connect \[2001:db8::7\] addr j=mx\.example\.test _=unknown \[2001:db8::7\] \{daemon_name\}=MTA \{if_name\}=localhost \{if_addr\}=127\.0\.0\.1$'
ok_if "no Postfix v macro" sh -c "! grep '^connect ' '$T/echo.log' | grep -q ' v='"
like "mail macros (sendmail)" "$(line "$L" 'mail ')" '\{mail_addr\}=s@x\.test$'
like "eom macro msg_id" "$(line "$L" 'eom')" '\{msg_id\}=<m1@x\.test>'
ok_if "unauthenticated: no auth macros" sh -c "! grep '^mail ' '$T/echo.log' | grep -q auth_"

# --- reused connection: QUIT_NC then a new session -----------------------
# libmilter takes SMFIC_QUIT_NC + CONNECT only at a message boundary (after
# end of message, or after an abort inside a transaction).
: >"$T/echo.log"
run echo <<'EOF'
connect one.test 192.0.2.10
mail <a@x.test>
rcpt <b@y.test>
data
eoh
eom
reset
expect "^reset: sent$"
connect two.test 192.0.2.20
set {daemon_name} submission
mail <c@x.test>
rcpt <reject@y.test>
quit
EOF
is "reset script runs" "$RC" 0
is "one negotiation for two sessions" "$(printf '%s\n' "$OUT" | grep -c '^negotiate:')" 1
is "second session on the same socket answers" "$(line "$OUT" 'rcpt <reject@')" \
	"rcpt <reject@y.test>: reply 550 5.7.1 Relay access denied"
is "filter saw one negotiation" "$(grep -c '^negotiate ' "$T/echo.log")" 1
is "filter saw two sessions" "$(grep -c '^close$' "$T/echo.log")" 2
like "second session has its own connect" "$(line "$(cat "$T/echo.log")" 'connect two')" '_=two\.test \[192\.0\.2\.20\]'
like "macro override reaches the filter" "$(line "$(cat "$T/echo.log")" 'rcpt <reject@')" '\{daemon_name\}=submission'

run echo <<'EOF'
connect one.test 192.0.2.10
mail <a@x.test>
rcpt <b@y.test>
abort
reset
connect two.test 192.0.2.20
quit
EOF
is "reuse after abort inside a transaction" "$(line "$OUT" 'connect two')" "connect two.test 192.0.2.20: continue"

# Canary for a libmilter quirk the daemon tests must avoid.
run echo -t 1 <<'EOF'
connect one.test 192.0.2.10
helo one.test
reset
connect two.test 192.0.2.20
EOF
like "libmilter ignores CONNECT after QUIT_NC outside a message" "$ERR" \
	'connect: timeout waiting for the filter'

# --- no-reply and skipped stages, SMFIR_SKIP ------------------------------
# 0x3402: NR_CONN | NR_HELO | SMFIP_SKIP | NOHELO
run nr <<'EOF'
connect h.test 10.0.0.1
helo h.test
mail <a@b.test>
rcpt <c@d.test>
data
header A b
eoh
body "SKIPME\r\n"
body "more\r\n"
eom
quit
EOF
is "NR script runs" "$RC" 0
like "NR negotiated" "$(line "$OUT" negotiate:)" 'protocol=0x3402 '
is "connect: no reply awaited" "$(line "$OUT" 'connect ')" "connect h.test 10.0.0.1: noreply"
is "helo: stage skipped" "$(line "$OUT" 'helo ')" "helo h.test: skipped"
is "mail still answered" "$(line "$OUT" 'mail ')" "mail <a@b.test>: continue"
is "filter answers SMFIR_SKIP" "$(line "$OUT" 'body SKIPME')" 'body SKIPME\x0d\x0a: skip'
is "later body chunk not sent" "$(line "$OUT" 'body more')" 'body more\x0d\x0a: skipped'
is "eom after skip" "$(line "$OUT" 'eom:')" "eom: addheader X-Echofilter: seen; continue"
ok_if "filter got connect" grep -q '^connect h\.test' "$T/nr.log"
ok_if "filter never got helo" sh -c "! grep -q '^helo ' '$T/nr.log'"
ok_if "filter got one body chunk" test "$(grep -c '^body ' "$T/nr.log")" -eq 1

# Offer no NR bits: the filter may not use them (libmilter then replies anyway).
run nr -p 0x7f <<'EOF'
connect h.test 10.0.0.1
quit
EOF
like "offer without NR: negotiated subset" "$(line "$OUT" negotiate:)" 'protocol=0x2 '
is "offer without NR: connect answered" "$(line "$OUT" 'connect ')" "connect h.test 10.0.0.1: continue"

# --- libmilter's own negotiation (no xxfi_negotiate) --------------------------
run plain <<'EOF'
connect h.test 10.0.0.1
quit
EOF
like "libmilter alone skips only unknown" "$(line "$OUT" negotiate:)" \
	'^negotiate: version=6 actions=0x121 protocol=0x100$'

# --- expect failure -----------------------------------------------------
run echo <<'EOF'
connect h.test 10.0.0.1
expect "^connect .*: reject$"
quit
EOF
is "failed expect exits 1" "$RC" 1
like "failed expect explains" "$ERR" 'expect /\^connect \.\*: reject\$/ failed; got: connect h\.test 10\.0\.0\.1: continue'
is "nothing after a failed expect" "$(line "$OUT" 'quit')" ""

# --- script errors ---------------------------------------------------------
run echo <<'EOF'
frobnicate
EOF
is "unknown command exits 2" "$RC" 2
like "unknown command named" "$ERR" '-:1: unknown command "frobnicate"'

run echo <<'EOF'
header "unterminated
EOF
is "bad quoting exits 2" "$RC" 2

# --- protocol errors, timeouts, lost connections --------------------------
for mode in hang huge close badcode garbage modify progress; do
	start "fake-$mode" "$B/mtfake" "$T/fake-$mode.sock" "$mode"
done

run fake-hang -t 1 <<'EOF'
connect h.test 10.0.0.1
EOF
is "silent filter: exit 2" "$RC" 2
like "silent filter: timeout" "$ERR" 'connect: timeout waiting for the filter'

run fake-huge <<'EOF'
connect h.test 10.0.0.1
EOF
is "absurd length: exit 2" "$RC" 2
like "absurd length refused" "$ERR" 'absurd packet length 2147483647'

run fake-close <<'EOF'
connect h.test 10.0.0.1
EOF
is "closed connection: exit 2" "$RC" 2
like "closed connection reported" "$ERR" 'filter closed the connection'

run fake-badcode <<'EOF'
connect h.test 10.0.0.1
EOF
is "malformed reply code: exit 2" "$RC" 2
like "malformed reply code reported" "$ERR" 'malformed reply code "999 nonsense"'

run fake-garbage <<'EOF'
connect h.test 10.0.0.1
EOF
like "unknown reply reported" "$ERR" "unknown reply 'Z' to 'C'"

run fake-modify <<'EOF'
connect h.test 10.0.0.1
EOF
like "modification outside eom refused" "$ERR" "modification 'h' outside end of message"

run fake-progress <<'EOF'
connect h.test 10.0.0.1
helo h.test
quit
EOF
is "progress then continue: fine" "$RC" 0
is "progress is not a verdict" "$(line "$OUT" 'connect ')" "connect h.test 10.0.0.1: continue"

run nosuch <<'EOF'
connect h.test 10.0.0.1
EOF
is "no filter: exit 2" "$RC" 2
like "no filter: connect error" "$ERR" 'connect to unix:.*nosuch\.sock'

done_testing
