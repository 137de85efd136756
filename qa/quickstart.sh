#!/bin/sh
# Try rtmp-gslb on this machine: install what is missing, build in build/,
# and run a small cluster on loopback, in the foreground:
#
#   - an nginx-rtmp origin on 127.0.0.1:19350 with an ffmpeg test stream,
#     live/test (a test pattern and a tone);
#   - one gslb-edge per edge of doc/examples/quickstart-topology.yaml, on
#     that edge's address, port 1935 (HTTP port 8081 on the same address),
#     reporting its load to the probe;
#   - gslb-probe on 127.0.0.1:8090, checking every edge (TCP, RTMP
#     connect, a play of live/test to its first frame, /v1/load);
#   - gslb-dnsd on 127.0.0.1:5353 with the example zone, answering
#     live.stream.example with the healthy edges by client location,
#     from the probe's feed.
#
# It prints dig and ffprobe lines to try. Ctrl-C stops everything it
# started. Everything binds loopback addresses only.
set -eu

cd "$(dirname "$0")/.."
CONF=doc/examples/quickstart-dnsd.yaml
TOPO=doc/examples/quickstart-topology.yaml
# What to ask the running server (from another terminal).
QS_NAME=${QS_NAME:-live.stream.example}
ORIGIN_PORT=19350
RTMP_MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so

./qa/deps.sh
if [ -f config.status ]; then
	echo "quickstart.sh: the source tree is configured in place;" \
	    "run 'make distclean' first" >&2
	exit 1
fi
if [ ! -x configure ]; then
	autoreconf -fi
fi
mkdir -p build
if [ ! -f build/Makefile ]; then
	(cd build && ../configure)
fi
make -C build -j2

QS=$(pwd)/build/quickstart
mkdir -p "$QS"
PIDS=""
# The state protocol's shared secret (edges, probe, dnsd, gslbctl).
if [ ! -s "$QS/state.secret" ]; then
	(umask 077 && openssl rand -hex 32 >"$QS/state.secret")
fi

# Stop everything started here, newest first.
qs_stop()
{
	trap - INT TERM EXIT
	for pid in $PIDS; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in $PIDS; do
		wait "$pid" 2>/dev/null || true
	done
	echo "quickstart.sh: stopped"
}
trap 'qs_stop; exit 0' INT TERM
trap qs_stop EXIT

# qs_start NAME CMD...: run CMD in the background, logging to $QS/NAME.log.
qs_start()
{
	name=$1
	shift
	"$@" >"$QS/$name.log" 2>&1 &
	PIDS="$! $PIDS"
}

# qs_wait_port ADDR PORT NAME: wait up to 10 s for a TCP listener.
qs_wait_port()
{
	i=0
	until ss -Hlnt "src $1 and sport = :$2" | grep -q .; do
		i=$((i + 1))
		if [ "$i" -gt 100 ]; then
			echo "quickstart.sh: $3 does not listen on $1:$2;" \
			    "see $QS/$3.log" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# ---- The origin and its test stream ------------------------------------------

mkdir -p "$QS/origin"
cat >"$QS/origin/nginx.conf" <<EOF
load_module $RTMP_MODULE;
user $(id -un);
worker_processes 1;
pid $QS/origin/nginx.pid;
error_log $QS/origin/error.log info;
events {
    worker_connections 1024;
}
rtmp {
    server {
        listen 127.0.0.1:$ORIGIN_PORT;
        chunk_size 4096;
        application live {
            live on;
        }
    }
}
EOF
qs_start origin nginx -p "$QS/origin/" -c nginx.conf -e "$QS/origin/error.log" \
	-g 'daemon off;'
qs_wait_port 127.0.0.1 "$ORIGIN_PORT" origin
qs_start publish ffmpeg -hide_banner -nostdin -loglevel warning \
	-re -f lavfi -i testsrc2=size=640x360:rate=25 \
	-re -f lavfi -i sine=frequency=1000:sample_rate=44100 \
	-c:v libx264 -preset ultrafast -tune zerolatency -threads 1 \
	-pix_fmt yuv420p -b:v 800k -g 25 -keyint_min 25 -sc_threshold 0 \
	-c:a aac -b:a 64k -f flv "rtmp://127.0.0.1:$ORIGIN_PORT/live/test"

# ---- One gslb-edge per edge of the topology -------------------------------------

EDGES=$(sed -n 's/^ *- { name: \([a-z0-9-]*\), site: [a-z]*, ipv4: \([0-9.]*\)[ ,].*/\1=\2/p' \
	"$TOPO")
for e in $EDGES; do
	name=${e%%=*} addr=${e#*=}
	cat >"$QS/$name.yaml" <<EOF
# gslb-edge $name for qa/quickstart.sh.
name: $name
listen: [$addr:1935]
http: $addr:8081
routes:
  - app: live
    origins: [127.0.0.1:$ORIGIN_PORT]
access_log: $QS/$name-access.log
drain:
  grace: 5
report:
  urls: [http://127.0.0.1:8090/v1/report]
  secret_file: $QS/state.secret
EOF
	qs_start "$name" build/edge/gslb-edge -f -c "$QS/$name.yaml"
	qs_wait_port "$addr" 1935 "$name"
done

# ---- gslb-probe --------------------------------------------------------------------

# The quickstart topology, with each edge's HTTP port for the probe.
sed 's/^\(  - { name: [a-z0-9-]*, site: [a-z]*, ipv4: \([0-9.]*\)\)/\1, http: "\2:8081"/' \
	"$TOPO" >"$QS/topology.yaml"
cat >"$QS/gslb-probe.yaml" <<EOF
# gslb-probe for qa/quickstart.sh.
name: probe-local
topology: $QS/topology.yaml
http: 127.0.0.1:8090
secret_file: $QS/state.secret
checks:
  play:
    app: live
    stream: test
EOF
qs_start probe build/probe/gslb-probe -f -c "$QS/gslb-probe.yaml"
qs_wait_port 127.0.0.1 8090 probe

# ---- gslb-dnsd ---------------------------------------------------------------------

# The config, with the GeoIP test database when shared/ is beside the
# repository (a production setup points geoip at a GeoLite2 City file).
GEOIP=$(cd .. && pwd)/shared/geoip/GeoIP2-City-Test.mmdb
{
	cat "$CONF"
	echo "topology: $QS/topology.yaml"
	echo "state:"
	echo "  urls: [http://127.0.0.1:8090/v1/state]"
	echo "  secret_file: $QS/state.secret"
	if [ -f "$GEOIP" ]; then echo "geoip: $GEOIP"; fi
} | sed "s|file: ../../zones/|file: $(pwd)/zones/|" >"$QS/gslb-dnsd.yaml"
qs_start dnsd build/dnsd/gslb-dnsd -f -c "$QS/gslb-dnsd.yaml"
qs_wait_port 127.0.0.1 5353 dnsd

echo
echo "Running (logs in $QS/): an nginx-rtmp origin on 127.0.0.1:$ORIGIN_PORT"
echo "publishing live/test, gslb-edge on$(for e in $EDGES; do printf ' %s' "${e#*=}:1935"; done),"
echo "gslb-probe on 127.0.0.1:8090, gslb-dnsd on 127.0.0.1:5353. In another terminal:"
echo "    build/ctl/gslbctl -k $QS/state.secret status http://127.0.0.1:8053"
echo "    dig @127.0.0.1 -p 5353 www.stream.example AAAA +tcp"
echo "    dig @127.0.0.1 -p 5353 $QS_NAME A +short"
if [ -f "$GEOIP" ]; then
	echo "    dig @127.0.0.1 -p 5353 $QS_NAME A +short +subnet=81.2.69.160/27   # London: lon"
	echo "    dig @127.0.0.1 -p 5353 $QS_NAME A +short +subnet=214.78.120.0/22  # San Diego: sfo"
	echo "    dig @127.0.0.1 -p 5353 $QS_NAME A +short +subnet=214.0.1.0/24     # Melbourne: syd"
	echo "    curl -s '127.0.0.1:8053/v1/explain?name=$QS_NAME&client=214.0.1.0/24'"
fi
echo "Play through the edge DNS picked for a London client:"
echo "    ffprobe -v error -show_entries stream=codec_type,codec_name \\"
echo "        rtmp://\$(dig @127.0.0.1 -p 5353 $QS_NAME A +short +subnet=81.2.69.160/27 | head -n 1)/live/test"
echo "    ffplay rtmp://127.0.1.1/live/test            # with a display"
echo "Edges: curl -s 127.0.1.1:8081/v1/load; curl -s 127.0.1.1:8081/metrics"
echo "    build/ctl/gslbctl -k $QS/state.secret drain http://127.0.1.2:8081"
echo "        # lon-2 leaves DNS at once, then exits; see gslbctl status"
echo "    kill \$(pgrep -f 'gslb-edge -f -c .*sfo-1')    # sfo-1 dies: out of DNS in ~1 s"
echo "Probe: curl -s 127.0.0.1:8090/v1/status; curl -s 127.0.0.1:8090/metrics"
echo "dnsd: curl -s 127.0.0.1:8053/v1/status; curl -s 127.0.0.1:8053/metrics"
echo "Ctrl-C stops everything."
echo
wait
