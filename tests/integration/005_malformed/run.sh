#!/usr/bin/env bash
# 005_malformed: gslb-dnsd reacts to malformed and unusual queries exactly
# like NSD 4.6 (same rcode, flags, counts and EDNS; same silence; same TCP
# connection handling), keeps serving afterwards, and counts what it
# dropped and refused.
#
# Each case of cases.txt goes through dnsraw to NSD (when installed) and to
# gslb-dnsd. Without NSD the reference is expected/nsd.txt, recorded from
# NSD 4.6.1; with NSD a difference between NSD and that recording is only
# reported, since the live NSD is the reference. allow.txt lists cases that
# may differ. GSLB_TEST_DIFF_SELF=1 puts a second NSD in gslb-dnsd's place.
. "$(dirname "$0")/../lib.sh"
test_init

alloc_ports 3
NSD_PORT=${PORTS[0]} PORT=${PORTS[1]} CONTROL_PORT=${PORTS[2]}
CONTROL=127.0.0.1:$CONTROL_PORT
cp "$TEST_SRC/example.test.zone" "$T/"

if command -v nsd >/dev/null 2>&1; then
	nsd_start nsd "$NSD_PORT" "$T" example.test:example.test.zone
	HAVE_NSD=1
else
	log "nsd not installed: the reference is expected/nsd.txt"
	HAVE_NSD=0
fi
if [ "${GSLB_TEST_DIFF_SELF:-0}" = 1 ]; then
	PEER=nsd2
	nsd_start "$PEER" "$PORT" "$T" example.test:example.test.zone
else
	PEER=dnsd
	render "$TEST_SRC/dnsd.yaml.in" "$T/dnsd.yaml" PORT CONTROL_PORT
	dnsd_start "$PEER" "$T/dnsd.yaml" 127.0.0.1 "$PORT"
	before_formerr=$(metric 'gslb_dnsd_responses_total{rcode="FORMERR"}')
	before_notimp=$(metric 'gslb_dnsd_responses_total{rcode="NOTIMP"}')
	before_short=$(metric 'gslb_dnsd_dropped_total{reason="short"}')
	before_response=$(metric 'gslb_dnsd_dropped_total{reason="response"}')
fi

# run_case ADDR MODE HEX: dnsraw's replies on one line, ' ; '-separated.
run_case()
{
	local opts=()
	case $2 in
	udp) opts=(--timeout 500) ;;
	tcp) opts=(--tcp --timeout 1000) ;;
	tcp-raw) opts=(--tcp-raw --timeout 1000) ;;
	tcp-shut) opts=(--tcp-raw --shut --timeout 1000) ;;
	*) harness_error "unknown mode $2" ;;
	esac
	"$DNSRAW" "${opts[@]}" "$1" "$3" | sed ':a;N;$!ba;s/\n/ ; /g'
}

# Run every case against one server; "name: replies" lines to stdout.
run_all()
{
	local name mode hex
	while IFS='|' read -r name mode hex; do
		name=${name//[[:space:]]/} mode=${mode//[[:space:]]/}
		case $name in '' | '#'*) continue ;; esac
		printf '%s: %s\n' "$name" "$(run_case "$1" "$mode" "$hex")"
	done <"$TEST_SRC/cases.txt"
}

run_all "127.0.0.1:$PORT" >"$T/peer.txt"
if [ "$HAVE_NSD" = 1 ]; then
	run_all "127.0.0.1:$NSD_PORT" >"$T/nsd.txt"
	if ! diff -u "$TEST_SRC/expected/nsd.txt" "$T/nsd.txt" >"$T/nsd-vs-recorded.diff"; then
		log "note: this NSD differs from the recording in expected/nsd.txt:"
		cat "$T/nsd-vs-recorded.diff"
	fi
	REF=$T/nsd.txt
else
	REF=$TEST_SRC/expected/nsd.txt
fi

# Compare case by case.
while IFS= read -r line; do
	name=${line%%: *}
	want=${line#*: }
	got=$(grep -F -m1 "$name: " "$T/peer.txt" | sed 's/^[^:]*: //')
	if [ "$want" != "$got" ] && grep -q "^${name}[[:space:]]" "$TEST_SRC/allow.txt"; then
		log "allowed: $name: NSD [$want], $PEER [$got]"
		continue
	fi
	expect_eq "$name" "$want" "$got"
done <"$REF"

# Still serving, over UDP and TCP.
Q=$(dns_query_hex 4321 0x100 www.example.test A)
expect_match "UDP query after the abuse" '^rcode=NOERROR flags=qr,aa,rd id=4321 qd=1 an=1' \
	"$("$DNSRAW" "127.0.0.1:$PORT" "$Q")"
expect_match "TCP query after the abuse" '^rcode=NOERROR flags=qr,aa,rd id=4321 qd=1 an=1' \
	"$("$DNSRAW" --tcp "127.0.0.1:$PORT" "$Q")"
expect_eq "$PEER still running" yes "$(is_running "$PEER" && echo yes)"

if [ "$PEER" = dnsd ]; then
	# Counters moved by at least what the reference says happened.
	n_formerr=$(grep -o 'rcode=FORMERR' "$REF" | wc -l)
	n_notimp=$(grep -o 'rcode=NOTIMP' "$REF" | wc -l)
	n_short=$(grep -c '^short-[0-9]*: no response' "$REF")
	n_response=$(grep -c '^qr-set[a-z-]*: no response' "$REF")
	expect_ge "FORMERR responses counted" "$((before_formerr + n_formerr))" \
		"$(metric 'gslb_dnsd_responses_total{rcode="FORMERR"}')"
	expect_ge "NOTIMP responses counted" "$((before_notimp + n_notimp))" \
		"$(metric 'gslb_dnsd_responses_total{rcode="NOTIMP"}')"
	expect_ge "short packets dropped" "$((before_short + n_short))" \
		"$(metric 'gslb_dnsd_dropped_total{reason="short"}')"
	expect_ge "responses dropped" "$((before_response + n_response))" \
		"$(metric 'gslb_dnsd_dropped_total{reason="response"}')"
fi
test_done
