#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Install the Debian 12 packages mamori needs to build, test and fuzz. This is
# the ONE list of build dependencies: `make demo`, `make check` and CI all call
# this script. It asks apt only for packages that `dpkg -s` does not report as
# installed, so it is a no-op (and works offline) once everything is present.
# Uses sudo when not run as root.
#
#   scripts/setup-debian.sh          install what is missing
#   scripts/setup-debian.sh --list   print the package list and exit
#   scripts/setup-debian.sh --check  exit 1 (listing them) if any are missing
#   scripts/setup-debian.sh --dry-run  print the apt-get commands, run nothing
set -eu

# Why each package is here: README.md, "Dependencies".
PACKAGES="
build-essential
meson
ninja-build
pkg-config
libyaml-dev
zlib1g-dev
libcmocka-dev
libpcre2-dev
clang
clang-format
libclang-rt-14-dev
jq
awscli
libsqlite3-dev
sqlite3
libpq-dev
postgresql
libxml2-dev
libxml2-utils
python3-jsonschema
rpm
iproute2
iptables
nmap
graphviz
chromium
"

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# MAMORI_EXTRA_PACKAGES: more packages, e.g. for testing this script.
PACKAGES="$PACKAGES ${MAMORI_EXTRA_PACKAGES:-}"

missing=""
for p in $PACKAGES; do
	installed "$p" || missing="$missing $p"
done

case "${1:-}" in
--list)
	for p in $PACKAGES; do echo "$p"; done
	exit 0
	;;
--check)
	if [ -n "$missing" ]; then
		echo "missing Debian packages:$missing" >&2
		exit 1
	fi
	exit 0
	;;
"" | --dry-run) ;;
*)
	echo "usage: $0 [--list|--check|--dry-run]" >&2
	exit 2
	;;
esac

if [ -z "$missing" ]; then
	echo "setup-debian: all $(echo "$PACKAGES" | wc -w) packages present, nothing to install"
	exit 0
fi

dry_run=0
[ "${1:-}" = --dry-run ] && dry_run=1
run() {
	if [ "$dry_run" = 1 ]; then
		echo "+ $*"
	else
		"$@"
	fi
}

if [ "$dry_run" = 0 ] && ! command -v apt-get >/dev/null 2>&1; then
	echo "setup-debian: apt-get not found; install these packages by hand:$missing" >&2
	exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
elif [ "$dry_run" = 1 ]; then
	SUDO="sudo"
else
	echo "setup-debian: not root and no sudo; as root run: apt-get install$missing" >&2
	exit 1
fi

echo "setup-debian: installing:$missing"
# A fresh container has empty package lists; refresh them once.
# shellcheck disable=SC2086 # word splitting is intended ($SUDO may be empty)
run $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086
run $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
