#!/bin/bash
# e2e-bench.sh: messages/s end to end, smtp-source -> private Postfix
# (tests/e2e/lib_postfix.sh) -> smtp-sink, with four smtpd listeners on one
# Postfix instance:
#   none          no milter, relay restrictions: check_client_access static:OK
#                 (the contrib snippet's: let everything through to the milter)
#   null          the null milter, same restrictions
#   relaymilter   relaymilter (LDAP, warm cache), same restrictions
#   postfix-ldap  no milter, reject_unauth_destination with
#                 relay_domains = ldap:(the same slapd)   [postfix-ldap]
#   postfix-static  no milter, reject_unauth_destination with an inline
#                 relay_domains list: the cheapest reject there is
# on the delivery path (recipient in a directory domain: accepted, queued,
# delivered to the sink) and the reject path (remote recipient from an
# unauthenticated client: 5xx). The null milter decides nothing, so on the
# "reject path" it lets the relay through (Postfix queues and delivers it):
# there it is the cost of the protocol plus a delivery, not a reject. Appends "E2E path=... variant=... msgs=...
# seconds=... msg_per_s=..." lines to $RESULTS. Needs root (Postfix);
# installs postfix-ldap when missing. E2E_MSGS (default 3000) messages,
# E2E_SESSIONS (default 16) parallel SMTP sessions, one message each.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${RESULTS:?}"
if [ "$(id -u)" -ne 0 ] || ! command -v postfix >/dev/null || ! command -v smtp-source >/dev/null; then
	echo "# e2e bench: needs root, postfix and smtp-source; skipped"
	exit 0
fi
if ! postconf -m 2>/dev/null | grep -qx ldap; then
	echo "# installing postfix-ldap (the native relay check's LDAP table)"
	made_policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 0755 /usr/sbin/policy-rc.d
		made_policy=yes
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postfix-ldap \
		>/dev/null 2>&1 || apt-get update -qq >/dev/null 2>&1 &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postfix-ldap >/dev/null 2>&1
	[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
	postconf -m | grep -qx ldap || { echo "# postfix-ldap could not be installed"; exit 1; }
fi

. "$top_srcdir/tests/integ/lib_slapd.sh"
. "$top_srcdir/tests/bench/lib_bench.sh"
. "$top_srcdir/tests/e2e/lib_common.sh"
. "$top_srcdir/tests/e2e/lib_postfix.sh"
e2e_init bench
# Ours first (milters, slapd), then the e2e harness's (Postfix, sinks).
trap 'bench_cleanup; e2e_cleanup' EXIT

MSGS=${E2E_MSGS:-3000}
SESS=${E2E_SESSIONS:-16}

dir_create dir 10000
null_start
# smtp-source connects from 127.0.0.1: not allowlisted here.
RM_ALLOW='"192.0.2.0/24"' rm_config rm "$(slapd_uri dir)" "positive_ttl = 3600; negative_ttl = 3600;"
rm_up rm

sink_start local
sink_start remote
pf_init ""
cat >"$PF_DIR/etc/ldap-relay.cf" <<EOF
server_host = $(slapd_uri dir)
search_base = ou=domains,dc=example,dc=org
query_filter = (&(objectClass=domainRelatedObject)(associatedDomain=%s))
result_attribute = associatedDomain
bind = yes
bind_dn = $SERVICE_DN
bind_pw = $SERVICE_PW
version = 3
timeout = 2
EOF
chmod 0640 "$PF_DIR/etc/ldap-relay.cf"
chgrp postfix "$PF_DIR/etc/ldap-relay.cf"
chmod 0755 "$TMP"
# Throughput settings: no artificial delays, a concurrency that fits.
pf_postconf -e "smtpd_client_connection_rate_limit = 0" "smtpd_client_connection_count_limit = 0" \
	"in_flow_delay = 0" "default_process_limit = 100" "smtpd_tls_security_level = none" \
	"smtpd_sasl_auth_enable = no"
declare -A PORT
for v in none null relaymilter postfix-ldap postfix-static; do
	PORT[$v]=$(free_port) || bail_out "no free port"
done
pf_listener "127.0.0.1:${PORT[none]}" -o smtpd_milters= -o smtpd_relay_restrictions=check_client_access,static:OK,reject_unauth_destination
pf_listener "127.0.0.1:${PORT[null]}" -o "smtpd_milters=unix:$TMP/null.sock" \
	-o smtpd_relay_restrictions=check_client_access,static:OK,reject_unauth_destination
pf_listener "127.0.0.1:${PORT[relaymilter]}" -o "smtpd_milters=unix:$TMP/rm.sock" \
	-o smtpd_relay_restrictions=check_client_access,static:OK,reject_unauth_destination
# reject_unauth_destination asks trivial-rewrite for the address class:
# relay_domains must be trivial-rewrite's, so each native variant has its
# own rewrite service (and the milter variants resolve with none at all).
pf_listener "127.0.0.1:${PORT[postfix-ldap]}" -o smtpd_milters= \
	-o rewrite_service_name=rewrite-ldap -o smtpd_relay_restrictions=reject_unauth_destination
pf_listener "127.0.0.1:${PORT[postfix-static]}" -o smtpd_milters= \
	-o rewrite_service_name=rewrite-static -o smtpd_relay_restrictions=reject_unauth_destination
cat >>"$PF_DIR/etc/master.cf" <<EOF
rewrite-ldap unix - - n - - trivial-rewrite
  -o relay_domains=ldap:$PF_DIR/etc/ldap-relay.cf
rewrite-static unix - - n - - trivial-rewrite
  -o relay_domains=d1.bench.test
EOF
pf_start || bail_out "postfix did not start: $(pf_log_tail)"
for v in none null relaymilter postfix-ldap postfix-static; do
	wait_for 10 port_in_use "${PORT[$v]}" || bail_out "listener $v did not start"
done

# run PATH VARIANT RCPT: one timed smtp-source run; the queue is drained
# (untimed) before the next so deliveries do not overlap the next run.
run() {
	local path=$1 v=$2 rcpt=$3 t0 t1 secs
	t0=$(date +%s.%N)
	timeout 120 smtp-source -A -s "$SESS" -m "$MSGS" -f "s@sender.example" -t "$rcpt" \
		-M client.bench.test "127.0.0.1:${PORT[$v]}" >"$TMP/src-$path-$v.log" 2>&1
	t1=$(date +%s.%N)
	secs=$(echo "$t1 - $t0" | bc)
	echo "E2E path=$path variant=$v msgs=$MSGS sessions=$SESS seconds=$secs msg_per_s=$(echo "scale=1; $MSGS / $secs" | bc)" |
		tee -a "$RESULTS"
	pf_flush 120 || echo "# queue not empty after $path/$v"
}

# check PATH VARIANT RCPT WANT-DELIVERED: what reached the sink, and what
# Postfix logged as rejected, for RCPT (all rounds).
check() {
	local got rej
	# grep -r, not cat DIR/*: tens of thousands of files exceed ARG_MAX
	got=$(grep -rhiF "X-Rcpt-Args: <$3>" "$E2E_DIR/sink-remote" 2>/dev/null | wc -l)
	rej=$(grep -c "reject: RCPT from .*<$3>" "$PF_DIR/maillog")
	echo "E2E-COUNT path=$1 variant=$2 rcpt=$3 delivered=$got rejected=$rej want_delivered=$4" |
		tee -a "$RESULTS"
}

# Warm everything once (Postfix processes, relaymilter's cache, LDAP binds).
for v in none null relaymilter postfix-ldap postfix-static; do
	timeout 60 smtp-source -A -s 4 -m 200 -f s@sender.example -t warm@d1.bench.test \
		"127.0.0.1:${PORT[$v]}" >/dev/null 2>&1
done
for v in relaymilter postfix-ldap postfix-static; do
	timeout 60 smtp-source -A -s 4 -m 50 -f s@sender.example -t warm@r1.remote.test \
		"127.0.0.1:${PORT[$v]}" >/dev/null 2>&1
done
pf_flush 120

for round in $(seq 1 "${E2E_ROUNDS:-2}"); do
	for v in none null relaymilter postfix-ldap postfix-static; do
		run deliver "$v" "$v@d1.bench.test"
	done
	for v in null relaymilter postfix-ldap postfix-static; do
		run reject "$v" "$v@r1.remote.test"
	done
done
rounds=${E2E_ROUNDS:-2}
for v in none null relaymilter postfix-ldap postfix-static; do
	check deliver "$v" "$v@d1.bench.test" $((rounds * MSGS))
done
for v in null relaymilter postfix-ldap postfix-static; do
	want=0
	[ "$v" = null ] && want=$((rounds * MSGS))
	check reject "$v" "$v@r1.remote.test" "$want"
done
# Sanity: what a relay check rejected must never reach the remote sink.
n=$(grep -rhiE '^X-Rcpt-Args: <(relaymilter|postfix-ldap|postfix-static|warm)@r1\.remote\.test>' \
	"$E2E_DIR/sink-remote" 2>/dev/null | wc -l)
echo "E2E-CHECK relayed_despite_check=$n" | tee -a "$RESULTS"
