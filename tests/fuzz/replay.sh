#!/bin/sh
# Replay every fuzz target's seed corpus (and any crash reproducers kept
# under tests/fuzz/corpus/<target>/) through the replay builds.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
status=0
for dir in "$top_srcdir"/tests/fuzz/corpus/*/; do
	target=$(basename "$dir")
	bin="$top_builddir/tests/fuzz/fuzz_${target}_replay"
	if [ ! -x "$bin" ]; then
		echo "FAIL: $bin is not built"
		status=1
		continue
	fi
	"$bin" "$dir" || status=1
done
exit $status
