#!/bin/bash
# sync-baseline.sh: the slapd side of sync mode at scale, as a baseline for
# relaymilter's consumer (tests/bench/README.md, "Sync mode baseline").
# SYNC_BENCH_N domains (default 1000000, tests/bench/gen_domains.sh) are
# slapadd-ed into an mdb with the syncprov overlay and its indexes
# (tests/integ/lib_slapd.sh, SLAPD_SYNCPROV=1), then searched over ldapi as
# the service DN: a refreshOnly sync search of everything, the same search
# without the sync control, and a refresh from the cookie just received.
# SYNC_BENCH_MAXSIZE: the mdb maxsize in bytes (default 4 GiB; 1M domains
# use about 790 MiB). Prints one "figure: value" line each. Run as root
# from the build dir (or: make bench-sync):
#   top_srcdir=$PWD top_builddir=$PWD tests/bench/sync-baseline.sh
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}" "${top_builddir:=$PWD}"
. "$top_srcdir/tests/integ/lib_slapd.sh"

N=${SYNC_BENCH_N:-1000000}
BASE="ou=domains,dc=example,dc=org"
FILTER="(objectClass=domainRelatedObject)"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

MAXSIZE=${SYNC_BENCH_MAXSIZE:-$((4 * 1024 * 1024 * 1024))}
SLAPD_SYNCPROV=1 SLAPD_MAXSIZE=$MAXSIZE \
	SLAPD_DB_CONF="index objectClass,associatedDomain eq" slapd_init big
d=$TMP/big
"$top_srcdir/tests/bench/gen_domains.sh" "$N" >"$d/domains.ldif"
t0=$(now)
"$SLAPADD" -q -w -f "$d/slapd.conf" -l "$d/domains.ldif" >>"$d/slapadd.log" 2>&1 ||
	bail_out "slapadd: $(tail -3 "$d/slapadd.log")"
t1=$(now)
rm -f "$d/domains.ldif"
echo "entries: $N"
echo "slapadd -q -w (s): $(secs "$t0" "$t1")"
echo "data.mdb used (MiB): $(($(du -k "$d/db/data.mdb" | cut -f1) / 1024))"
echo "maxsize (MiB): $((MAXSIZE / 1024 / 1024))"

slapd_start big
for run in 1 2; do
	t0=$(now)
	n=$(ldap_sync big "$BASE" "$FILTER" ro 2>&1 | tee "$d/refresh.out" | grep -c '^dn: ')
	t1=$(now)
	echo "sync=ro full refresh, run $run: $n entries in $(secs "$t0" "$t1") s"
done
cookie=$(sed -n 's/^# cookie: //p' "$d/refresh.out")
t0=$(now)
n=$(ldapsearch -x -H "$(slapd_ldapi_uri big)" -D "$SERVICE_DN" -w "$SERVICE_PW" \
	-o ldif_wrap=no -b "$BASE" "$FILTER" 1.1 | grep -c '^dn: ')
t1=$(now)
echo "plain search (no control): $n entries in $(secs "$t0" "$t1") s"
t0=$(now)
n=$(ldap_sync big "$BASE" "$FILTER" "ro/$cookie" | grep -c '^dn: ')
t1=$(now)
echo "sync=ro from the cookie ($cookie): $n entries in $(secs "$t0" "$t1") s"
echo "slapd RSS after (MiB): $(($(awk '/^VmRSS/ {print $2}' "/proc/$(cat "$d/pid")/status") / 1024))"
