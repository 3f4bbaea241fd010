#!/bin/bash
# ldap_syncprov.sh: the slapd side of sync mode (SPEC §10), i.e. the
# harness's syncprov instances (lib_slapd.sh SLAPD_SYNCPROV=1 ...) and
# contrib/ldap/syncprov.{conf,ldif}, checked with ldapsearch -E sync=...:
#   1. a refreshOnly sync search as the service DN returns every domain
#      entry of the sample data, and ends with the contextCSN cookie;
#   2. an add and a delete reach a refreshAndPersist search within 2 s; a
#      refresh from the old cookie sends only the change and the delete;
#   3. a small sizelimit cuts the refresh (result 4) unless the service DN's
#      limits line lifts it;
#   4. cookies: newer than the provider (53), stale with reloadhint TRUE
#      (4096, e-syncRefreshRequired);
#   5. syncprov off + restart: the critical control fails (result 12),
#      plain searches still work; back on: sync works again;
#   6. contrib/ldap/syncprov.conf spliced into a slapd.conf: slaptest
#      accepts it and it serves a sync search;
#   7. contrib/ldap/syncprov.ldif applied with ldapmodify -Y EXTERNAL to a
#      running cn=config slapd without syncprov: sync searches then work,
#      past its sizelimit.
. "$top_srcdir/tests/integ/lib_slapd.sh"

SLAPTEST=${SLAPTEST:-/usr/sbin/slaptest}
SLAPINDEX=${SLAPINDEX:-/usr/sbin/slapindex}
BASE="ou=domains,dc=example,dc=org"
FILTER="(objectClass=domainRelatedObject)"
CONTRIB=$top_srcdir/contrib/ldap

# The DNs of the sample data's domain entries, from the LDIF files.
expected_dns() {
	cat "$CONTRIB/sample.ldif" "$top_srcdir/tests/integ/data/extra.ldif" |
		awk -v RS= '/\nobjectClass: domainRelatedObject(\n|$)/ { sub(/^(#[^\n]*\n)*/, ""); sub(/\n.*/, ""); print }' |
		sort
}
got_dns() { sed -n 's/^\(dn: .*\)/\1/p' "$TMP/$1/sync.out" | sort; }

# wait_for FILE REGEX SECONDS: FILE gets a line matching REGEX in time.
wait_for() {
	local end
	end=$(($(date +%s%N) + $3 * 1000000000))
	while [ "$(date +%s%N)" -lt $end ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# ---- 1. refreshOnly
SLAPD_SYNCPROV=1 slapd_init a
slapd_start a
EXPECTED=$(expected_dns)
ok_if "the sample data has domain entries" [ "$(echo "$EXPECTED" | grep -c '^dn: ')" -ge 3 ]
n=$(ldap_sync_count a "$BASE" "$FILTER")
is "refreshOnly sync search as the service DN: result 0" "$(sync_result a)" 0
is "it delivers every domain entry of the sample data" "$(got_dns a)" "$EXPECTED"
like "every entry comes with a SyncState control (add)" "$(grep -c 'SyncState control, UUID .* added' "$TMP/a/sync.out")" "^$n\$"
CTX=$(ldapsearch -LLL -x -H "$(slapd_ldapi_uri a)" -D "cn=admin,dc=example,dc=org" -w secret \
	-b dc=example,dc=org -s base contextCSN | sed -n 's/^contextCSN: //p')
like "slapadd -w wrote a contextCSN" "$CTX" '^[0-9]{14}\.[0-9]{6}Z#'
C0=$(sync_cookie a)
is "sync_cookie: rid=000,csn=<contextCSN>" "$C0" "rid=000,csn=$CTX"
n=$(ldap_sync_count a "$BASE" "$FILTER" "$C0")
is "a refresh from the current cookie sends nothing" "$n $(sync_result a)" "0 0"

# ---- 2. refreshAndPersist: an add and a delete within 2 s
ldap_persist_start a "$BASE" "$FILTER" "$TMP/persist.out" 20
if wait_for "$TMP/persist.out" '^# refresh done, switching to persist stage' 5; then
	ok "refreshAndPersist: refresh done, persisting"
else
	not_ok "refreshAndPersist: refresh done, persisting" "$(cat "$TMP/persist.out")"
fi
t0=$(date +%s%N)
ldap_admin a <<L
dn: associatedDomain=new.example,$BASE
changetype: add
objectClass: relayDomain
objectClass: domainRelatedObject
associatedDomain: new.example
L
if wait_for "$TMP/persist.out" "^dn: associatedDomain=new.example,$BASE" 2; then
	ok "an added domain reaches the persistent search in $((($(date +%s%N) - t0) / 1000000)) ms"
else
	not_ok "an added domain reaches the persistent search within 2 s" "$(tail -20 "$TMP/persist.out")"
fi
ldap_admin a <<L
dn: associatedDomain=example.net,$BASE
changetype: delete
L
if wait_for "$TMP/persist.out" 'SyncState control, UUID .* deleted' 2; then
	ok "a deleted domain reaches the persistent search as a delete"
else
	not_ok "a deleted domain reaches the persistent search as a delete" "$(tail -20 "$TMP/persist.out")"
fi
ldap_persist_stop a
like "the persistent search sent cookies with the changes" \
	"$(grep -c '^# cookie: rid=000,csn=' "$TMP/persist.out")" '^[3-9]'
C1=$(sync_cookie a)
ok_if "the cookie moved on" [ "$C1" \> "$C0" ]
n=$(ldap_sync_count a "$BASE" "$FILTER" "$C0")
is "refresh from the old cookie: result 0" "$(sync_result a)" 0
is "it sends the added entry only" "$(got_dns a)" "dn: associatedDomain=new.example,$BASE"
like "and the delete as a delete set (sessionlog)" "$(cat "$TMP/a/sync.out")" \
	'following UUIDs no longer match the search'

# ---- 4. cookies (on instance a)
n=$(ldap_sync_count a "$BASE" "$FILTER" "rid=000,csn=29991231000000.000000Z#000000#000#000000")
is "cookie newer than the provider: result 53" "$(sync_result a)" 53
like "with the text 'consumer state is newer than provider!'" "$(cat "$TMP/a/sync.out")" \
	'^text: consumer state is newer than provider!'
OLD="rid=000,csn=20000101000000.000000Z#000000#000#000000"
n=$(ldap_sync_count a "$BASE" "$FILTER" "$OLD")
is "cookie older than every entry, reloadhint FALSE: a full refresh (present phase)" \
	"$(sync_result a) $(grep -c 'refreshDeletes=0' "$TMP/a/sync.out")" "0 1"
slapd_stop a

SLAPD_SYNCPROV=1 SLAPD_RELOADHINT=TRUE slapd_init r
slapd_start r
n=$(ldap_sync_count r "$BASE" "$FILTER" "$OLD")
is "same cookie, reloadhint TRUE: result 4096 (e-syncRefreshRequired)" "$(sync_result r)" 4096
like "with the text 'sync cookie is stale'" "$(cat "$TMP/r/sync.out")" '^text: sync cookie is stale'
slapd_stop r

# ---- 3. size limit
SLAPD_SYNCPROV=1 SLAPD_SIZELIMIT=2 SLAPD_NO_SERVICE_LIMITS=1 slapd_init s
slapd_start s
n=$(ldap_sync_count s "$BASE" "$FILTER")
is "sizelimit 2, no limits line: the refresh is cut, result 4" "$n $(sync_result s)" "2 4"
slapd_stop s
SLAPD_SYNCPROV=1 SLAPD_SIZELIMIT=2 slapd_init l
slapd_start l
n=$(ldap_sync_count l "$BASE" "$FILTER")
is "sizelimit 2 with the service DN's limits line: complete, result 0" "$n $(sync_result l)" "3 0"

# ---- 5. syncprov off and on
slapd_stop l
slapd_syncprov l off
ok_if "slapd_syncprov off: slaptest accepts the config" "$SLAPTEST" -Q -u -f "$TMP/l/slapd.conf"
slapd_start l
n=$(ldap_sync_count l "$BASE" "$FILTER")
is "no syncprov: the critical sync control fails, result 12" "$n $(sync_result l)" "0 12"
like "with the text 'critical extension is not recognized'" "$(cat "$TMP/l/sync.out")" \
	'^text: critical extension is not recognized'
n=$(ldapsearch -x -H "$(slapd_ldapi_uri l)" -D "$SERVICE_DN" -w "$SERVICE_PW" -z 0 \
	-b "$BASE" "$FILTER" 1.1 | grep -c '^dn: ')
is "no syncprov: a plain search still answers (poll mode's way)" "$n" 3
slapd_stop l
slapd_syncprov l on
slapd_start l
n=$(ldap_sync_count l "$BASE" "$FILTER")
is "slapd_syncprov on + restart: sync works again" "$n $(sync_result l)" "3 0"
slapd_stop l

# ---- 6. contrib/ldap/syncprov.conf in a slapd.conf (instance without syncprov)
# section N of syncprov.conf: its directives after the Nth "# ---" line
conf_section() {
	awk -v n="$1" '/^# ---/ { s++; next } s == n && !/^#/ && NF' "$CONTRIB/syncprov.conf"
}
SLAPD_SIZELIMIT=2 slapd_init c
f=$TMP/c/slapd.conf
sections=$(for i in 1 2 3; do conf_section $i | grep -c .; done | tr '\n' ' ')
like "syncprov.conf has global, database and overlay directives" "$sections" '^[1-9] [1-9] [1-9] $'
conf_section 2 >"$TMP/c/db-lines"
{
	sed -n '/^database /q; /^sizelimit /d; p' "$f"
	conf_section 1
	sed -n '/^database /,$p' "$f" | sed "/^directory /r $TMP/c/db-lines"
	conf_section 3
} >"$f.new"
mv "$f.new" "$f"
if out=$("$SLAPTEST" -u -f "$f" 2>&1); then
	ok "slaptest accepts slapd.conf with syncprov.conf spliced in"
else
	not_ok "slaptest accepts slapd.conf with syncprov.conf spliced in" "$out"
fi
ok_if "slapindex builds the new indexes of the loaded database" \
	"$SLAPINDEX" -q -f "$f" >"$TMP/c/slapindex.log" 2>&1
slapd_start c
n=$(ldap_sync_count c "$BASE" "$FILTER")
is "that slapd serves a complete refresh past the sizelimit" "$n $(sync_result c)" "3 0"
slapd_stop c

# ---- 7. contrib/ldap/syncprov.ldif on a running cn=config slapd
SLAPD_SIZELIMIT=2 slapd_init o
if slapd_olc o; then
	ok "slapd_olc: slaptest converts the config to slapd.d"
else
	not_ok "slapd_olc: slaptest converts the config to slapd.d" "$(cat "$TMP/o/slaptest.log")"
fi
slapd_start o
n=$(ldap_sync_count o "$BASE" "$FILTER")
is "cn=config slapd before syncprov.ldif: result 12" "$(sync_result o)" 12
# As the README says: ldapmodify -Y EXTERNAL -H ldapi:/// -f syncprov.ldif
# (slapd_olc grants manage on cn=config to the caller's uid, root's on Debian)
if out=$(ldapmodify -Q -Y EXTERNAL -H "$(slapd_ldapi_uri o)" -f "$CONTRIB/syncprov.ldif" 2>&1); then
	ok "ldapmodify -Y EXTERNAL -f syncprov.ldif (uid $(id -u))"
else
	not_ok "ldapmodify -Y EXTERNAL -f syncprov.ldif (uid $(id -u))" "$out"
fi
cfg=$(ldapsearch -LLL -Q -Y EXTERNAL -H "$(slapd_ldapi_uri o)" -o ldif_wrap=no \
	-b "olcDatabase={1}mdb,cn=config" 2>&1)
like "cn=config: the overlay entry's checkpoint" "$cfg" 'olcSpCheckpoint: 100 1'
like "cn=config: the overlay entry's sessionlog" "$cfg" 'olcSpSessionlog: 100'
like "cn=config: the entryCSN,entryUUID index" "$cfg" 'olcDbIndex: entryCSN,entryUUID eq'
like "cn=config: the service DN's limits" "$cfg" \
	'olcLimits: \{0\}dn.exact="cn=relaymilter,ou=services,dc=example,dc=org" size=unlimited time=unlimited'
n=$(ldap_sync_count o "$BASE" "$FILTER")
is "after syncprov.ldif: a complete refresh past the sizelimit" "$n $(sync_result o)" "3 0"
C0=$(sync_cookie o)
ldap_admin o <<L
dn: associatedDomain=example.org,$BASE
changetype: modify
replace: description
description: touched
L
n=$(ldap_sync_count o "$BASE" "$FILTER" "$C0")
is "after syncprov.ldif: a refresh from a cookie sends just the change" "$(got_dns o)" \
	"dn: associatedDomain=example.org,$BASE"
slapd_stop o
slapd_start o
ok_if "the cn=config slapd restarts with the overlay" [ "$(ldap_sync_count o "$BASE" "$FILTER")" = 3 ]

done_testing
