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
#                                 d0.bench.test ... (indexed), started;
#                                 with SLAPD_SYNCPROV=1 a content-sync
#                                 provider (slapadd -w)
#                                 (DIR_PEOPLE=M: also M accounts
#                                 uid=u0 ... from gen_people.sh, and an eq
#                                 index on uid and mail)
#   sync_up NAME                  relaymilter in sync mode ($TMP/NAME.conf),
#                                 its log in $TMP/rm-NAME.log; waits for the
#                                 first complete refresh of the domains
#   sync_report NAME LABEL        a SYNC line: refresh time, entries, RSS, HWM
#   sync_up_quiet NAME            the same with stderr to /dev/null (as
#                                 rm_up) and the Prometheus textfile
#                                 $TMP/prom-NAME/relaymilter.prom (made
#                                 with RM_TOP=$(sync_stats NAME)) to see
#                                 the refresh; prom_value NAME METRIC
#   status_kb PID FIELD           a /proc/PID/status field (VmRSS, VmHWM), kB
#   edit_latency NAME DIR N LABEL N edits (add, delete, ...) over ldapi,
#                                 each timed until the daemon's decision
#                                 changes; a SYNCEDIT line to $RESULTS
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
MTCLIENT=$top_builddir/tests/mtclient
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
# RM_LDAP: extra lines for the ldap group (e.g. 'mode = "sync";'); RM_TOP:
# extra top-level lines (e.g. a stats group).
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
		${RM_TOP:-}
		CONF
		if [ -n "$uri" ]; then
			cat <<-CONF
			ldap = {
			  ${RM_LDAP:-}
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
	local name=$1 n=$2 t0 t1 addw= idx=objectClass,associatedDomain
	[ "${DIR_PEOPLE:-0}" != 0 ] && idx=$idx,uid,mail
	SLAPD_MAXSIZE=$((4 * 1024 * 1024 * 1024)) \
		SLAPD_DB_CONF="index $idx eq" slapd_init "$name"
	# a provider's contextCSN must cover the generated entries too
	[ "${SLAPD_SYNCPROV:-0}" != 0 ] && addw=-w
	gen_domains_ldif "$n" >"$TMP/$name/domains.ldif"
	t0=$(date +%s.%N)
	"$SLAPADD" -q $addw -f "$TMP/$name/slapd.conf" -l "$TMP/$name/domains.ldif" \
		>>"$TMP/$name/slapadd.log" 2>&1 || bail_out "slapadd $name: $(tail -3 "$TMP/$name/slapadd.log")"
	t1=$(date +%s.%N)
	rm -f "$TMP/$name/domains.ldif"
	if [ "${DIR_PEOPLE:-0}" != 0 ]; then
		sh "$top_srcdir/tests/bench/gen_people.sh" "$DIR_PEOPLE" >"$TMP/$name/people.ldif"
		"$SLAPADD" -q $addw -f "$TMP/$name/slapd.conf" -l "$TMP/$name/people.ldif" \
			>>"$TMP/$name/slapadd.log" 2>&1 || bail_out "slapadd people $name: $(tail -3 "$TMP/$name/slapadd.log")"
		rm -f "$TMP/$name/people.ldif"
	fi
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

# sync_up NAME: start relaymilter on $TMP/NAME.conf (made with RM_LDAP
# 'mode = "sync";'), its stderr (messages, counters and decision lines) in
# $TMP/rm-NAME.log rather than /dev/null, so that the refresh can be seen;
# wait (BENCH_SYNC_WAIT s, default 300) for the domains' first complete
# refresh. RM_PID_<NAME>; SYNC_REFRESH_S: seconds from the start of the
# process to the "refresh complete" line (polled every 50 ms).
sync_up() {
	local name=$1 log=$TMP/rm-$1.log t0 end
	rm -f "$TMP/$name.sock"
	: >"$log"
	chmod 644 "$log"
	t0=$EPOCHREALTIME
	"$RELAYMILTER" -f -c "$TMP/$name.conf" >>"$log" 2>&1 &
	BENCH_PIDS="$BENCH_PIDS $!"
	eval "RM_PID_$name=$!"
	end=$((SECONDS + ${BENCH_SYNC_WAIT:-300}))
	until grep -q '^.*ldap sync domains: refresh complete' "$log"; do
		[ $SECONDS -le $end ] && kill -0 "$(eval echo "\$RM_PID_$name")" 2>/dev/null ||
			bail_out "relaymilter $name: no complete refresh: $(tail -3 "$log")"
		sleep 0.05
	done
	SYNC_REFRESH_S=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	wait_socket "$TMP/$name.sock" || bail_out "relaymilter $name: no socket"
}

# sync_stats NAME: the stats group for sync_up_quiet's textfile.
sync_stats() {
	mkdir -p "$TMP/prom-$1"
	[ "$(id -u)" -eq 0 ] && chown nobody "$TMP/prom-$1"
	printf 'stats = { textfile = "%s"; interval = 1; };' "$TMP/prom-$1/relaymilter.prom"
}

# prom_value NAME METRIC: METRIC's value (the line starting "METRIC ") in
# the textfile of NAME, after its next write (interval 1 s).
prom_value() {
	local f=$TMP/prom-$1/relaymilter.prom m
	m=$(stat -c %Y.%y "$f" 2>/dev/null)
	for _ in $(seq 1 60); do
		[ "$(stat -c %Y.%y "$f" 2>/dev/null)" != "$m" ] && break
		sleep 0.05
	done
	awk -v m="$2" 'index($0, m " ") == 1 { print $2 }' "$f"
}

# sync_up_quiet NAME: as sync_up, but stderr to /dev/null as for every
# other daemon of the bench (the decision lines cost what they cost
# there); the end of the refresh is seen in the textfile.
sync_up_quiet() {
	local name=$1 end f=$TMP/prom-$1/relaymilter.prom
	rm -f "$f"
	rm_up "$name"
	end=$((SECONDS + ${BENCH_SYNC_WAIT:-300}))
	until grep -q '^relaymilter_sync_complete{set="domains"} 1$' "$f" 2>/dev/null; do
		[ $SECONDS -le $end ] || bail_out "relaymilter $name: no complete refresh"
		sleep 0.1
	done
}

# sync_report NAME LABEL: "SYNC label=LABEL refresh_s= entries= rss_kb=
# hwm_kb=" to $RESULTS, just after sync_up NAME.
sync_report() {
	local pid entries
	pid=$(eval echo "\$RM_PID_$1")
	entries=$(grep -a 'ldap sync domains: refresh complete' "$TMP/rm-$1.log" | head -1 |
		sed 's/.*: \([0-9]*\) entries.*/\1/')
	echo "SYNC label=$2 refresh_s=$SYNC_REFRESH_S entries=$entries rss_kb=$(status_kb "$pid" VmRSS) hwm_kb=$(status_kb "$pid" VmHWM)" |
		tee -a "$RESULTS"
}

# status_kb PID FIELD: a /proc/PID/status field (VmRSS, VmHWM) in kB.
status_kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null
}

# edit_latency NAME DIR N LABEL: N edits of slapd DIR, as cn=admin over
# ldapi, alternately adding e<i>.edit.test and deleting the one just added;
# after each, one milter session (mtclient, kept open) asks the daemon NAME
# about <u@e<i>.edit.test> every BENCH_SYNC_POLL_MS (5) ms until the answer
# changes (550 -> continue, continue -> 550). The delay runs from just
# before ldapmodify starts; ldapmodify's own time is reported too. One
# "SYNCEDIT label=LABEL edits=N ..." line (ms, nearest rank) to $RESULTS.
edit_latency() {
	local name=$1 dir=$2 n=$3 label=$4 i dom want line t0 t1 t2 got mtpid
	local poll=${BENCH_SYNC_POLL_MS:-5} uri nap=$TMP/nap-$1 lat=$TMP/editlat-$1
	uri=$(slapd_ldapi_uri "$dir")
	rm -f "$nap"
	mkfifo "$nap"
	exec {NAP}<>"$nap"
	coproc MT { exec "$MTCLIENT" -s "unix:$TMP/$name.sock" -m postfix -t 15 -; }
	mtpid=$MT_PID
	printf 'connect client.example.net 203.0.113.9\nhelo client.example.net\n' >&"${MT[1]}"
	: >"$lat"
	for i in $(seq 1 "$n"); do
		dom=e$(((i + 1) / 2)).edit.test
		want=reply
		[ $((i % 2)) = 1 ] && want=continue
		t0=$EPOCHREALTIME
		if [ $want = continue ]; then
			printf 'dn: associatedDomain=%s,ou=domains,dc=example,dc=org\nchangetype: add\nobjectClass: relayDomain\nobjectClass: domainRelatedObject\nassociatedDomain: %s\n' "$dom" "$dom"
		else
			printf 'dn: associatedDomain=%s,ou=domains,dc=example,dc=org\nchangetype: delete\n' "$dom"
		fi | ldapmodify -x -H "$uri" -D "cn=admin,dc=example,dc=org" -w secret >/dev/null ||
			bail_out "edit_latency: ldapmodify failed"
		t1=$EPOCHREALTIME
		while :; do
			printf 'mail <s@sender.example>\nrcpt <u@%s>\nabort\n' "$dom" >&"${MT[1]}"
			got=
			while read -t 15 -r line <&"${MT[0]}"; do
				case $line in "rcpt "*) got=${line#*: }; break ;; esac
			done
			[ -n "$got" ] || bail_out "edit_latency: no answer from $name"
			case $got in "$want"*) break ;; esac
			awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a > 30) }' &&
				bail_out "edit_latency: $dom still answered '$got' after 30 s"
			read -t "0.$(printf '%03d' "$poll")" -u "$NAP" || :
		done
		t2=$EPOCHREALTIME
		echo "$t0 $t1 $t2" >>"$lat"
	done
	echo quit >&"${MT[1]}"
	wait_gone "$mtpid"
	exec {NAP}>&-
	# nearest rank over the sorted delays
	awk '{ printf "%.3f %.3f\n", ($3 - $1) * 1000, ($2 - $1) * 1000 }' "$lat" | sort -n >"$lat.ms"
	sort -n -k2 "$lat.ms" | awk -v label="$label" -v poll="$poll" -v sorted="$lat.ms" '
		function rank(n, p,   k) { k = int(p * n + 0.999999); return k < 1 ? 1 : k }
		{ m[NR] = $2 }
		END { n = NR
			while ((getline l < sorted) > 0) { split(l, x, " "); d[++i] = x[1] }
			printf "SYNCEDIT label=%s edits=%d p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f ldapmodify_p50_ms=%.1f poll_ms=%d\n",
				label, n, d[rank(n, 0.5)], d[rank(n, 0.9)], d[rank(n, 0.99)], d[n], m[rank(n, 0.5)], poll }' |
		tee -a "$RESULTS"
}
