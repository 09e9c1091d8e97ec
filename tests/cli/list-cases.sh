#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Print the name of every CLI golden case (a directory with an 'args' file)
# under the given cases directory, sorted. Used by meson at configure time.
set -eu
cd "$1"
for d in */; do
	d=${d%/}
	[ -f "$d/args" ] && printf '%s\n' "$d"
done | LC_ALL=C sort
