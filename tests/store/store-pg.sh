#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The findings store on a real PostgreSQL server that this test starts and
# stops itself: initdb into a temporary directory, pg_ctl start listening on
# a unix socket in that directory only (listen_addresses='': no TCP at all),
# run as the `postgres` user when the test runs as root (initdb refuses
# root). Then, against postgresql:///postgres?host=DIR:
#   - two runs (lib.sh snapshots A, B): diff JSON exactly as the two scan
#     reports say, history of the security group, the run list;
#   - two concurrent scans (advisory lock): both succeed, complete runs;
#   - a store taken back to schema version 1 is migrated on open; a newer
#     version is refused;
#   - a bad URL exits 3 and never prints the password.
# Skipped only when the PostgreSQL server binaries are absent.
#
#   store-pg.sh MAMORI SRC_ROOT
set -u
mamori=$(realpath "$1")
src=$(realpath "$2")
skip() {
	echo "SKIP store-pg: $*"
	exit 77
}
pgbin=${MAMORI_PG_BIN:-}
if [ -z "$pgbin" ]; then
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && pgbin=$d
	done
fi
[ -n "$pgbin" ] && [ -x "$pgbin/initdb" ] && [ -x "$pgbin/pg_ctl" ] ||
	skip "PostgreSQL server binaries not found (Debian package postgresql)"
command -v jq >/dev/null 2>&1 || skip "needs jq"
. "$(dirname "$0")/lib.sh"

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}
if [ "$(id -u)" = 0 ]; then
	id postgres >/dev/null 2>&1 || skip "running as root and there is no 'postgres' user"
	command -v runuser >/dev/null 2>&1 || skip "running as root without runuser"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-pg.XXXXXX")
pg=$tmp/pg
started=0
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	[ $started = 1 ] && as_pg "$pgbin/pg_ctl" -D "$pg/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"
mkdir "$pg"
[ "$(id -u)" = 0 ] && chown postgres: "$pg"
as_pg "$pgbin/initdb" -D "$pg/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
	>"$tmp/initdb.log" 2>&1 || fail "initdb: $(tail -5 "$tmp/initdb.log")"
as_pg "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 30 \
	-o "-c listen_addresses='' -k $pg -c fsync=off -c full_page_writes=off" \
	start >"$tmp/pg_ctl.log" 2>&1 || fail "pg_ctl start: $(tail -5 "$pg/server.log")"
started=1
url="postgresql:///postgres?host=$pg&user=postgres"

cd "$tmp" || exit 1
make_snapshots "$src" "$tmp"
"$mamori" scan A --db "$url" --format json >A.json 2>e1 || fail "scan A: $(cat e1)"
grep -q "recorded run 1 in the store" e1 || fail "$(cat e1)"
"$mamori" scan B --db "$url" --mutelist mute.yaml --format json >B.json 2>e2 ||
	fail "scan B: $(cat e2)"
"$mamori" diff --db "$url" --format json >d.json || fail "diff exit $?"
jq -e '.from == 1 and .to == 2' d.json >/dev/null || fail "default pair: $(jq -c '[.from,.to]' d.json)"
check_diff d.json A.json B.json nonempty
"$mamori" diff --db "$url" >d.txt || fail "text diff"
grep -q "^new ($(jq '.new | length' d.json)):" d.txt || fail "text diff: $(head -3 d.txt)"

"$mamori" history sg-01a2b3c4d5e6f7003 --db "$url" --format json >h.json || fail "history"
ssh=$(jq -r '.findings[] | select(.rule == "ec2-sg-ssh-world" and
	.resource.id == "sg-01a2b3c4d5e6f7003") | .id' A.json)
jq -e --arg id "$ssh" '.runs == 2 and (.findings[] | select(.id == $id) |
	.first_seen.run == 1 and .last_seen.run == 1 and .resolved.run == 2 and
	[.observations[].run] == [1])' h.json >/dev/null ||
	fail "history on PostgreSQL: $(jq -c . h.json | head -c 600)"

# two writers at once: serialised by the advisory lock, both complete
for i in 1 2; do
	MAMORI_TEST_STORE_PAUSE_MS=300 "$mamori" scan A --db "$url" -q 2>c$i.err &
	pids+=($!)
done
for i in 1 2; do
	wait "${pids[$((i - 1))]}" || fail "concurrent scan $i: $(cat c$i.err)"
done
pids=()
"$mamori" history --db "$url" --format json >runs.json || fail "runs"
jq -e --argjson n "$(jq '[.findings[] | select(.status != "pass")] | length' A.json)" \
	'[.runs[].id] == [1, 2, 3, 4] and all(.runs[2:][]; .counts.findings == $n)' runs.json \
	>/dev/null || fail "runs after concurrent scans: $(jq -c '[.runs[] | [.id, .counts]]' runs.json)"
"$mamori" diff --db "$url" 3 4 --format json >d34.json || fail "diff 3 4"
jq -e '(.new + .resolved + .changed) == []' d34.json >/dev/null || fail "same snapshot, not empty"

# migration on PostgreSQL: take the store back to version 1 (drop what
# version 2 added), open it with the current code, check it is migrated and
# the runs survived; then a version newer than this binary is refused
psql() { "$pgbin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$pg" -U postgres -d postgres "$@"; }
psql -c 'ALTER TABLE findings DROP COLUMN mute_reason;
	ALTER TABLE observations DROP COLUMN mute_reason;
	DROP INDEX findings_res_id, findings_res_arn, observations_finding;
	DELETE FROM schema_migrations WHERE version = 2' || fail "psql: back to version 1"
[ "$(psql -c 'SELECT max(version) FROM schema_migrations')" = 1 ] || fail "not at version 1"
"$mamori" history --db "$url" --format json >runs1.json || fail "open a version-1 store"
cmp -s runs.json runs1.json || fail "runs changed by the migration"
[ "$(psql -c 'SELECT max(version) FROM schema_migrations')" = 2 ] || fail "not migrated to 2"
[ "$(psql -c "SELECT count(*) FROM information_schema.columns WHERE
	table_name IN ('findings', 'observations') AND column_name = 'mute_reason'")" = 2 ] ||
	fail "mute_reason columns not restored"
"$mamori" scan B --db "$url" --mutelist mute.yaml -q || fail "scan after migration"
[ "$(psql -c "SELECT count(*) FROM observations WHERE run_id = 5 AND mute_reason IS NOT NULL")" \
	= "$(jq '[.findings[] | select(.status == "muted")] | length' B.json)" ] ||
	fail "mute reasons not recorded after migration"
psql -c "INSERT INTO schema_migrations VALUES (7, 'future', 't', '9')" || fail "psql insert"
"$mamori" diff --db "$url" 2>e4
rc=$?
[ $rc = 2 ] && grep -q "schema version 7, newer than version 2" e4 || fail "newer: $rc $(cat e4)"
psql -c "DELETE FROM schema_migrations WHERE version = 7" || fail "psql delete"

# a bad URL: exit 3, the password never printed
"$mamori" scan A -q --db "postgresql://mm:s3cr3t@/nosuchdb?host=$pg" 2>e3
rc=$?
[ $rc = 3 ] || fail "bad database: exit $rc"
grep -q 'mm:\*\*\*@' e3 && ! grep -q s3cr3t e3 || fail "password not masked: $(cat e3)"
echo "PASS store-pg: $(jq -c '{new: (.new|length), resolved: (.resolved|length),
	changed: (.changed|length)}' d.json)"
