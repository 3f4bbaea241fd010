#!/bin/bash
# query.sh: relaymilter-query: decisions, traces, JSON output, exit codes
# (0 accepted, 1 rejected, 75 tempfail, 78 bad config, 64 usage).
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/tap.sh"

Q=$top_builddir/relaymilter-query
SHIPPED=$top_srcdir/conf/relaymilter.conf
TMP=$(mktemp -d /tmp/rm-query.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# The issue's acceptance example, on the shipped config.
local_domain=$(sed -n 's/^ *local_domains *= *\[ *"\([^"]*\)".*/\1/p' "$SHIPPED" | head -1)
out=$("$Q" -c "$SHIPPED" --client 203.0.113.5 --from a@example.net --rcpt b@example.com); rc=$?
is "shipped config: unauth relay exits 1" "$rc" "1"
like "shipped config: reason unauth-relay" "$out" 'reason: unauth-relay'
like "shipped config: the reply" "$out" '550 5\.7\.1 <b@example\.com>: Relay access denied'
out=$("$Q" -c "$SHIPPED" --client 203.0.113.5 --auth alice --from a@example.net --rcpt b@example.com); rc=$?
is "shipped config: --auth alice accepted (exit 0)" "$rc" "0"
like "shipped config: reason authenticated" "$out" 'reason: authenticated'
ok_if "shipped config names a local domain" test -n "$local_domain"
out=$("$Q" -c "$SHIPPED" --client 203.0.113.5 --from a@example.net --rcpt "b@$local_domain"); rc=$?
is "shipped config: local recipient accepted (exit 0)" "$rc" "0"
like "shipped config: reason local-recipient" "$out" 'reason: local-recipient'

cat >"$TMP/rm.conf" <<CONF
socket = "unix:$TMP/rm.sock";
user = "";
policy = {
  local_domains = [ "example.org" ];
  allow_networks = [ "127.0.0.0/8", "192.0.2.0/24" ];
  unauth_local_sender = "reject";
};
log = { syslog = false; };
CONF

out=$("$Q" -c "$TMP/rm.conf" --client 203.0.113.5 --from a@example.net --rcpt c@example.org --rcpt b@example.com); rc=$?
is "mixed recipients: exit 1" "$rc" "1"
like "mixed recipients: local accepted" "$(grep '^recipient <\?c@example.org' <<<"$out")" ': accept'
like "mixed recipients: remote rejected" "$(grep '^recipient <\?b@example.com' <<<"$out")" ': reject 550'
like "trace: the allowlist was consulted" "$out" 'rule_allowlisted_client: static allow_networks: 203\.0\.113\.5 not in 2 network'
like "trace: the static lookup is shown" "$out" 'lookup static: static local_domains: example\.org'

out=$("$Q" -c "$TMP/rm.conf" --client 192.0.2.7 --from a@example.net --rcpt b@example.com); rc=$?
is "allowlisted client: exit 0" "$rc" "0"
like "allowlisted client: trace names the network" "$out" 'in 192\.0\.2\.0/24'

out=$("$Q" -c "$TMP/rm.conf" --client 203.0.113.5 --from a@example.org --rcpt c@example.org); rc=$?
is "unauth local sender (reject): exit 1" "$rc" "1"
like "unauth local sender (reject): 550 reply" "$out" 'sender a@example.org: reject 550 5\.7\.1 <a@example\.org>: Sender address rejected: not logged in'

out=$("$Q" -c "$TMP/rm.conf" --client 203.0.113.5 --from '<>' --rcpt c@example.org); rc=$?
is "null sender to local: exit 0" "$rc" "0"

out=$("$Q" -c "$TMP/rm.conf" --client 203.0.113.5 --from a@example.net --rcpt 'b%example.com@example.org'); rc=$?
is "percent hack: exit 1" "$rc" "1"
like "percent hack: routed-recipient" "$out" 'reason: routed-recipient'

out=$("$Q" -c "$TMP/rm.conf" --client 203.0.113.5 --from a@example.net --rcpt 'b@@example.org'); rc=$?
is "malformed recipient: exit 1" "$rc" "1"
like "malformed recipient: 501 5.1.3" "$out" '501 5\.1\.3'

out=$("$Q" -c "$TMP/rm.conf" --client unknown --from a@example.net --rcpt b@example.com); rc=$?
is "unknown client: not allowlisted (exit 1)" "$rc" "1"

# JSON
out=$("$Q" -c "$TMP/rm.conf" --json --client 203.0.113.5 --from a@example.net --rcpt c@example.org --rcpt b@example.com); rc=$?
is "json: exit 1" "$rc" "1"
ok_if "json: valid" jq -e . <<<"$out" >/dev/null
is "json: recipients" "$(jq -r '.recipients | map(.rcpt + "=" + .action + "/" + .reason) | join(" ")' <<<"$out")" "c@example.org=accept/local-recipient b@example.com=reject/unauth-relay"
is "json: reply of the rejected" "$(jq -r '.recipients[1].reply' <<<"$out")" "550 5.7.1 <b@example.com>: Relay access denied"
is "json: exit field" "$(jq -r '.exit' <<<"$out")" "1"
ok_if "json: trace is a non-empty array" jq -e '.recipients[0].trace | length > 0' <<<"$out" >/dev/null
is "json: client" "$(jq -r '.client.addr' <<<"$out")" "203.0.113.5"
out=$("$Q" -c "$TMP/rm.conf" --json --client 203.0.113.5 --from 'a@example.net' --rcpt $'b\x01@example.com')
ok_if "json: control characters escaped, still valid" jq -e . <<<"$out" >/dev/null

# Exit codes for config and usage problems
printf 'policy = { allow_networks = [ "0.0.0.0/0" ]; };\n' >"$TMP/bad.conf"
out=$("$Q" -c "$TMP/bad.conf" --client 203.0.113.5 --from a@x.net --rcpt b@y.net 2>&1); rc=$?
is "bad config: exit 78" "$rc" "78"
like "bad config: file and line" "$out" 'bad\.conf:1: '
"$Q" -c "$TMP/rm.conf" --client 203.0.113.5 --from a@x.net >/dev/null 2>&1; rc=$?
is "missing --rcpt: exit 64" "$rc" "64"
"$Q" -c "$TMP/rm.conf" --client 999.1.1.1 --from a@x.net --rcpt b@y.net >/dev/null 2>&1; rc=$?
is "bad --client: exit 64" "$rc" "64"

# Report mode: the verdict is still shown, with what the daemon would do.
sed -i 's/^user = "";/user = ""; mode = "report";/' "$TMP/rm.conf"
out=$("$Q" -c "$TMP/rm.conf" --client 203.0.113.5 --from a@example.net --rcpt b@example.com); rc=$?
is "report mode: the policy verdict decides the exit (1)" "$rc" "1"
like "report mode: says the daemon would let it pass" "$out" 'would log would-reject'

done_testing
