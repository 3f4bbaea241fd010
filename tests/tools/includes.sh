#!/bin/bash
# includes.sh: the include graph obeys the tree's rules (TAP).
#  - No header of ours is named config.h: `#include "config.h"` in a source
#    file must reach autoconf's (PACKAGE_VERSION, _GNU_SOURCE), and a
#    same-named header beside the file would shadow it.
#  - Every source file includes autoconf's config.h first.
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
done_testing
