#!/usr/bin/env bash
# 018_probe_checks: gslb-probe's four active checks (probe/check.h), run
# by tests/tools/probecheck against a real gslb-edge pulling from a real
# nginx-rtmp origin with an ffmpeg test stream.
#
#   - tcp:  OK against the edge; FAIL "connect: Connection refused" on a
#     closed port; TIMEOUT on a listener whose accept queue is full (a
#     listen(0) socket that never accepts, its one slot taken), where the
#     kernel drops the SYN;
#   - rtmp: OK (connect _result) against the edge; FAIL
#     NetConnection.Connect.InvalidApp for an app it does not serve;
#     TIMEOUT in the handshake on a listener that never answers;
#   - play: OK at the first coded video frame (time to first frame),
#     from the edge's GOP cache once an upstream runs; FAIL
#     NetStream.Play.StreamNotFound for a stream the origin does not have
#     (idle_streams off); FAIL or TIMEOUT once the origin is gone;
#   - http: OK with the edge's report (name, state); FAIL for another
#     edge's name, a 404, a body that is not a report, a closed port;
#     TIMEOUT on a listener that never answers;
#   - cancel at every stage (before the loop runs, during the TCP
#     connect, the handshake, the wait for the first frame and an evhttp
#     request) never calls back, and runs in a row leave no descriptor
#     open (ASan builds also check memory); the edge counts no player
#     error for any of these connections (deleteStream, FIN, no reset);
#   - drain (gslbctl, grace 0.5 s): /v1/load says draining, and after the
#     grace an rtmp check fails with NetConnection.Connect.Rejected; after
#     undrain it is OK again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_rtmp.sh"
test_init
need_rtmp_tools
need_tool perl
EDGE=${GSLB_EDGE:-$top_builddir/edge/gslb-edge}
CTL=$top_builddir/ctl/gslbctl
PC=$top_builddir/tests/tools/probecheck
for b in "$EDGE" "$CTL" "$PC"; do
	[ -x "$b" ] || fail "not built: $b"
done

# pc ARGS...: run probecheck (bounded) and print what it printed: one
# outcome line per run, then "runs=N ok=K fds_leaked=D". Also logged.
pc()
{
	local out
	out=$(timeout -k 2 20 "$PC" "$@" 2>&1)
	printf 'probecheck %s (status %s):\n%s\n' "$*" "$?" "$out" \
		>>"$T/probecheck.log"
	printf '%s\n' "$out"
}
# ms_of OUTPUT: the ms= of its first line, rounded to a whole number.
ms_of()
{
	printf '%s\n' "$1" | sed -n '1s/.* ms=\([0-9.]*\) .*/\1/p' |
		awk '{ printf "%d\n", $1 + 0.5 }'
}

alloc_ports 8
EDGE_PORT=${PORTS[0]} HTTP_PORT=${PORTS[1]} CLOSED_PORT=${PORTS[2]}
SILENT_PORT=${PORTS[3]} SILENT_HTTP_PORT=${PORTS[4]} SILENT_CANCEL_PORT=${PORTS[5]}
HTTP404_PORT=${PORTS[6]} HTTPBAD_PORT=${PORTS[7]}
sed -e "s/@HTTP404_PORT@/$HTTP404_PORT/" -e "s/@HTTPBAD_PORT@/$HTTPBAD_PORT/" \
	"$TEST_SRC/origin.conf.in" >"$T/origin.conf.in"
rtmp_origin_start origin "" "$T/origin.conf.in"
ORIGIN_PORT=$RTMP_PORT
rtmp_publish_test "rtmp://127.0.0.1:$ORIGIN_PORT/live/test" publish
render "$TEST_SRC/edge.yaml.in" "$T/edge.yaml" EDGE_PORT HTTP_PORT ORIGIN_PORT
start_bg edge "$EDGE" -f -c "$T/edge.yaml"
# Three listeners that never accept (backlog 0): a connect completes into
# the accept queue's one slot, and nothing is ever read or answered.
start_bg silent perl -MSocket -e '
	$| = 1;
	for my $p (@ARGV) {
		socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
		setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1);
		bind($s, sockaddr_in($p, inet_aton("127.0.0.1"))) or die "bind: $!";
		listen($s, 0) or die "listen: $!";
		push @keep, $s;
	}
	print "listening\n";
	sleep 120;' "$SILENT_PORT" "$SILENT_HTTP_PORT" "$SILENT_CANCEL_PORT"
wait_for 10 grep -q listening "${LOG_OF[silent]}" || fail "silent listeners did not start"
wait_for 10 rtmp_is_listening "$EDGE_PORT" || fail "edge does not listen"
check_cmd "live stream up on the origin" "not up within 15 s" \
	rtmp_wait_stream "rtmp://127.0.0.1:$ORIGIN_PORT/live/test" 15

EDGE_ADDR=127.0.0.1:$EDGE_PORT
HTTP_ADDR=127.0.0.1:$HTTP_PORT

# ---- tcp ---------------------------------------------------------------------

out=$(pc tcp "$EDGE_ADDR")
expect_match "tcp: OK against the edge" '^result=ok ms=[0-9.]+ why=$' "$out"
log "tcp connect: $(ms_of "$out") ms"
out=$(pc tcp "127.0.0.1:$CLOSED_PORT")
expect_match "tcp: FAIL on a closed port" \
	'^result=fail .*why=connect: Connection refused$' "$out"

# ---- rtmp --------------------------------------------------------------------

out=$(pc -a live rtmp "$EDGE_ADDR")
expect_match "rtmp: OK against the edge" '^result=ok ms=[0-9.]+ why=$' "$out"
log "rtmp connect: $(ms_of "$out") ms"
out=$(pc -a nosuch rtmp "$EDGE_ADDR")
expect_match "rtmp: FAIL for an app the edge does not serve" \
	'^result=fail .*why=NetConnection\.Connect\.InvalidApp$' "$out"
out=$(pc -t 1000 -a live rtmp "127.0.0.1:$SILENT_PORT")
expect_match "rtmp: TIMEOUT in the handshake on a silent listener" \
	'^result=timeout .*why=timeout: handshake$' "$out"
within "rtmp: the timeout took ~1000 ms" 950 1300 "$(ms_of "$out")"
# Its accept queue is full now (that connection is never accepted).
out=$(pc -t 1000 tcp "127.0.0.1:$SILENT_PORT")
expect_match "tcp: TIMEOUT when the SYN is dropped (accept queue full)" \
	'^result=timeout .*why=connect: timeout$' "$out"

# ---- play --------------------------------------------------------------------

# The first play of live/test starts the edge's upstream, so a cancel at
# 50 ms lands before the first frame (or, rarely, just after it).
out=$(pc -C 50 -t 5000 -a live -s test play "$EDGE_ADDR")
expect_match "cancel: play while waiting for the first frame" \
	'^result=(cancelled|ok .*)$' "$out"
expect_match "cancel: play, no fd left" '^runs=1 ok=[01] fds_leaked=0$' "$out"
log "play cancelled at 50 ms: $(head -n 1 <<<"$out")"

out=$(pc -t 8000 -a live -s test play "$EDGE_ADDR")
expect_match "play: OK at the first video frame" \
	'^result=ok ms=[0-9.]+ why=$' "$out"
ttff1=$(ms_of "$out")
out=$(pc -t 8000 -a live -s test -n 3 play "$EDGE_ADDR")
expect_match "play: OK three times in a row" \
	'^runs=3 ok=3 fds_leaked=0$' "$out"
ttff2=$(ms_of "$out")
log "play ttff: ${ttff1} ms, then ${ttff2} ms (the edge's GOP cache)"
within "play: a ttff from the edge's cache is short" 0 500 "$ttff2"
out=$(pc -t 5000 -a live -s missing play "$EDGE_ADDR")
expect_match "play: FAIL for a stream no origin has" \
	'^result=fail .*why=NetStream\.Play\.StreamNotFound$' "$out"

# ---- http --------------------------------------------------------------------

out=$(pc -e probe-edge http "$HTTP_ADDR")
expect_match "http: OK with the edge's report" \
	'^result=ok ms=[0-9.]+ edge=probe-edge state=up players=[0-9]+ why=$' "$out"
log "http /v1/load: $(ms_of "$out") ms"
out=$(pc -e other-edge http "$HTTP_ADDR")
expect_match "http: FAIL when the report names another edge" \
	'^result=fail .*why=report: from edge probe-edge$' "$out"
out=$(pc http "127.0.0.1:$HTTP404_PORT")
expect_match "http: FAIL on a 404" '^result=fail .*why=HTTP 404$' "$out"
out=$(pc http "127.0.0.1:$HTTPBAD_PORT")
expect_match "http: FAIL on a body that is not a report" \
	'^result=fail .*why=report: .+$' "$out"
out=$(pc http "127.0.0.1:$CLOSED_PORT")
expect_match "http: FAIL on a closed port" '^result=fail .*why=connect: ' "$out"
out=$(pc -t 1000 http "127.0.0.1:$SILENT_HTTP_PORT")
expect_match "http: TIMEOUT on a listener that never answers" \
	'^result=timeout .*why=http: timeout$' "$out"

# ---- cancel and leaks --------------------------------------------------------

for kind in tcp rtmp play http; do
	addr=$EDGE_ADDR
	[ "$kind" = http ] && addr=$HTTP_ADDR
	out=$(pc -C 0 -n 3 -a live -s test "$kind" "$addr")
	expect_match "cancel: $kind, before the loop runs, never calls back" \
		'^runs=3 ok=0 fds_leaked=0$' "$out"
done
# On a silent listener: the first run waits in the handshake, the second
# in the TCP connect (the accept queue is full by then).
out=$(pc -C 100 -n 2 -t 5000 -a live rtmp "127.0.0.1:$SILENT_CANCEL_PORT")
expect_match "cancel: rtmp in the handshake and in the TCP connect" \
	'^runs=2 ok=0 fds_leaked=0$' "$out"
expect_eq "cancel: rtmp, both runs cancelled" 2 \
	"$(grep -c '^result=cancelled$' <<<"$out")"
out=$(pc -C 200 -n 2 -t 5000 http "127.0.0.1:$SILENT_HTTP_PORT")
expect_match "cancel: http during a pending evhttp request" \
	'^result=cancelled$' "$out"
expect_match "cancel: http, no fd left" '^runs=2 ok=0 fds_leaked=0$' "$out"
out=$(pc -n 20 -a live rtmp "$EDGE_ADDR")
expect_match "leaks: 20 rtmp checks, all OK, no fd left" \
	'^runs=20 ok=20 fds_leaked=0$' "$out"
out=$(pc -n 20 http "$HTTP_ADDR")
expect_match "leaks: 20 http checks, all OK, no fd left" \
	'^runs=20 ok=20 fds_leaked=0$' "$out"
out=$(pc -n 5 tcp "127.0.0.1:$CLOSED_PORT")
expect_match "leaks: 5 refused tcp checks, no fd left" \
	'^runs=5 ok=0 fds_leaked=0$' "$out"
CONTROL=$HTTP_ADDR # for metric()
expect_eq "edge: every check closed cleanly (no player errors)" 0 \
	"$(metric_sum gslb_edge_player_errors_total)"

# ---- drain -------------------------------------------------------------------

# A player keeps the edge from exiting once drained (it exits when the
# last player leaves).
start_bg player timeout 30 rtmpdump -q -r "rtmp://$EDGE_ADDR/live/test" --live \
	-o /dev/null
expect_within 5 "drain: a player is connected" \
	metric_above gslb_edge_connections 0
"$CTL" drain "http://$HTTP_ADDR" >"$T/drain.json" 2>&1 ||
	fail "gslbctl drain failed: $(cat "$T/drain.json")"
out=$(pc -e probe-edge http "$HTTP_ADDR")
expect_match "drain: the http check reports state draining" \
	'^result=ok .*state=draining ' "$out"
rejected()
{
	"$PC" -a live rtmp "$EDGE_ADDR" |
		grep -q '^result=fail .*why=NetConnection\.Connect\.Rejected$'
}
expect_within 5 "drain: after the grace, rtmp FAIL NetConnection.Connect.Rejected" \
	rejected
check_cmd "drain: the edge is still running" "edge exited" is_running edge
"$CTL" undrain "http://$HTTP_ADDR" >/dev/null 2>&1 || fail "gslbctl undrain failed"
out=$(pc -a live rtmp "$EDGE_ADDR")
expect_match "undrain: rtmp OK again" '^result=ok ' "$out"
stop player

# ---- origin gone -------------------------------------------------------------

stop publish
stop origin
# The edge may still hold live/test for a moment (silent_timeout 1 s),
# then fails over to nothing: FAIL (StreamNotFound, closed) or TIMEOUT.
expect_within 6 "play: no longer OK once the origin is gone" \
	bash -c "! '$PC' -t 1500 -a live -s test play '$EDGE_ADDR' | grep -q '^result=ok'"
out=$(pc -t 1500 -a live -s test play "$EDGE_ADDR")
expect_match "play: FAIL or TIMEOUT without an origin" \
	'^result=(fail|timeout) ' "$out"
log "play without an origin: $(head -n 1 <<<"$out")"

# ---- Shutdown ----------------------------------------------------------------

stop silent
stop edge
expect_nomatch "edge log: no protocol errors or sanitizer reports" \
	'AddressSanitizer|LeakSanitizer|runtime error|fatal' \
	"$(cat "${LOG_OF[edge]}")"
expect_nomatch "probecheck: no sanitizer reports" \
	'AddressSanitizer|LeakSanitizer|runtime error|BUG' \
	"$(cat "$T/probecheck.log")"
test_done
