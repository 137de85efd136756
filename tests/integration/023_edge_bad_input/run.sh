#!/usr/bin/env bash
# 023_edge_bad_input: what a broken or hostile client sends over a real
# socket closes that one connection at once, counted by reason in
# gslb_edge_player_errors_total, while a player on the same edge plays on
# undisturbed.
#
#   handshake  C0 asks for version 6 (RTMPE)
#   limit      after a plain handshake, a message header announcing
#              16 MiB - 1 (over limits.max_message_bytes, 8 MiB): refused
#              on the header, before any body is read or buffered
#   memory     50 connections each announcing 8 MiB - 1 (allowed) and
#              sending 100 bytes: the heap grows by what arrived
#   protocol   after a handshake, a command whose AMF is not AMF;
#              and a Set Chunk Size of 0
#   timeout    a handshake that stops half way (handshake_timeout 1 s)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_rtmp.sh"
test_init
need_rtmp_tools
EDGE=${GSLB_EDGE:-$top_builddir/edge/gslb-edge}
[ -x "$EDGE" ] || fail "not built: $EDGE"

rtmp_origin_start origin
ORIGIN_PORT=$RTMP_PORT
rtmp_publish_test "rtmp://127.0.0.1:$ORIGIN_PORT/live/test" publish
check_cmd "live stream up on the origin" "not up within 15 s" \
	rtmp_wait_stream "rtmp://127.0.0.1:$ORIGIN_PORT/live/test" 15

alloc_ports 2
EDGE_PORT=${PORTS[0]} HTTP_PORT=${PORTS[1]}
render "$TEST_SRC/edge.yaml.in" "$T/edge.yaml" EDGE_PORT HTTP_PORT ORIGIN_PORT
start_bg edge "$EDGE" -f -c "$T/edge.yaml"
wait_for 10 rtmp_is_listening "$EDGE_PORT" || fail "edge does not listen"
CONTROL=127.0.0.1:$HTTP_PORT

# errors REASON: gslb_edge_player_errors_total{reason=REASON}.
errors()
{
	metric gslb_edge_player_errors_total "reason=\"$1\""
}

# closed_after HANDSHAKE PAYLOAD: connect to the edge, do a plain
# handshake (C1 and C2 all zero) when HANDSHAKE is "yes", send the bytes
# of the file PAYLOAD, then read until the edge closes the connection.
# Succeeds when it does so within 3 s.
closed_after()
{
	local rc
	timeout 3 bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 2
		if [ "$2" = yes ]; then
			{ printf "\x03"; head -c 1536 /dev/zero; } >&3
			head -c 3073 <&3 >/dev/null
			head -c 1536 /dev/zero >&3
		fi
		cat "$3" >&3 2>/dev/null
		cat <&3 >/dev/null 2>&1
		exit 0' bad "$EDGE_PORT" "$1" "$2"
	rc=$?
	[ "$rc" -ne 124 ] && [ "$rc" -ne 2 ]
}

# A player plays through all of it.
rtmp_play_ffmpeg "rtmp://127.0.0.1:$EDGE_PORT/live/test" 8 >"$T/player.out" 2>&1 &
player=$!
expect_within 10 "a player plays" metric_above gslb_edge_players 0

# ---- One connection each -----------------------------------------------------

{ printf '\x06'; head -c 1536 /dev/zero; } >"$T/rtmpe"
check_cmd "handshake: version 6 is closed at once" "not closed" \
	closed_after no "$T/rtmpe"
expect_within 2 "handshake: counted" metric_above \
	'gslb_edge_player_errors_total{reason="handshake"}' 0

# fmt 0, csid 3, timestamp 0, length 0xffffff, command (0x14), stream 0.
printf '\x03\x00\x00\x00\xff\xff\xff\x14\x00\x00\x00\x00' >"$T/huge"
check_cmd "limit: a 16 MiB message header is closed at once" "not closed" \
	closed_after yes "$T/huge"
expect_ge "limit: counted" 1 "$(errors limit)"

# Allowed but announced, not sent: 8 MiB - 1 announced, 100 bytes sent,
# the connection held open. The edge buffers what arrives, not what is
# announced: 50 such connections must not cost 400 MiB.
{
	printf '\x03\x00\x00\x00\x7f\xff\xff\x14\x00\x00\x00\x00'
	head -c 100 /dev/zero
} >"$T/announced"
heap_before=$(metric gslb_edge_heap_inuse_bytes)
holders=()
for _ in $(seq 50); do
	timeout 20 bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 2
		{ printf "\x03"; head -c 1536 /dev/zero; } >&3
		head -c 3073 <&3 >/dev/null
		head -c 1536 /dev/zero >&3
		cat "$2" >&3
		sleep 15' hold "$EDGE_PORT" "$T/announced" &
	holders+=($!)
done
expect_within 10 "memory: 50 connections hold an announced 8 MiB message" \
	metric_above gslb_edge_connections 50
sleep 1 # their 100 bytes are in
heap_held=$(metric gslb_edge_heap_inuse_bytes)
grown=$(((heap_held - heap_before) / 1024))
check_cmd "memory: the heap grew by what arrived, not what was announced ($grown KiB)" \
	"the heap grew by $grown KiB for 50 announced 8 MiB messages" \
	[ "$grown" -le 4096 ]
kill "${holders[@]}" 2>/dev/null
wait "${holders[@]}" 2>/dev/null

# A command of 8 bytes of 0xff: no AMF0 type marker is 0xff.
{
	printf '\x03\x00\x00\x00\x00\x00\x08\x14\x00\x00\x00\x00'
	printf '\xff\xff\xff\xff\xff\xff\xff\xff'
} >"$T/badamf"
check_cmd "protocol: a command that is not AMF is closed at once" "not closed" \
	closed_after yes "$T/badamf"
# Set Chunk Size (type 1) on csid 2, to 0.
printf '\x02\x00\x00\x00\x00\x00\x04\x01\x00\x00\x00\x00\x00\x00\x00\x00' >"$T/chunk0"
check_cmd "protocol: a chunk size of 0 is closed at once" "not closed" \
	closed_after yes "$T/chunk0"
expect_ge "protocol: both counted" 2 "$(errors protocol)"

# Half a C1, then nothing: closed at handshake_timeout, not sooner.
{ printf '\x03'; head -c 700 /dev/zero; } >"$T/half"
start=$SECONDS
check_cmd "timeout: half a handshake is closed" "not closed" \
	closed_after no "$T/half"
within "timeout: after about handshake_timeout (1 s)" 0 2 $((SECONDS - start))
expect_ge "timeout: counted" 1 "$(errors timeout)"

expect_eq "no other error reason counted" 0 \
	$(($(errors reset) + $(errors origin) + $(errors write)))

# ---- The player did not notice -----------------------------------------------

wait "$player"
expect_eq "the player played to its end" 0 "$?"
within "the player decoded its 8 s of video" 180 220 "$(cat "$T/player.out")"
check_cmd "the edge still runs" "edge died, see ${LOG_OF[edge]}" is_running edge
log=$(cat "${LOG_OF[edge]}")
expect_match "log: the handshake error" 'player 127\.0\.0\.1:[0-9]+: handshake: ' "$log"
expect_match "log: the limit" 'player 127\.0\.0\.1:[0-9]+: rtmp: [^,]*limit' "$log"

stop edge
expect_eq "the edge exits 0" 0 "$STOP_STATUS"
stop publish
stop origin
expect_nomatch "edge log: no sanitizer reports" \
	'AddressSanitizer|LeakSanitizer|runtime error|fatal' "$(cat "${LOG_OF[edge]}")"
test_done
