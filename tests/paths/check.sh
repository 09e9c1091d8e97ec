#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Attack-path tests (issue 7): each case derives a snapshot from
# tests/fixtures/paths/base with jq, runs `mamori paths` and `mamori scan`,
# and asserts on their JSON. Evidence locations are checked against the
# snapshot itself: every "file#/json/pointer" must resolve with jq.
#
# usage: check.sh MAMORI CASE
set -eu

MAMORI=$1
CASE=$2
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BASE=$SRC/tests/fixtures/paths/base
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
S=$T/snap
cp -r "$BASE" "$S"
R=$S/123456789012/ap-northeast-1/Reservations.json
IAM=$S/123456789012/global/iam-authorization-details.json

PUB=i-0a10000000000pub1
PROT=i-0a1000000000prot1
APP=i-0a1000000000app01
ALL=i-0a1000000000all01
DB=i-0a1000000000db001

fail() {
	echo "FAIL [$CASE]: $*" >&2
	exit 1
}

# edit FILE JQ-FILTER [jq args...]
edit() {
	f=$1
	shift
	jq "$@" "$f" >"$T/edit.json" || fail "jq edit of $f"
	mv "$T/edit.json" "$f"
}

# inst ID JQ-UPDATE: apply an update to one instance record
inst() {
	edit "$R" --arg id "$1" "(.Reservations[].Instances[] | select(.InstanceId == \$id)) |= ($2)"
}

# policy STATEMENTS-JSON: replace the statements of corp-data-read
policy() {
	edit "$IAM" --argjson st "$1" \
		'(.Policies[] | select(.PolicyName == "corp-data-read") | .PolicyVersionList[0].Document.Statement) = $st'
}

run_paths() {
	"$MAMORI" paths "$S" --format json "$@" >"$T/paths.json" 2>"$T/paths.err" ||
		fail "mamori paths exited $? ($(cat "$T/paths.err"))"
}

run_scan() {
	rc=0
	"$MAMORI" scan "$S" --format json >"$T/scan.json" 2>"$T/scan.err" || rc=$?
	[ $rc -eq 0 ] || fail "mamori scan exited $rc ($(cat "$T/scan.err"))"
}

# q JQ-EXPR FILE: print the result (raw)
q() {
	jq -r "$1" "$2"
}

# expect DESCRIPTION JQ-BOOLEAN FILE
expect() {
	v=$(jq -r "$2" "$3") || fail "$1: jq error"
	[ "$v" = true ] || fail "$1: expected true, got '$v' from $2 over $3"
}

# Every evidence location of every path resolves in the snapshot.
check_locations() {
	q '.paths[].chain[].evidence[].location // empty' "$T/paths.json" | sort -u >"$T/locs"
	[ -s "$T/locs" ] || fail "no evidence locations at all"
	while IFS= read -r loc; do
		file=${loc%%#*}
		ptr=${loc#*#}
		[ -f "$S/$file" ] || fail "evidence file '$file' does not exist"
		# JSON pointer -> jq path array (numbers for array indexes)
		path=$(printf '%s' "$ptr" | jq -Rc 'split("/")[1:] | map(gsub("~1"; "/") | gsub("~0"; "~") | (tonumber? // .))')
		v=$(jq -c --argjson p "$path" 'getpath($p)' "$S/$file")
		[ "$v" != null ] || fail "evidence '$loc' does not resolve"
	done <"$T/locs"
}

# path GOAL ID: the path object (or null)
path_of() {
	jq -c --arg g "$1" --arg id "$2" '[.paths[] | select(.goal == $g and .resource == $id)][0]' "$T/paths.json"
}

finding_of() {
	jq -c --arg r "$1" --arg id "$2" '[.findings[] | select(.rule == $r and .resource.id == $id)][0]' "$T/scan.json"
}

S3=ec2-toxic-internet-imdsv1-s3-read
PRIV=ec2-toxic-internet-imdsv1-privilege
CONT=ec2-toxic-container-imdsv1-hop-limit

case $CASE in
seed)
	# seed 003: public instance, IMDSv1, role can GetObject + ListBucket
	run_paths
	check_locations
	p=$(path_of data $PUB)
	echo "$p" >"$T/p.json"
	expect "critical complete" '.severity == "critical" and .status == "complete" and .complete' "$T/p.json"
	expect "chain kinds in order" '[.chain[].kind] == ["internet","network","instance","imds","role","statement","statement","data"]' "$T/p.json"
	expect "every link present" '[.chain[].state] | all(. == "present")' "$T/p.json"
	expect "network link names the IGW" '.chain[1].id | startswith("igw-")' "$T/p.json"
	expect "SG rule in evidence" '[.chain[1].evidence[].location] | any(test("SecurityGroups.json#/SecurityGroups/[0-9]+/IpPermissions/[0-9]+$"))' "$T/p.json"
	expect "imds evidence is MetadataOptions" '.chain[3].evidence[0].location | endswith("/MetadataOptions")' "$T/p.json"
	expect "statement evidence points into the policy" '[.chain[] | select(.kind == "statement") | .evidence[0].location] | all(test("iam-authorization-details.json#/Policies/[0-9]+/PolicyVersionList/0/Document/Statement/[0-9]+$"))' "$T/p.json"
	expect "data names the bucket" '.chain[-1].id == "arn:aws:s3:::corp-data/*"' "$T/p.json"
	expect "exactly one cheapest break" '[.breaks[] | select(.cheapest)] | length == 1' "$T/p.json"
	expect "cheapest is IMDSv2" '(.breaks[] | select(.cheapest)) as $b | $b.kind == "imds" and ($b.cli | test("modify-instance-metadata-options .*--instance-id i-0a10000000000pub1 .*--http-tokens required"))' "$T/p.json"
	expect "account default offered" '[.breaks[].cli] | any(. != null and test("modify-instance-metadata-defaults .*--http-tokens required"))' "$T/p.json"
	expect "SG revoke offered" '[.breaks[].cli] | any(. != null and test("revoke-security-group-ingress .*--group-id sg-0a10000000000001a .*FromPort=22,ToPort=22,IpRanges=\\[\\{CidrIp=0.0.0.0/0\\}\\]"))' "$T/p.json"
	expect "policy narrowing offered" '[.breaks[] | select(.kind == "statement") | .cli] | any(test("create-policy-version --policy-arn arn:aws:iam::123456789012:policy/corp-data-read"))' "$T/p.json"
	expect "not_critical_because empty" '.not_critical_because == []' "$T/p.json"
	# the protected-subnet twin has no chain unless partial paths are asked for
	[ "$(path_of data $PROT)" = null ] || fail "protected instance listed without --all"
	expect "worst first" '[.paths[].severity] as $s | ($s | map({"critical":4,"high":3,"medium":2,"low":1,"info":0}[.])) as $n | $n == ($n | sort | reverse)' "$T/paths.json"
	run_scan
	f=$(finding_of $S3 $PUB)
	echo "$f" >"$T/f.json"
	expect "scan finding critical fail" '.severity == "critical" and .status == "fail"' "$T/f.json"
	expect "finding evidence is the chain" '[.evidence[].detail] | map(select(startswith("link "))) | length == 8' "$T/f.json"
	expect "finding cli is the cheapest break" '.remediation.cli | test("--instance-id i-0a10000000000pub1 --http-tokens required")' "$T/f.json"
	expect "remediation names other breaks" '.remediation.text | test("Cheapest break") and test("revoke")' "$T/f.json"
	;;
imdsv2)
	inst $PUB '.MetadataOptions.HttpTokens = "required"'
	run_paths
	[ "$(path_of data $PUB)" = null ] || fail "IMDSv2 instance listed as a complete path"
	run_paths --all
	path_of data $PUB >"$T/p.json"
	expect "partial medium" '.severity == "medium" and .status == "partial" and (.complete | not)' "$T/p.json"
	expect "imds link absent" '[.chain[] | select(.kind == "imds")][0].state == "absent"' "$T/p.json"
	expect "note names IMDSv2" '.not_critical_because | length == 1 and (.[0] | test("IMDSv2 is required"))' "$T/p.json"
	expect "cheapest break is on a present link" '(.breaks[] | select(.cheapest)) as $b | .chain[$b.link].state == "present"' "$T/p.json"
	run_scan
	finding_of $S3 $PUB >"$T/f.json"
	expect "scan: medium with note" '.severity == "medium" and .status == "fail" and (.message | test("not critical because IMDSv2 is required"))' "$T/f.json"
	;;
getobject-only)
	policy '[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::corp-data/*"}]'
	run_paths
	path_of data $PUB >"$T/p.json"
	expect "still a path, high" '.severity == "high" and .status == "complete"' "$T/p.json"
	expect "note: cannot list" '.not_critical_because | any(test("cannot list buckets"))' "$T/p.json"
	expect "data link lists only GetObject" '.chain[-1].detail | test("^s3:GetObject on ")' "$T/p.json"
	;;
explicit-deny)
	policy '[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::corp-data","arn:aws:s3:::corp-data/*"]},{"Effect":"Deny","Action":"s3:*","Resource":"*"}]'
	run_paths --all
	for id in $PUB $PROT $APP $DB; do
		[ "$(path_of data $id)" = null ] || fail "explicit Deny ignored for $id"
	done
	[ "$(path_of data $ALL)" != null ] || fail "the admin role's path disappeared (it does not use the denied policy)"
	run_scan
	[ "$(finding_of $S3 $PUB)" = null ] || fail "scan reports S3 read despite the Deny"
	;;
notaction)
	policy '[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]'
	run_paths
	path_of data $PUB >"$T/p.json"
	expect "NotAction grants S3 read" '.severity == "critical" and .status == "complete"' "$T/p.json"
	expect "statement link says every action except" '[.chain[] | select(.kind == "statement")][0].detail | test("every action except iam:\\*")' "$T/p.json"
	[ "$(path_of privilege $PUB)" = null ] || fail "NotAction iam:* must not grant iam:PassRole"
	;;
conditional)
	policy '[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}]'
	run_paths
	path_of data $PUB >"$T/p.json"
	expect "conditional grant is high" '.severity == "high" and .conditional' "$T/p.json"
	expect "note names the condition" '.not_critical_because | any(test("Condition"))' "$T/p.json"
	;;
alb-only)
	run_paths
	expect "instance has no public address" '.Reservations[].Instances[] | select(.InstanceId == "i-0a1000000000app01") | .PublicIpAddress == null' "$R"
	path_of data $APP >"$T/p.json"
	expect "reachable via the ALB is a path" '.severity == "critical" and .status == "complete"' "$T/p.json"
	expect "load-balancer link" '[.chain[].kind] | index("load-balancer") == 1' "$T/p.json"
	expect "LB break offered, not cheapest" '[.breaks[] | select(.what | test("load balancer"))] | length >= 1 and all(.cheapest | not)' "$T/p.json"
	# and without the balancer there is no path
	edit "$S/123456789012/ap-northeast-1/LoadBalancers.json" '.LoadBalancers |= map(.Scheme = "internal")'
	run_paths
	[ "$(path_of data $APP)" = null ] || fail "internal balancer still counted as internet reachable"
	;;
protected)
	run_paths
	[ "$(path_of data $PROT)" = null ] || fail "protected-subnet instance has a chain"
	run_paths --all
	path_of data $PROT >"$T/p.json"
	expect "partial" '.status == "partial" and .severity == "medium"' "$T/p.json"
	expect "internet link absent with the blocking code" '.chain[0].kind == "internet" and .chain[0].state == "absent" and (.not_critical_because[0] | test("NO_PUBLIC_ADDRESS|NO_ROUTE|RETURN_ROUTE"))' "$T/p.json"
	;;
privilege)
	run_paths
	path_of privilege $ALL >"$T/p.json"
	expect "admin role: critical privilege path" '.severity == "critical" and .status == "complete"' "$T/p.json"
	expect "administrator named" '.chain[-1].detail | test("administrator")' "$T/p.json"
	# iam:PassRole alone is enough
	edit "$IAM" '(.RoleDetailList[] | select(.RoleName == "web-role") | .RolePolicyList) = [{"PolicyName":"pass","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}}]'
	run_paths
	path_of privilege $PUB >"$T/p.json"
	expect "PassRole path" '.severity == "critical" and .chain[-1].id == "iam:PassRole"' "$T/p.json"
	expect "inline policy break" '[.breaks[].cli] | any(. != null and test("put-role-policy --role-name web-role --policy-name pass"))' "$T/p.json"
	run_scan
	finding_of $PRIV $PUB >"$T/f.json"
	expect "scan privilege finding" '.severity == "critical" and .status == "fail"' "$T/f.json"
	;;
container)
	inst $PUB '.MetadataOptions.HttpPutResponseHopLimit = 2 | .Tags = [{"Key":"kubernetes.io/cluster/prod","Value":"owned"}]'
	inst $PROT '.MetadataOptions.HttpPutResponseHopLimit = 2 | .Tags = [{"Key":"eks:cluster-name","Value":"prod"}]'
	inst $DB '.MetadataOptions.HttpPutResponseHopLimit = 2 | .Tags = [{"Key":"eks:cluster-name","Value":"prod"}]'
	run_paths
	path_of credentials $PUB >"$T/p.json"
	expect "reachable container host: critical" '.severity == "critical" and ([.chain[].kind] | index("hop-limit") != null)' "$T/p.json"
	path_of credentials $PROT >"$T/p.json"
	expect "unreachable container host: high" '.severity == "high"' "$T/p.json"
	[ "$(path_of credentials $DB)" = null ] || fail "IMDSv2 container host reported"
	run_scan
	finding_of $CONT $PROT >"$T/f.json"
	expect "scan container finding" '.severity == "high" and .status == "fail"' "$T/f.json"
	;;
no-iam)
	rm "$IAM"
	run_paths
	path_of data $PUB >"$T/p.json"
	expect "missing IAM data is unknown, not safe" '.status == "unknown" and ([.chain[] | select(.kind == "role")][0].state == "unknown")' "$T/p.json"
	expect "unknown roles counted" '.summary.unknown_roles > 0' "$T/paths.json"
	run_scan
	finding_of $S3 $PUB >"$T/f.json"
	expect "scan: unknown" '.status == "unknown"' "$T/f.json"
	;;
graphs)
	# hostile names must not break the graph syntax
	edit "$IAM" '(.RoleDetailList[] | select(.RoleName == "web-role") | .InstanceProfileList[0].InstanceProfileName) = "evil\"];\n} x [label=\"pwn"'
	"$MAMORI" paths "$S" --all --format dot >"$T/g.dot" || fail "dot output"
	dot -Tsvg "$T/g.dot" >"$T/g.svg" 2>"$T/dot.err" || fail "graphviz rejects the dot output: $(cat "$T/dot.err")"
	[ -s "$T/dot.err" ] && fail "graphviz warns: $(cat "$T/dot.err")"
	n=$("$MAMORI" paths "$S" --all --format json | jq '.paths | length')
	c=$(grep -c '^  subgraph cluster_' "$T/g.dot")
	[ "$n" = "$c" ] || fail "dot has $c clusters for $n paths"
	grep -q '<svg' "$T/g.svg" || fail "no svg"
	"$MAMORI" paths "$S" --all --format mermaid >"$T/g.mmd" || fail "mermaid output"
	head -1 "$T/g.mmd" | grep -qx 'flowchart LR' || fail "mermaid header"
	c=$(grep -c '^  subgraph path' "$T/g.mmd")
	[ "$n" = "$c" ] || fail "mermaid has $c subgraphs for $n paths"
	# node labels are quoted and hold no raw quote, bracket or newline
	grep -E '^    p[0-9]+_[0-9]+\["' "$T/g.mmd" | sed -E 's/^    p[0-9]+_[0-9]+\["(.*)"\]$/\1/' | grep -E '["\[\]]' && fail "unescaped mermaid label"
	# every edge joins nodes defined in the file
	grep -oE 'p[0-9]+_[0-9]+' "$T/g.mmd" | sort -u >"$T/used"
	grep -oE '^    p[0-9]+_[0-9]+\[' "$T/g.mmd" | tr -d ' [' | sort -u >"$T/defined"
	cmp -s "$T/used" "$T/defined" || fail "mermaid edge to an undefined node"
	;;
*)
	fail "unknown case"
	;;
esac
echo "ok [$CASE]"
