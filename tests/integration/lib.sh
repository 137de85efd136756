# Integration test harness, sourced by every tests/integration/NNN_*/run.sh.
#
#	. "$(dirname "$0")/../lib.sh"
#	test_init		# number and name come from the directory
#	alloc_dnsd_ports	# PORT, CONTROL_PORT, CONTROL (for metric)
#	render "$TEST_SRC/dnsd.yaml.in" "$T/dnsd.yaml" PORT CONTROL_PORT
#	dnsd_start dnsd "$T/dnsd.yaml" 127.0.0.1 "$PORT"
#	expect_eq "www A" 192.0.2.1 \
#		"$(q 127.0.0.1 "$PORT" +short www.example.test A)"
#	expect_eq "counted" 1 "$(metric 'gslb_dnsd_queries_total{transport="udp"}')"
#	test_done
#
# Checks: expect_eq, expect_ne, expect_match, expect_nomatch, expect_ge,
# within (a range), expect_within (bounded polling), expect_golden
# (expected/ files), all built on check_cmd. A failed check is counted and
# the test goes on; test_done turns the count into the exit status. fail
# stops at once.
#
# Each test gets its own temporary directory $T, its own ports (a window at
# 20000 + 20 * NNN, each port probed free on UDP and TCP and reserved with a
# lock directory so parallel runs cannot collide), and a cleanup trap that
# stops every daemon it started by PID (TERM, then KILL after a bounded
# wait). A passing test removes $T; a failing one keeps it and prints every
# log in it. The only synchronisation is bounded polling: nothing here
# sleeps for a fixed time and hopes.
#
# Exit status follows automake: 0 pass, 1 fail, 77 skip (only for a
# missing optional tool such as nsd or kdig), 99 harness error.
#
# Environment: top_srcdir and top_builddir (set by AM_TESTS_ENVIRONMENT;
# guessed from the script's location otherwise), GSLB_DNSD (the binary,
# default $top_builddir/dnsd/gslb-dnsd), GSLB_TEST_PORT_BASE (default 20000),
# GSLB_TEST_KEEP=1 keeps $T even when the test passes.

set -u

# ---- Locations ----------------------------------------------------------

TEST_SRC=$(cd "$(dirname "$0")" && pwd)
TEST_BASENAME=$(basename "$TEST_SRC")
: "${top_srcdir:=$(cd "$TEST_SRC/../../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
DNSD=${GSLB_DNSD:-$top_builddir/dnsd/gslb-dnsd}
DNSDIFF=$top_builddir/tests/tools/dnsdiff
DNSRAW=$top_builddir/tests/tools/dnsraw
DNSCOUNT=$top_builddir/tests/tools/dnscount
export GSLB_TEST_FAST=1

PIDS=()
declare -A PID_OF=()
declare -A LOG_OF=()
RESERVED_PORTS=()
FAILURES=0
CHECKS=0
T=
CONTROL= # host:port of the daemon whose /metrics metric() reads
PORT_LOCK_DIR=${TMPDIR:-/tmp}/gslb-test-ports

# ---- Messages and verdicts ---------------------------------------------

log()
{
	printf '%s\n' "[$TEST_BASENAME] $*"
}

# fail MSG: a fatal failure; the test stops here.
fail()
{
	printf '%s\n' "[$TEST_BASENAME] FAIL: $*" >&2
	exit 1
}

# skip MSG: only for a missing optional tool.
skip()
{
	printf '%s\n' "[$TEST_BASENAME] SKIP: $*" >&2
	exit 77
}

harness_error()
{
	printf '%s\n' "[$TEST_BASENAME] ERROR: $*" >&2
	exit 99
}

# A failed expectation is counted and the test goes on, so one run shows
# every broken check; test_done turns the count into the exit status.
check_failed()
{
	FAILURES=$((FAILURES + 1))
	printf '%s\n' "[$TEST_BASENAME] FAIL: $*" >&2
}

check_passed()
{
	log "ok: $*"
}

# check_cmd PASSED FAILED CMD...: one check: when CMD succeeds, log "ok:
# PASSED", else count a failure and say FAILED. Every expect_* is one call.
check_cmd()
{
	local passed=$1 failed=$2
	shift 2
	CHECKS=$((CHECKS + 1))
	if "$@"; then
		check_passed "$passed"
	else
		check_failed "$failed"
	fi
}

# is_match ERE TEXT: some line of TEXT matches ERE.
is_match()
{
	printf '%s\n' "$2" | grep -Eq -- "$1"
}

is_nomatch()
{
	! is_match "$@"
}

# is_int_ge MIN VALUE: VALUE is an integer >= MIN.
is_int_ge()
{
	[[ "$2" =~ ^-?[0-9]+$ ]] && [ "$2" -ge "$1" ]
}

# is_int_within LOW HIGH VALUE: VALUE is a whole number in LOW..HIGH.
is_int_within()
{
	[[ "$3" =~ ^[0-9]+$ ]] && [ "$3" -ge "$1" ] && [ "$3" -le "$2" ]
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq()
{
	check_cmd "$1" "$1: expected [$2], got [$3]" [ "$2" = "$3" ]
}

# expect_ne WHAT UNEXPECTED ACTUAL
expect_ne()
{
	check_cmd "$1" "$1: did not expect [$2]" [ "$2" != "$3" ]
}

# expect_match WHAT ERE ACTUAL: ACTUAL (any line of it) matches ERE.
expect_match()
{
	check_cmd "$1" "$1: [$3] does not match /$2/" is_match "$2" "$3"
}

# expect_nomatch WHAT ERE ACTUAL
expect_nomatch()
{
	check_cmd "$1" "$1: [$3] matches /$2/" is_nomatch "$2" "$3"
}

# expect_ge WHAT MIN ACTUAL: integer ACTUAL >= MIN.
expect_ge()
{
	check_cmd "$1" "$1: expected >= $2, got [$3]" is_int_ge "$2" "$3"
}

# within WHAT LOW HIGH VALUE: LOW <= VALUE <= HIGH, VALUE a whole number;
# the value shows in the passed line.
within()
{
	check_cmd "$1 ($4 in $2..$3)" "$1: [$4] not in $2..$3" \
		is_int_within "$2" "$3" "$4"
}

# expect_within SECONDS WHAT CMD...: CMD succeeds within SECONDS (polled).
expect_within()
{
	local secs=$1 what=$2
	shift 2
	check_cmd "$what" "$what: not within $secs s" wait_for "$secs" "$@"
}

# is_same_file EXPECTED ACTUAL DIFF: the files are equal; diff -u goes to
# DIFF.
is_same_file()
{
	diff -u "$1" "$2" >"$3"
}

# expect_golden WHAT FILE ACTUAL: ACTUAL equals the golden FILE (under
# $TEST_SRC/expected/ unless a path); a mismatch shows a diff.
expect_golden()
{
	local f=$2 b
	case $f in
	/*) ;;
	*) f=$TEST_SRC/expected/$f ;;
	esac
	b=$(basename "$f")
	printf '%s\n' "$3" >"$T/actual.$b"
	check_cmd "$1" "$1: differs from $f:" \
		is_same_file "$f" "$T/actual.$b" "$T/diff.$b"
	if [ -s "$T/diff.$b" ]; then
		cat "$T/diff.$b" >&2
	fi
}

test_done()
{
	if [ "$FAILURES" -gt 0 ]; then
		log "$FAILURES of $CHECKS checks failed"
		exit 1
	fi
	log "all $CHECKS checks passed"
	exit 0
}

# ---- Setup and teardown -------------------------------------------------

# test_init: number from the directory name (NNN_name), temp dir, trap.
test_init()
{
	TEST_NUM=${TEST_BASENAME%%_*}
	TEST_NUM=$((10#$TEST_NUM))
	T=$(mktemp -d "${TMPDIR:-/tmp}/gslb-itest-$TEST_BASENAME.XXXXXX") ||
		harness_error "mktemp failed"
	trap 'harness_cleanup $?' EXIT
	trap 'exit 99' INT TERM HUP
	if [ ! -x "$DNSDIFF" ] || [ ! -x "$DNSRAW" ]; then
		fail "test tools not built ($DNSDIFF, $DNSRAW): run make check"
	fi
	log "temp dir $T"
}

# need_tool NAME: skip the test when an optional tool is missing.
need_tool()
{
	command -v "$1" >/dev/null 2>&1 || skip "$1 not installed"
}

# need_built TOOL...: a test tool from tests/tools/ is missing: a failure.
need_built()
{
	local t
	for t in "$@"; do
		[ -x "$t" ] || fail "test tool not built ($t): run make check"
	done
}

# need_dnsd: gslb-dnsd is what we test, so its absence is a failure.
need_dnsd()
{
	[ -x "$DNSD" ] || fail "gslb-dnsd not built: $DNSD does not exist"
}

harness_cleanup()
{
	local rc=$1 pid i p

	trap - EXIT INT TERM HUP
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		pid=${PIDS[i]}
		kill -0 "$pid" 2>/dev/null && stop_pid "$pid" 5
	done
	for p in "${RESERVED_PORTS[@]}"; do
		rm -rf "${PORT_LOCK_DIR:?}/$p"
	done
	# A sanitizer report in any daemon's log fails the test, even when
	# every answer was right (CI runs the suite under ASan and UBSan).
	if [ -n "$T" ] && [ "$rc" -ne 77 ] &&
		grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
			"$T"/*.log >"$T/sanitizer-reports" 2>/dev/null; then
		log "FAIL: sanitizer reports in: $(tr '\n' ' ' <"$T/sanitizer-reports")"
		[ "$rc" -eq 0 ] && rc=1
	fi
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "$T" ]; then
		log "exit status $rc; keeping $T"
		for f in "$T"/*.log "$T"/*/*.log; do
			[ -s "$f" ] || continue
			echo "----- $f -----"
			tail -n 200 "$f"
		done
	elif [ -n "$T" ] && [ "${GSLB_TEST_KEEP:-0}" != 1 ]; then
		rm -rf "$T"
	fi
	exit "$rc"
}

# ---- Ports ----------------------------------------------------------------

# is_port_free PORT: nothing listens on it (TCP) or is bound to it (UDP).
is_port_free()
{
	[ -z "$(ss -Hlntu "sport = :$1" 2>/dev/null)" ]
}

# reserve_port PORT: atomically claim PORT among concurrent test runs; a
# claim whose owner died is taken over.
reserve_port()
{
	local d=$PORT_LOCK_DIR/$1 owner

	mkdir -p "$PORT_LOCK_DIR" 2>/dev/null
	if ! mkdir "$d" 2>/dev/null; then
		owner=$(cat "$d/pid" 2>/dev/null)
		[ -n "$owner" ] && kill -0 "$owner" 2>/dev/null && return 1
		rm -rf "$d"
		mkdir "$d" 2>/dev/null || return 1
	fi
	echo $$ >"$d/pid"
	RESERVED_PORTS+=("$1")
}

# alloc_ports N: fill PORTS with N free ports from this test's window.
alloc_ports()
{
	local want=$1 base p tries=0

	base=$((${GSLB_TEST_PORT_BASE:-20000} + 20 * TEST_NUM))
	PORTS=()
	p=$base
	while [ "${#PORTS[@]}" -lt "$want" ]; do
		tries=$((tries + 1))
		[ "$tries" -gt 2000 ] && harness_error "no free ports near $base"
		if is_port_free "$p" && reserve_port "$p"; then
			PORTS+=("$p")
		fi
		p=$((p + 1))
		[ "$p" -gt 65000 ] && p=20000
	done
}

# alloc_dnsd_ports: the two ports of one gslb-dnsd, PORT (DNS) and
# CONTROL_PORT (HTTP), and CONTROL pointing metric() at the latter.
alloc_dnsd_ports()
{
	alloc_ports 2
	# shellcheck disable=SC2034 # PORT is for the test script
	PORT=${PORTS[0]} CONTROL_PORT=${PORTS[1]}
	CONTROL=127.0.0.1:$CONTROL_PORT
}

have_ipv6()
{
	grep -q ' lo$' /proc/net/if_inet6 2>/dev/null &&
		grep -q '^00000000000000000000000000000001' /proc/net/if_inet6
}

# ---- Templates -------------------------------------------------------------

# render SRC DST VAR...: copy SRC to DST replacing @VAR@ by $VAR.
render()
{
	local src=$1 dst=$2 expr=() v
	shift 2
	for v in "$@"; do
		expr+=(-e "s|@$v@|${!v}|g")
	done
	sed "${expr[@]}" "$src" >"$dst" || harness_error "render $src"
	! grep -n '@[A-Z_]*@' "$dst" || harness_error "unrendered placeholder in $dst"
}

# ---- Processes ---------------------------------------------------------------

# start_bg NAME CMD...: run CMD in the background with output in
# $T/NAME.log; the PID goes to PID_OF[NAME] and is stopped at exit.
start_bg()
{
	local name=$1
	shift
	"$@" >"$T/$name.log" 2>&1 &
	PIDS+=($!)
	PID_OF[$name]=$!
	LOG_OF[$name]=$T/$name.log
	log "started $name (pid $!): $*"
}

# wait_exit PID SECONDS: poll until PID exits; its status goes to
# WAIT_STATUS. Returns 1 if it is still running at the deadline.
wait_exit()
{
	local pid=$1 deadline=$((SECONDS + $2))
	while kill -0 "$pid" 2>/dev/null; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.05
	done
	wait "$pid" 2>/dev/null
	WAIT_STATUS=$?
}

# stop_pid PID [SECONDS]: TERM, wait, then KILL. The exit status (or
# "killed") goes to STOP_STATUS. Not in a subshell: only the shell that
# started the process can collect its status.
stop_pid()
{
	local pid=$1
	kill -TERM "$pid" 2>/dev/null
	if wait_exit "$pid" "${2:-5}"; then
		STOP_STATUS=$WAIT_STATUS
	else
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		STOP_STATUS=killed
	fi
}

# stop NAME [SECONDS]: stop_pid for a daemon started with start_bg.
stop()
{
	stop_pid "${PID_OF[$1]}" "${2:-5}"
}

# is_running NAME
is_running()
{
	kill -0 "${PID_OF[$1]}" 2>/dev/null
}

# wait_dns NAME ADDR PORT [SECONDS]: poll with a SOA query for "." until
# the server at ADDR:PORT answers anything over UDP and TCP. Fails at once
# when NAME's process died.
wait_dns()
{
	local name=$1 hp=$2:$3 deadline=$((SECONDS + ${4:-10})) q
	case $2 in *:*) hp="[$2]:$3" ;; esac
	q=$(dns_query_hex 4242 0 . SOA)
	while :; do
		is_running "$name" || fail "$name exited during startup, see ${LOG_OF[$name]}"
		if "$DNSRAW" --timeout 200 "$hp" "$q" | grep -q '^rcode=' &&
			"$DNSRAW" --tcp --timeout 200 "$hp" "$q" | grep -q '^rcode='; then
			return 0
		fi
		[ "$SECONDS" -ge "$deadline" ] && fail "$name does not answer on $hp"
		sleep 0.05
	done
}

# wait_for SECONDS CMD...: poll CMD until it succeeds; 1 at the deadline.
wait_for()
{
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# ---- Daemons -----------------------------------------------------------------

# dnsd_start NAME CONFIG ADDR PORT: start gslb-dnsd in the foreground mode
# and wait until it answers on ADDR:PORT.
dnsd_start()
{
	need_dnsd
	start_bg "$1" "$DNSD" -f -c "$2"
	wait_dns "$1" "$3" "$4"
}

# nsd_start NAME PORT ZONEDIR ZONE:FILE...: start NSD (foreground, one
# server process, minimal responses, version and identity hidden so CH
# queries do not compare build strings) on 127.0.0.1@PORT (and ::1@PORT
# when the host has IPv6) with the zones from ZONEDIR, and wait until it
# answers. Needs no chroot or user switch.
nsd_start()
{
	local name=$1 port=$2 zdir=$3 dir z
	shift 3
	need_tool nsd
	dir=$T/$name
	mkdir -p "$dir"
	cat >"$dir/nsd.conf" <<-EOF
	server:
	  server-count: 1
	  ip-address: 127.0.0.1@$port
	  $(have_ipv6 && echo "ip-address: ::1@$port")
	  port: $port
	  username: ""
	  chroot: ""
	  zonesdir: "$zdir"
	  database: ""
	  zonelistfile: "$dir/zone.list"
	  pidfile: "$dir/nsd.pid"
	  xfrdfile: "$dir/xfrd.state"
	  xfrdir: "$dir"
	  minimal-responses: yes
	  hide-version: yes
	  hide-identity: yes
	  verbosity: 2
	remote-control:
	  control-enable: no
	EOF
	for z in "$@"; do
		printf 'zone:\n  name: "%s"\n  zonefile: "%s"\n' \
			"${z%%:*}" "${z#*:}" >>"$dir/nsd.conf"
	done
	nsd-checkconf "$dir/nsd.conf" >"$dir/checkconf.log" 2>&1 ||
		harness_error "nsd-checkconf: $(cat "$dir/checkconf.log")"
	start_bg "$name" nsd -d -c "$dir/nsd.conf"
	wait_dns "$name" 127.0.0.1 "$port"
}

# ---- Queries -------------------------------------------------------------------

# q ADDR PORT DIG-ARGS...: one dig query, one try, short timeout.
q()
{
	local addr=$1 port=$2
	shift 2
	dig @"$addr" -p "$port" +time=2 +tries=1 "$@" 2>&1
}

# dig_status DIG-OUTPUT: the status word (NOERROR, NXDOMAIN...).
dig_status()
{
	sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$1" | head -n 1
}

# dig_flags DIG-OUTPUT: the header flags ("qr aa rd").
dig_flags()
{
	sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' <<<"$1" | head -n 1
}

# dig_section SECTION DIG-OUTPUT: the records of ANSWER, AUTHORITY or
# ADDITIONAL, one per line with blanks squeezed, sorted.
dig_section()
{
	awk -v s=";; $1 SECTION:" '
		$0 == s { on = 1; next }
		on && /^$/ { exit }
		on { $1 = $1; print }' <<<"$2" | sort
}

# norm_reply: read the output of one dig, kdig or drill query on stdin and
# print it as one line: "RCODE [flags] | answer: RR | authority: RR ...",
# each section sorted, blanks squeezed. The three tools print the header
# differently but the sections alike, so one golden line fits all three.
norm_reply()
{
	local out rcode hflags=() sec line
	out=$(cat)
	rcode=$(sed -n 's/.*\(status\|rcode\): \([A-Z0-9]*\).*/\2/p' <<<"$out" | head -n 1)
	read -r -a hflags < <(sed -n 's/^;; [Ff]lags: *\([a-z ]*\);.*/\1/p' <<<"$out" | head -n 1)
	line="${rcode:-none} [${hflags[*]}]"
	for sec in ANSWER AUTHORITY ADDITIONAL; do
		while IFS= read -r rr; do
			[ -n "$rr" ] && line+=" | ${sec,,}: $rr"
		done < <(dig_section "$sec" "$out" | grep -v '^;')
	done
	printf '%s\n' "$line"
}

# dns_hex_name NAME: NAME in wire format, as hex ("." is the root).
dns_hex_name()
{
	local name=${1%.} label out='' labels=()
	[ -n "$name" ] && IFS=. read -ra labels <<<"$name"
	for label in "${labels[@]}"; do
		out+=$(printf '%02x' "${#label}")
		out+=$(printf '%s' "$label" | od -An -tx1 | tr -d ' \n')
	done
	printf '%s00' "$out"
}

# dns_type_num TYPE: a few type names and TYPEnnn as numbers.
dns_type_num()
{
	case ${1^^} in
	A) echo 1 ;; NS) echo 2 ;; CNAME) echo 5 ;; SOA) echo 6 ;;
	PTR) echo 12 ;; MX) echo 15 ;; TXT) echo 16 ;; AAAA) echo 28 ;;
	SRV) echo 33 ;; OPT) echo 41 ;; DS) echo 43 ;; IXFR) echo 251 ;;
	AXFR) echo 252 ;; ANY) echo 255 ;;
	TYPE*) echo "${1:4}" ;;
	*) harness_error "dns_type_num: unknown type $1" ;;
	esac
}

# dns_query_hex ID FLAGS NAME TYPE [CLASS] [EDNS-PAYLOAD]: a query as hex.
# FLAGS is the 16-bit header flags word (0x0100 = RD); with EDNS-PAYLOAD
# an OPT record (version 0) is added.
dns_query_hex()
{
	local id=$1 flags=$2 name=$3 type=$4 class=${5:-1} edns=${6:-}
	local arcount=0
	[ -n "$edns" ] && arcount=1
	printf '%04x%04x%04x%04x%04x%04x' "$id" "$((flags))" 1 0 0 "$arcount"
	dns_hex_name "$name"
	printf '%04x%04x' "$(dns_type_num "$type")" "$class"
	# OPT: root owner, type 41, payload, ext-rcode/version/flags 0, rdlen 0
	[ -n "$edns" ] && printf '00%04x%04x%08x%04x' 41 "$edns" 0 0
	echo
}

# ---- Metrics --------------------------------------------------------------------

# http_get HOST:PORT PATH: the body of a GET, via curl or bash's /dev/tcp.
http_get()
{
	if command -v curl >/dev/null 2>&1; then
		curl -sf --max-time 5 "http://$1$2"
		return
	fi
	local fd host=${1%:*} port=${1##*:}
	exec {fd}<>"/dev/tcp/$host/$port" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$2" "$1" >&"$fd"
	timeout 5 cat <&"$fd" | sed '1,/^\r\{0,1\}$/d'
	exec {fd}>&-
}

# metric SERIES [LABEL]: from http://$CONTROL/metrics, the value of
# SERIES, such as 'gslb_dnsd_queries_total{transport="udp"}'; with LABEL
# (such as edge="h-3"), of the series named SERIES whose labels include
# LABEL, whatever other labels it has. A series the server does not show
# yet is 0; an unreachable endpoint prints "unreachable" and returns 1.
metric()
{
	local body
	[ -n "$CONTROL" ] || harness_error "metric: CONTROL is not set"
	body=$(http_get "$CONTROL" /metrics) || {
		echo unreachable
		return 1
	}
	awk -v n="$1" -v l="${2:-}" '
		$1 == n && l == "" { v = $2; found = 1 }
		index($1, n "{") == 1 && l != "" &&
		    (index($1, "{" l ",") || index($1, "{" l "}") ||
		     index($1, "," l ",") || index($1, "," l "}")) {
			v = $2; found = 1
		}
		END { print found ? v : 0 }' <<<"$body"
}

# metric_sum NAME: the sum of every series of NAME at $CONTROL, whatever
# their labels ("unreachable" and status 1 when $CONTROL does not answer).
metric_sum()
{
	local body
	[ -n "$CONTROL" ] || harness_error "metric_sum: CONTROL is not set"
	body=$(http_get "$CONTROL" /metrics) || {
		echo unreachable
		return 1
	}
	awk -v n="$1" '$1 == n || index($1, n "{") == 1 { s += $2 }
		END { printf "%.0f\n", s }' <<<"$body"
}

# metric_above SERIES VALUE: the series is now greater than VALUE.
metric_above()
{
	local v
	v=$(metric "$1") && [ "$v" -gt "$2" ]
}

# usable_is EDGE 0|1: gslb_dnsd_edge_usable of EDGE (at $CONTROL).
usable_is()
{
	[ "$(metric gslb_dnsd_edge_usable "edge=\"$1\"")" = "$2" ]
}

# hup_and_wait NAME [RESULT]: SIGHUP to the daemon NAME (start_bg), then
# one check that reloads_total{result=RESULT} (default ok) moves past its
# value before the signal within 10 s. The check is "reload RESULT counted",
# or "reload counted" when RESULT is left out.
hup_and_wait()
{
	local m="gslb_dnsd_reloads_total{result=\"${2:-ok}\"}" before
	before=$(metric "$m")
	kill -HUP "${PID_OF[$1]}"
	expect_within 10 "reload${2:+ $2} counted" metric_above "$m" "$before"
}

# ---- Answer counts (dnscount) ---------------------------------------------------

# count_answers OUT SERVER NAME [DNSCOUNT-ARGS...]: dnscount for NAME (A)
# at SERVER (host:port), each query lost after 2 s; the output goes to
# $T/OUT.txt, and a summary line with lost queries fails a check.
count_answers()
{
	local out=$1 server=$2 name=$3
	shift 3
	"$DNSCOUNT" -t 2000 "$@" "$server" "$name" A >"$T/$out.txt" 2>&1
	expect_match "dnscount $out: no query lost" \
		'^sent=[0-9]+ answered=[0-9]+ lost=0$' "$(head -n 1 "$T/$out.txt")"
}

# hits OUT KEY: how often KEY was the answer in $T/OUT.txt (0 if never).
hits()
{
	awk -v k="$2" 'NR > 1 && $1 == k { n = $2 } END { print n + 0 }' "$T/$1.txt"
}

# keys OUT: the distinct answers of $T/OUT.txt, one per line.
keys()
{
	awk 'NR > 1 { print $1 }' "$T/$1.txt"
}
