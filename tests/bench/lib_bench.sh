# lib_bench.sh: pieces shared by run-bench.sh and soak.sh (sourced after
# tests/integ/lib_slapd.sh, whose $TMP and slapd instances it uses).
#
#   bench_spawn NAME CMD..        start CMD in the background, stdout and
#                                 stderr to $TMP/NAME.log (or /dev/null when
#                                 NAME ends in "-quiet"); stopped by PID at exit
#   bench_stop PID                TERM, wait (KILL after 8 s)
#   wait_socket PATH              until the unix socket exists (10 s)
#   rss_kb PID                    VmRSS of PID in kB
#   null_start                    the null milter on $TMP/null.sock
#   rm_config NAME [LDAP-URI] [CACHE-LINES] [EXTRA-POLICY]
#                                 $TMP/NAME.conf for a daemon on $TMP/NAME.sock
#   rm_up NAME                    start relaymilter with $TMP/NAME.conf
#   dir_create NAME N             slapd NAME with N generated domains
#                                 d0.bench.test ... (indexed), started
#   lg LABEL SOCK ENVFILE CONC SECONDS [loadgen args]
#                                 one loadgen run; its RESULT line (with
#                                 LABEL's scenario and concurrency) goes to
#                                 $RESULTS and stdout
#
# Every daemon listens on a unix socket under $TMP or on 127.0.0.1.
: "${top_srcdir:?}" "${top_builddir:?}"

LOADGEN=$top_builddir/tests/bench/loadgen
NULLMILTER=$top_builddir/tests/bench/nullmilter
LDAPBASE=$top_builddir/tests/bench/ldapbase
RELAYMILTER=$top_builddir/relaymilter
ENV_DIR=$top_srcdir/tests/bench
BENCH_PIDS=
chmod 755 "$TMP"

bench_cleanup() {
	local p
	for p in $BENCH_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $BENCH_PIDS; do
		wait_gone "$p"
	done
	lib_slapd_cleanup
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

bench_spawn() {
	local name=$1 out
	shift
	case $name in *-quiet) out=/dev/null ;; *) out=$TMP/$name.log ;; esac
	"$@" >"$out" 2>&1 &
	BENCH_PIDS="$BENCH_PIDS $!"
	SPAWNED=$!
}

bench_stop() {
	kill -TERM "$1" 2>/dev/null
	wait_gone "$1"
	wait "$1" 2>/dev/null
	BENCH_PIDS=$(printf '%s\n' $BENCH_PIDS | grep -vx "$1" | tr '\n' ' ')
}

wait_socket() {
	local i
	for i in $(seq 1 100); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

null_start() {
	rm -f "$TMP/null.sock"
	bench_spawn null "$NULLMILTER" -p "unix:$TMP/null.sock"
	NULL_PID=$SPAWNED
	wait_socket "$TMP/null.sock" || bail_out "null milter did not start: $(cat "$TMP/null.log")"
	chmod 0666 "$TMP/null.sock" # for Postfix's smtpd (e2e-bench.sh)
}

# rm_config NAME [LDAP-URI] [CACHE-LINES] [EXTRA-POLICY]
# Static local domain bench.test with match_subdomains, so d42.bench.test
# and mx.d42.bench.test are local without LDAP; with LDAP-URI the static
# list holds only static.example and the d*.bench.test domains come from
# the directory. RM_ALLOW overrides the static allowlist. Decision log:
# JSON off, syslog off; the daemon runs with
# -f, so each decision line is still formatted and written to stderr
# (/dev/null here): the cost of one log line per decision stays in.
rm_config() {
	local name=$1 uri=${2:-} cache=${3:-} extra=${4:-} user= domains='"bench.test"'
	local allow=${RM_ALLOW:-'"127.0.0.0/8", "192.0.2.0/24"'}
	[ "$(id -u)" -eq 0 ] && user='user = "nobody";'
	[ -n "$uri" ] && domains='"static.example"'
	printf '%s\n' "$SERVICE_PW" >"$TMP/ldap.secret"
	chmod 600 "$TMP/ldap.secret"
	[ -n "$user" ] && chown nobody "$TMP/ldap.secret"
	{
		cat <<-CONF
		socket = "unix:$TMP/$name.sock";
		socket_mode = "0666";
		$user
		policy = {
		  local_domains = [ $domains ];
		  match_subdomains = true;
		  allow_networks = [ $allow ];
		  $extra
		};
		log = { syslog = false; accepts = true; };
		cache = { $cache };
		CONF
		if [ -n "$uri" ]; then
			cat <<-CONF
			ldap = {
			  uri = [ "$uri" ];
			  bind_dn = "$SERVICE_DN";
			  bind_password_file = "$TMP/ldap.secret";
			  timeout = 2.0;
			  domains = { base = "ou=domains,dc=example,dc=org"; };
			  networks = { base = "ou=networks,dc=example,dc=org"; };
			};
			CONF
		fi
	} >"$TMP/$name.conf"
	chmod 644 "$TMP/$name.conf"
}

# rm_up NAME: start relaymilter on $TMP/NAME.conf; its PID in RM_PID_<NAME>.
rm_up() {
	local name=$1
	rm -f "$TMP/$name.sock"
	bench_spawn "rm-$name-quiet" "$RELAYMILTER" -f -c "$TMP/$name.conf"
	eval "RM_PID_$name=$SPAWNED"
	wait_socket "$TMP/$name.sock" || {
		"$RELAYMILTER" -n -c "$TMP/$name.conf" >&2
		bail_out "relaymilter $name did not start"
	}
}

# The generated directory: N domains under ou=domains, an equality index on
# associatedDomain (what any real deployment has).
gen_domains_ldif() {
	awk -v n="$1" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "dn: associatedDomain=d%d.bench.test,ou=domains,dc=example,dc=org\nobjectClass: relayDomain\nobjectClass: domainRelatedObject\nassociatedDomain: d%d.bench.test\n\n", i, i
	}'
}

# dir_create NAME N: slapd NAME with N domains; slapadd's time in
# SLAPADD_SECONDS_<NAME>.
dir_create() {
	local name=$1 n=$2 t0 t1
	SLAPD_MAXSIZE=$((4 * 1024 * 1024 * 1024)) \
		SLAPD_DB_CONF="index objectClass,associatedDomain eq" slapd_init "$name"
	gen_domains_ldif "$n" >"$TMP/$name/domains.ldif"
	t0=$(date +%s.%N)
	"$SLAPADD" -q -f "$TMP/$name/slapd.conf" -l "$TMP/$name/domains.ldif" \
		>>"$TMP/$name/slapadd.log" 2>&1 || bail_out "slapadd $name: $(tail -3 "$TMP/$name/slapadd.log")"
	t1=$(date +%s.%N)
	rm -f "$TMP/$name/domains.ldif"
	eval "SLAPADD_SECONDS_$name=$(echo "$t1 - $t0" | bc)"
	slapd_start "$name"
}

# lg LABEL SOCK ENVFILE CONC SECONDS [loadgen args...]: LABEL is
# SCENARIO; the RESULT line gets scenario= and goes to $RESULTS.
lg() {
	local label=$1 sock=$2 env=$3 conc=$4 secs=$5 line
	shift 5
	line=$("$LOADGEN" -q -s "unix:$sock" -e "$env" -c "$conc" -d "$secs" -l "$label" "$@" |
		grep '^RESULT') || :
	[ -n "$line" ] || line="RESULT label=$label conns=$conc failed=1"
	printf '%s scenario=%s\n' "$line" "$label" | tee -a "$RESULTS"
}
