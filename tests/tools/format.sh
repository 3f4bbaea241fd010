#!/bin/bash
# format.sh: every C source and header of the tree is as the root
# .clang-format (clang-format 14, Debian 12) formats it (TAP). A diff names
# the files; `clang-format -i FILE` fixes one.
set -uo pipefail
. "${top_srcdir:-.}/tests/lib/tap.sh"
cd "${top_srcdir:-.}" || exit 1

if ! command -v clang-format >/dev/null; then
	not_ok "clang-format is installed (package clang-format)"
	done_testing
	exit 0
fi
files=$(find lib policy conf milter query tests -name '*.[ch]' | sort)
n=$(wc -w <<<"$files")
bad=
for f in $files; do
	clang-format --style=file "$f" | cmp -s - "$f" || bad+="$f "
done
is "all $n C files formatted as .clang-format says" "$bad" ""
done_testing
