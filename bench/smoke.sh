#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# smoke.sh GEN-SNAPSHOT MAMORI: a fast check (run by `meson test`) that the
# benchmark's input stays usable: gen-snapshot is deterministic, writes valid
# JSON (indented and compact), and every file it writes loads into
# `mamori scan` with no file failed and no record skipped. Needs jq; exits 77
# (skipped) without it.

set -euo pipefail

gen=$1
mamori=$2
command -v jq >/dev/null || {
	echo "smoke: jq not installed, skipping"
	exit 77
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$gen" --instances 300 --seed 3 "$tmp/a" 2>/dev/null
"$gen" --instances 300 --seed 3 "$tmp/b" 2>/dev/null
"$gen" --instances 300 --seed 4 --indent 0 "$tmp/c" 2>/dev/null
diff -r "$tmp/a" "$tmp/b" >/dev/null || {
	echo "smoke: gen-snapshot is not deterministic"
	exit 1
}
if diff -r -q "$tmp/a" "$tmp/c" >/dev/null; then
	echo "smoke: another seed gave the same output"
	exit 1
fi

for d in a c; do
	n=$(find "$tmp/$d" -name '*.json' | wc -l)
	find "$tmp/$d" -name '*.json' -print0 | xargs -0 jq empty || {
		echo "smoke: invalid JSON in $d"
		exit 1
	}

	status=0
	"$mamori" scan "$tmp/$d" --format json -o "$tmp/$d.out" 2>"$tmp/$d.err" || status=$?
	if ((status > 1)); then
		echo "smoke: mamori scan exited $status:"
		cat "$tmp/$d.err"
		exit 1
	fi
	jq -e --argjson n "$n" '.summary | .files_loaded == $n and .files_failed == 0
		and .records_skipped == 0' "$tmp/$d.out" >/dev/null || {
		echo "smoke: mamori scan did not load all $n generated files cleanly:"
		jq -c '.summary, .errors[:5]' "$tmp/$d.out"
		exit 1
	}
	echo "smoke: $d: $n files, all loaded"
done
