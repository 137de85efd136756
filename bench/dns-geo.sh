#!/usr/bin/env bash
# bench/dns-geo.sh: gslb-dnsd's geo answers against gdnsd's geoip plugin,
# and against gslb-dnsd's own static answers.
#
# Both servers serve bench/data/stream.example.zone plus one dynamic name,
# live.stream.example, answered with the address of the site nearest to
# the client: gslb-dnsd from bench/data/geo-topology.yaml (twelve sites,
# one edge each), gdnsd from a geoip plugin config the script derives from
# the same file (the sites as datacenters in the same order,
# auto_dc_coords, one IPv4 and one IPv6 address per datacenter). Both read
# MaxMind's GeoIP2-City-Test.mmdb and locate clients by EDNS Client
# Subnet.
#
# Queries: one per line of bench/data/geo-clients.txt and family (A and
# AAAA), each with that ECS subnet, written in dnsperf's binary format
# (-B, the only way to give every query its own ECS option):
#
#   geo     live.stream.example                      the dynamic answer
#   static  edge-SITE-1.stream.example (one A, one   a static answer with
#           AAAA), SITE cycling through the sites    the same ECS options
#
# Before measuring, every geo query is asked of both servers with dig and
# the answers compared. Then, for each server and query set, a max run
# (closed loop) and a rate run at RATE_PCT % of the lowest max rate, as in
# bench/dns.sh; the server runs one thread pinned to CPU 1 and dnsperf runs
# on CPU 0. CPU per answer is the server's utime+stime over the run divided
# by the answers dnsperf received.
#
# Goals (rate runs): gslb-dnsd geo <= 0.70x gdnsd geo in CPU-us per
# answer, and gslb-dnsd geo <= 1.30x gslb-dnsd static; no query lost.
#
# Environment:
#   DURATION (20), WARMUP (3), CLIENTS (4), OUTSTANDING (200), RATE_PCT
#   (80), RATE, RETRIES (2), OUTDIR (bench/out), BENCH_SERVER_CPU (1),
#   BENCH_CLIENT_CPU (0), BENCH_KEEP=1: as in bench/dns.sh
#   GSLB_DNSD   binary, default build/dnsd/gslb-dnsd in the repository
#   GEOIP       database, default ../shared/geoip/GeoIP2-City-Test.mmdb
#               beside the repository
#
# Writes a table to stdout and OUTDIR/dns-geo-YYYYMMDD-HHMM.md for
# doc/benchmarks.md. Exits 0 when both servers were measured, 1 otherwise.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$BENCH_DIR/lib.sh"

GSLB_DNSD=${GSLB_DNSD:-build/dnsd/gslb-dnsd}
GEOIP=${GEOIP:-$ROOT/../shared/geoip/GeoIP2-City-Test.mmdb}
OUTDIR=${OUTDIR:-$ROOT/bench/out}
GOAL_PEER=0.70	# gslb-dnsd geo / gdnsd geo
GOAL_STATIC=1.30	# gslb-dnsd geo / gslb-dnsd static

ZONE_NAME=stream.example
POOL=live.stream.example
ZONE=$BENCH_DIR/data/stream.example.zone
TOPOLOGY=$BENCH_DIR/data/geo-topology.yaml
CLIENT_LIST=$BENCH_DIR/data/geo-clients.txt
SERVERS="gdnsd gslb-dnsd"
LOADS="geo static"

declare -A STATUS=() PORT=() PID=()
MISMATCH=0
ASKED=0

geo_check_args()
{
	bench_check_settings
	[[ -r $ZONE && -r $TOPOLOGY && -r $CLIENT_LIST ]] ||
		bench_die "missing data under $BENCH_DIR/data"
	[[ -r $GEOIP ]] || bench_die "no GeoIP database at $GEOIP (set GEOIP)"
	GEOIP=$(cd "$(dirname "$GEOIP")" && pwd)/$(basename "$GEOIP")
	[[ $GSLB_DNSD == /* ]] || GSLB_DNSD=$ROOT/$GSLB_DNSD
	[[ -x $GSLB_DNSD ]] ||
		bench_die "no executable $GSLB_DNSD (build it or set GSLB_DNSD)"
}

# ---- Topology lines, for gdnsd ----

# geo_sites: "NAME LAT LON" per site of the topology, in file order.
geo_sites()
{
	sed -n 's/^ *- *{ *name: *\([a-z0-9-]*\), *latitude: *\([-0-9.]*\), *longitude: *\([-0-9.]*\) *}.*/\1 \2 \3/p' \
	    "$TOPOLOGY"
}

# geo_edges: "SITE IPV4 IPV6" per edge of the topology, in file order.
geo_edges()
{
	sed -n 's/^ *- *{ *name: *[^,]*, *site: *\([a-z0-9-]*\), *ipv4: *\([0-9.]*\), *ipv6: *"\([0-9a-f:]*\)" *}.*/\1 \2 \3/p' \
	    "$TOPOLOGY"
}

# ---- Queries in dnsperf's binary format ----

# geo_v6_hex ADDR: the 16 bytes of an IPv6 address as hex, into HEX.
geo_v6_hex()
{
	local a=$1 head tail g n i
	local -a h=() t=() groups=()
	if [[ $a == *::* ]]; then
		head=${a%%::*}
		tail=${a#*::}
	else
		head=$a
		tail=
	fi
	[[ -n $head ]] && IFS=: read -ra h <<<"$head"
	[[ -n $tail ]] && IFS=: read -ra t <<<"$tail"
	n=$((8 - ${#h[@]} - ${#t[@]}))
	groups=("${h[@]}")
	for ((i = 0; i < n; i++)); do
		groups+=(0)
	done
	groups+=("${t[@]}")
	HEX=
	for g in "${groups[@]}"; do
		printf -v g '%04x' "$((16#${g:-0}))"
		HEX+=$g
	done
}

# geo_name_hex NAME: NAME in wire format, as hex, into HEX.
declare -A NAME_HEX=()
geo_name_hex()
{
	local label c i
	local -a labels
	if [[ -z ${NAME_HEX[$1]:-} ]]; then
		HEX=
		IFS=. read -ra labels <<<"${1%.}"
		for label in "${labels[@]}"; do
			printf -v c '%02x' "${#label}"
			HEX+=$c
			for ((i = 0; i < ${#label}; i++)); do
				printf -v c '%02x' "'${label:i:1}"
				HEX+=$c
			done
		done
		NAME_HEX[$1]=${HEX}00
	fi
	HEX=${NAME_HEX[$1]}
}

# geo_query_hex NAME TYPE SUBNET: a query (ID 0, RD clear) with EDNS,
# payload 1232, and an ECS option for SUBNET, as one line of hex.
geo_query_hex()
{
	local name=$1 qtype=1 addr=${3%/*} len=${3#*/} fam alen opt q
	local -a o
	[[ $2 == AAAA ]] && qtype=28
	if [[ $addr == *:* ]]; then
		fam=2
		geo_v6_hex "$addr"
	else
		fam=1
		IFS=. read -ra o <<<"$addr"
		printf -v HEX '%02x%02x%02x%02x' "${o[0]}" "${o[1]}" "${o[2]}" "${o[3]}"
	fi
	alen=$(((len + 7) / 8))
	printf -v opt '0008%04x%04x%02x00%s' $((4 + alen)) "$fam" "$len" \
	    "${HEX:0:alen*2}"
	geo_name_hex "$name"
	printf -v q '%04x%04x%04x%04x%04x%04x%s%04x%04x' 0 0 1 0 0 1 "$HEX" \
	    "$qtype" 1
	# OPT: root owner, type 41, payload 1232, TTL 0, then the option
	printf '%s00%04x%04x%08x%04x%s\n' "$q" 41 1232 0 $((${#opt} / 2)) "$opt"
}

# geo_write_bin HEXFILE BINFILE: each hex line as a 2-byte length and the
# bytes (RFC 1035 4.2.2, what dnsperf -B reads).
geo_write_bin()
{
	printf '%b' "$(awk '{ printf "%04x%s", length($0) / 2, $0 }' "$1" |
	    sed 's/../\\x&/g')" >"$2"
}

# geo_make_queries: $BENCH_TMP/{geo,static}.{hex,bin}.
geo_make_queries()
{
	local subnet type i=0
	local -a sites
	mapfile -t sites < <(geo_sites | awk '{ print $1 }')
	: >"$BENCH_TMP/geo.hex"
	: >"$BENCH_TMP/static.hex"
	while read -r subnet; do
		for type in A AAAA; do
			geo_query_hex "$POOL" "$type" "$subnet" >>"$BENCH_TMP/geo.hex"
			geo_query_hex "edge-${sites[i % ${#sites[@]}]}-1.$ZONE_NAME" \
			    "$type" "$subnet" >>"$BENCH_TMP/static.hex"
		done
		i=$((i + 1))
	done < <(sed 's/#.*//; /^[[:space:]]*$/d' "$CLIENT_LIST")
	geo_write_bin "$BENCH_TMP/geo.hex" "$BENCH_TMP/geo.bin"
	geo_write_bin "$BENCH_TMP/static.hex" "$BENCH_TMP/static.bin"
	bench_log "$(wc -l <"$BENCH_TMP/geo.hex") queries per set from $i client subnets"
}

# ---- Servers: geo_setup_<name> DIR PORT fills BENCH_CMD or returns 1 ----

geo_setup_gdnsd()
{
	local dir=$1 port=$2 site lat lon v4 v6 dcs='' coords='' dcmap=''
	bench_gdnsd_conf "$dir" "$port" "$ZONE" "$ZONE_NAME"
	printf '%s\n' '; bench/dns-geo.sh: the dynamic name' \
	    "live 30 DYNA geoip!live" >>"$dir/zones/$ZONE_NAME"
	while read -r site lat lon; do
		dcs+="$site, "
		coords+="			$site => [ $lat, $lon ]"$'\n'
	done < <(geo_sites)
	while read -r site v4 v6; do
		dcmap+="			$site => { addrs_v4 => [ $v4 ], addrs_v6 => [ $v6 ] }"$'\n'
	done < <(geo_edges)
	cat >>"$dir/config" <<EOF
plugins => {
	geoip => {
		maps => {
			nearest => {
				geoip2_db => $GEOIP
				datacenters => [ ${dcs%, } ]
				auto_dc_coords => {
$coords				}
			}
		}
		resources => {
			live => {
				map => nearest
				dcmap => {
$dcmap				}
			}
		}
	}
}
EOF
	bench_gdnsd_check "$dir"
}

geo_setup_gslb-dnsd()
{
	local dir=$1 port=$2
	bench_gslb_dnsd_conf "$dir/gslb-dnsd.yaml" "$port" "$ZONE" "$ZONE_NAME" \
	    "topology: $TOPOLOGY" "geoip: $GEOIP"
	"$GSLB_DNSD" -t -c "$dir/gslb-dnsd.yaml" >"$dir/check.log" 2>&1 ||
		{ cat "$dir/check.log" >&2; return 1; }
	BENCH_CMD=("$GSLB_DNSD" -f -c "$dir/gslb-dnsd.yaml")
}

# geo_start NAME: start the server (bench_serve); PORT[NAME], PID[NAME].
geo_start()
{
	local name=$1
	if ! bench_serve "$name" "geo_setup_$name" "$ZONE_NAME"; then
		STATUS[$name]="failed: $BENCH_WHY"
		return 1
	fi
	PORT[$name]=$BENCH_PORT
	PID[$name]=$BENCH_PID
	STATUS[$name]=ok
}

# geo_answer NAME SUBNET TYPE: the addresses the server gives for the pool.
geo_answer()
{
	dig @127.0.0.1 -p "${PORT[$1]}" +time=2 +tries=1 +norec +short \
	    +subnet="$2" "$POOL" "$3" 2>&1 | sort | paste -sd, -
}

# geo_compare: ask both servers every geo query; count differences.
geo_compare()
{
	local subnet type a b
	while read -r subnet; do
		for type in A AAAA; do
			a=$(geo_answer gslb-dnsd "$subnet" "$type")
			b=$(geo_answer gdnsd "$subnet" "$type")
			ASKED=$((ASKED + 1))
			if [[ $a != "$b" || -z $a ]]; then
				MISMATCH=$((MISMATCH + 1))
				echo "$subnet $type: gslb-dnsd [$a] gdnsd [$b]"
			fi
		done
	done < <(sed 's/#.*//; /^[[:space:]]*$/d' "$CLIENT_LIST") \
	    >"$BENCH_TMP/compare.txt"
	bench_log "answers compared: $ASKED, different: $MISMATCH"
}

# geo_run NAME LOAD PHASE -- DNSPERF-ARGS: bench_measure the server with
# the LOAD queries, result in $BENCH_TMP/NAME.LOAD.PHASE.
geo_run()
{
	local name=$1 load=$2 phase=$3
	shift 4
	if ! bench_measure "$name" "$load $phase" "$BENCH_TMP/$name" \
	    "${PORT[$name]}" "$BENCH_TMP/$name.$load.$phase" \
	    -- -B -d "$BENCH_TMP/$load.bin" "$@"; then
		STATUS[$name]="failed: $BENCH_WHY"
		return 1
	fi
}

# ---- Reporting ----

# geo_table PHASE: one row per server and load.
geo_table()
{
	local s l r
	echo "| server | queries | queries/s | lost (at server) | CPU-µs/answer (user+sys) | server CPU (other) | latency ms | response bytes | response codes |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
	for s in $SERVERS; do
		for l in $LOADS; do
			r=$BENCH_TMP/$s.$l.$1
			if [[ -f $r ]]; then
				printf '| %s | %s | %s | %s | %s |\n' "$s" "$l" \
				    "$(bench_md_cells "$r")" \
				    "$(bench_get "$r" resp_bytes)" \
				    "$(bench_get "$r" rcodes)"
			else
				printf '| %s | %s | - | - | - | - | - | - | %s |\n' \
				    "$s" "$l" "${STATUS[$s]:-not run}"
			fi
		done
	done
}

# cpu NAME LOAD: CPU-µs per answer in the rate run.
cpu()
{
	bench_get "$BENCH_TMP/$1.$2.rate" cpu_us_per_answer
}

user_cpu()
{
	bench_get "$BENCH_TMP/$1.$2.rate" user_us_per_answer
}

geo_verdict()
{
	local what=$1 r=$2 goal=$3 lost=$4
	if awk -v r="$r" -v g="$goal" 'BEGIN { exit !(r != "n/a" && r <= g) }' &&
	    ((lost == 0)); then
		echo "- goal ($what ≤ $goal×, 0 lost): MET ($r×, $lost lost)"
	else
		echo "- goal ($what ≤ $goal×, 0 lost): NOT MET ($r×, $lost lost)"
	fi
}

geo_ratios()
{
	local rp rs lost=0 f
	if [[ ${STATUS[gslb-dnsd]:-} != ok || ${STATUS[gdnsd]:-} != ok ]]; then
		echo "- ratios: pending (gdnsd: ${STATUS[gdnsd]:-not run};" \
		    "gslb-dnsd: ${STATUS[gslb-dnsd]:-not run})"
		return
	fi
	for f in max rate; do
		lost=$((lost + $(bench_get "$BENCH_TMP/gslb-dnsd.geo.$f" lost)))
	done
	rp=$(bench_ratio "$(cpu gslb-dnsd geo)" "$(cpu gdnsd geo)")
	rs=$(bench_ratio "$(cpu gslb-dnsd geo)" "$(cpu gslb-dnsd static)")
	echo "- CPU-µs/answer at $RATE q/s: gslb-dnsd geo / gdnsd geo **${rp}×**;" \
	    "gslb-dnsd geo / gslb-dnsd static **${rs}×**;" \
	    "gdnsd geo / gdnsd static $(bench_ratio "$(cpu gdnsd geo)" "$(cpu gdnsd static)")×;" \
	    "gslb-dnsd static / gdnsd static $(bench_ratio "$(cpu gslb-dnsd static)" "$(cpu gdnsd static)")×"
	echo "- user-space CPU-µs/answer alone: gslb-dnsd geo" \
	    "$(bench_fmt "$(user_cpu gslb-dnsd geo)" %.2f), static" \
	    "$(bench_fmt "$(user_cpu gslb-dnsd static)" %.2f); gdnsd geo" \
	    "$(bench_fmt "$(user_cpu gdnsd geo)" %.2f), static" \
	    "$(bench_fmt "$(user_cpu gdnsd static)" %.2f)"
	echo "- max queries/s, geo: gslb-dnsd / gdnsd" \
	    "$(bench_ratio "$(bench_get "$BENCH_TMP/gslb-dnsd.geo.max" qps)" \
	    "$(bench_get "$BENCH_TMP/gdnsd.geo.max" qps)")×"
	geo_verdict "gslb-dnsd geo / gdnsd geo" "$rp" "$GOAL_PEER" "$lost"
	geo_verdict "gslb-dnsd geo / gslb-dnsd static" "$rs" "$GOAL_STATIC" "$lost"
}

geo_report()
{
	local s l ph r
	echo "### DNS geo answers, $1"
	echo
	bench_machine_md
	echo "- Versions: gdnsd $(bench_version gdnsd), dnsperf" \
	    "$(bench_version dnsperf), gslb-dnsd ${GSLB_DNSD#"$ROOT"/} (repo at" \
	    "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "no commit"))"
	echo "- Data: \`bench/data/geo-topology.yaml\` ($(geo_sites | wc -l) sites)," \
	    "\`bench/data/geo-clients.txt\` ($(sed 's/#.*//; /^[[:space:]]*$/d' \
	    "$CLIENT_LIST" | wc -l) ECS subnets, A and AAAA each)," \
	    "$(basename "$GEOIP")"
	echo "- Same answers: $((ASKED - MISMATCH)) of $ASKED geo queries" \
	    "answered alike by both servers"
	echo "- Runs: ${DURATION} s each after ${WARMUP} s warm-up;" \
	    "max = \`dnsperf -B -T 1 -c $CLIENTS -q $OUTSTANDING\` (closed loop)," \
	    "rate = same plus \`-Q $RATE\` ($BENCH_RATE_NOTE)"
	echo
	echo "Max throughput:"
	echo
	geo_table max
	echo
	echo "Fixed rate, $RATE q/s:"
	echo
	geo_table rate
	echo
	geo_ratios
	for s in $SERVERS; do
		for l in $LOADS; do
			for ph in max rate; do
				r=$BENCH_TMP/$s.$l.$ph
				[[ -f $r ]] || continue
				(($(bench_get "$r" other_util) > OTHER_MAX)) &&
					echo "- warning: other work took" \
					    "$(bench_get "$r" other_util) % of CPU" \
					    "$BENCH_SERVER_CPU during $s's $l $ph run"
				[[ $ph == rate ]] &&
					(($(bench_get "$r" qps) * 100 < RATE * 95)) &&
					echo "- warning: dnsperf reached only" \
					    "$(bench_get "$r" qps) of $RATE q/s in" \
					    "$s's $l rate run"
			done
		done
	done
	if ((MISMATCH > 0)); then
		echo "- warning: $MISMATCH geo answers differ between the servers:"
		sed 's/^/  - /' "$BENCH_TMP/compare.txt" | head -n 10
	fi
}

# ---- Main ----

main()
{
	local s l failed=0 stamp when
	local -a args

	geo_check_args
	bench_init
	bench_need dnsperf gdnsd column sed
	stamp=$(date +%Y%m%d-%H%M)
	when=$(date '+%Y-%m-%d %H:%M')

	geo_make_queries
	for s in $SERVERS; do
		geo_start "$s" || bench_die "$s: ${STATUS[$s]} (logs in $BENCH_TMP)"
	done
	geo_compare

	args=(-c "$CLIENTS" -q "$OUTSTANDING" -T 1)
	for s in $SERVERS; do
		for l in $LOADS; do
			if ! geo_run "$s" "$l" max -- "${args[@]}"; then
				failed=1
				continue 2
			fi
			bench_track_max "$BENCH_TMP/$s.$l.max" "$s $l"
		done
	done
	bench_fixed_rate || bench_die "nothing could be measured"
	for s in $SERVERS; do
		[[ ${STATUS[$s]} == ok ]] || continue
		for l in $LOADS; do
			geo_run "$s" "$l" rate -- "${args[@]}" -Q "$RATE" || {
				failed=1
				continue 2
			}
		done
	done
	for s in $SERVERS; do
		[[ -n ${PID[$s]:-} ]] && bench_stop "${PID[$s]}"
	done

	bench_publish "$OUTDIR/dns-geo-$stamp.md" geo_report "$when"
	return "$failed"
}

main "$@"
