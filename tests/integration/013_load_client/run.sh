#!/usr/bin/env bash
# 013_load_client: gslb-rtmp-load (bench/) measures what stock players get.
#
#   - nginx-rtmp origin on loopback, ffmpeg publishes live/test (25 fps,
#     key frame every second) to it;
#   - 20 load-client players for 4 s straight from the origin while
#     rtmpdump --live records the same stream for the same 4 s: every
#     player got video, none failed, bytes per player within 0.5x..2x of
#     rtmpdump's FLV, video frames per player consistent with 25 fps,
#     time to first frame reported;
#   - the same through gslb-edge; SIGUSR1 in the middle of the run
#     prints a mark line while the edge's /metrics counts the players;
#   - --vod plays a 5 s MP4 to its end, from the origin and through the
#     edge's VOD relay: each player gets every video frame ffprobe counts
#     in the file (125).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_rtmp.sh"
test_init
need_rtmp_tools
need_tool jq
EDGE=${GSLB_EDGE:-$top_builddir/edge/gslb-edge}
[ -x "$EDGE" ] || fail "gslb-edge not built: $EDGE does not exist"
[ -x "$RTMP_LOAD" ] || fail "gslb-rtmp-load not built: $RTMP_LOAD"
PLAYERS=20
SECS=4

rtmp_origin_start origin
ORIGIN_PORT=$RTMP_PORT
ORIGIN_LIVE=rtmp://127.0.0.1:$ORIGIN_PORT/live/test
rtmp_vod_make "${RTMP_DIR_OF[origin]}"
rtmp_publish_test "$ORIGIN_LIVE" publish
check_cmd "live stream up on the origin" "live stream not up within 15 s" \
	rtmp_wait_stream "$ORIGIN_LIVE" 15

# jq_num FILTER FILE: FILTER's value on FILE, a whole number.
jq_num()
{
	jq -r "$1 | floor" "$2"
}

# check_load WHAT LINE JSON REF: the checks of one PLAYERS x SECS run
# whose summary is LINE and JSON file JSON; REF is rtmpdump's byte count
# for SECS of the same stream.
check_load()
{
	local what=$1 line=$2 json=$3 ref=$4 lo hi
	log "$what: $line"
	expect_eq "$what: players" "$PLAYERS" "$(rtmp_kv players "$line")"
	expect_eq "$what: every player connected" "$PLAYERS" \
		"$(rtmp_kv connected "$line")"
	expect_eq "$what: every player got video" "$PLAYERS" \
		"$(rtmp_kv got_video "$line")"
	expect_eq "$what: no player failed" 0 "$(rtmp_kv failed "$line")"
	expect_eq "$what: no malformed message" 0 \
		"$(rtmp_kv malformed "$line")"
	# rtmpdump's FLV adds 15 bytes per tag to the payload; the players'
	# socket bytes add chunk headers. Both are small next to the media.
	lo=$((ref / 2)) hi=$((ref * 2))
	within "$what: least bytes of a player vs rtmpdump's $ref" "$lo" "$hi" \
		"$(jq_num '[.player[].bytes] | min' "$json")"
	within "$what: most bytes of a player vs rtmpdump's $ref" "$lo" "$hi" \
		"$(jq_num '[.player[].bytes] | max' "$json")"
	# 25 fps for SECS s: the origin starts at the next key frame (up to
	# 1 s late), the edge adds the cached GOP (up to 25 frames).
	within "$what: least video frames of a player" $((SECS * 25 - 35)) \
		$((SECS * 25 + 30)) "$(jq_num '[.player[].video_frames] | min' "$json")"
	within "$what: most video frames of a player" $((SECS * 25 - 35)) \
		$((SECS * 25 + 30)) "$(jq_num '[.player[].video_frames] | max' "$json")"
	expect_match "$what: ttff reported" '^[0-9]+\.[0-9]$' \
		"$(rtmp_kv ttff_p50_ms "$line")"
	within "$what: ttff max (ms)" 0 3000 \
		"$(jq_num .ttff_max_ms "$json")"
}

# ---- Straight from the origin, next to rtmpdump ---------------------------------

rtmp_play_rtmpdump "$ORIGIN_LIVE" --live "$SECS" >"$T/rtmpdump.out" 2>&1 &
dump=$!
line=$(rtmp_load "$ORIGIN_LIVE" -n "$PLAYERS" -r 100 -d "$SECS")
load_rc=$?
json=$(ls "$T"/rtmp-*-load.json | tail -n 1)
wait "$dump"
REF=$(cat "$T/rtmpdump.out")
expect_ge "rtmpdump --live: bytes in $SECS s" 50000 "$REF"
expect_eq "load via origin: exit status" 0 "$load_rc"
check_load "load via origin" "$line" "$json" "$REF"

# ---- Through gslb-edge ------------------------------------------------------------

alloc_ports 2
EDGE_PORT=${PORTS[0]} HTTP_PORT=${PORTS[1]}
CONTROL=127.0.0.1:$HTTP_PORT # for metric()
render "$TEST_SRC/edge.yaml.in" "$T/edge.yaml" EDGE_PORT HTTP_PORT ORIGIN_PORT
start_bg edge "$EDGE" -f -c "$T/edge.yaml"
deadline=$((SECONDS + 10))
until rtmp_is_listening "$EDGE_PORT"; do
	is_running edge || fail "edge exited during startup, see ${LOG_OF[edge]}"
	[ "$SECONDS" -ge "$deadline" ] && fail "edge does not listen on 127.0.0.1:$EDGE_PORT"
	sleep 0.05
done
LIVE=rtmp://127.0.0.1:$EDGE_PORT/live/test

"$RTMP_LOAD" --json "$T/edge.json" -n "$PLAYERS" -r 100 -d "$SECS" "$LIVE" \
	>"$T/edge-load.out" 2>"$T/edge-load.log" &
load=$!
# edge_players_ge N: gslb_edge_players on /metrics is at least N.
edge_players_ge()
{
	is_int_ge "$1" "$(metric gslb_edge_players)"
}
expect_within 5 "/metrics: gslb_edge_players >= $PLAYERS during the run" \
	edge_players_ge "$PLAYERS"
kill -USR1 "$load"
wait_exit "$load" 20 || fail "gslb-rtmp-load did not end"
expect_eq "load via edge: exit status" 0 "$WAIT_STATUS"
expect_match "load via edge: SIGUSR1 mark line" \
	"^mark t=[0-9.]+ started=$PLAYERS active=$PLAYERS got_video=[0-9]+ failed=0 bytes=[0-9]+" \
	"$(cat "$T/edge-load.out")"
line=$(grep '^players=' "$T/edge-load.out")
check_load "load via edge" "$line" "$T/edge.json" "$REF"

# ---- VOD: each player plays the 5 s file to its end --------------------------------

line=$(rtmp_load "rtmp://127.0.0.1:$ORIGIN_PORT/vod/mp4:Test/3d5.mp4" \
	--vod -n 5 -d 15)
expect_eq "vod: exit status" 0 "$?"
log "vod: $line"
expect_eq "vod: every player got video" 5 "$(rtmp_kv got_video "$line")"
expect_eq "vod: no player failed" 0 "$(rtmp_kv failed "$line")"
# ffprobe counts the file's video frames; every player must get them all.
vod_frames=$(ffprobe -v error -select_streams v:0 -count_packets \
	-show_entries stream=nb_read_packets -of csv=p=0 \
	"${RTMP_DIR_OF[origin]}/vod/Test/3d5.mp4")
expect_eq "vod: ffprobe counts 125 video frames in the file" 125 "$vod_frames"
expect_eq "vod: 5 players x the frames ffprobe counts" $((5 * vod_frames)) \
	"$(rtmp_kv video_frames "$line")"
# ... and through the edge's VOD relay, the same.
line=$(rtmp_load "rtmp://127.0.0.1:$EDGE_PORT/vod/mp4:Test/3d5.mp4" \
	--vod -n 5 -d 15)
expect_eq "vod via edge: exit status" 0 "$?"
expect_eq "vod via edge: 5 players x the frames ffprobe counts" \
	$((5 * vod_frames)) "$(rtmp_kv video_frames "$line")"

# ---- Shutdown -----------------------------------------------------------------------

check_cmd "edge still running" "edge died, see ${LOG_OF[edge]}" is_running edge
stop edge
expect_eq "edge exits 0 on TERM" 0 "$STOP_STATUS"
stop publish
stop origin
expect_nomatch "edge log: no protocol errors or sanitizer reports" \
	'AddressSanitizer|LeakSanitizer|runtime error|: (handshake|rtmp|chunk media): |stalled \(|command refused|message ignored|upstream .*closing|cannot|fatal' \
	"$(cat "${LOG_OF[edge]}")"
expect_nomatch "load client: no sanitizer reports" \
	'AddressSanitizer|LeakSanitizer|runtime error' \
	"$(cat "$T"/*load*.log)"

test_done
