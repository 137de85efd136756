#!/bin/sh
# Try rtmp-gslb on this machine: install what is missing, build in build/,
# and run gslb-dnsd in the foreground on 127.0.0.1:5353 with the example
# config and zone. Stop it with Ctrl-C.
set -eu

cd "$(dirname "$0")/.."
CONF=doc/examples/quickstart-dnsd.yaml
# What to ask the running server (from another terminal).
QS_NAME=${QS_NAME:-live.stream.example}

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

# The config, with the GeoIP test database when shared/ is beside the
# repository (a production setup points geoip at a GeoLite2 City file).
QS=build/quickstart
mkdir -p "$QS"
GEOIP=$(cd .. && pwd)/shared/geoip/GeoIP2-City-Test.mmdb
{
	cat "$CONF"
	echo "topology: $(pwd)/doc/examples/quickstart-topology.yaml"
	[ -f "$GEOIP" ] && echo "geoip: $GEOIP"
} | sed "s|file: ../../zones/|file: $(pwd)/zones/|" >"$QS/gslb-dnsd.yaml"

echo
echo "gslb-dnsd on 127.0.0.1:5353. In another terminal, try:"
echo "    dig @127.0.0.1 -p 5353 www.stream.example AAAA +tcp"
echo "    dig @127.0.0.1 -p 5353 $QS_NAME A"
if [ -f "$GEOIP" ]; then
	echo "    dig @127.0.0.1 -p 5353 $QS_NAME A +subnet=81.2.69.160/27     # London: lon"
	echo "    dig @127.0.0.1 -p 5353 $QS_NAME A +subnet=214.78.120.0/22    # San Diego: sfo"
	echo "    dig @127.0.0.1 -p 5353 $QS_NAME A +subnet=214.0.1.0/24       # Melbourne: syd"
	echo "    curl -s '127.0.0.1:8053/v1/explain?name=$QS_NAME&client=214.0.1.0/24'"
fi
echo "    curl -s -X POST -d '{\"site\":\"lon\",\"state\":\"down\"}' 127.0.0.1:8053/v1/admin"
echo "    curl -s 127.0.0.1:8053/v1/status; curl -s 127.0.0.1:8053/metrics"
echo "Reload after editing: kill -HUP <pid>; stop with Ctrl-C."
echo
exec build/dnsd/gslb-dnsd -f -c "$QS/gslb-dnsd.yaml"
