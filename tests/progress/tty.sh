#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The progress bar on a real terminal: util-linux `script` runs mamori on a
# pseudo-terminal (stderr there, stdout to a file) and the same command runs
# again without a terminal. With a terminal the bar is drawn ("\r...ESC[K"),
# fits in 79 columns, is erased before anything else reaches stderr and at
# the end; stdout is byte-identical either way. Without a terminal, with
# MAMORI_NO_PROGRESS=1, with TERM=dumb and with --quiet, nothing of it shows.
#
#   tty.sh MAMORI SRC_ROOT
set -u
mamori=$1
src=$2

if ! command -v script >/dev/null 2>&1 || ! command -v perl >/dev/null 2>&1; then
	echo "SKIP: util-linux script or perl not installed"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() {
	echo "FAIL: $*"
	failed=1
}

# A clean environment, as the CLI golden tests use, plus the sanitizer options.
base=(env -i PATH="$PATH" HOME="$tmp" LC_ALL=C TZ=UTC NO_COLOR=1 SHELL=/bin/bash)
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS MSAN_OPTIONS; do
	[ -n "${!v:-}" ] && base+=("$v=${!v}")
done

# run NAME ENV... -- ARGS...: without a terminal -> NAME.out NAME.err NAME.rc;
# on a terminal -> NAME.tout, NAME.pty (stderr as the terminal got it), NAME.trc.
run() {
	local name=$1 envs=()
	shift
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	"${base[@]}" "${envs[@]}" "$mamori" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
	echo $? >"$tmp/$name.rc"
	local cmd
	cmd="$(printf '%q ' "$mamori" "$@")>$(printf '%q' "$tmp/$name.tout")"
	"${base[@]}" "${envs[@]}" script -qfec "$cmd" /dev/null </dev/null >"$tmp/$name.pty" 2>&1
	echo $? >"$tmp/$name.trc"
	# elapsed times differ from run to run
	sed -E -i 's/ in [0-9.]+ (ms|s)/ in N \1/g' "$tmp/$name".{out,err,tout,pty}
}

has_esc() { grep -q $'\033\|\r' "$1"; }

# The terminal's stderr without the bar, with the terminal's \r\n made \n.
strip_bar() { perl -0pe 's/\r[^\r\n\033]*\033\[K//g; s/\r\n/\n/g' "$1"; }

# check NAME WHAT: the bar for WHAT was drawn and erased properly on NAME's
# terminal, and everything else is what the run without a terminal printed.
check_bar() {
	local name=$1 what=$2
	cmp -s "$tmp/$name.rc" "$tmp/$name.trc" ||
		fail "$name: exit $(cat "$tmp/$name.trc") on a terminal, $(cat "$tmp/$name.rc") without"
	cmp -s "$tmp/$name.out" "$tmp/$name.tout" || fail "$name: stdout differs on a terminal"
	has_esc "$tmp/$name.out" && fail "$name: escape codes on stdout"
	has_esc "$tmp/$name.err" && fail "$name: escape codes on stderr without a terminal"
	grep -q "$(printf '\r%s ' "$what")" "$tmp/$name.pty" || fail "$name: no '$what' bar on the terminal"
	# every drawn line fits in 79 columns (no window size here: 80 assumed)
	perl -0ne 'while (/\r([^\r\n\033]+)\033\[K/g) { exit 1 if length($1) > 79 }' "$tmp/$name.pty" ||
		fail "$name: a bar line is wider than 79 columns"
	# a drawn line is always followed by another draw or the erase, never by text
	perl -0ne 'exit 1 if /\r[^\r\n\033]+\033\[K(?!\r)/' "$tmp/$name.pty" ||
		fail "$name: text printed over the bar (not erased first)"
	# the last thing the bar did was erasing itself
	perl -0ne '$l = rindex($_, "\033[K"); exit 1 if $l < 1 || substr($_, $l - 1, 4) ne "\r\033[K"' \
		"$tmp/$name.pty" || fail "$name: the bar was not erased at the end"
	strip_bar "$tmp/$name.pty" >"$tmp/$name.pty.stripped"
	cmp -s "$tmp/$name.err" "$tmp/$name.pty.stripped" ||
		fail "$name: stderr on a terminal (bar removed) differs from stderr without one"
}

# check_none NAME: nothing of the bar on NAME's terminal either.
check_none() {
	local name=$1
	cmp -s "$tmp/$name.out" "$tmp/$name.tout" || fail "$name: stdout differs on a terminal"
	perl -0pe 's/\r\n/\n/g' "$tmp/$name.pty" >"$tmp/$name.pty.nl"
	has_esc "$tmp/$name.pty.nl" && fail "$name: escape codes or \\r on the terminal"
	cmp -s "$tmp/$name.err" "$tmp/$name.pty.nl" || fail "$name: stderr differs on a terminal"
}

# scan: the bar while loading; the report is the same
run scan TERM=xterm -- scan "$src/examples"
check_bar scan loading
[ -s "$tmp/scan.out" ] || fail "scan: no report"

# reach over a snapshot with broken files: diagnostics go to stderr after the bar
run reach TERM=xterm -- reach "$src/tests/cli/cases/scan-malformed/tree/snap"
check_bar reach loading
grep -q "cannot parse" "$tmp/reach.err" || fail "reach: expected diagnostics on stderr"

# trail: the bar while reading the files
run trail TERM=xterm -- trail "$src/tests/fixtures/trail/cli/toctou.jsonl"
check_bar trail reading
[ -s "$tmp/trail.out" ] || fail "trail: no alerts"

# off: MAMORI_NO_PROGRESS=1, TERM=dumb, TERM unset, --quiet
run noprog TERM=xterm MAMORI_NO_PROGRESS=1 -- scan "$src/examples"
check_none noprog
run dumb TERM=dumb -- scan "$src/examples"
check_none dumb
run noterm -- scan "$src/examples"
check_none noterm
run quiet TERM=xterm -- scan --quiet "$src/examples"
check_none quiet
[ -s "$tmp/quiet.pty" ] && fail "quiet: something on the terminal"

if [ $failed = 0 ]; then
	echo "ok: bar on a terminal, erased, fits; identical output and no escape codes otherwise"
fi
exit $failed
