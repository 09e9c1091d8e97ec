#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# mamori portscan across a veth link between two network namespaces this
# test creates (addresses exist only inside them; nothing else is touched):
# a target with listeners on known ports and firewall rules, a scanner that
# runs mamori (connect scan, and SYN scan) and nmap on the same ports.
#
#   target ports (TCP, IPv4 and IPv6)
#     22 80 443 8080 20000-20004   listening                        open
#     3000-3099 (3050 listens)     iptables -j DROP                 filtered (no-response)
#     4000-4099 (4050 listens)     -j REJECT --reject-with tcp-reset  closed
#     4100-4119                    -j REJECT (icmp port-unreachable) filtered (port-unreach)
#     4120-4129                    -j REJECT icmp-admin-prohibited  filtered (admin-prohibited)
#     everything else              nothing listens                  closed
#   UDP: 53 echoes (open), 54 nothing (closed), 55 dropped (open|filtered)
#
# Every port is checked against that table, then against nmap's verdict for
# the same port (skipped with a message when nmap is absent). ICMP rate
# limits are lifted inside the target namespace so every rejected port gets
# its ICMP answer and the reasons are exact too.
#
#   portscan-netns.sh MAMORI LISTEN_HELPER
#
# Needs root, iproute2, iptables and jq; exits 77 (skipped) without them.
# Bounded: every scan has a timeout; namespaces are deleted on any exit.
set -u

mamori=$1
listen=$2
skip() {
	echo "SKIP portscan-netns: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, iptables)"
command -v ip >/dev/null 2>&1 || skip "needs iproute2 ('ip')"
command -v iptables >/dev/null 2>&1 || skip "needs iptables"
command -v jq >/dev/null 2>&1 || skip "needs jq"

T=mmps-t$$
S=mmps-s$$
VA=mpa$$
VB=mpb$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-netns.XXXXXX")
lpid=""
cleanup() {
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	ip netns del "$T" 2>/dev/null
	ip netns del "$S" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$T" 2>/dev/null || skip "cannot create a network namespace (ip netns add)"
ip netns add "$S" || exit 1
ip link add "$VA" netns "$T" type veth peer name "$VB" netns "$S" || skip "cannot create a veth pair"
ip -n "$T" addr add 10.231.0.1/24 dev "$VA"
ip -n "$S" addr add 10.231.0.2/24 dev "$VB"
ip -n "$T" addr add fd00:231::1/64 dev "$VA" nodad
ip -n "$S" addr add fd00:231::2/64 dev "$VB" nodad
for ns in "$T" "$S"; do ip -n "$ns" link set lo up; done
ip -n "$T" link set "$VA" up
ip -n "$S" link set "$VB" up

in_t() { ip netns exec "$T" "$@"; }
in_s() { ip netns exec "$S" "$@"; }

# Every ICMP error answered, not one a second: exact reasons for both scanners.
in_t sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 2>/dev/null
in_t sysctl -qw net.ipv4.icmp_msgs_per_sec=100000 net.ipv4.icmp_msgs_burst=100000 2>/dev/null
exact_icmp=1
[ "$(in_t sysctl -n net.ipv4.icmp_ratelimit 2>/dev/null)" = 0 ] || exact_icmp=0

rules() { # iptables or ip6tables, and the name of its ICMP admin reject
	local ipt=$1 adm=$2 unr=$3
	in_t "$ipt" -A INPUT -p tcp --dport 3000:3099 -j DROP &&
		in_t "$ipt" -A INPUT -p tcp --dport 4000:4099 -j REJECT --reject-with tcp-reset &&
		in_t "$ipt" -A INPUT -p tcp --dport 4100:4119 -j REJECT --reject-with "$unr" &&
		in_t "$ipt" -A INPUT -p tcp --dport 4120:4129 -j REJECT --reject-with "$adm" &&
		in_t "$ipt" -A INPUT -p udp --dport 55 -j DROP
}
rules iptables icmp-admin-prohibited icmp-port-unreachable || skip "iptables rules cannot be loaded here"
have6=1
rules ip6tables adm-prohibited icmp6-port-unreachable 2>/dev/null || have6=0

in_t "$listen" -t 90 -u 53 22 80 443 3050 4050 8080 20000-20004 >"$tmp/listen.out" 2>&1 &
lpid=$!
for _ in $(seq 50); do
	grep -q ready "$tmp/listen.out" 2>/dev/null && break
	sleep 0.1
done
grep -q ready "$tmp/listen.out" || {
	echo "FAIL: listener did not start: $(cat "$tmp/listen.out")"
	exit 1
}

PORTS=1-5000,8080,20000-20010
expected() { # port -> "state reason"
	local p=$1
	case $p in
	22 | 80 | 443 | 8080 | 2000[0-4]) echo "open syn-ack" ;;
	30[0-9][0-9]) echo "filtered no-response" ;;
	40[0-9][0-9]) echo "closed conn-refused" ;;
	410[0-9] | 411[0-9]) echo "filtered port-unreach" ;;
	412[0-9]) echo "filtered admin-prohibited" ;;
	*) echo "closed conn-refused" ;;
	esac
}
{
	for p in $(seq 1 5000) 8080 $(seq 20000 20010); do
		echo "$p $(expected "$p")"
	done
} | sort -n -u >"$tmp/expected"

fails=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# mamori's states (and reasons) for every port, one "port state reason" a line.
scan() { # label addr extra-args...
	local label=$1 addr=$2
	shift 2
	in_s timeout 60 "$mamori" portscan "$addr" -p "$PORTS" --all --format json \
		--timeout 1000 --retries 2 "$@" >"$tmp/$label.json" 2>"$tmp/$label.err"
	local rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "$label: mamori portscan $addr $* exited $rc: $(head -c 500 "$tmp/$label.err")"
		return 1
	fi
	jq -r '.ports[] | "\(.port) \(.state) \(.reason)"' "$tmp/$label.json" | sort -n >"$tmp/$label.got"
	return 0
}

check_table() { # label: every port as the table says
	local label=$1 want=$tmp/expected
	if [ "$exact_icmp" = 0 ]; then
		# without lifted ICMP limits only the state is certain
		cut -d' ' -f1,2 "$tmp/expected" >"$tmp/expected.states"
		cut -d' ' -f1,2 "$tmp/$label.got" >"$tmp/$label.got.states"
		want=$tmp/expected.states
		if ! diff -q "$want" "$tmp/$label.got.states" >/dev/null; then
			fail "$label: states differ from the table (--- expected, +++ mamori):"
			diff "$want" "$tmp/$label.got.states" | head -20
		fi
		return
	fi
	# reasons of a SYN scan say reset for closed
	if grep -q '"method":"syn"' "$tmp/$label.json"; then
		sed 's/conn-refused/reset/' "$tmp/expected" >"$tmp/expected.syn"
		want=$tmp/expected.syn
	fi
	if ! diff -q "$want" "$tmp/$label.got" >/dev/null; then
		fail "$label: port states differ from the table (--- expected, +++ mamori):"
		diff "$want" "$tmp/$label.got" | head -20
	else
		echo "ok: $label: $(wc -l <"$tmp/$label.got") ports as expected" \
			"($(jq -c '.summary | {open,closed,filtered,elapsed_ms}' "$tmp/$label.json"))"
	fi
}

# nmap's -oX lists open ports one by one and the rest as ranges per reason.
nmap_states() { # xml -> "port state" lines
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
	}' "$1" | sort -n -u
}

compare_nmap() { # label nmap-args...
	local label=$1
	shift
	if ! command -v nmap >/dev/null 2>&1; then
		echo "skip: $label: nmap is not installed, no differential check"
		return
	fi
	if ! in_s timeout 100 nmap -n -Pn -T4 --max-retries 2 "$@" -oX "$tmp/$label.xml" >/dev/null 2>&1; then
		fail "$label: nmap $* failed"
		return
	fi
	nmap_states "$tmp/$label.xml" >"$tmp/$label.nmap"
	cut -d' ' -f1,2 "$tmp/$label.got" >"$tmp/$label.mamori"
	if ! diff -q "$tmp/$label.nmap" "$tmp/$label.mamori" >/dev/null; then
		fail "$label: states differ from nmap $* (--- nmap, +++ mamori):"
		diff "$tmp/$label.nmap" "$tmp/$label.mamori" | head -20
	else
		echo "ok: $label: same state as nmap on all $(wc -l <"$tmp/$label.nmap") ports"
	fi
}

scan v4 10.231.0.1 && check_table v4 && compare_nmap v4 -sS -p "$PORTS" 10.231.0.1
if [ "$have6" = 1 ]; then
	scan v6 fd00:231::1 && check_table v6 && compare_nmap v6 -6 -sS -p "$PORTS" fd00:231::1
else
	echo "skip: ip6tables rules cannot be loaded here, no IPv6 check"
fi

# The raw SYN scan must give the same states.
if scan syn 10.231.0.1 --syn; then
	check_table syn
	cut -d' ' -f1,2 "$tmp/v4.got" >"$tmp/v4.states"
	cut -d' ' -f1,2 "$tmp/syn.got" >"$tmp/syn.states"
	diff -q "$tmp/v4.states" "$tmp/syn.states" >/dev/null || fail "syn: states differ from the connect scan"
fi
if [ "$have6" = 1 ] && scan syn6 fd00:231::1 --syn; then
	check_table syn6
fi

# UDP: an echo answers (open), a closed port answers ICMP (closed), a dropped
# one is silent (open|filtered).
if in_s timeout 30 "$mamori" portscan 10.231.0.1 --udp -p 53,54,55 --all --format json \
	--timeout 500 >"$tmp/udp.json" 2>"$tmp/udp.err"; then
	jq -r '.ports[] | "\(.port) \(.state)"' "$tmp/udp.json" >"$tmp/udp.got"
	printf '53 open\n54 closed\n55 open|filtered\n' >"$tmp/udp.want"
	if diff -q "$tmp/udp.want" "$tmp/udp.got" >/dev/null; then
		echo "ok: udp: 53 open, 54 closed, 55 open|filtered"
	else
		fail "udp: (--- expected, +++ mamori)"
		diff "$tmp/udp.want" "$tmp/udp.got"
	fi
	cp "$tmp/udp.got" "$tmp/udpn.got"
	compare_nmap udpn -sU -p 53,54,55 10.231.0.1
else
	fail "udp: mamori exited non-zero: $(head -c 300 "$tmp/udp.err")"
fi

# The comparison for CI: 22 and 443 expected, 8080 not; 3389 expected but closed.
in_s timeout 30 "$mamori" portscan 10.231.0.1 -p 22,443,3389,8080 --expect-ports 22,443,3389 \
	--format json >"$tmp/exp.json" 2>"$tmp/exp.err"
rc=$?
[ "$rc" = 1 ] || fail "expect-ports: exit $rc, expected 1 (an open port is not expected)"
got=$(jq -c '.expect | [[.open_expected[].port], [.open_unexpected[].port], [.expected_closed[].port]]' "$tmp/exp.json")
[ "$got" = '[[22,443],[8080],[3389]]' ] && echo "ok: expect-ports: $got" || fail "expect-ports lists: $got"

# A banner: the listener greets, the scanner reports it and the hint.
kill "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null
in_t "$listen" -t 30 -b "SSH-2.0-OpenSSH_9.2p1 Debian-2" 2222 >"$tmp/listen2.out" 2>&1 &
lpid=$!
sleep 0.3
in_s timeout 30 "$mamori" portscan 10.231.0.1 -p 2222 --banner --format json >"$tmp/banner.json" 2>&1
got=$(jq -c '.ports[0] | [.state, .service, .banner]' "$tmp/banner.json" 2>/dev/null)
[ "$got" = '["open","ssh","SSH-2.0-OpenSSH_9.2p1 Debian-2"]' ] && echo "ok: banner: $got" ||
	fail "banner: $got"

if [ "$fails" -ne 0 ]; then
	echo "portscan-netns: $fails check(s) failed"
	exit 1
fi
echo "portscan-netns: all checks passed"
exit 0
