#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/host-bench.sh: how long does `mamori host` take, and how much memory
# does it need, to match 3,000 installed packages against 100,000 advisory
# records (half Debian security tracker JSON, half OSV)? Generates the data
# with bench/host-gen into bench/data/host/ (reused while present), then runs
# under bench/measure:
#
#   mamori host --root ROOT --advisories ADV --format json -o /dev/null
#   the same with --all
#   jq -c . on the same advisory files (reference: parse and re-print once)
#
# and prints one table and the mamori/jq time ratio. Nothing is asserted.
#
# usage: bench/host-bench.sh [BUILD_DIR]   (default build-bench-release, made
#        with -Dbuildtype=release when missing)
# Environment: HOST_PACKAGES (3000), HOST_RECORDS (100000), HOST_SEED (1).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench-release}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dbuildtype=release >/dev/null
fi
ninja -C "$build" mamori bench/measure bench/host-gen >/dev/null
pk=${HOST_PACKAGES:-3000}
rec=${HOST_RECORDS:-100000}
seed=${HOST_SEED:-1}
data=bench/data/host/$pk-$rec-$seed
if [ ! -f "$data/adv/osv.json" ]; then
	rm -rf "$data"
	"$build/bench/host-gen" "$data/root" "$data/adv" "$pk" "$rec" "$seed"
fi
m="$build/bench/measure"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
printf '%-34s %10s %12s %8s\n' "command" "wall s" "peak RSS KiB" "exit"
run() {
	local name=$1
	shift
	"$m" -o "$out" "$@" >/dev/null 2>&1 || true
	read -r wall rss _user _sys status <"$out"
	printf '%-34s %10s %12s %8s\n' "$name" "$wall" "$rss" "$status"
	eval "t_${name//[^a-z]/_}=$wall"
}
run "mamori host (default view)" "$build/mamori" host --root "$data/root" --advisories "$data/adv" \
	--format json -o /dev/null
run "mamori host --all" "$build/mamori" host --root "$data/root" --advisories "$data/adv" --all \
	--format json -o /dev/null
if command -v jq >/dev/null; then
	run "jq -c . (both advisory files)" sh -c "jq -c . '$data/adv/tracker.json' >/dev/null && jq -c . '$data/adv/osv.json' >/dev/null"
	awk -v a="$t_mamori_host__default_view_" -v b="$t_jq__c____both_advisory_files_" \
		'BEGIN { if (b > 0) printf "ratio mamori host / jq parse: %.2f\n", a / b }'
fi
"$build/mamori" host --root "$data/root" --advisories "$data/adv" --format json |
	jq -r '"findings: \(.summary.total), failing high+critical: \(.summary.by_severity.high + .summary.by_severity.critical)"' 2>/dev/null || true
