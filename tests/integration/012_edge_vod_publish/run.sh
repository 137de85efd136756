#!/usr/bin/env bash
# 012_edge_vod_publish: gslb-edge relays VOD plays and publishers one to
# one to an nginx-rtmp origin, writes an access log and idles out
# connections that never play.
#
#   - VOD (app "vod", mode vod): rtmpdump (no --live; -y passes the
#     playpath, see rtmp_play_rtmpdump) downloads the whole 5 s file
#     through the edge, ending by itself (status 0 or 2) with about as
#     many bytes as straight from the origin; ffprobe sees H.264 + AAC;
#     ffmpeg decodes video; ffprobe -read_intervals makes ffmpeg's RTMP
#     client send "seek", which the edge relays: the first packet is at
#     the seek position, not at 0; a missing file is
#     NetStream.Play.StreamNotFound;
#   - publish: ffmpeg publishes live/pushed to the EDGE, and a player
#     reading live/pushed straight from the ORIGIN gets H.264; a second
#     publisher of the same name is refused (the origin's BadName);
#   - idle: a connection that does the handshake and then nothing is
#     closed after limits.idle_timeout (1 s);
#   - the access log has one well-formed line per session (as many as
#     the edge closed), with the kinds and ends above.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_rtmp.sh"
test_init
need_rtmp_tools
EDGE=${GSLB_EDGE:-$top_builddir/edge/gslb-edge}
[ -x "$EDGE" ] || fail "gslb-edge not built: $EDGE does not exist"

rtmp_origin_start origin
ORIGIN_PORT=$RTMP_PORT
rtmp_vod_make "${RTMP_DIR_OF[origin]}"
rtmp_origin_start origin2
ORIGIN2_PORT=$RTMP_PORT
for d in "${RTMP_DIR_OF[origin]}" "${RTMP_DIR_OF[origin2]}"; do
	mkdir -p "$d/vod/Other"
	cp "${RTMP_DIR_OF[origin]}/vod/Test/3d5.mp4" "$d/vod/Other/3d5.mp4"
done

alloc_ports 2
EDGE_PORT=${PORTS[0]} HTTP_PORT=${PORTS[1]}
render "$TEST_SRC/edge.yaml.in" "$T/edge.yaml" EDGE_PORT HTTP_PORT ORIGIN_PORT \
	ORIGIN2_PORT
check_cmd "gslb-edge -t accepts the config" "gslb-edge -t failed" \
	"$EDGE" -t -c "$T/edge.yaml"
start_bg edge "$EDGE" -f -c "$T/edge.yaml"
deadline=$((SECONDS + 10))
until [ -n "$(ss -Hlnt "sport = :$EDGE_PORT" 2>/dev/null)" ]; do
	is_running edge || fail "edge exited during startup, see ${LOG_OF[edge]}"
	[ "$SECONDS" -ge "$deadline" ] && fail "edge does not listen on 127.0.0.1:$EDGE_PORT"
	sleep 0.05
done
ACCESS=$T/access.log
sessions=0 # connections made to the edge, one access log line each

# ---- VOD through the edge ---------------------------------------------------------

VOD=rtmp://127.0.0.1:$EDGE_PORT/vod/mp4:Test/3d5.mp4
direct=$(rtmp_play_rtmpdump "rtmp://127.0.0.1:$ORIGIN_PORT/vod" -y mp4:Test/3d5.mp4 15)
expect_ge "rtmpdump straight from the origin: bytes" 100000 "$direct"
via=$(rtmp_play_rtmpdump "rtmp://127.0.0.1:$EDGE_PORT/vod" -y mp4:Test/3d5.mp4 15)
sessions=$((sessions + 1))
expect_ge "rtmpdump via edge: whole file, ended by itself" 100000 "$via"
if is_int_ge 1 "$direct"; then
	within "rtmpdump via edge: size within 2 % of the direct download" \
		$((direct * 98 / 100)) $((direct * 102 / 100)) "${via:-0}"
fi
expect_eq "ffprobe via edge (vod): H.264 + AAC" $'audio aac\nvideo h264' \
	"$(rtmp_play_ffprobe "$VOD")"
sessions=$((sessions + 1))
within "ffmpeg via edge (vod): video frames decoded in 3 s" 60 80 \
	"$(rtmp_play_ffmpeg "$VOD" 3)"
sessions=$((sessions + 1))
within "seek relayed: first video packet after seeking to 3 s (ms)" 2500 3600 \
	"$(rtmp_play_ffmpeg_seek "$VOD" 3)"
sessions=$((sessions + 1))
expect_match "edge log: the seek went to the origin" \
	'seek vod/mp4:Test/3d5.mp4 at 3000 ms, relayed' "$(cat "${LOG_OF[edge]}")"

log=$(rtmp_next_log rtmpdump-missing)
timeout -k 2 10 rtmpdump -r "rtmp://127.0.0.1:$EDGE_PORT/vod" \
	-y mp4:Test/missing.mp4 -o "$log.flv" >"$log.log" 2>&1
sessions=$((sessions + 1))
expect_match "missing VOD file: NetStream.Play.StreamNotFound" \
	'NetStream.Play.StreamNotFound' "$(cat "$log.log")"

# ---- Publish through the edge -------------------------------------------------------

rtmp_publish_test "rtmp://127.0.0.1:$EDGE_PORT/live/pushed" publish
sessions=$((sessions + 1))
PUSHED=rtmp://127.0.0.1:$ORIGIN_PORT/live/pushed
check_cmd "pushed stream up on the origin" "not up within 15 s" \
	rtmp_wait_stream "$PUSHED" 15
expect_eq "ffprobe from the origin: the pushed H.264 + AAC" \
	$'audio aac\nvideo h264' "$(rtmp_play_ffprobe "$PUSHED")"
within "ffmpeg from the origin: pushed video frames in 2 s" 25 70 \
	"$(rtmp_play_ffmpeg "$PUSHED" 2)"
expect_ne "second publisher of live/pushed refused" 0 \
	"$(rtmp_publish_once "rtmp://127.0.0.1:$EDGE_PORT/live/pushed" 2)"
sessions=$((sessions + 1))
check_cmd "publisher still running" "publisher died, see ${LOG_OF[publish]}" \
	is_running publish
stop publish

# ---- Idle connections -------------------------------------------------------------------

within "idle connection closed after idle_timeout (ms)" 800 2500 \
	"$(rtmp_idle_client "$EDGE_PORT")"
sessions=$((sessions + 1))

# ---- Access log ---------------------------------------------------------------------------

# log_lines_ge N: the access log has at least N lines.
log_lines_ge()
{
	is_int_ge "$1" "$(wc -l <"$ACCESS" 2>/dev/null || echo 0)"
}
expect_within 5 "access log: a line for each of the $sessions sessions" \
	log_lines_ge "$sessions"
lines=$(cat "$ACCESS" 2>/dev/null)
expect_eq "access log: one line per session" "$sessions" "$(wc -l <<<"$lines")"
re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z 127\.0\.0\.1:[0-9]+'
re+=' [^ ]+ [^ ]+ (play-live|play-vod|publish|none) [0-9]+ [0-9]+ [0-9]+\.[0-9]{3}'
re+=' ([0-9]+|-) (closed|timeout|stalled|not-found|shutdown|error:[^ ]+|rejected:[^ ]+)$'
expect_eq "access log: every line well formed" "" "$(grep -Ev "$re" <<<"$lines")"
expect_match "access log: whole VOD download" \
	' vod mp4:Test/3d5\.mp4 play-vod [0-9]{6,} [0-9]+ [0-9.]+ [0-9]+ closed' "$lines"
expect_match "access log: VOD not found" \
	' vod mp4:Test/missing\.mp4 play-vod [0-9]+ [0-9]+ [0-9.]+ - not-found' "$lines"
expect_match "access log: the publisher" \
	' live pushed publish [0-9]+ [0-9]{6,} [0-9.]+ [0-9]+ closed' "$lines"
expect_match "access log: the refused publisher" \
	' live pushed publish [0-9]+ [0-9]+ [0-9.]+ - rejected:NetStream\.Publish\.BadName' "$lines"
expect_match "access log: the idle connection" \
	' - - none [0-9]+ 3073 [0-9.]+ - timeout' "$lines"

# ---- VOD origins: one that failed is tried last --------------------------------------------

OTHER=rtmp://127.0.0.1:$EDGE_PORT/vod/mp4:Other/3d5.mp4
# other_plays: ffprobe finds H.264 + AAC in mp4:Other/3d5.mp4 via the edge.
other_plays()
{
	[ "$(rtmp_play_ffprobe "$OTHER")" = $'audio aac\nvideo h264' ]
}
# other_via: the origin port the last play of mp4:Other/3d5.mp4 went to.
other_via()
{
	sed -n 's|.*: play vod/mp4:Other/3d5\.mp4 (vod.*) via 127\.0\.0\.1:\([0-9]*\)$|\1|p' \
		"${LOG_OF[edge]}" | tail -n 1
}
# other_failed: lines saying an origin of mp4:Other/3d5.mp4 failed.
other_failed()
{
	grep -c 'vod/mp4:Other/3d5\.mp4: origin failed' "${LOG_OF[edge]}"
}
check_cmd "two origins: a VOD play" "no VOD play" other_plays
first=$(other_via)
case $first in
"$ORIGIN_PORT") first_name=origin second=$ORIGIN2_PORT ;;
"$ORIGIN2_PORT") first_name=origin2 second=$ORIGIN_PORT ;;
*) fail "the VOD play went to no known origin: '$first'" ;;
esac
stop "$first_name"
check_cmd "its first origin stopped: the next one serves" "no VOD play" \
	other_plays
expect_eq "the failed origin was tried first" 1 "$(other_failed)"
check_cmd "and again" "no VOD play" other_plays
expect_eq "now straight to the origin that works" "$second" "$(other_via)"
expect_eq "the failed origin was not tried again" 1 "$(other_failed)"

# ---- Shutdown ---------------------------------------------------------------------------------

check_cmd "edge still running" "edge died, see ${LOG_OF[edge]}" is_running edge
stop edge
expect_eq "edge exits 0 on TERM" 0 "$STOP_STATUS"
stop origin
stop origin2
edge_log=$(cat "${LOG_OF[edge]}")
expect_match "edge: publish forwarded after the origin's Publish.Start" \
	'relay live/pushed: origin 127\.0\.0\.1:[0-9]+: publish-start' "$edge_log"
expect_match "edge: idle connection counted" 'no play or publish within 1000 ms' \
	"$edge_log"
expect_nomatch "edge log: no protocol errors or sanitizer reports" \
	'AddressSanitizer|LeakSanitizer|runtime error|: (handshake|rtmp|chunk-media|relay): |stalled \(|command refused|message ignored|cannot|fatal' \
	"$edge_log"

test_done
