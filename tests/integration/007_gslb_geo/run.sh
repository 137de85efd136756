#!/usr/bin/env bash
# 007_gslb_geo: gslb-dnsd answers a pool's name with the edge of the site
# that suits the client's location, and echoes an ECS scope that covers
# exactly the clients the same answer is right for.
#
# Five sites (topology.yaml) near cities of MaxMind's test database
# (shared/geoip/README.md). Clients are located:
#   - by the EDNS Client Subnet of the query: every line of
#     queries-ecs.txt, asked with dig and kdig over UDP, must give the
#     answer and scope of expected/ecs.txt: GeoIP and the nearest site,
#     the first site with an address of the right family, unknown
#     locations (maps.default), the CIDR, country and continent maps, and
#     scope 0 where the answer does not depend on the client;
#   - by the source address when there is no ECS option, or its SOURCE
#     PREFIX-LENGTH is 0: a second gslb-dnsd runs in a network namespace
#     of our own whose loopback carries the test clients' addresses, and
#     dig -b asks from each of them.
# Also: TCP and ANY with ECS, no ECS echoed without one, malformed ECS
# options answered FORMERR (dnsraw), /v1/explain naming the site, and the
# ECS and pool counters.
#
# The network namespace needs root (CAP_SYS_ADMIN); without it that part
# is left out with a message.
. "$(dirname "$0")/../lib.sh"
test_init
need_tool dig
need_dnsd

# GSLB_TEST_GEOIP: the directory of MaxMind's test databases (configure
# --with-test-geoip; default shared/geoip beside the source tree).
GEOIP=${GSLB_TEST_GEOIP:-$top_srcdir/../shared/geoip}/GeoIP2-City-Test.mmdb
[ -r "$GEOIP" ] || fail "no GeoIP test database at $GEOIP (configure --with-test-geoip=DIR)"

alloc_ports 4
PORT=${PORTS[0]} CONTROL_PORT=${PORTS[1]} NS_PORT=${PORTS[2]} NS_CONTROL_PORT=${PORTS[3]}
CONTROL=127.0.0.1:$CONTROL_PORT
cp "$TEST_SRC/topology.yaml" "$TEST_SRC/stream.example.zone" "$T/"

LISTEN=127.0.0.1:$PORT
LISTEN_V6=
have_ipv6 && LISTEN_V6="  - \"[::1]:$PORT\""
CONTROL_ADDR=$CONTROL
render "$TEST_SRC/dnsd.yaml.in" "$T/dnsd.yaml" LISTEN LISTEN_V6 GEOIP CONTROL_ADDR
dnsd_start dnsd "$T/dnsd.yaml" 127.0.0.1 "$PORT"

# ecs_answer TOOL NAME CLIENT TYPE: one UDP query for NAME.stream.example
# with ECS CLIENT, as "RCODE ADDRESSES scope=N" (addresses sorted, comma
# separated; "none" for no address or no ECS option in the reply).
ecs_answer()
{
	local tool=$1 name=$2.stream.example client=$3 type=$4 out st addrs scope
	case $tool in
	dig)
		out=$(q 127.0.0.1 "$PORT" +norec +subnet="$client" "$name" "$type")
		;;
	kdig)
		out=$(kdig @127.0.0.1 -p "$PORT" +time=2 +retry=0 +norec \
			+subnet="$client" "$name" "$type" 2>&1)
		;;
	esac
	reply_summary "$out"
}

# reply_summary DIG-OR-KDIG-OUTPUT: "RCODE ADDRESSES scope=N".
reply_summary()
{
	local st addrs scope
	st=$(sed -n 's/.*\(status\|rcode\): \([A-Z0-9]*\).*/\2/p' <<<"$1" | head -n 1)
	addrs=$(dig_section ANSWER "$1" |
		awk '$4 == "A" || $4 == "AAAA" { print $5 }' | sort | paste -sd, -)
	scope=$(sed -n 's|^;;* CLIENT-SUBNET: [^ ]*/\([0-9]*\)$|\1|p' <<<"$1")
	printf '%s %s scope=%s\n' "${st:-none}" "${addrs:-none}" "${scope:-none}"
}

# ---- ECS: every query of queries-ecs.txt, with dig and kdig ---------------

TOOLS=(dig)
if command -v kdig >/dev/null 2>&1; then
	TOOLS+=(kdig)
else
	log "kdig not installed: leaving out its checks"
fi
n_ecs=0
before_ecs=$(metric gslb_dnsd_ecs_total)
for tool in "${TOOLS[@]}"; do
	got=$(sed 's/#.*//' "$TEST_SRC/queries-ecs.txt" | while read -r name client type; do
		[ -n "$name" ] || continue
		printf '%s %s %s: %s\n' "$name" "$client" "$type" \
			"$(ecs_answer "$tool" "$name" "$client" "$type")"
	done)
	expect_golden "ECS answers and scopes, $tool" ecs.txt "$got"
	n_ecs=$((n_ecs + $(grep -c . <<<"$got")))
done
expect_eq "queries with ECS counted" "$((before_ecs + n_ecs))" \
	"$(metric gslb_dnsd_ecs_total)"

# ---- ECS over TCP, ANY, without ECS ---------------------------------------

out=$(q 127.0.0.1 "$PORT" +tcp +norec +subnet=89.160.20.128/25 live.stream.example A)
expect_eq "TCP with ECS: Linköping gets sto, scope 25" "NOERROR 127.0.2.1 scope=25" \
	"$(reply_summary "$out")"
out=$(q 127.0.0.1 "$PORT" +norec +subnet=175.16.199.0/24 live.stream.example ANY)
expect_eq "ANY with ECS: the A RRset of tyo (RFC 8482)" "NOERROR 127.0.4.1 scope=24" \
	"$(reply_summary "$out")"
out=$(q 127.0.0.1 "$PORT" +norec live.stream.example A)
expect_nomatch "no ECS in the query: none in the reply" 'CLIENT-SUBNET' "$out"
expect_eq "no ECS: 127.0.0.1 is nowhere, maps.default gives syd" "NOERROR 127.0.5.1 scope=none" \
	"$(reply_summary "$out")"
out=$(q 127.0.0.1 "$PORT" +norec +noedns live.stream.example A)
expect_eq "no EDNS at all: syd" "NOERROR 127.0.5.1 scope=none" "$(reply_summary "$out")"
out=$(q 127.0.0.1 "$PORT" +norec +subnet=0.0.0.0/0 live.stream.example A)
# RFC 7871 7.1.2: SOURCE PREFIX-LENGTH 0 asks us not to use the client's
# address; the resolver's own (127.0.0.1) decides, and the answer is not
# tailored to the option's (empty) subnet, so SCOPE must be 0.
expect_eq "ECS source 0: located by the source address, scope 0" \
	"NOERROR 127.0.5.1 scope=0" "$(reply_summary "$out")"
out=$(q 127.0.0.1 "$PORT" +norec +subnet=::/0 live.stream.example AAAA)
expect_eq "ECS source 0 (IPv6 family): scope 0" "NOERROR fd00::4:1 scope=0" \
	"$(reply_summary "$out")"

# ---- Malformed ECS: FORMERR ---------------------------------------------------

# ecs_query_hex ID OPTIONS-HEX: a query for live.stream.example A with an
# OPT record carrying OPTIONS-HEX (whole options: code, length, data).
ecs_query_hex()
{
	local opts=${2// /}
	printf '%04x%04x%04x%04x%04x%04x' "$1" 0 1 0 0 1
	dns_hex_name live.stream.example
	printf '%04x%04x' 1 1
	printf '00%04x%04x%08x%04x%s\n' 41 1232 0 $((${#opts} / 2)) "$opts"
}

before_formerr=$(metric 'gslb_dnsd_responses_total{rcode="FORMERR"}')
n_bad=0
while IFS='|' read -r what opts; do
	[ -n "$what" ] || continue
	n_bad=$((n_bad + 1))
	expect_match "malformed ECS, $what: FORMERR" "^rcode=FORMERR .*id=$((7000 + n_bad)) " \
		"$("$DNSRAW" "127.0.0.1:$PORT" "$(ecs_query_hex $((7000 + n_bad)) "$opts")")"
done <<'EOF'
family 3|0008 0007 0003 18 00 0a1400
IPv4 source 33|0008 0009 0001 21 00 0a14000000
IPv6 source 129|0008 0015 0002 81 00 20010218000000000000000000000000 00
scope not 0 in a query|0008 0007 0001 18 10 0a1400
address longer than the prefix|0008 0008 0001 18 00 0a140000
address shorter than the prefix|0008 0006 0001 18 00 0a14
bits set past the prefix|0008 0007 0001 17 00 0a1401
two ECS options|0008 0007 0001 18 00 0a1400 0008 0007 0001 18 00 0b1400
option shorter than its header|0008 0003 0001 18
option length past the OPT data|0008 0010 0001 18 00 0a1400
EOF
expect_match "well-formed ECS through dnsraw: answered" '^rcode=NOERROR flags=qr,aa id=7100 qd=1 an=1 ' \
	"$("$DNSRAW" "127.0.0.1:$PORT" "$(ecs_query_hex 7100 '0008 0007 0001 18 00 0a1e00')")"
expect_ge "FORMERR answers counted" "$((before_formerr + n_bad))" \
	"$(metric 'gslb_dnsd_responses_total{rcode="FORMERR"}')"

# ---- /v1/explain --------------------------------------------------------------

explain()
{
	http_get "$CONTROL" "/v1/explain?name=$1&client=$2&type=$3"
}
out=$(explain live.stream.example 2.2.3.0/24 A)
printf '%s\n' "--- explain 2.2.3.0/24" "$out" >>"$T/explain.log"
expect_match "explain 2.2.3.0/24: the CIDR map's site tyo" '\<tyo\>' "$out"
expect_match "explain 2.2.3.0/24: the edge tyo-1" '\<tyo-1\>' "$out"
out=$(explain live.stream.example 89.160.20.128/25 AAAA)
printf '%s\n' "--- explain 89.160.20.128/25 AAAA" "$out" >>"$T/explain.log"
expect_match "explain Linköping AAAA: sto is considered" '\<sto\>' "$out"
expect_match "explain Linköping AAAA: lon-1 is chosen" '\<lon-1\>' "$out"
out=$(explain live.stream.example 214.0.1.1 A)
printf '%s\n' "--- explain 214.0.1.1" "$out" >>"$T/explain.log"
expect_match "explain a Melbourne address: syd" '\<syd-1\>' "$out"
expect_nomatch "explain a Melbourne address: no other edge" '\<(lon|sto|sfo|tyo)-1\>' "$out"

# ---- Counters -----------------------------------------------------------------

m_pool='gslb_dnsd_pool_answers_total{pool="live.stream.example"}'
m_lon='gslb_dnsd_site_answers_total{site="lon"}'
m_sto='gslb_dnsd_edge_answers_total{edge="sto-1",site="sto"}'
b_pool=$(metric "$m_pool") b_lon=$(metric "$m_lon") b_sto=$(metric "$m_sto")
for c in 81.2.69.160/27 2a02:cfc0::/29 89.160.20.128/25; do
	q 127.0.0.1 "$PORT" +subnet="$c" live.stream.example A >/dev/null
done
q 127.0.0.1 "$PORT" +subnet=89.160.20.128/25 lon-only.stream.example A >/dev/null
expect_eq "pool answers counted" "$((b_pool + 3))" "$(metric "$m_pool")"
expect_eq "site answers counted (lon: 2 + lon-only 1)" "$((b_lon + 3))" "$(metric "$m_lon")"
expect_eq "edge answers counted (sto-1)" "$((b_sto + 1))" "$(metric "$m_sto")"

# ---- Without ECS: the source address, in a network namespace ------------------

NS=gslb-itest-007-$$
NS_MADE=0

# netns_cleanup STATUS: stop what runs in our namespace, remove it, then
# the harness's own cleanup (which exits with STATUS).
netns_cleanup()
{
	local rc=$1 pid
	if [ "$NS_MADE" = 1 ]; then
		[ -n "${PID_OF[ns]:-}" ] && is_running ns && stop ns 5
		for pid in $(ip netns pids "$NS" 2>/dev/null); do
			stop_pid "$pid" 5
		done
		ip netns delete "$NS" 2>/dev/null ||
			printf '%s\n' "[$TEST_BASENAME] could not delete netns $NS" >&2
	fi
	harness_cleanup "$rc"
}
trap 'netns_cleanup $?' EXIT

# in_ns CMD...: run CMD inside the namespace.
in_ns()
{
	ip netns exec "$NS" "$@"
}

# ns_q ADDR SOURCE DIG-ARGS...: one dig query from SOURCE inside the namespace.
ns_q()
{
	local addr=$1 src=$2
	shift 2
	in_ns dig @"$addr" -p "$NS_PORT" -b "$src" +time=2 +tries=1 +norec "$@" 2>&1
}

# ns_answers: the namespace's gslb-dnsd answers over UDP.
ns_answers()
{
	in_ns "$DNSRAW" --timeout 200 "127.0.0.1:$NS_PORT" "$(dns_query_hex 4242 0 . SOA)" |
		grep -q '^rcode='
}

V4_CLIENTS="81.2.69.161 89.160.20.129 214.78.120.1 175.16.199.1 214.0.0.1
	214.0.1.1 202.196.224.1 2.2.3.1 10.20.30.40 1.1.1.1 2.3.3.1"
V6_CLIENTS="2001:218::1 2001:480:10::1 2a02:cfc0::1 2a02:e700::1"
if ! ip netns add "$NS" 2>"$T/netns.err"; then
	log "cannot create a network namespace ($(head -n 1 "$T/netns.err")): leaving out the source-address checks"
else
	NS_MADE=1
	in_ns ip link set lo up || fail "netns $NS: lo does not come up"
	for a in $V4_CLIENTS; do
		in_ns ip addr add "$a/32" dev lo || fail "netns $NS: cannot add $a"
	done
	NS_V6=0
	if in_ns ip -6 addr show dev lo | grep -q '::1/128'; then
		NS_V6=1
		for a in $V6_CLIENTS; do
			in_ns ip addr add "$a/128" dev lo nodad || fail "netns $NS: cannot add $a"
		done
	else
		log "no IPv6 in the namespace: IPv4 clients only"
	fi
	LISTEN=127.0.0.1:$NS_PORT
	LISTEN_V6=
	[ "$NS_V6" = 1 ] && LISTEN_V6="  - \"[::1]:$NS_PORT\""
	CONTROL_ADDR=127.0.0.1:$NS_CONTROL_PORT
	render "$TEST_SRC/dnsd.yaml.in" "$T/ns.yaml" LISTEN LISTEN_V6 GEOIP CONTROL_ADDR
	start_bg ns ip netns exec "$NS" "$DNSD" -f -c "$T/ns.yaml"
	wait_for 10 ns_answers || fail "gslb-dnsd in netns $NS does not answer, see ${LOG_OF[ns]}"

	got=$(while read -r src type; do
		printf '%s %s: %s\n' "$src" "$type" \
			"$(reply_summary "$(ns_q 127.0.0.1 "$src" live.stream.example "$type")")"
	done <<-EOF
	81.2.69.161 A
	81.2.69.161 AAAA
	89.160.20.129 A
	89.160.20.129 AAAA
	214.78.120.1 A
	175.16.199.1 A
	214.0.0.1 A
	214.0.1.1 A
	202.196.224.1 A
	2.2.3.1 A
	10.20.30.40 A
	1.1.1.1 A
	2.3.3.1 A
	127.0.0.1 A
	EOF
	)
	expect_golden "source address locates the client (IPv4)" source-v4.txt "$got"
	if [ "$NS_V6" = 1 ]; then
		got=$(for src in $V6_CLIENTS; do
			for type in A AAAA; do
				printf '%s %s: %s\n' "$src" "$type" \
					"$(reply_summary "$(ns_q ::1 "$src" live.stream.example "$type")")"
			done
		done)
		expect_golden "source address locates the client (IPv6)" source-v6.txt "$got"
	fi
	# ECS still beats the source address; source 0 does not.
	out=$(ns_q 127.0.0.1 81.2.69.161 +subnet=175.16.199.0/24 live.stream.example A)
	expect_eq "netns: ECS beats the source address" "NOERROR 127.0.4.1 scope=24" \
		"$(reply_summary "$out")"
	out=$(ns_q 127.0.0.1 81.2.69.161 +subnet=0.0.0.0/0 live.stream.example A)
	expect_eq "netns: ECS source 0 leaves it to the source address, scope 0" \
		"NOERROR 127.0.1.1 scope=0" "$(reply_summary "$out")"
	out=$(in_ns dig @127.0.0.1 -p "$NS_PORT" -b 89.160.20.129 +tcp +time=2 +tries=1 \
		+norec live.stream.example A 2>&1)
	expect_eq "netns: over TCP the source address locates too" "NOERROR 127.0.2.1 scope=none" \
		"$(reply_summary "$out")"
	# lib.sh's http_get (curl, or bash's /dev/tcp), inside the namespace.
	body=$(in_ns bash -c "$(declare -f http_get); http_get $CONTROL_ADDR /metrics")
	expect_match "netns: the ECS option seen exactly twice" '^gslb_dnsd_ecs_total 2$' "$body"

	stop ns 5
	expect_eq "netns gslb-dnsd: SIGTERM exit status 0" 0 "$STOP_STATUS"
fi

stop dnsd 5
expect_eq "SIGTERM: exit status 0" 0 "$STOP_STATUS"
test_done
