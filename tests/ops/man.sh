#!/bin/bash
# man.sh: the man pages. Each renders without a warning (mandoc -T lint,
# groff -ww -man -z), and relaymilter.conf(5) matches the key table
# (conf/keys.c, printed by tests/tools/dumpkeys): every key is documented
# with its type, words or bounds, and default, and the page documents no key
# the table does not have.
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/tap.sh"

MAN=$top_builddir/man
PAGES="relaymilter.8 relaymilter.conf.5 relaymilter-query.1"
DUMPKEYS=$top_builddir/tests/tools/dumpkeys
TMP=$(mktemp -d /tmp/rm-man.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

for p in $PAGES; do
	[ -s "$MAN/$p" ] || bail_out "$MAN/$p not built (make check builds it)"
	if command -v mandoc >/dev/null; then
		out=$(mandoc -T lint -W warning "$MAN/$p" 2>&1); rc=$?
		is "$p: mandoc -T lint clean" "$rc:$out" "0:"
	else
		skip "$p: mandoc -T lint clean" "no mandoc"
	fi
	if command -v groff >/dev/null; then
		out=$(groff -ww -man -z "$MAN/$p" 2>&1); rc=$?
		is "$p: groff -ww -man -z clean" "$rc:$out" "0:"
	else
		skip "$p: groff -ww -man -z clean" "no groff"
	fi
	like "$p: configured paths substituted" "$(grep -c '@[a-zA-Z_]*@' "$MAN/$p")" '^0$'
done

# Render wide, so that each key's tag line stays on one line.
mandoc -T ascii -O width=250 "$MAN/relaymilter.conf.5" | col -b >"$TMP/conf.txt"
"$DUMPKEYS" >"$TMP/keys.tsv"
n_keys=$(wc -l <"$TMP/keys.tsv")
ok_if "key table printed ($n_keys keys)" test "$n_keys" -gt 40
missing=
while IFS=$'\t' read -r path tag; do
	grep -qF -- "$tag" "$TMP/conf.txt" || missing="$missing$tag"$'\n'
done <"$TMP/keys.tsv"
is "relaymilter.conf(5): every key with its type, bounds and default" "$missing" ""

# The other way round: keys documented in the page are all in the table.
sed -n 's/^\\fB\([a-z_.]*\)\\fR (.*/\1/p' "$top_srcdir/man/relaymilter.conf.5.in" | sort >"$TMP/page.keys"
cut -f1 "$TMP/keys.tsv" | sort >"$TMP/table.keys"
is "relaymilter.conf(5): documents no key missing from the table" \
	"$(comm -23 "$TMP/page.keys" "$TMP/table.keys" | tr '\n' ' ')" ""
is "relaymilter.conf(5): one entry per key" "$(wc -l <"$TMP/page.keys")" "$n_keys"

# Every default of the shipped example config agrees with the page too:
# the example promises "every key below is shown with its default".
ex=$top_srcdir/conf/relaymilter.conf
for k in socket_mode mode; do
	v=$(sed -n "s/^$k *= *\"\([^\"]*\)\";.*/\1/p" "$ex")
	like "example config and page agree on $k" "$(grep -F "$k (" "$TMP/conf.txt")" "default \"$v\""
done

# man -l renders them (what an admin types on an uninstalled page).
if command -v man >/dev/null; then
	for p in $PAGES; do
		out=$(MANWIDTH=80 man -l "$MAN/$p" 2>&1 >/dev/null); rc=$?
		is "man -l $p: no warning" "$rc:$out" "0:"
	done
else
	for p in $PAGES; do skip "man -l $p: no warning" "no man"; done
fi
done_testing
