#!/bin/bash
# accounts-bench.sh: SMTP AUTH accounts in LDAP (query mode), part of
# `make bench` (BENCH_ACCOUNTS=0 skips it); runs alone too:
#   cd b && top_srcdir=.. top_builddir=. RESULTS=/tmp/acct.txt bash ../tests/bench/accounts-bench.sh
#
# One slapd with 10000 generated domains and BENCH_ACCOUNTS_N (10000)
# accounts uid=u<n> (gen_people.sh). Envelopes: accounts.txt (an
# authenticated login, the sender it owns, three remote recipients).
#   accounts     relaymilter, ldap.accounts, policy.sender_login = "reject",
#                accounts.default_domain = "example.org", warm cache
#                (every account and remote domain looked up once first)
#   noaccounts   the same daemon config without ldap.accounts and
#                sender_login (off), same envelopes, warmed the same way
#   null-accounts  the null milter, same envelopes
# at every BENCH_CONCS concurrency, BENCH_SECONDS each, interleaved.
# Checks: ACCTNEG (a sender the login does not own: 553 at MAIL, so the
# binding is really on), ACCTWARM (ldap_queries_total of both daemons
# across the measured runs: 0, the cache was warm).
# Then one account search per transaction, not per recipient: slapd
# restarted with -d stats, a daemon with cache.max_entries = 0 (every
# transaction asks LDAP), BENCH_ACCOUNTS_TXNS (2000) transactions of three
# recipients; the SRCH lines of slapd's log with the accounts filter, with
# the domains filter and in all, against the daemon's ldap_queries_total
# (Prometheus textfile). RESULT lines and one ACCTCOUNT line to $RESULTS.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/integ/lib_slapd.sh"
. "$top_srcdir/tests/bench/lib_bench.sh"

SECS=${BENCH_SECONDS:-5}
CONCS=${BENCH_CONCS:-1 8 32 128}
N=${BENCH_ACCOUNTS_N:-10000}
TXNS=${BENCH_ACCOUNTS_TXNS:-2000}
RESULTS=${RESULTS:-$top_builddir/tests/bench/results/accounts.txt}
mkdir -p "$(dirname "$RESULTS")"
ACCT=$ENV_DIR/accounts.txt
ACCT_FILTER='filter="(&(objectClass=inetOrgPerson)'
DOM_FILTER='filter="(&(objectClass=domainRelatedObject)'

say() { printf '== %s\n' "$*"; }

say "accounts: slapd with 10000 domains and $N accounts"
DIR_PEOPLE=$N dir_create diracct 10000
[ -n "${NULL_PID:-}" ] || null_start

ACCT_LDAP='accounts = { base = "ou=people,dc=example,dc=org"; };'
ACCT_TOP='accounts = { default_domain = "example.org"; };'
WARM_CACHE="positive_ttl = 3600; negative_ttl = 3600;"
RM_LDAP=$ACCT_LDAP RM_TOP="$ACCT_TOP $(sync_stats accounts)" \
	rm_config accounts "$(slapd_uri diracct)" "$WARM_CACHE" 'sender_login = "reject";'
RM_TOP="$ACCT_TOP $(sync_stats noaccounts)" rm_config noaccounts "$(slapd_uri diracct)" "$WARM_CACHE"
rm_up accounts
rm_up noaccounts

# Warm-up: -p seq -t 1 -r N: N sessions of one transaction, "{s}" running
# through 0..N-1 once: every account, and every remote domain r0..r(N-1)
# the measured runs draw, is in the cache before they start.
printf 'authenticated 203.0.113.9 u{s} <u{s}@example.org> <a@r{s}.remote.test>\n' >"$TMP/acctwarm.txt"
say "accounts: warming the caches ($N accounts, $N remote domains)"
for d in accounts noaccounts; do
	"$LOADGEN" -q -s "unix:$TMP/$d.sock" -e "$TMP/acctwarm.txt" -c 8 -n "$N" -t 1 -p seq -r "$N" \
		-l "warm-$d" | grep '^RESULT' | sed "s/\$/ scenario=acctwarm-$d/" | tee -a "$RESULTS"
done

# The binding is on: a sender the login does not own is refused at MAIL
# (553), which loadgen counts as wrong for an authenticated envelope.
printf 'authenticated 203.0.113.9 u{s} <u{s}x@example.org> <a@r{n}.remote.test>\n' >"$TMP/acctneg.txt"
line=$("$LOADGEN" -q -s "unix:$TMP/accounts.sock" -e "$TMP/acctneg.txt" -c 1 -n 20 -r "$N" -l acctneg |
	grep '^RESULT')
echo "ACCTNEG $(printf '%s\n' "$line" | grep -o ' txns=[0-9]*\| wrong=[0-9]*\| reply_[a-z0-9]*=[0-9]*' | tr -d '\n')" |
	tee -a "$RESULTS"

# Warm means warm: no LDAP search during the measured runs.
aq0=$(prom_value accounts relaymilter_ldap_queries_total)
nq0=$(prom_value noaccounts relaymilter_ldap_queries_total)
for c in $CONCS; do
	say "accounts: concurrency $c"
	lg null-accounts "$TMP/null.sock" "$ACCT" "$c" "$SECS" -N -r "$N"
	lg accounts "$TMP/accounts.sock" "$ACCT" "$c" "$SECS" -r "$N"
	lg noaccounts "$TMP/noaccounts.sock" "$ACCT" "$c" "$SECS" -r "$N"
done
echo "ACCTWARM accounts_ldap_queries=$(($(prom_value accounts relaymilter_ldap_queries_total) - aq0))" \
	"noaccounts_ldap_queries=$(($(prom_value noaccounts relaymilter_ldap_queries_total) - nq0))" |
	tee -a "$RESULTS"
bench_stop "$RM_PID_accounts"
bench_stop "$RM_PID_noaccounts"

# One account search per transaction: slapd logging every operation, a
# daemon without a cache.
say "accounts: searches per transaction, cache off, $TXNS transactions"
slapd_stop diracct
SLAPD_DEBUG=stats slapd_start diracct
RM_LDAP=$ACCT_LDAP RM_TOP="$ACCT_TOP $(sync_stats acctcount)" \
	rm_config acctcount "$(slapd_uri diracct)" "max_entries = 0;" 'sender_login = "reject";'
rm_up acctcount
q0=$(prom_value acctcount relaymilter_ldap_queries_total)
log=$TMP/diracct/slapd.log
l0=$(wc -l <"$log")
line=$("$LOADGEN" -q -s "unix:$TMP/acctcount.sock" -e "$ACCT" -c 8 -n "$TXNS" -r "$N" -l acctcount |
	grep '^RESULT')
printf '%s scenario=acctcount\n' "${line:-RESULT label=acctcount failed=1}" | tee -a "$RESULTS"
q1=$(prom_value acctcount relaymilter_ldap_queries_total)
sleep 0.5 # slapd's last log lines
tail -n +$((l0 + 1)) "$log" >"$TMP/acctcount.log"
srch=$(grep -c ' SRCH base=' "$TMP/acctcount.log")
acct=$(grep ' SRCH base=' "$TMP/acctcount.log" | grep -cF "$ACCT_FILTER")
dom=$(grep ' SRCH base=' "$TMP/acctcount.log" | grep -cF "$DOM_FILTER")
txns=$(printf '%s\n' "$line" | sed -n 's/.* txns=\([0-9]*\).*/\1/p')
dec=$(printf '%s\n' "$line" | sed -n 's/.* decisions=\([0-9]*\).*/\1/p')
echo "ACCTCOUNT txns=${txns:-0} decisions=${dec:-0} account_searches=$acct domain_searches=$dom" \
	"srch_total=$srch ldap_queries_delta=$((q1 - q0))" | tee -a "$RESULTS"
bench_stop "$RM_PID_acctcount"
echo "ACCTTIME seconds=$SECONDS" | tee -a "$RESULTS"
