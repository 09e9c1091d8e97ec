#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# collect.sh: take a read-only snapshot of an AWS account's EC2 estate for
# mamori. Runs only Describe/Get/List calls of the AWS CLI and writes their
# JSON output, unchanged except for two wrappers, to
#
#     OUT/<account>/<region>/<name>.json     one file per call
#     OUT/<account>/global/iam-authorization-details.json
#
# A call that fails (denied, throttled out, unsupported in the region) does not
# stop the run: its error goes to OUT/<account>/<region>/_errors.txt and its
# file is not written, so mamori reports the checks that need it as unknown.
#
# Every AWS call in this file is written as a literal `aws <service> <op>` so
# that contrib/check-policy.sh can compare them against
# contrib/mamori-readonly-policy.json. Keep it that way when adding calls.
#
# Requires bash >= 4, the AWS CLI (v1 or v2) and jq. See docs/collect.md.

set -euo pipefail

prog=${0##*/}
aws_bin=${MAMORI_AWS:-aws} # another binary with the same interface, for testing
regions=""
profile=""
out=""
dry_run=0
gzip_out=0

usage() {
	cat <<EOF
usage: $prog [--regions R1,R2|all] [--profile P] [--out DIR] [--gzip] [--dry-run]

Collect a read-only snapshot of EC2, ELB and IAM settings for mamori.

  --regions LIST  comma-separated regions, or "all" for every region enabled in
                  the account (default: the CLI's configured region)
  --profile P     AWS CLI profile to use
  --out DIR       output directory (default: mamori-snapshot-<UTC time>)
  --gzip          compress each file (mamori reads .json.gz)
  --dry-run       print the commands that would run; call nothing
  -h, --help      this text

Exit status: 0 all calls succeeded, 1 some calls failed (see _errors.txt;
the snapshot is still usable), 2 usage error, 3 nothing could be collected.
EOF
}

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 2
}

while (($#)); do
	case $1 in
	--regions) (($# >= 2)) || die "option '--regions' needs a value"; regions=$2; shift 2 ;;
	--regions=*) regions=${1#*=}; shift ;;
	--profile) (($# >= 2)) || die "option '--profile' needs a value"; profile=$2; shift 2 ;;
	--profile=*) profile=${1#*=}; shift ;;
	--out) (($# >= 2)) || die "option '--out' needs a value"; out=$2; shift 2 ;;
	--out=*) out=${1#*=}; shift ;;
	--gzip) gzip_out=1; shift ;;
	--dry-run) dry_run=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
done

[[ -n $out ]] || out="mamori-snapshot-$(date -u +%Y%m%dT%H%M%SZ)"

if ((!dry_run)); then
	command -v "$aws_bin" >/dev/null || die "cannot find the AWS CLI ('$aws_bin')"
	command -v jq >/dev/null || die "cannot find jq"
	((!gzip_out)) || command -v gzip >/dev/null || die "cannot find gzip"
fi

# The CLI must never page, and should retry throttled calls patiently.
export AWS_PAGER=""
export AWS_RETRY_MODE=${AWS_RETRY_MODE:-standard}
export AWS_MAX_ATTEMPTS=${AWS_MAX_ATTEMPTS:-10}

base_opts=(--output json)
[[ -z $profile ]] || base_opts+=(--profile "$profile")

# Global state of the current scope (one region, or "global").
scope_dir=""
region=""
calls_ok=0
calls_failed=0
work=$(mktemp -d "${TMPDIR:-/tmp}/mamori-collect.XXXXXX")
trap 'rm -rf "$work"' EXIT

# quote WORDS...: words as a shell would need them, single-quoted when needed.
quote() {
	local w sep="" q="'\\''"
	for w in "$@"; do
		if [[ $w =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
			printf '%s%s' "$sep" "$w"
		else
			printf "%s'%s'" "$sep" "${w//\'/$q}"
		fi
		sep=" "
	done
}

# aws_raw aws SVC OP ARGS...: run a call whose output the script itself needs
# (account id, region list). Prints the output; fails like the CLI.
aws_raw() {
	shift # the literal "aws"
	local opts=(--output json)
	[[ -z $profile ]] || opts+=(--profile "$profile")
	[[ -z $region ]] || opts+=(--region "$region")
	"$aws_bin" "${opts[@]}" "$@"
}

record_error() { # record_error "svc op" FILE STDERR-FILE
	local msg
	msg=$(grep -v '^[[:space:]]*$' "$3" | head -n 1 || true)
	[[ -n $msg ]] || msg="failed without a message"
	mkdir -p "$scope_dir"
	if [[ ! -e $scope_dir/_errors.txt ]]; then
		printf '# %s: calls that failed; mamori reports the checks that need them as unknown\n' \
			"$prog" >"$scope_dir/_errors.txt"
	fi
	printf '%s (%s): %s\n' "$1" "$2" "$msg" >>"$scope_dir/_errors.txt"
	printf '%s: %s %s: %s\n' "$prog" "${region:-global}" "$1" "$msg" >&2
	calls_failed=$((calls_failed + 1))
}

# run DEST aws SVC OP ARGS...: run one call into DEST (a path). On failure the
# error is recorded and DEST is not created. Returns the CLI's status.
run() {
	local dest=$1
	shift 2 # DEST and the literal "aws"
	local opts=("${base_opts[@]}")
	[[ -z $region ]] || opts+=(--region "$region")
	if ((dry_run)); then
		printf '%s > %s\n' "$(quote aws "${opts[@]}" "$@")" "$(quote "$dest")"
		return 0
	fi
	if "$aws_bin" "${opts[@]}" "$@" >"$dest.tmp" 2>"$work/stderr"; then
		mv "$dest.tmp" "$dest"
		calls_ok=$((calls_ok + 1))
		return 0
	fi
	rm -f "$dest.tmp"
	record_error "$1 $2" "${dest##*/}" "$work/stderr"
	return 1
}

# save NAME aws SVC OP ARGS...: one call into the scope as NAME.json.
save() {
	local name=$1
	shift
	run "$scope_dir/$name.json" "$@" || true
}

# Files that later calls read stay plain until the end of the scope.
compress_scope() {
	((gzip_out && !dry_run)) || return 0
	local f
	for f in "$scope_dir"/*.json; do
		if [[ -e $f ]]; then
			gzip -n -f "$f"
		fi
	done
}

# ids FILE JQ PLACEHOLDER: the ids a per-resource loop walks over. Empty when
# FILE was not collected. In a dry run, one placeholder.
ids() {
	if ((dry_run)); then
		printf '<%s>\n' "$3"
		return 0
	fi
	[[ -e $1 ]] || return 0
	jq -r "$2" "$1"
}

# wrap KEY IDKEY INNER DEST: combine the per-resource outputs listed in
# $work/parts (lines "<id>\t<path>") into DEST as
# {"KEY":[{"IDKEY":id, "INNER":[...]}, ...]}, Batfish's wrapper shape.
wrap() {
	local key=$1 idkey=$2 inner=$3 dest=$4
	if ((dry_run)); then
		printf '# wrapped as {"%s":[{"%s":..,"%s":[..]}]} into %s\n' \
			"$key" "$idkey" "$inner" "$(quote "$dest")"
		return 0
	fi
	local id path
	: >"$work/wrapped"
	while IFS=$'\t' read -r id path; do
		if ! jq -c --arg id "$id" --arg idkey "$idkey" --arg inner "$inner" \
			'{($idkey): $id, ($inner): (.[$inner] // [])}' "$path" >>"$work/wrapped" \
			2>"$work/stderr"; then
			record_error "jq $inner" "${dest##*/}" "$work/stderr"
		fi
	done <"$work/parts"
	jq -s --arg key "$key" '{($key): .}' "$work/wrapped" >"$dest.tmp"
	mv "$dest.tmp" "$dest"
}

collect_region() {
	region=$1
	scope_dir=$out/$account/$region
	local id n d
	((dry_run)) || mkdir -p "$scope_dir"
	((!dry_run)) || printf '\n# region %s\n' "$region"

	# --- network and compute
	save describe-vpcs aws ec2 describe-vpcs
	save describe-subnets aws ec2 describe-subnets
	save describe-route-tables aws ec2 describe-route-tables
	save describe-network-acls aws ec2 describe-network-acls
	save describe-security-groups aws ec2 describe-security-groups
	save describe-internet-gateways aws ec2 describe-internet-gateways
	save describe-egress-only-internet-gateways aws ec2 describe-egress-only-internet-gateways
	save describe-nat-gateways aws ec2 describe-nat-gateways
	save describe-vpc-peering-connections aws ec2 describe-vpc-peering-connections
	save describe-network-interfaces aws ec2 describe-network-interfaces
	save describe-addresses aws ec2 describe-addresses
	save describe-instances aws ec2 describe-instances
	save describe-prefix-lists aws ec2 describe-prefix-lists
	save describe-managed-prefix-lists aws ec2 describe-managed-prefix-lists
	# The entries do not name their list: the id goes into the file name.
	while read -r id; do
		[[ -n $id ]] || continue
		save "prefix-list-entries-$id" \
			aws ec2 get-managed-prefix-list-entries --prefix-list-id "$id"
	done < <(ids "$scope_dir/describe-managed-prefix-lists.json" \
		'.PrefixLists[].PrefixListId' PrefixListId)

	# --- storage and images
	save describe-volumes aws ec2 describe-volumes
	save describe-snapshots aws ec2 describe-snapshots --owner-ids self
	while read -r id; do
		[[ -n $id ]] || continue
		save "snapshot-attribute-$id" aws ec2 describe-snapshot-attribute \
			--snapshot-id "$id" --attribute createVolumePermission
	done < <(ids "$scope_dir/describe-snapshots.json" '.Snapshots[].SnapshotId' SnapshotId)
	save describe-images aws ec2 describe-images --owners self
	while read -r id; do
		[[ -n $id ]] || continue
		save "image-attribute-$id" aws ec2 describe-image-attribute \
			--image-id "$id" --attribute launchPermission
	done < <(ids "$scope_dir/describe-images.json" '.Images[].ImageId' ImageId)

	# --- logging, templates, account-level settings
	save describe-flow-logs aws ec2 describe-flow-logs
	# shellcheck disable=SC2016 # the CLI wants the literal words $Latest and $Default
	save describe-launch-template-versions aws ec2 describe-launch-template-versions \
		--versions '$Latest' '$Default'
	save get-ebs-encryption-by-default aws ec2 get-ebs-encryption-by-default
	save get-instance-metadata-defaults aws ec2 get-instance-metadata-defaults
	save get-serial-console-access-status aws ec2 get-serial-console-access-status

	# --- load balancers
	save elb-describe-load-balancers aws elb describe-load-balancers
	save elbv2-describe-load-balancers aws elbv2 describe-load-balancers
	save elbv2-describe-target-groups aws elbv2 describe-target-groups
	# Listeners and target health do not name their parent in the CLI output:
	# wrap them as {"LoadBalancerListeners":[{"LoadBalancerArn":..,"Listeners":[..]}]}
	# and {"LoadBalancerTargetHealth":[{"TargetGroupArn":..,"TargetHealthDescriptions":[..]}]}.
	if ((dry_run)) || [[ -e $scope_dir/elbv2-describe-load-balancers.json ]]; then
		: >"$work/parts"
		n=0
		while read -r id; do
			[[ -n $id ]] || continue
			n=$((n + 1))
			d=$work/listeners-$n.json
			((!dry_run)) || d="<tmp>/listeners-$n.json"
			if run "$d" aws elbv2 describe-listeners --load-balancer-arn "$id"; then
				printf '%s\t%s\n' "$id" "$d" >>"$work/parts"
			fi
		done < <(ids "$scope_dir/elbv2-describe-load-balancers.json" \
			'.LoadBalancers[].LoadBalancerArn' LoadBalancerArn)
		wrap LoadBalancerListeners LoadBalancerArn Listeners \
			"$scope_dir/elbv2-describe-listeners.json"
	fi
	if ((dry_run)) || [[ -e $scope_dir/elbv2-describe-target-groups.json ]]; then
		: >"$work/parts"
		n=0
		while read -r id; do
			[[ -n $id ]] || continue
			n=$((n + 1))
			d=$work/health-$n.json
			((!dry_run)) || d="<tmp>/health-$n.json"
			if run "$d" aws elbv2 describe-target-health --target-group-arn "$id"; then
				printf '%s\t%s\n' "$id" "$d" >>"$work/parts"
			fi
		done < <(ids "$scope_dir/elbv2-describe-target-groups.json" \
			'.TargetGroups[].TargetGroupArn' TargetGroupArn)
		wrap LoadBalancerTargetHealth TargetGroupArn TargetHealthDescriptions \
			"$scope_dir/elbv2-describe-target-health.json"
	fi
	compress_scope
}

collect_global() {
	region=""
	scope_dir=$out/$account/global
	((dry_run)) || mkdir -p "$scope_dir"
	((!dry_run)) || printf '\n# global\n'
	save iam-authorization-details aws iam get-account-authorization-details
	compress_scope
}

# --- where and who
configured_region() {
	local r=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
	if [[ -z $r ]] && ((!dry_run)); then
		r=$("$aws_bin" configure get region ${profile:+--profile "$profile"} 2>/dev/null ||
			true)
	fi
	printf '%s' "$r"
}

[[ -n $regions ]] || regions=$(configured_region)
if [[ -z $regions ]]; then
	((dry_run)) || die "no region configured: pass --regions"
	regions="<region>"
fi

if ((dry_run)); then
	printf '%s   # -> <account>\n' "$(quote aws "${base_opts[@]}" sts get-caller-identity \
		--query Account)"
	account="<account>"
else
	if ! account=$(aws_raw aws sts get-caller-identity --query Account 2>"$work/stderr" |
		jq -r .); then
		printf '%s: cannot identify the account: %s\n' "$prog" \
			"$(grep -v '^[[:space:]]*$' "$work/stderr" | head -n 1)" >&2
		exit 3
	fi
	[[ $account =~ ^[0-9]{12}$ ]] || {
		printf '%s: unexpected account id %q\n' "$prog" "$account" >&2
		exit 3
	}
fi

if [[ $regions == all ]]; then
	if ((dry_run)); then
		printf '%s   # -> <region>,...\n' "$(quote aws "${base_opts[@]}" ec2 describe-regions \
			--query 'Regions[].RegionName')"
		regions="<region>"
	else
		# any region answers: the configured one, else us-east-1
		region=$(configured_region)
		region=${region:-us-east-1}
		if ! regions=$(aws_raw aws ec2 describe-regions --query 'Regions[].RegionName' |
			jq -r 'join(",")') || [[ -z $regions ]]; then
			printf '%s: cannot list the enabled regions\n' "$prog" >&2
			exit 3
		fi
		region=""
	fi
fi
IFS=, read -r -a region_list <<<"$regions"
for r in "${region_list[@]}"; do
	[[ $r =~ ^[a-z0-9-]+$ || $r == "<region>" ]] || die "bad region name '$r'"
done

# Never mix two collections: stale files would pass for current ones.
if ((!dry_run)); then
	for d in "${region_list[@]}" global; do
		if [[ -d $out/$account/$d ]] && [[ -n $(ls -A "$out/$account/$d") ]]; then
			die "'$out/$account/$d' is not empty: choose another --out"
		fi
	done
fi

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
((!dry_run)) || printf '# %s: commands for account %s\n' "$prog" "$account"
for r in "${region_list[@]}"; do
	collect_region "$r"
done
collect_global

if ((dry_run)); then
	exit 0
fi
{
	printf 'collector=%s\n' "$prog"
	printf 'started=%s\n' "$started"
	printf 'finished=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf 'account=%s\n' "$account"
	printf 'regions=%s\n' "$regions"
	printf 'calls_ok=%d\ncalls_failed=%d\n' "$calls_ok" "$calls_failed"
} >"$out/$account/_collected.txt"

if ((calls_ok == 0)); then
	printf '%s: nothing collected (%d calls failed)\n' "$prog" "$calls_failed" >&2
	exit 3
fi
printf '%s: wrote %s/%s: %d calls succeeded, %d failed\n' "$prog" "$out" "$account" \
	"$calls_ok" "$calls_failed" >&2
((calls_failed == 0)) || exit 1
exit 0
