#!/usr/bin/env bash
# bench/dns.sh: gslb-dnsd against NSD and gdnsd on one static zone.
#
# Each server in turn serves bench/data/stream.example.zone on 127.0.0.1 from
# one thread pinned to CPU 1 while dnsperf, pinned to CPU 0, replays
# bench/data/queries.txt.  Two measured runs per server:
#
#   max   closed loop (-c CLIENTS -q OUTSTANDING): queries/s and lost queries
#   rate  open loop at a fixed rate (-Q), RATE_PCT % of the lowest max-run
#         rate of this run, so every server gets the same offered load and
#         nobody is saturated: server CPU-us per answer and lost queries
#
# Before each measured run the script waits (up to 30 s) for the machine to be
# idle, and it reruns a measurement that other work disturbed.
#
# CPU per answer is the utime+stime delta of the server's whole process tree
# (/proc/PID/stat, all threads and forked children) over the dnsperf run,
# divided by the responses dnsperf received.
#
# Goal: gslb-dnsd uses <= 0.70x the CPU per answer of the better of NSD and
# gdnsd in the rate run, and loses no query in either run.
#
# Environment:
#   DURATION (20)       seconds per measured run
#   WARMUP (3)          seconds of unmeasured queries before each run
#   CLIENTS (4), OUTSTANDING (200)    dnsperf -c and -q
#   RATE_PCT (80)       fixed rate as a percentage of the lowest max rate
#   RATE                fixed rate in q/s, overrides RATE_PCT
#   SERVERS             subset and order, default "nsd gdnsd gslb-dnsd"
#   GSLB_DNSD           binary, default build/dnsd/gslb-dnsd in the repo
#   OUTDIR              markdown output directory, default bench/out
#   RETRIES (2)         reruns of a measured run when other processes took
#                       over 10 % of the server's CPU (shared machines)
#   BENCH_SERVER_CPU (1), BENCH_CLIENT_CPU (0), BENCH_KEEP=1 keeps the temp dir
#
# Writes a table to stdout and OUTDIR/dns-YYYYMMDD-HHMM.md for
# doc/benchmarks.md.  Exits 0 when every available server was measured,
# 1 when one failed to start or run.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$BENCH_DIR/lib.sh"

SERVERS=${SERVERS:-nsd gdnsd gslb-dnsd}
GSLB_DNSD=${GSLB_DNSD:-build/dnsd/gslb-dnsd}
OUTDIR=${OUTDIR:-$ROOT/bench/out}
GOAL_RATIO=0.70

ZONE_NAME=stream.example
ZONE=$BENCH_DIR/data/stream.example.zone
QUERIES=$BENCH_DIR/data/queries.txt

declare -A STATUS=()	# server -> ok | skipped: why | failed: why

dns_check_args()
{
	bench_check_settings
	[[ -r $ZONE && -r $QUERIES ]] || bench_die "missing $ZONE or $QUERIES"
	[[ $GSLB_DNSD == /* ]] || GSLB_DNSD=$ROOT/$GSLB_DNSD
}

# ---- Servers: dns_setup_<name> DIR PORT fills BENCH_CMD or returns 1 ----

dns_setup_nsd()
{
	local dir=$1 port=$2
	# RRL is compiled in on Debian with a 200 q/s default: switch it off.
	cat >"$dir/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.1@$port
	do-ip6: no
	server-count: 1
	reuseport: no
	minimal-responses: yes
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
	username: ""
	chroot: ""
	zonesdir: ""
	database: ""
	zonelistfile: "$dir/zone.list"
	xfrdfile: ""
	xfrdir: "$dir"
	pidfile: ""
	hide-version: yes
	verbosity: 0
remote-control:
	control-enable: no
zone:
	name: $ZONE_NAME
	zonefile: "$ZONE"
EOF
	nsd-checkconf "$dir/nsd.conf" >&2 || return 1
	BENCH_CMD=(nsd -d -c "$dir/nsd.conf")
}

dns_setup_gdnsd()
{
	bench_gdnsd_conf "$1" "$2" "$ZONE" "$ZONE_NAME"
	bench_gdnsd_check "$1"
}

dns_setup_gslb-dnsd()
{
	local dir=$1 port=$2
	bench_gslb_dnsd_conf "$dir/gslb-dnsd.yaml" "$port" "$ZONE" "$ZONE_NAME"
	BENCH_CMD=("$GSLB_DNSD" -f -c "$dir/gslb-dnsd.yaml")
}

# dns_available NAME: 0 if the server can run, else sets STATUS to why not.
dns_available()
{
	case $1 in
	nsd | gdnsd)
		if ! command -v "$1" >/dev/null 2>&1; then
			STATUS[$1]="skipped: $1 not installed (apt-get install $1)"
			return 1
		fi
		;;
	gslb-dnsd)
		if [[ ! -x $GSLB_DNSD ]]; then
			STATUS[$1]="skipped: no executable $GSLB_DNSD (build it or set GSLB_DNSD)"
			return 1
		fi
		;;
	*)
		bench_die "unknown server '$1' in SERVERS"
		;;
	esac
}

# dns_run NAME PHASE RES -- DNSPERF-ARGS: start, wait, warm up, measure, stop.
dns_run()
{
	local name=$1 phase=$2 res=$3 tag=$1-$2 pid ok=1
	shift 4
	if ! bench_serve "$tag" "dns_setup_$name" "$ZONE_NAME"; then
		STATUS[$name]="failed: $BENCH_WHY"
		return 1
	fi
	pid=$BENCH_PID
	bench_measure "$name" "$phase" "$BENCH_TMP/$tag" "$BENCH_PORT" "$res" \
	    -- "$@" || ok=0
	bench_stop "$pid"
	if ((!ok)); then
		STATUS[$name]="failed: $BENCH_WHY"
		return 1
	fi
	STATUS[$name]=ok
}

# ---- Reporting ----

# dns_table PHASE: markdown table rows for one phase.
dns_table()
{
	local phase=$1 s r
	echo "| server | queries/s | lost (at server) | CPU-µs/answer (user+sys) | server CPU (other) | latency ms | response codes |"
	echo "|---|---:|---:|---:|---:|---:|---|"
	for s in $SERVERS; do
		r=$BENCH_TMP/$s.$phase
		if [[ ${STATUS[$s]:-} == ok && -f $r ]]; then
			printf '| %s | %s | %s |\n' "$s" "$(bench_md_cells "$r")" \
			    "$(bench_get "$r" rcodes)"
		else
			printf '| %s | pending | - | - | - | - | %s |\n' "$s" \
			    "${STATUS[$s]:-not run}"
		fi
	done
}

# dns_ratios: ratio lines and the goal verdict, markdown bullets.
dns_ratios()
{
	local g=$BENCH_TMP/gslb-dnsd best="" bcpu="" bqps="" p cpu qps
	local gcpu gqps glost verdict
	for p in nsd gdnsd; do
		[[ ${STATUS[$p]:-} == ok ]] || continue
		cpu=$(bench_get "$BENCH_TMP/$p.rate" cpu_us_per_answer)
		qps=$(bench_get "$BENCH_TMP/$p.max" qps)
		if [[ -z $best ]] || awk -v a="$cpu" -v b="$bcpu" \
		    'BEGIN { exit !(a < b) }'; then
			best=$p
			bcpu=$cpu
		fi
		if [[ -z $bqps ]] || ((qps > bqps)); then
			bqps=$qps
		fi
	done
	if [[ -z $best ]]; then
		echo "- no peer was measured: no ratios"
		return
	fi
	echo "- better peer (lower CPU-µs/answer at the fixed rate): $best"
	if [[ ${STATUS[gslb-dnsd]:-} != ok ]]; then
		echo "- gslb-dnsd: pending (${STATUS[gslb-dnsd]:-not in SERVERS})"
		echo "- goal (CPU-µs/answer ≤ $GOAL_RATIO× $best's, 0 lost): pending"
		return
	fi
	gcpu=$(bench_get "$g.rate" cpu_us_per_answer)
	gqps=$(bench_get "$g.max" qps)
	glost=$(($(bench_get "$g.rate" lost) + $(bench_get "$g.max" lost)))
	for p in nsd gdnsd; do
		[[ ${STATUS[$p]:-} == ok ]] || continue
		echo "- gslb-dnsd / $p: CPU-µs/answer" \
		    "$(bench_ratio "$gcpu" "$(bench_get "$BENCH_TMP/$p.rate" cpu_us_per_answer)")×," \
		    "max queries/s $(bench_ratio "$gqps" "$(bench_get "$BENCH_TMP/$p.max" qps)")×"
	done
	echo "- gslb-dnsd / better peer: CPU-µs/answer $(bench_ratio "$gcpu" "$bcpu")×" \
	    "(vs $best), max queries/s $(bench_ratio "$gqps" "$bqps")× (vs the faster)"
	echo "- user-space CPU-µs/answer alone, gslb-dnsd / $best:" \
	    "$(bench_ratio "$(bench_get "$g.rate" user_us_per_answer)" \
	    "$(bench_get "$BENCH_TMP/$best.rate" user_us_per_answer)")×"
	if awk -v a="$gcpu" -v b="$bcpu" -v g="$GOAL_RATIO" \
	    'BEGIN { exit !(a <= g * b) }' && ((glost == 0)); then
		verdict=MET
	else
		verdict="NOT MET"
	fi
	echo "- goal (CPU-µs/answer ≤ $GOAL_RATIO× $best's, 0 lost): $verdict" \
	    "($(bench_ratio "$gcpu" "$bcpu")×, $glost lost)"
}

dns_versions()
{
	local s v=""
	for s in nsd gdnsd; do
		command -v "$s" >/dev/null 2>&1 && v+="$s $(bench_version "$s"), "
	done
	v+="dnsperf $(bench_version dnsperf)"
	if [[ ${STATUS[gslb-dnsd]:-} == ok ]]; then
		v+=", gslb-dnsd ${GSLB_DNSD#"$ROOT"/} (repo at $(git -C "$ROOT" \
		    describe --always --dirty 2>/dev/null || echo "no commit"))"
	fi
	echo "- Versions: $v"
}

dns_report()
{
	local when=$1
	echo "### DNS static zone, $when"
	echo
	bench_machine_md
	dns_versions
	echo "- Zone: \`bench/data/stream.example.zone\`" \
	    "($(grep -cv '^[;$[:space:]]\|^$' "$ZONE") records)," \
	    "queries: \`bench/data/queries.txt\` ($(wc -l <"$QUERIES") lines)"
	echo "- Runs: ${DURATION} s each after ${WARMUP} s warm-up;" \
	    "max = \`dnsperf -T 1 -c $CLIENTS -q $OUTSTANDING\` (closed loop)," \
	    "rate = same plus \`-Q $RATE\` ($BENCH_RATE_NOTE)"
	echo
	echo "Max throughput:"
	echo
	dns_table max
	echo
	echo "Fixed rate, $RATE q/s:"
	echo
	dns_table rate
	echo
	dns_ratios
	local s ph r sizes=""
	for s in $SERVERS; do
		[[ ${STATUS[$s]:-} == ok ]] &&
			sizes+="${sizes:+, }$s $(bench_get "$BENCH_TMP/$s.max" resp_bytes)"
	done
	echo "- mean response size, bytes: $sizes"
	for s in $SERVERS; do
		[[ ${STATUS[$s]:-} == ok ]] || continue
		if (($(bench_get "$BENCH_TMP/$s.max" cpu_util) < 90)); then
			echo "- $s used under 90 % of its CPU in the max run:" \
			    "dnsperf, not $s, set its queries/s"
		fi
		if (($(bench_get "$BENCH_TMP/$s.rate" qps) * 100 < RATE * 95))
		then
			echo "- warning: dnsperf reached only" \
			    "$(bench_get "$BENCH_TMP/$s.rate" qps) of $RATE q/s" \
			    "in $s's rate run"
		fi
		for ph in max rate; do
			r=$BENCH_TMP/$s.$ph
			(($(bench_get "$r" lost) > 0)) &&
				echo "- $s lost $(bench_get "$r" lost) queries" \
				    "in the $ph run: $(bench_get "$r" server_drops)" \
				    "dropped at its socket (receive buffer" \
				    "full); $(bench_get "$r" rcvbuf_drops) UDP" \
				    "receive-buffer drops on the machine"
			(($(bench_get "$BENCH_TMP/$s.$ph" other_util) > \
			    OTHER_MAX)) ||
				continue
			echo "- warning: other work took" \
			    "$(bench_get "$BENCH_TMP/$s.$ph" other_util) % of" \
			    "CPU $BENCH_SERVER_CPU during $s's $ph run: rerun on" \
			    "a quiet machine"
		done
	done
	if dns_rcodes_differ; then
		echo "- warning: response-code shares differ by over 0.5 points" \
		    "between servers: they do not answer the zone alike"
	fi
}

# dns_rcodes_differ: true if some response code's share differs by more than
# half a percentage point between measured servers (max runs).
dns_rcodes_differ()
{
	local s
	for s in $SERVERS; do
		[[ ${STATUS[$s]:-} == ok ]] || continue
		echo "$s $(bench_get "$BENCH_TMP/$s.max" rcodes)"
	done | awk '
	{
		n++
		for (i = 2; i < NF; i += 3) {
			v = $(i + 2)
			gsub(/[(),%]/, "", v)
			pct[$1, $i] = v
			codes[$i] = 1
		}
		srv[n] = $1
	}
	END {
		for (c in codes) {
			lo = 101; hi = -1
			for (j = 1; j <= n; j++) {
				v = pct[srv[j], c] + 0
				if (v < lo) lo = v
				if (v > hi) hi = v
			}
			if (hi - lo > 0.5)
				exit 0
		}
		exit 1
	}'
}

# ---- Main ----

main()
{
	local s run=() failed=0 when stamp args

	dns_check_args
	bench_init
	bench_need dnsperf column
	stamp=$(date +%Y%m%d-%H%M)
	when=$(date '+%Y-%m-%d %H:%M')

	for s in $SERVERS; do
		if dns_available "$s"; then
			run+=("$s")
		else
			bench_log "$s ${STATUS[$s]}"
		fi
	done
	((${#run[@]})) || bench_die "no server to benchmark"

	args=(-d "$QUERIES" -c "$CLIENTS" -q "$OUTSTANDING" -T 1)
	for s in "${run[@]}"; do
		if ! dns_run "$s" max "$BENCH_TMP/$s.max" -- "${args[@]}"; then
			bench_log "$s ${STATUS[$s]}"
			failed=1
			continue
		fi
		bench_track_max "$BENCH_TMP/$s.max" "$s"
	done
	bench_fixed_rate || bench_die "no server could be measured"
	for s in "${run[@]}"; do
		[[ ${STATUS[$s]:-} == ok ]] || continue
		if ! dns_run "$s" rate "$BENCH_TMP/$s.rate" -- "${args[@]}" \
		    -Q "$RATE"; then
			bench_log "$s ${STATUS[$s]}"
			failed=1
			rm -f "$BENCH_TMP/$s.max"
		fi
	done

	bench_publish "$OUTDIR/dns-$stamp.md" dns_report "$when"
	return "$failed"
}

main "$@"
