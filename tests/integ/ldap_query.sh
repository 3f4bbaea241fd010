#!/bin/bash
# relaymilter-query and `relaymilter -n -n` against a real slapd: exit codes
# 0 (accepted), 1 (rejected), 75 (tempfail when LDAP cannot answer), the
# trace and the directory report.
. "$top_srcdir/tests/integ/lib_slapd.sh"

QUERY=$top_builddir/relaymilter-query
RM=$top_builddir/relaymilter
slapd_init a
slapd_start a
CONF=$TMP/rm.conf
write_ldap_conf "$CONF" "$(slapd_uri a)"

query() { # query CLIENT RCPT [more args]: output in $OUT, status in $RC
	local client=$1 rcpt=$2
	shift 2
	OUT=$("$QUERY" -c "$CONF" --client "$client" --from a@sender.example --rcpt "$rcpt" "$@" 2>&1)
	RC=$?
}

query 203.0.113.99 b@example.org
is "LDAP domain: accepted (exit 0)" "$RC" 0
like "trace shows the LDAP lookup" "$OUT" "associatedDomain=example.org"
query 203.0.113.99 b@nowhere.example
is "unknown domain: rejected (exit 1)" "$RC" 1
like "unknown domain: relay denied" "$OUT" "550"
query 203.0.113.99 'b@EXAMPLE.NET.'
is "case and trailing dot normalised before the lookup" "$RC" 0
query 198.51.100.7 b@nowhere.example
is "client in an LDAP network may relay" "$RC" 0
query 203.0.113.99 'b*x@example.org'
is "a '*' in the local part does not matter: the domain decides" "$RC" 0
query 203.0.113.99 'b*)(objectClass=*@example.org'
is "parentheses in the local part: bad address, never accepted" "$RC" 1
query 203.0.113.99 'b@*'
is "injection-shaped domain never accepted" "$RC" 1
query 203.0.113.99 'b@x)(associatedDomain=*'
is "filter-breaking domain never accepted" "$RC" 1

OUT=$("$RM" -n -n -c "$CONF" 2>&1)
is "relaymilter -n -n: exit 0" "$?" 0
like "relaymilter -n -n: bind reported" "$OUT" "OK in [0-9]+ ms; TLS off; bind $SERVICE_DN"
like "relaymilter -n -n: domains counted" "$OUT" "domains: 3 entries"
like "relaymilter -n -n: networks counted" "$OUT" "networks: 4 valid, 3 invalid skipped"

# A dead first server and a live second one: the directory works through
# failover, so the check passes with a warning (exit 0, never 78).
DEAD=ldap://127.0.0.1:$(free_port)
write_ldap_conf "$TMP/failover.conf" "$DEAD $(slapd_uri a)"
OUT=$("$RM" -n -n -c "$TMP/failover.conf" 2>&1)
is "dead + live server: -n -n exit 0" "$?" 0
like "dead + live server: the dead one is a warning line" "$OUT" "warning: $DEAD: FAILED: "
like "dead + live server: the live one is OK" "$OUT" "$(slapd_uri a): OK in "
like "dead + live server: usable with warnings" "$OUT" "configuration OK, directory usable with warnings"

printf 'wrong\n' >"$TMP/ldap.secret.bad"
chmod 600 "$TMP/ldap.secret.bad"
sed "s|$TMP/ldap.secret|$TMP/ldap.secret.bad|" "$CONF" >"$TMP/bad.conf"
OUT=$("$RM" -n -n -c "$TMP/bad.conf" 2>&1)
is "wrong password: -n -n exit 69 (directory unusable, not a config error)" "$?" 69
like "wrong password: -n -n says so" "$OUT" "Invalid credentials"
OUT=$("$QUERY" -c "$TMP/bad.conf" --client 203.0.113.99 --from a@s.example --rcpt b@example.org 2>&1)
is "wrong password: tempfail (exit 75), never accept" "$?" 75

slapd_stop a
t0=$(date +%s%N)
query 203.0.113.99 b@example.org
ms=$((($(date +%s%N) - t0) / 1000000))
is "slapd down: tempfail (exit 75)" "$RC" 75
like "slapd down: 451 4.3.0" "$OUT" "451"
ok_if "slapd down: the whole query took $ms ms" [ "$ms" -lt 3000 ]
query 203.0.113.99 b@example.org --auth alice
is "slapd down: authenticated client unaffected" "$RC" 0
query 127.0.0.1 b@nowhere.example
is "slapd down: statically allowlisted client unaffected" "$RC" 0
query 203.0.113.99 b@static.example
is "slapd down: static local domain unaffected" "$RC" 0
OUT=$("$RM" -n -n -c "$CONF" 2>&1)
is "slapd down: -n -n exit 69 (EX_UNAVAILABLE)" "$?" 69
like "slapd down: -n -n names the server" "$OUT" "FAILED: .*Can't contact LDAP server"
like "slapd down: -n -n says the directory is unavailable" "$OUT" "loads, directory UNAVAILABLE"
done_testing
