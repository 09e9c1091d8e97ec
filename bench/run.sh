#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/run.sh: how long do `mamori scan` (and `mamori reach`, once it exists)
# take to load and analyse a large account, and how much memory do they need?
#
# Builds a release tree (build-bench-release/), generates synthetic accounts
# of 10k and 100k instances with bench/gen-snapshot into bench/data/ (reused
# while the generator and its arguments are unchanged), and runs
#
#     mamori scan DIR --format json -o /dev/null
#
# under bench/measure (wall time, peak RSS via wait4). For reference it times,
# in the same run and on the same bytes, `cat` (reading the files) and
# `jq -c .` (parsing and re-printing them). Prints one table and the 100k/10k
# ratios: time and RSS ratios near 10 mean near-linear scaling. Nothing here
# asserts a time; a command that fails or is not implemented yet is reported
# as such and the table still prints.
#
# Environment (all optional):
#   BENCH_SIZES="10000 100000"   instance counts
#   BENCH_SEED=1                 generator seed
#   BENCH_INDENT=4               JSON indentation (4 = what the AWS CLI prints,
#                                0 = compact, about 40% of the bytes)
#   BENCH_REPEAT=1               runs per measurement; the fastest is kept
#   BENCH_BASELINE="cat jq"      reference commands to time ("" for none)
#   BENCH_BUILD, BENCH_DATA      build and data directories

set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BENCH_BUILD:-$root/build-bench-release}
data=${BENCH_DATA:-$root/bench/data}
sizes=${BENCH_SIZES:-10000 100000}
seed=${BENCH_SEED:-1}
indent=${BENCH_INDENT:-4}
repeat=${BENCH_REPEAT:-1}
baselines=${BENCH_BASELINE-cat jq}

say() { printf '%s\n' "$*" >&2; }

# --- build
if [[ ! -f $build/build.ninja ]]; then
	say "bench: configuring a release build in $build"
	meson setup "$build" "$root" -Dbuildtype=release >/dev/null
fi
if ! ninja -C "$build" mamori bench/gen-snapshot bench/measure >"$build/bench-build.log" 2>&1; then
	say "bench: the release build failed (see $build/bench-build.log):"
	grep -m 5 -E 'error|FAILED' "$build/bench-build.log" >&2 || true
	exit 2
fi
mamori=$build/mamori
gen=$build/bench/gen-snapshot
measure=$build/bench/measure

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

label() { # 10000 -> 10k
	local n=$1
	if ((n % 1000000 == 0)); then
		printf '%dM' $((n / 1000000))
	elif ((n % 1000 == 0)); then
		printf '%dk' $((n / 1000))
	else
		printf '%d' "$n"
	fi
}

json_files() { # NUL-separated list of the snapshot's files
	find "$1" -type f \( -name '*.json' -o -name '*.json.gz' \) -print0 | sort -z
}

# run_measured NAME CMD...: run CMD $repeat times under measure; sets
# m_wall m_rss_mb m_status (of the fastest run) and leaves the stderr of the
# last run in $tmp/NAME.err.
run_measured() {
	local name=$1 r best=""
	shift
	m_wall="" m_rss_mb="" m_status=""
	for ((r = 0; r < repeat; r++)); do
		"$measure" -o "$tmp/$name.m" "$@" >/dev/null 2>"$tmp/$name.err" || true
		local wall rss status
		read -r wall rss _ _ status <"$tmp/$name.m"
		if [[ -z $best ]] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$wall
			m_wall=$wall
			m_rss_mb=$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')
			m_status=$status
		fi
	done
}

# explain NAME: why a mamori command did not produce a number
explain() {
	local msg
	msg=$(grep -v '^[[:space:]]*$' "$tmp/$1.err" | head -n 1 || true)
	if grep -qi 'not implemented\|unknown command' "$tmp/$1.err"; then
		printf 'not implemented yet (exit %s): %s' "$m_status" "$msg"
	else
		printf 'failed (exit %s): %s' "$m_status" "${msg:-no message}"
	fi
}

# Which analysis commands exist in this build.
commands=(scan)
if "$mamori" reach --help >/dev/null 2>&1; then
	commands+=(reach)
fi

declare -A res
notes=()
for n in $sizes; do
	l=$(label "$n")
	dir=$data/$l
	stamp="gen-snapshot n=$n seed=$seed indent=$indent $(sha256sum "$root/bench/gen-snapshot.c" | cut -c1-16)"
	if [[ ! -f $dir/.stamp ]] || [[ $(cat "$dir/.stamp") != "$stamp" ]]; then
		say "bench: generating $l instances into $dir"
		rm -rf "$dir"
		mkdir -p "$dir"
		"$gen" --instances "$n" --seed "$seed" --indent "$indent" "$dir" 2>"$dir/.gen.txt"
		printf '%s\n' "$stamp" >"$dir/.stamp"
	else
		say "bench: reusing $dir"
	fi
	res[$l,enis]=$(sed -n 's/.* \([0-9]*\) ENIs.*/\1/p' "$dir/.gen.txt")
	bytes=$(json_files "$dir" | xargs -0 stat -c %s | awk '{ s += $1 } END { print s + 0 }')
	res[$l,mb]=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
	res[$l,n]=$n

	# warm the page cache so every command reads from memory
	json_files "$dir" | xargs -0 cat >/dev/null

	for b in $baselines; do
		# shellcheck disable=SC2016 # $1 is expanded by the inner sh
		case $b in
		cat) run_measured "cat-$l" sh -c 'find "$1" -type f -name "*.json" -print0 | xargs -0 cat' sh "$dir" ;;
		jq) run_measured "jq-$l" sh -c 'find "$1" -type f -name "*.json" -print0 | xargs -0 jq -c .' sh "$dir" ;;
		*) say "bench: unknown baseline '$b'"; continue ;;
		esac
		res[$l,$b]=$m_wall
		[[ $m_status == 0 ]] || res[$l,$b]="err"
	done

	for c in "${commands[@]}"; do
		say "bench: mamori $c $l"
		# the report goes to /dev/null (scan: -o; the others: stdout)
		args=(--format json)
		[[ $c != scan ]] || args+=(-o /dev/null)
		run_measured "$c-$l" "$mamori" "$c" "$dir" "${args[@]}"
		# exit 1 means findings at or above --fail-on: a successful run
		if [[ $m_status == 0 || $m_status == 1 ]]; then
			res[$l,$c]=$m_wall
			res[$l,$c,rss]=$m_rss_mb
		else
			res[$l,$c]="n/a"
			res[$l,$c,rss]="n/a"
			notes+=("mamori $c $l: $(explain "$c-$l")")
		fi
	done
done

# --- report
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || true)
printf '\nmamori load+analysis benchmark: release build, seed %s, indent %s, best of %s run(s)\n' \
	"$seed" "$indent" "$repeat"
printf 'machine: %s, %s CPUs; mamori runs single-threaded\n\n' "${cpu:-unknown CPU}" "$(nproc)"
header=$(printf '%-6s %10s %8s %9s' size instances ENIs "input MB")
for b in $baselines; do header+=$(printf ' %8s' "$b s"); done
for c in "${commands[@]}"; do header+=$(printf ' %8s %9s' "$c s" "$c MB"); done
printf '%s\n' "$header"
for n in $sizes; do
	l=$(label "$n")
	line=$(printf '%-6s %10s %8s %9s' "$l" "${res[$l,n]}" "${res[$l,enis]:-?}" "${res[$l,mb]}")
	for b in $baselines; do line+=$(printf ' %8s' "${res[$l,$b]:-}"); done
	for c in "${commands[@]}"; do
		line+=$(printf ' %8s %9s' "${res[$l,$c]}" "${res[$l,$c,rss]}")
	done
	printf '%s\n' "$line"
done

# ratios between the largest and the smallest size
read -r -a size_list <<<"$sizes"
if ((${#size_list[@]} >= 2)); then
	lo=$(label "${size_list[0]}")
	hi=$(label "${size_list[-1]}")
	ratio() { # ratio A B -> A/B with one decimal, or n/a
		awk -v a="$1" -v b="$2" 'BEGIN {
			if (a + 0 > 0 && b + 0 > 0) printf "%.1fx", a / b; else printf "n/a" }'
	}
	printf '\nratios %s/%s: instances %s, input %s' "$hi" "$lo" \
		"$(ratio "${res[$hi,n]}" "${res[$lo,n]}")" "$(ratio "${res[$hi,mb]}" "${res[$lo,mb]}")"
	for b in $baselines; do
		printf ', %s time %s' "$b" "$(ratio "${res[$hi,$b]}" "${res[$lo,$b]}")"
	done
	for c in "${commands[@]}"; do
		printf ', %s time %s, %s RSS %s' "$c" "$(ratio "${res[$hi,$c]}" "${res[$lo,$c]}")" \
			"$c" "$(ratio "${res[$hi,$c,rss]}" "${res[$lo,$c,rss]}")"
	done
	printf '\n(near-linear: time and RSS ratios close to the instance ratio)\n'
fi
if ((${#notes[@]})); then
	printf '\n'
	printf '%s\n' "${notes[@]}"
fi
exit 0
