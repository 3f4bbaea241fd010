#!/bin/bash
# daemon.sh: the real relaymilter driven over the milter protocol by our own
# client (tests/mtclient), with Postfix's and Sendmail's macro sets: every
# rule of SPEC §1, replies, the decision log, report mode, reload (good and
# broken config, sessions pinned to their config), stop signals, privileges.
. "$top_srcdir/tests/daemon/lib.sh"

CONF=$TMP/relaymilter.conf
write_config "$CONF"
rm_start "$CONF" || bail_out "daemon did not start"

REMOTE_REPLY='reply 550 5.7.1 <b@example.net>: Relay access denied'

for preset in postfix sendmail; do
	out=$(mt $preset <<'S'
connect mx.example.net 203.0.113.5
helo mx.example.net
mail <a@example.net>
rcpt <b@example.net>
rcpt <c@example.org>
rcpt <d@EXAMPLE.COM.>
rcpt <b%example.net@example.org>
rcpt <example.net!b@example.org>
rcpt "<\"b@example.net\"@example.org>"
rcpt <@example.org:b@example.net>
rcpt <b@[192.0.2.1]>
rcpt <b@@example.org>
abort
quit
S
	)
	like "$preset: unauth remote rcpt: 550 relay denied" "$(grep '^rcpt <b@example.net>' <<<"$out")" "$REMOTE_REPLY"
	like "$preset: unauth local rcpt accepted" "$(grep '^rcpt <c@example.org>' <<<"$out")" ': continue$'
	like "$preset: local domain, upper case + trailing dot accepted" "$(grep '^rcpt <d@EXAMPLE.COM.>' <<<"$out")" ': continue$'
	like "$preset: percent hack refused" "$(grep '^rcpt <b%example.net' <<<"$out")" 'reply 550 5\.7\.1'
	like "$preset: bang path refused" "$(grep '^rcpt <example.net!b' <<<"$out")" 'reply 550 5\.7\.1'
	like "$preset: quoted @ refused" "$(grep -F 'b@example.net\"@example.org' <<<"$out")" 'reply 550 5\.7\.1'
	like "$preset: source route refused" "$(grep '^rcpt <@example.org:b' <<<"$out")" 'reply 550 5\.7\.1'
	like "$preset: address literal refused" "$(grep '^rcpt <b@\[192.0.2.1\]>' <<<"$out")" 'reply 550 5\.7\.1'
	like "$preset: malformed rcpt: 501 5.1.3" "$(grep '^rcpt <b@@example.org>' <<<"$out")" 'reply 501 5\.1\.3 <b@@example.org>: Bad recipient address syntax'

	out=$(mt $preset <<'S'
connect relay.example.net 192.0.2.20
helo relay.example.net
mail <a@example.net>
rcpt <b@example.net>
rcpt <b%example.net@example.org>
abort
quit
S
	)
	like "$preset: allowlisted IPv4 client relays" "$(grep '^rcpt <b@example.net>' <<<"$out")" ': continue$'
	like "$preset: allowlisted client may use routing" "$(grep '^rcpt <b%' <<<"$out")" ': continue$'

	out=$(mt $preset <<'S'
connect v6.example.net 2001:db8:1::25
helo v6.example.net
mail <a@example.net>
rcpt <b@example.net>
abort
quit
S
	)
	like "$preset: allowlisted IPv6 client relays" "$(grep '^rcpt' <<<"$out")" ': continue$'

	out=$(mt $preset <<'S'
connect mapped.example.net ::ffff:192.0.2.30
helo mapped
mail <a@example.net>
rcpt <b@example.net>
abort
quit
S
	)
	like "$preset: IPv4-mapped client matches 192.0.2.0/24" "$(grep '^rcpt' <<<"$out")" ': continue$'

	out=$(mt $preset <<'S'
connect other.example.net 2001:db8:2::25
helo other
mail <a@example.net>
rcpt <b@example.net>
abort
reset
connect unknown.example.net unknown
helo unknown
mail <a@example.net>
rcpt <b@example.net>
rcpt <c@example.org>
quit
S
	)
	like "$preset: IPv6 client outside the allowlist refused" "$(grep '^rcpt <b@example.net>' <<<"$out" | head -1)" "$REMOTE_REPLY"
	like "$preset: unknown client address is not allowlisted" "$(grep '^rcpt <b@example.net>' <<<"$out" | tail -1)" "$REMOTE_REPLY"
	like "$preset: unknown client may deliver locally" "$(grep '^rcpt <c@example.org>' <<<"$out")" ': continue$'

	out=$(mt $preset <<'S'
connect mua.example.net 203.0.113.7
helo mua
auth alice PLAIN
mail <alice@example.org>
rcpt <b@example.net>
abort
noauth
mail <alice@example.org>
rcpt <b@example.net>
abort
quit
S
	)
	like "$preset: authenticated client relays" "$(grep '^rcpt' <<<"$out" | head -1)" ': continue$'
	like "$preset: auth state re-read per transaction" "$(grep '^rcpt' <<<"$out" | tail -1)" "$REMOTE_REPLY"

	out=$(mt $preset <<'S'
connect bounce.example.net 203.0.113.8
helo bounce
mail <>
rcpt <c@example.org>
rcpt <b@example.net>
abort
quit
S
	)
	like "$preset: null sender to local accepted" "$(grep '^mail <>' <<<"$out")" ': continue$'
	like "$preset: null sender to local rcpt" "$(grep '^rcpt <c@example.org>' <<<"$out")" ': continue$'
	like "$preset: null sender cannot relay" "$(grep '^rcpt <b@example.net>' <<<"$out")" "$REMOTE_REPLY"
done

# ---- the decision log ----
line=$(json_q 'select(.rcpt == "<b@example.net>" and .client_addr == "203.0.113.5") | [.action,.reason,.source,.client_name,.helo,.auth,.from] | join(" ")' | head -1)
is "json log: reject line for the unauth relay" "$line" "reject unauth-relay static mx.example.net mx.example.net - <a@example.net>"
line=$(json_q 'select(.auth == "alice" and .rcpt == "<b@example.net>") | [.action,.reason,.source] | join(" ")' | head -1)
is "json log: authenticated accept logged" "$line" "accept authenticated -"
line=$(json_q 'select(.rcpt == "<b%example.net@example.org>" and .action == "reject") | .reason' | head -1)
is "json log: routed recipient reason" "$line" "routed-recipient"
line=$(json_q 'select(.rcpt == "<b@@example.org>") | .reason' | head -1)
is "json log: bad address reason" "$line" "bad-address"
line=$(json_q 'select(.client_addr == "unknown" and .rcpt == "<b@example.net>") | .action + "/" + .reason' | sort -u)
is "json log: a client without socket address is logged unknown, not allowlisted" "$line" "reject/unauth-relay"
line=$(json_q 'select(.client_addr == "192.0.2.30" and .rcpt) | .reason' | head -1)
is "json log: mapped client logged as IPv4" "$line" "allowlisted-client"
line=$(json_q 'select(.end == "abort" and .client_addr == "203.0.113.5") | [.accepted,.rejected,.tempfailed] | map(tostring) | join(" ")' | head -1)
is "json log: transaction summary counts" "$line" "2 7 0"
sessions=$(json_q 'select(.rcpt) | .session' | sort -u | wc -l)
ok_if "json log: one session id per connection (>= 10 distinct)" test "$sessions" -ge 10
keys=$(json_q 'select(.rcpt) | keys_unsorted | join(",")' | head -1)
is "json log: fields in SPEC order" "$keys" "time,session,qid,client_addr,client_name,helo,auth,from,rcpt,action,reason,source,ms,login"
ok_if "json log: every line is valid JSON" jq -e . "$JSON" >/dev/null

# forged log lines: a CR/LF in an address must not make a new line
mt postfix >/dev/null <<'S'
connect evil.example.net 203.0.113.66
helo "evil\r\nsession=forged action=accept"
mail "<a@example.net>"
rcpt "<b@example.net\nsession=forged>"
quit
S
n=$(grep -c 'forged' "$JSON")
is "log injection: CR/LF escaped, no forged line" "$(grep -c '^{' "$JSON")" "$(wc -l <"$JSON")"
ok_if "log injection: the hostile values were logged escaped" test "$n" -ge 1

# ---- queue id ----
out=$(mt postfix <<'S'
connect mx.example.net 203.0.113.5
helo mx
mail <a@example.net>
rcpt <c@example.org>
set i 4QIDTEST1
rcpt <b@example.net>
data
eom
quit
S
)
like "eom accepted" "$(grep '^eom' <<<"$out")" 'continue'
line=$(json_q 'select(.end == "eom" and .qid == "4QIDTEST1") | [.accepted,.rejected] | map(tostring) | join(" ")' | head -1)
is "summary ties session to qid at end of message" "$line" "1 1"
line=$(json_q 'select(.rcpt == "<b@example.net>" and .qid == "4QIDTEST1") | .action' | head -1)
is "qid logged once the MTA assigned it" "$line" "reject"

# ---- privileges, socket, counters ----
if [ -n "$RM_USER" ]; then
	uid=$(awk '/^Uid:/ {print $3}' "/proc/$RM_PID/status")
	is "dropped to the configured user" "$uid" "$(id -u nobody)"
else
	skip "dropped to the configured user" "not root"
fi
is "socket mode 0660" "$(stat -c %a "$SOCK")" "660"
kill -USR2 "$RM_PID"
sleep 0.3
like "SIGUSR2 logs the counters" "$(grep 'stats:' "$TMP/stderr" | tail -1)" 'reject/unauth-relay=[0-9]+'

# ---- reload: good config, broken config, pinned sessions ----
( mt postfix >"$TMP/pinned.out" <<'S'
connect slow.example.net 203.0.113.9
helo slow
sleep 1.5
mail <a@example.net>
rcpt <b@newlocal.example>
quit
S
) &
pinned=$!
sleep 0.5
LOCAL_DOMAINS='"example.org", "newlocal.example"' write_config "$CONF"
kill -USR1 "$RM_PID"
sleep 0.5
like "reload: logged" "$(grep 'reload:' "$TMP/stderr" | tail -1)" 'loaded \(generation 2\)'
ok_if "reload: no restart-only warning when only the policy changed" sh -c "! grep -q 'apply at the next restart' '$TMP/stderr'"
out=$(mt postfix <<'S'
connect mx.example.net 203.0.113.5
helo mx
mail <a@example.net>
rcpt <b@newlocal.example>
rcpt <b@example.com>
quit
S
)
like "reload: new local domain accepted" "$(grep 'newlocal' <<<"$out")" ': continue$'
like "reload: removed local domain refused" "$(grep 'example.com' <<<"$out")" 'reply 550 5\.7\.1'
wait $pinned
like "reload: a session in flight keeps the config it started with" "$(grep '^rcpt' "$TMP/pinned.out")" 'reply 550 5\.7\.1'

echo 'bogus_key = 1;' >>"$CONF"
badline=$(wc -l <"$CONF")
kill -USR1 "$RM_PID"
sleep 0.5
like "broken reload: error names file and line" "$(grep 'reload: ' "$TMP/stderr" | grep -v loaded | tail -2 | head -1)" "relaymilter.conf:$badline: unknown key"
like "broken reload: says it keeps the old config" "$(tail -5 "$TMP/stderr")" 'still running the previous configuration'
out=$(mt postfix <<'S'
connect mx.example.net 203.0.113.5
helo mx
mail <a@example.net>
rcpt <b@newlocal.example>
quit
S
)
like "broken reload: old config still serves" "$(grep '^rcpt' <<<"$out")" ': continue$'
ok_if "broken reload: daemon still running" kill -0 "$RM_PID"

LOCAL_DOMAINS='"example.org", "newlocal.example"' write_config "$CONF"
sed -i 's/^socket_mode = .*/socket_mode = "0600";/' "$CONF"
kill -USR1 "$RM_PID"
sleep 0.5
like "reload: a socket change is reported as needing a restart" "$(grep 'reload:' "$TMP/stderr" | tail -2 | head -1)" 'socket settings changed; they apply at the next restart'
is "reload: the open socket keeps its mode" "$(stat -c %a "$SOCK")" "660"

# ---- stop signals ----
rm_stop TERM
rc=$?
is "SIGTERM: clean exit" "$rc" "0"
ok_if "SIGTERM: process gone" sh -c "! kill -0 $RM_PID 2>/dev/null"

write_config "$CONF"
rm_start "$CONF" || bail_out "restart failed"
out=$(mt sendmail <<'S'
connect mx.example.net 203.0.113.5
helo mx
mail <a@example.net>
rcpt <b@example.net>
quit
S
)
like "restart serves again" "$(grep '^rcpt' <<<"$out")" "$REMOTE_REPLY"
rm_stop HUP
is "SIGHUP stops cleanly (libmilter treats it like SIGTERM)" "$?" "0"

# ---- report mode ----
RM_MODE=report write_config "$CONF"
: >"$JSON"
rm_start "$CONF" || bail_out "report-mode start failed"
out=$(mt postfix <<'S'
connect mx.example.net 203.0.113.5
helo mx
mail <a@example.net>
rcpt <b@example.net>
rcpt <b@@example.org>
rcpt <c@example.org>
quit
S
)
like "report mode: remote rcpt passes" "$(grep '^rcpt <b@example.net>' <<<"$out")" ': continue$'
like "report mode: bad address passes too" "$(grep '^rcpt <b@@' <<<"$out")" ': continue$'
is "report mode: logged would-reject" "$(json_q 'select(.rcpt == "<b@example.net>") | .action')" "would-reject"
is "report mode: reason kept" "$(json_q 'select(.rcpt == "<b@example.net>") | .reason')" "unauth-relay"
is "report mode: the transaction's summary counts would-rejects apart" \
	"$(json_q 'select(.end) | [.accepted,.rejected,.would_reject,.would_tempfail] | map(tostring) | join(" ")' | tail -1)" \
	"1 0 2 0"
rm_stop TERM

# ---- a directory that cannot answer: tempfail, never accept ----
# LDAP on a loopback port where nothing listens: every lookup fails fast.
dead_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
write_config "$CONF" "" "ldap = { uri = \"ldap://127.0.0.1:$dead_port\"; timeout = 0.5; budget = 1.0;
  domains = { base = \"ou=domains,dc=example,dc=org\"; }; };"
: >"$JSON"
rm_start "$CONF" || bail_out "failing-directory start failed"
for preset in postfix sendmail; do
	out=$(mt $preset <<'S'
connect mx.example.net 203.0.113.5
helo mx
mail <a@example.net>
rcpt <b@example.net>
rcpt <c@example.org>
rcpt <b%example.net@example.org>
abort
reset
connect relay.example.net 192.0.2.20
helo relay
mail <a@example.net>
rcpt <b@example.net>
abort
reset
connect mua.example.net 203.0.113.7
helo mua
auth alice LOGIN
mail <alice@example.org>
rcpt <b@example.net>
quit
S
	)
	like "$preset, directory down: unauth remote rcpt tempfailed 451 4.3.0" "$(grep '^rcpt <b@example.net>' <<<"$out" | head -1)" 'reply 451 4\.3\.0 <b@example.net>: Temporary lookup failure'
	like "$preset, directory down: static local domain still accepted" "$(grep '^rcpt <c@example.org>' <<<"$out")" ': continue$'
	like "$preset, directory down: routed still refused" "$(grep '^rcpt <b%' <<<"$out")" 'reply 550 5\.7\.1'
	like "$preset, directory down: allowlisted client unaffected" "$(grep '^rcpt <b@example.net>' <<<"$out" | sed -n 2p)" ': continue$'
	like "$preset, directory down: authenticated client unaffected" "$(grep '^rcpt <b@example.net>' <<<"$out" | sed -n 3p)" ': continue$'
done
is "directory down: logged as tempfail/lookup-error" "$(json_q 'select(.rcpt == "<b@example.net>" and .client_addr == "203.0.113.5") | .action + "/" + .reason' | sort -u)" "tempfail/lookup-error"
kill -USR2 "$RM_PID"
sleep 0.3
stats=$(grep 'stats:' "$TMP/stderr" | tail -1)
like "directory down: SIGUSR2 counts lookup-error tempfails" "$stats" 'tempfail/lookup-error=2( |$)'
like "directory down: SIGUSR2 shows the directory counters" "$stats" 'cache_entries=[0-9]+ .*cache_hit_ratio=[0-9.]+ .*ldap_servers_up=0'
is "directory down: allowlisted logged with its reason" "$(json_q 'select(.rcpt == "<b@example.net>" and .client_addr == "192.0.2.20") | .action + "/" + .reason' | sort -u)" "accept/allowlisted-client"
rm_stop TERM

# ---- inet and inet6 sockets ----
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
write_config "$CONF"
rm_start_inet() {
	${RM_WRAPPER:-} "$RM_BIN" -f -c "$CONF" -p "$1" 2>>"$TMP/stderr" &
	RM_PID=$!
	for _ in $(seq 1 200); do
		"$MTCLIENT" -s "$2" -t 2 - </dev/null >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}
if rm_start_inet "inet:$port@127.0.0.1" "inet:$port@127.0.0.1"; then
	out=$("$MTCLIENT" -s "inet:$port@127.0.0.1" -m postfix -t 10 - <<'S'
connect mx.example.net 203.0.113.5
helo mx
mail <a@example.net>
rcpt <b@example.net>
quit
S
	)
	like "inet socket on 127.0.0.1: serves" "$(grep '^rcpt' <<<"$out")" "$REMOTE_REPLY"
	ok_if "inet socket: listens on loopback only" sh -c "ss -ltn | grep -q '127.0.0.1:$port '"
else
	not_ok "inet socket on 127.0.0.1: serves" "did not start"
	not_ok "inet socket: listens on loopback only"
fi
rm_stop TERM
if rm_start_inet "inet6:$port@[::1]" "inet6:$port@::1"; then
	out=$("$MTCLIENT" -s "inet6:$port@::1" -m sendmail -t 10 - <<'S'
connect mx.example.net 203.0.113.5
helo mx
mail <a@example.net>
rcpt <c@example.org>
quit
S
	)
	like "inet6 socket on [::1]: serves" "$(grep '^rcpt' <<<"$out")" ': continue$'
else
	not_ok "inet6 socket on [::1]: serves" "did not start: $(tail -3 "$TMP/stderr")"
fi
rm_stop TERM

# ---- stop during a reload: main waits for the reload, then exits 0 ----
write_config "$CONF"
bad=
for i in 1 2 3 4 5; do
	rm_start "$CONF" || bail_out "start $i failed"
	# Serving first (libmilter's listener up), so the race is ours: a
	# reload in progress when main returns from smfi_main.
	printf 'connect mx.example.net 203.0.113.5\nquit\n' | mt postfix >/dev/null 2>&1
	kill -USR1 "$RM_PID"
	kill -TERM "$RM_PID"
	rm_stop TERM
	rc=$?
	[ "$rc" -eq 0 ] || bad="$bad run $i: exit $rc;"
	grep -q "relaymilter stopping" "$TMP/stderr.last" || bad="$bad run $i: no 'stopping' line;"
done
is "SIGUSR1 then SIGTERM at once, 5 times: clean exit 0 each time" "$bad" ""

# ---- pidfile and user override ----
write_config "$CONF" "" "pidfile = \"$TMP/rm.pid\";"
rm_start "$CONF" || bail_out "pidfile start failed"
# The socket (what rm_start waits for) is opened before the pidfile is
# written: under valgrind on a loaded machine the gap is seconds.
for _ in $(seq 1 200); do [ -s "$TMP/rm.pid" ] && break; sleep 0.05; done
is "pidfile holds the daemon's pid" "$(cat "$TMP/rm.pid" 2>/dev/null)" "$RM_PID"
rm_stop TERM
ok_if "pidfile removed at exit" test ! -e "$TMP/rm.pid"
# Without -f: the parent returns 0 once the socket is open, the daemon lives on.
"$RM_BIN" -c "$CONF" 2>"$TMP/bg.err"
rc=$?
is "without -f: the starting process exits 0" "$rc" "0"
for _ in $(seq 1 100); do [ -s "$TMP/rm.pid" ] && break; sleep 0.05; done
bgpid=$(cat "$TMP/rm.pid" 2>/dev/null)
ok_if "without -f: the daemon runs on in the background" kill -0 "${bgpid:-0}"
is "without -f: detached into its own session" "$(ps -o sid= -p "${bgpid:-0}" | tr -d ' ')" "${bgpid:-x}"
out=$(mt postfix <<'S'
connect mx.example.net 203.0.113.5
helo mx
mail <a@example.net>
rcpt <b@example.net>
quit
S
)
like "without -f: serves" "$(grep '^rcpt' <<<"$out")" "$REMOTE_REPLY"
RM_PID=$bgpid
rm_stop TERM
ok_if "without -f: stopped, pidfile removed" test ! -e "$TMP/rm.pid"
ln -s /etc/passwd "$TMP/rm.pid"
"$RM_BIN" -f -c "$CONF" 2>"$TMP/pid.err" &
p=$!
sleep 1
kill "$p" 2>/dev/null
wait "$p"
rc=$?
ok_if "pidfile: a symlink is never followed" test "$rc" -ne 0
like "pidfile: refusal is explained" "$(cat "$TMP/pid.err")" 'pidfile'
rm -f "$TMP/rm.pid"

# A pidfile in a directory the service user cannot write (as root only):
# it cannot be unlinked after the privilege drop, so it is emptied.
if [ -n "$RM_USER" ]; then
	mkdir -m 755 "$TMP/rootdir"
	write_config "$CONF" "" "pidfile = \"$TMP/rootdir/rm.pid\";"
	rm_start "$CONF" || bail_out "root-dir pidfile start failed"
	for _ in $(seq 1 200); do [ -s "$TMP/rootdir/rm.pid" ] && break; sleep 0.05; done
	is "pidfile in a root-owned dir: holds the pid" "$(cat "$TMP/rootdir/rm.pid" 2>/dev/null)" "$RM_PID"
	rm_stop TERM
	ok_if "pidfile in a root-owned dir: names no process after exit" test ! -s "$TMP/rootdir/rm.pid"
	ok_if "pidfile in a root-owned dir: no 'cannot remove' warning" \
		sh -c "! grep -q 'cannot remove pidfile' '$TMP/stderr.last'"
	like "pidfile in a root-owned dir: says what it did" "$(cat "$TMP/stderr.last")" "pidfile .* emptied"
fi

if [ "$(id -u)" -eq 0 ]; then
	write_config "$CONF"
	sed -i 's/^user = .*/user = "";/' "$CONF"
	"$RM_BIN" -f -c "$CONF" 2>"$TMP/root.err"
	rc=$?
	ok_if "refuses to keep running as root without a user" test "$rc" -ne 0
	like "root refusal explained" "$(cat "$TMP/root.err")" 'refusing to run as root'
	rm -f "$SOCK"
	rm_start "$CONF" -u nobody:nogroup || bail_out "-u start failed"
	# The socket is opened as root, the drop comes after (seconds under valgrind).
	for _ in $(seq 1 200); do
		[ "$(awk '/^Uid:/ {print $3}' "/proc/$RM_PID/status")" = "$(id -u nobody)" ] && break
		sleep 0.05
	done
	is "-u USER:GROUP overrides the config's user" "$(awk '/^Uid:/ {print $3}' "/proc/$RM_PID/status")" "$(id -u nobody)"
	is "-u USER:GROUP sets the group" "$(awk '/^Gid:/ {print $3}' "/proc/$RM_PID/status")" "$(getent group nogroup | cut -d: -f3)"
	rm_stop TERM
else
	skip "refuses to keep running as root without a user" "not root"
	skip "root refusal explained" "not root"
	skip "-u USER:GROUP overrides the config's user" "not root"
	skip "-u USER:GROUP sets the group" "not root"
fi

done_testing
