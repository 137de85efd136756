#!/bin/sh
# THE test command (CI runs it through .ci/run).
#
#   1. qa/deps.sh            install what is missing (Debian 12)
#   2. autoreconf -fi        only if configure is missing or stale
#   3. build/gcc             gcc, --enable-werror: make, make check
#   4. build/clang-asan      clang, --enable-werror --enable-sanitizers
#                            (ASan + UBSan): make, make check
#   5. qa/format.sh          clang-format check
#   6. make distcheck        in build/gcc
#
# Every step runs even if an earlier one failed, so one run shows
# everything; the exit status is 1 if any failed. Each step's output goes
# to build/logs/<step>.log and is shown (with test-suite.log) only on
# failure. The last lines are automake's summaries and "N passed, N failed".
set -u

cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
JOBS=${JOBS:-2}
LOGDIR=$ROOT/build/logs

summary=
failed_steps=
n_pass=0
n_fail=0
n_skip=0

# run_step NAME CMD...: run with output to the step's log, time it.
run_step()
{
	name=$1
	shift
	log=$LOGDIR/$name.log
	t0=$(date +%s)
	printf '%-28s ' "$name"
	if "$@" >"$log" 2>&1; then
		status=PASS
	else
		status=FAIL
		failed_steps="$failed_steps $name"
	fi
	secs=$(($(date +%s) - t0))
	echo "$status (${secs}s)"
	summary="$summary$(printf '%-28s %s %5ss' "$name" "$status" "$secs")
"
	[ "$status" = PASS ]
}

show_log()
{
	echo "---- $1 (last ${2:-80} lines) ----"
	tail -n "${2:-80}" "$1"
}

need_autoreconf()
{
	[ -x configure ] && [ -f Makefile.in ] || return 0
	[ -n "$(find . -path ./build -prune -o \
	    \( -name configure.ac -o -name Makefile.am -o \
	    -name Makefile.inc -o -path './m4/*.m4' \) \
	    -newer Makefile.in -print 2>/dev/null | head -n 1)" ]
}

# configure_build DIR ARGS...: (re)configure DIR unless already done with
# the same arguments against the current configure script.
configure_build()
{
	dir=$1
	shift
	mkdir -p "$dir"
	want="$*"
	if [ -f "$dir/Makefile" ] && [ -f "$dir/.qa-configure-args" ] &&
	    [ "$(cat "$dir/.qa-configure-args")" = "$want" ] &&
	    [ "$dir/config.status" -nt configure ]; then
		return 0
	fi
	rm -f "$dir/.qa-configure-args"
	(cd "$dir" && "$ROOT/configure" "$@") || return 1
	echo "$want" >"$dir/.qa-configure-args"
}

build_and_check()
{
	dir=$1
	shift
	configure_build "$dir" "$@" &&
	    make -C "$dir" -j"$JOBS" &&
	    make -C "$dir" -j"$JOBS" check
}

# Add a build's automake summary (from its test-suite.log) to the counts.
count_tests()
{
	name=$1
	tslog=$2
	if [ ! -f "$tslog" ]; then
		n_fail=$((n_fail + 1))
		tests_summary="$tests_summary---- $name: no tests ran ----
"
		return
	fi
	get()
	{
		sed -n "s/^# $1: *\([0-9][0-9]*\).*/\1/p" "$tslog" | head -n 1
	}
	p=$(get PASS)
	f=$(get FAIL)
	e=$(get ERROR)
	x=$(get XPASS)
	s=$(get SKIP)
	n_pass=$((n_pass + ${p:-0}))
	n_fail=$((n_fail + ${f:-0} + ${e:-0} + ${x:-0}))
	n_skip=$((n_skip + ${s:-0}))
	tests_summary="$tests_summary---- $name: make check ----
$(grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$tslog")
"
}

if [ -f config.status ]; then
	echo "test.sh: the source tree is configured in place;" \
	    "run 'make distclean' here first" >&2
	exit 1
fi
mkdir -p "$LOGDIR"
tests_summary=

# Sanitizer runtime settings for the clang build's tests.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

echo "== rtmp-gslb tests: logs in build/logs/"

if run_step deps ./qa/deps.sh; then
	:
else
	show_log "$LOGDIR/deps.log"
fi

if need_autoreconf; then
	run_step autoreconf autoreconf -fi || show_log "$LOGDIR/autoreconf.log"
fi

rm -f build/gcc/test-suite.log build/clang-asan/test-suite.log
if ! run_step gcc-werror build_and_check build/gcc CC=gcc \
    --enable-werror; then
	show_log "$LOGDIR/gcc-werror.log" 60
	[ -f build/gcc/test-suite.log ] && cat build/gcc/test-suite.log
fi
count_tests gcc-werror build/gcc/test-suite.log

if ! run_step clang-asan build_and_check build/clang-asan CC=clang \
    --enable-werror --enable-sanitizers; then
	show_log "$LOGDIR/clang-asan.log" 60
	[ -f build/clang-asan/test-suite.log ] &&
	    cat build/clang-asan/test-suite.log
fi
count_tests clang-asan build/clang-asan/test-suite.log

if ! run_step format ./qa/format.sh; then
	show_log "$LOGDIR/format.log" 40
	n_fail=$((n_fail + 1))
fi

if [ -f build/gcc/Makefile ]; then
	if ! run_step distcheck make -C build/gcc -j"$JOBS" distcheck; then
		show_log "$LOGDIR/distcheck.log" 80
		n_fail=$((n_fail + 1))
	fi
else
	run_step distcheck false
	n_fail=$((n_fail + 1))
fi

echo
echo "==================== summary ===================="
printf '%s' "$summary"
printf '%s' "$tests_summary"
if [ -n "$failed_steps" ]; then
	echo "FAIL:$failed_steps"
	status=1
else
	echo "PASS: all steps"
	status=0
fi
if [ "$n_skip" -gt 0 ]; then
	echo "$n_pass passed, $n_fail failed, $n_skip skipped"
else
	echo "$n_pass passed, $n_fail failed"
fi
exit $status
