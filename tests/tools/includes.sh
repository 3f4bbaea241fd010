#!/bin/bash
# includes.sh: the include graph obeys the tree's rules (TAP).
#  - No header of ours is named config.h: `#include "config.h"` in a source
#    file must reach autoconf's (PACKAGE_VERSION, _GNU_SOURCE), and a
#    same-named header beside the file would shadow it.
#  - Every source file includes autoconf's config.h first.
#  - The layers run one way: lib <- policy <- conf <- milter, query (like
#    Postfix's util <- global <- smtpd). A file may include its own layer and
#    the ones below, never one above: so no cycle between folders exists.
set -uo pipefail
. "${top_srcdir:-.}/tests/lib/tap.sh"
cd "${top_srcdir:-.}" || exit 1

dirs=(lib policy conf milter query tests)
shadow=$(find "${dirs[@]}" -name config.h 2>/dev/null)
is "no source folder holds a header named config.h" "$shadow" ""

first_bad=
for f in $(find lib policy conf milter query -name '*.c'); do
	first=$(grep -m1 '^#include' "$f")
	[ "$first" = '#include "config.h"' ] || first_bad+="$f: $first"$'\n'
done
is "every source file includes config.h first" "$first_bad" ""

# The rank of each folder: an include may only go to an equal or lower rank.
declare -A rank=([lib]=0 [policy]=1 [conf]=2 [milter]=3 [query]=3)
upward=
for f in $(find lib policy conf milter query -name '*.[ch]'); do
	from=${f%%/*}
	while IFS= read -r to; do
		[ -n "${rank[$to]+set}" ] || continue
		if [ "${rank[$to]}" -gt "${rank[$from]}" ] ||
			{ [ "${rank[$to]}" -eq "${rank[$from]}" ] && [ "$to" != "$from" ]; }; then
			upward+="$f includes $to/"$'\n'
		fi
	done < <(sed -n 's|^#include "\([a-z]*\)/.*|\1|p' "$f")
done
is "no include goes up a layer (lib <- policy <- conf <- milter, query)" "$upward" ""
done_testing
