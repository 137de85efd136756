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
if [ ! -f "$CONF" ]; then
	echo "quickstart.sh: $CONF is missing" >&2
	exit 1
fi

echo
echo "gslb-dnsd on 127.0.0.1:5353. In another terminal, try:"
echo "    dig @127.0.0.1 -p 5353 $QS_NAME A"
echo "    dig @127.0.0.1 -p 5353 www.stream.example AAAA +tcp"
echo "    curl -s http://127.0.0.1:8053/metrics"
echo "Reload the zone after editing it: kill -HUP <pid>; stop with Ctrl-C."
echo
exec build/dnsd/gslb-dnsd -f -c "$CONF"
