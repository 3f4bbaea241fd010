# lib_ldapd.sh: the real daemon against a real slapd, for the integ tests
# that drive it over the milter protocol (ldap_daemon.sh, ldap_reload.sh).
# Source after tests/daemon/lib.sh and tests/integ/lib_slapd.sh. Gives:
#   conf [cache lines] [policy lines] [secret file] [ldap lines]  -> $CONF
#   reload                 SIGUSR1 and wait for the next generation
#   sess PRESET ADDR RCPT...   one transaction; output in $OUT
#   answer RCPT / logged CLIENT RCPT / until_answer / ms_since
# TIMEOUT, BUDGET, REFRESH may be set before sourcing.
CONF=$TMP/relaymilter.conf
SECRET=$TMP/ldap.secret
BADSECRET=$TMP/bad.secret
TIMEOUT=${TIMEOUT:-1.0}
BUDGET=${BUDGET:-2.5}
REFRESH=${REFRESH:-10} # the smallest ldap.networks.refresh conf/keys.c allows
GEN=1      # the daemon's configuration generation (reload count + 1)
export LOCAL_DOMAINS='"static.example"' # everything else comes from LDAP

printf '%s\n' "$SERVICE_PW" >"$SECRET"
printf 'wrong\n' >"$BADSECRET"
chmod 600 "$SECRET" "$BADSECRET"
# A reload reads the password file as the service user (it owns it, 0600).
[ -n "$RM_USER" ] && chown "$RM_USER" "$SECRET" "$BADSECRET"

# conf [cache lines] [policy lines] [secret file] [ldap lines]: the config.
conf() {
	write_config "$CONF" "match_subdomains = true; ${2:-}" "
ldap = {
  uri = [ \"$(slapd_uri a)\" ];
  bind_dn = \"$SERVICE_DN\";
  bind_password_file = \"${3:-$SECRET}\";
  timeout = $TIMEOUT;
  budget = $BUDGET;
  domains = { base = \"ou=domains,dc=example,dc=org\"; };
  networks = { base = \"ou=networks,dc=example,dc=org\"; refresh = $REFRESH; };
  ${4:-}
};
cache = { ${1:-positive_ttl = 300; negative_ttl = 300; stale_ttl = 3600;} };"
}

# reload: SIGUSR1, then wait until the daemon says it loaded the new config.
reload() {
	GEN=$((GEN + 1))
	kill -USR1 "$RM_PID"
	for _ in $(seq 1 100); do
		grep -q "(generation $GEN)" "$TMP/stderr" && return 0
		sleep 0.05
	done
	echo "# reload to generation $GEN not logged:"
	tail -5 "$TMP/stderr" | sed 's/^/#   /'
	return 1
}

# sess PRESET CLIENT_ADDR RCPT...: one transaction (SMTP AUTH as $AUTH when
# set, from $FROM when set); the mtclient output in $OUT.
sess() {
	local preset=$1 addr=$2 r
	shift 2
	OUT=$({
		echo "connect client.example.net $addr"
		echo "helo client.example.net"
		[ -n "${AUTH:-}" ] && echo "auth $AUTH PLAIN"
		echo "mail ${FROM:-<a@sender.example>}"
		for r in "$@"; do printf 'rcpt %s\n' "$r"; done
		echo abort
		echo quit
	} | mt "$preset" 2>&1)
}

# answer RCPT: what the daemon answered RCPT in the last sess ("continue",
# "reply 550 5.7.1 ...").
answer() {
	local key=${1//\\/\\\\} line # mtclient shows a backslash doubled
	line=$(grep -F -- "rcpt $key: " <<<"$OUT" | head -1)
	printf '%s' "${line#"rcpt $key: "}"
}

# logged CLIENT RCPT: "action reason source" of the last decision logged.
logged() {
	json_q "select(.client_addr == \"$1\" and .rcpt == \"$2\") | [.action,.reason,.source] | join(\" \")" | tail -1
}

# until_answer SECONDS PRESET CLIENT RCPT REGEX: repeat until it answers so.
until_answer() {
	local end=$((SECONDS + $1)) preset=$2 client=$3 rcpt=$4 re=$5
	while [ $SECONDS -le $end ]; do
		sess "$preset" "$client" "$rcpt"
		answer "$rcpt" | grep -Eq -- "$re" && return 0
		sleep 0.25
	done
	echo "# last answer to $rcpt: $(answer "$rcpt")"
	return 1
}

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

DENIED='^reply 550 5\.7\.1 <[^>]*>: Relay access denied$'
TEMPFAIL='^reply 451 4\.3\.0 <[^>]*>: Temporary lookup failure$'
T_START=$SECONDS

