# lib_fleet.sh: the fleet test bed (sourced by tests/fleet/fleet.sh, after
# tests/e2e/lib_common.sh and tests/e2e/lib_postfix.sh).
#
# Layout (docs/fleet.md has the picture), everything under $E2E_DIR:
#   ldap/prov  ldap/c1  ldap/c2   slapd provider and two syncrepl consumers,
#                                 each on an ldapi socket in its directory only
#                                 (root namespace); c1 from slapd-consumer.conf,
#                                 c2 from slapd-consumer.ldif (cn=config), the
#                                 provider from slapd-provider.conf, restarted
#                                 from slapd-provider.ldif
#   redis/                        one redis-server, unix socket only
#   h1 h2 h3                      a host each: network namespace $NS_hN (only
#                                 lo, up), a private Postfix on 127.0.0.1:$SMTP_PORT,
#                                 smtp-sinks "local" and "remote", relaymilter
#                                 (sync mode: h1 on c1, h2 and h3 on c2; the
#                                 provider second)
# The unix sockets are the only links between the hosts and the services.
# Every process is started here and stopped by PID (fleet_cleanup, on EXIT),
# then the namespaces are deleted.
#
#   fleet_init                    temp dir, namespaces, the EXIT trap
#   in_host H CMD... / spawn_in H OUT CMD...   CMD in host H's namespace
#                                 (spawn_in: in the background, PID in $SPAWNED)
#   fill TEMPLATE DIR [sed args]  a tests/fleet file with @DIR@ etc. filled in
#   ldap_uri NAME                 ldapi:// URI of slapd NAME
#   slapd_prov_init / slapd_consumer_init NAME RID conf|ldif
#   fleet_slapd_start NAME [conf|ldif] / fleet_slapd_kill NAME [SIGNAL]
#   prov_modify                   ldapmodify on the provider as cn=admin (stdin)
#   ldap_count NAME BASE FILTER / ldap_has NAME FILTER
#   fleet_redis_start / fleet_redis_stop / rcli ARGS
#   host_init H CONSUMER / rm_start_host H / fleet_pf_start H / fleet_flush H
#   rm_log H / rm_json H / wait_log H SECONDS REGEX [N]
#   fsend H CASE SWAKS-ARGS...    one swaks session on host H
#   probe_until / probe_watch     tests/fleet/smtpprobe.sh in a host
# FLEET_SRC (default tests/fleet) is where the templates are read from.

FLEET_SRC=${FLEET_SRC:-$top_srcdir/tests/fleet}
SMTP_PORT=2525
SINK_PORT_local=2526
SINK_PORT_remote=2527
PF_INET_PROTOCOLS=ipv4
ADMIN_DN="cn=admin,dc=example,dc=org"
ADMIN_PW=secret
SERVICE_DN="cn=relaymilter,ou=services,dc=example,dc=org"
SERVICE_PW="relaymilter-secret"
FLEET_HOSTS="1 2 3"
FLEET_NS=
SLAPD=${SLAPD:-/usr/sbin/slapd}
SLAPADD=${SLAPADD:-/usr/sbin/slapadd}
export LDAPNOINIT=1

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

fleet_init() {
	local h
	e2e_init fleet
	trap fleet_cleanup EXIT
	mkdir -p "$E2E_DIR/ldap" "$E2E_DIR/redis"
	for h in $FLEET_HOSTS; do
		eval "NS_h$h=rmfleet-$$-h$h"
		ip netns add "rmfleet-$$-h$h" || bail_out "ip netns add rmfleet-$$-h$h failed"
		FLEET_NS="$FLEET_NS rmfleet-$$-h$h"
		ip -n "rmfleet-$$-h$h" link set lo up || bail_out "lo up in rmfleet-$$-h$h failed"
	done
}

# Everything this run started, by PID; then the namespaces and the temp dir.
fleet_cleanup() {
	local rc=$? h d

	for h in $FLEET_HOSTS; do
		fleet_pf_stop "$h" 2>/dev/null
	done
	for d in "$E2E_DIR"/ldap/*/ "$E2E_DIR"/redis/; do
		[ -f "$d/pid" ] && E2E_PIDS="$E2E_PIDS $(cat "$d/pid")"
	done
	# shellcheck disable=SC2086
	e2e_stop_pids $E2E_PIDS
	for h in $FLEET_NS; do
		ip netns del "$h" 2>/dev/null
	done
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "# kept $E2E_DIR"
	elif [ -n "${E2E_DIR:-}" ] && [ -d "$E2E_DIR" ]; then
		rm -rf "$E2E_DIR"
	fi
	exit "$rc"
}

in_host() {
	local h=$1 ns
	shift
	eval "ns=\$NS_h$h"
	ip netns exec "$ns" "$@"
}

# spawn_in H OUTFILE CMD...: CMD in host H's namespace in the background
# (ip netns exec execs it: $! is CMD's PID), remembered for the cleanup.
spawn_in() {
	local h=$1 out=$2 ns
	shift 2
	eval "ns=\$NS_h$h"
	ip netns exec "$ns" "$@" >>"$out" 2>&1 </dev/null &
	SPAWNED=$!
	E2E_PIDS="$E2E_PIDS $SPAWNED"
}

# ---- files of tests/fleet, filled in ------------------------------------
ldap_uri() { echo "ldapi://$(printf %s "$E2E_DIR/ldap/$1/ldapi" | sed 's,/,%2F,g')"; }

# fill TEMPLATE DIR [sed args...]: tests/fleet/TEMPLATE on stdout with
# @DIR@, @SCHEMA_DIR@ and @PROVIDER_URI@ replaced (and whatever else the
# sed arguments replace).
fill() {
	local t=$1 dir=$2
	shift 2
	sed -e "s|@DIR@|$dir|g" -e "s|@SCHEMA_DIR@|$top_srcdir/contrib/ldap|g" \
		-e "s|@PROVIDER_URI@|$(ldap_uri prov)|g" "$@" "$FLEET_SRC/$t"
}

# ---- slapd ------------------------------------------------------------------
slapd_prov_init() {
	local d=$E2E_DIR/ldap/prov
	mkdir -p "$d/db"
	fill slapd-provider.conf "$d" >"$d/slapd.conf"
	# the cn=config twin, for the restart in check 4 (same database)
	mkdir -p "$d/slapd.d"
	fill slapd-provider.ldif "$d" >"$d/slapd.ldif"
	"$SLAPADD" -n 0 -F "$d/slapd.d" -l "$d/slapd.ldif" >"$d/slapadd-config.log" 2>&1 ||
		bail_out "slapadd -n 0 of slapd-provider.ldif failed: $(cat "$d/slapadd-config.log")"
	"$SLAPADD" -q -w -f "$d/slapd.conf" -l "$top_srcdir/contrib/ldap/sample.ldif" >"$d/slapadd.log" 2>&1 &&
		"$SLAPADD" -q -w -f "$d/slapd.conf" -l "$FLEET_SRC/fleet.ldif" >>"$d/slapadd.log" 2>&1 ||
		bail_out "slapadd on the provider failed: $(cat "$d/slapadd.log")"
	echo conf >"$d/form"
}

# slapd_consumer_init NAME RID conf|ldif: an empty consumer; syncrepl fills it.
slapd_consumer_init() {
	local d=$E2E_DIR/ldap/$1
	mkdir -p "$d/db"
	if [ "$3" = conf ]; then
		fill slapd-consumer.conf "$d" -e "s|@RID@|$2|g" >"$d/slapd.conf"
	else
		mkdir -p "$d/slapd.d"
		fill slapd-consumer.ldif "$d" -e "s|@RID@|$2|g" >"$d/slapd.ldif"
		"$SLAPADD" -n 0 -F "$d/slapd.d" -l "$d/slapd.ldif" >"$d/slapadd-config.log" 2>&1 ||
			bail_out "slapadd -n 0 of slapd-consumer.ldif failed: $(cat "$d/slapadd-config.log")"
	fi
	echo "$3" >"$d/form"
}

slapd_pid() { cat "$E2E_DIR/ldap/$1/pid" 2>/dev/null; }

# fleet_slapd_start NAME [conf|ldif]: start on its ldapi socket only, wait
# until it answers (bounded: 10 s).
fleet_slapd_start() {
	local d=$E2E_DIR/ldap/$1 form cf pid i
	form=${2:-$(cat "$d/form")}
	echo "$form" >"$d/form"
	if [ "$form" = conf ]; then cf=(-f "$d/slapd.conf"); else cf=(-F "$d/slapd.d"); fi
	rm -f "$d/ldapi"
	"$SLAPD" -d 0 "${cf[@]}" -h "$(ldap_uri "$1")" >>"$d/slapd.log" 2>&1 &
	pid=$!
	disown "$pid" # killed by the test at times: no "Killed" notice from bash
	echo "$pid" >"$d/pid"
	for i in $(seq 1 100); do
		ldapsearch -x -H "$(ldap_uri "$1")" -b "" -s base -o nettimeout=1 >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	bail_out "slapd $1 did not start: $(tail -5 "$d/slapd.log")"
}

# fleet_slapd_kill NAME [SIGNAL]: SIGNAL (default TERM), wait for the exit
# (5 s, then KILL).
fleet_slapd_kill() {
	local pid i
	pid=$(slapd_pid "$1")
	[ -n "$pid" ] || return 0
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$E2E_DIR/ldap/$1/pid"
}

prov_modify() {
	ldapmodify -x -H "$(ldap_uri prov)" -D "$ADMIN_DN" -w "$ADMIN_PW" >/dev/null
}

# ldap_count NAME BASE FILTER: entries NAME holds (as relaymilter's DN).
ldap_count() {
	ldapsearch -x -H "$(ldap_uri "$1")" -D "$SERVICE_DN" -w "$SERVICE_PW" -o nettimeout=2 \
		-b "$2" "$3" 1.1 2>/dev/null | grep -c '^dn: '
}
ldap_has() { [ "$(ldap_count "$1" dc=example,dc=org "$2")" -ge 1 ]; }

# ---- redis --------------------------------------------------------------------
fleet_redis_start() {
	local d=$E2E_DIR/redis pid i
	[ -f "$d/redis.conf" ] || fill redis.conf "$d" >"$d/redis.conf"
	rm -f "$d/redis.sock"
	redis-server "$d/redis.conf" >>"$d/stdout" 2>&1 &
	pid=$!
	echo "$pid" >"$d/pid"
	for i in $(seq 1 100); do
		[ "$(rcli ping 2>/dev/null)" = PONG ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	bail_out "redis-server did not start: $(tail -5 "$d/redis.log")"
}
fleet_redis_stop() {
	local f=$E2E_DIR/redis/pid pid i
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	kill "$pid" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$f"
}
REDIS_SOCK_PATH() { echo "$E2E_DIR/redis/redis.sock"; }
rcli() { redis-cli -s "$E2E_DIR/redis/redis.sock" "$@"; }

# ---- hosts --------------------------------------------------------------------
# sinks inside the host's namespace (its own 127.0.0.1)
fleet_sink_start() {
	local h=$1 name=$2 port dir
	eval "port=\$SINK_PORT_$name"
	dir=$E2E_DIR/h$h/sink-$name
	mkdir -p "$dir"
	chown nobody "$dir" 2>/dev/null || chmod 0777 "$dir"
	spawn_in "$h" "$E2E_DIR/h$h/sink-$name.out" smtp-sink -u nobody -h "sink-$name.test" \
		-d "$dir/%s." "127.0.0.1:$port" 64
	wait_for 5 in_host "$h" sh -c "ss -Hltn 'sport = :$port' | grep -q ." ||
		bail_out "smtp-sink $name of host $h did not start"
}

FLEET_LOGINS="ursula victor mallory erin oscar peggy trudy carol"

# host_init H CONSUMER: the host's sinks, Postfix and relaymilter config.
host_init() {
	local h=$1 consumer=$2 d=$E2E_DIR/h$1 u
	mkdir -p "$d/rm"
	chown nobody "$d/rm"
	fleet_sink_start "$h" local
	fleet_sink_start "$h" remote
	printf '%s\n' "$SERVICE_PW" >"$d/rm/ldap.secret"
	chown nobody "$d/rm/ldap.secret"
	chmod 0600 "$d/rm/ldap.secret"
	fill relaymilter.conf "$d/rm" -e "s|@HOST@|h$h|g" \
		-e "s|@CONSUMER_URI@|$(ldap_uri "$consumer")|g" \
		-e "s|@REDIS_SOCK@|$E2E_DIR/redis/redis.sock|g" >"$d/rm/relaymilter.conf"
	chmod 0644 "$d/rm/relaymilter.conf"
	E2E_DIR=$d pf_init "unix:$d/rm/relaymilter.sock"
	for u in $FLEET_LOGINS; do pf_sasl_user "$u"; done
	pf_listener "127.0.0.1:$SMTP_PORT"
	cat "$FLEET_SRC/postfix-main.cf" >>"$PF_DIR/etc/main.cf"
	pf_postconf -e "myhostname = mx$h.local.test" "syslog_name = postfix-h$h"
	eval "PF_DIR_h$h=\$PF_DIR"
}

rm_start_host() {
	local h=$1 d=$E2E_DIR/h$1/rm pid
	rm -f "$d/relaymilter.sock"
	"$top_builddir/relaymilter" -n -c "$d/relaymilter.conf" >"$d/check.out" 2>&1 ||
		{ sed 's/^/#   /' "$d/check.out"; return 1; }
	spawn_in "$h" "$d/stderr" "$top_builddir/relaymilter" -f -c "$d/relaymilter.conf"
	eval "RM_PID_h$h=$SPAWNED"
	wait_for 10 test -S "$d/relaymilter.sock" || {
		echo "# relaymilter of host $h did not start:"
		sed 's/^/#   /' "$d/stderr"
		return 1
	}
}

fleet_pf_start() {
	local h=$1 out
	eval "PF_DIR=\$PF_DIR_h$h"
	out=$(postfix -c "$PF_DIR/etc" check 2>&1) || { echo "# postfix check h$h: $out"; return 1; }
	postfix -c "$PF_DIR/etc" set-permissions >/dev/null 2>&1 || :
	out=$(in_host "$h" postfix -c "$PF_DIR/etc" start 2>&1) || { echo "# postfix start h$h: $out"; return 1; }
	wait_for 10 test -s "$PF_DIR/spool/pid/master.pid" || return 1
	eval "PF_MASTER_h$h=$(pf_master_pid)"
	E2E_PIDS="$E2E_PIDS $(pf_master_pid)"
}

fleet_pf_stop() {
	local h=$1 pid
	eval "PF_DIR=\${PF_DIR_h$h:-}"
	[ -n "$PF_DIR" ] || return 0
	pid=$(pf_master_pid)
	[ -n "$pid" ] || return 0
	in_host "$h" postfix -c "$PF_DIR/etc" stop >/dev/null 2>&1 || :
	wait_for 10 sh -c "! kill -0 $pid 2>/dev/null" || :
}

# fleet_flush H: deliver host H's queue, wait (30 s) until it is empty.
fleet_flush() {
	eval "PF_DIR=\$PF_DIR_h$1"
	postqueue -c "$PF_DIR/etc" -f >/dev/null 2>&1 || :
	wait_for 30 pf_queue_empty
}

# rm_log H: host H's relaymilter stderr; rm_json H: its decision log.
rm_log() { cat "$E2E_DIR/h$1/rm/stderr" 2>/dev/null; }
rm_json() { cat "$E2E_DIR/h$1/rm/decisions.json" 2>/dev/null; }

# wait_log H SECONDS REGEX [N]: until host H's stderr has N (default 1)
# lines matching REGEX; the ms it waited in WAITED (-1: never), the time it
# saw them in WAIT_LOG_AT (epoch ms).
wait_log() {
	local h=$1 end=$(($(now_ms) + $2 * 1000)) re=$3 n=${4:-1} t0
	t0=$(now_ms)
	while [ "$(now_ms)" -le "$end" ]; do
		if [ "$(rm_log "$h" | grep -cE -- "$re")" -ge "$n" ]; then
			WAIT_LOG_AT=$(now_ms)
			WAITED=$((WAIT_LOG_AT - t0))
			return 0
		fi
		sleep 0.05
	done
	WAITED=-1 WAIT_LOG_AT=-1
	return 1
}

# ---- SMTP -------------------------------------------------------------------------
# fsend H CASE SWAKS-ARGS...: one swaks session through host H's Postfix,
# with a unique X-E2E-Case header; transcript in $E2E_DIR/swaks-CASE.log.
fsend() {
	local h=$1 c=$2
	shift 2
	in_host "$h" swaks --server "127.0.0.1:$SMTP_PORT" --timeout 30 --helo "client-$c.test" \
		--h-X-E2E-Case "$c" --h-Subject "fleet case $c" "$@" \
		>"$E2E_DIR/swaks-$c.log" 2>&1 </dev/null
}
# swaks options: authenticate as LOGIN
auth_as() { echo "--auth PLAIN --auth-user $1 --auth-password $SASL_PASS"; }

# probe_until H OUT ADDR LOGIN RCPT BEFORE AFTER SECONDS: in the background,
# smtpprobe.sh polls host H until the reply matches AFTER (then 3 more must);
# the first reply must match BEFORE. Its lines go to OUT.
probe_until() {
	local h=$1 out=$2
	shift 2
	spawn_in "$h" "$out.err" bash "$FLEET_SRC/smtpprobe.sh" until "$SMTP_PORT" "$SASL_PASS" "$out" "$@"
}

# probe_watch H OUT CASES STOPFILE: in the background, every case of the
# CASES file ("ADDR LOGIN RCPT REGEX" lines) in turn until STOPFILE exists.
probe_watch() {
	local h=$1 out=$2
	shift 2
	spawn_in "$h" "$out.err" bash "$FLEET_SRC/smtpprobe.sh" watch "$SMTP_PORT" "$SASL_PASS" "$out" "$@"
}
