#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Run the whole test suite and print one summary line, last:
#     N passed, N failed, N skipped
# summing every meson test of every build. Exit status 0 only when nothing
# failed. Used by `make check` (plain build, then ASan+UBSan build), `make
# test` (plain build only) and CI.
#
#   tests/run-all.sh [--no-asan] [--build DIR] [--asan-build DIR]
#
# Per build: configure (or reconfigure, so new CLI cases are registered),
# compile, `meson test`, then count the results in meson-logs/testlog.json
# (one JSON object per test; "result" is OK, FAIL, SKIP, TIMEOUT, ERROR,
# EXPECTEDFAIL, UNEXPECTEDPASS...). A build that does not compile counts as
# one failed test, and so does a `meson test` that fails without any failed
# test in its log, so a broken step can never look like success. The format
# check (suite 'format') runs once, in the plain build.
set -u

cd "$(dirname "$0")/.." || exit 3
root=$(pwd)

asan=1
build=build
asan_build="build-asan"
while [ $# -gt 0 ]; do
	case $1 in
	--no-asan) asan=0 ;;
	--build) build=$2; shift ;;
	--asan-build) asan_build=$2; shift ;;
	*)
		echo "usage: $0 [--no-asan] [--build DIR] [--asan-build DIR]" >&2
		exit 2
		;;
	esac
	shift
done

# Tests find ../shared through MAMORI_SHARED (and skip when it is absent).
if [ -z "${MAMORI_SHARED:-}" ] && [ -d "$root/../shared" ]; then
	MAMORI_SHARED=$(cd "$root/../shared" && pwd)
	export MAMORI_SHARED
fi

total_pass=0
total_fail=0
total_skip=0
failed_names=()
report=()

# count_log BUILD_LABEL LOGFILE: add the results of one meson test run.
count_log() {
	local label=$1 log=$2 p=0 f=0 s=0 res name
	while IFS=$'\t' read -r res name; do
		case $res in
		OK | EXPECTEDFAIL) p=$((p + 1)) ;;
		SKIP) s=$((s + 1)) ;;
		*)
			f=$((f + 1))
			failed_names+=("$label: $name ($res)")
			;;
		esac
	done < <(if command -v jq >/dev/null 2>&1; then
		jq -r '[.result, .name] | @tsv' "$log"
	else
		# Fallback without jq: the top-level keys are the only unescaped ones.
		sed -n 's/.*"name": "\([^"]*\)".*"result": "\([A-Z]*\)".*/\2\t\1/p' "$log"
	fi)
	run_pass=$p
	run_fail=$f
	run_skip=$s
}

# run_build LABEL DIR MESON_SETUP_OPTIONS... -- MESON_TEST_OPTIONS...
run_build() {
	local label=$1 dir=$2
	shift 2
	local setup_opts=() test_opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		setup_opts+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	test_opts=("$@")

	echo "==== $label: configure and build in $dir/"
	local ok=1 setup_log
	setup_log=$(mktemp)
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "${setup_opts[@]}" >"$setup_log" 2>&1 || ok=0
	else
		meson setup "$dir" "${setup_opts[@]}" >"$setup_log" 2>&1 || ok=0
	fi
	[ $ok = 0 ] && cat "$setup_log"
	rm -f "$setup_log"
	if [ $ok = 0 ]; then
		echo "==== $label: meson setup FAILED"
	else
		ninja -C "$dir" || ok=0
		[ $ok = 0 ] && echo "==== $label: build FAILED"
	fi
	if [ $ok = 0 ]; then
		total_fail=$((total_fail + 1))
		failed_names+=("$label: build")
		report+=("$label: build failed, tests not run")
		return
	fi

	echo "==== $label: meson test"
	local log=$dir/meson-logs/testlog.json rc=0
	rm -f "$log"
	meson test -C "$dir" --no-rebuild --print-errorlogs "${test_opts[@]}" || rc=$?
	run_pass=0 run_fail=0 run_skip=0
	if [ -s "$log" ]; then
		count_log "$label" "$log"
	fi
	if [ $rc -ne 0 ] && [ $run_fail -eq 0 ]; then
		run_fail=1
		failed_names+=("$label: meson test exited $rc without a failed test in $log")
	fi
	if [ $((run_pass + run_fail + run_skip)) -eq 0 ]; then
		run_fail=1
		failed_names+=("$label: no test results in $log")
	fi
	total_pass=$((total_pass + run_pass))
	total_fail=$((total_fail + run_fail))
	total_skip=$((total_skip + run_skip))
	report+=("$label: $run_pass passed, $run_fail failed, $run_skip skipped")
}

start=$(date +%s)
run_build "plain" "$build" --
if [ $asan = 1 ]; then
	# ASan+UBSan+LSan; every leak or undefined behaviour fails its test.
	# gcc's -fsanitize=undefined leaves out float-cast-overflow (an
	# out-of-range double to integer conversion, e.g. a JSON number 1e300
	# read as a port), so it is asked for explicitly. Warnings stay warnings
	# here (werror=false): sanitizer instrumentation makes gcc 12 report false
	# positives (e.g. "null format string" on vsnprintf(NULL, 0, ...)), and
	# the plain build already enforces -Werror on the same code. -Og, not -O2:
	# at -O2 gcc folds away some of the conversions the sanitizers check.
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	run_build "asan" "$asan_build" -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fsanitize=float-cast-overflow -Dwerror=false -Doptimization=g \
		-- --no-suite format --timeout-multiplier 3
fi

echo
echo "==== summary ($(($(date +%s) - start)) s)"
for r in "${report[@]}"; do
	echo "  $r"
done
if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed:"
	for n in "${failed_names[@]}"; do
		echo "  $n"
	done
fi
summary="$total_pass passed, $total_fail failed, $total_skip skipped"
# Also in a file, so CI can repeat it as its last line after make's own messages.
mkdir -p "$build" && echo "$summary" >"$build/test-summary.txt"
echo "$summary"
[ $total_fail -eq 0 ]
