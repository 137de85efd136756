#!/usr/bin/env bash
# 002_nsd_diff: gslb-dnsd must answer like NSD 4.6 with minimal-responses.
#
# NSD and gslb-dnsd serve the same zones (zones/) on loopback; dnsdiff asks
# both every query in queries.txt (UDP and TCP, EDNS variants, odd types,
# classes and opcodes) and compares the normalized answers, then repeats
# queries-case.txt comparing letter case strictly, and asks queries-v6.txt
# over IPv6 (where NSD orders glue differently). Differences listed in
# allow.txt are reported but accepted.
#
# GSLB_TEST_DIFF_SELF=1 compares NSD with a second NSD instead: a check of
# the zones, the query lists and dnsdiff itself that needs no gslb-dnsd.
. "$(dirname "$0")/../lib.sh"
test_init
need_tool nsd

alloc_ports 3
NSD_PORT=${PORTS[0]} PORT=${PORTS[1]} CONTROL_PORT=${PORTS[2]}
LISTEN_V6=
have_ipv6 && LISTEN_V6="  - \"[::1]:$PORT\""
cp -R "$TEST_SRC/zones" "$T/zones"
chmod -R u+w "$T/zones"
ZONES="example.test:example.test.zone sub.example.test:sub.example.test.zone
	other.test:other.test.zone 2.0.192.in-addr.arpa:2.0.192.in-addr.arpa.zone"

# shellcheck disable=SC2086
nsd_start nsd "$NSD_PORT" "$T/zones" $ZONES
if [ "${GSLB_TEST_DIFF_SELF:-0}" = 1 ]; then
	log "GSLB_TEST_DIFF_SELF=1: comparing NSD with NSD"
	PEER=nsd2
	# shellcheck disable=SC2086
	nsd_start "$PEER" "$PORT" "$T/zones" $ZONES
else
	PEER=dnsd
	render "$TEST_SRC/dnsd.yaml.in" "$T/dnsd.yaml" PORT CONTROL_PORT LISTEN_V6
	dnsd_start "$PEER" "$T/dnsd.yaml" 127.0.0.1 "$PORT"
fi
if have_ipv6; then
	wait_dns nsd ::1 "$NSD_PORT"
	wait_dns "$PEER" ::1 "$PORT"
fi

# diff_run LOGNAME ADDR QUERYFILE [DNSDIFF-OPTION...]: A = NSD, B =
# gslb-dnsd (or the second NSD), both at ADDR ("127.0.0.1" or "[::1]").
diff_run()
{
	local name=$1 addr=$2 file=$3 rc
	shift 3
	"$DNSDIFF" --allow "$TEST_SRC/allow.txt" "$@" \
		"$addr:$NSD_PORT" "$addr:$PORT" "$file" >"$T/$name.log" 2>&1
	rc=$?
	grep -E '^(DIFF|allowed|note)' "$T/$name.log"
	tail -n 1 "$T/$name.log"
	return $rc
}

diff_run dnsdiff 127.0.0.1 "$TEST_SRC/queries.txt"
expect_eq "queries.txt: NSD and gslb-dnsd agree" 0 $?
diff_run dnsdiff-case 127.0.0.1 "$TEST_SRC/queries-case.txt" --strict-case
expect_eq "queries-case.txt: letter case agrees" 0 $?
if have_ipv6; then
	diff_run dnsdiff-v6 '[::1]' "$TEST_SRC/queries-v6.txt"
	expect_eq "queries-v6.txt: NSD and gslb-dnsd agree over IPv6" 0 $?
else
	log "no IPv6 on loopback: leaving out queries-v6.txt"
fi

# Both servers are still up after all of that.
for name in nsd "$PEER"; do
	expect_eq "$name still running" yes "$(is_running "$name" && echo yes)"
done
test_done
