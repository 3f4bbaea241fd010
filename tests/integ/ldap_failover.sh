#!/bin/bash
# Two slapds: the first down or hung -> the second answers, within the
# budget; the first back -> service fails back to it by itself.
. "$top_srcdir/tests/integ/lib_slapd.sh"

slapd_init a
slapd_init b
slapd_start b
A=$(slapd_uri a)
B=$(slapd_uri b)
CONF=$TMP/rm.conf
write_ldap_conf "$CONF" "$A $B" "" "positive_ttl = 1; negative_ttl = 1; stale_ttl = 0;"
probe_start "$CONF"

probe "domain example.org" >/dev/null
is "first down: found" "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" "found ldap"
like "first down: answered by the second" "$REPLY_LINE" "^found ldap [0-9.]+ $B "
probe "client 198.51.100.7" >/dev/null
is "first down: networks loaded from the second" "$(ans_status "$REPLY_LINE")" found
probe_check
is "first down: -n -n: usable, with a warning" "$CHECK_RC" degraded
like "first down: -n -n names the dead one in a warning" "$REPORT" "warning: $A: FAILED: .*Can't contact LDAP server"
like "first down: -n -n shows the good one" "$REPORT" "$B: OK"

slapd_start a
t0=$SECONDS
ok_if "first back: service fails back to it" \
	probe_until 10 "domain example.org" "found ldap" &&
	for i in $(seq 1 40); do
		probe "domain example.org" >/dev/null
		case $REPLY_LINE in *" $A "*) break ;; esac
		sleep 0.25
	done
like "first back: answered by the first again" "$REPLY_LINE" "^found ldap [0-9.]+ $A "
echo "# failed back after $((SECONDS - t0)) s"

# The first hangs: the lookup fails over to the second within the budget.
sleep 1.1
slapd_hang a
probe "domain example.net" >/dev/null
is "first hung: found via the second" "$(ans_status "$REPLY_LINE")" found
like "first hung: by the second" "$REPLY_LINE" "^found ldap [0-9.]+ $B "
ok_if "first hung: within the budget ($(ans_ms "$REPLY_LINE") ms)" [ "$(ans_ms "$REPLY_LINE")" -le 2500 ]
probe "domain nowhere.example" >/dev/null
ok_if "first hung: then no time lost on it ($(ans_ms "$REPLY_LINE") ms)" [ "$(ans_ms "$REPLY_LINE")" -lt 200 ]
slapd_resume a
probe_stop
done_testing
