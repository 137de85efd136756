#!/usr/bin/env bash
# 017_probe: gslb-probe checks two real gslb-edge instances (tcp, rtmp,
# play of the origin's test stream, http /v1/load) and takes their load
# reports, and serves the state feed:
#
#   - both edges are up in the feed, with the load of their reports;
#   - an edge stopped is down within fall x interval + timeout (+ slack),
#     with one log line for the change; started again, it is up after
#     rise successes;
#   - gslbctl drain: the feed says draining within 1 s;
#   - a report with a bad signature is refused (401) and counted, one
#     for an edge not in the topology is refused (404) and counted;
#   - a long-poll held at the current generation is answered within
#     500 ms of a change (undrain).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_rtmp.sh"
test_init
need_rtmp_tools
need_tool jq
need_tool curl
need_tool openssl
EDGE=${GSLB_EDGE:-$top_builddir/edge/gslb-edge}
PROBE=${GSLB_PROBE:-$top_builddir/probe/gslb-probe}
CTL=$top_builddir/ctl/gslbctl
for b in "$EDGE" "$PROBE" "$CTL"; do
	[ -x "$b" ] || fail "not built: $b"
done

rtmp_origin_start origin
ORIGIN_PORT=$RTMP_PORT
rtmp_publish_test "rtmp://127.0.0.1:$ORIGIN_PORT/live/test" publish

alloc_ports 5
EDGE1_PORT=${PORTS[0]} HTTP1_PORT=${PORTS[1]}
EDGE2_PORT=${PORTS[2]} HTTP2_PORT=${PORTS[3]} PROBE_PORT=${PORTS[4]}
CONTROL=127.0.0.1:$PROBE_PORT # for metric()
(
	umask 077
	printf '%s\n' 0123456789abcdef0123456789abcdef >"$T/secret"
)
render "$TEST_SRC/topology.yaml.in" "$T/topology.yaml" EDGE1_PORT HTTP1_PORT \
	EDGE2_PORT HTTP2_PORT
render "$TEST_SRC/probe.yaml.in" "$T/probe.yaml" PROBE_PORT
# Distinct addresses: the topology allows one edge per address.
NAME=lon-1 ADDR=127.0.0.1 EDGE_PORT=$EDGE1_PORT HTTP_PORT=$HTTP1_PORT
render "$TEST_SRC/edge.yaml.in" "$T/edge1.yaml" NAME ADDR EDGE_PORT HTTP_PORT \
	ORIGIN_PORT PROBE_PORT
NAME=lon-2 ADDR=127.0.0.2 EDGE_PORT=$EDGE2_PORT HTTP_PORT=$HTTP2_PORT
render "$TEST_SRC/edge.yaml.in" "$T/edge2.yaml" NAME ADDR EDGE_PORT HTTP_PORT \
	ORIGIN_PORT PROBE_PORT

check_cmd "gslb-probe -t accepts the config" "gslb-probe -t refused it" \
	"$PROBE" -t -c "$T/probe.yaml"
start_bg probe "$PROBE" -f -c "$T/probe.yaml"
start_bg edge1 "$EDGE" -f -c "$T/edge1.yaml"
start_bg edge2 "$EDGE" -f -c "$T/edge2.yaml"
wait_for 10 grep -q 'listening on' "${LOG_OF[probe]}" ||
	fail "probe does not listen, see ${LOG_OF[probe]}"

# sign TIME METHOD PATH [BODYFILE]: the state protocol's signature.
sign()
{
	{
		printf '%s\n%s\n%s\n' "$1" "$2" "$3"
		cat "${4:-/dev/null}"
	} | openssl dgst -sha256 -hmac "$(head -n 1 "$T/secret")" | awk '{ print $NF }'
}
# feed [SINCE [WAIT]]: a signed GET /v1/state; the body on stdout.
feed()
{
	local t p
	t=$(date +%s)
	p="/v1/state?since=${1:-0}&wait=${2:-0}&nonce=$RANDOM$RANDOM"
	curl -sS --max-time 20 -H "X-Gslb-Time: $t" \
		-H "X-Gslb-Signature: $(sign "$t" GET "$p")" \
		"http://127.0.0.1:$PROBE_PORT$p"
}
# state_of EDGE: its state in the feed ("" when absent).
state_of()
{
	feed | jq -r --arg e "$1" '.edges[] | select(.name == $e) | .state'
}
state_is()
{
	[ "$(state_of "$1")" = "$2" ]
}
both_up()
{
	state_is lon-1 up && state_is lon-2 up
}
# has_load EDGE: its feed entry carries the players of its reports.
has_load()
{
	[ -n "$(feed | jq -r --arg e "$1" \
		'.edges[] | select(.name == $e) | .players // empty')" ]
}
# post_report BODYFILE [SECRETFILE]: a signed POST /v1/report; prints
# the HTTP status.
post_report()
{
	local t sig
	t=$(date +%s)
	if [ -n "${2:-}" ]; then
		sig=$({ printf '%s\n%s\n%s\n' "$t" POST /v1/report; cat "$1"; } |
			openssl dgst -sha256 -hmac "$(head -n 1 "$2")" | awk '{ print $NF }')
	else
		sig=$(sign "$t" POST /v1/report "$1")
	fi
	curl -sS -o /dev/null -w '%{http_code}' -H "X-Gslb-Time: $t" \
		-H "X-Gslb-Signature: $sig" --data-binary @"$1" \
		"http://127.0.0.1:$PROBE_PORT/v1/report"
}
now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# ---- Both up, with load ------------------------------------------------------

check_cmd "live stream up on the origin" "not up within 15 s" \
	rtmp_wait_stream "rtmp://127.0.0.1:$ORIGIN_PORT/live/test" 15
expect_within 10 "feed: both edges up" both_up
expect_within 3 "feed: lon-1 carries the load of its reports" has_load lon-1
expect_within 3 "feed: lon-2 carries the load of its reports" has_load lon-2
expect_eq "feed: signed by probe-test" probe-test "$(feed | jq -r .probe)"
expect_eq "feed: valid_for from the config" 6 \
	"$(feed | jq -r '.edges[0].valid_for')"
curl -sS "http://$CONTROL/v1/status" >"$T/status.json"
for k in tcp rtmp play http; do
	expect_eq "status: lon-1 $k check ok" ok \
		"$(jq -r ".edges[] | select(.name == \"lon-1\") | .checks.$k.result" "$T/status.json")"
done
# Through the edge's GOP cache the first frame can come in well under 1 ms.
check_cmd "metrics: play time to first frame of lon-1 measured" "no ttff" \
	awk -v v="$(metric 'gslb_probe_play_ttff_milliseconds{edge="lon-1"}')" \
	'BEGIN { exit !(v > 0 && v < 3000) }'
expect_ge "metrics: reports accepted" 2 \
	"$(metric 'gslb_probe_reports_total{result="accepted"}')"

# ---- Stop an edge: down; start it: up ----------------------------------------------

start_ms=$(now_ms)
stop edge2
wait_for 5 state_is lon-2 down
down_ms=$(($(now_ms) - start_ms))
# fall 2 x interval 0.5 s (+10% jitter) + timeout 0.5 s = 1.6 s, plus the
# polling and the curl's own time.
within "down: lon-2 down in the feed within ~1.6 s (ms)" 0 2200 "$down_ms"
expect_eq "down: lon-1 still up" up "$(state_of lon-1)"
expect_eq "down: one log line for lon-2 going down" 1 \
	"$(grep -c 'edge lon-2: .*; up -> down$' "${LOG_OF[probe]}")"
expect_match "down: the line says which check, its figures and why" \
	'edge lon-2: (tcp|rtmp|play|http): [^;]* -> (fail|timeout)[^;]*; up -> down' \
	"$(grep 'edge lon-2: .*; up -> down$' "${LOG_OF[probe]}")"
expect_ge "metrics: lon-2's failed checks counted" 1 \
	"$(metric 'gslb_probe_checks_total{edge="lon-2",kind="tcp",result="fail"}')"
start_bg edge2 "$EDGE" -f -c "$T/edge2.yaml"
start_ms=$(now_ms)
wait_for 8 state_is lon-2 up
up_ms=$(($(now_ms) - start_ms))
# rise 2 x 0.5 s, after the edge listens and can pull the canary.
within "up: lon-2 up again after rise (ms)" 500 6000 "$up_ms"

# ---- Drain -----------------------------------------------------------------------------

start_ms=$(now_ms)
"$CTL" -k "$T/secret" drain "http://127.0.0.1:$HTTP1_PORT" >/dev/null ||
	fail "gslbctl drain failed"
wait_for 3 state_is lon-1 draining
drain_ms=$(($(now_ms) - start_ms))
within "drain: the feed says draining within 1 s (ms)" 0 1000 "$drain_ms"
expect_match "drain: logged" 'edge lon-1: report: draining.*; up -> draining' \
	"$(cat "${LOG_OF[probe]}")"

# ---- Reports refused -------------------------------------------------------------------

printf '%s' '{"version":1,"edge":"lon-1","time":'"$(date +%s)"',"seq":1,"state":"up"}' \
	>"$T/report.json"
printf '%s\n' fedcba9876543210fedcba9876543210 >"$T/wrong.secret"
expect_eq "report: a bad signature is refused" 401 \
	"$(post_report "$T/report.json" "$T/wrong.secret")"
expect_eq "report: counted as unauthorized" 1 \
	"$(metric 'gslb_probe_reports_total{result="unauthorized"}')"
printf '%s' '{"version":1,"edge":"nowhere-1","time":'"$(date +%s)"',"seq":1,"state":"up"}' \
	>"$T/unknown.json"
expect_eq "report: an edge not in the topology is refused" 404 \
	"$(post_report "$T/unknown.json")"
expect_eq "report: counted as unknown_edge" 1 \
	"$(metric 'gslb_probe_reports_total{result="unknown_edge"}')"
printf '%s' '{"version":1,"edge":"lon-1","time":"now"}' >"$T/bad.json"
expect_eq "report: a malformed one is refused" 400 "$(post_report "$T/bad.json")"
expect_eq "report: lon-1's claim was not taken" draining "$(state_of lon-1)"

# ---- Long-poll -------------------------------------------------------------------------

# A dnsd-like reader: long-poll from the current generation until the
# feed shows lon-1 up, then write the time it saw it.
(
	gen=0
	while :; do
		body=$(feed "$gen" 10) || exit 1
		[ -n "$body" ] || continue # 304
		gen=$(jq -r .generation <<<"$body")
		s=$(jq -r '.edges[] | select(.name == "lon-1") | .state' <<<"$body")
		[ "$s" = up ] && break
	done
	now_ms >"$T/seen_ms"
) &
reader=$!
expect_within 3 "long-poll: held at the probe" metric_above gslb_probe_feed_waiters 0
start_ms=$(now_ms)
"$CTL" -k "$T/secret" undrain "http://127.0.0.1:$HTTP1_PORT" >/dev/null ||
	fail "gslbctl undrain failed"
wait_exit "$reader" 5 || fail "the long-poll never saw lon-1 up"
within "long-poll: answered within 500 ms of the change (ms)" 0 500 \
	$(($(cat "$T/seen_ms") - start_ms))

# ---- Reload, shutdown ------------------------------------------------------------------

kill -HUP "${PID_OF[probe]}"
expect_within 5 "reload: applied" metric_above gslb_probe_reloads_total 0
expect_within 3 "reload: both edges still up" both_up
stop edge1
stop edge2
stop probe
expect_eq "probe: exits 0 on SIGTERM" 0 "$STOP_STATUS"
stop publish
stop origin
for n in probe edge1 edge2; do
	expect_nomatch "$n log: no sanitizer reports" \
		'AddressSanitizer|LeakSanitizer|runtime error|fatal' \
		"$(cat "${LOG_OF[$n]}")"
done
test_done
