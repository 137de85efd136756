#!/usr/bin/env bash
# 021_used_by: clients that only know rtmp://live.stream.example/... play
# through the edge DNS chose, with a real resolver, no hosts-file change.
#
# Network namespaces made here (deleted at exit):
#
#   client gl (London)  10.77.1.2 --veth-- 10.77.1.1 ┐
#   client gs (Sydney)  10.77.2.2 --veth-- 10.77.2.1 ┤ infrastructure
#                                                    │ namespace:
#     unbound on 10.77.1.1:53 and 10.77.2.1:53 ──stub zone──▶ gslb-dnsd
#     127.0.0.1:5353; gslb-edge lon-1, lon-2, syd-1 on 10.77.0.11, .12,
#     .21 (port 1935, HTTP 8081); gslb-probe on 127.0.0.1:8090 checking
#     them and taking their load reports, feeding gslb-dnsd; nginx-rtmp
#     origin on 127.0.0.1:19350 with an ffmpeg test stream.
#
# Each client namespace has its own resolv.conf (/etc/netns/NAME/, which
# `ip netns exec` mounts over /etc/resolv.conf) naming its resolver, so
# getaddrinfo() in ffprobe goes client -> unbound -> gslb-dnsd, with the
# client's /24 as EDNS Client Subnet. It proves:
#   - the London client resolves live.stream.example to a lon edge and
#     the Sydney client to syd-1;
#   - ffprobe rtmp://live.stream.example/live/test inside each client
#     namespace finds H.264 + AAC, and the access log of the edge DNS
#     chose has the client's play;
#   - ordinary names of the zone resolve as from any authoritative server;
#   - syd-1 dies: once the probe has taken it out and the answer's TTL
#     (5 s) has run out in the resolver's cache, the Sydney client
#     resolves to a lon edge and plays there.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_rtmp.sh"
test_init
need_dnsd
need_rtmp_tools
need_tool unbound
need_tool dig
need_tool jq
EDGE=${GSLB_EDGE:-$top_builddir/edge/gslb-edge}
[ -x "$EDGE" ] || fail "gslb-edge not built: $EDGE does not exist"

INFRA=gslb-ub-i-$$ CL_LON=gslb-ub-l-$$ CL_SYD=gslb-ub-s-$$
MADE=()

# cleanup STATUS: stop what runs in our namespaces, delete them and their
# /etc/netns directories, then the harness's cleanup (exits with STATUS).
cleanup()
{
	local rc=$1 ns pid
	for ns in "${MADE[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			stop_pid "$pid" 5
		done
		ip netns delete "$ns" 2>/dev/null ||
			printf '%s\n' "[$TEST_BASENAME] could not delete netns $ns" >&2
		rm -rf "/etc/netns/$ns"
	done
	harness_cleanup "$rc"
}
trap 'cleanup $?' EXIT

# nsx NS CMD...: run CMD inside namespace NS. (Daemons are started with
# start_bg NAME ip netns exec NS ..., not through this function, so that
# their PID is the daemon's: ip execs it.)
nsx()
{
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

for ns in "$INFRA" "$CL_LON" "$CL_SYD"; do
	ip netns add "$ns" 2>"$T/netns.err" ||
		skip "cannot create a network namespace: $(head -n 1 "$T/netns.err")"
	MADE+=("$ns")
	nsx "$ns" ip link set lo up || fail "netns $ns: lo does not come up"
done
for a in 10.77.0.11 10.77.0.12 10.77.0.21; do
	nsx "$INFRA" ip addr add "$a/32" dev lo || fail "cannot add $a"
done
# client NS, index N: veth to the infrastructure, 10.77.N.2 <-> 10.77.N.1.
link_client()
{
	local ns=$1 n=$2 a b
	a=gu$n-$$ b=gc$n-$$
	ip link add "$a" type veth peer name "$b" || fail "veth $a/$b"
	ip link set "$a" netns "$INFRA" && ip link set "$b" netns "$ns" ||
		fail "cannot move the veth ends"
	nsx "$INFRA" ip addr add "10.77.$n.1/24" dev "$a" &&
		nsx "$INFRA" ip link set "$a" up &&
		nsx "$ns" ip addr add "10.77.$n.2/24" dev "$b" &&
		nsx "$ns" ip link set "$b" up &&
		nsx "$ns" ip route add default via "10.77.$n.1" ||
		fail "cannot address the link to $ns"
	mkdir -p "/etc/netns/$ns"
	printf 'nameserver 10.77.%s.1\noptions timeout:2 attempts:2\n' "$n" \
		>"/etc/netns/$ns/resolv.conf"
}
link_client "$CL_LON" 1
link_client "$CL_SYD" 2

# ---- The infrastructure: origin, edges, gslb-dnsd, unbound ---------------------

cp "$TEST_SRC/stream.example.zone" "$TEST_SRC/topology.yaml" \
	"$TEST_SRC/dnsd.yaml" "$TEST_SRC/probe.yaml" "$T/"
(
	umask 077
	printf '%s\n' 0123456789abcdef0123456789abcdef >"$T/secret"
)
mkdir -p "$T/origin"
DIR=$T RTMP_USER=$(id -un)
render "$TEST_SRC/origin.conf.in" "$T/origin/nginx.conf" RTMP_MODULE RTMP_USER DIR
start_bg origin ip netns exec "$INFRA" nginx -p "$T/origin/" -c nginx.conf \
	-e "$T/origin/error.log" -g 'daemon off;'
# listening ADDR PORT: something in the infrastructure listens there.
listening()
{
	[ -n "$(nsx "$INFRA" ss -Hlnt "src $1 and sport = :$2")" ]
}
wait_for 10 listening 127.0.0.1 19350 || fail "origin does not listen, see $T/origin/error.log"
start_bg publish ip netns exec "$INFRA" ffmpeg -hide_banner -nostdin -loglevel warning \
	-re -f lavfi -i testsrc2=size=320x240:rate=25 \
	-re -f lavfi -i sine=frequency=1000:sample_rate=44100 \
	-c:v libx264 -preset ultrafast -tune zerolatency -threads 1 \
	-pix_fmt yuv420p -b:v 300k -g 25 -keyint_min 25 -sc_threshold 0 \
	-c:a aac -b:a 64k -f flv rtmp://127.0.0.1:19350/live/test

for e in lon-1:10.77.0.11 lon-2:10.77.0.12 syd-1:10.77.0.21; do
	NAME=${e%%:*} ADDR=${e#*:}
	render "$TEST_SRC/edge.yaml.in" "$T/$NAME.yaml" NAME ADDR
	start_bg "$NAME" ip netns exec "$INFRA" "$EDGE" -f -c "$T/$NAME.yaml"
done
for a in 10.77.0.11 10.77.0.12 10.77.0.21; do
	wait_for 10 listening "$a" 1935 || fail "no edge listens on $a:1935"
done

start_bg probe ip netns exec "$INFRA" "$top_builddir/probe/gslb-probe" -f -c "$T/probe.yaml"
wait_for 10 listening 127.0.0.1 8090 || fail "gslb-probe does not start, see ${LOG_OF[probe]}"
start_bg dnsd ip netns exec "$INFRA" "$DNSD" -f -c "$T/dnsd.yaml"
wait_for 10 listening 127.0.0.1 8053 || fail "gslb-dnsd does not start, see ${LOG_OF[dnsd]}"
render "$TEST_SRC/unbound.conf.in" "$T/unbound.conf" DIR
nsx "$INFRA" unbound-checkconf "$T/unbound.conf" >"$T/unbound-check.log" 2>&1 ||
	fail "unbound-checkconf: $(cat "$T/unbound-check.log")"
start_bg unbound ip netns exec "$INFRA" unbound -d -c "$T/unbound.conf"
wait_for 10 listening 10.77.2.1 53 || fail "unbound does not start, see ${LOG_OF[unbound]}"

# all_up: gslb-dnsd has the three edges up from the probe's feed.
all_up()
{
	nsx "$INFRA" curl -s 127.0.0.1:8053/v1/status |
		jq -e '[.edges[] | select(.state == "up" and .source == "feed")] |
		    length == 3' >/dev/null
}
expect_within 15 "the probe finds the three edges up" all_up

# ---- Resolution through the resolver, from each client ---------------------------

# resolve NS NAME: the addresses getaddrinfo() gives inside NS, sorted.
resolve()
{
	nsx "$1" getent ahostsv4 "$2" | awk '{ print $1 }' | sort -u | paste -sd' ' -
}
expect_eq "an ordinary name through the resolver" 10.77.0.99 \
	"$(resolve "$CL_LON" www.stream.example)"
lon_addrs=$(resolve "$CL_LON" live.stream.example)
expect_match "London client: live.stream.example is a lon edge" \
	'^10\.77\.0\.1[12]$' "$lon_addrs"
expect_eq "Sydney client: live.stream.example is syd-1" 10.77.0.21 \
	"$(resolve "$CL_SYD" live.stream.example)"
# The resolver asked gslb-dnsd with each client's network.
expect_ge "gslb-dnsd saw EDNS Client Subnet" 2 \
	"$(nsx "$INFRA" curl -s 127.0.0.1:8053/metrics |
		awk '$1 == "gslb_dnsd_ecs_total" { print $2 }')"

# ---- Playing by name ----------------------------------------------------------------------

check_cmd "the stream is up on the origin" "not up within 15 s" \
	nsx "$INFRA" bash -c "for i in \$(seq 30); do
		ffprobe -v error -rw_timeout 2000000 -show_entries stream=codec_type \
			rtmp://127.0.0.1:19350/live/test 2>/dev/null | grep -q video && exit 0
		sleep 0.5; done; exit 1"
# play NS: ffprobe by name inside NS; prints "audio aac" / "video h264".
play()
{
	nsx "$1" timeout 20 ffprobe -v error -rw_timeout 5000000 \
		-show_entries stream=codec_type,codec_name -of csv=p=0 \
		rtmp://live.stream.example/live/test 2>"$T/play-$1.err" |
		awk -F, '{ print $2, $1 }' | sort
}
expect_eq "London client plays rtmp://live.stream.example/live/test" \
	$'audio aac\nvideo h264' "$(play "$CL_LON")"
expect_eq "Sydney client plays rtmp://live.stream.example/live/test" \
	$'audio aac\nvideo h264' "$(play "$CL_SYD")"
# played_at EDGE CLIENT: EDGE's access log has a play from CLIENT.
played_at()
{
	grep -qs " $2:[0-9]* live test play-live " "$T/$1-access.log" ||
		grep -qs "$2.*live.*test.*play" "$T/$1-access.log"
}
lon_edge=lon-1
[ "$lon_addrs" = 10.77.0.12 ] && lon_edge=lon-2
expect_within 5 "the London play went through $lon_edge" played_at "$lon_edge" 10.77.1.2
expect_within 5 "the Sydney play went through syd-1" played_at syd-1 10.77.2.2
check_cmd "no play from London reached syd-1" "London client played at syd-1" \
	bash -c "! grep -qs '10.77.1.2' '$T/syd-1-access.log'"

# ---- A dead edge: the resolver's clients move on -------------------------------------

stop syd-1
# syd1_gone: gslb-dnsd no longer hands out syd-1.
syd1_gone()
{
	nsx "$INFRA" curl -s 127.0.0.1:8053/v1/status |
		jq -e '.edges[] | select(.name == "syd-1") | .usable == false' >/dev/null
}
expect_within 5 "syd-1 stopped: out of gslb-dnsd's answers" syd1_gone
# sydney_on_lon: the Sydney client now resolves to a lon edge (once the
# resolver's cached answer, TTL 5 s, has expired).
sydney_on_lon()
{
	[[ $(resolve "$CL_SYD" live.stream.example) =~ ^10\.77\.0\.1[12]$ ]]
}
expect_within 10 "the Sydney client now resolves to a lon edge" sydney_on_lon
expect_eq "... and plays there, by name" $'audio aac\nvideo h264' \
	"$(play "$CL_SYD")"
check_cmd "... at a lon edge" "no lon edge logged the Sydney client" \
	bash -c "grep -qs '10.77.2.2' '$T/lon-1-access.log' '$T/lon-2-access.log'"

# ---- Shutdown --------------------------------------------------------------------------------

for n in unbound dnsd probe lon-1 lon-2 publish origin; do
	stop "$n"
done
expect_nomatch "edge logs: no protocol errors or sanitizer reports" \
	'AddressSanitizer|LeakSanitizer|runtime error|: (handshake|rtmp|chunk media): |fatal' \
	"$(cat "${LOG_OF[lon-1]}" "${LOG_OF[lon-2]}" "${LOG_OF[syd-1]}")"
expect_nomatch "probe log: no sanitizer reports" \
	'AddressSanitizer|LeakSanitizer|runtime error' "$(cat "${LOG_OF[probe]}")"
test_done
