#!/bin/bash
# postfix.sh: relaymilter attached to a real, private Postfix, driven with
# swaks (TAP). Everything runs in a temp dir on loopback; see lib_postfix.sh.
#
# Listeners (one master.cf smtpd each):
#   MAIN    -> relaymilter "enforce"   REPORT -> "report" (mode = report)
#   CUSTOM  -> "custom" (reply texts)  SUB    -> contrib's submission service,
#                                               "enforce" with policy.listeners
#   DOWN    -> a socket nobody listens on (milter_default_action = tempfail)
#   PROBE   -> tests/e2e macroprobe: accepts all, records the macros
#   V6      -> [::1], "enforce"
#   ACCT    -> "accounts" (sender_login = reject)
#   ACCTLOG -> "acctlog" (sender_login = log)
#   LIMITS  -> "limits" (rate limits, memory store: tempfail and hold)
# Clients pose as other addresses with XCLIENT.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/e2e/lib_common.sh"
. "$top_srcdir/tests/e2e/lib_postfix.sh"
. "$top_srcdir/tests/e2e/cases_common.sh"

MTA=postfix
for tool in postfix postconf smtp-sink swaks saslpasswd2 openssl jq; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool not installed (tests/e2e/install-deps.sh)"
		exit 0
	fi
done
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP a private Postfix needs root (postfix -c starts as root)"
	exit 0
fi

client_opts() {
	case $1 in
	allowed4) echo "--xclient-addr $CLIENT_ALLOWED4" ;;
	allowed6) echo "--xclient-addr IPV6:$CLIENT_ALLOWED6" ;;
	allowed_mapped) echo "--xclient-addr IPV6:::ffff:$CLIENT_ALLOWED4" ;;
	outside4) echo "--xclient-addr $CLIENT_OUTSIDE4" ;;
	outside6) echo "--xclient-addr IPV6:$CLIENT_OUTSIDE6" ;;
	outside_mapped) echo "--xclient-addr IPV6:::ffff:$CLIENT_OUTSIDE4" ;;
	esac
}

client_addr() {
	case $1 in
	allowed4) echo "$CLIENT_ALLOWED4" ;;
	allowed6) echo "$CLIENT_ALLOWED6" ;;
	allowed_mapped) echo "::ffff:$CLIENT_ALLOWED4" ;;
	outside4) echo "$CLIENT_OUTSIDE4" ;;
	outside6) echo "$CLIENT_OUTSIDE6" ;;
	outside_mapped) echo "::ffff:$CLIENT_OUTSIDE4" ;;
	esac
}

mta_pose() {
	local a
	a=$(client_opts "$1")
	smtp_cmd "XCLIENT ADDR=${a#--xclient-addr }"
	smtp_cmd "EHLO battery.test"
}
mta_flush() { pf_flush 30; }
# Postfix passes the milter's reply through as it is.
mta_reply() { echo "$1 $2 <$3>: $4"; }
# smtpd_sasl_local_domain: Cyrus appends the realm to a bare login, and
# Postfix hands the milter that name.
mta_auth_seen() {
	case $1 in *@*) echo "$1" ;; *) echo "$1@$LOCAL_DOMAIN" ;; esac
}

e2e_init postfix
T_START=$(date +%s)

# ---- the instance ------------------------------------------------------
sink_start local
sink_start remote
PORT_MAIN=$(free_port)
PORT_REPORT=$(free_port)
PORT_CUSTOM=$(free_port)
PORT_SUB=$(free_port)
PORT_DOWN=$(free_port)
PORT_PROBE=$(free_port)
PORT_V6=$(free_port)
PORT_ACCT=$(free_port)
PORT_ACCTLOG=$(free_port)
PORT_LIMITS=$(free_port)

relaymilter_config enforce enforce \
	'listeners = ( { name = "submission"; require_auth = true; require_tls_auth = true; } );'
relaymilter_config report report
relaymilter_config custom enforce "$CUSTOM_REPLIES"
relaymilter_config accounts enforce "$(accounts_config reject)" "$ACCOUNTS_TOP"
relaymilter_config acctlog enforce "$(accounts_config log)" "$ACCOUNTS_TOP"
relaymilter_config limits enforce "" "$ACCOUNTS_TOP
limits = { rules = (
  { name = \"e2e-login\"; key = \"login\"; max = 2; per = 3600; action = \"tempfail\"; },
  { name = \"e2e-hold\"; key = \"sender_domain\"; max = 1; per = 3600; action = \"hold\"; }
); };"
mkdir -p "$E2E_DIR/probe" "$E2E_DIR/down"
e2e_spawn probe "$top_builddir/tests/e2e/macroprobe" "unix:$E2E_DIR/probe/sock" "$E2E_DIR/probe/log"

HAVE_V6=no
ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128' && HAVE_V6=yes
[ "$HAVE_V6" = yes ] || PF_INET_PROTOCOLS=ipv4
pf_init "unix:$RM_SOCK_enforce"
pf_listener "127.0.0.1:$PORT_MAIN"
pf_listener "127.0.0.1:$PORT_REPORT" -o "smtpd_milters=unix:$RM_SOCK_report"
pf_listener "127.0.0.1:$PORT_CUSTOM" -o "smtpd_milters=unix:$RM_SOCK_custom"
pf_listener "127.0.0.1:$PORT_DOWN" -o "smtpd_milters=unix:$E2E_DIR/down/nobody-listens.sock"
pf_listener "127.0.0.1:$PORT_PROBE" -o "smtpd_milters=unix:$E2E_DIR/probe/sock"
[ "$HAVE_V6" = yes ] && pf_listener "[::1]:$PORT_V6"
pf_listener "127.0.0.1:$PORT_ACCT" -o "smtpd_milters=unix:$RM_SOCK_accounts"
pf_listener "127.0.0.1:$PORT_ACCTLOG" -o "smtpd_milters=unix:$RM_SOCK_acctlog"
pf_listener "127.0.0.1:$PORT_LIMITS" -o "smtpd_milters=unix:$RM_SOCK_limits"
pf_submission "127.0.0.1:$PORT_SUB"

wait_for 5 test -S "$E2E_DIR/probe/sock" || bail_out "macroprobe did not start"
pf_start || { pf_log_tail; bail_out "postfix did not start"; }
ok "postfix: private instance started (master pid $PF_MASTER_PID, $PF_DIR)"

# ---- harness self-tests: no relaymilter needed -------------------------
c=$(case_id down)
send "$c" --server "127.0.0.1:$PORT_DOWN" --xclient-addr "$CLIENT_ALLOWED4" \
	--from sender@client.test --to "down@$REMOTE_DOMAIN" >/dev/null
tempfailed "postfix: milter not listening -> milter_default_action=tempfail answers 4xx" "$c" "down@$REMOTE_DOMAIN"
c=$(case_id down-local)
send "$c" --server "127.0.0.1:$PORT_DOWN" --xclient-addr "$CLIENT_OUTSIDE4" \
	--from sender@client.test --to "down@$LOCAL_DOMAIN" >/dev/null
tempfailed "postfix: milter not listening -> even a local rcpt is tempfailed" "$c" "down@$LOCAL_DOMAIN"

# The battery's tricks really are honoured by this Postfix: with a milter
# that accepts everything they DO reach the remote sink. So the battery
# against relaymilter below has teeth.
while read -r name rcpt at; do
	c=$(case_id "probe-$name")
	send "$c" --server "127.0.0.1:$PORT_PROBE" --xclient-addr "$CLIENT_OUTSIDE4" \
		--from sender@client.test --to "$rcpt" >/dev/null
	expect_relay "$c"
	relayed "postfix: sensitivity: with an accept-all milter, $name <$rcpt> reaches the remote sink as <$at>" \
		"$c" "$at"
done <<-'EOF'
	percent probe-pct%remote.test@local.test probe-pct@remote.test
	bang remote.test!probe-bang@local.test probe-bang@remote.test
	quoted "probe-quoted@remote.test"@local.test probe-quoted@remote.test
	EOF

c=$(case_id probe-macros)
send "$c" --server "127.0.0.1:$PORT_PROBE" -tls --xclient-addr "$CLIENT_OUTSIDE4" --auth PLAIN \
	--auth-user "$SASL_USER" --auth-password "$SASL_PASS" --from sender@client.test \
	--to "probe-macros@$LOCAL_DOMAIN" >/dev/null
like "postfix: AUTH PLAIN through the private sasldb works" \
	"$(smtp_reply_to "$E2E_DIR/swaks-$c.log" AUTH)" '^235 '
plog=$(grep '^mail ' "$E2E_DIR/probe/log" | grep 'arg=<sender@client.test>' | grep auth_authen | tail -n 1)
like "postfix: MAIL stage carries {auth_authen} and {auth_type}" "$plog" \
	"\\{auth_type\\}=PLAIN \\{auth_authen\\}=$SASL_USER@$LOCAL_DOMAIN"
like "postfix: MAIL stage carries {tls_version}" "$plog" '\{tls_version\}=TLSv1'
like "postfix: the connect callback sees the XCLIENT address" \
	"$(grep "^connect arg=$CLIENT_OUTSIDE4" "$E2E_DIR/probe/log" | tail -n 1)" "^connect arg=$CLIENT_OUTSIDE4"

if ! relaymilter_bin >/dev/null; then
	for part in "SPEC §1 rows" "mixed verdicts, null sender" "report mode" "open relay battery" \
		"AUTH styles" "accounts" "milter killed mid-session" "per-listener policy (submission)" "custom replies"; do
		skip "postfix: $part" "relaymilter not built yet ($top_builddir/relaymilter)"
	done
	relay_proof
	echo "# postfix e2e: $(($(date +%s) - T_START)) s"
	done_testing
	exit $?
fi

for inst in enforce report custom accounts acctlog limits; do
	relaymilter_start "$inst" || bail_out "relaymilter $inst did not start"
done
ok "postfix: relaymilter instances enforce, report, custom, accounts, acctlog, limits started"

# ---- the cases ---------------------------------------------------------
cases_spec_rows

if [ "$HAVE_V6" = yes ]; then
	c=$(case_id v6-loopback)
	send "$c" --server "::1" --port "$PORT_V6" --from sender@client.test --to "v6@$REMOTE_DOMAIN" >/dev/null
	rcpt_is "postfix: a real IPv6 connection from ::1 (not allowlisted) -> 550" "$c" "v6@$REMOTE_DOMAIN" \
		'^550 5\.7\.1 '
	like "postfix: ... logged with client_addr ::1" \
		"$(decision_field enforce "v6@$REMOTE_DOMAIN" client_addr)" '^::1$'
else
	skip "postfix: a real IPv6 connection from ::1" "no ::1 on lo"
	skip "postfix: ... logged with client_addr ::1" "no ::1 on lo"
fi

cases_mixed_and_null
cases_report_mode
cases_open_relay_battery

# ---- SMTP AUTH styles --------------------------------------------------
n=0
for spec in "LOGIN $SASL_USER" "LOGIN $SASL_USER@$LOCAL_DOMAIN" "PLAIN $SASL_USER" \
	"PLAIN $SASL_USER@$LOCAL_DOMAIN" "CRAM-MD5 $SASL_USER" "CRAM-MD5 $SASL_USER@$LOCAL_DOMAIN"; do
	set -- $spec
	n=$((n + 1))
	c=$(case_id "auth$n")
	one "$c" "$PORT_MAIN" outside4 "sender@client.test" "auth$n@$REMOTE_DOMAIN" \
		--auth "$1" --auth-user "$2" --auth-password "$SASL_PASS"
	like "postfix AUTH $1 as '$2': 235" "$(smtp_reply_to "$E2E_DIR/swaks-$c.log" AUTH)" '^235 '
	rcpt_is "postfix AUTH $1 as '$2': remote rcpt accepted" "$c" "auth$n@$REMOTE_DOMAIN" '^250 '
	expect_relay "$c"
	relayed "postfix AUTH $1 as '$2': relayed" "$c" "auth$n@$REMOTE_DOMAIN"
	reason_is "postfix AUTH $1 as '$2': logged authenticated" enforce "auth$n@$REMOTE_DOMAIN" authenticated
done
like "postfix AUTH: decision log names the login" \
	"$(decision_field enforce "auth1@$REMOTE_DOMAIN" auth)" "^$SASL_USER"

# Outlook Express and friends look for the old "AUTH=" line.
c=$(case_id auth-old)
one "$c" "$PORT_MAIN" outside4 "sender@client.test" "auth-old@$REMOTE_DOMAIN" \
	--auth LOGIN --auth-user "$SASL_USER" --auth-password "$SASL_PASS"
like "postfix broken_sasl_auth_clients: EHLO advertises the old AUTH=LOGIN form" \
	"$(cat "$E2E_DIR/swaks-$c.log")" '250-AUTH=.*LOGIN'
expect_relay "$c"
relayed "postfix old AUTH=LOGIN client: relayed" "$c" "auth-old@$REMOTE_DOMAIN"

c=$(case_id auth-bad)
one "$c" "$PORT_MAIN" outside4 "sender@client.test" "auth-bad@$REMOTE_DOMAIN" \
	--auth-optional LOGIN --auth-user "$SASL_USER" --auth-password wrong-password
like "postfix wrong password: 535" "$(smtp_reply_to "$E2E_DIR/swaks-$c.log" AUTH)" '^535 '
rcpt_is "postfix wrong password: remote rcpt still 550" "$c" "auth-bad@$REMOTE_DOMAIN" '^550 5\.7\.1 '

# Old Eudora: HELO only, no AUTH at all, from an allowlisted network.
# Hand-driven: swaks will not send XCLIENT when HELO advertised nothing.
c=$(case_id helo-only)
smtp_open "$PORT_MAIN"
smtp_cmd "HELO eudora.test"
smtp_cmd "XCLIENT ADDR=$CLIENT_ALLOWED4"
smtp_cmd "HELO eudora.test"
like "postfix HELO-only client: HELO (not EHLO) accepted" "$SMTP_REPLY" '^250 '
smtp_cmd "MAIL FROM:<sender@client.test>"
smtp_cmd "RCPT TO:<helo-only@$REMOTE_DOMAIN>"
like "postfix HELO-only client from an allowlisted network: remote rcpt accepted" "$SMTP_REPLY" '^250 '
smtp_data "$c"
smtp_close
expect_relay "$c"
relayed "postfix HELO-only client: relayed" "$c" "helo-only@$REMOTE_DOMAIN"

# ---- accounts: suspension and sender binding ----------------------------
cases_accounts

# ---- rate limits: hold, then tempfail (SPEC §9) -------------------------
# alice may send 2 recipients an hour (e2e-login, tempfail); the domain
# hold.test one message an hour (e2e-hold, hold). The 1st message relays,
# the 2nd goes to Postfix's hold queue, the 3rd gets 451 4.7.1.
c=$(case_id limit-1)
# shellcheck disable=SC2046
one "$c" "$PORT_LIMITS" outside4 "alice@hold.test" "limit-1@$REMOTE_DOMAIN" $(auth_opts "$SASL_USER")
rcpt_is "postfix limits: 1st message accepted" "$c" "limit-1@$REMOTE_DOMAIN" '^250 '
expect_relay "$c"
relayed "postfix limits: 1st message relayed" "$c" "limit-1@$REMOTE_DOMAIN"
c=$(case_id limit-2)
# shellcheck disable=SC2046
one "$c" "$PORT_LIMITS" outside4 "alice@hold.test" "limit-2@$REMOTE_DOMAIN" $(auth_opts "$SASL_USER")
rcpt_is "postfix limits: 2nd message, over e2e-hold: the recipient is accepted" "$c" "limit-2@$REMOTE_DOMAIN" '^250 '
like "postfix limits: ... and the message queued" "$(data_reply "$E2E_DIR/swaks-$c.log")" '^250 '
held=
for _ in $(seq 1 50); do
	held=$(postqueue -c "$PF_DIR/etc" -j 2>/dev/null |
		jq -r --arg r "limit-2@$REMOTE_DOMAIN" 'select(.queue_name == "hold") | select(any(.recipients[]; .address == $r)) | .queue_id')
	[ -n "$held" ] && break
	sleep 0.1
done
like "postfix limits: the 2nd message is in the hold queue (postqueue -j)" "$held" '^[0-9A-Za-z]+$'
is "postfix limits: logged accept with limit=e2e-hold" \
	"$(case_decision_field limits "$c" "limit-2@$REMOTE_DOMAIN" action) $(case_decision_field limits "$c" "limit-2@$REMOTE_DOMAIN" limit)" \
	"accept e2e-hold"
like "postfix limits: Postfix logged the milter's hold" \
	"$(grep -h "$held" "$PF_DIR/maillog" 2>/dev/null | grep -i 'hold')" 'milter-hold'
c=$(case_id limit-3)
# shellcheck disable=SC2046
one "$c" "$PORT_LIMITS" outside4 "alice@other.test" "limit-3@$REMOTE_DOMAIN" $(auth_opts "$SASL_USER")
is "postfix limits: 3rd recipient, over e2e-login: Postfix answers 451 4.7.1" \
	"$(rcpt_reply "$E2E_DIR/swaks-$c.log" "limit-3@$REMOTE_DOMAIN")" \
	"$(mta_reply 451 4.7.1 "limit-3@$REMOTE_DOMAIN" "Rate limit exceeded, try again later")"
expect_no_relay "$c"
is "postfix limits: logged tempfail rate-limit limit=e2e-login" \
	"$(case_decision_field limits "$c" "limit-3@$REMOTE_DOMAIN" reason) $(case_decision_field limits "$c" "limit-3@$REMOTE_DOMAIN" limit)" \
	"rate-limit e2e-login"
# The admin looks at the held message and releases it: it relays.
if [ -n "$held" ]; then
	postsuper -c "$PF_DIR/etc" -H "$held" >/dev/null 2>&1
	expect_relay "$(case_id limit-2)"
	relayed "postfix limits: released from hold (postsuper -H), it relays" "$(case_id limit-2)" "limit-2@$REMOTE_DOMAIN"
fi

# ---- the milter killed mid-session -------------------------------------
c=$(case_id killed)
smtp_open "$PORT_MAIN"
smtp_cmd "EHLO killed.test"
smtp_cmd "XCLIENT ADDR=$CLIENT_ALLOWED4"
smtp_cmd "EHLO killed.test"
smtp_cmd "MAIL FROM:<sender@client.test>"
smtp_cmd "RCPT TO:<killed1@$REMOTE_DOMAIN>"
like "postfix killed: before the kill, allowlisted remote rcpt accepted" "$SMTP_REPLY" '^250 '
relaymilter_kill enforce
smtp_cmd "RCPT TO:<killed2@$REMOTE_DOMAIN>"
like "postfix killed: after the kill, the next rcpt is tempfailed" "$SMTP_REPLY" '^4[0-9][0-9] '
smtp_data "$c"
like "postfix killed: the message is not accepted" "$SMTP_REPLY" '^[45][0-9][0-9] '
smtp_close
c=$(case_id killed-after)
one "$c" "$PORT_MAIN" outside4 "sender@client.test" "killed3@$LOCAL_DOMAIN"
tempfailed "postfix killed: a new session while it is down is tempfailed" "$c" "killed3@$LOCAL_DOMAIN"
relaymilter_start enforce || bail_out "relaymilter enforce did not restart"
c=$(case_id restarted)
one "$c" "$PORT_MAIN" outside4 "sender@client.test" "restarted@$REMOTE_DOMAIN"
rcpt_is "postfix restarted milter: unauth remote rcpt 550 again" "$c" "restarted@$REMOTE_DOMAIN" '^550 5\.7\.1 '
c=$(case_id restarted-ok)
one "$c" "$PORT_MAIN" allowed4 "sender@client.test" "restarted-ok@$REMOTE_DOMAIN"
rcpt_is "postfix restarted milter: allowlisted remote rcpt accepted" "$c" "restarted-ok@$REMOTE_DOMAIN" '^250 '
expect_relay "$c"
relayed "postfix restarted milter: relayed" "$c" "restarted-ok@$REMOTE_DOMAIN"

# ---- per-listener policy on the submission listener ---------------------
c=$(case_id sub-noauth)
one "$c" "$PORT_SUB" outside4 "sender@client.test" "sub@$LOCAL_DOMAIN" -tls
rcpt_is "postfix submission: no AUTH, even a local rcpt -> 530 5.7.0 Authentication required" \
	"$c" "sub@$LOCAL_DOMAIN" '^530 5\.7\.0 .*Authentication required'
c=$(case_id sub-cleartext)
one "$c" "$PORT_SUB" outside4 "sender@client.test" "sub-clear@$LOCAL_DOMAIN" \
	--auth PLAIN --auth-user "$SASL_USER" --auth-password "$SASL_PASS"
like "postfix submission: AUTH in the clear is accepted by Postfix" \
	"$(smtp_reply_to "$E2E_DIR/swaks-$c.log" AUTH)" '^235 '
rcpt_is "postfix submission: ... but relaymilter says 530 5.7.0 Must issue a STARTTLS command first" \
	"$c" "sub-clear@$LOCAL_DOMAIN" '^530 5\.7\.0 .*Must issue a STARTTLS command first'
c=$(case_id sub-tls)
one "$c" "$PORT_SUB" outside4 "sender@client.test" "sub-tls@$REMOTE_DOMAIN" -tls \
	--auth LOGIN --auth-user "$SASL_USER" --auth-password "$SASL_PASS"
rcpt_is "postfix submission: STARTTLS + AUTH -> remote rcpt accepted" "$c" "sub-tls@$REMOTE_DOMAIN" '^250 '
expect_relay "$c"
relayed "postfix submission: STARTTLS + AUTH -> relayed" "$c" "sub-tls@$REMOTE_DOMAIN"
c=$(case_id sub-main)
one "$c" "$PORT_MAIN" outside4 "sender@client.test" "sub-main@$LOCAL_DOMAIN"
rcpt_is "postfix submission rules do not leak to the port 25 listener" "$c" "sub-main@$LOCAL_DOMAIN" '^250 '

cases_custom_replies
relay_proof
echo "# postfix e2e: $(($(date +%s) - T_START)) s"
done_testing
