# lib_redis.sh: private redis-server instances for the tests (sourced).
# Each instance lives in $TMP/NAME and listens on the unix socket
# $TMP/NAME/redis.sock only (mode REDIS_SOCKPERM, default 700): no TCP port
# unless REDIS_TCP_PORT is set at start, and then on 127.0.0.1 only. No
# persistence. Never the system's redis. Everything is stopped by PID on
# exit, before whatever EXIT trap was there runs (tests/daemon/lib.sh's,
# lib_slapd.sh's): source this file after those.
#
#   redis_start NAME [redis-server args]   start (a restart reuses the
#                       socket and the arguments), wait for PONG; with
#                       REDIS_PASSWORD set: --requirepass, redis_cli uses it
#   redis_stop NAME     stop and wait for the exit
#   redis_restart NAME  stop, start again on the same socket, same arguments
#   redis_hang NAME / redis_resume NAME   SIGSTOP (every thread) / SIGCONT
#   redis_sock NAME     the socket's path
#   redis_cli NAME ARGS...   redis-cli on that socket (authenticated)
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/proc.sh"

REDIS_SERVER=${REDIS_SERVER:-/usr/bin/redis-server}
if [ ! -x "$REDIS_SERVER" ] || ! command -v redis-cli >/dev/null; then
	echo "1..0 # SKIP redis-server or redis-tools not installed"
	exit 0
fi
# Sourced after tests/daemon/lib.sh or lib_slapd.sh: share their TMP (their
# cleanup removes it). Otherwise a TMP of our own, never one from the
# environment (the cleanup removes it).
LIB_REDIS_OWN_TMP=
if ! declare -F rm_start >/dev/null && ! declare -F slapd_start >/dev/null; then
	TMP=$(mktemp -d /tmp/rm-redis.XXXXXX)
	LIB_REDIS_OWN_TMP=1
fi

# The EXIT trap in place before us (its command), run after ours.
lib_redis_prev_trap() {
	eval "set -- $(trap -p EXIT)"
	printf '%s' "${3:-}"
}
LIB_REDIS_PREV_TRAP=$(lib_redis_prev_trap)

lib_redis_cleanup() {
	local d
	for d in "$TMP"/*/; do
		[ -f "$d/redis.pid" ] && redis_stop "$(basename "$d")"
	done
	if [ -n "$LIB_REDIS_PREV_TRAP" ]; then
		eval "$LIB_REDIS_PREV_TRAP"
	elif [ -n "$LIB_REDIS_OWN_TMP" ]; then
		if [ -n "${KEEP_TMP:-}" ]; then echo "# kept $TMP"; else rm -rf "$TMP"; fi
	fi
}
trap lib_redis_cleanup EXIT

# redis_wait_gone PID: wait up to 5 s for PID to exit, then KILL it.
redis_wait_gone() {
	local i
	for i in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -KILL "$1" 2>/dev/null
}

redis_sock() { echo "$TMP/$1/redis.sock"; }

redis_cli() {
	local name=$1
	shift
	if [ -s "$TMP/$name/password" ]; then
		REDISCLI_AUTH=$(cat "$TMP/$name/password") redis-cli -s "$(redis_sock "$name")" "$@"
	else
		redis-cli -s "$(redis_sock "$name")" "$@"
	fi
}

redis_start() {
	local name=$1 d=$TMP/$1 pid i
	shift
	mkdir -p "$d"
	if [ ! -f "$d/args" ]; then
		# the first start: remember everything for a restart
		: >"$d/args"
		[ $# -eq 0 ] || printf '%s\n' "$@" >"$d/args"
		: >"$d/password"
		if [ -n "${REDIS_PASSWORD:-}" ]; then
			printf '%s' "$REDIS_PASSWORD" >"$d/password"
			printf '%s\n' --requirepass "$REDIS_PASSWORD" >>"$d/args"
		fi
		[ -z "${REDIS_TCP_PORT:-}" ] ||
			printf '%s\n' --port "$REDIS_TCP_PORT" --bind 127.0.0.1 >>"$d/args"
		chmod 600 "$d/password" "$d/args"
	fi
	local args=()
	mapfile -t args <"$d/args"
	rm -f "$d/redis.sock"
	# --port 0 first: a --port among the arguments overrides it
	"$REDIS_SERVER" --port 0 --unixsocket "$d/redis.sock" \
		--unixsocketperm "${REDIS_SOCKPERM:-700}" --save '' --appendonly no \
		--dir "$d" --daemonize no --logfile "$d/redis.log" "${args[@]}" &
	pid=$!
	echo "$pid" >"$d/redis.pid"
	for i in $(seq 1 200); do
		[ "$(redis_cli "$name" ping 2>/dev/null)" = PONG ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	bail_out "redis $name did not start on $d/redis.sock: $(tail -5 "$d/redis.log")"
}

redis_stop() {
	local f=$TMP/$1/redis.pid pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	kill -CONT "$pid" 2>/dev/null
	kill "$pid" 2>/dev/null
	redis_wait_gone "$pid"
	wait "$pid" 2>/dev/null
	rm -f "$f"
}

redis_restart() {
	redis_stop "$1"
	redis_start "$1"
}

redis_hang() { proc_hang "$(cat "$TMP/$1/redis.pid")" "redis $1"; }
redis_resume() { kill -CONT "$(cat "$TMP/$1/redis.pid")"; }
