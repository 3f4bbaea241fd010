# tap.sh: TAP output for shell test scripts (sourced).
#   ok_if "description" command...   -> ok / not ok by the command's status
#   ok "description" / not_ok "description" "diagnostic"
#   skip "description" "reason"
#   done_testing                      -> prints the plan, exits non-zero on failure
# Every assertion is one TAP line, counted by automake's tap-driver.
TAP_N=0
TAP_FAILED=0
# TAP lines go to fd 3 (the original stdout), so redirecting a checked
# command's output (ok_if "x" cmd >/dev/null) never swallows its result line.
exec 3>&1

ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1" >&3
}

not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1" >&3
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /' >&3
	return 0
}

ok_if() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc" "command failed: $*"; fi
}

# is "description" actual expected
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got: '$2'"$'\n'"expected: '$3'"; fi
}

# like "description" actual regex
like() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else not_ok "$1" "got: '$2'"$'\n'"expected to match: '$3'"; fi
}

skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP ${2:-}" >&3
}

bail_out() {
	echo "Bail out! $1" >&3
	exit 1
}

done_testing() {
	echo "1..$TAP_N" >&3
	[ "$TAP_FAILED" -eq 0 ]
}
