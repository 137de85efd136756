#!/usr/bin/env bash
# 009_gslb_state: gslb-dnsd follows the probes' state feed
# (doc/state-protocol.md), served here by tests/tools/statefeed.
#
#   - an edge that goes down in the feed is gone from the answers well
#     under a second later (statefeed SIGHUP, then a signed POST /v1/set);
#   - draining and full edges are not handed out, full counts as loaded;
#   - with select: hash, an edge loaded past hash_bound times its site's
#     load loses its clients to the next edge, and gets them back;
#   - site load past spill_high sends a share (load - low) / (1 - low) of
#     the answers to the next site, more as the load rises, still some
#     between the two marks on the way down, none once under spill_low,
#     and none again on the way up until spill_high (hysteresis);
#   - a dnsd with the wrong secret rejects the feed, counts it, and keeps
#     answering as if there were no feed;
#   - admin overrides on a dnsd with a secret must be signed, once;
#   - two dnsd sharing one secret and one feed both follow it without
#     errors (each request must be unique, or the probe sees a replay);
#   - with statefeed stopped, entries expire after valid_for, keep their
#     last state stale_keep seconds, then follow stale_then: "down" on
#     instance A (answers move to sto), "up" on instance B (a down edge
#     comes back); the stale edges and the feed's age show in /metrics.
. "$(dirname "$0")/../lib.sh"
test_init
need_dnsd
need_tool openssl

STATEFEED=$top_builddir/tests/tools/statefeed
need_built "$DNSCOUNT" "$STATEFEED"

VALID_FOR=2  # seconds a feed entry stays valid (statefeed republishes every 1 s)
STALE_KEEP=3 # seconds an expired entry keeps its state

# Two statefeeds serve the same state file: A (and C, whose secret is
# wrong) read the first, B the second, so that A and B never ask one
# statefeed the same question; D joins B for the shared-secret check only.
alloc_ports 10
SF_PORT=${PORTS[0]} SF2_PORT=${PORTS[1]}
A_PORT=${PORTS[2]} A_CONTROL=127.0.0.1:${PORTS[3]}
B_PORT=${PORTS[4]} B_CONTROL=127.0.0.1:${PORTS[5]}
C_PORT=${PORTS[6]} C_CONTROL=127.0.0.1:${PORTS[7]}
D_PORT=${PORTS[8]} D_CONTROL=127.0.0.1:${PORTS[9]}
cp "$TEST_SRC/topology.yaml" "$TEST_SRC/stream.example.zone" "$T/"
(
	umask 077
	printf '%s\n' 0123456789abcdef0123456789abcdef >"$T/secret"
	printf '%s\n' fedcba9876543210fedcba9876543210 >"$T/wrong-secret"
)

# write_state LON1-STATE LON1-PLAYERS LON2-STATE LON2-PLAYERS: the state
# statefeed serves (sto-1 is not in it: unknown, which answers as up).
write_state()
{
	printf '{"probe":"probe-test","valid_for":%d,"edges":[%s,%s]}\n' "$VALID_FOR" \
		"{\"name\":\"lon-1\",\"state\":\"$1\",\"players\":$2}" \
		"{\"name\":\"lon-2\",\"state\":\"$3\",\"players\":$4}" >"$T/state.tmp"
	mv "$T/state.tmp" "$T/state.json"
}

# sign TIME METHOD PATH [BODYFILE]: the X-Gslb-Signature for that request.
sign()
{
	{
		printf '%s\n%s\n%s\n' "$1" "$2" "$3"
		cat "${4:-/dev/null}"
	} | openssl dgst -sha256 -hmac "$(head -n 1 "$T/secret")" | awk '{ print $NF }'
}

# http_post HOST:PORT PATH BODYFILE [HEADER...]: POST; the HTTP status goes
# to stdout, the reply body to $T/reply.json.
http_post()
{
	local hp=$1 path=$2 file=$3 fd reply h hdrs=() raw=''
	shift 3
	if command -v curl >/dev/null 2>&1; then
		for h in "$@"; do
			hdrs+=(-H "$h")
		done
		curl -s -o "$T/reply.json" -w '%{http_code}\n' --max-time 5 \
			-H 'Content-Type: application/json' "${hdrs[@]}" \
			--data-binary @"$file" "http://$hp$path"
		return
	fi
	for h in "$@"; do
		raw+="$h"$'\r\n'
	done
	exec {fd}<>"/dev/tcp/${hp%:*}/${hp##*:}" || return 1
	printf 'POST %s HTTP/1.0\r\nHost: %s\r\nContent-Type: application/json\r\n%sContent-Length: %s\r\n\r\n' \
		"$path" "$hp" "$raw" "$(wc -c <"$file")" >&"$fd"
	cat "$file" >&"$fd"
	reply=$(timeout 5 cat <&"$fd")
	exec {fd}>&-
	sed '1,/^\r\{0,1\}$/d' <<<"$reply" >"$T/reply.json"
	sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' <<<"$reply"
}

# signed_post HOST:PORT PATH BODYFILE: http_post with a fresh signature.
signed_post()
{
	local t
	t=$(date +%s)
	http_post "$1" "$2" "$3" "X-Gslb-Time: $t" \
		"X-Gslb-Signature: $(sign "$t" POST "$2" "$3")"
}

# site_load_is SITE VALUE: the site's load, as a number, is VALUE.
site_load_is()
{
	awk -v a="$(metric gslb_dnsd_site_load "site=\"$1\"")" -v b="$2" \
		'BEGIN { d = a - b; exit !(d < 0.0005 && d > -0.0005) }'
}

# feed_age: gslb_dnsd_state_age_seconds of the one feed of the dnsd at
# $CONTROL (-1: never answered).
feed_age()
{
	http_get "$CONTROL" /metrics | awk '
		index($1, "gslb_dnsd_state_age_seconds{") == 1 { v = $2; found = 1 }
		END { print found ? v : "none" }'
}

# feed_age_at_least SECONDS
feed_age_at_least()
{
	awk -v a="$(feed_age)" -v b="$1" 'BEGIN { exit !(a != "none" && a + 0 >= b) }'
}

# feed_updates_at_least N: the dnsd at $CONTROL took N feed answers.
feed_updates_at_least()
{
	[ "$(metric gslb_dnsd_state_updates_total 'result="ok"')" -ge "$1" ]
}

stale_edges_is()
{
	[ "$(metric gslb_dnsd_state_stale_edges)" = "$1" ]
}

# rejected_feeds: feed answers a dnsd refused, by any counter of
# gslb_dnsd_state_* whose name or labels say rejected or signature.
rejected_feeds()
{
	http_get "$CONTROL" /metrics | awk '
		$1 ~ /^gslb_dnsd_state_/ && $1 ~ /reject|signature/ { n += $2 }
		END { print n + 0 }'
}

# count OUT PORT N: count_answers, N queries for live to the dnsd on PORT.
count()
{
	count_answers "$1" "127.0.0.1:$2" live.stream.example -n "$3" -w 16
}

now_ms()
{
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# change_and_time WHAT CHECK...: poll CHECK every 10 ms after a change
# made just before; expects it within 1 s and logs how long it took.
change_and_time()
{
	local what=$1 t0=$CHANGED_AT ms
	shift
	CHECKS=$((CHECKS + 1))
	while ! "$@"; do
		ms=$(($(now_ms) - t0))
		if [ "$ms" -ge 1000 ]; then
			check_failed "$what: not within 1000 ms"
			return
		fi
		sleep 0.01
	done
	check_passed "$what ($(($(now_ms) - t0)) ms)"
}

# publish: both statefeeds reload the state file.
publish()
{
	kill -HUP "${PID_OF[sf1]}" "${PID_OF[sf2]}"
}

# ---- Start: statefeeds, then A (stale_then down), B (up), C (wrong secret) --------

write_state up 100 up 100
for sf in sf1:$SF_PORT sf2:$SF2_PORT; do
	start_bg "${sf%:*}" "$STATEFEED" -l "127.0.0.1:${sf#*:}" -s "$T/secret" \
		-f "$T/state.json" -r 1
	wait_for 10 grep -q 'listening on' "${LOG_OF[${sf%:*}]}" ||
		fail "statefeed ${sf%:*} does not listen, see ${LOG_OF[${sf%:*}]}"
done

# start_dnsd NAME PORT CONTROL FEED-PORT SECRET-FILE STALE-THEN
start_dnsd()
{
	local name=$1 PORT=$2 CONTROL_PORT=${3##*:} SF_PORT=$4 SECRET_FILE=$5 STALE_THEN=$6
	render "$TEST_SRC/dnsd.yaml.in" "$T/$name.yaml" PORT CONTROL_PORT SF_PORT \
		SECRET_FILE STALE_KEEP STALE_THEN
	dnsd_start "$name" "$T/$name.yaml" 127.0.0.1 "$PORT"
}
start_dnsd a "$A_PORT" "$A_CONTROL" "$SF_PORT" "$T/secret" down
start_dnsd b "$B_PORT" "$B_CONTROL" "$SF2_PORT" "$T/secret" up
start_dnsd c "$C_PORT" "$C_CONTROL" "$SF_PORT" "$T/wrong-secret" down

for CONTROL in "$A_CONTROL" "$B_CONTROL"; do
	expect_within 10 "$CONTROL follows the feed" feed_age_at_least 0
done
CONTROL=$A_CONTROL

count base "$A_PORT" 1000
expect_eq "all up, load 0.1: lon's two edges only" "127.0.21.1 127.0.21.2" "$(keys base | paste -sd' ' -)"
within "all up: lon-1 about half" 400 600 "$(hits base 127.0.21.1)"

# ---- An edge down: gone from the next answers ----------------------------------------

write_state down 100 up 100
CHANGED_AT=$(now_ms)
kill -HUP "${PID_OF[sf1]}"
change_and_time "lon-1 down in the feed (SIGHUP): not usable within 1 s" usable_is lon-1 0
count down "$A_PORT" 1000
expect_eq "lon-1 down: every answer is lon-2" "127.0.21.2" "$(keys down | paste -sd' ' -)"

write_state up 100 up 100
CHANGED_AT=$(now_ms)
expect_match "POST /v1/set (signed) to statefeed" '^20[04]$' \
	"$(signed_post "127.0.0.1:$SF_PORT" /v1/set "$T/state.json")"
kill -HUP "${PID_OF[sf2]}"
change_and_time "lon-1 up again (POST /v1/set): usable within 1 s" usable_is lon-1 1
count up "$A_PORT" 1000
expect_eq "lon-1 back: both lon edges" "127.0.21.1 127.0.21.2" "$(keys up | paste -sd' ' -)"

# ---- draining and full: not handed out; full counts as fully loaded ---------------------

write_state draining 100 up 100
publish
expect_within 5 "lon-1 draining: not usable" usable_is lon-1 0
write_state full 1000 up 100
publish
expect_within 5 "lon-1 full: lon's load is (1.0 + 0.1) / 2" site_load_is lon 0.55
expect_eq "lon-1 full: not usable" 0 "$(metric gslb_dnsd_edge_usable 'edge="lon-1"')"
count full "$A_PORT" 400
expect_eq "lon-1 full: every answer is lon-2" "127.0.21.2" "$(keys full | paste -sd' ' -)"

# ---- Consistent hash with a load bound ---------------------------------------------------

# sticky_clients OUT: 200 client /24s asked twice; "INDEX SUBNET ANSWER".
sticky_clients()
{
	"$DNSCOUNT" -n 400 -w 16 -t 2000 -e 198.51.0.0/24 -V 200 -c \
		"127.0.0.1:$A_PORT" sticky.stream.example A >"$T/$1.txt" 2>&1
	expect_nomatch "sticky $1: every client got one answer, twice" ' (mixed:|lost)$' \
		"$(tail -n +2 "$T/$1.txt")"
}
write_state up 300 up 300
publish
expect_within 5 "lon even at 0.3" site_load_is lon 0.3
sticky_clients even
n1=$(awk 'NR > 1 && $3 == "127.0.21.1"' "$T/even.txt" | wc -l)
within "hash, even load: lon-1 has 30..70 % of 200 clients" 60 140 "$n1"
write_state up 700 up 100
publish
expect_within 5 "lon-1 at 0.7, lon-2 at 0.1: site 0.4, bound 0.5" site_load_is lon 0.4
sticky_clients bound
expect_eq "hash, lon-1 over its bound: every client on lon-2" "127.0.21.2" \
	"$(awk 'NR > 1 { print $3 }' "$T/bound.txt" | sort -u)"
write_state up 300 up 300
publish
expect_within 5 "lon even again" site_load_is lon 0.3
sticky_clients back
expect_eq "hash, load even again: every client back on its edge" "" \
	"$(diff <(awk 'NR > 1 { print $1, $3 }' "$T/even.txt") \
		<(awk 'NR > 1 { print $1, $3 }' "$T/back.txt"))"
write_state up 100 up 100
publish
expect_within 5 "lon back to 0.1" site_load_is lon 0.1

# ---- Wrong secret: rejected, counted, no effect -----------------------------------------

CONTROL=$C_CONTROL
expect_within 5 "wrong secret: the feed is rejected and counted" \
	eval '[ "$(rejected_feeds)" -gt 0 ]'
expect_eq "wrong secret: the feed never counts as received (age -1)" -1 \
	"$(awk -v a="$(feed_age)" 'BEGIN { print a + 0 }')"
CONTROL=$A_CONTROL
write_state down 100 up 100
publish
expect_within 5 "A sees lon-1 down" usable_is lon-1 0
CONTROL=$C_CONTROL
expect_eq "wrong secret: lon-1 still usable on C" 1 \
	"$(metric gslb_dnsd_edge_usable 'edge="lon-1"')"
count c "$C_PORT" 400
expect_eq "wrong secret: C answers with both lon edges" "127.0.21.1 127.0.21.2" "$(keys c | paste -sd' ' -)"
CONTROL=$A_CONTROL
write_state up 100 up 100
publish
expect_within 5 "A sees lon-1 up" usable_is lon-1 1

# ---- Spill-over with hysteresis --------------------------------------------------------

# spill LOAD WHAT LOW HIGH: both lon edges at LOAD % of their 1000
# players; of 4000 answers, LOW..HIGH go to sto.
SPILLS=0
spill()
{
	local b_sto n_sto out
	SPILLS=$((SPILLS + 1))
	out=spill-$SPILLS
	write_state up "$(($1 * 10))" up "$(($1 * 10))"
	publish
	expect_within 5 "lon load 0.$1 seen" site_load_is lon "0.$1"
	b_sto=$(metric 'gslb_dnsd_site_answers_total{site="sto"}')
	count "$out" "$A_PORT" 4000
	n_sto=$(hits "$out" 127.0.22.1)
	log "load 0.$1 ($2): $n_sto of 4000 to sto"
	within "load 0.$1, $2: share to sto" "$3" "$4" "$n_sto"
	expect_eq "load 0.$1, $2: sto's answers counted as received" \
		"$((b_sto + n_sto))" "$(metric 'gslb_dnsd_site_answers_total{site="sto"}')"
}
# shares +-5 points: (0.85-0.7)/0.3 = 50 %, (0.94-0.7)/0.3 = 80 %,
# (0.75-0.7)/0.3 = 16.7 %
spill 75 "rising, under spill_high" 0 0
spill 85 "past spill_high" 1800 2200
spill 94 "rising further" 3000 3400
spill 75 "falling, between the marks" 467 867
spill 65 "under spill_low" 0 0
spill 75 "rising again, under spill_high" 0 0
write_state up 100 up 100
publish
expect_within 5 "lon load back to 0.1" site_load_is lon 0.1

# ---- Admin overrides need a signature here ---------------------------------------------

printf '%s' '{"edge":"lon-2","state":"down"}' >"$T/admin.json"
expect_eq "unsigned POST /v1/admin: 401" 401 \
	"$(http_post "$A_CONTROL" /v1/admin "$T/admin.json")"
expect_eq "unsigned POST /v1/admin: lon-2 still usable" 1 \
	"$(metric gslb_dnsd_edge_usable 'edge="lon-2"')"
t=$(date +%s)
sig=$(sign "$t" POST /v1/admin "$T/admin.json")
expect_eq "signed POST /v1/admin: 200" 200 \
	"$(http_post "$A_CONTROL" /v1/admin "$T/admin.json" "X-Gslb-Time: $t" "X-Gslb-Signature: $sig")"
expect_eq "signed POST /v1/admin: lon-2 not usable" 0 \
	"$(metric gslb_dnsd_edge_usable 'edge="lon-2"')"
expect_eq "the same signed request again (a replay): 401" 401 \
	"$(http_post "$A_CONTROL" /v1/admin "$T/admin.json" "X-Gslb-Time: $t" "X-Gslb-Signature: $sig")"
printf '%s' '{"edge":"lon-2","state":"clear"}' >"$T/admin.json"
expect_eq "signed clear: 200" 200 "$(signed_post "$A_CONTROL" /v1/admin "$T/admin.json")"
expect_eq "cleared: lon-2 usable" 1 "$(metric gslb_dnsd_edge_usable 'edge="lon-2"')"

for CONTROL in "$A_CONTROL" "$B_CONTROL"; do
	expect_eq "$CONTROL, alone on its feed: no feed request failed" 0 \
		"$(metric gslb_dnsd_state_updates_total 'result="error"')"
	expect_eq "$CONTROL, alone on its feed: no feed answer rejected" 0 "$(rejected_feeds)"
done

# ---- Two dnsd, one secret, one feed: both follow without errors -------------------------

# D asks the second statefeed, like B, with the same secret. statefeed
# publishes every second, so both ask for each new generation at once:
# if their requests are alike, the second is refused as a replay.
start_dnsd d "$D_PORT" "$D_CONTROL" "$SF2_PORT" "$T/secret" up
CONTROL=$D_CONTROL
expect_within 15 "D took 5 feed answers" feed_updates_at_least 5
for CONTROL in "$B_CONTROL" "$D_CONTROL"; do
	expect_eq "$CONTROL, sharing a feed and a secret: no feed request failed" 0 \
		"$(metric gslb_dnsd_state_updates_total 'result="error"')"
done
expect_eq "the statefeed they share refused no request" 0 \
	"$(grep -c 'refused' "${LOG_OF[sf2]}")"
stop d 5
CONTROL=$A_CONTROL

# ---- Stale: statefeed stops ---------------------------------------------------------------

write_state up 100 down 100
publish
for CONTROL in "$A_CONTROL" "$B_CONTROL"; do
	# B may still be backing off after the shared-secret check.
	expect_within 10 "$CONTROL: lon-2 down before the feed stops" usable_is lon-2 0
done
CONTROL=$A_CONTROL
stop sf1 5
stop sf2 5
STOPPED_AT=$SECONDS
expect_within $((VALID_FOR + 3)) "A: lon-1 and lon-2 stale after valid_for" stale_edges_is 2
expect_eq "A: stale lon-1 keeps its state (up) for stale_keep" 1 \
	"$(metric gslb_dnsd_edge_usable 'edge="lon-1"')"
expect_within $((VALID_FOR + STALE_KEEP + 3)) "A: after stale_keep, lon-1 follows stale_then (down)" \
	usable_is lon-1 0
expect_ge "A: not before valid_for + stale_keep (s)" $((VALID_FOR + STALE_KEEP - 1)) \
	$((SECONDS - STOPPED_AT))
count stale-a "$A_PORT" 500
expect_eq "A: lon all down: every answer from sto" "127.0.22.1" "$(keys stale-a | paste -sd' ' -)"
expect_eq "A: still two stale edges" 2 "$(metric gslb_dnsd_state_stale_edges)"
expect_within 3 "A: the feed's age shows the outage" feed_age_at_least $((VALID_FOR + STALE_KEEP))
CONTROL=$B_CONTROL
expect_within 3 "B: after stale_keep, lon-2 follows stale_then (up)" usable_is lon-2 1
expect_eq "B: lon-1 up too" 1 "$(metric gslb_dnsd_edge_usable 'edge="lon-1"')"
expect_eq "B: two stale edges" 2 "$(metric gslb_dnsd_state_stale_edges)"
count stale-b "$B_PORT" 500
expect_eq "B: both lon edges answer again" "127.0.21.1 127.0.21.2" "$(keys stale-b | paste -sd' ' -)"

for name in a b c; do
	stop "$name" 5
	expect_eq "$name: SIGTERM exit status 0" 0 "$STOP_STATUS"
done
test_done
