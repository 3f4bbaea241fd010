# lib_slapd.sh: private slapd instances for the LDAP integration tests
# (sourced). Each instance lives in $TMP/NAME: slapd.conf, an mdb database
# loaded with contrib/ldap/sample.ldif and tests/integ/data/extra.ldif, and
# listens only on 127.0.0.1 (ports chosen free) and an ldapi socket in its
# directory. Everything is stopped by PID and removed on exit.
#
#   slapd_init NAME       create config, TLS material, database
#   slapd_start NAME      start (same ports as before on a restart), wait
#   slapd_stop NAME       stop and wait for the exit
#   slapd_hang NAME / slapd_resume NAME    SIGSTOP / SIGCONT
#   slapd_uri NAME / slapd_ldaps_uri NAME
#   ldap_admin NAME ldapmodify-args...     as cn=admin (password "secret")
#   probe_start CONF / probe CMD / probe_check / probe_stop   (dirprobe)
#   write_ldap_conf FILE URIS [ldap lines] [cache lines] [policy lines]
#
# SLAPD_MAXSIZE (bytes, default 16 MB) and SLAPD_DB_CONF (extra lines for the
# mdb database, e.g. "index associatedDomain eq") are for the benchmarks'
# large directories. SLAPD_DEBUG (default 0), read by slapd_start, is its
# -d level: e.g. "stats" puts one line per operation (SRCH with the filter)
# into $TMP/NAME/slapd.log.
#
# Content sync (RFC 4533 provider, slapo-syncprov), read by slapd_init:
#   SLAPD_SYNCPROV=1          load syncprov on the mdb database, with
#                             "syncprov-checkpoint 100 1", an eq index on
#                             entryCSN,entryUUID, slapadd -w (contextCSN), an
#                             explicit "sizelimit" and unlimited size/time
#                             for the service DN (as contrib/ldap/syncprov.conf)
#   SLAPD_SESSIONLOG=N        syncprov-sessionlog N (default 100; 0: none)
#   SLAPD_RELOADHINT=TRUE     syncprov-reloadhint (default FALSE)
#   SLAPD_SIZELIMIT=N         global sizelimit (default 500, Debian's
#                             olcSizeLimit; written only with SLAPD_SYNCPROV
#                             or when set)
#   SLAPD_NO_SERVICE_LIMITS=1 leave out the service DN's "limits" line
#   slapd_syncprov NAME on|off   (un)comment the overlay in slapd.conf; takes
#                             effect at the next slapd_start
#   slapd_olc NAME            convert slapd.conf to NAME/slapd.d (root may
#                             modify cn=config over ldapi with -Y EXTERNAL);
#                             slapd_start then starts with -F
#   slapd_ldapi_uri NAME
#   sync_cookie NAME [BASE]   the cookie a refreshOnly sync search ends with
#   ldap_sync NAME BASE FILTER ro|rp[/COOKIE] [args]   a sync search as the
#                             service DN over ldapi, output on stdout
#   ldap_sync_count NAME BASE FILTER [COOKIE]   entries a refreshOnly sync
#                             search as the service DN delivers (fails unless
#                             result 0); sync_result NAME: its result code
#   ldap_persist_start NAME BASE FILTER FILE [SECONDS] / ldap_persist_stop NAME
#                             a refreshAndPersist search in the background
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/proc.sh"

SLAPD=${SLAPD:-/usr/sbin/slapd}
SLAPADD=${SLAPADD:-/usr/sbin/slapadd}
if [ ! -x "$SLAPD" ] || ! command -v ldapsearch >/dev/null; then
	echo "1..0 # SKIP slapd or ldap-utils not installed"
	exit 0
fi
# The ldap-utils the tests run must not read anyone's ldaprc either.
export LDAPNOINIT=1
DIRPROBE=$top_builddir/tests/integ/dirprobe
SERVICE_DN="cn=relaymilter,ou=services,dc=example,dc=org"
SERVICE_PW="relaymilter-secret"
# Sourced after tests/daemon/lib.sh: share its TMP (made for the service
# user) and stop its daemon too, since this trap replaces lib.sh's. (Never
# a TMP from the environment: the cleanup removes it.)
declare -F rm_start >/dev/null || TMP=$(mktemp -d /tmp/rm-ldap.XXXXXX)
PROBE_PID=

lib_slapd_cleanup() {
	local d pid
	if declare -F rm_stop >/dev/null; then rm_stop; fi
	probe_stop
	for d in "$TMP"/*/; do
		[ -f "$d/persist.pid" ] && kill "$(cat "$d/persist.pid")" 2>/dev/null
		[ -f "$d/pid" ] || continue
		pid=$(cat "$d/pid")
		kill -CONT "$pid" 2>/dev/null
		kill "$pid" 2>/dev/null
	done
	for d in "$TMP"/*/; do
		[ -f "$d/pid" ] && wait_gone "$(cat "$d/pid")"
	done
	if [ -n "${KEEP_TMP:-}" ]; then echo "# kept $TMP"; else rm -rf "$TMP"; fi
}
trap lib_slapd_cleanup EXIT

wait_gone() {
	local i
	for i in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -KILL "$1" 2>/dev/null
}

# A TCP port on 127.0.0.1 nobody listens on, below the ephemeral range (an
# outgoing connection there would make slapd's bind fail: slapd -d 0 then
# exits 1 without a word). Other suites on the host pick ports too, so
# slapd_start still checks that the listener is its own.
free_port() {
	local p lo
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	[ "${lo:-0}" -gt 12000 ] || lo=60000
	while :; do
		p=$((10000 + RANDOM % (lo - 10000)))
		ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
}

# owns_port PID PORT: PID listens on 127.0.0.1:PORT (not someone else).
owns_port() {
	ss -Hltnp "sport = :$2" | grep -q "pid=$1,"
}

# CA, server certificate for 127.0.0.1/localhost, and an unrelated CA.
make_tls() {
	local d=$TMP/tls
	[ -d "$d" ] && return
	mkdir -p "$d"
	cat >"$d/ca.tmpl" <<T
cn = "relaymilter test CA"
ca
cert_signing_key
expiration_days = 2
T
	cat >"$d/server.tmpl" <<T
cn = "localhost"
ip_address = "127.0.0.1"
dns_name = "localhost"
tls_www_server
encryption_key
signing_key
expiration_days = 2
T
	local kt="--key-type=rsa --bits=2048"
	certtool --generate-privkey $kt --outfile "$d/ca.key" 2>/dev/null
	certtool --generate-self-signed --load-privkey "$d/ca.key" --template "$d/ca.tmpl" \
		--outfile "$d/ca.pem" 2>/dev/null
	certtool --generate-privkey $kt --outfile "$d/server.key" 2>/dev/null
	certtool --generate-certificate --load-privkey "$d/server.key" \
		--load-ca-certificate "$d/ca.pem" --load-ca-privkey "$d/ca.key" \
		--template "$d/server.tmpl" --outfile "$d/server.pem" 2>/dev/null
	certtool --generate-privkey $kt --outfile "$d/wrong.key" 2>/dev/null
	sed 's/relaymilter test CA/some other CA/' "$d/ca.tmpl" >"$d/wrong.tmpl"
	certtool --generate-self-signed --load-privkey "$d/wrong.key" \
		--template "$d/wrong.tmpl" --outfile "$d/wrong-ca.pem" 2>/dev/null
	chmod 644 "$d"/*.key
	[ -s "$d/server.pem" ] && [ -s "$d/wrong-ca.pem" ]
}

# The syncprov lines of slapd.conf sit between these markers, so that
# slapd_syncprov can comment them out and back in.
SP_BEGIN="# syncprov {"
SP_END="# syncprov }"

slapd_init() {
	local d=$TMP/$1 global="" db="" overlay="" addw=""
	mkdir -p "$d/db"
	make_tls || bail_out "cannot make TLS certificates"
	if [ "${SLAPD_SYNCPROV:-0}" != 0 ]; then
		global="$SP_BEGIN
moduleload syncprov
$SP_END
sizelimit ${SLAPD_SIZELIMIT:-500}"
		db="index entryCSN,entryUUID eq"
		[ "${SLAPD_NO_SERVICE_LIMITS:-0}" != 0 ] ||
			db="$db
limits dn.exact=\"$SERVICE_DN\" size=unlimited time=unlimited"
		overlay="$SP_BEGIN
overlay syncprov
syncprov-checkpoint 100 1"
		[ "${SLAPD_SESSIONLOG:-100}" = 0 ] ||
			overlay="$overlay
syncprov-sessionlog ${SLAPD_SESSIONLOG:-100}"
		overlay="$overlay
syncprov-reloadhint ${SLAPD_RELOADHINT:-FALSE}
$SP_END"
		# contextCSN in the suffix entry from the start
		addw=-w
	elif [ -n "${SLAPD_SIZELIMIT:-}" ]; then
		global="sizelimit $SLAPD_SIZELIMIT"
	fi
	cat >"$d/slapd.conf" <<C
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include $top_srcdir/contrib/ldap/relaymilter.schema
pidfile $d/slapd.pid
argsfile $d/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
$global
TLSCACertificateFile $TMP/tls/ca.pem
TLSCertificateFile $TMP/tls/server.pem
TLSCertificateKeyFile $TMP/tls/server.key
database mdb
maxsize ${SLAPD_MAXSIZE:-16777216}
${SLAPD_DB_CONF:-}
suffix "dc=example,dc=org"
rootdn "cn=admin,dc=example,dc=org"
rootpw secret
directory $d/db
$db
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
$overlay
C
	"$SLAPADD" -q $addw -f "$d/slapd.conf" -l "$top_srcdir/contrib/ldap/sample.ldif" \
		>"$d/slapadd.log" 2>&1 &&
		"$SLAPADD" -q $addw -f "$d/slapd.conf" -l "$top_srcdir/tests/integ/data/extra.ldif" \
			>>"$d/slapadd.log" 2>&1 ||
		bail_out "slapadd failed: $(cat "$d/slapadd.log")"
	free_port >"$d/port"
	free_port >"$d/ldaps_port"
}

slapd_uri() { echo "ldap://127.0.0.1:$(cat "$TMP/$1/port")"; }
slapd_ldaps_uri() { echo "ldaps://127.0.0.1:$(cat "$TMP/$1/ldaps_port")"; }
slapd_ldapi_uri() { echo "ldapi://$(printf %s "$TMP/$1/ldapi" | sed 's,/,%2F,g')"; }

# slapd_syncprov NAME on|off: comment the syncprov lines of NAME's
# slapd.conf in or out (an instance made with SLAPD_SYNCPROV=1, not yet
# converted by slapd_olc); the indexes and limits stay. Restart to apply.
slapd_syncprov() {
	local f=$TMP/$1/slapd.conf
	grep -qxF "$SP_BEGIN" "$f" || bail_out "slapd_syncprov $1: not made with SLAPD_SYNCPROV=1"
	case $2 in
	off) sed -i "/^$SP_BEGIN\$/,/^$SP_END\$/{/^#/!s/^/#off# /}" "$f" ;;
	on) sed -i 's/^#off# //' "$f" ;;
	*) bail_out "slapd_syncprov $1: on or off, not '$2'" ;;
	esac
}

# slapd_olc NAME: turn NAME's slapd.conf (stopped) into a cn=config
# directory NAME/slapd.d, with a config database the caller's uid may
# manage over ldapi (-Y EXTERNAL), as on a packaged slapd. slapd_start
# uses it from then on.
slapd_olc() {
	local d=$TMP/$1
	{
		cat "$d/slapd.conf"
		printf '\ndatabase config\naccess to * by dn.exact=gidNumber=%s+uidNumber=%s,cn=peercred,cn=external,cn=auth manage by * none\n' \
			"$(id -g)" "$(id -u)"
	} >"$d/slapd-olc.conf"
	rm -rf "$d/slapd.d"
	mkdir -p "$d/slapd.d"
	/usr/sbin/slaptest -Q -f "$d/slapd-olc.conf" -F "$d/slapd.d" >"$d/slaptest.log" 2>&1
}

# slapd_start NAME: start and wait until this slapd (not another process
# that took the port meanwhile) listens and answers. On the first start a
# port someone else took is replaced by a fresh one; a restart keeps its
# ports (clients were configured with them).
slapd_start() {
	local d=$TMP/$1 i pid try cf
	cf=(-f "$d/slapd.conf")
	[ -d "$d/slapd.d" ] && cf=(-F "$d/slapd.d")
	for try in 1 2 3 4 5; do
		"$SLAPD" -d "${SLAPD_DEBUG:-0}" "${cf[@]}" \
			-h "$(slapd_uri "$1")/ $(slapd_ldaps_uri "$1")/ $(slapd_ldapi_uri "$1")" \
			>>"$d/slapd.log" 2>&1 &
		pid=$!
		echo $pid >"$d/pid"
		for i in $(seq 1 100); do
			if owns_port "$pid" "$(cat "$d/port")" &&
				owns_port "$pid" "$(cat "$d/ldaps_port")" &&
				ldapsearch -x -H "$(slapd_uri "$1")" -b "" -s base -o nettimeout=1 \
					>/dev/null 2>&1; then
				touch "$d/started"
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$pid" 2>/dev/null && wait_gone "$pid"
		[ -e "$d/started" ] && break
		echo "# slapd $1: port $(cat "$d/port") or $(cat "$d/ldaps_port") taken; new ports"
		free_port >"$d/port"
		free_port >"$d/ldaps_port"
	done
	rm -f "$d/pid"
	bail_out "slapd $1 did not start on $(slapd_uri "$1") $(slapd_ldaps_uri "$1"): $(tail -5 "$d/slapd.log")"
}

slapd_stop() {
	local pid
	pid=$(cat "$TMP/$1/pid")
	kill -CONT "$pid" 2>/dev/null
	kill "$pid" 2>/dev/null
	wait_gone "$pid"
	rm -f "$TMP/$1/pid"
}

# slapd_hang NAME: SIGSTOP, every thread stopped on return.
slapd_hang() { proc_hang "$(cat "$TMP/$1/pid")" "slapd $1"; }
slapd_resume() { kill -CONT "$(cat "$TMP/$1/pid")"; }

ldap_admin() {
	local name=$1
	shift
	ldapmodify -x -H "$(slapd_uri "$name")" -D "cn=admin,dc=example,dc=org" -w secret \
		"$@" >/dev/null
}

# ldap_sync NAME BASE FILTER MODE [ldapsearch args...]: a sync search
# (MODE: ro or rp, optionally /COOKIE) as the service DN over ldapi, the
# control critical; its output (entries, SyncDone, cookie) on stdout. rp
# runs until killed.
ldap_sync() {
	local name=$1 base=$2 filter=$3 mode=$4
	shift 4
	ldapsearch -x -H "$(slapd_ldapi_uri "$name")" -D "$SERVICE_DN" -w "$SERVICE_PW" \
		-o ldif_wrap=no -b "$base" -E "!sync=$mode" "$@" "$filter" 1.1
}

# sync_cookie NAME [BASE]: the cookie a refreshOnly sync search of BASE
# (default the suffix) ends with: "rid=000,csn=<contextCSN>".
sync_cookie() {
	ldap_sync "$1" "${2:-dc=example,dc=org}" "(objectClass=relaymilterNothing)" ro -s base |
		sed -n 's/^# cookie: //p'
}

# ldap_sync_count NAME BASE FILTER [COOKIE]: print how many entries a
# refreshOnly sync search (from COOKIE if given) delivers; succeed only if
# the search's result is 0. The answer stays in $TMP/NAME/sync.out, its
# result code is sync_result's. (ldapsearch's exit status is the result
# code modulo 256: 4096, e-syncRefreshRequired, would exit 0.)
ldap_sync_count() {
	local out=$TMP/$1/sync.out
	ldap_sync "$1" "$2" "$3" "ro${4:+/$4}" >"$out" 2>&1
	grep -c '^dn: ' "$out"
	[ "$(sync_result "$1")" = 0 ]
}

# sync_result NAME: the result code of NAME's last ldap_sync_count
# ("none" if ldapsearch got no result, e.g. could not connect).
sync_result() {
	local r
	r=$(sed -n 's/^result: \([0-9]*\).*/\1/p' "$TMP/$1/sync.out" | tail -1)
	echo "${r:-none}"
}

# ldap_persist_start NAME BASE FILTER FILE [SECONDS]: a refreshAndPersist
# sync search as the service DN in the background, its output in FILE,
# ended after SECONDS (default 30) or by ldap_persist_stop NAME.
ldap_persist_start() {
	timeout "${5:-30}" ldapsearch -x -H "$(slapd_ldapi_uri "$1")" -D "$SERVICE_DN" \
		-w "$SERVICE_PW" -o ldif_wrap=no -b "$2" -E '!sync=rp' "$3" 1.1 >"$4" 2>&1 &
	echo $! >"$TMP/$1/persist.pid"
}
ldap_persist_stop() {
	local f=$TMP/$1/persist.pid
	[ -f "$f" ] || return 0
	kill "$(cat "$f")" 2>/dev/null
	wait_gone "$(cat "$f")"
	rm -f "$f"
}

# write_ldap_conf FILE "uri1 uri2" [ldap lines] [cache lines] [policy lines]
write_ldap_conf() {
	local f=$1 uris="" u
	for u in $2; do uris="$uris${uris:+, }\"$u\""; done
	printf '%s\n' "$SERVICE_PW" >"$TMP/ldap.secret"
	chmod 600 "$TMP/ldap.secret"
	cat >"$f" <<CONF
socket = "unix:$TMP/rm.sock";
policy = {
  local_domains = [ "static.example" ];
  allow_networks = [ "127.0.0.0/8" ];
  ${5:-}
};
ldap = {
  uri = [ $uris ];
  bind_dn = "$SERVICE_DN";
  bind_password_file = "$TMP/ldap.secret";
  timeout = 1.0;
  budget = 2.5;
  domains = { base = "ou=domains,dc=example,dc=org";
              filter = "(&(objectClass=domainRelatedObject)(associatedDomain=%s))"; };
  networks = { base = "ou=networks,dc=example,dc=org"; refresh = 10; };
  ${3:-}
};
cache = { ${4:-} };
log = { syslog = false; };
CONF
	chmod 644 "$f"
}

# The probe: a long-lived dirprobe on a coprocess.
probe_start() {
	# PROBE_CWD and PROBE_ENV (env(1) arguments) let a test plant ldaprc
	# files and LDAP* variables that must be ignored.
	coproc PROBE {
		cd "${PROBE_CWD:-.}" &&
			exec env ${PROBE_ENV:-} "$DIRPROBE" "$1" 2>>"$TMP/probe.err"
	}
	PROBE_PID=$PROBE_PID
	local line
	read -t 30 -r line <&"${PROBE[0]}"
	[ "$line" = ready ] || bail_out "dirprobe did not start: $(cat "$TMP/probe.err")"
}

# probe CMD: one answer line in $REPLY_LINE (also printed).
probe() {
	echo "$1" >&"${PROBE[1]}"
	REPLY_LINE=
	read -t 30 -r REPLY_LINE <&"${PROBE[0]}"
	printf '%s\n' "$REPLY_LINE"
}

# probe_check: the -n -n report in $REPORT, its status in $CHECK_RC.
probe_check() {
	local line
	REPORT=
	echo check >&"${PROBE[1]}"
	while read -t 60 -r line <&"${PROBE[0]}"; do
		case $line in
		"check "*) CHECK_RC=${line#check }; return ;;
		*) REPORT="$REPORT$line"$'\n' ;;
		esac
	done
	CHECK_RC=timeout
}

probe_stop() {
	[ -n "${PROBE_PID:-}" ] || return 0
	echo quit >&"${PROBE[1]}" 2>/dev/null
	wait_gone "$PROBE_PID"
	PROBE_PID=
	# Under ASan/UBSan (a sanitizer build), dirprobe's reports land in
	# probe.err; its exit status is not seen here, so look for them.
	if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:|WARNING: ThreadSanitizer' "$TMP/probe.err" 2>/dev/null; then
		not_ok "dirprobe ran clean under the sanitizers" \
			"$(grep -E -A20 'ERROR: (Address|Leak)Sanitizer|runtime error:|WARNING: ThreadSanitizer' "$TMP/probe.err" | head -40)"
		: >"$TMP/probe.err"
	fi
}

# Fields of a probe answer: "status source ms detail..."
ans_status() { printf '%s' "$1" | cut -d' ' -f1; }
ans_source() { printf '%s' "$1" | cut -d' ' -f2; }
ans_ms() { printf '%s' "$1" | cut -d' ' -f3 | cut -d. -f1; }

# probe_until SECONDS CMD "STATUS SOURCE": repeat CMD until it answers so.
probe_until() {
	local end=$((SECONDS + $1))
	while [ $SECONDS -le $end ]; do
		probe "$2" >/dev/null
		[ "$(ans_status "$REPLY_LINE") $(ans_source "$REPLY_LINE")" = "$3" ] && return 0
		sleep 0.2
	done
	return 1
}
