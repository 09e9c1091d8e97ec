#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# check-policy.sh: prove that contrib/mamori-readonly-policy.json grants
# exactly the AWS API actions contrib/collect.sh uses, and only read-only ones.
#
# Three lists of IAM actions must be equal:
#   1. every literal `aws <service> <operation>` in collect.sh (comments skipped),
#   2. every call that `collect.sh --dry-run` prints (catches calls that are
#      built in a way the grep in 1 does not see),
#   3. the Action list of the policy.
# Every action must also start with Describe, Get or List, and appear in
# docs/collect.md. Exit 0 when all holds, 1 with a diff otherwise.
#
# Usage: contrib/check-policy.sh [REPO-ROOT]     (needs bash, jq, diff)

set -euo pipefail

root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
script=$root/contrib/collect.sh
policy=$root/contrib/mamori-readonly-policy.json
doc=$root/docs/collect.md
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-policy.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# "aws ec2 describe-instances" -> "ec2:DescribeInstances"
to_actions() {
	awk '{
		svc = $2; op = $3
		if (svc == "elbv2" || svc == "elb") svc = "elasticloadbalancing"
		n = split(op, part, "-"); name = ""
		for (i = 1; i <= n; i++)
			name = name toupper(substr(part[i], 1, 1)) substr(part[i], 2)
		print svc ":" name
	}' | LC_ALL=C sort -u
}

grep -v '^[[:space:]]*#' "$script" |
	grep -oE '(^|[^A-Za-z0-9_$"-])aws [a-z0-9]+ [a-z][a-z0-9-]+' |
	sed -E 's/^[^a]*aws /aws /' | grep -v '^aws configure ' | to_actions >"$tmp/grep"

# The dry run prints every command on a line of its own, global options first.
env -u AWS_REGION -u AWS_DEFAULT_REGION bash "$script" --dry-run --regions all \
	--profile check --out "$tmp/out" |
	grep -E '^aws ' |
	sed -E 's/^aws( --[a-z-]+ [^ ]+)* ([a-z0-9]+) ([a-z][a-z0-9-]+).*/aws \2 \3/' |
	to_actions >"$tmp/dryrun"

jq -r '.Statement[] | select(.Effect == "Allow") | .Action | if type == "array" then .[] else . end' \
	"$policy" | LC_ALL=C sort -u >"$tmp/policy"

status=0
compare() { # compare NAME-A FILE-A NAME-B FILE-B
	if ! diff -u --label "$1" --label "$3" "$2" "$4"; then
		printf 'check-policy: %s and %s differ\n' "$1" "$3" >&2
		status=1
	fi
}
compare "aws calls in collect.sh" "$tmp/grep" "policy actions" "$tmp/policy"
compare "aws calls in collect.sh --dry-run" "$tmp/dryrun" "policy actions" "$tmp/policy"

if grep -vE '^[a-z0-9-]+:(Describe|Get|List)[A-Za-z0-9]+$' "$tmp/policy"; then
	printf 'check-policy: the actions above are not read-only\n' >&2
	status=1
fi
if jq -e '[.Statement[] | select(.Effect != "Allow" or .Resource != "*")] | length > 0' \
	"$policy" >/dev/null; then
	printf 'check-policy: every statement should Allow on Resource "*"\n' >&2
	status=1
fi
while read -r action; do
	if ! grep -qF "\`$action\`" "$doc"; then
		printf 'check-policy: %s is not documented in docs/collect.md\n' "$action" >&2
		status=1
	fi
done <"$tmp/policy"

if ((status == 0)); then
	printf 'check-policy: %d actions, collect.sh and the policy agree, all read-only\n' \
		"$(wc -l <"$tmp/policy")"
fi
exit "$status"
