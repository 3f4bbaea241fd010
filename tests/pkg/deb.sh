#!/bin/bash
# deb.sh: the Debian package, built the way an admin or a buildd would:
# `dpkg-buildpackage -us -uc -b` on a copy of the source tree. Checks what
# the .deb holds (binaries, man pages, the unit, the conffile, logrotate),
# runs lintian on it and on the source package (no error, no warning), checks
# the DEP-5 copyright against LICENSE,
# that the unit is installed but neither enabled nor started, and runs
# `relaymilter -V` and `relaymilter -n` with the packaged config from a
# throwaway root (dpkg -x). As root it also installs the package for real
# (dpkg -i: the system user, the postfix user in its group, the service not
# enabled), then purges it and removes what it created. Slow (a full build):
# `make check-deb`, and tests/run-all; not part of `make check`.
: "${top_srcdir:?}"
. "$top_srcdir/tests/lib/tap.sh"

# Never from inside the package build itself.
if [ -n "${RM_DEB_BUILDING:-}" ]; then
	skip "build the package" "inside a package build"
	done_testing
	exit
fi
TMP=$(mktemp -d /tmp/rm-deb.XXXXXX)
created_user=
cleanup() {
	if [ -n "${installed:-}" ]; then
		dpkg --purge relaymilter >/dev/null 2>&1
		if [ -n "$created_user" ]; then
			deluser --quiet --system relaymilter >/dev/null 2>&1
			delgroup --quiet --system relaymilter >/dev/null 2>&1
		fi
	fi
	if [ -n "${KEEP_TMP:-}" ]; then echo "# kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

for tool in dpkg-buildpackage dpkg-checkbuilddeps fakeroot; do
	command -v $tool >/dev/null || { skip "build the package" "no $tool (dpkg-dev, fakeroot)"; done_testing; exit; }
done

# A clean copy of the sources: tracked and new files, none of the build.
SRC=$TMP/relaymilter
mkdir -p "$SRC"
if git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top_srcdir" && git ls-files -z -co --exclude-standard | xargs -0 tar cf - --no-recursion) |
		tar xf - -C "$SRC"
else
	(cd "$top_srcdir" && tar cf - --exclude='./build*' --exclude=autom4te.cache --exclude='*.o' .) | tar xf - -C "$SRC"
fi
ok_if "source copied" test -x "$SRC/debian/rules"

out=$(cd "$SRC" && dpkg-checkbuilddeps 2>&1); rc=$?
if [ $rc -ne 0 ]; then
	skip "build dependencies installed" "$out"
	done_testing
	exit
fi
ok "build dependencies installed"

# The source package too (3.0 native: a tarball and a .dsc), made from the
# pristine copy before the build dirties it: lintian checks both.
(cd "$TMP" && dpkg-source -b relaymilter) >"$TMP/source.log" 2>&1; rc=$?
is "dpkg-source -b (the source package, for lintian)" "$rc" "0"
[ $rc -eq 0 ] || tail -20 "$TMP/source.log" | sed 's/^/#   /'

start=$(date +%s)
# The outer make's TESTS=... must not reach the package's own make check.
(cd "$SRC" && unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES TESTS &&
	RM_DEB_BUILDING=1 dpkg-buildpackage -us -uc -b) >"$TMP/build.log" 2>&1; rc=$?
secs=$(($(date +%s) - start))
echo "# dpkg-buildpackage took ${secs}s"
is "dpkg-buildpackage -us -uc -b" "$rc" "0"
[ $rc -eq 0 ] || { tail -40 "$TMP/build.log" | sed 's/^/#   /'; done_testing; exit; }
DEB=$(ls "$TMP"/relaymilter_*.deb 2>/dev/null | head -1)
ok_if "a .deb was made" test -f "$DEB"

# lintian: no error and no warning on the source and the binary package
# (an override needs a comment in debian/relaymilter.lintian-overrides).
DSC=$(ls "$TMP"/relaymilter_*.dsc 2>/dev/null | head -1)
if command -v lintian >/dev/null; then
	lintian --fail-on error,warning ${DSC:+"$DSC"} "$DEB" >"$TMP/lintian.out" 2>&1; rc=$?
	out=$(grep -v '^running with root privileges is not recommended!$' "$TMP/lintian.out")
	is "lintian: no errors or warnings (source and .deb)" "$rc:$out" "0:"
else
	not_ok "lintian: no errors or warnings (source and .deb)" "no lintian: apt-get install lintian"
fi

contents=$(dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|')
for f in /usr/sbin/relaymilter /usr/bin/relaymilter-query /etc/relaymilter/relaymilter.conf \
	/usr/share/man/man8/relaymilter.8.gz /usr/share/man/man5/relaymilter.conf.5.gz \
	/usr/share/man/man1/relaymilter-query.1.gz /lib/systemd/system/relaymilter.service \
	/etc/logrotate.d/relaymilter \
	/usr/share/doc/relaymilter/examples/fail2ban/filter.d/relaymilter.conf; do
	ok_if "package holds $f" grep -qx -- "$f" <<<"$contents"
done
ok_if "package holds docs/abuse.md (compressed or not)" grep -Eqx '/usr/share/doc/relaymilter/abuse\.md(\.gz)?' <<<"$contents"
ok_if "no static library or test program shipped" \
	bash -c "! grep -Eq '(\\.a|dumpkeys|test_[a-z]+)\$' <<<'$contents'"

dpkg-deb -e "$DEB" "$TMP/control"
ok_if "the config is a conffile" grep -qx /etc/relaymilter/relaymilter.conf "$TMP/control/conffiles"
ok_if "postinst creates the system user" grep -q 'adduser --system' "$TMP/control/postinst"
# dh_installsystemd --no-enable: enable only what the admin had enabled
# before an upgrade (guarded by debian-installed, false on a fresh install).
ok_if "postinst enables the unit only on upgrade of an enabled one" \
	grep -q "if deb-systemd-helper debian-installed 'relaymilter.service'" "$TMP/control/postinst"
ok_if "postinst does not start the unit" \
	bash -c "! grep -Eq 'deb-systemd-invoke (start|restart)' '$TMP/control/postinst'"
like "depends on libmilter" "$(dpkg-deb -f "$DEB" Depends)" 'libmilter'
like "depends on libsystemd (sd_notify compiled in)" "$(dpkg-deb -f "$DEB" Depends)" 'libsystemd0'

# A throwaway root: the packaged binary and config.
ROOT=$TMP/root
dpkg -x "$DEB" "$ROOT"
out=$("$ROOT/usr/sbin/relaymilter" -V 2>&1); rc=$?
is "packaged relaymilter -V: exit 0" "$rc" "0"
like "packaged relaymilter -V: version" "$out" '^relaymilter [0-9]+\.[0-9]+'
COPYRIGHT=$ROOT/usr/share/doc/relaymilter/copyright
ok_if "copyright: DEP-5 format" grep -qx 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' "$COPYRIGHT"
is "copyright: every file BSD-2-Clause, by the relaymilter authors" \
	"$(sed -n '/^Files: \*$/,/^$/p' "$COPYRIGHT" | grep -E '^(Copyright|License):')" \
	"Copyright: 2026 The relaymilter authors"$'\n'"License: BSD-2-Clause"
# The license text is LICENSE's, word for word (DEP-5 folds it: " ." lines).
is "copyright: the license text is LICENSE's" \
	"$(awk 'p; /^License: BSD-2-Clause$/ && prev == "" { p = 1 } { prev = $0 }' "$COPYRIGHT" |
		sed 's/^ //; s/^\.$//')" \
	"$(sed -n '/^Redistribution/,$p' "$SRC/LICENSE")"
CONF=$ROOT/etc/relaymilter/relaymilter.conf
out=$("$ROOT/usr/sbin/relaymilter" -n -c "$CONF" 2>&1); rc=$?
is "packaged relaymilter -n with the packaged config: exit 0" "$rc:$out" "0:$CONF: configuration OK"
like "packaged config starts in report mode" "$(grep '^mode' "$CONF")" '"report"'
like "packaged config keeps the JSON log" "$(grep 'json *=' "$CONF" | head -1)" '/var/log/relaymilter/'
like "packaged relaymilter looks in /etc by default" "$("$ROOT/usr/sbin/relaymilter" -h)" '/etc/relaymilter/relaymilter.conf'
like "packaged man page names /run" "$(zcat "$ROOT/usr/share/man/man5/relaymilter.conf.5.gz" | grep -m1 'default "unix:')" 'unix:/run/relaymilter/'
out=$("$ROOT/usr/bin/relaymilter-query" -c "$CONF" --client 203.0.113.5 --from a@example.net \
	--rcpt b@example.org 2>&1); rc=$?
is "packaged relaymilter-query runs: local recipient accepted" "$rc" "0"

# Installed for real, as root: the user, the group, nothing started. Not
# over a source install (contrib/tools/quickstart, make install): dpkg would
# stop at its config file, and the purge below would delete it.
source_install=
[ -e /etc/relaymilter ] && ! dpkg-query -W relaymilter >/dev/null 2>&1 && source_install=1
if [ "$(id -u)" -eq 0 ] && [ -z "${RM_DEB_NO_INSTALL:-}" ] && [ -z "$source_install" ] &&
	! dpkg-query -W relaymilter >/dev/null 2>&1; then
	getent passwd relaymilter >/dev/null || created_user=1
	installed=1
	out=$(dpkg -i "$DEB" 2>&1); rc=$?
	is "dpkg -i" "$rc" "0"
	[ $rc -eq 0 ] || sed 's/^/#   /' <<<"$out"
	like "system user relaymilter" "$(getent passwd relaymilter)" '^relaymilter:x:[0-9]+:[0-9]+:.*:/nonexistent:/usr/sbin/nologin$'
	ok_if "its uid is a system uid" bash -c '[ "$(id -u relaymilter)" -lt 1000 ]'
	if getent passwd postfix >/dev/null; then
		like "postfix is in group relaymilter" "$(id -nG postfix)" '(^| )relaymilter( |$)'
	else
		skip "postfix is in group relaymilter" "no postfix user here"
	fi
	is "/etc/relaymilter is root:relaymilter 0750" "$(stat -c '%U:%G %a' /etc/relaymilter)" "root:relaymilter 750"
	ok_if "unit not enabled" test ! -e /etc/systemd/system/multi-user.target.wants/relaymilter.service
	ok_if "daemon not started" bash -c '! pgrep -u relaymilter >/dev/null'
	out=$(/usr/sbin/relaymilter -n 2>&1); rc=$?
	is "installed relaymilter -n: exit 0" "$rc" "0"
	out=$(dpkg --purge relaymilter 2>&1); rc=$?
	is "dpkg --purge" "$rc" "0"
	installed=
	ok_if "purge removed the config" test ! -e /etc/relaymilter/relaymilter.conf
	if [ -n "$created_user" ]; then
		deluser --quiet --system relaymilter >/dev/null 2>&1
		delgroup --quiet --system relaymilter >/dev/null 2>&1
	fi
else
	skip "dpkg -i" "not root, already installed, a source install owns /etc/relaymilter, or RM_DEB_NO_INSTALL set"
fi
done_testing
