#!/usr/bin/env bash
# 016_edge_slow_player: a player that stops reading never slows the others.
#
#   - a real slow player: rtmpdump plays through the edge into a pipe
#     nobody reads, so it blocks on its output, stops reading its socket,
#     and TCP pushes back on the edge;
#   - the stream is 14 Mbit/s (a 720p lossless clip looped with -c copy,
#     cheap to publish), so the socket buffers fill in seconds;
#   - meanwhile two rtmpdump --live players on the same stream each get
#     as many bytes as a player alone gets;
#   - the slow player's queue sheds frames (gslb_edge_player_drops_total
#     grows) and, stalled for player_stall_timeout (3 s), it is
#     disconnected (gslb_edge_player_stalls_total = 1);
#   - the upstream never stalls: one upstream, no failure.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_rtmp.sh"
test_init
need_rtmp_tools
EDGE=${GSLB_EDGE:-$top_builddir/edge/gslb-edge}
[ -x "$EDGE" ] || fail "gslb-edge not built: $EDGE does not exist"

rtmp_origin_start origin
ORIGIN_PORT=$RTMP_PORT
ffmpeg -hide_banner -nostdin -loglevel error -f lavfi \
	-i testsrc2=size=1280x720:rate=25 -f lavfi \
	-i sine=frequency=1000:sample_rate=44100 -t 4 -c:v libx264 \
	-preset ultrafast -qp 0 -g 25 -keyint_min 25 -sc_threshold 0 \
	-pix_fmt yuv420p -threads 1 -c:a aac -b:a 64k -f flv "$T/clip.flv" ||
	harness_error "cannot encode the test clip"
start_bg publish ffmpeg -hide_banner -nostdin -loglevel warning \
	-stream_loop -1 -re -i "$T/clip.flv" -c copy -f flv \
	"rtmp://127.0.0.1:$ORIGIN_PORT/live/test"
check_cmd "live stream up on the origin" "not up within 15 s" \
	rtmp_wait_stream "rtmp://127.0.0.1:$ORIGIN_PORT/live/test" 15

alloc_ports 2
EDGE_PORT=${PORTS[0]} HTTP_PORT=${PORTS[1]}
CONTROL=127.0.0.1:$HTTP_PORT # for metric()
render "$TEST_SRC/edge.yaml.in" "$T/edge.yaml" EDGE_PORT HTTP_PORT ORIGIN_PORT
start_bg edge "$EDGE" -f -c "$T/edge.yaml"
wait_for 10 rtmp_is_listening "$EDGE_PORT" || fail "edge does not listen"
LIVE=rtmp://127.0.0.1:$EDGE_PORT/live/test
check_cmd "live stream up through the edge" "not up through the edge" \
	rtmp_wait_stream "$LIVE" 15

# Baseline: what one rtmpdump player alone receives in 6 s.
alone=$(rtmp_play_rtmpdump "$LIVE" --live 6)

# The slow player: rtmpdump writes the stream into a pipe whose reader
# sleeps, so after 64 KiB it blocks and stops reading from the edge.
# Small socket buffers would make it quicker; the defaults are the test.
start_bg slow bash -c "rtmpdump -q -r '$LIVE' --live -o - | sleep 40"
sleep 1
for i in 1 2; do
	rtmp_play_rtmpdump "$LIVE" --live 6 >"$T/fast$i.out" 2>&1 &
	fast[i]=$!
done
for i in 1 2; do
	wait "${fast[i]}"
	expect_eq "fast player $i exits 0" 0 "$?"
	within "fast player $i gets what a player alone gets (bytes)" \
		$((alone * 8 / 10)) $((alone * 12 / 10)) "$(cat "$T/fast$i.out")"
done
expect_within 20 "the slow player is disconnected for stalling" \
	metric_above gslb_edge_player_stalls_total 0
# After the slow one left, a player still gets the full rate.
within "a player after the stall gets what a player alone gets (bytes)" \
	$((alone * 8 / 10)) $((alone * 12 / 10)) "$(rtmp_play_rtmpdump "$LIVE" --live 6)"
expect_eq "exactly one player stalled" 1 "$(metric gslb_edge_player_stalls_total)"
expect_ge "the slow player's queue shed frames" 1 \
	"$(metric gslb_edge_player_drops_total)"
expect_eq "no upstream failed" 0 \
	"$(metric 'gslb_edge_upstreams_total{result="failed"}')"
expect_match "edge log: the stall was logged" 'stalled \([0-9]+ frames dropped\), closing' \
	"$(cat "${LOG_OF[edge]}")"

stop slow
stop edge
expect_eq "edge exits 0 on TERM" 0 "$STOP_STATUS"
expect_match "edge: one upstream served every player" \
	'upstreams started 1 failed 0' "$(cat "${LOG_OF[edge]}")"
expect_nomatch "edge log: no protocol errors or sanitizer reports" \
	'AddressSanitizer|LeakSanitizer|runtime error|: (handshake|rtmp|chunk media): |command refused|fatal' \
	"$(cat "${LOG_OF[edge]}")"
stop publish
stop origin
test_done
