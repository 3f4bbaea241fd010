#!/bin/bash
# ldap_accounts_daemon.sh: accounts (SPEC §8) in the real daemon over the
# milter protocol, against a real slapd with the sample people: static and
# LDAP accounts, both login forms (bare and full, accounts.default_domain),
# suspension (account-suspended, local recipients still accepted), sender
# binding (sender-login-mismatch, 553), the decision log's auth and login
# fields, a suspension seen after the cache TTL, and the directory down:
# authenticated relay goes on, a known suspension stays. Runs under
# RM_WRAPPER (valgrind) and TSan too.
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/integ/lib_slapd.sh"
export LOCAL_DOMAINS='"example.org"'
. "$top_srcdir/tests/integ/lib_ldapd.sh"

ACCOUNTS='accounts = { base = "ou=people,dc=example,dc=org"; }; };
accounts = { default_domain = "example.org";'
POLICY='sender_login = "reject";
  accounts = ( { login = "static@example.org"; senders = [ "@static.example" ]; },
               { login = "frozen"; suspended = true; } );'

# mail_answer: what the daemon answered MAIL FROM in the last sess.
mail_answer() { grep '^mail ' <<<"$OUT" | head -1 | sed 's/^mail [^:]*: //'; }
# logged_login CLIENT RCPT: "action reason auth login" of the last decision.
logged_login() {
	json_q "select(.client_addr == \"$1\" and .rcpt == \"$2\") | [.action,.reason,.auth,.login] | join(\" \")" | tail -1
}

slapd_init a
slapd_start a
conf "positive_ttl = 2; negative_ttl = 2; stale_ttl = 3600;" "$POLICY" "" "$ACCOUNTS"
rm_start "$CONF" || bail_out "relaymilter did not start"

for who in alice alice@example.org Alice@Example.ORG; do
	AUTH=$who FROM='<alice.smith@example.org>' sess postfix 203.0.113.5 '<x@remote.example>'
	like "$who: relays (LDAP account)" "$(answer '<x@remote.example>')" '^continue$'
	is "$who: logged with auth as typed and the canonical login" \
		"$(logged_login 203.0.113.5 '<x@remote.example>')" "accept authenticated $who alice@example.org"
done
AUTH=carol FROM='<carol@example.org>' sess postfix 203.0.113.6 '<x@remote.example>' '<y@example.org>'
like "carol (suspended in LDAP): relay refused" "$(answer '<x@remote.example>')" \
	'^reply 550 5\.7\.1 <x@remote\.example>: Relay access denied: account suspended$'
is "carol: logged account-suspended" "$(logged_login 203.0.113.6 '<x@remote.example>')" \
	"reject account-suspended carol carol@example.org"
like "carol: a local recipient still accepted" "$(answer '<y@example.org>')" '^continue$'
AUTH=frozen FROM='<frozen@example.org>' sess postfix 203.0.113.7 '<x@remote.example>'
like "frozen (suspended in the config): relay refused" "$(answer '<x@remote.example>')" \
	'account suspended$'
AUTH=static FROM='<anyone@static.example>' sess postfix 203.0.113.8 '<x@remote.example>'
like "static account: owns @static.example" "$(answer '<x@remote.example>')" '^continue$'

# (No RCPT after a refused MAIL FROM: the filter would not answer it.)
AUTH=alice FROM='<bob@example.org>' sess postfix 203.0.113.9
like "alice as bob@example.org: 553 at MAIL FROM" "$(mail_answer)" \
	'^reply 553 5\.7\.1 <bob@example\.org>: Sender address rejected: not owned by user alice@example\.org$'
is "alice as bob: logged sender-login-mismatch" \
	"$(json_q 'select(.client_addr == "203.0.113.9" and .reason == "sender-login-mismatch") | [.action,.auth,.login] | join(" ")' | tail -1)" \
	"reject alice alice@example.org"
for f in '<Alice+news@EXAMPLE.org>' '<someone@example.net>' '<>'; do
	AUTH=alice@example.org FROM=$f sess postfix 203.0.113.10 '<x@remote.example>'
	like "alice as $f: owned, relays" "$(answer '<x@remote.example>')" '^continue$'
done
AUTH=bob FROM='<alice@example.org>' sess postfix 203.0.113.11
like "bob (no senders listed) as alice: refused" "$(mail_answer)" '^reply 553 5\.7\.1 '

# A suspension in LDAP, seen once the cached answer expires.
ldap_admin a <<L
dn: uid=bob,ou=people,dc=example,dc=org
changetype: modify
add: objectClass
objectClass: relayMilterAccount
-
add: relayMilterSuspended
relayMilterSuspended: TRUE
L
sleep 2.2
AUTH=bob FROM='<bob@example.org>' sess postfix 203.0.113.12 '<x@remote.example>'
like "bob suspended in LDAP: refused after the TTL" "$(answer '<x@remote.example>')" 'account suspended$'

# Directory down: authenticated relay never depends on it; a known
# suspension stays.
AUTH=carol FROM='<carol@example.org>' sess postfix 203.0.113.6 '<x@remote.example>'
slapd_stop a
sleep 2.2
AUTH=carol FROM='<carol@example.org>' sess postfix 203.0.113.13 '<x@remote.example>'
like "slapd down: carol's known suspension stays" "$(answer '<x@remote.example>')" 'account suspended$'
is "slapd down: ... from the stale cache" \
	"$(json_q 'select(.client_addr == "203.0.113.13" and .rcpt != null) | .source' | tail -1)" "stale-cache"
AUTH=newbie@example.org FROM='<>' sess postfix 203.0.113.14 '<x@remote.example>'
like "slapd down: an uncached login with the null sender still relays" "$(answer '<x@remote.example>')" '^continue$'
AUTH=newbie@example.org FROM='<newbie@example.org>' sess postfix 203.0.113.15
like "slapd down: sender binding cannot be checked: 451 at MAIL FROM" "$(mail_answer)" \
	'^reply 451 4\.3\.0 <newbie@example\.org>: Temporary lookup failure$'

rm_stop
done_testing
