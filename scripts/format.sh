#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Run clang-format (the repository's .clang-format) over every C source and
# header in the tree: tracked files plus new files not ignored by .gitignore,
# so work not yet committed is covered too. Outside a git checkout, every
# .c/.h under src/ tests/ tools/ bench/ contrib/.
#
#   scripts/format.sh           rewrite files in place
#   scripts/format.sh --check   change nothing; exit 1 and list the files
#                               that are not formatted (used by the test suite)
#
# Exit 77 (meson's "skipped") when clang-format is not installed in --check mode.
set -eu

cd "$(dirname "$0")/.."
mode=fix
case "${1:-}" in
--check) mode=check ;;
"") ;;
*)
	echo "usage: $0 [--check]" >&2
	exit 2
	;;
esac

CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
	echo "format: '$CLANG_FORMAT' not found (Debian package clang-format)" >&2
	[ "$mode" = check ] && exit 77
	exit 1
fi

list_files() {
	top=$(git rev-parse --show-toplevel 2>/dev/null || true)
	if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(pwd -P)" ]; then
		git ls-files -z --cached --others --exclude-standard -- '*.c' '*.h' |
			tr '\0' '\n'
	else
		find src tests tools bench contrib -type f \( -name '*.c' -o -name '*.h' \) \
			2>/dev/null | sort
	fi
}

files=$(list_files | while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done)
if [ -z "$files" ]; then
	echo "format: no C files found" >&2
	exit 1
fi
n=$(printf '%s\n' "$files" | wc -l)

if [ "$mode" = fix ]; then
	printf '%s\n' "$files" | tr '\n' '\0' | xargs -0 "$CLANG_FORMAT" -i
	echo "format: formatted $n files"
	exit 0
fi

# One file at a time so the report names exactly the files that differ.
bad=$(printf '%s\n' "$files" | while IFS= read -r f; do
	"$CLANG_FORMAT" --dry-run --Werror "$f" >/dev/null 2>&1 || printf '%s\n' "$f"
done)
nbad=0
[ -n "$bad" ] && nbad=$(printf '%s\n' "$bad" | wc -l)
if [ "$nbad" -ne 0 ]; then
	echo "format: $nbad of $n files not formatted with clang-format:" >&2
	printf '%s\n' "$bad" | sed 's/^/  /' >&2
	echo "format: run 'make format' (or clang-format -i FILE) and review the diff" >&2
	exit 1
fi
echo "format: $n files clean"
