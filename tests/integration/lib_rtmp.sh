# RTMP helpers for integration tests: a real origin (nginx + nginx-rtmp),
# a live test publisher (ffmpeg) and three players (ffprobe, ffmpeg,
# rtmpdump). Sourced after lib.sh, whose start_bg, alloc_ports, is_running
# and checks it uses; it sources nothing itself.
#
#	. "$(dirname "$0")/../lib.sh"
#	. "$(dirname "$0")/../lib_rtmp.sh"
#	test_init
#	need_rtmp_tools
#	rtmp_origin_start origin	# RTMP_PORT, RTMP_DIR_OF[origin]
#	rtmp_vod_make "${RTMP_DIR_OF[origin]}"
#	rtmp_publish_test "rtmp://127.0.0.1:$RTMP_PORT/live/test"
#	rtmp_wait_stream "rtmp://127.0.0.1:$RTMP_PORT/live/test"
#	expect_match "h264" '^video h264$' "$(rtmp_play_ffprobe "$url")"
#
# Every player is bounded by a timeout, keeps its log (and what it
# received) under $T, prints one result on stdout and returns non-zero on
# failure, so a failing test shows why. Everything binds or connects to
# 127.0.0.1 only. The publisher and the players are kept cheap (320x240,
# x264 ultrafast, one thread): the CI machines have two cores.
#
# Environment: GSLB_TEST_RTMP_MODULE, the nginx-rtmp module (default
# Debian's /usr/lib/nginx/modules/ngx_rtmp_module.so).

RTMP_MODULE=${GSLB_TEST_RTMP_MODULE:-/usr/lib/nginx/modules/ngx_rtmp_module.so}
RTMP_PORT=     # port of the origin started last
declare -A RTMP_PORT_OF=()
declare -A RTMP_DIR_OF=()

# ---- Tools -------------------------------------------------------------------

# need_rtmp_tools: skip the test when nginx, its RTMP module, ffmpeg,
# ffprobe or rtmpdump is missing (qa/deps.sh installs them).
need_rtmp_tools()
{
	local t
	for t in nginx ffmpeg ffprobe rtmpdump timeout; do
		need_tool "$t"
	done
	[ -r "$RTMP_MODULE" ] || skip "nginx RTMP module not installed ($RTMP_MODULE)"
}

# rtmp_next_log WHAT: a fresh log path $T/rtmp-NN-WHAT (no extension).
# The counter lives in a file, as players run in $(...) subshells, and
# is taken under a lock, as players also run side by side: two that got
# the same number would write one -progress file over each other, and
# each read back a frame count that is neither's.
rtmp_next_log()
{
	local n
	{
		flock 9
		n=$(cat "$T/rtmp.seq" 2>/dev/null) || n=0
		n=$((n + 1))
		echo "$n" >"$T/rtmp.seq"
	} 9>>"$T/rtmp.seq.lock"
	printf '%s/rtmp-%02d-%s' "$T" "$n" "$1"
}

# ---- Origin --------------------------------------------------------------------

# rtmp_origin_start NAME [PORT] [TEMPLATE]: start nginx-rtmp as an origin
# in $T/NAME: one worker, no HTTP server, an RTMP server on ADDR:PORT
# (ADDR is $RTMP_ORIGIN_ADDR, 127.0.0.1 unless set, for the built-in
# config)
# with "application live { live on; }" and "application vod { play
# $T/NAME/vod; }" (see rtmp_vod_make). Without PORT a free one is taken
# (alloc_ports, so PORTS is overwritten). TEMPLATE replaces the built-in
# config; it is rendered with @RTMP_MODULE@, @RTMP_USER@, @RTMP_ORIGIN_DIR@
# and @RTMP_ORIGIN_PORT@. Sets RTMP_PORT, RTMP_PORT_OF[NAME] and
# RTMP_DIR_OF[NAME], and waits until the port accepts connections.
rtmp_origin_start()
{
	local name=$1 port=${2:-} tmpl=${3:-} dir deadline
	local addr=${RTMP_ORIGIN_ADDR:-127.0.0.1}
	local RTMP_USER RTMP_ORIGIN_DIR RTMP_ORIGIN_PORT

	need_rtmp_tools
	if [ -z "$port" ]; then
		alloc_ports 1
		port=${PORTS[0]}
	fi
	dir=$T/$name
	mkdir -p "$dir/vod"
	# The worker runs as whoever runs the test: $T is mode 0700, and a
	# worker switched to nobody could not read the VOD files.
	RTMP_USER=$(id -un)
	# shellcheck disable=SC2034 # read by render
	RTMP_ORIGIN_DIR=$dir RTMP_ORIGIN_PORT=$port
	if [ -n "$tmpl" ]; then
		render "$tmpl" "$dir/nginx.conf" RTMP_MODULE RTMP_USER \
			RTMP_ORIGIN_DIR RTMP_ORIGIN_PORT
	else
		cat >"$dir/nginx.conf" <<-EOF
		load_module $RTMP_MODULE;
		user $RTMP_USER;
		worker_processes 1;
		pid $dir/nginx.pid;
		error_log $dir/error.log info;
		events {
		    worker_connections 1024;
		}
		rtmp {
		    access_log $dir/access.log;
		    server {
		        listen $addr:$port;
		        chunk_size 4096;
		        application live {
		            live on;
		        }
		        application vod {
		            play $dir/vod;
		        }
		    }
		}
		EOF
	fi
	# -e: nginx opens its error log before reading the config, and the
	# compiled-in one is /var/log/nginx/error.log.
	nginx -t -q -p "$dir/" -c nginx.conf -e "$dir/error.log" \
		-g 'daemon off;' >"$dir/configtest.log" 2>&1 ||
		harness_error "nginx -t: $(cat "$dir/configtest.log")"
	start_bg "$name" nginx -p "$dir/" -c nginx.conf -e "$dir/error.log" \
		-g 'daemon off;'
	# shellcheck disable=SC2034 # for the test script
	RTMP_PORT=$port RTMP_PORT_OF[$name]=$port RTMP_DIR_OF[$name]=$dir
	deadline=$((SECONDS + 10))
	until rtmp_is_listening "$port" "$addr"; do
		is_running "$name" || fail "$name exited during startup, see ${LOG_OF[$name]} and $dir/error.log"
		[ "$SECONDS" -ge "$deadline" ] && fail "$name does not listen on $addr:$port"
		sleep 0.05
	done
}

# rtmp_is_listening PORT [ADDR]: a TCP connection to ADDR:PORT (default
# 127.0.0.1) is accepted (connect and close at once; nginx-rtmp logs a
# short handshake error).
rtmp_is_listening()
{
	[ -n "$(ss -Hlnt "sport = :$1" 2>/dev/null)" ] &&
		(exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null
}

# rtmp_vod_make DIR: a 5 s 320x240 H.264 + AAC MP4 (key frame every
# second, moov first) at DIR/vod/Test/3d5.mp4, so that
# rtmp://127.0.0.1:PORT/vod/mp4:Test/3d5.mp4 plays from an origin whose
# directory is DIR.
rtmp_vod_make()
{
	local out=$1/vod/Test/3d5.mp4 log
	log=$(rtmp_next_log vod-make).log
	mkdir -p "$(dirname "$out")"
	timeout 30 ffmpeg -hide_banner -nostdin -loglevel error \
		-f lavfi -i testsrc=size=320x240:rate=25:duration=5 \
		-f lavfi -i sine=frequency=440:sample_rate=44100:duration=5 \
		-c:v libx264 -preset ultrafast -pix_fmt yuv420p -threads 1 \
		-g 25 -keyint_min 25 -sc_threshold 0 \
		-c:a aac -b:a 64k -movflags +faststart -y "$out" >"$log" 2>&1 ||
		harness_error "rtmp_vod_make: ffmpeg failed: $(tail -n 5 "$log")"
	log "made $out"
}

# ---- Publisher ------------------------------------------------------------------

# rtmp_publish_test URL [NAME]: publish a live test stream to URL in the
# background (start_bg NAME, default "publish"): testsrc2 320x240 at 25
# fps, H.264 (ultrafast, zerolatency, key frame every 25 frames), a sine
# in AAC, FLV, at real-time pace. Stop it with stop NAME.
#
# The stream is a 10 s clip encoded once per test ($T/publish-clip.flv)
# and looped with -c copy (timestamps continue across loops): publishing
# then costs almost no CPU, so the stream stays real-time even when the
# machine is busy with other tests, and players measured against the
# clock get what they should.
rtmp_publish_test()
{
	local url=$1 name=${2:-publish} clip=$T/publish-clip.flv
	if [ ! -s "$clip" ]; then
		ffmpeg -hide_banner -nostdin -loglevel error \
			-f lavfi -i testsrc2=size=320x240:rate=25 \
			-f lavfi -i sine=frequency=1000:sample_rate=44100 -t 10 \
			-c:v libx264 -preset ultrafast -tune zerolatency -threads 1 \
			-pix_fmt yuv420p -b:v 300k -g 25 -keyint_min 25 \
			-sc_threshold 0 -c:a aac -b:a 64k -f flv "$clip.tmp" \
			>"$T/publish-clip.log" 2>&1 && mv "$clip.tmp" "$clip" ||
			harness_error "cannot encode the test clip: $(tail -n 3 "$T/publish-clip.log")"
	fi
	start_bg "$name" ffmpeg -hide_banner -nostdin -loglevel warning \
		-stream_loop -1 -re -i "$clip" -c copy -f flv "$url"
}

# ---- Players ----------------------------------------------------------------------

# rtmp_play_ffprobe URL [SECONDS]: ffprobe URL (live or VOD) within
# SECONDS (default 10) and print one "TYPE CODEC" line per stream, sorted
# ("audio aac", "video h264"). Fails when ffprobe fails or finds no stream.
rtmp_play_ffprobe()
{
	local url=$1 secs=${2:-10} log out
	log=$(rtmp_next_log ffprobe).log
	out=$(timeout -k 2 "$secs" ffprobe -hide_banner -v error \
		-rw_timeout $((secs * 1000000)) \
		-show_entries stream=codec_type,codec_name -of csv=p=0 \
		"$url" 2>"$log") || {
		echo "ffprobe $url: failed (status $?)" >>"$log"
		return 1
	}
	printf '%s\n' "$out" >>"$log"
	out=$(awk -F, 'NF >= 2 { print $2, $1 }' <<<"$out" | sort)
	[ -n "$out" ] || return 1
	printf '%s\n' "$out"
}

# rtmp_play_ffmpeg URL SECONDS: decode the video of URL with ffmpeg for
# SECONDS of stream time, counted from its first video frame (a live
# stream's audio starts up to a GOP earlier), within SECONDS + 10 s of
# wall time, and print the number of video frames decoded. Fails when
# ffmpeg fails or decodes nothing.
rtmp_play_ffmpeg()
{
	local url=$1 secs=$2 log frames
	log=$(rtmp_next_log ffmpeg)
	(set -C && : >"$log.progress") || {
		echo "rtmp_play_ffmpeg: $log.progress is taken" >&2
		return 1
	}
	timeout -k 2 $((secs + 10)) ffmpeg -hide_banner -nostdin -nostats \
		-loglevel error -rw_timeout 5000000 -i "$url" \
		-map 0:v:0 -vf "trim=duration=$secs" -f null \
		-progress "$log.progress" - >"$log.log" 2>&1 || {
		echo "ffmpeg $url: failed (status $?)" >>"$log.log"
		return 1
	}
	frames=$(sed -n 's/^frame=\([0-9]*\)$/\1/p' "$log.progress" | tail -n 1)
	[ -n "$frames" ] && [ "$frames" -gt 0 ] || return 1
	echo "$frames"
}

# rtmp_play_rtmpdump URL [--live | -y PLAYPATH] [SECONDS]: play with
# rtmpdump into $T/rtmp-NN-rtmpdump.flv and print the number of bytes
# received. --live stops it after SECONDS (default 3) of wall time, as
# nginx-rtmp ignores rtmpdump's -B and a live play never ends; -y passes
# the playpath verbatim (URL is then rtmp://HOST:PORT/APP), which VOD
# needs for "mp4:Test/3d5.mp4" as rtmpdump splits URLs its own way. VOD
# must end within SECONDS (default 15) with status 0, or 2 ("download may
# be incomplete", which rtmpdump also says when the last timestamp is a
# little under the metadata duration). Fails when no byte arrived.
rtmp_play_rtmpdump()
{
	local url=$1 mode=${2:-} path=${3:-} secs rc log bytes
	local args=(-r "$url" -m 5)
	log=$(rtmp_next_log rtmpdump)
	case $mode in
	--live)
		secs=${3:-3}
		args+=(--live)
		;;
	-y)
		secs=${4:-15}
		args+=(-y "$path")
		;;
	'')
		secs=15
		;;
	*) harness_error "rtmp_play_rtmpdump: unknown mode $mode" ;;
	esac
	timeout -k 2 "$secs" rtmpdump -q "${args[@]}" -o "$log.flv" \
		>"$log.log" 2>&1
	rc=$?
	echo "rtmpdump ${args[*]}: status $rc" >>"$log.log"
	bytes=$(stat -c %s "$log.flv" 2>/dev/null || echo 0)
	case $mode:$rc in
	--live:124) ;;   # stopped by timeout, as it should be
	--live:*) return 1 ;; # ended by itself: the stream went away
	*:0 | *:2) ;;
	*) return 1 ;;
	esac
	[ "$bytes" -gt 0 ] || return 1
	echo "$bytes"
}

# rtmp_wait_stream URL [SECONDS]: poll with ffprobe until URL has a video
# stream (a live stream is up and has sent a key frame), for at most
# SECONDS (default 15). Fails at the deadline.
rtmp_wait_stream()
{
	local url=$1 deadline=$((SECONDS + ${2:-15}))
	until rtmp_play_ffprobe "$url" 5 | grep -q '^video '; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.2
	done
}

# ---- Load client -------------------------------------------------------------------

# RTMP_LOAD: our load client (bench/gslb-rtmp-load, built by make).
RTMP_LOAD=${GSLB_RTMP_LOAD:-$top_builddir/bench/gslb-rtmp-load}

# rtmp_load URL [ARGS...]: play URL with gslb-rtmp-load ARGS (players,
# rate, duration ...; its JSON goes to the log path .json) within 60 s
# of wall time, and print its summary line (key=value fields). Fails
# when it fails, i.e. when a player failed or got no video; the line is
# printed all the same.
rtmp_load()
{
	local url=$1 log rc
	shift
	[ -x "$RTMP_LOAD" ] || fail "gslb-rtmp-load not built: $RTMP_LOAD"
	log=$(rtmp_next_log load)
	timeout -k 2 60 "$RTMP_LOAD" --json "$log.json" "$@" "$url" \
		>"$log.out" 2>"$log.log"
	rc=$?
	echo "gslb-rtmp-load $* $url: status $rc" >>"$log.log"
	grep '^players=' "$log.out"
	return "$rc"
}

# rtmp_kv KEY LINE: the value of KEY in a line of key=value fields.
rtmp_kv()
{
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# ---- More players and publishers (012) -------------------------------------------

# rtmp_play_ffmpeg_seek URL OFFSET: play URL (VOD) with ffprobe
# -read_intervals OFFSET%+1, which makes ffmpeg's RTMP client (rtmp_seek,
# through the FLV demuxer's read_seek) send a "seek" command of OFFSET
# seconds, as ms, once the play started; list one second of video
# packets, within 20 s, and print the first one's time in ms (about
# OFFSET * 1000 when the server sought, near 0 when it did not). Fails
# when ffprobe fails.
rtmp_play_ffmpeg_seek()
{
	local url=$1 ss=$2 log pts
	log=$(rtmp_next_log ffmpeg-seek)
	timeout -k 2 20 ffprobe -hide_banner -v error -rw_timeout 5000000 \
		-read_intervals "$ss%+1" -select_streams v:0 \
		-show_entries packet=pts_time -of csv=p=0 "$url" \
		>"$log.pts" 2>"$log.log" || {
		echo "ffprobe -read_intervals $url: failed (status $?)" >>"$log.log"
		return 1
	}
	pts=$(awk -F, 'NF && $1 != "" { printf "%d\n", $1 * 1000; exit }' "$log.pts")
	[ -n "$pts" ] || return 1
	echo "$pts"
}

# rtmp_publish_once URL SECONDS: publish the test pattern to URL in the
# foreground for SECONDS of stream time (at most SECONDS + 10 s of wall
# time) and print ffmpeg's exit status; its log is $T/rtmp-NN-publish.log.
rtmp_publish_once()
{
	local url=$1 secs=$2 log rc
	log=$(rtmp_next_log publish)
	timeout -k 2 $((secs + 10)) ffmpeg -hide_banner -nostdin \
		-loglevel warning -re \
		-f lavfi -i "testsrc2=size=320x240:rate=25:duration=$secs" \
		-c:v libx264 -preset ultrafast -tune zerolatency -threads 1 \
		-pix_fmt yuv420p -g 25 -f flv "$url" >"$log.log" 2>&1
	rc=$?
	echo "ffmpeg publish $url: status $rc" >>"$log.log"
	echo "$rc"
}

# rtmp_idle_client PORT: connect to 127.0.0.1:PORT, do a plain RTMP
# handshake (C0 C1 of zeros, read S0 S1 S2, C2), then send nothing; print
# how many ms after the handshake the server closed the connection. Fails
# when the handshake fails or the server keeps it open for 10 s.
rtmp_idle_client()
{
	local fd t0 t1
	exec {fd}<>"/dev/tcp/127.0.0.1/$1" || return 1
	{
		printf '\003'
		head -c 1536 /dev/zero
	} >&"$fd"
	timeout 5 head -c 3073 <&"$fd" >/dev/null || {
		exec {fd}>&-
		return 1
	}
	head -c 1536 /dev/zero >&"$fd"
	t0=$(date +%s%N)
	timeout 10 cat <&"$fd" >/dev/null || {
		exec {fd}>&-
		return 1
	}
	t1=$(date +%s%N)
	exec {fd}>&-
	echo $(((t1 - t0) / 1000000))
}
