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
# large directories.
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/tap.sh"

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

slapd_init() {
	local d=$TMP/$1
	mkdir -p "$d/db"
	make_tls || bail_out "cannot make TLS certificates"
	cat >"$d/slapd.conf" <<C
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include $top_srcdir/contrib/ldap/relaymilter.schema
pidfile $d/slapd.pid
argsfile $d/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
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
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
C
	"$SLAPADD" -q -f "$d/slapd.conf" -l "$top_srcdir/contrib/ldap/sample.ldif" \
		>"$d/slapadd.log" 2>&1 &&
		"$SLAPADD" -q -f "$d/slapd.conf" -l "$top_srcdir/tests/integ/data/extra.ldif" \
			>>"$d/slapadd.log" 2>&1 ||
		bail_out "slapadd failed: $(cat "$d/slapadd.log")"
	free_port >"$d/port"
	free_port >"$d/ldaps_port"
}

slapd_uri() { echo "ldap://127.0.0.1:$(cat "$TMP/$1/port")"; }
slapd_ldaps_uri() { echo "ldaps://127.0.0.1:$(cat "$TMP/$1/ldaps_port")"; }

# slapd_start NAME: start and wait until this slapd (not another process
# that took the port meanwhile) listens and answers. On the first start a
# port someone else took is replaced by a fresh one; a restart keeps its
# ports (clients were configured with them).
slapd_start() {
	local d=$TMP/$1 i pid try
	for try in 1 2 3 4 5; do
		"$SLAPD" -d 0 -f "$d/slapd.conf" \
			-h "$(slapd_uri "$1")/ $(slapd_ldaps_uri "$1")/ ldapi://$(printf %s "$d/ldapi" | sed 's,/,%2F,g')" \
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

# SIGSTOP is asynchronous: on a loaded host a slapd thread woken by a
# request can still answer it before the group stop reaches it. Return only
# once every thread is stopped.
slapd_hang() {
	local pid t running
	pid=$(cat "$TMP/$1/pid")
	kill -STOP "$pid"
	for _ in $(seq 1 100); do
		running=
		for t in /proc/"$pid"/task/*/stat; do
			# the state is the field after the ")" closing the command name
			case $(sed 's/.*) //' "$t" 2>/dev/null | cut -c1) in T | t | "") ;; *) running=1 ;; esac
		done
		[ -z "$running" ] && return 0
		sleep 0.01
	done
	echo "# slapd $1: not every thread stopped after SIGSTOP"
}
slapd_resume() { kill -CONT "$(cat "$TMP/$1/pid")"; }

ldap_admin() {
	local name=$1
	shift
	ldapmodify -x -H "$(slapd_uri "$name")" -D "cn=admin,dc=example,dc=org" -w secret \
		"$@" >/dev/null
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
	if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TMP/probe.err" 2>/dev/null; then
		not_ok "dirprobe ran clean under the sanitizers" \
			"$(grep -E -A20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TMP/probe.err" | head -40)"
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
