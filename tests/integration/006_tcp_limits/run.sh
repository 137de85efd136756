#!/usr/bin/env bash
# 006_tcp_limits: TCP clients are bounded in time and number, and one
# connection carries many queries.
#
# Instance "idle" (tcp_idle_timeout 1): a silent client, a client that
# stops after one answer and a client stuck in the middle of a message are
# all closed after about a second and counted; queries pipelined in one
# write are all answered, and so is a query split across two writes.
# Instance "max" (tcp_max_clients 4): with four clients connected a fifth
# gets no service and is counted, UDP still works, and once a client
# leaves TCP works again.
. "$(dirname "$0")/../lib.sh"
test_init
need_dnsd

alloc_ports 4
PORT=${PORTS[0]} CONTROL_PORT=${PORTS[1]} PORT2=${PORTS[2]} CONTROL_PORT2=${PORTS[3]}
cp "$TEST_SRC/tcp.test.zone" "$T/"
render "$TEST_SRC/idle.yaml.in" "$T/idle.yaml" PORT CONTROL_PORT
render "$TEST_SRC/maxclients.yaml.in" "$T/maxclients.yaml" PORT2 CONTROL_PORT2
dnsd_start idle "$T/idle.yaml" 127.0.0.1 "$PORT"
dnsd_start max "$T/maxclients.yaml" 127.0.0.1 "$PORT2"

# now_ms: wall-clock milliseconds, for measuring how long a close took.
now_ms()
{
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# timed CMD...: run CMD; its output goes to OUT and its duration to MS.
timed()
{
	local t0
	t0=$(now_ms)
	OUT=$("$@")
	MS=$(($(now_ms) - t0))
}

Q=$(dns_query_hex 4660 0x100 www.tcp.test A)
QLEN=$(printf '%04x' $((${#Q} / 2)))

# ---- Idle timeout -------------------------------------------------------------

CONTROL=127.0.0.1:$CONTROL_PORT
S=127.0.0.1:$PORT
before=$(metric gslb_dnsd_tcp_timeouts_total)

timed "$DNSRAW" --tcp-raw --timeout 5000 "$S" ""
expect_eq "silent client is closed" closed "$OUT"
expect_ge "silent client: not before the timeout (ms)" 900 "$MS"
expect_ge "silent client: closed within 3 s (3000 - ms)" 0 "$((3000 - MS))"

timed "$DNSRAW" --tcp-raw --timeout 5000 "$S" "$QLEN $Q"
expect_match "answered, then closed when idle" \
	'^rcode=NOERROR flags=qr,aa,rd id=4660 qd=1 an=1 ns=0 ar=0 *$' "$(head -n 1 <<<"$OUT")"
expect_eq "answered client: closed afterwards" closed "$(sed -n 2p <<<"$OUT")"
expect_ge "answered client: closed within 3 s (3000 - ms)" 0 "$((3000 - MS))"

timed "$DNSRAW" --tcp-raw --timeout 5000 "$S" "0040 $Q"
expect_eq "client stuck mid-message is closed" closed "$OUT"
expect_ge "stuck client: closed within 3 s (3000 - ms)" 0 "$((3000 - MS))"

expect_ge "idle timeouts counted" "$((before + 3))" "$(metric gslb_dnsd_tcp_timeouts_total)"

# ---- Pipelining -------------------------------------------------------------------

pkts='' ids=''
for i in $(seq 1 20); do
	id=$((4000 + i))
	case $((i % 4)) in
	0) p=$(dns_query_hex "$id" 0x100 giant.tcp.test TXT) ;;
	1) p=$(dns_query_hex "$id" 0x100 www.tcp.test A) ;;
	2) p=$(dns_query_hex "$id" 0x100 nothere.tcp.test A 1 1232) ;;
	3) p=$(dns_query_hex "$id" 0x100 www.tcp.test MX) ;;
	esac
	pkts+=${pkts:+,}$p
	ids+="$id "
done
OUT=$("$DNSRAW" --tcp --timeout 2000 "$S" "$pkts")
expect_eq "20 pipelined queries: 20 answers" 20 "$(grep -c '^rcode=' <<<"$OUT")"
expect_eq "pipelined: every id answered once" "$(tr ' ' '\n' <<<"$ids" | sed '/^$/d' | sort)" \
	"$(sed -n 's/.* id=\([0-9]*\) .*/\1/p' <<<"$OUT" | sort)"
expect_eq "pipelined: giant TXT complete (30 records) x5" 5 "$(grep -c ' an=30 ' <<<"$OUT")"
expect_eq "pipelined: NXDOMAIN x5" 5 "$(grep -c '^rcode=NXDOMAIN' <<<"$OUT")"

# A query written in two pieces, 200 ms apart (a slow client, not a wait).
exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
half=$((${#Q} / 2 + 4))
printf '%b' "$(sed 's/../\\x&/g' <<<"$QLEN${Q:0:half - 4}")" >&"$fd"
sleep 0.2
printf '%b' "$(sed 's/../\\x&/g' <<<"${Q:half - 4}")" >&"$fd"
reply=$(timeout 5 cat <&"$fd" | od -An -tx1 | tr -d ' \n')
exec {fd}>&-
expect_eq "split query: answered with its id" 1234 "${reply:4:4}"
expect_eq "split query: NOERROR, flags qr aa rd" 8500 "${reply:8:4}"

# ---- Client limit --------------------------------------------------------------------

CONTROL=127.0.0.1:$CONTROL_PORT2
S2=127.0.0.1:$PORT2
before_rej=$(metric gslb_dnsd_tcp_rejected_total)
held=()
for i in 1 2 3 4; do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT2" || fail "cannot connect client $i"
	held+=("$fd")
done
clients_are()
{
	[ "$(metric gslb_dnsd_tcp_clients)" = "$1" ]
}
expect_within 5 "four clients connected" clients_are 4
expect_match "fifth client gets no answer" '^(closed|no response)$' \
	"$("$DNSRAW" --tcp --timeout 1000 "$S2" "$Q")"
expect_ge "fifth client counted as rejected" "$((before_rej + 1))" \
	"$(metric gslb_dnsd_tcp_rejected_total)"
expect_match "UDP still answered while TCP is full" '^rcode=NOERROR' \
	"$("$DNSRAW" "$S2" "$Q")"
expect_eq "still four clients" 4 "$(metric gslb_dnsd_tcp_clients)"

fd=${held[0]}
exec {fd}>&-
expect_within 5 "a client left" clients_are 3
expect_match "TCP answered again with a free slot" '^rcode=NOERROR flags=qr,aa,rd id=4660' \
	"$("$DNSRAW" --tcp --timeout 2000 "$S2" "$Q")"
for fd in "${held[@]:1}"; do
	exec {fd}>&-
done

for name in idle max; do
	stop "$name" 5
	expect_eq "$name: SIGTERM exit status 0" 0 "$STOP_STATUS"
done
test_done
