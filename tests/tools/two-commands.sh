#!/bin/bash
# two-commands.sh: the README's two commands, contrib/tools/quickstart and
# tests/run-all, work in either order (issue 16). Each order runs on its own
# copy of the source tree (the files git knows: no build folder comes along),
# run-all only configures and builds (RUN_ALL_BUILD_ONLY=1), quickstart
# stages its install under a throwaway DESTDIR (--destdir, --no-deps: no
# user, no daemon, no system path touched). The staged trees must be the
# same whatever the order: config in /etc/relaymilter, binaries in
# /usr/local, runtime directory /run/relaymilter, and the binaries and man
# pages must name those paths. An edited config survives a second
# quickstart. About two minutes (four builds).
: "${top_srcdir:?}"
. "$top_srcdir/tests/lib/tap.sh"

for f in contrib/tools/quickstart contrib/tools/ensure-configured tests/run-all; do
	if [ ! -x "$top_srcdir/$f" ]; then
		not_ok "$f exists"
		done_testing
		exit
	fi
done
for tool in autoreconf make cc; do
	command -v $tool >/dev/null || { skip "the README's two commands" "no $tool"; done_testing; exit; }
done

TMP=$(mktemp -d /tmp/rm-2cmd.XXXXXX)
cleanup() { if [ -n "${KEEP_TMP:-}" ]; then echo "# kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT

# copy DIR: the source tree as a new user gets it.
copy() {
	mkdir -p "$1"
	if git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$top_srcdir" && git ls-files -z -co --exclude-standard |
			tar --null -T - --no-recursion --ignore-failed-read -cf - 2>/dev/null) | tar xf - -C "$1"
	else
		(cd "$top_srcdir" && tar --exclude='./build*' --exclude='./_build' --exclude='./_inst' --exclude=autom4te.cache \
			--exclude='*.o' -cf - .) | tar xf - -C "$1"
	fi
}
# The outer make's variables must not reach the builds in the copies.
clean_env=(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u TESTS -u top_srcdir -u top_builddir)
# quickstart SRC DESTDIR LOG
quickstart() {
	"${clean_env[@]}" "$1/contrib/tools/quickstart" --no-deps --destdir "$2" >"$3" 2>&1
}
# run_all_build SRC LOG
run_all_build() {
	"${clean_env[@]}" RUN_ALL_BUILD_ONLY=1 "$1/tests/run-all" >"$2" 2>&1
}
# layout DESTDIR: every staged path with its type, and the paths the
# installed binaries and man pages name.
layout() {
	(cd "$1" && find . -mindepth 1 -printf '%P %y\n' | sort)
	echo "relaymilter -h: $("$1/usr/local/sbin/relaymilter" -h 2>&1 | grep -o 'default [^)]*')"
	echo "man socket: $(grep -m1 -o 'default "unix:[^"]*"' "$1/usr/local/share/man/man5/relaymilter.conf.5")"
	echo "man config: $(grep -m1 -o '/[a-z/]*/relaymilter/relaymilter.conf' "$1/usr/local/share/man/man8/relaymilter.8")"
}
# configured SRC DIR: the configure arguments of build folder DIR.
configured() { (cd "$1/$2" && ./config.status --config); }
# outside DESTDIR SRC: absolute paths quickstart's make install named
# outside DESTDIR and the source copy (where it builds).
outside() {
	grep -oE "'/[^']*'" "$2/build-quickstart/install.out" | tr -d "'" |
		grep -v -e "^$1/" -e "^$2\(/\|\$\)" | sort -u
}
show() { sed 's/^/#   /' "$1" | tail -${2:-15}; }

# ---- order 1: run-all's build, then quickstart ---------------------------
A=$TMP/a
copy "$A"
ok_if "order 1: source copied without build folders" \
	bash -c "test -x '$A/contrib/tools/quickstart' && ! ls -d '$A'/build* >/dev/null 2>&1"
run_all_build "$A" "$TMP/a-runall.log"; rc=$?
is "order 1: run-all build: exit 0" "$rc" 0
[ $rc -eq 0 ] || show "$TMP/a-runall.log"
like "order 1: run-all says it configured build/" "$(cat "$TMP/a-runall.log")" '^configured build/'
quickstart "$A" "$TMP/dest-a" "$TMP/a-qs.log"; rc=$?
is "order 1: quickstart: exit 0" "$rc" 0
[ $rc -eq 0 ] || show "$TMP/a-qs.log"
like "order 1: quickstart says it configured its own folder" "$(cat "$TMP/a-qs.log")" \
	'^quickstart: configured build-quickstart/'
like "order 1: quickstart says it installed the example config" "$(cat "$TMP/a-qs.log")" \
	"^quickstart: installed the example as $TMP/dest-a/etc/relaymilter/relaymilter.conf\$"
is "order 1: run-all's build/ still has the defaults" "$(configured "$A" build)" ""
is "order 1: nothing installed outside DESTDIR" "$(outside "$TMP/dest-a" "$A")" ""
layout "$TMP/dest-a" >"$TMP/layout-a"

# What the README promises, checked on order 1's result (order 2 must match it).
for p in "etc/relaymilter/relaymilter.conf f" "usr/local/sbin/relaymilter f" \
	"usr/local/bin/relaymilter-query f" "run/relaymilter d" \
	"relaymilter -h: default /etc/relaymilter/relaymilter.conf" \
	'man socket: default "unix:/run/relaymilter/relaymilter.sock"' \
	"man config: /etc/relaymilter/relaymilter.conf"; do
	ok_if "order 1: staged: $p" grep -qxF -- "$p" "$TMP/layout-a"
done
ok_if "order 1: the staged config is the example" cmp -s "$A/conf/relaymilter.conf" \
	"$TMP/dest-a/etc/relaymilter/relaymilter.conf"
ok_if "order 1: nothing under usr/local/etc" test ! -e "$TMP/dest-a/usr/local/etc"

# ---- order 2: quickstart, run-all's build, quickstart again --------------
B=$TMP/b
copy "$B"
quickstart "$B" "$TMP/dest-b" "$TMP/b-qs1.log"; rc=$?
is "order 2: quickstart: exit 0" "$rc" 0
[ $rc -eq 0 ] || show "$TMP/b-qs1.log"
layout "$TMP/dest-b" >"$TMP/layout-b1"
out=$(diff "$TMP/layout-a" "$TMP/layout-b1")
is "order 2: quickstart first stages the same tree as order 1" "$out" ""
run_all_build "$B" "$TMP/b-runall.log"; rc=$?
is "order 2: run-all build after quickstart: exit 0" "$rc" 0
[ $rc -eq 0 ] || show "$TMP/b-runall.log"
like "order 2: run-all configured build/ (not quickstart's folder)" "$(cat "$TMP/b-runall.log")" '^configured build/'
is "order 2: run-all's build/ has the defaults" "$(configured "$B" build)" ""
is "order 2: quickstart's folder still has its arguments" "$(configured "$B" build-quickstart)" \
	"--prefix=/usr/local --sysconfdir=/etc --runstatedir=/run"

# An admin edits the config; quickstart runs again over the same DESTDIR.
CONF=$TMP/dest-b/etc/relaymilter/relaymilter.conf
sed -i 's/^mode = "enforce";/mode = "report";/' "$CONF"
echo '// edited by the admin' >>"$CONF"
cp "$CONF" "$TMP/edited.conf"
quickstart "$B" "$TMP/dest-b" "$TMP/b-qs2.log"; rc=$?
is "order 2: second quickstart: exit 0" "$rc" 0
[ $rc -eq 0 ] || show "$TMP/b-qs2.log"
like "order 2: second quickstart keeps its build" "$(cat "$TMP/b-qs2.log")" '^quickstart: kept build-quickstart/'
ok_if "order 2: the edited config survives the second quickstart" cmp -s "$TMP/edited.conf" "$CONF"
like "order 2: quickstart says it kept the edited config" "$(cat "$TMP/b-qs2.log")" \
	"^quickstart: kept $CONF \\(edited, not overwritten\\); the example is $CONF.example\$"
ok_if "order 2: the new example is next to it" cmp -s "$B/conf/relaymilter.conf" "$CONF.example"

# The same order on a fresh DESTDIR: the same tree as order 1.
quickstart "$B" "$TMP/dest-b2" "$TMP/b-qs3.log"; rc=$?
is "order 2: quickstart after run-all: exit 0" "$rc" 0
layout "$TMP/dest-b2" >"$TMP/layout-b2"
out=$(diff "$TMP/layout-a" "$TMP/layout-b2")
is "order 2: quickstart after run-all stages the same tree as order 1" "$out" ""
is "order 2: nothing installed outside DESTDIR" "$(outside "$TMP/dest-b2" "$B")" ""

# Both orders, run again: each says it kept what was there.
run_all_build "$A" "$TMP/a-runall2.log"
like "run-all twice: kept build/" "$(cat "$TMP/a-runall2.log")" '^kept build/'
done_testing
