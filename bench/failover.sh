#!/usr/bin/env bash
# bench/failover.sh: how long DNS keeps handing out an edge that died.
#
# Two edges (gslb-edge) on 127.0.31.1 and 127.0.31.2, one pool answering
# both while both are up, and two DNS setups watching them with the
# closest settings each allows (1 s timeout, down after 2 failures, up
# after 2 successes; a check every second for gslb-probe, every 2 s for
# gdnsd, whose minimum that is):
#
#   gslb   gslb-probe (default checks: TCP connect, RTMP handshake +
#          connect, the edge's /v1/load, and the edges' own load reports)
#          feeding gslb-dnsd by long-poll
#   gdnsd  gdnsd's multifo plugin with a tcp_connect service_type
#          (interval 2, its minimum, timeout 1, down_thresh 2, up_thresh
#          2, ok_thresh 2)
#
# Each of TRIALS trials: both edges up and in both answers; edge 1 is
# killed (SIGKILL) at T0; both servers are asked for the pool about every
# 20 ms; the failover time is the time from T0 to the last answer that
# still includes edge 1. Then edge 1 is started again and the time until
# each server hands it out again is the recovery time. Edge 2 meanwhile
# serves LOAD players (gslb-rtmp-load) of a live stream from an nginx-rtmp
# origin: any answer without edge 2 is a false down.
#
# Goals (issue 5): gslb median <= 2 s, max <= 3 s, no false down.
#
#   bench/failover.sh                    TRIALS=20 LOAD=200
#   TRIALS=5 bench/failover.sh
#
# Needs gdnsd, nginx with libnginx-mod-rtmp, ffmpeg, dig (qa/deps.sh).
# Everything binds 127.0.0.0/8. Writes OUTDIR/failover-DATE.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$BENCH_DIR/lib.sh"

TRIALS=${TRIALS:-20}
LOAD=${LOAD:-200}
BUILD=${BUILD:-$ROOT/build}
GSLB_EDGE=${GSLB_EDGE:-$BUILD/edge/gslb-edge}
GSLB_PROBE=${GSLB_PROBE:-$BUILD/probe/gslb-probe}
GSLB_DNSD=${GSLB_DNSD:-$BUILD/dnsd/gslb-dnsd}
RTMP_LOAD=${RTMP_LOAD:-$BUILD/bench/gslb-rtmp-load}
RTMP_MODULE=${RTMP_MODULE:-/usr/lib/nginx/modules/ngx_rtmp_module.so}
OUTDIR=${OUTDIR:-$ROOT/bench/out}
STAMP=$(date +%Y%m%d-%H%M)
E1=127.0.31.1 E2=127.0.31.2
NAME=live.bench.test

bench_init failover
for b in "$GSLB_EDGE" "$GSLB_PROBE" "$GSLB_DNSD" "$RTMP_LOAD"; do
	[[ -x $b ]] || bench_die "not built: $b (make, or set BUILD)"
done
bench_need gdnsd nginx ffmpeg dig
[[ -r $RTMP_MODULE ]] || bench_die "no nginx RTMP module at $RTMP_MODULE"
mkdir -p "$OUTDIR"
W=$BENCH_TMP

EDGE_PORT=$(bench_free_port) HTTP_PORT=$(bench_free_port)
ORIGIN_PORT=$(bench_free_port) PROBE_PORT=$(bench_free_port)
GSLB_PORT=$(bench_free_port) GSLB_CONTROL=$(bench_free_port)
GDNSD_PORT=$(bench_free_port)
umask 077
openssl rand -hex 32 >"$W/secret"
umask 022

# ---- Origin, stream, edges -----------------------------------------------------

mkdir -p "$W/origin"
cat >"$W/origin/nginx.conf" <<EOF
load_module $RTMP_MODULE;
user $(id -un);
worker_processes 1;
pid $W/origin/nginx.pid;
error_log $W/origin/error.log info;
events { worker_connections 4096; }
rtmp { server { listen 127.0.0.1:$ORIGIN_PORT; application live { live on; } } }
EOF
bench_start origin "$BENCH_CLIENT_CPU" nginx -p "$W/origin/" -c nginx.conf \
	-e "$W/origin/error.log" -g 'daemon off;'
sleep 0.5
bench_start publish "$BENCH_CLIENT_CPU" ffmpeg -hide_banner -nostdin \
	-loglevel warning -re -f lavfi -i testsrc2=size=320x240:rate=25 \
	-c:v libx264 -preset ultrafast -tune zerolatency -threads 1 \
	-pix_fmt yuv420p -b:v 300k -g 25 -f flv \
	"rtmp://127.0.0.1:$ORIGIN_PORT/live/test"

declare -A EDGE_PID=()
# edge_start N ADDR: gslb-edge eN on ADDR, reporting to the probe.
edge_start()
{
	local n=$1 addr=$2
	cat >"$W/e$n.yaml" <<EOF
name: e$n
listen: [$addr:$EDGE_PORT]
http: $addr:$HTTP_PORT
routes:
  - app: live
    origins: [127.0.0.1:$ORIGIN_PORT]
limits:
  max_players: $((LOAD + 100))
report:
  urls: [http://127.0.0.1:$PROBE_PORT/v1/report]
  secret_file: $W/secret
EOF
	bench_start "e$n" "$BENCH_SERVER_CPU" "$GSLB_EDGE" -f -c "$W/e$n.yaml"
	EDGE_PID[$n]=$BENCH_PID
}
edge_start 1 "$E1"
edge_start 2 "$E2"

# ---- gslb: topology, probe, dnsd -------------------------------------------------

cat >"$W/zone" <<EOF
\$ORIGIN bench.test.
\$TTL 300
@ 60 IN SOA ns1 hostmaster 1 3600 600 604800 60
@ IN NS ns1
@ IN NS ns2
ns1 IN A 127.0.0.1
ns2 IN A 127.0.0.2
EOF
cat >"$W/topology.yaml" <<EOF
sites:
  - { name: one, latitude: 0, longitude: 0 }
edges:
  - { name: e1, site: one, ipv4: $E1, check_port: $EDGE_PORT, http: "$E1:$HTTP_PORT" }
  - { name: e2, site: one, ipv4: $E2, check_port: $EDGE_PORT, http: "$E2:$HTTP_PORT" }
pools:
  - { name: $NAME, ttl: 5, answers: 2 }
maps:
  default: [one]
EOF
cat >"$W/probe.yaml" <<EOF
name: bench-probe
topology: $W/topology.yaml
http: 127.0.0.1:$PROBE_PORT
secret_file: $W/secret
EOF
bench_start probe "$BENCH_SERVER_CPU" "$GSLB_PROBE" -f -c "$W/probe.yaml"
bench_gslb_dnsd_conf "$W/dnsd.yaml" "$GSLB_PORT" "$W/zone" bench.test \
	"topology: $W/topology.yaml" "control: 127.0.0.1:$GSLB_CONTROL" \
	"state:" "  urls: [http://127.0.0.1:$PROBE_PORT/v1/state]" \
	"  secret_file: $W/secret"
bench_start gslb-dnsd "$BENCH_SERVER_CPU" "$GSLB_DNSD" -f -c "$W/dnsd.yaml"

# ---- gdnsd ------------------------------------------------------------------------------

bench_gdnsd_conf "$W/gdnsd" "$GDNSD_PORT" "$W/zone" bench.test
cat >>"$W/gdnsd/config" <<EOF
service_types => {
	rtmp => {
		plugin => tcp_connect
		port => $EDGE_PORT
		interval => 2
		timeout => 1
		down_thresh => 2
		ok_thresh => 2
		up_thresh => 2
	}
}
plugins => {
	multifo => {
		edges => { service_types => rtmp, e1 => $E1, e2 => $E2 }
	}
}
EOF
echo "live 10 DYNA multifo!edges" >>"$W/gdnsd/zones/bench.test"
# The zone's origin-relative name: the pool is live.bench.test.
bench_gdnsd_check "$W/gdnsd" || bench_die "gdnsd checkconf failed"
bench_start gdnsd "$BENCH_SERVER_CPU" "${BENCH_CMD[@]}"

# answers PORT: the pool's A records from the server on PORT, sorted.
answers()
{
	dig +short +time=1 +tries=1 @127.0.0.1 -p "$1" "$NAME" A 2>/dev/null |
		sort | paste -sd, -
}
# both_up: both servers hand out both edges.
both_up()
{
	[[ $(answers "$GSLB_PORT") == "$E1,$E2" &&
		$(answers "$GDNSD_PORT") == "$E1,$E2" ]]
}
wait_both_up()
{
	local end=$((SECONDS + ${1:-30}))
	until both_up; do
		((SECONDS < end)) || return 1
		sleep 0.1
	done
}
wait_both_up 30 || bench_die "the two edges never were in both answers" \
	"(gslb: $(answers "$GSLB_PORT"), gdnsd: $(answers "$GDNSD_PORT"))"

# Load on edge 2 for the whole run.
bench_start load "$BENCH_CLIENT_CPU" "$RTMP_LOAD" -n "$LOAD" -r 200 \
	-d $((TRIALS * 20 + 60)) "rtmp://$E2:$EDGE_PORT/live/test"
LOAD_PID=$BENCH_PID
sleep 3

# poll PORT FILE: "ms answers" lines, about every 20 ms, until killed.
poll()
{
	local port=$1 out=$2
	while :; do
		echo "$(date +%s%3N) $(answers "$port")"
		sleep 0.01
	done >"$out"
}
now_ms()
{
	date +%s%3N
}
# after_kill FILE T0 T1: ms from T0 to the last line before T1 (the
# restart) that includes e1 (0: none), and the number of lines without
# e2 (false downs).
after_kill()
{
	awk -v t0="$2" -v t1="$3" -v e1="$E1" -v e2="$E2" '
		$1 >= t0 && $1 < t1 && index($2, e1) { last = $1 }
		index($2, e2) == 0 { bad++ }
		END { printf "%d %d\n", last ? last - t0 : 0, bad }' "$1"
}
# back_at FILE T0: ms from T0 to the first line including e1 again.
back_at()
{
	awk -v t0="$2" -v e1="$E1" '$1 >= t0 && index($2, e1) {
		print $1 - t0; exit }' "$1"
}

declare -a FO_GSLB=() FO_GDNSD=() UP_GSLB=() UP_GDNSD=()
FALSE_GSLB=0 FALSE_GDNSD=0
for ((i = 1; i <= TRIALS; i++)); do
	wait_both_up 30 || bench_die "trial $i: edges not both up"
	poll "$GSLB_PORT" "$W/p-gslb-$i" &
	pg=$!
	poll "$GDNSD_PORT" "$W/p-gdnsd-$i" &
	pd=$!
	sleep 0.5
	t0=$(now_ms)
	kill -KILL "${EDGE_PID[1]}"
	wait "${EDGE_PID[1]}" 2>/dev/null || true
	sleep 6
	edge_start 1 "$E1"
	t1=$(now_ms)
	wait_both_up 30 || bench_die "trial $i: edge 1 did not come back"
	sleep 0.3
	kill "$pg" "$pd"
	wait "$pg" "$pd" 2>/dev/null || true
	read -r fo bad < <(after_kill "$W/p-gslb-$i" "$t0" "$t1")
	FO_GSLB+=("$fo") FALSE_GSLB=$((FALSE_GSLB + bad))
	read -r fo bad < <(after_kill "$W/p-gdnsd-$i" "$t0" "$t1")
	FO_GDNSD+=("$fo") FALSE_GDNSD=$((FALSE_GDNSD + bad))
	UP_GSLB+=("$(back_at "$W/p-gslb-$i" "$t1")")
	UP_GDNSD+=("$(back_at "$W/p-gdnsd-$i" "$t1")")
	bench_log "trial $i: failover gslb ${FO_GSLB[-1]} ms, gdnsd" \
		"${FO_GDNSD[-1]} ms; back gslb ${UP_GSLB[-1]} ms, gdnsd ${UP_GDNSD[-1]} ms"
done
bench_is_alive "$LOAD_PID" || bench_log "the load client stopped early"

# stats V...: "median max" in seconds.
stats()
{
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f %.2f\n", m / 1000, v[NR] / 1000 }'
}
read -r gm gx < <(stats "${FO_GSLB[@]}")
read -r dm dx < <(stats "${FO_GDNSD[@]}")
read -r gum gux < <(stats "${UP_GSLB[@]}")
read -r dum dux < <(stats "${UP_GDNSD[@]}")
verdict()
{
	awk -v m="$1" -v x="$2" -v f="$3" 'BEGIN {
		print (m <= 2 && x <= 3 && f == 0) ? "met" : "missed" }'
}
{
	echo "#### $(date +%Y-%m-%d) ($STAMP), bench/failover.sh"
	echo
	bench_machine_md | sed "s/dnsperf on CPU/origin, publisher and load client on CPU/; s/(server on/(edges, probe and DNS servers on/"
	echo "- $TRIALS trials; $LOAD players on the surviving edge;" \
		"timeout 1 s, down after 2, up after 2; checks every 1 s" \
		"(gslb-probe's default) and every 2 s (gdnsd's minimum)"
	echo
	echo "| DNS | failover median s | failover max s | back median s | back max s | false downs |"
	echo "|---|---:|---:|---:|---:|---:|"
	echo "| gslb-probe + gslb-dnsd | $gm | $gx | $gum | $gux | $FALSE_GSLB |"
	echo "| gdnsd tcp_connect | $dm | $dx | $dum | $dux | $FALSE_GDNSD |"
	echo
	echo "Goal (gslb: median <= 2 s, max <= 3 s, no false down):" \
		"$(verdict "$gm" "$gx" "$FALSE_GSLB")"
} | tee "$OUTDIR/failover-$STAMP.md"
