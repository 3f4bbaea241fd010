# lib_common.sh: shared pieces of the end-to-end harness (sourced).
#
#   e2e_init NAME         make $E2E_DIR (mktemp -d), install the EXIT trap
#   e2e_spawn NAME CMD..  start CMD in the background, remember its PID;
#                         every remembered PID is stopped when the test ends
#   e2e_on_exit CMD       run CMD (a function name) before the PIDs are killed
#   free_port             print a loopback TCP port nobody listens on
#   sink_start NAME       smtp-sink on 127.0.0.1:$SINK_PORT_<NAME>, one file
#                         per transaction under $E2E_DIR/sink-NAME/
#   sink_wait NAME CASE RCPT    wait until RCPT of message CASE reached NAME
#   sink_rcpts NAME       every recipient that ever reached NAME, sorted
#   relaymilter_config NAME [MODE] [EXTRA-POLICY] [EXTRA-TOP]
#   relaymilter_start NAME / relaymilter_kill NAME
#   send CASE SWAKS-ARGS..   swaks with an X-E2E-Case header; transcript in
#                         $E2E_DIR/swaks-CASE.log, also printed on stdout
#   rcpt_reply LOG RCPT   the server's reply line to RCPT TO:<RCPT>
#   case_decision_field NAME CASE STAGE FIELD   FIELD of the decision about
#                         case CASE at STAGE ("mail", or a recipient)
#
# Everything listens on 127.0.0.1, ::1 or unix sockets under $E2E_DIR.
# Set E2E_KEEP=1 to keep $E2E_DIR for inspection.

E2E_PIDS=
E2E_EXIT_HOOKS=
E2E_PORTS_TAKEN=

# Remote domains used by the tests; everything not local goes to the sink.
LOCAL_DOMAIN=local.test
REMOTE_DOMAIN=remote.test
ALLOW_NET4=192.0.2.0/24
ALLOW_NET6=2001:db8:1::/48
CLIENT_ALLOWED4=192.0.2.10
CLIENT_ALLOWED6=2001:db8:1::10
CLIENT_OUTSIDE4=203.0.113.9
CLIENT_OUTSIDE6=2001:db8:bad::9
SASL_USER=alice
SASL_PASS='s3cret-Pa55'
# A second SASL user (same password), suspended in the accounts cases.
SASL_SUSPENDED_USER=carol

e2e_init() {
	local name=$1

	E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/rm-e2e-$name.XXXXXX") || bail_out "mktemp failed"
	# Postfix and relaymilter drop privileges: the tree must be traversable.
	chmod 0755 "$E2E_DIR"
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM
}

e2e_on_exit() {
	E2E_EXIT_HOOKS="$E2E_EXIT_HOOKS $1"
}

e2e_spawn() {
	local name=$1
	shift
	"$@" >"$E2E_DIR/$name.out" 2>&1 &
	E2E_PIDS="$E2E_PIDS $!"
	eval "E2E_PID_$name=$!"
}

e2e_stop_pid() {
	local pid=$1 i

	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

# e2e_stop_pids PID...: TERM them all at once (CONT first: a test may have
# left one stopped), then give them 8 s together (libmilter only notices a
# stop request on its 5 s listener poll), KILL what is left, reap.
e2e_stop_pids() {
	local p alive i
	for p in "$@"; do
		kill -CONT "$p" 2>/dev/null
		kill -TERM "$p" 2>/dev/null
	done
	for i in $(seq 1 80); do
		alive=
		for p in "$@"; do
			kill -0 "$p" 2>/dev/null && alive="$alive $p"
		done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for p in $alive; do
		echo "# pid $p ignored SIGTERM for 8 s: killed"
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
}

e2e_cleanup() {
	local rc=$? h

	for h in $E2E_EXIT_HOOKS; do
		"$h" || :
	done
	# shellcheck disable=SC2086
	e2e_stop_pids $E2E_PIDS
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "# kept $E2E_DIR"
	elif [ -n "${E2E_DIR:-}" ] && [ -d "$E2E_DIR" ]; then
		rm -rf "$E2E_DIR"
	fi
	exit "$rc"
}

port_in_use() {
	ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

free_port() {
	local p n

	for n in $(seq 1 200); do
		# below the ephemeral range (32768-), where a client socket of an
		# earlier connection could hold the port
		p=$((10000 + RANDOM % 22000))
		case " $E2E_PORTS_TAKEN " in *" $p "*) continue ;; esac
		port_in_use "$p" && continue
		E2E_PORTS_TAKEN="$E2E_PORTS_TAKEN $p"
		echo "$p"
		return 0
	done
	return 1
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s.
wait_for() {
	local tries=$(($1 * 10))
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

sink_start() {
	local name=$1 port

	port=$(free_port) || bail_out "no free port"
	mkdir -p "$E2E_DIR/sink-$name"
	chown nobody "$E2E_DIR/sink-$name" 2>/dev/null || chmod 0777 "$E2E_DIR/sink-$name"
	# -u: smtp-sink insists on dropping root; the hostname differs from the
	# MTA's so the MTA's mail-loop check stays quiet.
	e2e_spawn "sink_$name" smtp-sink -u nobody -h "sink-$name.test" \
		-d "$E2E_DIR/sink-$name/%s." "127.0.0.1:$port" 64
	eval "SINK_PORT_$name=$port"
	wait_for 5 port_in_use "$port" || bail_out "smtp-sink $name did not start"
}

sink_has() {
	local files
	files=$(grep -l "^X-E2E-Case: $2\$" "$E2E_DIR/sink-$1"/* 2>/dev/null) || return 1
	# shellcheck disable=SC2086
	grep -qiF "X-Rcpt-Args: <$3>" $files
}

sink_wait() {
	wait_for "${4:-20}" sink_has "$1" "$2" "$3"
}

# Messages of CASE that reached sink NAME (0 when none).
sink_count() {
	grep -l "^X-E2E-Case: $2\$" "$E2E_DIR/sink-$1"/* 2>/dev/null | wc -l
}

sink_rcpts() {
	cat "$E2E_DIR/sink-$1"/* 2>/dev/null | sed -n 's/^X-Rcpt-Args: <\(.*\)>.*/\1/p' |
		tr 'A-Z' 'a-z' | sort -u
}

# The relaymilter binary, or empty when the daemon is not built yet.
relaymilter_bin() {
	local b="${top_builddir:-.}/relaymilter"
	[ -x "$b" ] && echo "$b"
}

# relaymilter_config NAME [MODE] [EXTRA-POLICY] [EXTRA-TOP]: write
# $E2E_DIR/NAME.conf for a daemon listening on $E2E_DIR/NAME.sock.
relaymilter_config() {
	local name=$1 mode=${2:-enforce} extra_policy=${3:-} extra_top=${4:-}
	local user_line=

	[ "$(id -u)" = 0 ] && user_line='user = "nobody";'
	mkdir -p "$E2E_DIR/rm-$name"
	chown nobody "$E2E_DIR/rm-$name" 2>/dev/null || :
	cat >"$E2E_DIR/$name.conf" <<-EOF
	// generated by tests/e2e for one test run
	socket = "unix:$E2E_DIR/rm-$name/relaymilter.sock";
	socket_mode = "0666";
	$user_line
	mode = "$mode";
	policy = {
	  local_domains = [ "$LOCAL_DOMAIN" ];
	  allow_networks = [ "$ALLOW_NET4", "$ALLOW_NET6" ];
	  allow_authenticated = true;
	  unauth_local_sender = "log";
	  on_lookup_error = "tempfail";
	  $extra_policy
	};
	log = { syslog = false; json = "$E2E_DIR/rm-$name/decisions.json"; accepts = true; };
	$extra_top
	EOF
	chmod 0644 "$E2E_DIR/$name.conf"
	eval "RM_SOCK_$name=$E2E_DIR/rm-$name/relaymilter.sock"
}

relaymilter_start() {
	local name=$1 bin sock

	bin=$(relaymilter_bin) || return 1
	eval "sock=\$RM_SOCK_$name"
	rm -f "$sock"
	e2e_spawn "rm_$name" "$bin" -f -c "$E2E_DIR/$name.conf"
	wait_for 10 test -S "$sock" || {
		echo "# relaymilter $name did not start:"
		sed 's/^/#   /' "$E2E_DIR/rm_$name.out"
		return 1
	}
}

relaymilter_kill() {
	local pid
	eval "pid=\${E2E_PID_rm_$1:-}"
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	[ -n "$pid" ] && wait "$pid" 2>/dev/null
	return 0
}

# decisions NAME: the JSON decision log of instance NAME.
decisions() {
	cat "$E2E_DIR/rm-$1/decisions.json" 2>/dev/null
}

# decision_field NAME RCPT FIELD: FIELD of the last decision about RCPT.
decision_field() {
	decisions "$1" | jq -r --arg r "$2" --arg f "$3" \
		'select((.rcpt // "") | ascii_downcase | contains($r | ascii_downcase)) | .[$f] // empty' 2>/dev/null |
		tail -n 1
}

# case_decision_field NAME CASE STAGE FIELD: FIELD of the last decision of
# instance NAME in the session of CASE (send() gives each case its own HELO),
# at STAGE: "mail" for the MAIL FROM decision (no rcpt), else the decision
# about recipient STAGE. Cases that share a sender cannot be mixed up.
case_decision_field() {
	decisions "$1" | jq -r --arg h "client-$2.test" --arg s "$3" --arg f "$4" '
		select(.helo == $h) |
		select(if $s == "mail" then (.rcpt // "") == ""
			else (.rcpt // "" | ascii_downcase | contains($s | ascii_downcase)) end) |
		.[$f] // empty' 2>/dev/null | tail -n 1
}

# send CASE SWAKS-ARGS...: one SMTP session with swaks. Its stdin is
# /dev/null: swaks prompts for an option given empty (--from "" for the
# null sender) and would otherwise eat the caller's input.
send() {
	local c=$1
	shift
	swaks --timeout 30 --helo "client-$c.test" --h-X-E2E-Case "$c" \
		--h-Subject "e2e case $c" "$@" >"$E2E_DIR/swaks-$c.log" 2>&1 </dev/null
	cat "$E2E_DIR/swaks-$c.log"
}

# rcpt_reply LOG RCPT: the (last line of the) reply to RCPT TO:<RCPT>.
rcpt_reply() {
	smtp_reply_to "$1" "RCPT TO:<$2>" exact
}

# smtp_reply_to LOG CMD-PREFIX: the final reply line to the first command
# starting with CMD-PREFIX (e.g. "MAIL FROM", "AUTH", "DATA", "XCLIENT").
smtp_reply_to() {
	awk -v c="$2" -v exact="${3:-}" '
		found && /^(<-|<\*\*|<~|<~\*) / { line = $0; sub(/^(<-|<\*\*|<~|<~\*) +/, "", line)
			if (line !~ /^[0-9][0-9][0-9]-/ && line !~ /^334 /) { print line; exit } ; next }
		/^ (->|~>) / { l = $0; sub(/^ (->|~>) +/, "", l)
			if ((exact == "" && index(l, c) == 1) || (exact != "" && l == c)) found = 1 }' "$1"
}

# The reply to the end of DATA ("." line): 250 when the message was queued.
data_reply() {
	awk '
		found && /^(<-|<\*\*|<~|<~\*) / { line = $0; sub(/^(<-|<\*\*|<~|<~\*) +/, "", line)
			if (line !~ /^[0-9][0-9][0-9]-/) { print line; exit } ; next }
		/^ (->|~>) \.$/ { found = 1 }' "$1"
}

# A hand-driven SMTP session (bash /dev/tcp), for cases swaks cannot stage,
# such as killing the milter between two commands.
#   smtp_open PORT; smtp_cmd "EHLO x"; echo "$SMTP_REPLY"; smtp_close
smtp_read_reply() {
	local line
	SMTP_REPLY=
	while IFS= read -r -t 40 -u "$SMTP_FD" line; do
		line=${line%$'\r'}
		SMTP_REPLY=$line
		case $line in [0-9][0-9][0-9]-*) continue ;; esac
		return 0
	done
	SMTP_REPLY="(no reply)"
	return 1
}

smtp_open() {
	exec {SMTP_FD}<>"/dev/tcp/127.0.0.1/$1" || return 1
	smtp_read_reply
}

smtp_cmd() {
	printf '%s\r\n' "$1" >&"$SMTP_FD"
	smtp_read_reply
}

# smtp_data CASE: send a minimal message carrying the case header.
smtp_data() {
	smtp_cmd DATA
	case $SMTP_REPLY in 354*) ;; *) return 1 ;; esac
	printf 'Subject: e2e case %s\r\nX-E2E-Case: %s\r\n\r\nbody\r\n' "$1" "$1" >&"$SMTP_FD"
	smtp_cmd .
}

smtp_close() {
	printf 'QUIT\r\n' >&"$SMTP_FD" 2>/dev/null
	exec {SMTP_FD}>&-
}

# txn_reply LOG RCPT: the reply that decided RCPT's fate: the reply to
# MAIL FROM when that failed (an MTA may tempfail there), else to RCPT.
txn_reply() {
	local r
	r=$(smtp_reply_to "$1" "MAIL FROM")
	case $r in 2*) rcpt_reply "$1" "$2" ;; *) echo "$r" ;; esac
}
