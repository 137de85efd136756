#!/bin/sh
# Check (or with --fix, apply) clang-format on our C sources.
#
#   qa/format.sh [--fix] [file...]
#
# Without files: every tracked and untracked (not ignored) .c/.h under
# common dnsd edge probe tests bench. Prints each file that differs from
# .clang-format's output; exits 1 if any does (0 with --fix).
set -eu

cd "$(dirname "$0")/.."

fix=0
if [ "${1:-}" = "--fix" ]; then
	fix=1
	shift
fi

CLANG_FORMAT=${CLANG_FORMAT:-}
if [ -z "$CLANG_FORMAT" ]; then
	for c in clang-format clang-format-14; do
		if command -v "$c" >/dev/null 2>&1; then
			CLANG_FORMAT=$c
			break
		fi
	done
fi
if [ -z "$CLANG_FORMAT" ]; then
	echo "format.sh: clang-format not found (apt-get install clang-format)" >&2
	exit 2
fi

list_files()
{
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@"
	elif git rev-parse --git-dir >/dev/null 2>&1; then
		git ls-files --cached --others --exclude-standard -- \
		    common dnsd edge probe tests bench |
		    grep -E '\.[ch]$' || true
	else
		find common dnsd edge probe tests bench \
		    -name '*.[ch]' 2>/dev/null || true
	fi
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT INT TERM

bad=0
checked=0
for f in $(list_files "$@" | sort -u); do
	[ -f "$f" ] || continue
	checked=$((checked + 1))
	if [ "$fix" = 1 ]; then
		"$CLANG_FORMAT" --style=file -i "$f"
		continue
	fi
	"$CLANG_FORMAT" --style=file "$f" >"$tmp"
	if ! cmp -s "$f" "$tmp"; then
		echo "$f"
		bad=$((bad + 1))
	fi
done

if [ "$fix" = 1 ]; then
	echo "format.sh: formatted $checked files"
	exit 0
fi
if [ "$bad" -gt 0 ]; then
	echo "format.sh: $bad of $checked files need clang-format" \
	    "(qa/format.sh --fix FILE...)" >&2
	exit 1
fi
echo "format.sh: $checked files ok"
