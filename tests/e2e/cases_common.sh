# cases_common.sh: end-to-end cases shared by the Postfix and Sendmail
# suites (sourced after lib_common.sh and the MTA's lib).
#
# The MTA suite provides:
#   MTA                  "postfix" or "sendmail" (in case names)
#   PORT_MAIN            listener served by relaymilter instance "enforce"
#   PORT_REPORT          listener served by instance "report" (mode=report)
#   PORT_CUSTOM          listener served by instance "custom" (reply texts)
#   client_opts KIND     swaks options that make the client appear as KIND:
#                        allowed4 allowed6 allowed_mapped
#                        outside4 outside6 outside_mapped
#   client_addr KIND     that address as relaymilter should log it
#   mta_pose KIND        in a hand-driven session (smtp_open), make the
#                        client appear as KIND (XCLIENT, or nothing)
#   mta_flush            deliver everything queued, wait for an empty queue
#
# Every case sends one message with a unique X-E2E-Case header. Cases
# expected to relay are named in RELAY_EXPECTED; relay_proof checks at the
# end that the remote sink holds exactly those and nothing else, and by
# name that none of RELAY_FORBIDDEN got there.

RELAY_EXPECTED=
RELAY_FORBIDDEN=

expect_relay() {
	RELAY_EXPECTED="$RELAY_EXPECTED $1"
}

# expect_no_relay CASE: CASE had a remote recipient that must not relay.
expect_no_relay() {
	RELAY_FORBIDDEN="$RELAY_FORBIDDEN $1"
}

# case_id SHORT: a unique case id for this MTA.
case_id() {
	echo "$MTA-$1"
}

# rcpt_is DESC CASE RCPT REGEX: the reply to RCPT in CASE matches REGEX.
rcpt_is() {
	like "$1" "$(rcpt_reply "$E2E_DIR/swaks-$2.log" "$3")" "$4"
}

# relayed DESC CASE RCPT: RCPT of CASE reached the remote sink.
relayed() {
	if sink_wait remote "$2" "$3"; then ok "$1"; else
		not_ok "$1" "$3 of $2 never reached the remote sink"; fi
}

# The address a local recipient has when it reaches the local sink.
local_sink_addr() { echo "$1"; }

delivered_locally() {
	if sink_wait local "$2" "$(local_sink_addr "$3")"; then ok "$1"; else
		not_ok "$1" "$3 of $2 never reached the local sink"; fi
}

# reason_is DESC INSTANCE RCPT REASON [ACTION]: the JSON decision log.
reason_is() {
	local got
	got=$(decision_field "$2" "$3" reason)
	is "$1" "$got" "$4"
	if [ -n "${5:-}" ]; then
		got=$(decision_field "$2" "$3" action)
		is "$1 (action)" "$got" "$5"
	fi
}

# One envelope with one recipient from client KIND on PORT.
one() {
	local c=$1 port=$2 kind=$3 from=$4 rcpt=$5
	shift 5
	# shellcheck disable=SC2046
	send "$c" --server "127.0.0.1:$port" $(client_opts "$kind") \
		--from "$from" --to "$rcpt" "$@" >/dev/null
}

cases_spec_rows() {
	local c

	# Row 1: allowlisted client relays, whatever its address family.
	for kind in allowed4 allowed6 allowed_mapped; do
		c=$(case_id "row1-$kind")
		one "$c" "$PORT_MAIN" "$kind" "sender@client.test" "r1-$kind@$REMOTE_DOMAIN"
		rcpt_is "$MTA row 1 ($kind $(client_addr $kind)): remote rcpt accepted" "$c" \
			"r1-$kind@$REMOTE_DOMAIN" '^250 '
		expect_relay "$c"
		relayed "$MTA row 1 ($kind): message reached the remote sink" "$c" "r1-$kind@$REMOTE_DOMAIN"
		reason_is "$MTA row 1 ($kind): logged allowlisted-client" enforce \
			"r1-$kind@$REMOTE_DOMAIN" allowlisted-client accept
	done

	# Row 3: unauthenticated, local recipient.
	c=$(case_id row3)
	one "$c" "$PORT_MAIN" outside4 "sender@client.test" "r3-user@$LOCAL_DOMAIN"
	rcpt_is "$MTA row 3: unauth client, local rcpt accepted" "$c" "r3-user@$LOCAL_DOMAIN" '^250 '
	delivered_locally "$MTA row 3: delivered to the local sink" "$c" "r3-user@$LOCAL_DOMAIN"
	reason_is "$MTA row 3: logged local-recipient" enforce "r3-user@$LOCAL_DOMAIN" local-recipient accept

	# Row 4: unauthenticated, remote recipient, every address family.
	for kind in outside4 outside6 outside_mapped; do
		c=$(case_id "row4-$kind")
		one "$c" "$PORT_MAIN" "$kind" "sender@client.test" "r4-$kind@$REMOTE_DOMAIN"
		rcpt_is "$MTA row 4 ($kind $(client_addr $kind)): 550 5.7.1 Relay access denied" "$c" \
			"r4-$kind@$REMOTE_DOMAIN" "^550 5\\.7\\.1 (<r4-$kind@$REMOTE_DOMAIN>\\.\\.\\. )?<r4-$kind@$REMOTE_DOMAIN>: Relay access denied"
		reason_is "$MTA row 4 ($kind): logged unauth-relay" enforce \
			"r4-$kind@$REMOTE_DOMAIN" unauth-relay reject
	done
	like "$MTA row 4: the decision log carries the client address" \
		"$(decision_field enforce "r4-outside4@$REMOTE_DOMAIN" client_addr)" \
		"$(client_addr outside4 | sed 's/\./\\./g')"
}

# is_null_sender DESC CASE: the MAIL FROM that swaks sent in CASE was <>.
is_null_sender() {
	is "$1" "$(sed -n 's/^ -> \(MAIL FROM:[^ ]*\).*/\1/p' "$E2E_DIR/swaks-$2.log" | head -n 1)" "MAIL FROM:<>"
}

cases_mixed_and_null() {
	local c log

	c=$(case_id mixed)
	send "$c" --server "127.0.0.1:$PORT_MAIN" $(client_opts outside4) --from "sender@client.test" \
		--to "m1@$LOCAL_DOMAIN,m2@$REMOTE_DOMAIN,m3@$LOCAL_DOMAIN,m4@other-remote.test" >/dev/null
	log="$E2E_DIR/swaks-$c.log"
	rcpt_is "$MTA mixed: local rcpt 1 accepted" "$c" "m1@$LOCAL_DOMAIN" '^250 '
	rcpt_is "$MTA mixed: remote rcpt 2 rejected" "$c" "m2@$REMOTE_DOMAIN" '^550 5\.7\.1 '
	rcpt_is "$MTA mixed: local rcpt 3 accepted after a reject" "$c" "m3@$LOCAL_DOMAIN" '^250 '
	rcpt_is "$MTA mixed: remote rcpt 4 rejected after an accept" "$c" "m4@other-remote.test" '^550 5\.7\.1 '
	like "$MTA mixed: the message was queued" "$(data_reply "$log")" '^250 '
	delivered_locally "$MTA mixed: local rcpt 1 delivered" "$c" "m1@$LOCAL_DOMAIN"
	delivered_locally "$MTA mixed: local rcpt 3 delivered" "$c" "m3@$LOCAL_DOMAIN"

	# swaks: --from "<>" is the null sender; an empty --from would make it
	# prompt, then fall back to its default sender (root@HOST).
	c=$(case_id null-local)
	one "$c" "$PORT_MAIN" outside4 "<>" "bounce-to@$LOCAL_DOMAIN"
	is_null_sender "$MTA null sender: the client really sent MAIL FROM:<>" "$c"
	rcpt_is "$MTA null sender: to a local rcpt accepted" "$c" "bounce-to@$LOCAL_DOMAIN" '^250 '
	delivered_locally "$MTA null sender: delivered" "$c" "bounce-to@$LOCAL_DOMAIN"

	c=$(case_id null-remote)
	one "$c" "$PORT_MAIN" outside4 "<>" "bounce-to@$REMOTE_DOMAIN"
	is_null_sender "$MTA null sender (remote): the client really sent MAIL FROM:<>" "$c"
	rcpt_is "$MTA null sender: to a remote rcpt still 550" "$c" "bounce-to@$REMOTE_DOMAIN" '^550 5\.7\.1 '
}

cases_report_mode() {
	local c

	c=$(case_id report)
	one "$c" "$PORT_REPORT" outside4 "sender@client.test" "rep@$REMOTE_DOMAIN"
	rcpt_is "$MTA report mode: remote rcpt from unauth client accepted" "$c" "rep@$REMOTE_DOMAIN" '^250 '
	expect_relay "$c"
	relayed "$MTA report mode: message relayed (nothing is rejected)" "$c" "rep@$REMOTE_DOMAIN"
	reason_is "$MTA report mode: logged would-reject unauth-relay" report "rep@$REMOTE_DOMAIN" \
		unauth-relay would-reject
}

# The classic ways around a relay check. RCPT, then the expected reply:
# "reject" (5xx) or "local" (accepted as a local recipient).
OPEN_RELAY_BATTERY='
percent      u%remote.test@local.test            reject
percent2     u%remote.test%other.test@local.test reject
percentuc    u%REMOTE.TEST@LOCAL.TEST            reject
bang         remote.test!u@local.test            reject
bang2        other.test!remote.test!u@local.test reject
srcroute     @local.test:u@remote.test           reject
srcroute2    @local.test,@mx.local.test:u@remote.test reject
quoted       "u@remote.test"@local.test          reject
quotedpct    "u%remote.test"@local.test          reject
literal4     u@[192.0.2.1]                       reject
literal6     u@[IPv6:2001:db8::1]                reject
remoteuc     u@REMOTE.TEST                       reject
remotedot    u@remote.test.                      reject
localdot     dot@local.test.                     local
localuc      UPPER@LOCAL.TEST                    local
'

# Hand-driven sessions, so that RCPT carries exactly the battery's bytes
# (swaks would split a source route at its comma).
cases_open_relay_battery() {
	local name rcpt want c

	while read -r name rcpt want; do
		[ -n "$name" ] || continue
		c=$(case_id "battery-$name")
		smtp_open "$PORT_MAIN"
		smtp_cmd "EHLO battery.test"
		mta_pose outside4
		smtp_cmd "MAIL FROM:<sender@client.test>"
		smtp_cmd "RCPT TO:<$rcpt>"
		if [ "$want" = reject ]; then
			like "$MTA open relay battery: $name <$rcpt> rejected" "$SMTP_REPLY" '^5[0-9][0-9] '
		else
			like "$MTA open relay battery: $name <$rcpt> accepted as local" "$SMTP_REPLY" '^250 '
		fi
		# Whatever was accepted is sent on: the remote sink must not see it.
		case $SMTP_REPLY in 250*) smtp_data "$c" ;; esac
		smtp_close
	done <<-EOF
	$OPEN_RELAY_BATTERY
	EOF
}

cases_custom_replies() {
	local c addr

	c=$(case_id custom)
	addr=$(client_addr outside4)
	one "$c" "$PORT_CUSTOM" outside4 "sender@client.test" "cust@$REMOTE_DOMAIN"
	rcpt_is "$MTA custom reply: code kept, %{rcpt} and %{client_addr} expanded" "$c" "cust@$REMOTE_DOMAIN" \
		"^550 5\\.7\\.1 .*cust@$REMOTE_DOMAIN>? from $(echo "$addr" | sed 's/\./\\./g') .*My server requires authentication.*help\\.example\\.net"
}

CUSTOM_REPLIES='replies = { relay_denied = "Relay of %{rcpt} from %{client_addr} denied: enable '"'"'My server requires authentication'"'"' in your mail program, see https://help.example.net/smtp-auth"; };'

# relay_proof: after the queue has drained, every message at the remote
# sink is one a case expected to relay, and nothing else got there.
relay_proof() {
	local got unexpected c

	mta_flush
	got=$(cat "$E2E_DIR/sink-remote"/* 2>/dev/null | sed -n 's/^X-E2E-Case: //p' | sort -u)
	unexpected=
	for c in $got; do
		case " $RELAY_EXPECTED " in *" $c "*) ;; *) unexpected="$unexpected $c" ;; esac
	done
	is "$MTA PROOF: nothing but the expected relays reached the remote sink" "${unexpected# }" ""
	for c in $RELAY_EXPECTED; do
		case " $got " in *"$c"*) ;; *) unexpected="$unexpected missing:$c" ;; esac
	done
	is "$MTA PROOF: every expected relay reached the remote sink" "${unexpected# }" ""
	like "$MTA PROOF: the remote sink holds $(echo $RELAY_EXPECTED | wc -w) relayed messages" \
		"$(echo "$got" | grep -c .)" "^$(echo $RELAY_EXPECTED | wc -w)\$"
	for c in $RELAY_FORBIDDEN; do
		is "$MTA PROOF: $c relayed nothing" "$(sink_count remote "$c")" 0
	done
}

# tempfailed DESC CASE RCPT: the MTA answered 4xx at MAIL FROM or RCPT.
tempfailed() {
	like "$1" "$(txn_reply "$E2E_DIR/swaks-$2.log" "$3")" '^4[0-9][0-9] '
}

