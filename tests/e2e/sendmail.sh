#!/bin/bash
# sendmail.sh: relaymilter attached to a real, private Sendmail (unpacked
# from Debian's .debs, see lib_sendmail.sh), driven with swaks (TAP).
# Sendmail has no XCLIENT: clients pose as other addresses by binding to
# other loopback addresses (127.0.0.2 is allowlisted, 127.0.0.1 is not), and
# a listener on the v4-mapped ::ffff:127.0.0.1 makes them IPv4-mapped.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/e2e/lib_common.sh"
. "$top_srcdir/tests/e2e/lib_sendmail.sh"
. "$top_srcdir/tests/e2e/cases_common.sh"

MTA=sendmail
for tool in smtp-sink swaks m4 jq unshare dpkg; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool not installed (tests/e2e/install-deps.sh)"
		exit 0
	fi
done
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP a private Sendmail needs root"
	exit 0
fi
if ! sm_unpack; then
	echo "1..0 # SKIP sendmail .debs not available (apt-get download sendmail-bin sendmail-cf sendmail-base)"
	exit 0
fi

# Allowlisted: 127.0.0.2 and ::1; not allowlisted: 127.0.0.1.
ALLOW_NET4=127.0.0.2/32
ALLOW_NET6=::1/128
client_opts() {
	case $1 in
	allowed4) echo "--server 127.0.0.1:$PORT_CUR --local-interface 127.0.0.2" ;;
	allowed6) echo "--server ::1 --port $PORT_V6_CUR" ;;
	allowed_mapped) echo "--server 127.0.0.1:$PORT_MAPPED --local-interface 127.0.0.2" ;;
	outside4) echo "--server 127.0.0.1:$PORT_CUR" ;;
	outside6) echo "--server 127.0.0.1:$PORT_CUR" ;; # no second v6 loopback address
	outside_mapped) echo "--server 127.0.0.1:$PORT_MAPPED" ;;
	esac
}
client_addr() {
	case $1 in
	allowed4) echo 127.0.0.2 ;; allowed6) echo ::1 ;; allowed_mapped) echo 127.0.0.2 ;;
	outside4 | outside6) echo 127.0.0.1 ;; outside_mapped) echo 127.0.0.1 ;;
	esac
}
mta_pose() { :; }
mta_flush() { sm_flush 30; }
# luser_relay hands local users to the sink as user@[127.0.0.1]
local_sink_addr() { echo "${1%@*}@[127.0.0.1]"; }
# Sendmail puts "<addr>... " before a milter's reply text to MAIL FROM and
# RCPT TO (its usrerr() style); code and enhanced code are kept.
mta_reply() { echo "$1 $2 <$3>... <$3>: $4"; }
# {auth_authen} is the login as typed (see contrib/sendmail/smtp-auth.mc).
mta_auth_seen() { echo "$1"; }

e2e_init sendmail
T_START=$(date +%s)
sink_start local
sink_start remote
PORT_MAIN=$(free_port); PORT_REPORT=$(free_port); PORT_CUSTOM=$(free_port)
PORT_DOWN=$(free_port); PORT_MAPPED=$(free_port); PORT_V6=$(free_port)
PORT_ACCT=$(free_port); PORT_ACCTLOG=$(free_port)
relaymilter_config enforce enforce
relaymilter_config report report
relaymilter_config custom enforce "$CUSTOM_REPLIES"
relaymilter_config accounts enforce "$(accounts_config reject)" "$ACCOUNTS_TOP"
relaymilter_config acctlog enforce "$(accounts_config log)" "$ACCOUNTS_TOP"
mkdir -p "$E2E_DIR/down"
sm_init "$RM_SOCK_enforce"
sm_filter report "$RM_SOCK_report"
sm_filter custom "$RM_SOCK_custom"
sm_filter down "$E2E_DIR/down/nobody-listens.sock"
sm_filter accounts "$RM_SOCK_accounts"
sm_filter acctlog "$RM_SOCK_acctlog"
sm_daemon MTA "$PORT_MAIN"
sm_daemon MTA-report "$PORT_REPORT" report
sm_daemon MTA-custom "$PORT_CUSTOM" custom
sm_daemon MTA-down "$PORT_DOWN" down
sm_daemon MTA-accounts "$PORT_ACCT" accounts
sm_daemon MTA-acctlog "$PORT_ACCTLOG" acctlog
sm_daemon MTA-mapped "$PORT_MAPPED" "" inet6 "::ffff:127.0.0.1"
sm_daemon MTA-v6 "$PORT_V6" "" inet6 "::1"
SM_SASL_WHY=
if ! command -v saslpasswd2 >/dev/null 2>&1; then
	SM_SASL_WHY="saslpasswd2 not installed (sasl2-bin)"
elif ! sm_sasl "$SASL_USER" "$SASL_PASS"; then
	SM_SASL_WHY="no usable SASL config directory to mount the private Sendmail.conf over"
elif ! sm_sasl_user "$SASL_SUSPENDED_USER" "$SASL_PASS"; then
	SM_SASL_WHY="saslpasswd2 could not add $SASL_SUSPENDED_USER"
fi
sm_start || bail_out "sendmail did not start"
ok "sendmail: private instance started (pid $SM_PID, $SM_DIR)"

# The client port for one(): cases pass $PORT_MAIN etc.; client_opts
# carries the server, so one() is wrapped.
one() {
	local c=$1 port=$2 kind=$3 from=$4 rcpt=$5
	shift 5
	PORT_CUR=$port PORT_V6_CUR=$PORT_V6
	# shellcheck disable=SC2046
	send "$c" $(client_opts "$kind") --from "$from" --to "$rcpt" "$@" >/dev/null
}

c=$(case_id down)
PORT_CUR=$PORT_DOWN
send "$c" $(client_opts allowed4) --from sender@client.test --to "down@$REMOTE_DOMAIN" >/dev/null
tempfailed "sendmail: milter not listening, F=T -> 4xx" "$c" "down@$REMOTE_DOMAIN"

if ! relaymilter_bin >/dev/null; then
	skip "sendmail: all policy cases" "relaymilter not built yet"
	done_testing
	exit $?
fi
for inst in enforce report custom accounts acctlog; do
	relaymilter_start "$inst" || bail_out "relaymilter $inst did not start"
done
ok "sendmail: relaymilter instances started"

cases_spec_rows
cases_mixed_and_null
cases_report_mode
cases_open_relay_battery

# ---- milter killed mid-session (hand-driven from 127.0.0.1: not allowlisted)
c=$(case_id killed)
smtp_open "$PORT_MAIN"
smtp_cmd "EHLO killed.test"
smtp_cmd "MAIL FROM:<sender@client.test>"
smtp_cmd "RCPT TO:<killed1@$LOCAL_DOMAIN>"
like "sendmail killed: before the kill, local rcpt accepted" "$SMTP_REPLY" '^250 '
relaymilter_kill enforce
smtp_cmd "RCPT TO:<killed2@$REMOTE_DOMAIN>"
like "sendmail killed: after the kill, a remote rcpt is not accepted" "$SMTP_REPLY" '^[45][0-9][0-9] '
smtp_data "$c"
smtp_close
c=$(case_id killed-after)
one "$c" "$PORT_MAIN" allowed4 "sender@client.test" "killed3@$REMOTE_DOMAIN"
tempfailed "sendmail killed: a new session while it is down is tempfailed (F=T)" "$c" "killed3@$REMOTE_DOMAIN"
relaymilter_start enforce || bail_out "relaymilter enforce did not restart"
c=$(case_id restarted)
one "$c" "$PORT_MAIN" outside4 "sender@client.test" "restarted@$REMOTE_DOMAIN"
rcpt_is "sendmail restarted milter: unauth remote rcpt 550 again" "$c" "restarted@$REMOTE_DOMAIN" '^550 5\.7\.1 '
c=$(case_id restarted-ok)
one "$c" "$PORT_MAIN" allowed4 "sender@client.test" "restarted-ok@$REMOTE_DOMAIN"
rcpt_is "sendmail restarted milter: allowlisted remote rcpt accepted" "$c" "restarted-ok@$REMOTE_DOMAIN" '^250 '
expect_relay "$c"
relayed "sendmail restarted milter: relayed" "$c" "restarted-ok@$REMOTE_DOMAIN"

# ---- SMTP AUTH styles (private sasldb, see sm_sasl) ----------------------
# From 127.0.0.1 (not allowlisted): only AUTH can make these relay.
if [ -n "$SM_SASL" ]; then
	c=$(case_id auth-ehlo)
	one "$c" "$PORT_MAIN" outside4 "sender@client.test" "auth-ehlo@$LOCAL_DOMAIN"
	like "sendmail AUTH: EHLO advertises LOGIN PLAIN CRAM-MD5" \
		"$(grep -E '^<-  250-AUTH ' "$E2E_DIR/swaks-$c.log")" \
		'^<-  250-AUTH( (LOGIN|PLAIN|CRAM-MD5)){3}$'
	n=0
	for spec in "LOGIN $SASL_USER" "LOGIN $SASL_USER@$LOCAL_DOMAIN" "PLAIN $SASL_USER" \
		"PLAIN $SASL_USER@$LOCAL_DOMAIN" "CRAM-MD5 $SASL_USER" "CRAM-MD5 $SASL_USER@$LOCAL_DOMAIN"; do
		# shellcheck disable=SC2086
		set -- $spec
		n=$((n + 1))
		c=$(case_id "auth$n")
		one "$c" "$PORT_MAIN" outside4 "sender@client.test" "auth$n@$REMOTE_DOMAIN" \
			--auth "$1" --auth-user "$2" --auth-password "$SASL_PASS"
		like "sendmail AUTH $1 as '$2': 235" "$(smtp_reply_to "$E2E_DIR/swaks-$c.log" AUTH)" '^235 '
		rcpt_is "sendmail AUTH $1 as '$2': remote rcpt accepted" "$c" "auth$n@$REMOTE_DOMAIN" '^250 '
		expect_relay "$c"
		relayed "sendmail AUTH $1 as '$2': relayed" "$c" "auth$n@$REMOTE_DOMAIN"
		reason_is "sendmail AUTH $1 as '$2': logged authenticated" enforce "auth$n@$REMOTE_DOMAIN" \
			authenticated accept
		# Sendmail's {auth_authen} is the login as the client typed it: the
		# realm (confAUTH_REALM) is not appended, as Postfix's
		# smtpd_sasl_local_domain does.
		is "sendmail AUTH $1 as '$2': decision log auth = {auth_authen} = the login as typed" \
			"$(decision_field enforce "auth$n@$REMOTE_DOMAIN" auth)" "$2"
	done

	c=$(case_id auth-bad)
	one "$c" "$PORT_MAIN" outside4 "sender@client.test" "auth-bad@$REMOTE_DOMAIN" \
		--auth-optional LOGIN --auth-user "$SASL_USER" --auth-password wrong-password
	like "sendmail wrong password: 535" "$(smtp_reply_to "$E2E_DIR/swaks-$c.log" AUTH)" '^535 '
	rcpt_is "sendmail wrong password: remote rcpt still 550" "$c" "auth-bad@$REMOTE_DOMAIN" '^550 5\.7\.1 '
	reason_is "sendmail wrong password: logged unauth-relay, no login" enforce "auth-bad@$REMOTE_DOMAIN" \
		unauth-relay reject
	is "sendmail wrong password: decision log auth is -" \
		"$(decision_field enforce "auth-bad@$REMOTE_DOMAIN" auth)" "-"
	cases_accounts
else
	skip "sendmail: SMTP AUTH styles" "$SM_SASL_WHY"
	skip "sendmail: accounts" "$SM_SASL_WHY"
fi
cases_custom_replies
relay_proof
echo "# sendmail e2e: $(($(date +%s) - T_START)) s"
done_testing
