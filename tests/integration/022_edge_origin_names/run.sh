#!/usr/bin/env bash
# 022_edge_origin_names: an edge whose origin is a host name, resolved
# with c-ares through the test's own authoritative server (gslb-dnsd, TTL
# 1 s), with two nginx-rtmp origins on two loopback addresses.
#
#   - at start the edge looks the name up (ahead of any player);
#   - the name's first address is dead (127.0.0.3): the edge connects to
#     its next one (origin A, 127.0.0.4) and the player plays;
#   - the zone moves the name to origin B (127.0.0.2): the edge sees it
#     within a TTL or two, a player already playing keeps playing from A
#     to its end, and the next pull goes to B;
#   - gslb-dnsd stopped: the edge keeps the addresses it had (serve stale,
#     RFC 8767), says so once, and a new pull still plays; when the
#     server is back, it says so.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_rtmp.sh"
test_init
need_rtmp_tools
need_dnsd
EDGE=${GSLB_EDGE:-$top_builddir/edge/gslb-edge}
[ -x "$EDGE" ] || fail "not built: $EDGE"

# One port for both origins (the name carries no port), on two addresses.
alloc_ports 5
ORIGIN_PORT=${PORTS[0]} EDGE_PORT=${PORTS[1]} HTTP_PORT=${PORTS[2]}
DNS_PORT=${PORTS[3]} CONTROL_PORT=${PORTS[4]}
RTMP_ORIGIN_ADDR=127.0.0.4 rtmp_origin_start origin_a "$ORIGIN_PORT"
RTMP_ORIGIN_ADDR=127.0.0.2 rtmp_origin_start origin_b "$ORIGIN_PORT"
rtmp_publish_test "rtmp://127.0.0.4:$ORIGIN_PORT/live/test" publish_a
rtmp_publish_test "rtmp://127.0.0.2:$ORIGIN_PORT/live/test" publish_b
for a in 127.0.0.4 127.0.0.2; do
	check_cmd "live stream up on the origin at $a" "not up within 15 s" \
		rtmp_wait_stream "rtmp://$a:$ORIGIN_PORT/live/test" 15
done

# install_zone N: version N of the zone, replaced atomically.
install_zone()
{
	cp "$TEST_SRC/origin.test.zone.$1" "$T/.zone" &&
		mv "$T/.zone" "$T/origin.test.zone"
}
install_zone 1
render "$TEST_SRC/dnsd.yaml.in" "$T/dnsd.yaml" DNS_PORT CONTROL_PORT
dnsd_start dnsd "$T/dnsd.yaml" 127.0.0.1 "$DNS_PORT"
DNSD_CONTROL=127.0.0.1:$CONTROL_PORT

render "$TEST_SRC/edge.yaml.in" "$T/edge.yaml" EDGE_PORT HTTP_PORT \
	ORIGIN_PORT DNS_PORT
start_bg edge "$EDGE" -f -c "$T/edge.yaml"
wait_for 10 rtmp_is_listening "$EDGE_PORT" || fail "edge does not listen"
CONTROL=127.0.0.1:$HTTP_PORT
LIVE=rtmp://127.0.0.1:$EDGE_PORT/live/test
O=live.origin.test:$ORIGIN_PORT

# logged RE: the edge's log has a line matching the extended regex RE.
logged()
{
	grep -Eq "$1" "${LOG_OF[edge]}"
}
# count RE: how many lines of the edge's log match RE.
count()
{
	grep -Ec "$1" "${LOG_OF[edge]}"
}
# plays: a 2 s rtmpdump play through the edge receives media.
plays()
{
	is_int_ge 20000 "$(rtmp_play_rtmpdump "$LIVE" --live 2)"
}
# pulls_done: no live stream left on the edge (the last one lingered out).
pulls_done()
{
	[ "$(metric gslb_edge_streams)" = 0 ]
}

# ---- Every address in turn ----------------------------------------------------------

expect_within 5 "the edge looks the name up at start" \
	logged "dns live\.origin\.test: 127\.0\.0\.3, 127\.0\.0\.4 \(ttl 1 s\)"
check_cmd "a player plays through the name" "the player got nothing" plays
expect_match "the dead first address was tried, then the next" \
	"127\.0\.0\.3:$ORIGIN_PORT: connect failed, trying its next address" \
	"$(cat "${LOG_OF[edge]}")"
expect_match "the pull plays from origin A" \
	"upstream live/test: origin $O \(at 127\.0\.0\.4:$ORIGIN_PORT\): playing" \
	"$(cat "${LOG_OF[edge]}")"
expect_within 5 "the pull lingers out" pulls_done

# ---- The name moves -------------------------------------------------------------------

rtmp_play_ffmpeg "$LIVE" 10 >"$T/long.out" 2>&1 &
long=$!
expect_within 10 "a long player plays" metric_above gslb_edge_players 0
pulls_before=$(count "upstream live/test: origin .*: starting")
install_zone 2
CONTROL=$DNSD_CONTROL hup_and_wait dnsd
expect_within 5 "the edge sees the name move within a TTL or two" \
	logged "dns live\.origin\.test: now 127\.0\.0\.2 \(was 127\.0\.0\.3, 127\.0\.0\.4; ttl 1 s\)"
expect_ge "the change is counted" 1 "$(metric gslb_edge_dns_changes_total)"
wait "$long"
expect_eq "the long player played to its end" 0 "$?"
within "the long player decoded its 10 s of video" 225 275 "$(cat "$T/long.out")"
expect_eq "its pull stayed on origin A meanwhile (no new pull)" \
	"$pulls_before" "$(count "upstream live/test: origin .*: starting")"
expect_within 5 "the pull lingers out" pulls_done
check_cmd "the next player plays" "the player got nothing" plays
expect_match "the next pull goes to origin B" \
	"upstream live/test: origin $O \(at 127\.0\.0\.2:$ORIGIN_PORT\): playing" \
	"$(cat "${LOG_OF[edge]}")"
expect_within 5 "the pull lingers out" pulls_done

# ---- DNS down: serve stale ------------------------------------------------------------

stop dnsd
expect_within 8 "the failed refresh is logged once, addresses kept" \
	logged "dns live\.origin\.test: .*; keeping the 1 address\(es\) it had until it answers"
expect_ge "the failures are counted" 1 "$(metric gslb_edge_dns_failures_total)"
check_cmd "a player still plays while DNS is down" "the player got nothing" plays
expect_match "from the address in hand" \
	"upstream live/test: origin $O \(at 127\.0\.0\.2:$ORIGIN_PORT\): playing" \
	"$(tail -n 5 "${LOG_OF[edge]}")"
expect_ge "the stale use is counted" 1 "$(metric gslb_edge_dns_stale_total)"
expect_eq "the outage is logged once" 1 \
	"$(count "dns live\.origin\.test: .*; keeping the")"
dnsd_start dnsd "$T/dnsd.yaml" 127.0.0.1 "$DNS_PORT"
expect_within 8 "the edge says when the name answers again" \
	logged "dns live\.origin\.test: answers again"

# ---- Shutdown -------------------------------------------------------------------------

stop edge
expect_eq "the edge exits 0" 0 "$STOP_STATUS"
stop dnsd
stop publish_a
stop publish_b
stop origin_a
stop origin_b
expect_nomatch "edge log: no protocol errors or sanitizer reports" \
	'AddressSanitizer|LeakSanitizer|runtime error|: (handshake|rtmp|chunk media): |fatal' \
	"$(cat "${LOG_OF[edge]}")"
test_done
