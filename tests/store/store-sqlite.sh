#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The findings store end to end with SQLite, through the command line:
#   - two runs (lib.sh snapshots A then B): `mamori diff` new / resolved /
#     changed exactly as the two scan reports say (differential, via jq),
#     text and JSON agree, the store's resolved_run matches;
#   - a third run of A: the default diff is the reverse, the resolved SSH
#     finding is reopened and `mamori history` (by id and by ARN) shows it;
#   - --fail-on exits 1 exactly when the diff brings a failing finding at or
#     above the threshold;
#   - scope: a run of one account only, and a run missing one input file,
#     resolve nothing they did not cover (missing data is unknown);
#   - errors: missing store, unknown run, newer schema, unwritable store
#     (scan still prints its report, exits 3 naming the file), not a database.
#
#   store-sqlite.sh MAMORI SRC_ROOT
set -u
mamori=$(realpath "$1")
src=$(realpath "$2")
skip() {
	echo "SKIP store-sqlite: $*"
	exit 77
}
command -v jq >/dev/null 2>&1 || skip "needs jq"
command -v sqlite3 >/dev/null 2>&1 || skip "needs the sqlite3 command (Debian package sqlite3)"
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-store.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
make_snapshots "$src" "$tmp"
db=$tmp/s.db
q() { sqlite3 "$db" "$1"; }

# run 1, run 2
"$mamori" scan A --db "$db" --format json >A.json 2>run1.err || fail "scan A: $(cat run1.err)"
grep -q "recorded run 1 in the store" run1.err || fail "no run message: $(cat run1.err)"
"$mamori" scan B --db "$db" --mutelist mute.yaml --format json >B.json 2>run2.err ||
	fail "scan B: $(cat run2.err)"
[ "$(stat -c %a "$db")" = 600 ] || fail "store mode is $(stat -c %a "$db"), expected 600"
[ "$(q 'PRAGMA journal_mode')" = wal ] || fail "store not in WAL mode"

"$mamori" diff --db "$db" --format json >d12.json || fail "diff exit $?"
check_diff d12.json A.json B.json nonempty
jq -e '.from == 1 and .to == 2' d12.json >/dev/null || fail "default pair is not 1 -> 2"
"$mamori" diff --db "$db" 1 2 --format json | cmp -s - d12.json || fail "diff 1 2 != default diff"
# text agrees with JSON
"$mamori" diff --db "$db" >d12.txt || fail "text diff exit $?"
for k in new resolved changed; do
	n=$(jq ".$k | length" d12.json)
	grep -q "^$k ($n):" d12.txt || fail "text diff lacks '$k ($n):'"
	for id in $(jq -r ".$k[].resource.id" d12.json); do
		grep -q -- "$id" d12.txt || fail "text diff lacks $id"
	done
done
grep -q 'mute: none -> "restored copy, reviewed"' d12.txt || fail "text diff lacks the mute change"
# the store's own state agrees with the diff
[ "$(q 'SELECT id FROM findings WHERE resolved_run = 2 ORDER BY id' | tr '\n' ' ')" = \
	"$(jq -r '[.resolved[].id] | sort | join(" ")' d12.json) " ] ||
	fail "resolved_run = 2 does not match the diff"
[ "$(q 'SELECT count(*) FROM findings WHERE first_seen_run = 2')" = "$(jq '.new | length' d12.json)" ] ||
	fail "first_seen_run = 2 does not match the diff"
[ "$(q 'SELECT count(*) FROM observations WHERE run_id = 2')" = \
	"$(jq '[.findings[] | select(.status != "pass")] | length' B.json)" ] ||
	fail "observations of run 2 != findings of B"

# --fail-on: 1 exactly when a new (or newly failing) finding is at or above SEV
for sev in critical high medium low; do
	want=$(jq --arg s "$sev" '
	  def rank: {"info":0,"low":1,"medium":2,"high":3,"critical":4}[.];
	  ($s | rank) as $t
	  | ([.new[] | select(.status == "fail" and (.severity | rank) >= $t)] +
	     [.changed[] | select(.status == "fail" and (.severity | rank) >= $t and
	        ((.changes.status.before // "fail") != "fail" or
	         ((.changes.severity.before // .severity) | rank) < $t))])
	  | if length > 0 then 1 else 0 end' d12.json)
	"$mamori" diff --db "$db" --fail-on "$sev" >/dev/null
	got=$?
	[ "$got" = "$want" ] || fail "diff --fail-on $sev exit $got, expected $want"
	[ "$sev" = high ] && [ "$want" != 1 ] && fail "test data must have a new high finding"
done
"$mamori" diff --db "$db" 2 2 --fail-on info --format json >d22.json || fail "diff 2 2 --fail-on"
jq -e '(.new + .resolved + .changed) == []' d22.json >/dev/null || fail "diff of a run with itself"

# run 3 = A again: the default diff is 2 -> 3, the reverse of 1 -> 2
"$mamori" scan A --db "$db" --format json >A3.json 2>/dev/null || fail "scan A again"
"$mamori" diff --db "$db" --format json >d23.json || fail "diff 2 3"
jq -e '.from == 2 and .to == 3' d23.json >/dev/null || fail "default pair is not 2 -> 3"
check_diff d23.json B.json A3.json
[ "$(jq -c '[.new[].id] | sort' d23.json)" = "$(jq -c '[.resolved[].id] | sort' d12.json)" ] ||
	fail "what 1 -> 2 resolved is not new again in 2 -> 3"

# history of the security group whose SSH rule went away and came back
ssh=$(jq -r '.findings[] | select(.rule == "ec2-sg-ssh-world" and
	.resource.id == "sg-01a2b3c4d5e6f7003") | .id' A.json)
arn=$(jq -r '.findings[] | select(.id == "'"$ssh"'") | .resource.arn' A.json)
[ -n "$ssh" ] && [ -n "$arn" ] && [ "$arn" != null ] || fail "no SSH finding with an ARN in A"
jq -e --arg id "$ssh" '.resolved | any(.id == $id)' d12.json >/dev/null ||
	fail "the SSH finding is not resolved in 1 -> 2"
"$mamori" history sg-01a2b3c4d5e6f7003 --db "$db" --format json >h.json || fail "history"
jq -e --arg id "$ssh" '.runs == 3 and (.findings[] | select(.id == $id) |
	.first_seen.run == 1 and .last_seen.run == 3 and .resolved == null and
	.reopened.run == 3 and ([.observations[].run] == [1, 3]))' h.json >/dev/null ||
	fail "history of $ssh: $(jq -c --arg id "$ssh" '.findings[] | select(.id == $id) |
		del(.observations)' h.json)"
# every finding of the resource, in every run, as the scan reports said
jq -n -e --slurpfile h h.json --slurpfile a A.json --slurpfile b B.json --slurpfile c A3.json '
  def ids(r): [r.findings[] | select(.status != "pass" and
              .resource.id == "sg-01a2b3c4d5e6f7003") | .id];
  ($h[0].findings | map(.id) | sort) == ((ids($a[0]) + ids($b[0]) + ids($c[0])) | unique)' \
	>/dev/null || fail "history does not list every finding of the resource"
"$mamori" history "$arn" --db "$db" --format json >h-arn.json || fail "history by ARN"
[ "$(jq -c '[.findings[].id]' h.json)" = "$(jq -c '[.findings[].id]' h-arn.json)" ] ||
	fail "history by ARN differs from history by id"
"$mamori" history sg-01a2b3c4d5e6f7003 --db "$db" >h.txt || fail "history text"
grep -q "reopened in run 3" h.txt || fail "history text lacks the reopening"
"$mamori" history i-does-not-exist --db "$db" >h0.txt || fail "history of an unknown resource"
grep -q "no finding recorded in 3 runs" h0.txt || fail "history of nothing: $(cat h0.txt)"
"$mamori" history --db "$db" --format json >runs.json || fail "history (runs)"
jq -e '[.runs[].id] == [1, 2, 3] and .runs[1].counts.resolved == ($d[0].resolved | length)' \
	--slurpfile d d12.json runs.json >/dev/null || fail "run list: $(jq -c . runs.json)"

# scope: one account only (run 4) resolves nothing in the other account
mkdir C && cp -r A/444455556666 C/ || fail "copy C"
"$mamori" scan C --db "$db" -q || fail "scan C"
[ "$(q "SELECT count(*) FROM findings WHERE resolved_run = 4 AND account = '111122223333'")" = 0 ] ||
	fail "run 4 resolved findings of an account it did not scan"
"$mamori" diff --db "$db" 3 4 --format json >d34.json 2>d34.err || fail "diff 3 4"
jq -e '.resolved == []' d34.json >/dev/null || fail "diff 3 4 resolved something"
grep -q "not seen in run 4, which did not cover them" d34.err || fail "no uncovered note: $(cat d34.err)"
# the default pair after a new scope: run 3 (the run before), said on stderr,
# and findings run 4 did not cover are not resolved
"$mamori" diff --db "$db" --format json >d4.json 2>d4.err || fail "default diff after a new scope: $(cat d4.err)"
grep -q "no earlier run of the same accounts and regions as run 4: comparing with run 3" d4.err ||
	fail "$(cat d4.err)"
jq -e '.from == 3 and .to == 4 and .resolved == []' d4.json >/dev/null ||
	fail "default diff 3 4: $(jq -c '{from, to, resolved}' d4.json)"

# an input file missing (run 5): the instances of that region stay open
mkdir D && cp -r A/* D/ && rm D/111122223333/ap-northeast-1/describe-instances.json || fail "D"
open_before=$(q "SELECT count(*) FROM findings WHERE resolved_run IS NULL AND
	res_type = 'ec2-instance' AND account = '111122223333'")
[ "$open_before" -gt 0 ] || fail "no open instance findings before run 5"
"$mamori" scan D --db "$db" -q || fail "scan D"
[ "$(q "SELECT count(*) FROM findings WHERE resolved_run IS NULL AND
	res_type = 'ec2-instance' AND account = '111122223333'")" = "$open_before" ] ||
	fail "run 5 resolved instance findings without describe-instances"

# errors
"$mamori" diff --db "$tmp/missing.db" 2>e1; rc=$?
[ $rc = 2 ] && grep -q "'$tmp/missing.db' does not exist" e1 || fail "missing store: $rc $(cat e1)"
[ ! -e "$tmp/missing.db" ] || fail "diff created the missing store"
"$mamori" diff --db "$db" 1 999 2>e2; rc=$?
[ $rc = 2 ] && grep -q "has no run 999" e2 || fail "unknown run: $rc $(cat e2)"
"$mamori" diff --db "$db" 1 2>/dev/null; [ $? = 2 ] || fail "one run id is a usage error"
"$mamori" diff 2>/dev/null; [ $? = 2 ] || fail "diff without --db is a usage error"
"$mamori" history x --db "$tmp/missing.db" 2>/dev/null; [ $? = 2 ] || fail "history missing store"
cp "$db" new.db && sqlite3 new.db "INSERT INTO schema_migrations VALUES (99, 'x', 't', '9')"
"$mamori" diff --db new.db 2>e3; rc=$?
[ $rc = 2 ] && grep -q "schema version 99, newer than version 2" e3 || fail "newer: $rc $(cat e3)"
"$mamori" scan A --db "$tmp/no/such/dir/s.db" --format json >e4.out 2>e4; rc=$?
[ $rc = 3 ] && grep -q "$tmp/no/such/dir/s.db" e4 || fail "unwritable store: $rc $(cat e4)"
jq -e '.findings | length > 0' e4.out >/dev/null || fail "scan did not print its report first"
head -c 5000 /dev/urandom >junk.db
"$mamori" scan A --db junk.db -q 2>e5; rc=$?
[ $rc = 3 ] && grep -q "'junk.db': not a SQLite database" e5 || fail "junk store: $rc $(cat e5)"
[ "$(q 'PRAGMA integrity_check')" = ok ] || fail "integrity_check"
echo "PASS store-sqlite: $(jq -c '{new: (.new|length), resolved: (.resolved|length),
	changed: (.changed|length)}' d12.json)"
