#!/bin/sh
# Install what building and testing rtmp-gslb needs, on Debian 12.
#
# Idempotent and quiet when everything is there: it only runs apt-get
# (update, then install) when a package is missing. Distro packages of the
# peers we test against (nsd, gdnsd on port 53; nginx, the RTMP origin, on
# port 80) would start system services; they are installed without
# starting and, if running as services, stopped and disabled. Our tests
# start their own instances on loopback.
#
# RTMP: nginx (not nginx-light, which in Debian 12 is a metapackage that
# adds an HTTP module on top of nginx) is the least that loads
# libnginx-mod-rtmp; ffmpeg and rtmpdump are the publisher and players;
# curl and jq read the daemons' HTTP pages in tests. unbound is the
# recursive resolver in front of gslb-dnsd in the whole-cluster tests.
set -eu

PKGS="build-essential autoconf automake pkg-config clang clang-format
libclang-rt-14-dev libevent-dev libldns-dev libc-ares-dev libmaxminddb-dev
libcmocka-dev libcyaml-dev libyaml-dev libjansson-dev libssl-dev dnsutils
knot-dnsutils ldnsutils nsd gdnsd dnsperf mmdb-bin iproute2 procps
nginx libnginx-mod-rtmp ffmpeg rtmpdump curl jq unbound openssl"
SERVICES="nsd gdnsd nginx unbound"
POLICY=/usr/sbin/policy-rc.d

if ! command -v dpkg-query >/dev/null 2>&1 ||
    ! command -v apt-get >/dev/null 2>&1; then
	echo "deps.sh: needs Debian (dpkg, apt-get); install by hand:" >&2
	echo "$PKGS" >&2
	exit 1
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi

is_installed()
{
	case "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" in
	ii*) return 0 ;;
	*) return 1 ;;
	esac
}

missing=
for p in $PKGS; do
	is_installed "$p" || missing="$missing $p"
done

if [ -n "$missing" ]; then
	echo "deps.sh: installing:$missing"
	if [ -n "$SUDO" ] && ! command -v sudo >/dev/null 2>&1; then
		echo "deps.sh: not root and no sudo; run as root" >&2
		exit 1
	fi
	log=$(mktemp)
	own_policy=0
	cleanup()
	{
		if [ "$own_policy" = 1 ]; then
			$SUDO rm -f "$POLICY"
		fi
		rm -f "$log"
	}
	trap cleanup EXIT
	trap 'exit 1' INT TERM
	# No service may start during the install (exit 101: "not allowed").
	if [ ! -e "$POLICY" ]; then
		printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
		$SUDO chmod 755 "$POLICY"
		own_policy=1
	fi
	if ! $SUDO env DEBIAN_FRONTEND=noninteractive \
	    apt-get update -q >"$log" 2>&1 ||
	    ! $SUDO env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -q --no-install-recommends $missing \
	    >>"$log" 2>&1; then
		tail -n 40 "$log" >&2
		echo "deps.sh: apt-get failed" >&2
		exit 1
	fi
	echo "deps.sh: installed:$missing"
fi

# ---- No distro DNS or web server left running as a service ----

if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	for s in $SERVICES; do
		is_installed "$s" || continue
		if systemctl is-enabled --quiet "$s" 2>/dev/null ||
		    systemctl is-active --quiet "$s" 2>/dev/null; then
			$SUDO systemctl disable --now --quiet "$s" || true
			echo "deps.sh: stopped and disabled the $s service"
		fi
	done
else
	# No systemd: nsd and nginx ship SysV scripts. Look at the pid file
	# of the system instance only, never at other nsd or nginx processes
	# (tests run their own).
	if is_installed nsd && [ -x /etc/init.d/nsd ]; then
		pidfile=$(nsd-checkconf -o pidfile /etc/nsd/nsd.conf \
		    2>/dev/null || echo /run/nsd/nsd.pid)
		if [ -s "$pidfile" ] &&
		    kill -0 "$(cat "$pidfile")" 2>/dev/null; then
			$SUDO /etc/init.d/nsd stop >/dev/null 2>&1 || true
			echo "deps.sh: stopped the nsd service"
		fi
		if ls /etc/rc[2-5].d/S*nsd >/dev/null 2>&1; then
			$SUDO update-rc.d nsd disable >/dev/null 2>&1 || true
			echo "deps.sh: disabled the nsd service at boot"
		fi
	fi
	if is_installed nginx && [ -x /etc/init.d/nginx ]; then
		if [ -s /run/nginx.pid ] &&
		    kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
			$SUDO /etc/init.d/nginx stop >/dev/null 2>&1 || true
			echo "deps.sh: stopped the nginx service"
		fi
		if ls /etc/rc[2-5].d/S*nginx >/dev/null 2>&1; then
			$SUDO update-rc.d nginx disable >/dev/null 2>&1 || true
			echo "deps.sh: disabled the nginx service at boot"
		fi
	fi
fi
exit 0
