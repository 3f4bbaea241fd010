#!/bin/bash
# syslog.sh: the daemon's syslog copy, read for real. In a mount namespace
# of its own, /dev is a fresh tmpfs (with the real /dev/null bound in) and
# /dev/log is a unix datagram socket this test reads. relaymilter runs
# detached (no -f), as init scripts start it: log.facility decides the
# <PRI> of its lines, and log.syslog = false sends nothing at all.
. "$top_srcdir/tests/daemon/lib.sh"
CONF=$TMP/relaymilter.conf

if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
	skip "syslog in a private /dev/log" "needs root and mount namespaces"
	done_testing
	exit 0
fi

# run_detached LOGSETTINGS: start detached with "log = { LOGSETTINGS }", make
# one decision, stop; what reached /dev/log lands in $TMP/syslog.out.
run_detached() {
	cat >"$CONF" <<C
socket = "unix:$SOCK";
user = "$RM_USER";
pidfile = "$TMP/rm.pid";
policy = { local_domains = [ "example.org" ]; allow_networks = [ "127.0.0.0/8" ]; };
log = { $1 json = "$JSON"; };
C
	chmod 644 "$CONF"
	: >"$TMP/syslog.out"
	rm -f "$TMP/rm.pid"
	cat >"$TMP/inner.sh" <<I
set -u
mount --make-rprivate / || exit 1
mkdir -p "$TMP/olddev" && mount --bind /dev "$TMP/olddev" || exit 1
mount -t tmpfs -o mode=755 tmpfs /dev || exit 1
touch /dev/null && mount --bind "$TMP/olddev/null" /dev/null || exit 1
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
import os; os.chmod("/dev/log", 0o666)
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "ab", 0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")
' "$TMP/syslog.out" &
lpid=\$!
for _ in \$(seq 1 100); do [ -e "$TMP/syslog.out.ready" ] && break; sleep 0.05; done
"$RM_BIN" -c "$CONF" 2>"$TMP/detached.err" || { kill \$lpid; exit 2; }
for _ in \$(seq 1 100); do [ -s "$TMP/rm.pid" ] && break; sleep 0.05; done
printf 'connect mx.example.net 203.0.113.5\nhelo mx\nmail <a@example.net>\nrcpt <b@example.net>\nquit\n' |
	"$MTCLIENT" -s "unix:$SOCK" -m postfix -t 15 - >"$TMP/mt.out" 2>&1
pid=\$(cat "$TMP/rm.pid")
kill -TERM "\$pid"
for _ in \$(seq 1 100); do kill -0 "\$pid" 2>/dev/null || break; sleep 0.05; done
sleep 0.2
kill \$lpid
I
	rm -f "$TMP/syslog.out.ready"
	unshare -m bash "$TMP/inner.sh"
}

run_detached 'syslog = true; facility = "local3";'
is "detached, facility local3: the namespace and the daemon ran" "$?" 0
like "detached: the decision was made" "$(cat "$TMP/mt.out")" 'rcpt <b@example.net>: reply 550'
# local3 = 19, info = 6: <158>
like "detached: decision logged to syslog at local3.info (<158>)" \
	"$(grep 'action=reject' "$TMP/syslog.out")" '^<158>.*relaymilter\[[0-9]+\]: .*rcpt=<b@example.net> action=reject'
ok_if "detached: nothing at mail (<22>) or any other facility" \
	sh -c "! grep -v '^<15[0-9]>' '$TMP/syslog.out' | grep -q relaymilter"

run_detached 'syslog = false;'
is "detached, syslog = false: ran" "$?" 0
like "detached, syslog = false: the decision was made" "$(cat "$TMP/mt.out")" 'rcpt <b@example.net>: reply 550'
is "detached, syslog = false: nothing reached /dev/log" "$(grep -c relaymilter "$TMP/syslog.out")" 0
ok_if "detached, syslog = false: the JSON log has the decision" grep -q '"action":"reject"' "$JSON"
done_testing
