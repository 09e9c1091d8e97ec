#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Shared by the store tests (sourced): two snapshot directories built from
# examples/ and the differential check of `mamori diff --format json`
# against what `mamori scan --format json` reported for each run.
#
#   snapshot A   examples/ as shipped
#   snapshot B   A with: the 0.0.0.0/0 SSH rule of sg-01a2b3c4d5e6f7003 removed
#                (resolves findings), instance i-0a1b2c3d4e5f60002 switched to
#                IMDSv1 (new findings), instance i-0a1b2c3d4e5f60001 renamed
#                (changed messages); scanned with a mutelist muting the public
#                EBS snapshot (changed status and mute)
#
# Nothing here hard-codes a finding id or count: the expectation is computed
# from the two scan reports with jq.

fail() {
	echo "FAIL: $*"
	exit 1
}

# make_snapshots SRC_ROOT DIR: DIR/A, DIR/B, DIR/mute.yaml
make_snapshots() {
	local src=$1 dir=$2 r=111122223333/ap-northeast-1
	cp -r "$src/examples" "$dir/A" && cp -r "$src/examples" "$dir/B" || fail "copy examples"
	jq '(.SecurityGroups[] | select(.GroupId == "sg-01a2b3c4d5e6f7003") | .IpPermissions) |=
		map(select(.FromPort != 22))' \
		"$dir/A/$r/describe-security-groups.json" >"$dir/B/$r/describe-security-groups.json" ||
		fail "jq security groups"
	jq '(.Reservations[].Instances[] | select(.InstanceId == "i-0a1b2c3d4e5f60002") |
		.MetadataOptions.HttpTokens) = "optional"
	  | (.Reservations[].Instances[] | select(.InstanceId == "i-0a1b2c3d4e5f60001") |
		.Tags) |= map(if .Key == "Name" then .Value = "web-1-renamed" else . end)' \
		"$dir/A/$r/describe-instances.json" >"$dir/B/$r/describe-instances.json" ||
		fail "jq instances"
	cat >"$dir/mute.yaml" <<'YAML'
mutes:
  - rule: ec2-ebs-snapshot-public
    reason: "restored copy, reviewed"
YAML
}

# The expected diff of two scan reports: ids only, sorted.
expected_ids() {
	jq -n --slurpfile a "$1" --slurpfile b "$2" '
	  def open(r): [r.findings[] | select(.status != "pass")]
	               | map({key: .id, value: .}) | from_entries;
	  def state: [.severity, .status, .message, (.mute_reason // null)];
	  open($a[0]) as $A | open($b[0]) as $B
	  | {new: [$B | keys[] | select($A[.] == null)] | sort,
	     resolved: [$A | keys[] | select($B[.] == null)] | sort,
	     changed: [$B | keys[] | select($A[.] != null and ($A[.] | state) != ($B[.] | state))]
	              | sort}'
}

actual_ids() {
	jq '{new: [.new[].id] | sort, resolved: [.resolved[].id] | sort,
	     changed: [.changed[].id] | sort}' "$1"
}

# check_diff DIFF.json A.json B.json [nonempty]: ids and every field exact.
check_diff() {
	local d=$1 a=$2 b=$3 exp act
	jq -e 'keys == ["changed", "from", "new", "resolved", "to"]' "$d" >/dev/null ||
		fail "diff JSON top level is $(jq -c keys "$d")"
	exp=$(expected_ids "$a" "$b") || fail "jq expected"
	act=$(actual_ids "$d") || fail "jq actual"
	[ "$exp" = "$act" ] || fail "diff ids differ from the scan reports:
expected $exp
actual   $act"
	if [ "${4:-}" = nonempty ]; then
		echo "$exp" | jq -e '(.new | length) > 0 and (.resolved | length) > 0 and
			(.changed | length) > 0' >/dev/null ||
			fail "test data must produce new, resolved and changed findings: $exp"
	fi
	# every item carries the fields of its finding in the right report
	jq -n -e --slurpfile a "$a" --slurpfile b "$b" --slurpfile d "$d" '
	  def open(r): [r.findings[] | select(.status != "pass")]
	               | map({key: .id, value: .}) | from_entries;
	  def same(f): . as $i | f != null and
	    $i.rule == f.rule and $i.severity == f.severity and $i.status == f.status and
	    $i.resource.type == f.resource.type and $i.resource.id == f.resource.id and
	    $i.account == f.resource.account and $i.region == f.resource.region and
	    $i.message == f.message and $i.mute_reason == (f.mute_reason // null);
	  def state(f): {severity: f.severity, status: f.status, message: f.message,
	                 mute: (f.mute_reason // null)};
	  open($a[0]) as $A | open($b[0]) as $B | $d[0] as $D
	  | all($D.new[]; same($B[.id])) and all($D.resolved[]; same($A[.id]))
	    and all($D.changed[]; same($B[.id])
	      and (. as $c | state($A[$c.id]) as $x | state($B[$c.id]) as $y
	           | ($c.changes | keys) == ([$x | keys[] | select($x[.] != $y[.])] | sort)
	             and all($c.changes | to_entries[];
	                     .value.before == $x[.key] and .value.after == $y[.key])))' \
		>/dev/null || fail "diff items do not match the findings of the scan reports"
}
