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
# and, for cases_accounts:
#   PORT_ACCT            listener served by instance "accounts"
#                        (accounts_config reject)
#   PORT_ACCTLOG         listener served by instance "acctlog"
#                        (accounts_config log)
#   mta_auth_seen LOGIN  {auth_authen} as the MTA hands it to the milter
#                        when the client typed LOGIN
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

# ---- accounts (SPEC §8) --------------------------------------------------
# accounts.default_domain is the domain the MTA's SASL realm appends to a
# bare login (Postfix smtpd_sasl_local_domain, Sendmail confAUTH_REALM, the
# saslpasswd2 -u realm): $LOCAL_DOMAIN in these suites. Set to the same
# domain, "alice" and "alice@$LOCAL_DOMAIN" authenticate against one sasldb
# entry AND are one relaymilter account; with two different domains a bare
# login would log in fine but own nothing.
ACCT_LOGIN="$SASL_USER@$LOCAL_DOMAIN"
ACCT_SUSPENDED="$SASL_SUSPENDED_USER@$LOCAL_DOMAIN"
ACCOUNTS_TOP="accounts = { default_domain = \"$LOCAL_DOMAIN\"; };"

# accounts_config SENDER_LOGIN: the policy lines of instances "accounts"
# and "acctlog". carol is named bare, as an admin would write it.
accounts_config() {
	cat <<-EOF2
	sender_login = "$1";
	  accounts = (
	    { login = "$ACCT_LOGIN"; senders = [ "@example.net", "alias@$LOCAL_DOMAIN" ]; },
	    { login = "$SASL_SUSPENDED_USER"; suspended = true; }
	  );
	EOF2
}

# login_of FORM USER: USER in one of the two login forms the seed clients
# use, "bare" (alice) or "full" (alice@$LOCAL_DOMAIN).
login_of() {
	case $1 in bare) echo "$2" ;; full) echo "$2@$LOCAL_DOMAIN" ;; esac
}

# auth_opts LOGIN: swaks options for SMTP AUTH PLAIN as LOGIN.
auth_opts() {
	echo "--auth PLAIN --auth-user $1 --auth-password $SASL_PASS"
}

# A suspended login is judged as unauthenticated: the remote recipient is
# refused, the local one accepted and delivered, nothing relayed.
cases_accounts_suspended() {
	local form login c remote_rcpt local_rcpt log

	for form in bare full; do
		login=$(login_of "$form" "$SASL_SUSPENDED_USER")
		c=$(case_id "susp-$form")
		remote_rcpt="susp-$form@$REMOTE_DOMAIN"
		local_rcpt="susp-$form@$LOCAL_DOMAIN"
		# shellcheck disable=SC2046
		one "$c" "$PORT_ACCT" outside4 "$ACCT_SUSPENDED" "$remote_rcpt,$local_rcpt" $(auth_opts "$login")
		log="$E2E_DIR/swaks-$c.log"
		like "$MTA suspended '$login': AUTH still succeeds (235)" "$(smtp_reply_to "$log" AUTH)" '^235 '
		is "$MTA suspended '$login': remote rcpt refused, account suspended" \
			"$(rcpt_reply "$log" "$remote_rcpt")" "$(mta_reply 550 5.7.1 "$remote_rcpt" "Relay access denied: account suspended")"
		rcpt_is "$MTA suspended '$login': local rcpt accepted" "$c" "$local_rcpt" '^250 '
		like "$MTA suspended '$login': the message was queued" "$(data_reply "$log")" '^250 '
		delivered_locally "$MTA suspended '$login': local rcpt delivered" "$c" "$local_rcpt"
		expect_no_relay "$c"
		reason_is "$MTA suspended '$login': remote rcpt logged account-suspended" accounts \
			"$remote_rcpt" account-suspended reject
		reason_is "$MTA suspended '$login': local rcpt logged local-recipient" accounts \
			"$local_rcpt" local-recipient accept
		is "$MTA suspended '$login': decision log auth" \
			"$(case_decision_field accounts "$c" "$remote_rcpt" auth)" "$(mta_auth_seen "$login")"
		is "$MTA suspended '$login': decision log login is canonical" \
			"$(case_decision_field accounts "$c" "$remote_rcpt" login)" "$ACCT_SUSPENDED"
		# unauth_local_sender = "log" (relaymilter_config): suspended, carol
		# is an unauthenticated client using a local sender domain
		is "$MTA suspended '$login': MAIL FROM <$ACCT_SUSPENDED> logged unauth-local-sender" \
			"$(case_decision_field accounts "$c" mail reason) $(case_decision_field accounts "$c" mail action)" \
			"unauth-local-sender accept"
	done
}

# The senders alice owns: her own address (+ext and case ignored), a
# listed address, an address at a listed @domain; and the null sender.
ACCT_OWNED="own:$ACCT_LOGIN ext:Alice+tag@Local.TEST domain:someone@example.net alias:alias@$LOCAL_DOMAIN null:<>"
ACCT_NOT_OWNED="bob@$LOCAL_DOMAIN"

cases_accounts_sender_reject() {
	local form login c rcpt log entry name from shown

	for form in bare full; do
		login=$(login_of "$form" "$SASL_USER")
		for entry in $ACCT_OWNED; do
			name=${entry%%:*} from=${entry#*:}
			# swaks: "<>" is the null sender (see cases_mixed_and_null)
			shown="<${from#<}" && shown="${shown%>}>"
			c=$(case_id "sl-$form-$name")
			rcpt="sl-$form-$name@$REMOTE_DOMAIN"
			# shellcheck disable=SC2046
			one "$c" "$PORT_ACCT" outside4 "$from" "$rcpt" $(auth_opts "$login")
			log="$E2E_DIR/swaks-$c.log"
			like "$MTA sender_login=reject '$login' as $shown: MAIL FROM accepted" \
				"$(smtp_reply_to "$log" "MAIL FROM")" '^250 '
			rcpt_is "$MTA sender_login=reject '$login' as $shown: remote rcpt accepted" "$c" "$rcpt" '^250 '
			expect_relay "$c"
			relayed "$MTA sender_login=reject '$login' as $shown: relayed" "$c" "$rcpt"
			is "$MTA sender_login=reject '$login' as $shown: logged authenticated, login $ACCT_LOGIN" \
				"$(case_decision_field accounts "$c" "$rcpt" reason) $(case_decision_field accounts "$c" "$rcpt" login)" \
				"authenticated $ACCT_LOGIN"
		done

		c=$(case_id "sl-$form-bob")
		rcpt="sl-$form-bob@$REMOTE_DOMAIN"
		# shellcheck disable=SC2046
		one "$c" "$PORT_ACCT" outside4 "$ACCT_NOT_OWNED" "$rcpt" $(auth_opts "$login")
		log="$E2E_DIR/swaks-$c.log"
		is "$MTA sender_login=reject '$login' as <$ACCT_NOT_OWNED>: 553 at MAIL FROM" \
			"$(smtp_reply_to "$log" "MAIL FROM")" \
			"$(mta_reply 553 5.7.1 "$ACCT_NOT_OWNED" "Sender address rejected: not owned by user $ACCT_LOGIN")"
		expect_no_relay "$c"
		is "$MTA sender_login=reject '$login' as <$ACCT_NOT_OWNED>: logged sender-login-mismatch, reject" \
			"$(case_decision_field accounts "$c" mail reason) $(case_decision_field accounts "$c" mail action)" \
			"sender-login-mismatch reject"
		is "$MTA sender_login=reject '$login' as <$ACCT_NOT_OWNED>: logged login, auth" \
			"$(case_decision_field accounts "$c" mail login) $(case_decision_field accounts "$c" mail auth)" \
			"$ACCT_LOGIN $(mta_auth_seen "$login")"
	done
}

cases_accounts_sender_log() {
	local form login c rcpt log

	for form in bare full; do
		login=$(login_of "$form" "$SASL_USER")
		c=$(case_id "sll-$form")
		rcpt="sll-$form@$REMOTE_DOMAIN"
		# shellcheck disable=SC2046
		one "$c" "$PORT_ACCTLOG" outside4 "$ACCT_NOT_OWNED" "$rcpt" $(auth_opts "$login")
		log="$E2E_DIR/swaks-$c.log"
		like "$MTA sender_login=log '$login' as <$ACCT_NOT_OWNED>: MAIL FROM accepted" \
			"$(smtp_reply_to "$log" "MAIL FROM")" '^250 '
		rcpt_is "$MTA sender_login=log '$login' as <$ACCT_NOT_OWNED>: remote rcpt accepted" "$c" "$rcpt" '^250 '
		expect_relay "$c"
		relayed "$MTA sender_login=log '$login' as <$ACCT_NOT_OWNED>: relayed" "$c" "$rcpt"
		is "$MTA sender_login=log '$login' as <$ACCT_NOT_OWNED>: MAIL FROM logged sender-login-mismatch, accept" \
			"$(case_decision_field acctlog "$c" mail reason) $(case_decision_field acctlog "$c" mail action)" \
			"sender-login-mismatch accept"
		is "$MTA sender_login=log '$login' as <$ACCT_NOT_OWNED>: logged login, auth" \
			"$(case_decision_field acctlog "$c" mail login) $(case_decision_field acctlog "$c" mail auth)" \
			"$ACCT_LOGIN $(mta_auth_seen "$login")"
		is "$MTA sender_login=log '$login' as <$ACCT_NOT_OWNED>: the rcpt logged authenticated" \
			"$(case_decision_field acctlog "$c" "$rcpt" reason)" authenticated
	done
}

cases_accounts() {
	cases_accounts_suspended
	cases_accounts_sender_reject
	cases_accounts_sender_log
}
