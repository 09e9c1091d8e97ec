#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/trail-bench.sh: how fast is `mamori trail`, against the targets of
# issue 4 and against the baselines measured in the same run?
#
# Generates (once, reused while the size and seed are unchanged) a synthetic
# CloudTrail corpus with bench/trail-gen under bench/data/trail/: about
# TRAIL_BENCH_MB of NDJSON, and the same events as S3-layout .json.gz files.
# Then, under bench/measure (wall time, peak RSS):
#
#   ndjson, 1 thread      mamori trail over the NDJSON, built-in rules plus the
#                         SigmaHQ set (when ../shared is there) but the one rule
#                         that fires on every event here: events/s, MB/s
#   ndjson, no rule       framing and scanning alone
#   ndjson, + AssumeRole  with that rule: one alert per event
#   ndjson, dom parser    the same with every record parsed whole (json.c)
#   gz, inflate only      zlib inflate of the .json.gz files (trail-gen inflate)
#   gz, 1 thread          mamori trail over them; ratio to inflate alone
#   gz, 2 threads         both cores on several files; speedup over 1 thread
#   follow                --follow over the NDJSON (tail, reorder window):
#                         peak RSS, to compare with the 64 MB target
#   jq                    a comparable filter (select the seed's event names)
#                         over the first TRAIL_BENCH_JQ_MB of the NDJSON
#
# Targets (issue 4): >= 500k events/s per core on NDJSON; .json.gz within
# 1.3x of decompression alone; both cores used with several files; peak RSS
# under 64 MB in follow mode. This script reports; it asserts nothing.
#
# Environment: TRAIL_BENCH_MB (default 1024), TRAIL_BENCH_SEED (1),
# TRAIL_BENCH_JQ_MB (100), TRAIL_BENCH_PER_FILE (events per .json.gz, 5000),
# BENCH_BUILD (default build-bench-release), BENCH_DATA (bench/data),
# TRAIL_BENCH_RULES ("builtin" to leave out the SigmaHQ set).

set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BENCH_BUILD:-$root/build-bench-release}
data=${BENCH_DATA:-$root/bench/data}/trail
mb=${TRAIL_BENCH_MB:-1024}
seed=${TRAIL_BENCH_SEED:-1}
jq_mb=${TRAIL_BENCH_JQ_MB:-100}
per_file=${TRAIL_BENCH_PER_FILE:-5000}
shared=${MAMORI_SHARED:-$root/../shared}

say() { printf '%s\n' "$*" >&2; }

if [ ! -x "$build/mamori" ] || [ ! -x "$build/bench/trail-gen" ]; then
	say "trail-bench: building $build (release)"
	[ -d "$build" ] || meson setup "$build" "$root" --buildtype=release >/dev/null
	ninja -C "$build" mamori bench/trail-gen bench/measure >/dev/null
fi
mamori=$build/mamori
gen=$build/bench/trail-gen
measure=$build/bench/measure

# ~1430 bytes per generated event
events=$((mb * 1024 * 1024 / 1430))
stamp="$events $seed $per_file $(cksum <"$root/bench/trail-gen.c")"
mkdir -p "$data"
if [ "$(cat "$data/stamp" 2>/dev/null)" != "$stamp" ]; then
	say "trail-bench: generating $events events (~$mb MB) in $data"
	rm -rf "$data/s3" "$data/events.ndjson" "$data/stamp"
	"$gen" ndjson "$events" "$seed" >"$data/events.ndjson"
	"$gen" s3 "$events" "$seed" "$data/s3" "$per_file"
	echo "$stamp" >"$data/stamp"
fi
nd_bytes=$(stat -c %s "$data/events.ndjson")
mapfile -t gz < <(find "$data/s3" -name '*.json.gz' | sort)
gz_bytes=$(cat "${gz[@]}" | wc -c)

rules=()
rules_note="built-in (20)"
if [ "${TRAIL_BENCH_RULES:-}" != builtin ] && [ -d "$shared/rulesets/sigma-cloudtrail" ]; then
	rules=(--rules "$shared/rulesets/sigma-cloudtrail")
	rules_note="built-in (20) + SigmaHQ CloudTrail (57)"
fi
# SigmaHQ's "AWS STS AssumeRole Misuse" (level low) matches every call made
# with an assumed role: nearly every event here, as in a real account. The
# main rows silence it with a policy (what a user would do); one row keeps
# it, to show the cost of one alert per event.
policy_dir=$(mktemp -d)
printf 'rules:\n  905d389b-b853-46d0-9d3d-dea0d3a3cd49: off\n' >"$policy_dir/policy.yaml"
quiet_rules=("${rules[@]}" --policy "$policy_dir/policy.yaml")

cores=$(nproc)
say "trail-bench: $events events, NDJSON $((nd_bytes >> 20)) MB, ${#gz[@]} .json.gz files" \
	"($((gz_bytes >> 20)) MB compressed); rules: $rules_note; $cores CPUs"

# run LABEL CMD...: one measured run; prints wall, rss, user
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$policy_dir"' EXIT
run() {
	local label=$1
	shift
	if ! "$measure" -o "$tmp/m" "$@" >/dev/null 2>"$tmp/err"; then
		say "trail-bench: $label failed:"
		tail -3 "$tmp/err" >&2
	fi
	read -r wall rss user sys status <"$tmp/m"
	echo "$wall $rss $user $sys"
}

row() { printf '%-26s %9s %9s %11s %9s %9s  %s\n' "$@"; }
per_s() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? b / 1048576 / s : 0) }'; }

row "run" "wall s" "cpu s" "events/s" "MB/s" "RSS MB" "note"
read -r w r u s < <(run ndjson "$mamori" trail -q -f jsonl --threads 1 "${quiet_rules[@]}" \
	-o /dev/null "$data/events.ndjson")
cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
nd_eps=$(per_s "$events" "$cpu")
row "ndjson, lazy, 1 thread" "$w" "$cpu" "$nd_eps" "$(mbps "$nd_bytes" "$cpu")" "$((r >> 10))" \
	"target >= 500000 events/s per core"
read -r w r u s < <(run ndjson "$mamori" trail -q -f jsonl --threads 1 --no-builtin \
	-o /dev/null "$data/events.ndjson")
cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
row "ndjson, no rule at all" "$w" "$cpu" "$(per_s "$events" "$cpu")" "$(mbps "$nd_bytes" "$cpu")" \
	"$((r >> 10))" "framing and scanning only"
read -r w r u s < <(run flood "$mamori" trail -q -f jsonl --threads 1 "${rules[@]}" -o /dev/null \
	"$data/events.ndjson")
cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
row "ndjson, + AssumeRole Misuse" "$w" "$cpu" "$(per_s "$events" "$cpu")" \
	"$(mbps "$nd_bytes" "$cpu")" "$((r >> 10))" "one alert per event, all kept for sorting"
read -r w r u s < <(run dom "$mamori" trail -q -f jsonl --threads 1 --parser dom \
	"${quiet_rules[@]}" -o /dev/null "$data/events.ndjson")
cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
row "ndjson, dom, 1 thread" "$w" "$cpu" "$(per_s "$events" "$cpu")" "$(mbps "$nd_bytes" "$cpu")" \
	"$((r >> 10))" "json.c on every record (baseline)"
read -r inflated inflate_s < <("$gen" inflate "${gz[@]}")
row "gz, zlib inflate only" "$inflate_s" "$inflate_s" "$(per_s "$events" "$inflate_s")" \
	"$(mbps "$inflated" "$inflate_s")" "-" "decompression alone"
read -r w r u s < <(run gz1 "$mamori" trail -q -f jsonl --threads 1 "${quiet_rules[@]}" \
	-o /dev/null "$data/s3")
gz1=$w
row "gz, 1 thread" "$w" "$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')" \
	"$(per_s "$events" "$w")" "$(mbps "$inflated" "$w")" "$((r >> 10))" \
	"$(awk -v a="$w" -v b="$inflate_s" 'BEGIN { printf "%.2fx inflate alone (target <= 1.3x)", a / b }')"
read -r w r u s < <(run gz2 "$mamori" trail -q -f jsonl --threads 2 "${quiet_rules[@]}" \
	-o /dev/null "$data/s3")
row "gz, 2 threads" "$w" "$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')" \
	"$(per_s "$events" "$w")" "$(mbps "$inflated" "$w")" "$((r >> 10))" \
	"$(awk -v a="$gz1" -v b="$w" 'BEGIN { printf "%.2fx faster than 1 thread", a / b }')"
read -r w r u s < <(run follow "$mamori" trail -q -f jsonl --follow --idle-exit 1 "${rules[@]}" \
	-o /dev/null "$data/events.ndjson")
row "follow, ndjson" "$w" "$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')" \
	"-" "-" "$((r >> 10))" "peak RSS (target < 64 MB), all rules; wall includes 1 s idle"
if command -v jq >/dev/null; then
	head -c $((jq_mb * 1048576)) "$data/events.ndjson" | sed '$d' >"$tmp/jq.ndjson"
	jq_events=$(wc -l <"$tmp/jq.ndjson")
	jq_bytes=$(stat -c %s "$tmp/jq.ndjson")
	names='["AllocateAddress","RunInstances","RevokeSecurityGroupIngress","RevokeSecurityGroupEgress","ReplaceRoute","ModifySnapshotAttribute","ModifyImageAttribute","GetPasswordData","EnableSerialConsoleAccess","DisableEbsEncryptionByDefault","DescribeInstances","DeleteSubnet","DeleteCluster","CreateSnapshot","AuthorizeSecurityGroupIngress","AuthorizeSecurityGroupEgress","AssociateAddress"]'
	read -r w r u s < <(run jq jq -c --argjson n "$names" \
		'select(.eventName as $e | $n | index($e))' "$tmp/jq.ndjson")
	row "jq, seed event names" "$w" "$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')" \
		"$(per_s "$jq_events" "$w")" "$(mbps "$jq_bytes" "$w")" "$((r >> 10))" \
		"first $jq_mb MB; select by eventName only"
fi
