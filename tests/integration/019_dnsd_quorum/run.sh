#!/usr/bin/env bash
# 019_dnsd_quorum: several probes feed one gslb-dnsd; an edge goes down
# only when a quorum of the probes with fresh data say so.
#
#   - three statefeeds (stand-ins for three gslb-probes, each with its own
#     state file) feed gslb-dnsd; lon-1 is usable while all say up;
#   - one probe of three says lon-1 is down (say, it lost its route to
#     lon): still usable, the default quorum is a majority (2 of 3);
#   - a second probe says down: not usable within a second;
#   - the two probes that say down stop: their entries expire
#     (valid_for 2 s), the one left says up, so lon-1 is usable again;
#   - a dnsd with quorum: 3 keeps lon-1 while two of three say down, and
#     drops it when the third agrees; a config with a quorum above the
#     number of feeds is refused by -t;
#   - gslbctl: status shows the feeds and edges, force down / clear an
#     edge (signed; unsigned is refused), reload.
. "$(dirname "$0")/../lib.sh"
test_init
need_dnsd
need_tool openssl
STATEFEED=$top_builddir/tests/tools/statefeed
[ -x "$STATEFEED" ] || fail "not built: $STATEFEED"

alloc_ports 7
SF1=${PORTS[0]} SF2=${PORTS[1]} SF3=${PORTS[2]}
PORT=${PORTS[3]} CONTROL_PORT=${PORTS[4]}
Q3_PORT=${PORTS[5]} Q3_CONTROL=${PORTS[6]}
cp "$top_srcdir/tests/integration/009_gslb_state/topology.yaml" \
	"$top_srcdir/tests/integration/009_gslb_state/stream.example.zone" "$T/"
(
	umask 077
	printf '%s\n' 0123456789abcdef0123456789abcdef >"$T/secret"
)

# state N LON1: probe N's state file says lon-1 is LON1 (others up).
state()
{
	printf '{"probe":"probe-%s","valid_for":2,"edges":[%s,%s,%s]}\n' "$1" \
		"{\"name\":\"lon-1\",\"state\":\"$2\"}" \
		'{"name":"lon-2","state":"up"}' '{"name":"sto-1","state":"up"}' \
		>"$T/state$1.tmp"
	mv "$T/state$1.tmp" "$T/state$1.json"
	if [ -n "${PID_OF[sf$1]:-}" ]; then
		kill -HUP "${PID_OF[sf$1]}"
	fi
	return 0
}
for n in 1 2 3; do
	state "$n" up
	port_var=SF$n
	start_bg "sf$n" "$STATEFEED" -l "127.0.0.1:${!port_var}" -s "$T/secret" \
		-f "$T/state$n.json" -r 1
	wait_for 10 grep -q 'listening on' "${LOG_OF[sf$n]}" ||
		fail "statefeed $n does not listen, see ${LOG_OF[sf$n]}"
done

QUORUM=""
render "$TEST_SRC/dnsd.yaml.in" "$T/dnsd.yaml" PORT CONTROL_PORT SF1 SF2 SF3 QUORUM
dnsd_start dnsd "$T/dnsd.yaml" 127.0.0.1 "$PORT"
CONTROL=127.0.0.1:$CONTROL_PORT
expect_within 10 "all probes up: lon-1 usable" usable_is lon-1 1

state 1 down
sleep 1.5
expect_eq "one probe of three says down: lon-1 still usable" 1 \
	"$(metric gslb_dnsd_edge_usable 'edge="lon-1"')"
state 2 down
expect_within 2 "two of three say down: lon-1 not usable" usable_is lon-1 0
expect_match "dnsd logs the change" 'edge lon-1: up -> down' \
	"$(cat "${LOG_OF[dnsd]}")"

# Quorum 3: two downs are not enough.
QUORUM="  quorum: 3" PORT=$Q3_PORT CONTROL_PORT=$Q3_CONTROL
render "$TEST_SRC/dnsd.yaml.in" "$T/q3.yaml" PORT CONTROL_PORT SF1 SF2 SF3 QUORUM
dnsd_start q3 "$T/q3.yaml" 127.0.0.1 "$Q3_PORT"
CONTROL=127.0.0.1:$Q3_CONTROL
expect_within 10 "quorum 3, two say down: lon-1 usable" usable_is lon-1 1
state 3 down
expect_within 2 "quorum 3, all three say down: lon-1 not usable" usable_is lon-1 0
state 3 up
expect_within 2 "quorum 3, the third says up again: usable" usable_is lon-1 1

# The two probes that say down die: only probe 3's entry stays fresh.
CONTROL=127.0.0.1:$CONTROL_PORT
stop sf1
stop sf2
expect_within 6 "probes 1 and 2 gone, probe 3 says up: lon-1 usable" \
	usable_is lon-1 1

# ---- gslbctl against this dnsd ---------------------------------------------------
CTL=$top_builddir/ctl/gslbctl
"$CTL" -k "$T/secret" status "http://$CONTROL" >"$T/status.txt" ||
	fail "gslbctl status failed: $(cat "$T/status.txt")"
expect_match "gslbctl status: the three feeds" "127.0.0.1:$SF3/v1/state" \
	"$(cat "$T/status.txt")"
expect_match "gslbctl status: lon-1 usable, from the feed" \
	'^lon-1 +lon +up +yes +feed' "$(cat "$T/status.txt")"
"$CTL" -k "$T/secret" force down edge lon-1 "http://$CONTROL" >/dev/null ||
	fail "gslbctl force down failed"
expect_within 2 "gslbctl force down edge lon-1: not usable" usable_is lon-1 0
expect_match "gslbctl status: lon-1 forced down by the admin" \
	'^lon-1 +lon +down +no +admin' \
	"$("$CTL" -k "$T/secret" status "http://$CONTROL")"
"$CTL" -k "$T/secret" force clear edge lon-1 "http://$CONTROL" >/dev/null ||
	fail "gslbctl force clear failed"
expect_within 2 "gslbctl force clear: lon-1 usable again" usable_is lon-1 1
check_cmd "gslbctl without the secret cannot force" "unsigned force accepted" \
	bash -c "! '$CTL' force down site lon 'http://$CONTROL' >/dev/null 2>&1"
"$CTL" -k "$T/secret" reload "http://$CONTROL" >/dev/null ||
	fail "gslbctl reload failed"
expect_within 2 "gslbctl reload: dnsd reloaded" \
	metric_above 'gslb_dnsd_reloads_total{result="ok"}' 0

QUORUM="  quorum: 4" PORT=$Q3_PORT CONTROL_PORT=$Q3_CONTROL
render "$TEST_SRC/dnsd.yaml.in" "$T/bad.yaml" PORT CONTROL_PORT SF1 SF2 SF3 QUORUM
out=$("$top_builddir/dnsd/gslb-dnsd" -t -c "$T/bad.yaml" 2>&1)
expect_match "-t refuses a quorum above the number of feeds" \
	'state.quorum: 4 is more than the 3 feeds' "$out"

stop q3
stop dnsd
stop sf3
test_done
