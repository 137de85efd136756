#!/usr/bin/env bash
# bench/edge.sh: gslb-edge against nginx-rtmp as a pulling RTMP edge.
#
# One live stream, one origin, two edges in turn, the same players:
#
#   publisher  ffmpeg -stream_loop -1 -re -c copy of a clip encoded once
#              (640x360 25 fps H.264 ~1 Mbit/s, key frame every second,
#              AAC 64 kbit/s), so encoding costs nothing during the runs
#   origin     nginx-rtmp, application live { live on; }
#   edge       (a) gslb-edge, routes: live -> the origin
#              (b) nginx-rtmp, application live { live on;
#                  pull rtmp://127.0.0.1:ORIGIN/live; }, one worker
#   players    bench/gslb-rtmp-load, PLAYERS_PER_PROC players a process
#
# The edge under test runs alone on CPU 1 (BENCH_SERVER_CPU); origin,
# publisher and load clients share CPU 0 (BENCH_CLIENT_CPU). For each
# edge and each N in PLAYERS, with a fresh edge process:
#
#   1. one player pulls the stream through the edge; after IDLE_WAIT s
#      the edge's VmRSS is the idle figure (stream pulled, GOP cached);
#   2. N players join at RAMP players/s; time to first frame is
#      measured by every player (connect() -> first coded video frame);
#   3. once all N got video, SETTLE s later, a STEADY s window: the edge's
#      utime+stime (/proc/PID/stat) and the bytes the load clients
#      received (SIGUSR1 marks at both ends); VmRSS at the end.
#
#   CPU-s/Gbit   edge CPU seconds in the window / Gbit delivered in it
#   client CPU   busy % of the client CPU: near 100 means the players,
#                not the edge, set the pace (Mbit/s below N x bitrate)
#   RSS/player   (VmRSS with N + 1 players - VmRSS with 1) / N
#   TTFF         p50 / p99 over the N players
#
# For nginx the serving process is the worker (CPU and RSS); the idle
# master is left out.
#
# Goals (issue 4): gslb-edge <= 0.6x nginx-rtmp's CPU-s per Gbit, <= 8 KiB
# RSS per player, TTFF p50 <= 100 ms and p99 <= 300 ms.
#
# Environment:
#   PLAYERS ("100 500 2000")   player counts
#   EDGES ("gslb-edge nginx")  subset and order
#   RAMP (500)                 players started per second
#   SETTLE (3), STEADY (12), IDLE_WAIT (3)   seconds
#   PLAYERS_PER_PROC (1000)    players per load-client process
#   VIDEO_KBPS (900), CLIP_SECS (10)
#   GSLB_EDGE (build/edge/gslb-edge), RTMP_LOAD (build/bench/gslb-rtmp-load)
#   GSLB_EDGE_VERSION          shown in the report (default: git describe)
#   MERGE_WRITE (0.1)          gslb-edge limits.merge_write, seconds
#   RTMP_MODULE (/usr/lib/nginx/modules/ngx_rtmp_module.so)
#   OUTDIR (bench/out)         raw results in OUTDIR/edge-DATE/, report in
#                              OUTDIR/edge-DATE.md
#   PERF=1                     perf record -g the edge during each window
#                              (OUTDIR/edge-DATE/EDGE-N.perf.data)
#   BENCH_SERVER_CPU (1), BENCH_CLIENT_CPU (0), BENCH_KEEP=1 keeps the temp
#   dir
#
# Exits 0 when every run completed, 1 otherwise.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$BENCH_DIR/lib.sh"

PLAYERS=${PLAYERS:-100 500 2000}
EDGES=${EDGES:-gslb-edge nginx}
RAMP=${RAMP:-500}
SETTLE=${SETTLE:-3}
STEADY=${STEADY:-12}
IDLE_WAIT=${IDLE_WAIT:-3}
PLAYERS_PER_PROC=${PLAYERS_PER_PROC:-1000}
VIDEO_KBPS=${VIDEO_KBPS:-900}
CLIP_SECS=${CLIP_SECS:-10}
MERGE_WRITE=${MERGE_WRITE:-0.1}
GSLB_EDGE=${GSLB_EDGE:-build/edge/gslb-edge}
RTMP_LOAD=${RTMP_LOAD:-build/bench/gslb-rtmp-load}
RTMP_MODULE=${RTMP_MODULE:-/usr/lib/nginx/modules/ngx_rtmp_module.so}
OUTDIR=${OUTDIR:-$ROOT/bench/out}
PERF=${PERF:-0}
GOAL_CPU=0.6
GOAL_RSS_KIB=8
GOAL_P50_MS=100
GOAL_P99_MS=300

STAMP=$(date +%Y%m%d-%H%M)
RAW=
ORIGIN_PORT=
LOADS=()	# PIDs of the running load clients
LOAD_OUTS=()	# their stdout files
FAILED=0

edge_check_args()
{
	local v n
	for v in RAMP SETTLE STEADY IDLE_WAIT PLAYERS_PER_PROC VIDEO_KBPS \
	    CLIP_SECS; do
		[[ ${!v} =~ ^[1-9][0-9]*$ ]] ||
			bench_die "$v must be a positive integer, not '${!v}'"
	done
	for n in $PLAYERS; do
		[[ $n =~ ^[1-9][0-9]*$ ]] ||
			bench_die "PLAYERS: '$n' is not a positive integer"
	done
	[[ $GSLB_EDGE == /* ]] || GSLB_EDGE=$ROOT/$GSLB_EDGE
	[[ $RTMP_LOAD == /* ]] || RTMP_LOAD=$ROOT/$RTMP_LOAD
	[[ -x $RTMP_LOAD ]] ||
		bench_die "no $RTMP_LOAD: build it (make) or set RTMP_LOAD"
	[[ -r $RTMP_MODULE ]] ||
		bench_die "no $RTMP_MODULE (Debian: apt-get install libnginx-mod-rtmp)"
	bench_need ffmpeg nginx
	if [[ $PERF == 1 ]]; then
		bench_need perf
	fi
}

# ---- Stream: clip, origin, publisher ----

# edge_make_clip FILE: CLIP_SECS s of 640x360 25 fps H.264 + AAC in FLV.
edge_make_clip()
{
	bench_log "encoding the ${CLIP_SECS}s clip once (${VIDEO_KBPS} kbit/s)"
	ffmpeg -hide_banner -nostdin -loglevel error \
	    -f lavfi -i "testsrc2=size=640x360:rate=25:duration=$CLIP_SECS" \
	    -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=$CLIP_SECS" \
	    -c:v libx264 -preset veryfast -pix_fmt yuv420p \
	    -b:v "${VIDEO_KBPS}k" -maxrate "${VIDEO_KBPS}k" \
	    -bufsize "${VIDEO_KBPS}k" -g 25 -keyint_min 25 -sc_threshold 0 \
	    -c:a aac -b:a 64k -f flv -y "$1"
}

# edge_nginx_conf DIR PORT APP-BODY: an nginx.conf for nginx-rtmp in DIR
# listening on 127.0.0.1:PORT with "application live { APP-BODY }".
edge_nginx_conf()
{
	local dir=$1 port=$2 body=$3
	mkdir -p "$dir"
	cat >"$dir/nginx.conf" <<EOF
load_module $RTMP_MODULE;
user $(id -un);
worker_processes 1;
worker_rlimit_nofile 20000;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
    worker_connections 16000;
}
rtmp {
    server {
        listen 127.0.0.1:$port;
        chunk_size 4096;
        application live {
            $body
        }
    }
}
EOF
	nginx -t -q -p "$dir/" -c nginx.conf -e "$dir/error.log" \
	    -g 'daemon off;' || bench_die "nginx -t failed for $dir"
}

# edge_wait_port PID PORT: until 127.0.0.1:PORT listens (10 s).
edge_wait_port()
{
	local pid=$1 port=$2 i
	for ((i = 0; i < 200; i++)); do
		bench_is_alive "$pid" || return 1
		[[ -n $(ss -Hlnt "sport = :$port") ]] && return 0
		sleep 0.05
	done
	return 1
}

edge_start_stream()
{
	local clip=$BENCH_TMP/clip.flv pid
	edge_make_clip "$clip"
	ORIGIN_PORT=$(bench_free_port)
	edge_nginx_conf "$BENCH_TMP/origin" "$ORIGIN_PORT" "live on;"
	bench_start origin "$BENCH_CLIENT_CPU" nginx -p "$BENCH_TMP/origin/" \
	    -c nginx.conf -e "$BENCH_TMP/origin/error.log" -g 'daemon off;'
	pid=$BENCH_PID
	edge_wait_port "$pid" "$ORIGIN_PORT" || bench_die "origin did not start"
	bench_start publish "$BENCH_CLIENT_CPU" ffmpeg -hide_banner -nostdin \
	    -loglevel warning -stream_loop -1 -re -i "$clip" -c copy \
	    -f flv "rtmp://127.0.0.1:$ORIGIN_PORT/live/bench"
}

# ---- Load clients ----

# edge_load_start URL N RATE DIR TAG: N players in ceil(N /
# PLAYERS_PER_PROC) processes on the client CPU, each with its share of
# N and RATE, playing for an hour (stopped with TERM). Appends to LOADS
# and LOAD_OUTS; output in DIR/TAG-K.{out,json,log}.
edge_load_start()
{
	local url=$1 n=$2 rate=$3 dir=$4 tag=$5 procs k i share
	procs=$(((n + PLAYERS_PER_PROC - 1) / PLAYERS_PER_PROC))
	for ((k = 0; k < procs; k++)); do
		share=$((n / procs + (k < n % procs ? 1 : 0)))
		taskset -c "$BENCH_CLIENT_CPU" "$RTMP_LOAD" -n "$share" \
		    -r "$(awk -v r="$rate" -v p="$procs" \
		    'BEGIN { printf "%.3f", r / p }')" -d 3600 -t 30 \
		    --json "$dir/$tag-$k.json" "$url" \
		    >"$dir/$tag-$k.out" 2>"$dir/$tag-$k.log" </dev/null &
		LOADS+=("$!")
		BENCH_PIDS+=("$!")
		LOAD_OUTS+=("$dir/$tag-$k.out")
	done
	# SIGUSR1 kills a client until it says "start" (handler installed).
	for ((k = 0; k < procs; k++)); do
		for ((i = 0; i < 200; i++)); do
			grep -qs '^start ' "$dir/$tag-$k.out" && break
			sleep 0.02
		done
	done
}

# edge_load_marks: SIGUSR1 to every load client, then print the sums
# "got_video failed bytes" of their new mark lines.
edge_load_marks()
{
	local -a before=()
	local i k f pid
	for i in "${!LOADS[@]}"; do
		before[i]=$(grep -sc '^mark ' "${LOAD_OUTS[i]}" || true)
	done
	for pid in "${LOADS[@]}"; do
		kill -USR1 "$pid"
	done
	for i in "${!LOADS[@]}"; do
		f=${LOAD_OUTS[i]}
		for ((k = 0; k < 100; k++)); do
			(($(grep -c '^mark ' "$f" || true) > before[i])) && break
			sleep 0.02
		done
	done
	for f in "${LOAD_OUTS[@]}"; do
		grep '^mark ' "$f" | tail -n 1
	done | awk '{
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			v[kv[1]] += kv[2]
		}
	} END { printf "%.0f %.0f %.0f\n", v["got_video"], v["failed"], v["bytes"] }'
}

# edge_load_stop: TERM every load client and wait for its summary.
edge_load_stop()
{
	local pid
	for pid in "${LOADS[@]}"; do
		bench_stop "$pid"
	done
	LOADS=()
	LOAD_OUTS=()
}

# edge_wait_video N SECS: until the load clients report N players with
# video (or SECS pass, or a player failed: return 1).
edge_wait_video()
{
	local n=$1 secs=$2 got=0 failed end=$((SECONDS + $2))
	while ((SECONDS < end)); do
		read -r got failed _ <<<"$(edge_load_marks)"
		((failed == 0)) || {
			bench_log "$failed players failed"
			return 1
		}
		((got >= n)) && return 0
		sleep 0.25
	done
	bench_log "only $got of $n players got video in ${secs}s"
	return 1
}

# ---- Edges: edge_setup_<name> DIR PORT MAXN starts it, sets EDGE_PID ----

EDGE_PID=
EDGE_MAIN=

edge_setup_gslb-edge()
{
	local dir=$1 port=$2 maxn=$3
	[[ -x $GSLB_EDGE ]] || {
		bench_log "no $GSLB_EDGE: build it or set GSLB_EDGE"
		return 1
	}
	mkdir -p "$dir"
	cat >"$dir/edge.yaml" <<EOF
name: bench-edge
listen: [127.0.0.1:$port]
http: 127.0.0.1:$(bench_free_port)
routes:
  - app: live
    origins: [127.0.0.1:$ORIGIN_PORT]
limits:
  max_players: $((maxn + 100))
  merge_write: $MERGE_WRITE
upstream:
  linger: 30
EOF
	"$GSLB_EDGE" -t -c "$dir/edge.yaml" >"$dir/check.log" 2>&1 || {
		bench_log "gslb-edge -t: $(cat "$dir/check.log")"
		return 1
	}
	bench_start "$(basename "$dir")" "$BENCH_SERVER_CPU" "$GSLB_EDGE" -f \
	    -c "$dir/edge.yaml"
	EDGE_MAIN=$BENCH_PID
	EDGE_PID=$BENCH_PID
	edge_wait_port "$EDGE_MAIN" "$port"
}

edge_setup_nginx()
{
	local dir=$1 port=$2 i
	edge_nginx_conf "$dir" "$port" \
	    "live on; pull rtmp://127.0.0.1:$ORIGIN_PORT/live;"
	bench_start "$(basename "$dir")" "$BENCH_SERVER_CPU" nginx \
	    -p "$dir/" -c nginx.conf -e "$dir/error.log" -g 'daemon off;'
	EDGE_MAIN=$BENCH_PID
	edge_wait_port "$EDGE_MAIN" "$port" || return 1
	# The worker serves; it inherits the master's CPU affinity.
	for ((i = 0; i < 100; i++)); do
		EDGE_PID=$(ps -o pid= --ppid "$EDGE_MAIN" | head -n 1 | tr -d ' ')
		[[ -n $EDGE_PID ]] && return 0
		sleep 0.05
	done
	return 1
}

edge_version()
{
	case $1 in
	gslb-edge)
		[[ -n ${GSLB_EDGE_VERSION:-} ]] && echo "$GSLB_EDGE_VERSION" ||
			git -C "$ROOT" describe --always --dirty 2>/dev/null ||
			echo unknown
		;;
	nginx) nginx -v 2>&1 | sed 's/^nginx version: //' ;;
	esac
}

# edge_rss_kib PID: VmRSS in KiB.
edge_rss_kib()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# edge_ttff RESULT-DIR TAG: "p50 p99 max" in ms over the players of the
# load clients TAG-*.json (each player's ttff_ms, -1 for no video left
# out).
edge_ttff()
{
	jq -r '.player[] | select(.ttff_ms >= 0) | .ttff_ms' "$1/$2"-*.json |
	    sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "0 0 0"; exit }
		p50 = int(NR * 0.50); if (p50 < NR * 0.50) p50++
		p99 = int(NR * 0.99); if (p99 < NR * 0.99) p99++
		printf "%.1f %.1f %.1f\n", v[p50], v[p99], v[NR] }'
}

# edge_run EDGE N: one measured run; writes $RAW/EDGE-N.result.
edge_run()
{
	local name=$1 n=$2 dir port res t0 t1 c0 c1 b0 b1 l0 l1 u0 u1
	local got1 f1 rss_idle rss_n ttff url perf_pid=
	dir=$BENCH_TMP/$name-$n
	res=$RAW/$name-$n.result
	port=$(bench_free_port)
	bench_log "$name, $n players"
	if ! "edge_setup_$name" "$dir" "$port" "$n"; then
		bench_log "$name did not start (see $dir)"
		return 1
	fi
	url=rtmp://127.0.0.1:$port/live/bench
	edge_load_start "$url" 1 1 "$RAW" "$name-$n-idle"
	edge_wait_video 1 20 || return 1
	sleep "$IDLE_WAIT"
	rss_idle=$(edge_rss_kib "$EDGE_PID")
	edge_load_start "$url" "$n" "$RAMP" "$RAW" "$name-$n-p"
	edge_wait_video $((n + 1)) $((n / RAMP + 30)) || return 1
	sleep "$SETTLE"
	if [[ $PERF == 1 ]]; then
		perf record -g -o "$RAW/$name-$n.perf.data" -p "$EDGE_PID" \
		    >"$RAW/$name-$n.perf.log" 2>&1 &
		perf_pid=$!
		sleep 0.5
	fi
	b0=$(bench_cpu_busy "$BENCH_SERVER_CPU")
	l0=$(bench_cpu_busy "$BENCH_CLIENT_CPU")
	c0=$(bench_cpu_ticks "$EDGE_PID")
	read -r _ _ u0 <<<"$(edge_load_marks)"
	t0=$EPOCHREALTIME
	sleep "$STEADY"
	read -r got1 f1 u1 <<<"$(edge_load_marks)"
	t1=$EPOCHREALTIME
	c1=$(bench_cpu_ticks "$EDGE_PID")
	b1=$(bench_cpu_busy "$BENCH_SERVER_CPU")
	l1=$(bench_cpu_busy "$BENCH_CLIENT_CPU")
	rss_n=$(edge_rss_kib "$EDGE_PID")
	if [[ -n $perf_pid ]]; then
		kill -INT "$perf_pid" 2>/dev/null || true
		wait "$perf_pid" 2>/dev/null || true
	fi
	edge_load_stop
	bench_stop "$EDGE_MAIN"
	ttff=$(edge_ttff "$RAW" "$name-$n-p")
	awk -v name="$name" -v n="$n" -v t0="$t0" -v t1="$t1" \
	    -v c0="$c0" -v c1="$c1" -v bb0="$b0" -v bb1="$b1" -v hz="$BENCH_HZ" \
	    -v ll0="$l0" -v ll1="$l1" \
	    -v by0="$u0" -v by1="$u1" -v got="$got1" -v failed="$f1" \
	    -v rss0="$rss_idle" -v rss1="$rss_n" -v ttff="$ttff" '
	BEGIN {
		split(c0, x, " "); split(c1, y, " ")
		split(bb0, p, " "); split(bb1, q, " ")
		split(ll0, lc, " "); split(ll1, ld, " ")
		split(ttff, t, " ")
		wall = t1 - t0
		ticks = y[1] + y[2] - x[1] - x[2]
		cpu = ticks / hz
		gbit = (by1 - by0) * 8 / 1e9
		busy = q[1] - p[1]
		other = busy > ticks ? busy - ticks : 0
		printf "edge=%s\nplayers=%d\ngot_video=%d\nfailed=%d\n", \
		    name, n, got - 1, failed
		printf "window_s=%.3f\ncpu_s=%.3f\nuser_s=%.3f\nsys_s=%.3f\n", \
		    wall, cpu, (y[1] - x[1]) / hz, (y[2] - x[2]) / hz
		printf "cpu_util=%.1f\nother_util=%.1f\n", cpu * 100 / wall, \
		    other * 100 / hz / wall
		printf "client_util=%.1f\n", (ld[1] - lc[1]) * 100 / hz / wall
		printf "mbit_s=%.1f\n", gbit * 1000 / wall
		printf "cpu_s_per_gbit=%.3f\n", (gbit > 0 ? cpu / gbit : 0)
		printf "rss_idle_kib=%d\nrss_kib=%d\n", rss0, rss1
		printf "rss_per_player_kib=%.2f\n", (rss1 - rss0) / n
		printf "ttff_p50_ms=%s\nttff_p99_ms=%s\nttff_max_ms=%s\n", \
		    t[1], t[2], t[3]
	}' >"$res"
	bench_log "$name, $n players: $(tr '\n' ' ' <"$res")"
}

# ---- Report ----

edge_get()
{
	local f=$RAW/$1-$2.result
	[[ -r $f ]] && bench_get "$f" "$3" || echo n/a
}

edge_report()
{
	local e n
	echo "#### $(date +%Y-%m-%d) ($STAMP), bench/edge.sh"
	echo
	bench_machine_md | sed "s/dnsperf on CPU/origin, publisher and load clients on CPU/; s/(server on/(edge on/"
	echo "- gslb-edge $(edge_version gslb-edge), nginx $(edge_version nginx)" \
	    "with $(dpkg-query -W -f '${Package} ${Version}' libnginx-mod-rtmp 2>/dev/null || echo 'nginx-rtmp')"
	echo "- gslb-edge limits.merge_write ${MERGE_WRITE} s"
	echo "- Stream: 640x360 25 fps H.264 ${VIDEO_KBPS} kbit/s + AAC 64 kbit/s," \
	    "key frame every second; ramp $RAMP players/s, window ${STEADY}s" \
	    "from ${SETTLE}s after the last player got video"
	echo
	echo "| edge | players | got video | failed | Mbit/s | edge CPU % | other % | client CPU % | CPU-s/Gbit | RSS idle MiB | RSS/player KiB | TTFF p50 ms | TTFF p99 ms | TTFF max ms |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	for n in $PLAYERS; do
		for e in $EDGES; do
			[[ -r $RAW/$e-$n.result ]] || {
				echo "| $e | $n | run failed | | | | | | | | | | | |"
				continue
			}
			printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
			    "$e" "$n" "$(edge_get "$e" "$n" got_video)" \
			    "$(edge_get "$e" "$n" failed)" \
			    "$(edge_get "$e" "$n" mbit_s)" \
			    "$(edge_get "$e" "$n" cpu_util)" \
			    "$(edge_get "$e" "$n" other_util)" \
			    "$(edge_get "$e" "$n" client_util)" \
			    "$(bench_fmt "$(edge_get "$e" "$n" cpu_s_per_gbit)" %.2f)" \
			    "$(bench_fmt "$(edge_get "$e" "$n" rss_idle_kib)" '%.1f' |
			    awk '{ printf "%.1f", $1 / 1024 }')" \
			    "$(edge_get "$e" "$n" rss_per_player_kib)" \
			    "$(edge_get "$e" "$n" ttff_p50_ms)" \
			    "$(edge_get "$e" "$n" ttff_p99_ms)" \
			    "$(edge_get "$e" "$n" ttff_max_ms)"
		done
	done
	echo
	echo "Ratios gslb-edge / nginx-rtmp and goals (CPU <= $GOAL_CPU x," \
	    "RSS/player <= $GOAL_RSS_KIB KiB, TTFF p50 <= $GOAL_P50_MS ms," \
	    "p99 <= $GOAL_P99_MS ms):"
	echo
	echo "| players | CPU-s/Gbit ratio | RSS/player ratio | TTFF p50 ratio | CPU goal | RSS goal | TTFF goals |"
	echo "|---|---|---|---|---|---|---|"
	for n in $PLAYERS; do
		[[ -r $RAW/gslb-edge-$n.result ]] || continue
		local cr rr tr g1 g2 g3
		cr=$(bench_ratio "$(edge_get gslb-edge "$n" cpu_s_per_gbit)" \
		    "$(edge_get nginx "$n" cpu_s_per_gbit)")
		rr=$(bench_ratio "$(edge_get gslb-edge "$n" rss_per_player_kib)" \
		    "$(edge_get nginx "$n" rss_per_player_kib)")
		tr=$(bench_ratio "$(edge_get gslb-edge "$n" ttff_p50_ms)" \
		    "$(edge_get nginx "$n" ttff_p50_ms)")
		g1=$(awk -v r="$cr" -v g="$GOAL_CPU" \
		    'BEGIN { print (r == "n/a") ? "n/a" : (r <= g ? "met" : "missed") }')
		g2=$(awk -v r="$(edge_get gslb-edge "$n" rss_per_player_kib)" \
		    -v g="$GOAL_RSS_KIB" 'BEGIN { print r <= g ? "met" : "missed" }')
		g3=$(awk -v a="$(edge_get gslb-edge "$n" ttff_p50_ms)" \
		    -v b="$(edge_get gslb-edge "$n" ttff_p99_ms)" \
		    -v g="$GOAL_P50_MS" -v h="$GOAL_P99_MS" \
		    'BEGIN { print (a <= g && b <= h) ? "met" : "missed" }')
		echo "| $n | $cr | $rr | $tr | $g1 | $g2 | $g3 |"
	done
	echo
	echo "Raw results: $RAW"
}

main()
{
	local e n
	bench_init
	edge_check_args
	# Thousands of sockets in the edges and the load clients.
	ulimit -n "$(ulimit -Hn)"
	RAW=$OUTDIR/edge-$STAMP
	mkdir -p "$RAW"
	edge_start_stream
	for n in $PLAYERS; do
		for e in $EDGES; do
			bench_wait_quiet 10 50 || true
			if ! edge_run "$e" "$n"; then
				FAILED=1
				edge_load_stop
				[[ -n $EDGE_MAIN ]] && bench_stop "$EDGE_MAIN"
			fi
			EDGE_MAIN=
		done
	done
	bench_publish "$OUTDIR/edge-$STAMP.md" edge_report
	return "$FAILED"
}

main "$@"
