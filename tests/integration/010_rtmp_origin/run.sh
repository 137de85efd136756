#!/usr/bin/env bash
# 010_rtmp_origin: the RTMP test toolchain works, so that the gslb-edge
# tests can rely on it (tests/integration/lib_rtmp.sh):
#
#   - nginx-rtmp starts as an origin on loopback (live and vod
#     applications, no HTTP server);
#   - ffmpeg publishes a live test stream to it;
#   - ffprobe sees H.264 + AAC in it, ffmpeg decodes >= 50 video frames
#     in 3 s of stream, rtmpdump --live receives bytes;
#   - a generated MP4 plays as VOD (mp4:Test/3d5.mp4) with ffprobe and
#     with rtmpdump -y;
#   - publisher and origin stop on TERM.
#
# The same checks will later run through gslb-edge.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_rtmp.sh"
test_init
need_rtmp_tools

rtmp_origin_start origin
ORIGIN=rtmp://127.0.0.1:$RTMP_PORT
rtmp_vod_make "${RTMP_DIR_OF[origin]}"

# ---- Live -----------------------------------------------------------------------

LIVE=$ORIGIN/live/test
rtmp_publish_test "$LIVE" publish
check_cmd "live stream up" "live stream not up within 15 s" \
	rtmp_wait_stream "$LIVE" 15

expect_eq "ffprobe live: H.264 + AAC" $'audio aac\nvideo h264' \
	"$(rtmp_play_ffprobe "$LIVE")"
within "ffmpeg live: video frames decoded in 3 s" 50 80 \
	"$(rtmp_play_ffmpeg "$LIVE" 3)"
expect_ge "rtmpdump --live: bytes in 3 s" 20000 \
	"$(rtmp_play_rtmpdump "$LIVE" --live 3)"

# ---- VOD ------------------------------------------------------------------------

# ffmpeg splits the URL as app "vod", playpath "mp4:Test/3d5.mp4";
# rtmpdump needs app and playpath apart (-y).
expect_eq "ffprobe vod: H.264 + AAC" $'audio aac\nvideo h264' \
	"$(rtmp_play_ffprobe "$ORIGIN/vod/mp4:Test/3d5.mp4")"
expect_ge "rtmpdump -y vod: bytes of the 5 s file" 100000 \
	"$(rtmp_play_rtmpdump "$ORIGIN/vod" -y mp4:Test/3d5.mp4)"

# ---- Shutdown -------------------------------------------------------------------

check_cmd "publisher still running" "publisher died, see ${LOG_OF[publish]}" \
	is_running publish
stop publish
stop origin
expect_eq "origin exits 0 on TERM" 0 "$STOP_STATUS"

test_done
