#!/usr/bin/env bash
# 008_gslb_select: how gslb-dnsd picks edges inside a site, how many it
# gives, what a pool answers when all its edges are down, and the
# counters that show it.
#
# dnscount sends thousands of queries (a bounded window in flight) and
# counts the answers:
#   weighted    weights 1:3 give 25 % / 75 % of 10000 answers, +-2.5 points
#               (over 5 standard deviations: a wrong split fails, luck not)
#   roundrobin  3000 answers, 1000 to each edge whatever its weight
#   hash        1000 client /24s (ECS): each keeps its edge, hosts of one
#               /24 share it, the ten edges get 5..15 % each; one edge
#               down (POST /v1/admin, then admin.yaml + SIGHUP) moves its
#               own clients and nobody else, and back up they return
#   answers: 2  two distinct edges each time; across sites when the first
#               has one edge
#   all_down    fail-open (every edge of the pool), fallback (the other
#               pool's answer), servfail; set by site and edge overrides
# Counter deltas are checked against what dnscount received.
. "$(dirname "$0")/../lib.sh"
test_init
need_dnsd

need_built "$DNSCOUNT"

alloc_dnsd_ports
S=127.0.0.1:$PORT
cp "$TEST_SRC/topology.yaml" "$TEST_SRC/stream.example.zone" "$T/"
printf 'overrides: []\n' >"$T/admin.yaml"
render "$TEST_SRC/dnsd.yaml.in" "$T/dnsd.yaml" PORT CONTROL_PORT
dnsd_start dnsd "$T/dnsd.yaml" 127.0.0.1 "$PORT"

# count OUT NAME [DNSCOUNT-ARGS...]: count_answers for NAME.stream.example.
count()
{
	local out=$1 name=$2
	shift 2
	count_answers "$out" "$S" "$name.stream.example" "$@"
}

# admin_post JSON: POST /v1/admin; the HTTP status goes to stdout.
admin_post()
{
	local host=${CONTROL%:*} port=${CONTROL##*:} fd reply
	if command -v curl >/dev/null 2>&1; then
		curl -s -o "$T/admin-reply.json" -w '%{http_code}\n' --max-time 5 \
			-H 'Content-Type: application/json' --data-binary "$1" \
			"http://$CONTROL/v1/admin"
		return
	fi
	exec {fd}<>"/dev/tcp/$host/$port" || return 1
	printf 'POST /v1/admin HTTP/1.0\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n%s' \
		"$CONTROL" "${#1}" "$1" >&"$fd"
	reply=$(timeout 5 cat <&"$fd")
	exec {fd}>&-
	sed '1,/^\r\{0,1\}$/d' <<<"$reply" >"$T/admin-reply.json"
	sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' <<<"$reply"
}

# ---- weighted: 1:3 --------------------------------------------------------------

m_w='gslb_dnsd_pool_answers_total{pool="w.stream.example"}'
b_w=$(metric "$m_w")
b_wa1=$(metric gslb_dnsd_edge_answers_total 'edge="wa-1"')
b_wa2=$(metric gslb_dnsd_edge_answers_total 'edge="wa-2"')
b_site=$(metric 'gslb_dnsd_site_answers_total{site="wa"}')
b_ecs=$(metric gslb_dnsd_ecs_total)
count weighted w -n 10000 -w 32 -e 198.51.100.0/24 -S
expect_eq "weighted: only wa-1 and wa-2, ECS scope 0 (one site)" \
	"127.0.10.1;scope=0 127.0.10.2;scope=0" "$(keys weighted | paste -sd' ' -)"
n1=$(hits weighted '127.0.10.1;scope=0')
n2=$(hits weighted '127.0.10.2;scope=0')
log "weighted: wa-1 $n1, wa-2 $n2 of 10000"
within "weighted: wa-1 (weight 100) gets 25 % +- 2.5" 2250 2750 "$n1"
within "weighted: wa-2 (weight 300) gets 75 % +- 2.5" 7250 7750 "$n2"
expect_eq "pool answers counted" "$((b_w + 10000))" "$(metric "$m_w")"
expect_eq "site answers counted" "$((b_site + 10000))" \
	"$(metric 'gslb_dnsd_site_answers_total{site="wa"}')"
expect_eq "wa-1 answers counted as received" "$((b_wa1 + n1))" \
	"$(metric gslb_dnsd_edge_answers_total 'edge="wa-1"')"
expect_eq "wa-2 answers counted as received" "$((b_wa2 + n2))" \
	"$(metric gslb_dnsd_edge_answers_total 'edge="wa-2"')"
expect_eq "ECS queries counted" "$((b_ecs + 10000))" "$(metric gslb_dnsd_ecs_total)"
# Counters count from the start: a reload that changes nothing must not
# set them back to 0 (Prometheus would read a restart).
b_w=$(metric "$m_w")
b_wa1=$(metric gslb_dnsd_edge_answers_total 'edge="wa-1"')
b_site=$(metric 'gslb_dnsd_site_answers_total{site="wa"}')
hup_and_wait dnsd
expect_eq "pool answers survive a reload" "$b_w" "$(metric "$m_w")"
expect_eq "site answers survive a reload" "$b_site" \
	"$(metric 'gslb_dnsd_site_answers_total{site="wa"}')"
expect_eq "edge answers survive a reload" "$b_wa1" \
	"$(metric gslb_dnsd_edge_answers_total 'edge="wa-1"')"

# ---- round robin: even, weights ignored -------------------------------------------

count rr rr -n 3000 -w 8
for e in 1 2 3; do
	within "roundrobin: rr-$e gets a third of 3000" 990 1010 "$(hits rr 127.0.11.$e)"
done
expect_eq "roundrobin: nothing else" 3 "$(keys rr | wc -l)"

# ---- answers: 2 -----------------------------------------------------------------------

count two two -n 3000
expect_nomatch "answers: 2: every answer has two addresses" '^[^,]*$' "$(keys two)"
expect_nomatch "answers: 2: never the same edge twice" '^([^,]*),\1$' "$(keys two)"
expect_eq "answers: 2: all three pairs of tw occur" \
	"127.0.13.1,127.0.13.2 127.0.13.1,127.0.13.3 127.0.13.2,127.0.13.3" \
	"$(keys two | paste -sd' ' -)"
count two-sites two-sites -n 1000
expect_eq "answers: 2 across sites: solo-1 and an edge of the next site" \
	"127.0.10.1,127.0.14.1 127.0.10.2,127.0.14.1" "$(keys two-sites | paste -sd' ' -)"

# ---- hash: sticky, and an edge leaving moves only its own clients ----------------------

# clients OUT ECS [-s BITS]: 1000 clients (subnets stepping at /24 from
# ECS), each asked twice; $T/OUT.txt has "INDEX SUBNET ANSWER" lines.
clients()
{
	local out=$1 ecs=$2
	shift 2
	count "$out" h -n 2000 -w 32 -e "$ecs" -V 1000 -c "$@"
	expect_nomatch "hash, $out: each client got one answer both times" ' (mixed:|lost)' \
		"$(tail -n +2 "$T/$out.txt")"
}

# answers OUT: "INDEX ANSWER" of a clients file.
answers()
{
	awk 'NR > 1 { print $1, $3 }' "$T/$1.txt"
}

# moved A B: how many clients answer differently in A and B.
moved()
{
	join <(answers "$1" | sort) <(answers "$2" | sort) | awk '$2 != $3' | wc -l
}

clients h1 203.0.0.0/24
for i in 0 1 2 3 4 5 6 7 8 9; do
	within "hash: h-$i gets 5..15 % of 1000 clients" 50 150 \
		"$(answers h1 | awk -v a="127.0.12.1$i" '$2 == a' | wc -l)"
done
out=$("$DNSCOUNT" -n 4 -e 203.0.7.0/24 -S "$S" h.stream.example A)
expect_match "hash: ECS scope is the hashed /24" ';scope=24 4$' "$out"
out=$("$DNSCOUNT" -n 4 -e 203.0.7.77/32 -S "$S" h.stream.example A)
expect_match "hash: a /32 gets scope 24 too" ';scope=24 4$' "$out"
clients h1-hosts 203.0.0.77/32 -s 24
expect_eq "hash: every host of a /24 gets that /24's edge" 0 "$(moved h1 h1-hosts)"

# h-3 down by POST /v1/admin.
n_h3=$(answers h1 | awk '$2 == "127.0.12.13"' | wc -l)
expect_eq "POST /v1/admin h-3 down: 200" 200 "$(admin_post '{"edge":"h-3","state":"down"}')"
expect_match "the override table lists h-3 down" '"edge": *"h-3", *"state": *"down"' \
	"$(cat "$T/admin-reply.json")"
expect_within 5 "h-3 not usable" usable_is h-3 0
clients h2 203.0.0.0/24
expect_eq "h-3 down: its $n_h3 clients moved, nobody else" "$n_h3" "$(moved h1 h2)"
expect_eq "h-3 down: nobody gets h-3" 0 "$(answers h2 | awk '$2 == "127.0.12.13"' | wc -l)"
expect_eq "h-3 down: every client that kept its edge had not h-3" 0 \
	"$(join <(answers h1 | sort) <(answers h2 | sort) | awk '$2 == $3 && $2 == "127.0.12.13"' | wc -l)"
expect_eq "POST /v1/admin h-3 clear: 200" 200 "$(admin_post '{"edge":"h-3","state":"clear"}')"
expect_within 5 "h-3 usable again" usable_is h-3 1
clients h3 203.0.0.0/24
expect_eq "h-3 back: every client has its first edge again" 0 "$(moved h1 h3)"

# h-7 down by admin.yaml and SIGHUP.
n_h7=$(answers h1 | awk '$2 == "127.0.12.17"' | wc -l)
printf 'overrides:\n  - edge: h-7\n    state: down\n' >"$T/admin.yaml"
hup_and_wait dnsd
expect_within 5 "admin.yaml: h-7 not usable" usable_is h-7 0
clients h4 203.0.0.0/24
expect_eq "admin.yaml h-7 down: its $n_h7 clients moved, nobody else" "$n_h7" "$(moved h1 h4)"
printf 'overrides: []\n' >"$T/admin.yaml"
hup_and_wait dnsd
expect_within 5 "admin.yaml emptied: h-7 usable" usable_is h-7 1
clients h5 203.0.0.0/24
expect_eq "h-7 back: every client has its first edge again" 0 "$(moved h1 h5)"

# ---- all down --------------------------------------------------------------------------

m_fo='gslb_dnsd_pool_failopen_total{pool="fo.stream.example"}'
m_sf='gslb_dnsd_pool_servfail_total{pool="sf.stream.example"}'
b_fo=$(metric "$m_fo") b_sf=$(metric "$m_sf")
count fo-up fo -n 200
expect_eq "fail-open pool, all up: one edge per answer" "127.0.15.1 127.0.15.2" \
	"$(keys fo-up | paste -sd' ' -)"
printf '%s\n' 'overrides:' \
	'  - { site: fo, state: draining }' \
	'  - { edge: fb-1, state: down }' \
	'  - { edge: sf-1, state: down }' >"$T/admin.yaml"
hup_and_wait dnsd
expect_within 5 "fo-1 draining: not usable" usable_is fo-1 0
expect_within 5 "sf-1 down: not usable" usable_is sf-1 0
count fo-down fo -n 100
expect_eq "fail-open: every edge of the pool" "127.0.15.1,127.0.15.2 100" \
	"$(tail -n +2 "$T/fo-down.txt")"
expect_eq "fail-open answers counted" "$((b_fo + 100))" "$(metric "$m_fo")"
count fb-down fb -n 400
expect_eq "fallback: the fallback pool's edges" "127.0.10.1 127.0.10.2" \
	"$(keys fb-down | paste -sd' ' -)"
count sf-down sf -n 100
expect_eq "servfail: SERVFAIL" "rcode=SERVFAIL 100" "$(tail -n +2 "$T/sf-down.txt")"
expect_eq "SERVFAIL answers counted" "$((b_sf + 100))" "$(metric "$m_sf")"
expect_eq "fail-open counter unmoved by fallback and servfail" "$((b_fo + 100))" \
	"$(metric "$m_fo")"
# An edge's own override beats its site's.
expect_eq "POST /v1/admin fo-2 up: 200" 200 "$(admin_post '{"edge":"fo-2","state":"up"}')"
expect_within 5 "fo-2 up beats site fo draining" usable_is fo-2 1
count fo-one fo -n 100
expect_eq "fo-2 up, fo-1 draining: only fo-2" "127.0.15.2 100" "$(tail -n +2 "$T/fo-one.txt")"
expect_eq "POST /v1/admin fo-2 clear: 200" 200 "$(admin_post '{"edge":"fo-2","state":"clear"}')"
printf 'overrides: []\n' >"$T/admin.yaml"
hup_and_wait dnsd
expect_within 5 "overrides gone: sf-1 usable" usable_is sf-1 1
count fb-up fb -n 100
expect_eq "fallback pool's own edge back" "127.0.16.1 100" "$(tail -n +2 "$T/fb-up.txt")"

# ---- admin requests that are wrong change nothing ----------------------------------------

expect_eq "POST /v1/admin unknown edge: 404" 404 "$(admin_post '{"edge":"nope","state":"down"}')"
expect_eq "POST /v1/admin bad state: 400" 400 "$(admin_post '{"edge":"h-1","state":"broken"}')"
expect_eq "POST /v1/admin not JSON: 400" 400 "$(admin_post 'edge=h-1')"
expect_eq "h-1 still usable" 1 "$(metric gslb_dnsd_edge_usable 'edge="h-1"')"

stop dnsd 5
expect_eq "SIGTERM: exit status 0" 0 "$STOP_STATUS"
test_done
