#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The findings store under stress (SQLite):
#   - concurrency: four `mamori scan --db` at once against one new file (so
#     they also race to create and migrate it), each holding its transaction
#     open a while (MAMORI_TEST_STORE_PAUSE_MS, test-only): all succeed, four
#     complete runs, each with exactly the findings its own report lists;
#   - kill -9 inside the run's transaction: the store opens, integrity_check
#     is ok, the earlier run is intact, the killed run left nothing (not even
#     its run id), and the next scan records normally.
#
#   store-crash.sh MAMORI SRC_ROOT
set -u
mamori=$(realpath "$1")
src=$(realpath "$2")
skip() {
	echo "SKIP store-crash: $*"
	exit 77
}
command -v jq >/dev/null 2>&1 || skip "needs jq"
command -v sqlite3 >/dev/null 2>&1 || skip "needs the sqlite3 command (Debian package sqlite3)"
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-store.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
make_snapshots "$src" "$tmp"

# ---- four writers at once on a new file
db=$tmp/c.db
for i in 1 2 3 4; do
	snap=A
	[ $((i % 2)) = 0 ] && snap=B
	MAMORI_TEST_STORE_PAUSE_MS=300 "$mamori" scan $snap --db "$db" --format json \
		>c$i.json 2>c$i.err &
	pids+=($!)
done
for i in 1 2 3 4; do
	wait "${pids[$((i - 1))]}"
	rc=$?
	[ $rc = 0 ] || fail "concurrent scan $i exited $rc: $(cat c$i.err)"
done
pids=()
[ "$(sqlite3 "$db" 'SELECT group_concat(id) FROM (SELECT id FROM runs ORDER BY id)')" = 1,2,3,4 ] ||
	fail "runs after 4 concurrent scans: $(sqlite3 "$db" 'SELECT id FROM runs')"
[ "$(sqlite3 "$db" 'SELECT count(*) FROM schema_migrations')" = 2 ] || fail "migrated twice?"
for i in 1 2 3 4; do
	run=$(sed -n 's/.*recorded run \([0-9]*\) .*/\1/p' c$i.err)
	[ -n "$run" ] || fail "scan $i did not say which run it recorded: $(cat c$i.err)"
	want=$(jq '[.findings[] | select(.status != "pass")] | length' c$i.json)
	got=$(sqlite3 "$db" "SELECT count(*) FROM observations WHERE run_id = $run")
	[ "$got" = "$want" ] || fail "run $run has $got observations, its report $want"
done
[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check after concurrency"

# ---- kill -9 inside the transaction
db=$tmp/k.db
"$mamori" scan A --db "$db" -q || fail "first scan"
before=$(sqlite3 "$db" 'SELECT count(*) FROM observations')
MAMORI_TEST_STORE_PAUSE_MS=30000 "$mamori" scan B --db "$db" -q &
victim=$!
pids+=($victim)
# inside the transaction = holding the write lock: a writer with no timeout is refused
locked=0
for _ in $(seq 200); do
	if ! sqlite3 -cmd '.timeout 0' "$db" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1; then
		locked=1
		break
	fi
	sleep 0.05
done
[ $locked = 1 ] || fail "the second scan never held the write lock"
kill -9 $victim
wait $victim 2>/dev/null
pids=()
[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check after kill -9"
[ "$(sqlite3 "$db" 'SELECT group_concat(id) FROM runs')" = 1 ] || fail "a partial run is visible"
[ "$(sqlite3 "$db" 'SELECT count(*) FROM observations')" = "$before" ] || fail "run 1 changed"
[ "$(sqlite3 "$db" 'SELECT count(*) FROM observations WHERE run_id <> 1')" = 0 ] ||
	fail "observations of the killed run survived"
"$mamori" history --db "$db" --format json >runs.json || fail "history after kill"
jq -e '[.runs[].id] == [1]' runs.json >/dev/null || fail "runs after kill: $(cat runs.json)"
"$mamori" scan B --db "$db" -q || fail "scan after kill"
[ "$(sqlite3 "$db" 'SELECT group_concat(id) FROM runs')" = 1,2 ] ||
	fail "the run after the kill is not run 2"
"$mamori" diff --db "$db" --format json >d.json || fail "diff after kill"
jq -e '.from == 1 and .to == 2 and (.new | length) > 0' d.json >/dev/null || fail "diff after kill"
echo "PASS store-crash"
