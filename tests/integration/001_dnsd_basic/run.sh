#!/usr/bin/env bash
# 001_dnsd_basic: gslb-dnsd answers common clients on IPv4 and IPv6, over
# UDP and TCP, and its counters follow.
#
# dig, kdig and drill each ask queries.txt over UDP and TCP; every answer,
# normalized by norm_reply, must equal expected/answers.txt (what NSD 4.6
# answers for basic.test.zone). Then: a truncated UDP answer retried over
# TCP by dig and kdig and asked with +tcp directly, several queries on one
# TCP connection, the pidfile, and exact metric deltas for a known batch.
# kdig and drill are optional: without them their part is left out.
. "$(dirname "$0")/../lib.sh"
test_init
need_tool dig
need_dnsd

alloc_dnsd_ports
ADDRS=(127.0.0.1)
LISTEN_V6=
if have_ipv6; then
	ADDRS+=(::1)
	LISTEN_V6="  - \"[::1]:$PORT\""
else
	log "no IPv6 on loopback: IPv4 only"
fi
cp "$TEST_SRC/basic.test.zone" "$T/"
render "$TEST_SRC/dnsd.yaml.in" "$T/dnsd.yaml" PORT CONTROL_PORT LISTEN_V6 T
dnsd_start dnsd "$T/dnsd.yaml" 127.0.0.1 "$PORT"
for a in "${ADDRS[@]:1}"; do
	wait_dns dnsd "$a" "$PORT"
done

expect_eq "pidfile holds the daemon's PID" "${PID_OF[dnsd]}" \
	"$(cat "$T/gslb-dnsd.pid" 2>/dev/null)"

# ask TOOL PROTO ADDR NAME TYPE: one query, its output on stdout.
ask()
{
	local tool=$1 proto=$2 addr=$3 name=$4 type=$5 tcp=()
	case $tool in
	dig)
		[ "$proto" = tcp ] && tcp=(+tcp)
		dig @"$addr" -p "$PORT" +time=2 +tries=1 "${tcp[@]}" "$name" "$type"
		;;
	kdig)
		[ "$proto" = tcp ] && tcp=(+tcp)
		kdig @"$addr" -p "$PORT" +time=2 +retry=0 "${tcp[@]}" "$name" "$type"
		;;
	drill)
		[ "$proto" = tcp ] && tcp=(-t)
		drill "${tcp[@]}" -p "$PORT" "$name" @"$addr" "$type"
		;;
	esac 2>&1
}

# ---- Answers: every tool, transport and address --------------------------

TOOLS=(dig)
for tool in kdig drill; do
	if command -v "$tool" >/dev/null 2>&1; then
		TOOLS+=("$tool")
	else
		log "$tool not installed: leaving out its checks"
	fi
done
for tool in "${TOOLS[@]}"; do
	for addr in "${ADDRS[@]}"; do
		for proto in udp tcp; do
			got=$(while read -r name type; do
				printf '%s %s: %s\n' "$name" "$type" \
					"$(ask "$tool" "$proto" "$addr" "$name" "$type" | norm_reply)"
			done <"$TEST_SRC/queries.txt")
			expect_golden "$tool $proto $addr" answers.txt "$got"
		done
	done
done

# ---- Truncation: UDP says TC, TCP gives everything -------------------------

before_tc=$(metric gslb_dnsd_truncated_total)
out=$(q 127.0.0.1 "$PORT" +ignore big.basic.test TXT)
expect_match "UDP answer of big TXT is truncated" '^qr aa tc rd$' "$(dig_flags "$out")"
expect_match "truncated answer is empty" 'ANSWER: 0,' "$out"
out=$(q 127.0.0.1 "$PORT" big.basic.test TXT)
expect_match "dig retries over TCP after TC" 'Truncated, retrying in TCP mode' "$out"
expect_match "dig gets all 10 TXT over TCP" 'ANSWER: 10,' "$out"
expect_match "dig's final answer came over TCP" '^;; SERVER: .*\(TCP\)' "$out"
out=$(q 127.0.0.1 "$PORT" +tcp big.basic.test TXT)
expect_match "dig +tcp gets all 10 TXT" 'ANSWER: 10,' "$out"
expect_nomatch "dig +tcp is not truncated" 'Truncated' "$out"
n_tc=2
if command -v kdig >/dev/null 2>&1; then
	out=$(kdig @127.0.0.1 -p "$PORT" +time=2 +retry=0 big.basic.test TXT 2>&1)
	expect_match "kdig retries over TCP after TC" 'truncated reply.*retrying over TCP' "$out"
	expect_match "kdig gets all 10 TXT over TCP" 'ANSWER: 10;' "$out"
	n_tc=3
fi
expect_eq "truncated answers counted" "$((before_tc + n_tc))" \
	"$(metric gslb_dnsd_truncated_total)"

# ---- Several queries on one TCP connection ----------------------------------

before_conn=$(metric gslb_dnsd_tcp_connections_total)
out=$(q 127.0.0.1 "$PORT" +tcp +keepopen www.basic.test A mail.basic.test A nothere.basic.test A)
expect_eq "dig +keepopen: three answers" 3 "$(grep -c 'status: ' <<<"$out")"
expect_eq "dig +keepopen: one connection" "$((before_conn + 1))" \
	"$(metric gslb_dnsd_tcp_connections_total)"
if command -v kdig >/dev/null 2>&1; then
	out=$(kdig @127.0.0.1 -p "$PORT" +tcp +keepopen +time=2 +retry=0 \
		www.basic.test A www.basic.test AAAA basic.test MX nothere.basic.test A 2>&1)
	expect_eq "kdig +keepopen: four answers" 4 "$(grep -c 'status: ' <<<"$out")"
	expect_eq "kdig +keepopen: one more connection" "$((before_conn + 2))" \
		"$(metric gslb_dnsd_tcp_connections_total)"
fi

# ---- Exact counter deltas for a known batch ---------------------------------

m_udp='gslb_dnsd_queries_total{transport="udp"}'
m_tcp='gslb_dnsd_queries_total{transport="tcp"}'
m_noerror='gslb_dnsd_responses_total{rcode="NOERROR"}'
m_nxdomain='gslb_dnsd_responses_total{rcode="NXDOMAIN"}'
m_refused='gslb_dnsd_responses_total{rcode="REFUSED"}'
m_conn=gslb_dnsd_tcp_connections_total
m_qa='gslb_dnsd_queries_by_type_total{qtype="A"}'
m_qmx='gslb_dnsd_queries_by_type_total{qtype="MX"}'
m_qaaaa='gslb_dnsd_queries_by_type_total{qtype="AAAA"}'
declare -A before
for m in m_udp m_tcp m_noerror m_nxdomain m_refused m_conn m_qa m_qmx m_qaaaa; do
	before[$m]=$(metric "${!m}")
done
q 127.0.0.1 "$PORT" www.basic.test A >/dev/null          # udp NOERROR
q 127.0.0.1 "$PORT" nothere.basic.test A >/dev/null      # udp NXDOMAIN
q 127.0.0.1 "$PORT" www.basic.test MX >/dev/null         # udp NOERROR (NODATA)
q 127.0.0.1 "$PORT" www.example.invalid A >/dev/null     # udp REFUSED
q 127.0.0.1 "$PORT" +tcp nothere.basic.test A >/dev/null # tcp NXDOMAIN
q 127.0.0.1 "$PORT" +tcp www.basic.test AAAA >/dev/null  # tcp NOERROR
expect_eq "UDP queries counted" "$((before[m_udp] + 4))" "$(metric "$m_udp")"
expect_eq "A queries counted" "$((before[m_qa] + 4))" "$(metric "$m_qa")"
expect_eq "MX queries counted" "$((before[m_qmx] + 1))" "$(metric "$m_qmx")"
expect_eq "AAAA queries counted" "$((before[m_qaaaa] + 1))" "$(metric "$m_qaaaa")"
expect_eq "TCP queries counted" "$((before[m_tcp] + 2))" "$(metric "$m_tcp")"
expect_eq "NOERROR responses counted" "$((before[m_noerror] + 3))" "$(metric "$m_noerror")"
expect_eq "NXDOMAIN responses counted" "$((before[m_nxdomain] + 2))" "$(metric "$m_nxdomain")"
expect_eq "REFUSED responses counted" "$((before[m_refused] + 1))" "$(metric "$m_refused")"
expect_eq "TCP connections counted" "$((before[m_conn] + 2))" "$(metric "$m_conn")"
expect_match "zone serial exported" '^2024010101$' \
	"$(metric 'gslb_dnsd_zone_serial{zone="basic.test"}')"

# ---- Clean stop -------------------------------------------------------------

stop dnsd 5
expect_eq "SIGTERM: exit status 0" 0 "$STOP_STATUS"
test_done
