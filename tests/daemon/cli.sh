#!/bin/bash
# cli.sh: relaymilter's command line: -n, -n -n, -V, -h, bad usage, config
# errors reported as FILE:LINE with exit 78.
. "$top_srcdir/tests/daemon/lib.sh"

CONF=$TMP/relaymilter.conf
write_config "$CONF"

out=$("$RM_BIN" -n -c "$CONF" 2>&1); rc=$?
is "-n good config: exit 0" "$rc" "0"
like "-n good config: says OK" "$out" 'configuration OK'
out=$("$RM_BIN" -n -n -c "$CONF" 2>&1); rc=$?
is "-n -n without ldap: exit 0" "$rc" "0"

printf 'socket = "unix:/tmp/x.sock";\npolicy = {\n  local_domains = [ "example.org" ];\n  allow_networks = [ "192.0.2.1/24" ];\n};\nbogus = 1;\n' >"$TMP/bad.conf"
out=$("$RM_BIN" -n -c "$TMP/bad.conf" 2>&1); rc=$?
is "-n bad config: exit 78" "$rc" "78"
like "-n bad config: network error with file and line" "$out" "bad.conf:4: "
like "-n bad config: unknown key with file and line" "$out" "bad.conf:6: "
printf 'policy = { local_domains = [ "example.org" ] \n' >"$TMP/syntax.conf"
out=$("$RM_BIN" -n -c "$TMP/syntax.conf" 2>&1); rc=$?
is "-n syntax error: exit 78" "$rc" "78"
like "-n syntax error: file and line" "$out" "syntax.conf:[0-9]+: "
out=$("$RM_BIN" -n -c "$TMP/missing.conf" 2>&1); rc=$?
is "-n missing file: exit 78" "$rc" "78"
like "-n missing file: named" "$out" "missing.conf"
out=$("$RM_BIN" -f -c "$TMP/bad.conf" 2>&1); rc=$?
is "start with bad config: exit 78" "$rc" "78"

out=$("$RM_BIN" -V); rc=$?
is "-V: exit 0" "$rc" "0"
like "-V: own version" "$out" '^relaymilter [0-9]+\.[0-9]+'
like "-V: libmilter version" "$out" 'libmilter [0-9]+\.[0-9]+'
like "-V: libldap version" "$out" 'libldap OpenLDAP 2\.5'
like "-V: libconfig version" "$out" 'libconfig 1\.'
out=$("$RM_BIN" -h); rc=$?
is "-h: exit 0" "$rc" "0"
like "-h: usage" "$out" '^usage: relaymilter'
"$RM_BIN" -Z >/dev/null 2>&1; rc=$?
is "bad flag: exit 64" "$rc" "64"

out=$("$RM_BIN" -n -c "$top_srcdir/conf/relaymilter.conf" 2>&1); rc=$?
is "shipped example config passes -n" "$rc" "0"

done_testing
