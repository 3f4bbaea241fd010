# proc.sh: process helpers shared by the test libraries (sourced).
#   proc_hang PID NAME   SIGSTOP PID and return once every thread of it is
#                        stopped (SIGSTOP is asynchronous: on a loaded host
#                        a thread woken by a request can still answer it
#                        before the group stop reaches it)

proc_hang() {
	local pid=$1 t running
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
	echo "# $2: not every thread stopped after SIGSTOP"
}
