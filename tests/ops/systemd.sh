#!/bin/bash
# systemd.sh: contrib/systemd/relaymilter.service and the daemon's side of
# it. The unit passes `systemd-analyze verify` (binary and man pages found: the
# built ones, as they would be installed),
# carries every hardening option of the issue, and scores "OK" or better in
# `systemd-analyze security --offline`. The daemon speaks sd_notify (READY,
# RELOADING on SIGUSR1 then READY again, STOPPING), runs when started as the
# service user directly (what User= does), refuses a user it cannot become
# with a clear message, and does not copy its log to stderr when stderr is
# the journal and syslog is on.
. "$top_srcdir/tests/daemon/lib.sh"

UNIT=$top_srcdir/contrib/systemd/relaymilter.service
PY=/usr/bin/python3

# --- the unit file
unit() { grep -E "^$1" "$UNIT" >/dev/null; }
for opt in 'Type=notify$' 'ExecReload=/bin/kill -USR1 \$MAINPID$' 'Restart=on-failure$' \
	'RuntimeDirectory=relaymilter$' 'RuntimeDirectoryMode=0750$' 'User=relaymilter$' \
	'NoNewPrivileges=yes$' 'ProtectSystem=strict$' 'ProtectHome=yes$' 'PrivateTmp=yes$' \
	'PrivateDevices=yes$' 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6$' \
	'CapabilityBoundingSet=$' 'SystemCallFilter=@system-service$' 'UMask=0007$' \
	'RestartPreventExitStatus=78$'; do
	ok_if "unit has ${opt%\$}" unit "$opt"
done

if command -v systemd-analyze >/dev/null; then
	# verify checks that ExecStart exists and that Documentation= man pages
	# are found: point it at the build's binary and the source's man pages.
	sed -e "s|/usr/sbin/relaymilter|$RM_BIN|g" "$UNIT" >"$TMP/relaymilter.service"
	mkdir -p "$TMP/man/man8" "$TMP/man/man5"
	cp "$top_builddir/man/relaymilter.8" "$TMP/man/man8/"
	cp "$top_builddir/man/relaymilter.conf.5" "$TMP/man/man5/"
	out=$(cd "$TMP" && MANPATH=$TMP/man systemd-analyze verify relaymilter.service 2>&1); rc=$?
	is "systemd-analyze verify: clean" "$rc:$out" "0:"
	out=$(systemd-analyze security --offline=true "$TMP/relaymilter.service" 2>&1)
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
	if [ -n "$score" ]; then
		echo "# systemd-analyze security --offline: exposure $score"
		ok_if "security exposure $score is below 2.0 (OK)" awk -v s="$score" 'BEGIN { exit !(s < 2.0) }'
	else
		skip "security exposure below 2.0" "no --offline in this systemd-analyze"
	fi
else
	skip "systemd-analyze verify: clean" "no systemd-analyze"
	skip "security exposure below 2.0" "no systemd-analyze"
fi

# --- sd_notify
CONF=$TMP/relaymilter.conf
write_config "$CONF"
NOTES=$TMP/notify.out
"$PY" "$top_srcdir/tests/ops/notify-listen.py" "$TMP/notify.sock" "$NOTES" 30 &
LISTEN_PID=$!
for _ in $(seq 1 100); do [ -S "$TMP/notify.sock" ] && break; sleep 0.05; done
wait_for() { for _ in $(seq 1 100); do "$@" && return 0; sleep 0.05; done; return 1; }
export NOTIFY_SOCKET=$TMP/notify.sock
rm_start "$CONF" || bail_out "daemon did not start"
unset NOTIFY_SOCKET
if grep -q '^#define HAVE_SYSTEMD 1' "$top_builddir/config.h"; then
	ok_if "READY=1 once serving" wait_for grep -q '^READY=1' "$NOTES"
	like "STATUS says serving" "$(cat "$NOTES")" 'STATUS=serving'
	kill -USR1 "$RM_PID"
	reloaded() { grep -q 'RELOADING=1' "$NOTES" && [ "$(grep -c '^READY=1' "$NOTES")" -ge 2 ]; }
	ok_if "SIGUSR1: RELOADING=1, then READY=1 again" wait_for reloaded
	rm_stop
	ok_if "SIGTERM: STOPPING=1" wait_for grep -q '^STOPPING=1' "$NOTES"
	order=$(grep -oE '^(READY|RELOADING|STOPPING)=1' "$NOTES" | tr '\n' ' ')
	is "notification order" "$order" "READY=1 RELOADING=1 READY=1 STOPPING=1 "
else
	rm_stop
	for t in "READY=1 once serving" "STATUS says serving" "SIGUSR1: RELOADING=1, then READY=1 again" \
		"SIGTERM: STOPPING=1" "notification order"; do
		skip "$t" "built without libsystemd"
	done
fi
kill "$LISTEN_PID" 2>/dev/null; wait "$LISTEN_PID" 2>/dev/null

# --- started as the service user (systemd's User=): no switch needed
if [ "$(id -u)" -eq 0 ]; then
	write_config "$CONF"
	sed -i 's/^user = .*/user = "nobody";/' "$CONF"
	: >"$TMP/stderr"
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		"$RM_BIN" -f -c "$CONF" 2>>"$TMP/stderr" &
	RM_PID=$!
	ok_if "as the service user with user = that user: serves" wait_for test -S "$SOCK"
	is "socket owned by the service user" "$(stat -c %U "$SOCK")" "nobody"
	rm_stop; rc=$?
	is "as the service user: clean stop" "$rc" "0"
	sed -i 's/^user = .*/user = "daemon";/' "$CONF"
	out=$(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		"$RM_BIN" -f -c "$CONF" 2>&1); rc=$?
	is "as another non-root user: refused, exit 78" "$rc" "78"
	like "refusal says why" "$out" 'not root: cannot become uid'
else
	for t in "as the service user with user = that user: serves" "socket owned by the service user" \
		"as the service user: clean stop" "as another non-root user: refused, exit 78" \
		"refusal says why"; do
		skip "$t" "needs root to start as another user"
	done
fi

# --- stderr is the journal and syslog is on: no copy on stderr
write_config "$CONF"
sed -i 's/syslog = false/syslog = true/' "$CONF"
: >"$TMP/stderr"
export JOURNAL_STREAM=$(stat -c '%d:%i' "$TMP/stderr")
rm_start "$CONF" || bail_out "daemon did not start"
unset JOURNAL_STREAM
sleep 0.3
rm_stop
ok_if "stderr is the journal: start-up line not duplicated there" \
	bash -c "! grep -q 'starting (config' '$TMP/stderr'"
: >"$TMP/stderr"
rm_start "$CONF" || bail_out "daemon did not start"
sleep 0.3
rm_stop
ok_if "stderr is not the journal: start-up line on stderr" grep -q 'starting (config' "$TMP/stderr"

done_testing
