#!/usr/bin/env bash
# 015_edge_drain: an edge's limits, drain, reload and load reports.
#
#   - reports: the edge POSTs signed load reports to a probe stand-in
#     (tests/tools/statefeed) every 0.5 s: state up, then full;
#   - limits: with max_players 2 and two players playing, a third is
#     refused with NetConnection.Connect.Rejected, /v1/load says "full",
#     and a connection that never completes the handshake is closed after
#     handshake_timeout (1 s);
#   - reload: SIGHUP with max_players 3 and a new route admits a third
#     player without disturbing the two, and serves the new route's app;
#     a broken config is refused and changes nothing;
#   - drain (gslbctl, signed): /v1/load and the reports say "draining" at
#     once; a player is still admitted during the grace; after it a
#     connect is rejected; gslbctl undrain / drain again; the players
#     already there play to their end; the edge exits 0 when the last one
#     leaves;
#   - deadline: a second edge drained by SIGQUIT with a player that never
#     leaves exits at drain.deadline.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_rtmp.sh"
test_init
need_rtmp_tools
need_tool jq
EDGE=${GSLB_EDGE:-$top_builddir/edge/gslb-edge}
CTL=$top_builddir/ctl/gslbctl
STATEFEED=$top_builddir/tests/tools/statefeed
for b in "$EDGE" "$CTL" "$STATEFEED"; do
	[ -x "$b" ] || fail "not built: $b"
done

rtmp_origin_start origin
ORIGIN_PORT=$RTMP_PORT
rtmp_publish_test "rtmp://127.0.0.1:$ORIGIN_PORT/live/test" publish
check_cmd "live stream up on the origin" "not up within 15 s" \
	rtmp_wait_stream "rtmp://127.0.0.1:$ORIGIN_PORT/live/test" 15

alloc_ports 5
EDGE_PORT=${PORTS[0]} HTTP_PORT=${PORTS[1]} SF_PORT=${PORTS[2]}
EDGE2_PORT=${PORTS[3]} HTTP2_PORT=${PORTS[4]}
CONTROL=127.0.0.1:$HTTP_PORT # for metric()
(
	umask 077
	printf '%s\n' 0123456789abcdef0123456789abcdef >"$T/secret"
)
echo '{"probe":"probe-test","edges":[]}' >"$T/state.json"
start_bg sf "$STATEFEED" -v -l "127.0.0.1:$SF_PORT" -s "$T/secret" -f "$T/state.json"
wait_for 10 grep -q 'listening on' "${LOG_OF[sf]}" ||
	fail "statefeed does not listen, see ${LOG_OF[sf]}"

MAX_PLAYERS=2 GRACE=3 DEADLINE=60 OTHER_APP=live2
render "$TEST_SRC/edge.yaml.in" "$T/edge.yaml" EDGE_PORT HTTP_PORT ORIGIN_PORT \
	SF_PORT MAX_PLAYERS GRACE DEADLINE OTHER_APP
start_bg edge "$EDGE" -f -c "$T/edge.yaml"
wait_for 10 rtmp_is_listening "$EDGE_PORT" || fail "edge does not listen"
LIVE=rtmp://127.0.0.1:$EDGE_PORT/live/test

# load_state: the state in the edge's /v1/load.
load_state()
{
	"$CTL" -k "$T/secret" load "http://$CONTROL" | jq -r .state
}
# state_is S: /v1/load says S.
state_is()
{
	[ "$(load_state)" = "$1" ]
}
# reported S: statefeed has received a report of drain-edge in state S.
reported()
{
	grep -q "report: edge drain-edge, seq [0-9]*, $1" "${LOG_OF[sf]}"
}
# connect_says PATTERN: an rtmpdump connect's log matches PATTERN.
connect_says()
{
	local log
	log=$(rtmp_next_log connect)
	timeout 10 rtmpdump -V -r "$LIVE" --live -B 1 -o /dev/null >"$log" 2>&1
	grep -Eq "$1" "$log"
}
# plays: a short rtmpdump play through the edge receives media.
plays()
{
	is_int_ge 20000 "$(rtmp_play_rtmpdump "$LIVE" --live 2)"
}

# ---- Reports and limits ------------------------------------------------------------

expect_within 5 "reports: statefeed receives 'up' reports" reported up
# app_says APP PATTERN: a connect to app APP gets an answer matching PATTERN.
app_says()
{
	local log
	log=$(rtmp_next_log app)
	timeout 10 rtmpdump -V -r "rtmp://127.0.0.1:$EDGE_PORT/$1/test" --live \
		-B 1 -o /dev/null >"$log" 2>&1
	grep -Eq "$2" "$log"
}
check_cmd "reload: before, app 'other' is not served" "app 'other' served" \
	app_says other 'NetConnection\.Connect\.InvalidApp'
rtmp_play_ffmpeg "$LIVE" 25 >"$T/p1.out" 2>&1 &
p1=$!
rtmp_play_ffmpeg "$LIVE" 25 >"$T/p2.out" 2>&1 &
p2=$!
expect_within 10 "limits: two players playing" metric_above gslb_edge_players 1
check_cmd "limits: a third player gets NetConnection.Connect.Rejected" \
	"no Connect.Rejected for a third player" \
	connect_says 'NetConnection\.Connect\.Rejected'
expect_eq "limits: /v1/load says full" full "$(load_state)"
expect_within 3 "reports: statefeed receives 'full' reports" reported full
expect_ge "limits: gslb_edge_players_refused_total" 1 \
	"$(metric gslb_edge_players_refused_total)"
# A connection that never says anything is closed at handshake_timeout.
start=$SECONDS
timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$EDGE_PORT; cat <&3 >/dev/null"
within "limits: a silent connection is closed after ~1 s" 0 2 $((SECONDS - start))

# ---- Reload ---------------------------------------------------------------------------

MAX_PLAYERS=3 OTHER_APP=other
render "$TEST_SRC/edge.yaml.in" "$T/edge.yaml" EDGE_PORT HTTP_PORT ORIGIN_PORT \
	SF_PORT MAX_PLAYERS GRACE DEADLINE OTHER_APP
kill -HUP "${PID_OF[edge]}"
expect_within 5 "reload: applied" metric_above gslb_edge_reloads_total 0
check_cmd "reload: a third player now plays" "third player got nothing" plays
check_cmd "reload: the new route serves app 'other'" "app 'other' still refused" \
	app_says other 'NetConnection\.Connect\.Success'
echo 'routes: [' >"$T/edge.yaml"
check_cmd "reload: gslbctl reload of a broken config fails" \
	"gslbctl reload of a broken config succeeded" \
	bash -c "! '$CTL' -k '$T/secret' reload 'http://$CONTROL' >/dev/null 2>&1"
expect_within 5 "reload: a broken config is refused" \
	metric_above gslb_edge_reload_failures_total 0
expect_eq "reload: the edge still says up" up "$(load_state)"

# ---- Drain ------------------------------------------------------------------------------

check_cmd "drain: gslbctl without the secret is refused" "unsigned drain accepted" \
	bash -c "! '$CTL' drain 'http://$CONTROL' >/dev/null 2>&1"
expect_eq "drain: still up" up "$(load_state)"
"$CTL" -k "$T/secret" drain "http://$CONTROL" >"$T/drain.json" ||
	fail "gslbctl drain failed: $(cat "$T/drain.json")"
expect_eq "drain: gslbctl answers the new state" draining "$(jq -r .drain "$T/drain.json")"
expect_eq "drain: /v1/load says draining at once" draining "$(load_state)"
expect_within 2 "drain: statefeed receives a 'draining' report" reported draining
check_cmd "drain: a player is admitted during the grace" "refused in the grace" plays
expect_within 5 "drain: after the grace, gslb_edge_draining is 2" \
	metric_above gslb_edge_draining 1
check_cmd "drain: then a connect is rejected" "no Connect.Rejected while draining" \
	connect_says 'NetConnection\.Connect\.Rejected'
"$CTL" -k "$T/secret" undrain "http://$CONTROL" >/dev/null || fail "undrain failed"
expect_eq "undrain: /v1/load says up" up "$(load_state)"
check_cmd "undrain: players are admitted again" "refused after undrain" plays
"$CTL" -k "$T/secret" drain "http://$CONTROL" >/dev/null || fail "drain failed"
expect_within 5 "drain again: closed to new players after the grace" \
	metric_above gslb_edge_draining 1
check_cmd "drain: edge still running while players play" "edge exited early" \
	is_running edge
wait "$p1"
s1=$?
wait "$p2"
s2=$?
expect_eq "drain: player 1 played to its end" 0 "$s1"
expect_eq "drain: player 2 played to its end" 0 "$s2"
within "drain: player 1 decoded 25 s of video" 560 680 "$(cat "$T/p1.out")"
within "drain: player 2 decoded 25 s of video" 560 680 "$(cat "$T/p2.out")"
wait_exit "${PID_OF[edge]}" 5 || fail "edge still running after its last player left"
expect_eq "drain: the edge exits 0 after its last player" 0 "$WAIT_STATUS"
expect_match "drain: logged why it exits" 'drain: last session ended, exiting' \
	"$(cat "${LOG_OF[edge]}")"

# ---- Deadline ----------------------------------------------------------------------------

EDGE_PORT=$EDGE2_PORT HTTP_PORT=$HTTP2_PORT MAX_PLAYERS=10 GRACE=0.5 DEADLINE=2
render "$TEST_SRC/edge.yaml.in" "$T/edge2.yaml" EDGE_PORT HTTP_PORT ORIGIN_PORT \
	SF_PORT MAX_PLAYERS GRACE DEADLINE OTHER_APP
start_bg edge2 "$EDGE" -f -c "$T/edge2.yaml"
wait_for 10 rtmp_is_listening "$EDGE2_PORT" || fail "edge2 does not listen"
rtmp_play_ffmpeg "rtmp://127.0.0.1:$EDGE2_PORT/live/test" 30 >"$T/p3.out" 2>&1 &
p3=$!
CONTROL=127.0.0.1:$HTTP2_PORT
expect_within 10 "deadline: a player plays" metric_above gslb_edge_players 0
kill -QUIT "${PID_OF[edge2]}"
start=$SECONDS
wait_exit "${PID_OF[edge2]}" 6 || fail "edge2 did not exit at its drain deadline"
expect_eq "deadline: the edge exits 0" 0 "$WAIT_STATUS"
within "deadline: it exits after ~2 s" 1 4 $((SECONDS - start))
expect_match "deadline: logged" 'drain: deadline reached' "$(cat "${LOG_OF[edge2]}")"
wait "$p3"

# ---- Shutdown -------------------------------------------------------------------------------

stop sf
stop publish
stop origin
for n in edge edge2; do
	expect_nomatch "$n log: no protocol errors or sanitizer reports" \
		'AddressSanitizer|LeakSanitizer|runtime error|: (handshake|rtmp|chunk media): |stalled \(|fatal' \
		"$(cat "${LOG_OF[$n]}")"
done
test_done
