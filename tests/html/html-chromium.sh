#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The HTML report in a real browser (Debian's chromium, headless): render the
# examples/ report and a report of a snapshot whose Name tags carry hostile
# markup, check the files statically (no URL, one script, its CSP hash), then
# let chromium
#   - screenshot both (the PNG must exist, have the window size, not be blank);
#   - dump the DOM after the page script ran: the script finished
#     (body data-js="ok"), revealed the filters and applied the filter given in
#     the URL fragment (#sev=...&res=...) to exactly the rows check-html.py
#     computes from the static file; the hostile markup stayed text;
#   - log the console (--enable-logging=stderr): any console message (a script
#     error, a Content-Security-Policy violation) fails the test.
#
#   html-chromium.sh MAMORI SOURCE_ROOT
#
# Offline by construction: file:// URLs only, every host name resolves to
# nothing (--host-resolver-rules), background services off, and the page's own
# policy forbids any fetch. Every chromium run is bounded by `timeout 60`.
# Without chromium the test fails (scripts/setup-debian.sh installs it), except
# that a non-root user without chromium gets a skip (exit 77).
set -u

mamori=$1
src=$2
check=$src/tests/html/check-html.py

fail() {
	echo "FAIL html-chromium: $*" >&2
	exit 1
}

chromium=${MAMORI_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$chromium" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP html-chromium: chromium is not installed (scripts/setup-debian.sh installs it)"
		exit 77
	fi
	fail "chromium is not installed: run scripts/setup-debian.sh"
fi
command -v python3 >/dev/null 2>&1 || fail "python3 is needed (it comes with meson)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-html.XXXXXX") || fail "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT

# --- the reports
# The start time is the only run-dependent value; SOURCE_DATE_EPOCH fixes it.
export SOURCE_DATE_EPOCH=1700000000
"$mamori" scan "$src/examples" --format html -o "$tmp/examples.html" -q ||
	fail "mamori scan examples --format html failed"
"$mamori" scan "$src/examples" --format html -o "$tmp/again.html" -q ||
	fail "second mamori scan failed"
cmp -s "$tmp/examples.html" "$tmp/again.html" || fail "two runs on the same input differ"
grep -q '<dt>started</dt><dd>2023-11-14 22:13:20 UTC</dd>' "$tmp/examples.html" ||
	fail "the start time is not the one SOURCE_DATE_EPOCH gives"
cp -r "$src/examples" "$tmp/hostile" || fail "cannot copy examples/"
python3 "$check" inject "$tmp/hostile" || fail "cannot build the hostile snapshot"
"$mamori" scan "$tmp/hostile" --format html -o "$tmp/hostile.html" -q ||
	fail "mamori scan (hostile) --format html failed"
python3 "$check" static "$tmp/examples.html" || fail "examples report: static checks"
python3 "$check" static "$tmp/hostile.html" || fail "hostile report: static checks"
grep -q '&lt;script&gt;document.title=&#39;PWNED&#39;' "$tmp/hostile.html" ||
	fail "the hostile tag value did not reach the report: the test would prove nothing"
echo "html-chromium: $(wc -c <"$tmp/examples.html") bytes (examples), $(wc -c <"$tmp/hostile.html") bytes (hostile)"

# --- chromium
run=0
# chrome NAME URL ARGS...: stdout to $tmp/NAME.out, log to $tmp/NAME.log
chrome() {
	local name=$1 url=$2
	shift 2
	run=$((run + 1))
	timeout 60 "$chromium" --headless=new --no-sandbox --disable-gpu \
		--user-data-dir="$tmp/profile-$run" --no-first-run --no-default-browser-check \
		--disable-extensions --disable-sync --disable-background-networking \
		--disable-component-update --disable-default-apps --disable-domain-reliability \
		--host-resolver-rules="MAP * ~NOTFOUND" \
		--enable-logging=stderr --v=0 "$@" "$url" >"$tmp/$name.out" 2>"$tmp/$name.log"
	local rc=$?
	[ $rc -eq 124 ] && fail "chromium ($name) did not finish within 60 s"
	[ $rc -eq 0 ] || fail "chromium ($name) exited $rc: $(tail -n 3 "$tmp/$name.log")"
	if grep -q ':CONSOLE' "$tmp/$name.log"; then
		grep ':CONSOLE' "$tmp/$name.log" >&2
		fail "console messages while loading $name"
	fi
}

chrome shot-examples "file://$tmp/examples.html" --window-size=1280,2000 \
	--screenshot="$tmp/examples.png"
python3 "$check" png "$tmp/examples.png" 1280 2000 || fail "examples screenshot"
chrome shot-hostile "file://$tmp/hostile.html" --window-size=1280,2000 \
	--screenshot="$tmp/hostile.png"
python3 "$check" png "$tmp/hostile.png" 1280 2000 || fail "hostile screenshot"

# no fragment: every row visible; the hostile text is text
chrome dom-hostile "file://$tmp/hostile.html" --dump-dom
python3 "$check" dom "$tmp/dom-hostile.out" || fail "hostile report DOM"
python3 "$check" hostile "$tmp/dom-hostile.out" || fail "hostile markup in the DOM"

# a filter from the fragment hides exactly the rows it should
q='sev=critical&status=fail&res=SG-'
want=$(python3 "$check" expect "$tmp/examples.html" "$q") || fail "cannot count rows"
total=$(python3 "$check" expect "$tmp/examples.html" "")
if [ "$want" -eq 0 ] || [ "$want" -ge "$total" ]; then
	fail "filter '$q' keeps $want of $total rows: pick one that hides some"
fi
chrome dom-filter "file://$tmp/examples.html#$q" --dump-dom
python3 "$check" dom "$tmp/dom-filter.out" "$want" || fail "filter '$q'"

echo "html-chromium: ok ($run chromium runs)"
