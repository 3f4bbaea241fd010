#!/bin/bash
# smtpprobe.sh: hand-driven SMTP sessions (bash /dev/tcp, a few ms each) to
# a fleet host's Postfix, run inside the host's namespace by lib_fleet.sh.
# Every session: EHLO, XCLIENT ADDR=..., EHLO, [AUTH PLAIN], MAIL, one RCPT,
# QUIT; one line per session to OUT: "EPOCH_MS REPLY-TO-RCPT" (or the reply
# that failed an earlier step, prefixed with its command).
#
#   smtpprobe.sh until PORT PASS OUT ADDR LOGIN RCPT BEFORE AFTER SECONDS
#       poll until the reply matches AFTER, then 3 more sessions must too;
#       the first reply must match BEFORE. Exit 0, 1 (deadline), 2 (first
#       reply not BEFORE), 3 (flapped back after AFTER).
#   smtpprobe.sh watch PORT PASS OUT CASES STOPFILE
#       the CASES file's lines ("ADDR LOGIN RCPT REGEX", LOGIN "-" for none)
#       one after the other until STOPFILE exists; a reply not matching its
#       REGEX is written "WRONG EPOCH_MS ADDR LOGIN RCPT REPLY" to OUT.wrong.
# Every wait is bounded (10 s per reply).
mode=$1 PORT=$2 PASS=$3 OUT=$4
shift 4

ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

reply() {
	local line
	R=
	while IFS= read -r -t 10 -u "$FD" line; do
		line=${line%$'\r'}
		R=$line
		case $line in [0-9][0-9][0-9]-*) continue ;; esac
		return 0
	done
	R="(no reply)"
	return 1
}

cmd() {
	printf '%s\r\n' "$1" >&"$FD"
	reply
}

# sess ADDR LOGIN RCPT: the final reply in $R (prefixed when not RCPT's)
sess() {
	local addr=$1 login=$2 rcpt=$3
	exec {FD}<>"/dev/tcp/127.0.0.1/$PORT" || { R="CONNECT: failed"; return; }
	reply
	cmd "EHLO probe.test"
	cmd "XCLIENT ADDR=$addr"
	case $R in 220*) ;; *) R="XCLIENT: $R"; exec {FD}>&-; return ;; esac
	cmd "EHLO probe.test"
	if [ "$login" != - ]; then
		cmd "AUTH PLAIN $(printf '\0%s\0%s' "$login" "$PASS" | base64 -w0)"
		case $R in 235*) ;; *) R="AUTH: $R"; exec {FD}>&-; return ;; esac
	fi
	cmd "MAIL FROM:<probe@client.test>"
	case $R in 250*) ;; *) R="MAIL: $R"; exec {FD}>&-; return ;; esac
	cmd "RCPT TO:<$rcpt>"
	local r=$R
	cmd QUIT
	exec {FD}>&-
	R=$r
}

case $mode in
until)
	addr=$1 login=$2 rcpt=$3 before=$4 after=$5 end=$(($(ms) + $6 * 1000))
	sess "$addr" "$login" "$rcpt"
	echo "$(ms) $R" >>"$OUT"
	grep -Eq -- "$before" <<<"$R" || exit 2
	while [ "$(ms)" -le "$end" ]; do
		sess "$addr" "$login" "$rcpt"
		echo "$(ms) $R" >>"$OUT"
		if grep -Eq -- "$after" <<<"$R"; then
			for _ in 1 2 3; do
				sess "$addr" "$login" "$rcpt"
				echo "$(ms) $R" >>"$OUT"
				grep -Eq -- "$after" <<<"$R" || exit 3
			done
			exit 0
		fi
		sleep 0.01
	done
	exit 1
	;;
watch)
	cases=$1 stop=$2
	: >"$OUT.wrong"
	while [ ! -e "$stop" ]; do
		while read -r addr login rcpt re; do
			[ -n "$addr" ] || continue
			sess "$addr" "$login" "$rcpt"
			t=$(ms)
			echo "$t $addr $login $rcpt $R" >>"$OUT"
			grep -Eq -- "$re" <<<"$R" || echo "WRONG $t $addr $login $rcpt $R" >>"$OUT.wrong"
		done <"$cases"
	done
	;;
esac
