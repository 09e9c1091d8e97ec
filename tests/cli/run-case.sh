#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Golden test runner for the mamori command line: runs one case directory
# (format in tests/cli/README.md) and compares exit code, stdout, stderr and
# output files with what the case expects. Exit 0 pass, 1 fail, 77 skip.
#
#   run-case.sh MAMORI CASE_DIR
#   run-case.sh --check-registered CASES_DIR NAME...   (meson guard test)
#
# Environment: MAMORI_SRC (source root; default: two levels up from here),
# MAMORI_SHARED (default: $MAMORI_SRC/../shared), MAMORI_CASE_TIMEOUT
# (seconds, default 60), MAMORI_UPDATE_GOLDEN=1 (rewrite the expected files
# from this run instead of comparing; review the diff before committing).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ "${1:-}" = --check-registered ]; then
	dir=$2
	shift 2
	want=$(printf '%s\n' "$@" | sort)
	have=$("$here/list-cases.sh" "$dir")
	if [ "$want" != "$have" ]; then
		echo "cli: case directories changed since meson was configured:"
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$have") | sed -n 's/^[<>]/  &/p'
		echo "cli: run 'meson setup --reconfigure BUILDDIR' (make test does it for you)"
		exit 1
	fi
	echo "cli: all $# cases registered"
	exit 0
fi

if [ $# -ne 2 ]; then
	echo "usage: $0 MAMORI CASE_DIR" >&2
	exit 2
fi

mamori=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
case_dir=$(cd "$2" && pwd)
name=$(basename "$case_dir")
src=${MAMORI_SRC:-$(cd "$here/../.." && pwd)}
shared=${MAMORI_SHARED:-$src/../shared}
update=${MAMORI_UPDATE_GOLDEN:-0}

fail() {
	echo "FAIL $name: $*"
	failed=1
}

# Requirements: skip (77) when the case needs something this machine lacks.
if [ -f "$case_dir/needs" ]; then
	for need in $(sed 's/#.*//' "$case_dir/needs"); do
		case $need in
		shared)
			if [ ! -d "$shared" ]; then
				echo "SKIP $name: needs $shared (../shared beside the repository)"
				exit 77
			fi
			;;
		root)
			if [ "$(id -u)" -ne 0 ]; then
				echo "SKIP $name: needs root"
				exit 77
			fi
			;;
		*)
			if ! command -v "$need" >/dev/null 2>&1; then
				echo "SKIP $name: needs program '$need'"
				exit 77
			fi
			;;
		esac
	done
fi

if [ ! -f "$case_dir/args" ]; then
	echo "FAIL $name: no 'args' file in $case_dir"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
work=$tmp/work
mkdir "$work"
[ -d "$case_dir/tree" ] && cp -a "$case_dir/tree/." "$work/"

subst() {
	local s=$1
	s=${s//@SRC@/$src}
	s=${s//@CASE@/$case_dir}
	s=${s//@TMP@/$work}
	s=${s//@SHARED@/$shared}
	printf '%s' "$s"
}

args=()
while IFS= read -r line || [ -n "$line" ]; do
	case $line in
	'#'*) continue ;;
	esac
	args+=("$(subst "$line")")
done <"$case_dir/args"

# A clean, deterministic environment; sanitizer settings pass through.
envv=(PATH="$PATH" HOME="$work" LC_ALL=C TZ=UTC NO_COLOR=1 MAMORI_SHARED="$shared")
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS MALLOC_PERTURB_; do
	[ -n "${!v:-}" ] && envv+=("$v=${!v}")
done
if [ -f "$case_dir/env" ]; then
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		'#'* | '') continue ;;
		esac
		envv+=("$(subst "$line")")
	done <"$case_dir/env"
fi

stdin=/dev/null
[ -f "$case_dir/stdin" ] && stdin=$case_dir/stdin

(cd "$work" && exec env -i "${envv[@]}" timeout -k 5 "${MAMORI_CASE_TIMEOUT:-60}" \
	"$mamori" "${args[@]}") <"$stdin" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?

# Normalise the paths of this run so output is byte-stable. Longest first:
# the work dir and case dir lie inside other replaced paths.
# Paths become literal regexes; \001 delimits so no path character needs it.
sed_lit() { printf '%s' "$1" | sed 's/[][\\.^$*]/\\&/g'; }
norm_script=$tmp/norm.sed
{
	for pair in "$work=@TMP@" "$case_dir=@CASE@" "$shared=@SHARED@" \
		"$(cd "$shared" 2>/dev/null && pwd -P)=@SHARED@" "$src=@SRC@" \
		"$(cd "$src" && pwd -P)=@SRC@" "$mamori=@MAMORI@"; do
		from=${pair%=*}
		to=${pair##*=}
		[ -n "$from" ] && printf 's\001%s\001%s\001g\n' "$(sed_lit "$from")" "$to"
	done
} >"$norm_script"
normalise() {
	sed -f "$norm_script" "$1" >"$1.n"
	if [ -f "$case_dir/filter" ]; then
		sed -E -f "$case_dir/filter" "$1.n" >"$1.f" && mv "$1.f" "$1.n"
	fi
	mv "$1.n" "$1"
}
normalise "$tmp/stdout"
normalise "$tmp/stderr"

failed=0

# Sanitizer reports fail a case whatever it expects.
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' \
	"$tmp/stderr"; then
	fail "sanitizer report on stderr"
	sed -n '1,60p' "$tmp/stderr"
fi

want_rc=0
[ -f "$case_dir/exit" ] && want_rc=$(tr -d ' \n' <"$case_dir/exit")
if [ "$rc" -eq 124 ]; then
	fail "timed out after ${MAMORI_CASE_TIMEOUT:-60}s"
fi

if [ "$update" = 1 ]; then
	for s in stdout stderr; do
		updated=0
		if [ -f "$case_dir/$s.json" ]; then
			jq -S . "$tmp/$s" >"$case_dir/$s.json" && updated=1
		fi
		[ -f "$case_dir/$s.grep" ] && updated=1
		if [ -f "$case_dir/$s" ] || [ "$updated" = 0 ]; then
			cp "$tmp/$s" "$case_dir/$s"
		fi
	done
	if [ "$rc" -ne 0 ] || [ -f "$case_dir/exit" ]; then
		echo "$rc" >"$case_dir/exit"
	fi
	if [ -d "$case_dir/files" ]; then
		(cd "$case_dir/files" && find . -type f) | while IFS= read -r f; do
			if [ -f "$work/$f" ]; then
				normalise "$work/$f"
				cp "$work/$f" "$case_dir/files/$f"
			fi
		done
	fi
	echo "UPDATED $name (exit $rc)"
	exit 0
fi

if [ "$rc" != "$want_rc" ]; then
	fail "exit code $rc, expected $want_rc"
fi

for s in stdout stderr; do
	if [ -f "$case_dir/$s" ] && ! cmp -s "$case_dir/$s" "$tmp/$s"; then
		fail "$s differs from $s (--- expected, +++ actual):"
		diff -u "$case_dir/$s" "$tmp/$s" | head -n 200
	fi
	if [ -f "$case_dir/$s.json" ]; then
		if ! jq -S . "$tmp/$s" >"$tmp/$s.sorted" 2>"$tmp/jq.err"; then
			fail "$s is not valid JSON: $(head -n 1 "$tmp/jq.err")"
			head -c 2000 "$tmp/$s"
		elif ! jq -S . "$case_dir/$s.json" | cmp -s - "$tmp/$s.sorted"; then
			fail "$s differs from $s.json as JSON (--- expected, +++ actual, keys sorted):"
			jq -S . "$case_dir/$s.json" | diff -u - "$tmp/$s.sorted" | head -n 200
		fi
	fi
	if [ -f "$case_dir/$s.grep" ]; then
		while IFS= read -r re || [ -n "$re" ]; do
			case $re in
			'#'* | '') continue ;;
			'!'*)
				if grep -qE -- "${re#!}" "$tmp/$s"; then
					fail "$s matches forbidden pattern: ${re#!}"
				fi
				;;
			*)
				if ! grep -qE -- "$re" "$tmp/$s"; then
					fail "$s has no line matching: $re"
				fi
				;;
			esac
		done <"$case_dir/$s.grep"
	fi
done

if [ -d "$case_dir/files" ]; then
	while IFS= read -r f; do
		f=${f#./}
		if [ ! -f "$work/$f" ]; then
			fail "expected output file '$f' was not written"
			continue
		fi
		normalise "$work/$f"
		if ! cmp -s "$case_dir/files/$f" "$work/$f"; then
			fail "output file '$f' differs (--- expected, +++ actual):"
			diff -u "$case_dir/files/$f" "$work/$f" | head -n 200
		fi
	done < <(cd "$case_dir/files" && find . -type f | sort)
fi

if [ "$failed" != 0 ]; then
	echo "---- command: mamori ${args[*]} (exit $rc)"
	echo "---- stdout (first 40 lines):"
	sed -n '1,40p' "$tmp/stdout"
	echo "---- stderr (first 40 lines):"
	sed -n '1,40p' "$tmp/stderr"
	exit 1
fi
echo "PASS $name"
exit 0
