#!/usr/bin/env bash
# 020_cluster: the whole loop edge -> probe -> dnsd, with real parts only.
#
# On loopback: an nginx-rtmp origin with an ffmpeg test stream; gslb-edge
# lon-1 (127.0.41.1), lon-2 (127.0.41.2) and syd-1 (127.0.42.1), each
# POSTing load reports to gslb-probe; gslb-probe with its default checks
# (tcp, rtmp connect, http /v1/load) plus the canary play of live/test;
# gslb-dnsd long-polling the probe. "London" clients are ECS 10.1.0.0/24,
# "Sydney" ones 10.2.0.0/24. It proves:
#   - all up: London gets lon edges, Sydney gets syd-1;
#   - kill lon-1 (SIGKILL): gslb-dnsd stops handing it out within 3 s
#     (default settings); start it again: back after the rise count;
#   - load: players on lon's edges push lon past spill_high: some London
#     answers spill to syd-1; they return to lon once the players leave;
#   - drain lon-2 with gslbctl: gone from DNS at once (< 1.5 s), while
#     its player keeps playing to the end;
#   - kill the probe: gslb-dnsd follows its stale policy (stale_keep 2 s,
#     then unknown) and says so in /metrics.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_rtmp.sh"
test_init
need_dnsd
need_rtmp_tools
need_tool jq
EDGE=${GSLB_EDGE:-$top_builddir/edge/gslb-edge}
PROBE=$top_builddir/probe/gslb-probe
CTL=$top_builddir/ctl/gslbctl
for b in "$EDGE" "$PROBE" "$CTL" "$RTMP_LOAD"; do
	[ -x "$b" ] || fail "not built: $b"
done

rtmp_origin_start origin
ORIGIN_PORT=$RTMP_PORT
rtmp_publish_test "rtmp://127.0.0.1:$ORIGIN_PORT/live/test" publish
check_cmd "live stream up on the origin" "not up within 15 s" \
	rtmp_wait_stream "rtmp://127.0.0.1:$ORIGIN_PORT/live/test" 15

alloc_ports 5
EDGE_PORT=${PORTS[0]} HTTP_PORT=${PORTS[1]} PROBE_PORT=${PORTS[2]}
DNS_PORT=${PORTS[3]} CONTROL_PORT=${PORTS[4]}
CONTROL=127.0.0.1:$CONTROL_PORT # for metric()
(
	umask 077
	printf '%s\n' 0123456789abcdef0123456789abcdef >"$T/secret"
)
cp "$TEST_SRC/stream.example.zone" "$T/"
render "$TEST_SRC/topology.yaml.in" "$T/topology.yaml" EDGE_PORT HTTP_PORT
render "$TEST_SRC/probe.yaml.in" "$T/probe.yaml" PROBE_PORT
render "$TEST_SRC/dnsd.yaml.in" "$T/dnsd.yaml" DNS_PORT CONTROL_PORT PROBE_PORT

declare -A ADDR_OF=([lon-1]=127.0.41.1 [lon-2]=127.0.41.2 [syd-1]=127.0.42.1)
# edge_start NAME: start gslb-edge NAME on its address.
edge_start()
{
	local NAME=$1 ADDR=${ADDR_OF[$1]}
	render "$TEST_SRC/edge.yaml.in" "$T/$NAME.yaml" NAME ADDR EDGE_PORT \
		HTTP_PORT ORIGIN_PORT PROBE_PORT
	start_bg "$NAME" "$EDGE" -f -c "$T/$NAME.yaml"
	wait_for 10 rtmp_is_listening_at "$ADDR" "$EDGE_PORT" ||
		fail "$NAME does not listen, see ${LOG_OF[$NAME]}"
}
# rtmp_is_listening_at ADDR PORT
rtmp_is_listening_at()
{
	[ -n "$(ss -Hlnt "src $1 and sport = :$2" 2>/dev/null)" ]
}
for e in lon-1 lon-2 syd-1; do
	edge_start "$e"
done
start_bg probe "$PROBE" -f -c "$T/probe.yaml"
wait_for 10 rtmp_is_listening_at 127.0.0.1 "$PROBE_PORT" ||
	fail "gslb-probe does not listen, see ${LOG_OF[probe]}"
dnsd_start dnsd "$T/dnsd.yaml" 127.0.0.1 "$DNS_PORT"

# ask SUBNET: the pool's A records for a client in SUBNET, sorted.
ask()
{
	dig +short +time=1 +tries=1 @127.0.0.1 -p "$DNS_PORT" \
		live.stream.example A +subnet="$1" | sort | paste -sd' ' -
}
# never_in ADDR SUBNET N: ADDR is in none of N answers for SUBNET.
never_in()
{
	local i
	for ((i = 0; i < $3; i++)); do
		case " $(ask "$2") " in *" $1 "*) return 1 ;; esac
	done
}
# usable EDGE 0|1
usable()
{
	usable_is "$1" "$2"
}

# all_up_from_feed: gslb-dnsd has all three edges up from the probe's
# feed (not merely unknown, which would also be answered).
all_up_from_feed()
{
	http_get "$CONTROL" /v1/status |
		jq -e '[.edges[] | select(.state == "up" and .source == "feed" and
		    .usable)] | length == 3' >/dev/null
}
expect_within 15 "all edges up in the probe's feed at gslb-dnsd" \
	all_up_from_feed ||
	http_get "127.0.0.1:$PROBE_PORT" /v1/status >"$T/probe-status.json"
expect_eq "London client: both lon edges" "127.0.41.1 127.0.41.2" "$(ask 10.1.0.0/24)"
expect_match "Sydney client: syd-1" '127\.0\.42\.1' "$(ask 10.2.0.0/24)"

# ---- Kill an edge -----------------------------------------------------------------

t0=$(date +%s%3N)
kill -KILL "${PID_OF[lon-1]}"
wait "${PID_OF[lon-1]}" 2>/dev/null
expect_within 3 "lon-1 killed: not usable within 3 s" usable lon-1 0
log "lon-1 left DNS $(($(date +%s%3N) - t0)) ms after the kill"
check_cmd "lon-1 killed: in none of 20 London answers" "lon-1 still answered" \
	never_in 127.0.41.1 10.1.0.0/24 20
expect_match "probe logs the change for lon-1" 'edge lon-1: .*up -> down' \
	"$(cat "${LOG_OF[probe]}")"
edge_start lon-1
t1=$(date +%s%3N)
expect_within 10 "lon-1 restarted: usable again" usable lon-1 1
back=$(($(date +%s%3N) - t1))
within "lon-1 back after the rise count (2 checks, ms)" 900 6000 "$back"

# ---- Load past the high-water mark: spill to the next site ---------------------

# 3 players on each lon edge: lon's load 6/4, past spill_high 0.8.
loads=()
for e in lon-1 lon-2; do
	"$RTMP_LOAD" -n 3 -d 14 "rtmp://${ADDR_OF[$e]}:$EDGE_PORT/live/test" \
		>"$T/load-$e.out" 2>&1 &
	loads+=($!)
done
# spills: some London answer among 20 is syd-1.
spills()
{
	local i
	for ((i = 0; i < 20; i++)); do
		case " $(ask "10.1.$i.0/24") " in *" 127.0.42.1 "*) return 0 ;; esac
	done
	return 1
}
expect_within 8 "lon past spill_high: London answers spill to syd-1" spills
wait "${loads[@]}"
# no_spill: none of 20 London answers is syd-1.
no_spill()
{
	never_in 127.0.42.1 10.1.0.0/24 20
}
expect_within 10 "players gone, lon below spill_low: no spill in 20 answers" \
	no_spill

# ---- Drain with gslbctl ---------------------------------------------------------------

rtmp_play_ffmpeg "rtmp://127.0.41.2:$EDGE_PORT/live/test" 8 >"$T/drained.out" 2>&1 &
player=$!
sleep 2
t0=$(date +%s%3N)
"$CTL" -k "$T/secret" drain "http://127.0.41.2:$HTTP_PORT" >/dev/null ||
	fail "gslbctl drain lon-2 failed"
expect_within 2 "lon-2 drained: not usable" usable lon-2 0
within "lon-2 left DNS after the drain (ms)" 0 1500 $(($(date +%s%3N) - t0))
check_cmd "lon-2 drained: in none of 20 London answers" "lon-2 still answered" \
	never_in 127.0.41.2 10.1.0.0/24 20
wait "$player"
expect_eq "the drained edge's player played to its end" 0 "$?"
within "... all of its 8 s" 180 230 "$(cat "$T/drained.out")"
wait_exit "${PID_OF[lon-2]}" 10 || fail "lon-2 still running after its last player"
expect_eq "lon-2 exited 0 after draining" 0 "$WAIT_STATUS"

# ---- Kill the probe: the stale policy -----------------------------------------------

stop probe
expect_within 20 "probe gone: entries go stale (gslb_dnsd_state_stale_edges > 0)" \
	metric_above gslb_dnsd_state_stale_edges 0
# syd1_by_policy: syd-1's state now comes from the stale policy, usable.
syd1_by_policy()
{
	http_get "$CONTROL" /v1/status |
		jq -e '.edges[] | select(.name == "syd-1") |
		    .source == "stale-policy" and .usable' >/dev/null
}
expect_within 20 "then syd-1 is unknown by the policy, answered as up" \
	syd1_by_policy
expect_match "Sydney still gets syd-1" '127\.0\.42\.1' "$(ask 10.2.0.0/24)"

# ---- Shutdown ---------------------------------------------------------------------------

for n in dnsd lon-1 syd-1 publish origin; do
	stop "$n"
done
expect_nomatch "edge logs: no protocol errors or sanitizer reports" \
	'AddressSanitizer|LeakSanitizer|runtime error|: (handshake|rtmp|chunk media): |fatal' \
	"$(cat "${LOG_OF[lon-1]}" "${LOG_OF[syd-1]}")"
test_done
