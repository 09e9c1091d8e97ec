#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# mamori portscan against nmap, in the same run, across a veth link between
# two network namespaces this script creates (and deletes on any exit):
#
#   1. all 65,535 TCP ports of a host with 20 listeners, nothing filtered
#      (the open/closed case): mamori connect scan, mamori --syn, nmap -sS -T4
#   2. 1,000 ports dropped by iptables (the filtered case): mamori connect
#      scan, nmap -sS -T4 (and -T5)
#
# For each: wall time, the ratio nmap / mamori, and whether every port got
# the same state from both (a benchmark that gets a different answer proves
# nothing). Targets (issue 6): same states; at least as fast as nmap -T4 on
# case 1; at least 5x faster on case 2.
#
#   bench/portscan-bench.sh [MAMORI [LISTEN_HELPER]]   (default: build/)
#   ninja -C build portscan-bench
#
# Needs root, iproute2, iptables, nmap.
set -u

here=$(cd "$(dirname "$0")" && pwd)
mamori=${1:-$here/../build/mamori}
listen=${2:-$here/../build/tests/netns/portscan-listen}
[ "$(id -u)" -eq 0 ] || { echo "portscan-bench: needs root (network namespaces)"; exit 77; }
for p in ip iptables nmap jq; do
	command -v "$p" >/dev/null 2>&1 || { echo "portscan-bench: needs '$p'"; exit 77; }
done
[ -x "$mamori" ] && [ -x "$listen" ] || { echo "portscan-bench: build first ($mamori, $listen)"; exit 2; }

T=mmpb-t$$
S=mmpb-s$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-pbench.XXXXXX")
lpid=""
cleanup() {
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	ip netns del "$T" 2>/dev/null
	ip netns del "$S" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$T" && ip netns add "$S" || exit 1
ip link add pba$$ netns "$T" type veth peer name pbb$$ netns "$S" || exit 1
ip -n "$T" addr add 10.232.0.1/24 dev pba$$
ip -n "$S" addr add 10.232.0.2/24 dev pbb$$
for ns in "$T" "$S"; do ip -n "$ns" link set lo up; done
ip -n "$T" link set pba$$ up
ip -n "$S" link set pbb$$ up
ip netns exec "$T" iptables -A INPUT -p tcp --dport 10000:10999 -j DROP

OPEN="21 22 25 53 80 110 143 443 993 995 3306 5432 6379 8080 8443 9000 11211 27017 40000 50000"
# shellcheck disable=SC2086 # one argument per port
ip netns exec "$T" "$listen" -t 600 $OPEN >"$tmp/listen.out" 2>&1 &
lpid=$!
for _ in $(seq 50); do
	grep -q ready "$tmp/listen.out" 2>/dev/null && break
	sleep 0.1
done

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# run LABEL CMD...: time one scan, keep its "port state" lines
mamori_run() {
	local label=$1
	shift
	local t0 t1
	t0=$(now)
	ip netns exec "$S" "$mamori" portscan 10.232.0.1 --all --format json "$@" >"$tmp/$label.json"
	t1=$(now)
	jq -r '.ports[] | "\(.port) \(.state)"' "$tmp/$label.json" | sort -n >"$tmp/$label.states"
	secs "$t0" "$t1"
}
nmap_run() {
	local label=$1
	shift
	local t0 t1
	t0=$(now)
	ip netns exec "$S" nmap -n -Pn -sS "$@" -oX "$tmp/$label.xml" 10.232.0.1 >/dev/null
	t1=$(now)
	awk '
	function expand(list, st,   n, a, i, r, lo, hi, p) {
		n = split(list, a, ",")
		for (i = 1; i <= n; i++) {
			if (split(a[i], r, "-") == 2) { lo = r[1]; hi = r[2] } else { lo = a[i]; hi = a[i] }
			for (p = lo + 0; p <= hi + 0; p++) print p, st
		}
	}
	/<extraports state=/ { match($0, /state="[^"]*"/); xs = substr($0, RSTART + 7, RLENGTH - 8) }
	/<extrareasons / { if (match($0, /ports="[^"]*"/)) expand(substr($0, RSTART + 7, RLENGTH - 8), xs) }
	/<port protocol=/ {
		match($0, /portid="[0-9]+"/); p = substr($0, RSTART + 8, RLENGTH - 9)
		match($0, /<state state="[^"]*"/); s = substr($0, RSTART + 14, RLENGTH - 15)
		print p, s
	}' "$tmp/$label.xml" | sort -n -u >"$tmp/$label.states"
	secs "$t0" "$t1"
}
same() { cmp -s "$tmp/$1.states" "$tmp/$2.states" && echo "identical" || echo "DIFFERENT"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }

echo "case 1: all 65535 tcp ports, 20 open, nothing filtered"
m1=$(mamori_run m1 -p -)
s1=$(mamori_run s1 -p - --syn)
n1=$(nmap_run n1 -T4 -p-)
printf '  mamori connect %6s s   mamori --syn %6s s   nmap -sS -T4 %6s s\n' "$m1" "$s1" "$n1"
printf '  nmap/mamori: connect %sx, syn %sx   states vs nmap: connect %s, syn %s   open: %s\n' \
	"$(ratio "$n1" "$m1")" "$(ratio "$n1" "$s1")" "$(same m1 n1)" "$(same s1 n1)" \
	"$(grep -c ' open$' "$tmp/m1.states")"

echo "case 2: 1000 tcp ports dropped (iptables -j DROP)"
m2=$(mamori_run m2 -p 10000-10999)
n2=$(nmap_run n2 -T4 -p 10000-10999)
n5=$(nmap_run n5 -T5 -p 10000-10999)
printf '  mamori connect %6s s   nmap -sS -T4 %6s s   nmap -sS -T5 %6s s\n' "$m2" "$n2" "$n5"
printf '  nmap -T4/mamori: %sx, -T5/mamori: %sx   states vs nmap: %s   filtered: %s\n' \
	"$(ratio "$n2" "$m2")" "$(ratio "$n5" "$m2")" "$(same m2 n2)" \
	"$(grep -c ' filtered$' "$tmp/m2.states")"
