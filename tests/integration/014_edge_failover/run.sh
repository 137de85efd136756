#!/usr/bin/env bash
# 014_edge_failover: players keep playing when their origin dies.
#
#   - two nginx-rtmp origins A and B, each with an ffmpeg publisher of
#     live/test; one gslb-edge with both as origins of app "live";
#   - crash: an ffmpeg player and an rtmpdump player play through the
#     edge; the origin the edge pulls from is killed (SIGKILL, master and
#     worker). The edge moves to the other origin within 1.5 s, the ffmpeg
#     player decodes its whole 12 s with no error, the rtmpdump recording
#     has monotonic timestamps and keeps growing after the switch;
#   - silent: the dead origin comes back; the origin in use is frozen
#     (SIGSTOP): after silent_timeout the edge moves back, and a player
#     again plays to its end;
#   - not found: live/missing is on no origin (idle_streams off, so both
#     say StreamNotFound): the player is told NetStream.Play.StreamNotFound,
#     and within notfound_cache a second player gets the answer from the
#     edge's cache without asking the origins again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_rtmp.sh"
test_init
need_rtmp_tools
need_tool jq
EDGE=${GSLB_EDGE:-$top_builddir/edge/gslb-edge}
[ -x "$EDGE" ] || fail "gslb-edge not built: $EDGE does not exist"

# kill_origin NAME SIGNAL: signal an nginx origin's master and worker.
# The master first: a master that sees its worker die starts another
# one, which a KILLed master would then leave behind.
kill_origin()
{
	local pid=${PID_OF[$1]} kids
	kids=$(pgrep -P "$pid")
	kill "-$2" "$pid" 2>/dev/null
	[ -n "$kids" ] && kill "-$2" $kids 2>/dev/null
	return 0
}

TMPL=$TEST_SRC/origin.conf.in
rtmp_origin_start oa "" "$TMPL"
PORT_A=$RTMP_PORT
rtmp_origin_start ob "" "$TMPL"
PORT_B=$RTMP_PORT
rtmp_publish_test "rtmp://127.0.0.1:$PORT_A/live/test" pub_a
rtmp_publish_test "rtmp://127.0.0.1:$PORT_B/live/test" pub_b
check_cmd "live stream up on origin A" "not up on A within 15 s" \
	rtmp_wait_stream "rtmp://127.0.0.1:$PORT_A/live/test" 15
check_cmd "live stream up on origin B" "not up on B within 15 s" \
	rtmp_wait_stream "rtmp://127.0.0.1:$PORT_B/live/test" 15

alloc_ports 2
EDGE_PORT=${PORTS[0]} HTTP_PORT=${PORTS[1]}
CONTROL=127.0.0.1:$HTTP_PORT # for metric()
render "$TEST_SRC/edge.yaml.in" "$T/edge.yaml" EDGE_PORT HTTP_PORT PORT_A PORT_B
start_bg edge "$EDGE" -f -c "$T/edge.yaml"
deadline=$((SECONDS + 10))
until rtmp_is_listening "$EDGE_PORT"; do
	is_running edge || fail "edge exited during startup, see ${LOG_OF[edge]}"
	[ "$SECONDS" -ge "$deadline" ] && fail "edge does not listen"
	sleep 0.05
done
LIVE=rtmp://127.0.0.1:$EDGE_PORT/live/test
check_cmd "live stream up through the edge" "not up through the edge" \
	rtmp_wait_stream "$LIVE" 15

# edge_origin: the origin ("127.0.0.1:PORT") the edge pulls live/test from.
edge_origin()
{
	http_get "$CONTROL" /v1/stats |
		jq -r '.streams[] | select(.app == "live" and .name == "test") |
		    .origin'
}
# origin_is ADDR: the edge pulls live/test from ADDR and it is connected.
origin_is()
{
	local j
	j=$(http_get "$CONTROL" /v1/stats) || return 1
	[ "$(jq -r '.streams[] | select(.name == "test") |
	    .origin + " " + .upstream' <<<"$j")" = "$1 connected" ]
}
# name_of ADDR: the origin's start_bg name.
name_of()
{
	case $1 in
	"127.0.0.1:$PORT_A") echo oa ;;
	"127.0.0.1:$PORT_B") echo ob ;;
	*) fail "the edge pulls from unknown origin '$1'" ;;
	esac
}
# takeovers: the "took over N ms" figures of the edge log, one per line.
takeovers()
{
	sed -n 's/.*live live\/test: origin .* took over \([0-9]*\) ms.*/\1/p' \
		"${LOG_OF[edge]}"
}
# monotonic FLV: per stream, packet timestamps in FLV never go back.
monotonic()
{
	ffprobe -v error -show_entries packet=stream_index,dts -of csv=p=0 \
		"$1" | awk -F, '$2 != "N/A" {
			if (($1 in last) && $2 + 0 < last[$1]) bad++
			last[$1] = $2 + 0; n++
		} END { exit !(n > 100 && bad == 0) }'
}

# ---- Crash: kill the origin in use -----------------------------------------------

first=$(edge_origin)
victim=$(name_of "$first")
log "the edge pulls from $first ($victim)"
rtmp_play_ffmpeg "$LIVE" 12 >"$T/crash-ffmpeg.out" 2>&1 &
p1=$!
rtmp_play_rtmpdump "$LIVE" --live 12 >"$T/crash-rtmpdump.out" 2>&1 &
p2=$!
sleep 4
kill_origin "$victim" KILL
wait "$p1"
s1=$?
wait "$p2"
s2=$?
second=$(edge_origin)
expect_ne "crash: the edge moved to the other origin" "$first" "$second"
expect_eq "crash: ffmpeg player exits 0" 0 "$s1"
within "crash: ffmpeg decoded 12 s of video across the switch" 250 330 \
	"$(cat "$T/crash-ffmpeg.out")"
expect_eq "crash: rtmpdump player exits 0" 0 "$s2"
expect_ge "crash: rtmpdump bytes in 12 s" 300000 "$(cat "$T/crash-rtmpdump.out")"
dump=$(ls "$T"/rtmp-*-rtmpdump.flv | tail -n 1)
check_cmd "crash: rtmpdump recording has monotonic timestamps" \
	"timestamps go back in $dump" monotonic "$dump"
expect_eq "crash: one takeover logged" 1 "$(takeovers | wc -l)"
within "crash: takeover time (ms)" 0 1500 "$(takeovers | tail -n 1)"
expect_ge "crash: gslb_edge_upstream_switches_total" 1 \
	"$(metric gslb_edge_upstream_switches_total)"

# ---- Silent: freeze the origin in use --------------------------------------------

# The dead origin comes back (same port), with its publisher.
stop "pub_${victim#o}"
wait "${PID_OF[$victim]}" 2>/dev/null
if [ "$victim" = oa ]; then port=$PORT_A; else port=$PORT_B; fi
rtmp_origin_start "$victim" "$port" "$TMPL"
rtmp_publish_test "rtmp://127.0.0.1:$port/live/test" "pub_${victim#o}"
check_cmd "silent: restarted origin has the stream" "not up again" \
	rtmp_wait_stream "rtmp://127.0.0.1:$port/live/test" 15
frozen=$(name_of "$second")
rtmp_play_ffmpeg "$LIVE" 8 >"$T/silent-ffmpeg.out" 2>&1 &
p1=$!
sleep 3
kill_origin "$frozen" STOP
expect_within 5 "silent: the edge moved back to $first" origin_is "$first"
wait "$p1"
s1=$?
kill_origin "$frozen" CONT
expect_eq "silent: ffmpeg player exits 0" 0 "$s1"
within "silent: ffmpeg decoded 8 s of video across the switch" 160 230 \
	"$(cat "$T/silent-ffmpeg.out")"
expect_eq "silent: two takeovers logged in all" 2 "$(takeovers | wc -l)"
within "silent: takeover time (ms)" 0 1500 "$(takeovers | tail -n 1)"

# ---- Not found on every origin ---------------------------------------------------

MISSING=rtmp://127.0.0.1:$EDGE_PORT/live/missing
notfound_log=$T/notfound-1.log
timeout 10 rtmpdump -V -r "$MISSING" --live -o /dev/null >"$notfound_log" 2>&1
expect_match "not found: the player is told StreamNotFound" \
	'NetStream\.Play\.StreamNotFound' "$(cat "$notfound_log")"
expect_eq "not found: one stream not found" 1 \
	"$(metric gslb_edge_streams_not_found_total)"
timeout 10 rtmpdump -V -r "$MISSING" --live -o /dev/null >"$T/notfound-2.log" 2>&1
expect_match "not found: a second player is told so too" \
	'NetStream\.Play\.StreamNotFound' "$(cat "$T/notfound-2.log")"
expect_match "not found: ... from the edge's cache" \
	'play live/missing: not found \(cached\)' "$(cat "${LOG_OF[edge]}")"
expect_eq "not found: still one lookup of the origins" 1 \
	"$(metric gslb_edge_streams_not_found_total)"

# ---- Shutdown -----------------------------------------------------------------------

check_cmd "edge still running" "edge died, see ${LOG_OF[edge]}" is_running edge
stop edge
expect_eq "edge exits 0 on TERM" 0 "$STOP_STATUS"
expect_nomatch "edge log: no protocol errors or sanitizer reports" \
	'AddressSanitizer|LeakSanitizer|runtime error|: (handshake|rtmp|chunk media): |stalled \(|command refused|fatal' \
	"$(cat "${LOG_OF[edge]}")"
for n in pub_a pub_b oa ob; do
	is_running "$n" && stop "$n"
done
test_done
