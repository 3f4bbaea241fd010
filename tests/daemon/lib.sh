# lib.sh: start and stop a real relaymilter for the daemon tests (sourced).
# Everything lives in a private temp dir; the daemon listens on a unix socket
# there and is stopped by PID on exit. RM_WRAPPER (e.g. valgrind ...) is put
# in front of the daemon command when set.
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/tap.sh"

# valgrind (tests/run-all's pass): the suppressions for what is not ours
# (libmilter, libconfig, glibc under libldap), documented in the file.
case "${RM_WRAPPER:-}" in
valgrind*) case "$RM_WRAPPER" in
	*valgrind.supp*) ;;
	*) RM_WRAPPER="$RM_WRAPPER --suppressions=$top_srcdir/tests/fuzz/valgrind.supp" ;;
	esac ;;
esac

RM_BIN=$top_builddir/relaymilter
MTCLIENT=$top_builddir/tests/mtclient
TMP=$(mktemp -d /tmp/rm-daemon.XXXXXX)
chmod 755 "$TMP"
SOCK=$TMP/rm.sock
JSON=$TMP/decisions.json
RM_PID=
RM_USER=
if [ "$(id -u)" -eq 0 ]; then
	# The service user owns its runtime dir (as systemd's RuntimeDirectory
	# does), so it can remove its socket and pidfile at exit.
	RM_USER=nobody
	chown nobody "$TMP"
fi

cleanup() {
	rm_stop
	if [ -n "${KEEP_TMP:-}" ]; then echo "# kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

# write_config FILE [extra policy lines] [extra top-level lines]
# (LOCAL_DOMAINS and RM_MODE override the local domains and the mode)
write_config() {
	local domains=${LOCAL_DOMAINS:-'"example.org", "example.com"'}
	cat >"$1" <<CONF
socket = "unix:$SOCK";
socket_mode = "0660";
user = "$RM_USER";
mode = "${RM_MODE:-enforce}";
policy = {
  local_domains = [ $domains ];
  allow_networks = [ "127.0.0.0/8", "::1/128", "192.0.2.0/24", "2001:db8:1::/48" ];
  ${2:-}
};
log = { syslog = false; json = "$JSON"; accepts = true; };
${3:-}
CONF
	chmod 644 "$1"
}

# rm_start CONFIG [extra args]: start in the foreground (backgrounded here),
# wait for the socket.
rm_start() {
	local cfg=$1
	shift
	: >"$TMP/stderr"
	rm -f "$SOCK" # a stale socket would pass for this daemon's
	# shellcheck disable=SC2086
	${RM_WRAPPER:-} "$RM_BIN" -f -c "$cfg" "$@" 2>>"$TMP/stderr" &
	RM_PID=$!
	for _ in $(seq 1 200); do
		[ -S "$SOCK" ] && return 0
		kill -0 "$RM_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "# relaymilter did not start:"; sed 's/^/#   /' "$TMP/stderr"
	return 1
}

# rm_stop [SIGNAL]: stop and wait; returns the daemon's exit status.
rm_stop() {
	local sig=${1:-TERM} rc=0
	[ -n "$RM_PID" ] || return 0
	kill -"$sig" "$RM_PID" 2>/dev/null
	for _ in $(seq 1 300); do
		kill -0 "$RM_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$RM_PID" 2>/dev/null; then
		echo "# relaymilter did not stop on SIG$sig; killing"
		kill -KILL "$RM_PID" 2>/dev/null
	fi
	wait "$RM_PID" 2>/dev/null || rc=$?
	RM_PID=
	cp "$TMP/stderr" "$TMP/stderr.last" 2>/dev/null # the TSan check below empties it
	# Under TSan (tests/run-all sets RM_TSAN=1): a report with a frame in our
	# sources fails; reports wholly inside libmilter (its own shutdown races)
	# are shown, not counted against us.
	if [ -n "${RM_TSAN:-}" ]; then
		local ours theirs
		ours=$(tsan_reports '(milter|policy|lib|conf|query)/[a-z_]+\.c:[0-9]+' 1)
		theirs=$(tsan_reports '(milter|policy|lib|conf|query)/[a-z_]+\.c:[0-9]+' 0)
		if [ "$ours" -gt 0 ]; then
			not_ok "TSan: no data race in relaymilter's code" "$(grep -A30 'WARNING: ThreadSanitizer' "$TMP/stderr" | head -60)"
		else
			ok "TSan: no data race in relaymilter's code ($theirs libmilter-internal report(s) ignored)"
		fi
		: >"$TMP/stderr"
	fi
	# Under valgrind (tests/run-all), exit 99 means memory errors or leaks.
	if [ -n "${RM_WRAPPER:-}" ] && [ "$rc" -eq 99 ]; then
		not_ok "daemon run under '${RM_WRAPPER%% *}' is clean" "$(cat "$TMP/stderr" | tail -30)"
	fi
	return $rc
}

# tsan_reports REGEX WANT: count TSan reports in the daemon's stderr whose
# text matches REGEX (WANT=1) or does not (WANT=0).
tsan_reports() {
	awk -v re="$1" -v want="$2" '
		/^==================$/ { if (b ~ /WARNING: ThreadSanitizer/ && ((b ~ re) == want)) n++; b = ""; next }
		{ b = b "\n" $0 }
		END { print n + 0 }' "$TMP/stderr"
}

# mt PRESET: run a milter session script from stdin; prints the results.
mt() {
	"$MTCLIENT" -s "unix:$SOCK" -m "$1" -t 15 -
}

# json_last FILTER: jq over the JSON decision log.
json_q() {
	jq -r "$1" "$JSON" 2>/dev/null
}
