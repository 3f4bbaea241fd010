# lib_sync.sh: for the sync-mode tests (sourced after lib_slapd.sh): a socat
# proxy per slapd instance, so that a test can cut relaymilter's
# connections without restarting slapd (a restart loses syncprov's
# sessionlog), a sync-mode config through it, and probe helpers.
#   proxy_up NAME / proxy_cut NAME / proxy_uri NAME
#   sync_conf FILE NAME [ldap lines]   mode = "sync" through NAME's proxy
#   field KEY        KEY=VALUE from the last probe answer
#   add_domain NAME DOMAIN / del_domain NAME DOMAIN
command -v socat >/dev/null || bail_out "socat is not installed (contrib/tools/install-deps test)"

proxy_uri() { echo "ldap://127.0.0.1:$(cat "$TMP/$1/proxy_port")"; }

proxy_up() {
	local d=$TMP/$1
	[ -f "$d/proxy_port" ] || free_port >"$d/proxy_port"
	setsid socat TCP-LISTEN:"$(cat "$d/proxy_port")",bind=127.0.0.1,reuseaddr,fork \
		TCP:127.0.0.1:"$(cat "$d/port")" 2>>"$d/socat.err" &
	echo $! >"$d/proxy_pid"
	for _ in $(seq 1 50); do
		ss -Hltn "sport = :$(cat "$d/proxy_port")" | grep -q . && return 0
		sleep 0.05
	done
	bail_out "socat for $1 did not listen on $(cat "$d/proxy_port")"
}

# socat forks a child per connection: the whole group goes.
proxy_cut() {
	local f=$TMP/$1/proxy_pid pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	kill -- -"$pid" 2>/dev/null
	wait_gone "$pid"
	rm -f "$f"
}

lib_sync_cleanup() {
	local f
	for f in "$TMP"/*/proxy_pid; do
		[ -f "$f" ] && kill -- -"$(cat "$f")" 2>/dev/null
	done
	lib_slapd_cleanup
}
trap lib_sync_cleanup EXIT

# sync_conf FILE NAME [ldap lines]
sync_conf() {
	write_ldap_conf "$1" "$(proxy_uri "$2")" "mode = \"sync\"; ${3:-}" \
		"positive_ttl = 300; negative_ttl = 300;"
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$REPLY_LINE"; }

add_domain() {
	ldap_admin "$1" <<L
dn: associatedDomain=$2,ou=domains,dc=example,dc=org
changetype: add
objectClass: relayDomain
objectClass: domainRelatedObject
associatedDomain: $2
L
}

del_domain() {
	ldap_admin "$1" <<L
dn: associatedDomain=$2,ou=domains,dc=example,dc=org
changetype: delete
L
}

# wait_log SECONDS REGEX: until the probe's stderr has a line matching REGEX.
wait_log() {
	local end=$((SECONDS + $1))
	while [ $SECONDS -le $end ]; do
		grep -Eq -- "$2" "$TMP/probe.err" && return 0
		sleep 0.2
	done
	return 1
}

# reload_fresh_csns NAME: dump NAME's database without its entryCSNs and
# contextCSN and load it back (slapd stopped meanwhile): the same entries
# with the same entryUUIDs, every one newer than any cookie handed out
# before. syncprov then cannot resume such a cookie (no entry is at or
# before it): a full refresh, or 4096 with syncprov-reloadhint TRUE.
reload_fresh_csns() {
	local d=$TMP/$1
	slapd_stop "$1"
	"${SLAPCAT:-/usr/sbin/slapcat}" -f "$d/slapd.conf" 2>/dev/null |
		grep -v -e '^entryCSN:' -e '^contextCSN:' >"$d/fresh.ldif"
	rm -rf "$d/db" && mkdir "$d/db"
	"$SLAPADD" -q -w -f "$d/slapd.conf" -l "$d/fresh.ldif" >>"$d/slapadd.log" 2>&1 ||
		bail_out "reload_fresh_csns $1: slapadd failed: $(tail -3 "$d/slapadd.log")"
	slapd_start "$1"
}
