#!/usr/bin/env bash
# 011_edge_live: gslb-edge relays a live stream from an nginx-rtmp origin.
#
#   - nginx-rtmp origin on loopback, ffmpeg publishes live/test to it;
#   - gslb-edge starts with a generated config (listen on a free port,
#     app live -> the origin) and passes -t;
#   - through the EDGE: ffprobe sees H.264 + AAC, ffmpeg decodes >= 50
#     video frames in 3 s of stream, rtmpdump --live receives bytes, and
#     two ffmpeg players at once both decode video;
#   - the HTTP port: while a player plays, /metrics shows
#     gslb_edge_players >= 1 and /v1/load is a report for "test-edge"
#     with players >= 1; /v1/stats lists the stream;
#   - edge, publisher and origin stop on TERM; the edge exits 0 and its
#     log has no protocol error, stall, upstream failure or sanitizer
#     report.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_rtmp.sh"
test_init
need_rtmp_tools
EDGE=${GSLB_EDGE:-$top_builddir/edge/gslb-edge}
[ -x "$EDGE" ] || fail "gslb-edge not built: $EDGE does not exist"

rtmp_origin_start origin
ORIGIN_PORT=$RTMP_PORT
ORIGIN_LIVE=rtmp://127.0.0.1:$ORIGIN_PORT/live/test
rtmp_publish_test "$ORIGIN_LIVE" publish
check_cmd "live stream up on the origin" "live stream not up within 15 s" \
	rtmp_wait_stream "$ORIGIN_LIVE" 15

alloc_ports 2
EDGE_PORT=${PORTS[0]} HTTP_PORT=${PORTS[1]}
CONTROL=127.0.0.1:$HTTP_PORT # for metric()
render "$TEST_SRC/edge.yaml.in" "$T/edge.yaml" EDGE_PORT HTTP_PORT ORIGIN_PORT
check_cmd "gslb-edge -t accepts the config" "gslb-edge -t failed" \
	"$EDGE" -t -c "$T/edge.yaml"
start_bg edge "$EDGE" -f -c "$T/edge.yaml"
deadline=$((SECONDS + 10))
until rtmp_is_listening "$EDGE_PORT"; do
	is_running edge || fail "edge exited during startup, see ${LOG_OF[edge]}"
	[ "$SECONDS" -ge "$deadline" ] && fail "edge does not listen on 127.0.0.1:$EDGE_PORT"
	sleep 0.05
done

# ---- Live through the edge ------------------------------------------------------

LIVE=rtmp://127.0.0.1:$EDGE_PORT/live/test
check_cmd "live stream up through the edge" "not up through the edge within 15 s" \
	rtmp_wait_stream "$LIVE" 15
expect_eq "ffprobe via edge: H.264 + AAC" $'audio aac\nvideo h264' \
	"$(rtmp_play_ffprobe "$LIVE")"
within "ffmpeg via edge: video frames decoded in 3 s" 50 80 \
	"$(rtmp_play_ffmpeg "$LIVE" 3)"
expect_ge "rtmpdump --live via edge: bytes in 3 s" 20000 \
	"$(rtmp_play_rtmpdump "$LIVE" --live 3)"

# Two players at once share one upstream.
rtmp_play_ffmpeg "$LIVE" 3 >"$T/player1.out" 2>&1 &
p1=$!
rtmp_play_ffmpeg "$LIVE" 3 >"$T/player2.out" 2>&1 &
p2=$!
wait "$p1"
wait "$p2"
within "two players: player 1 video frames" 50 80 "$(cat "$T/player1.out")"
within "two players: player 2 video frames" 50 80 "$(cat "$T/player2.out")"

# ---- The HTTP port while a player plays ----------------------------------------

# jq_true FILTER FILE: FILTER is true on FILE.
jq_true()
{
	jq -e "$1" "$2" >/dev/null
}
# edge_players_ge N: gslb_edge_players on /metrics is at least N.
edge_players_ge()
{
	is_int_ge "$1" "$(metric gslb_edge_players)"
}
# load_ok: /v1/load is a report for test-edge, state up, players >= 1.
load_ok()
{
	http_get "$CONTROL" /v1/load >"$T/load.json" &&
		jq -e '.version == 1 and .edge == "test-edge" and
		    .state == "up" and .players >= 1 and .streams >= 1 and
		    .publishers == 0' "$T/load.json" >/dev/null
}
rtmp_play_ffmpeg "$LIVE" 6 >"$T/player3.out" 2>&1 &
p3=$!
expect_within 5 "/metrics: gslb_edge_players >= 1 while playing" \
	edge_players_ge 1
expect_within 5 "/v1/load: report of test-edge with players >= 1" load_ok
http_get "$CONTROL" /metrics >"$T/metrics.txt"
expect_ge "/metrics: gslb_edge_bytes_out_total" 1 \
	"$(metric gslb_edge_bytes_out_total)"
expect_ge "/metrics: gslb_edge_streams" 1 "$(metric gslb_edge_streams)"
expect_ge "/metrics: upstreams ok" 1 \
	"$(metric 'gslb_edge_upstreams_total{result="ok"}')"
http_get "$CONTROL" /v1/stats >"$T/stats.json"
check_cmd "/v1/stats lists live/test and its player" \
	"/v1/stats: no live/test with a player, see $T/stats.json" \
	jq_true '(.streams | map(select(.app == "live" and .name == "test" and
	    .players >= 1)) | length == 1) and
	    (.players | map(select(.stream == "live/test")) | length >= 1)' \
	"$T/stats.json"
wait "$p3"

# ---- Shutdown -------------------------------------------------------------------

check_cmd "edge still running" "edge died, see ${LOG_OF[edge]}" is_running edge
stop edge
expect_eq "edge exits 0 on TERM" 0 "$STOP_STATUS"
check_cmd "publisher still running" "publisher died, see ${LOG_OF[publish]}" \
	is_running publish
stop publish
stop origin

expect_match "edge pulled from the origin" "upstream live/test: origin 127.0.0.1:$ORIGIN_PORT: playing" \
	"$(cat "${LOG_OF[edge]}")"
expect_match "edge: one upstream served every player" \
	'upstreams started 1 failed 0' "$(cat "${LOG_OF[edge]}")"
# Players hanging up (timeout kills rtmpdump) are logged as "closed by
# peer" or "connection lost"; these are the lines of real trouble.
expect_nomatch "edge log: no protocol errors or sanitizer reports" \
	'AddressSanitizer|LeakSanitizer|runtime error|: (handshake|rtmp|chunk media): |stalled \(|command refused|message ignored|upstream .*closing|cannot|fatal' \
	"$(cat "${LOG_OF[edge]}")"

test_done
