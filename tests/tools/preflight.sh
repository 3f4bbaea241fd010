#!/bin/bash
# preflight.sh: tests/preflight (issue 10 §1). On this machine it passes;
# with one program taken out of PATH, or a capability faked away, it stops
# with exactly one line naming the Debian package; and its program table
# covers every program the suites look for (`command -v X`, `for tool in`).
: "${top_srcdir:?}"
. "$top_srcdir/tests/lib/tap.sh"

PF=$top_srcdir/tests/preflight
[ -x "$PF" ] || { not_ok "tests/preflight exists"; done_testing; exit; }
TMP=$(mktemp -d /tmp/rm-preflight-t.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

out=$("$PF" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q '^preflight: MISSING' <<<"$out"; then
	# Not a test machine (tests/run-all installs what is missing): the
	# failure paths below still need a passing baseline.
	skip "preflight passes on this machine" "$out"
	done_testing
	exit
fi
is "preflight passes here: exit 0" "$rc" 0
like "preflight says what it checked" "$out" '^preflight: OK \([0-9]+ programs; swaks TLS, IPv6, AUTH .*slapd back_mdb\+syncprov; clang ASan\+UBSan, TSan; valgrind\)$'

# farm DIR [NAME...]: DIR holds a link to every program of PATH (the first
# one found, as PATH would) except NAMEs.
farm() {
	local dir=$1 d f
	shift
	mkdir -p "$dir"
	local IFS=:
	for d in $PATH; do
		[ -d "$d" ] || continue
		for f in "$d"/*; do
			[ -x "$f" ] && [ ! -d "$f" ] && [ ! -e "$dir/${f##*/}" ] && ln -s "$f" "$dir/${f##*/}"
		done
	done
	for f in "$@"; do rm -f "$dir/$f"; done
}

# One program missing: one line, naming its package.
farm "$TMP/no-jq" jq
out=$(PATH=$TMP/no-jq "$PF" 2>&1); rc=$?
is "no jq in PATH: exit 1" "$rc" 1
is "no jq in PATH: one line naming the package" "$out" "preflight: MISSING program jq: apt-get install jq"
farm "$TMP/no-lintian" lintian
out=$(PATH=$TMP/no-lintian "$PF" 2>&1); rc=$?
is "no lintian in PATH: one line naming the package" "$rc:$out" "1:preflight: MISSING program lintian: apt-get install lintian"

# swaks without Net::SSLeay, as on issue 10's fresh machine.
farm "$TMP/no-ssleay" swaks
real_swaks=$(command -v swaks)
cat >"$TMP/no-ssleay/swaks" <<EOF
#!/bin/sh
"$real_swaks" "\$@" | sed 's/^=== TLS supported\$/*** TLS not available: requires Net::SSLeay/'
EOF
chmod +x "$TMP/no-ssleay/swaks"
out=$(PATH=$TMP/no-ssleay "$PF" 2>&1); rc=$?
is "swaks without TLS: one line naming libnet-ssleay-perl" "$rc:$out" \
	"1:preflight: MISSING swaks TLS support: apt-get install libnet-ssleay-perl (*** TLS not available: requires Net::SSLeay)"

# slapd without syncprov (a slaptest that cannot load it).
farm "$TMP/no-syncprov" slaptest
real_slaptest=$(command -v slaptest)
cat >"$TMP/no-syncprov/slaptest" <<EOF
#!/bin/sh
# the config preflight wrote, with the syncprov module renamed away
f=\$3; sed 's/^moduleload syncprov\$/moduleload syncprov-gone/' "\$f" >"\$f.x"
exec "$real_slaptest" -u -f "\$f.x"
EOF
chmod +x "$TMP/no-syncprov/slaptest"
out=$(PATH=$TMP/no-syncprov "$PF" 2>&1); rc=$?
like "slapd without syncprov: one line naming slapd" "$rc:$(wc -l <<<"$out"):$out" \
	'^1:1:preflight: MISSING slapd modules back_mdb and syncprov \(slaptest: .*syncprov-gone.*\): apt-get install slapd$'

# A clang whose sanitizer runtime is gone.
farm "$TMP/no-rt" clang
real_clang=$(command -v clang)
cat >"$TMP/no-rt/clang" <<EOF
#!/bin/sh
case "\$*" in *-fsanitize=thread*) echo "/usr/bin/ld: cannot find libclang_rt.tsan-x86_64.a: No such file or directory" >&2; exit 1 ;; esac
exec "$real_clang" "\$@"
EOF
chmod +x "$TMP/no-rt/clang"
out=$(PATH=$TMP/no-rt "$PF" 2>&1); rc=$?
like "clang without the TSan runtime: one line naming libclang-rt-14-dev" "$rc:$(wc -l <<<"$out"):$out" \
	'^1:1:preflight: MISSING clang -fsanitize=thread runtime \(.*cannot find.*\): apt-get install libclang-rt-14-dev$'

# Every program a suite looks for is in the table.
table=$("$PF" --list | awk '{print $1}')
looked_for=$(cd "$top_srcdir" && {
	grep -ohE 'for tool in [^;]*;' tests/*/*.sh tests/run-all | sed 's/^for tool in //; s/;$//' | tr ' ' '\n'
	grep -ohE 'command -v [a-z0-9][a-z0-9_.+-]*' tests/*/*.sh tests/run-all | awk '{print $3}'
} | grep -xE '[a-z0-9][a-z0-9_.+-]*' | grep -vxE 'git|gnuplot|debootstrap' | sort -u)
absent=$(comm -23 <(echo "$looked_for") <(echo "$table" | sort -u) | tr '\n' ' ')
is "preflight's table names every program the suites look for" "$absent" ""
done_testing
