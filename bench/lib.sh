# bench/lib.sh: helpers shared by the bench/*.sh benchmarks.
# shellcheck shell=bash
#
# Source it from a bash script running under `set -euo pipefail`, then call
# bench_init once.  Everything a benchmark starts goes through bench_start and
# is stopped by PID (bench_stop, or bench_cleanup from the EXIT trap); nothing
# is ever killed by name.
#
#   bench_init                      temp dir in $BENCH_TMP, EXIT trap
#   bench_check_settings            die unless the run settings are numbers
#   bench_need TOOL...              die unless every TOOL is on $PATH
#   bench_free_port                 print a free UDP+TCP port on 127.0.0.1
#   bench_start NAME CPU CMD...     start CMD pinned to CPU, PID in $BENCH_PID
#   bench_wait_dns NAME PID PORT QNAME [SECS]
#                                   wait until the server answers QNAME SOA,
#                                   1 if it exits or stays silent
#   bench_stop PID                  TERM the process tree, KILL after 10 s
#   bench_tree PID                  print PID and its live descendants
#   bench_gdnsd_conf DIR PORT ZONE ORIGIN, bench_gdnsd_check DIR,
#   bench_gslb_dnsd_conf FILE PORT ZONE ORIGIN [LINE...]
#                                   server configurations
#   bench_serve NAME SETUP QNAME    configure, start and wait for a server
#   bench_cpu_ticks PID...          "utime stime" (clock ticks) of the PIDs
#   bench_wait_quiet [SECS] [PCT]   wait for the machine to be idle
#   bench_dnsperf_measured TREE PORT RESULT -- DNSPERF-ARGS...
#                                   run dnsperf on $BENCH_CLIENT_CPU, write
#                                   key=value results, server CPU included
#   bench_measure NAME WHAT DIR PORT RESULT -- DNSPERF-ARGS...
#                                   warm up, measure, rerun if disturbed
#   bench_get RESULT KEY            read one key from a result file
#   bench_track_max RESULT WHO, bench_fixed_rate
#                                   the rate runs' rate from the max runs
#   bench_fmt, bench_ratio, bench_md_cells RESULT
#                                   numbers and table cells for a report
#   bench_publish FILE CMD...       CMD's markdown report to FILE and stdout
#   bench_machine_md                machine details as markdown bullets
#
# Settings (set before bench_init or in the environment):
#   BENCH_SERVER_CPU (1), BENCH_CLIENT_CPU (0), BENCH_KEEP=1 keeps $BENCH_TMP.
#   DURATION (20)       seconds per measured run
#   WARMUP (3)          seconds of unmeasured queries before each run
#   CLIENTS (4), OUTSTANDING (200)    dnsperf -c and -q
#   RATE_PCT (80)       fixed rate as a percentage of the lowest max rate
#   RATE                fixed rate in q/s, overrides RATE_PCT
#   RETRIES (2)         reruns of a measured run when other processes took
#                       over OTHER_MAX (10) % of the server's CPU

BENCH_SERVER_CPU=${BENCH_SERVER_CPU:-1}
BENCH_CLIENT_CPU=${BENCH_CLIENT_CPU:-0}
BENCH_KEEP=${BENCH_KEEP:-0}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-3}
CLIENTS=${CLIENTS:-4}
OUTSTANDING=${OUTSTANDING:-200}
RATE_PCT=${RATE_PCT:-80}
RATE=${RATE:-}
RETRIES=${RETRIES:-2}
OTHER_MAX=10	# % of the server CPU other work may take before a retry
BENCH_TMP=
BENCH_PID=
BENCH_PIDS=()
BENCH_PORTS=()
BENCH_CMD=()	# set by a bench_serve SETUP function
BENCH_PORT=	# set by bench_serve
BENCH_WHY=	# why bench_serve or bench_measure failed
BENCH_LOW_QPS=	# lowest max-run rate (bench_track_max), and whose
BENCH_LOW_WHO=
BENCH_RATE_NOTE=	# where RATE came from (bench_fixed_rate)
BENCH_HZ=$(getconf CLK_TCK)

bench_log()
{
	printf 'bench: %s\n' "$*" >&2
}

bench_die()
{
	printf 'bench: error: %s\n' "$*" >&2
	exit 1
}

bench_need()
{
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
			bench_die "missing tool '$t' (Debian: apt-get install" \
			    "$(bench_pkg_of "$t"))"
	done
}

bench_pkg_of()
{
	case $1 in
	dig) echo bind9-dnsutils ;;
	taskset) echo util-linux ;;
	ps) echo procps ;;
	ss) echo iproute2 ;;
	awk) echo mawk ;;
	*) echo "$1" ;;
	esac
}

bench_init()
{
	bench_need awk dig getconf mktemp ps ss taskset
	BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	local ncpu
	ncpu=$(getconf _NPROCESSORS_ONLN)
	if ((ncpu < 2)); then
		bench_log "only $ncpu CPU online: server and dnsperf share CPU 0"
		BENCH_SERVER_CPU=0
		BENCH_CLIENT_CPU=0
	fi
}

# bench_check_settings: die unless the run settings above are numbers.
bench_check_settings()
{
	local v
	[[ $RETRIES =~ ^[0-9]+$ ]] || bench_die "RETRIES must be a number"
	for v in DURATION WARMUP CLIENTS OUTSTANDING RATE_PCT; do
		[[ ${!v} =~ ^[1-9][0-9]*$ ]] ||
			bench_die "$v must be a positive integer, not '${!v}'"
	done
	[[ -z $RATE || $RATE =~ ^[1-9][0-9]*$ ]] ||
		bench_die "RATE must be a positive integer, not '$RATE'"
}

bench_cleanup()
{
	local rc=$? pid
	trap - EXIT INT TERM
	for pid in "${BENCH_PIDS[@]}"; do
		bench_stop "$pid" || true
	done
	if [[ -n $BENCH_TMP && -d $BENCH_TMP ]]; then
		if [[ $BENCH_KEEP == 1 || $rc -ne 0 ]]; then
			bench_log "logs and configs kept in $BENCH_TMP"
		else
			rm -rf -- "$BENCH_TMP"
		fi
	fi
	exit "$rc"
}

# ---- Ports ----

bench_port_is_free()
{
	local p=$1 used
	for used in "${BENCH_PORTS[@]}"; do
		[[ $used == "$p" ]] && return 1
	done
	[[ -z $(ss -Hantu "sport = :$p") ]]
}

# bench_free_port: a port no socket uses, below the kernel's ephemeral range
# so that no client socket (dig, dnsperf, other jobs) takes it meanwhile.
bench_free_port()
{
	local i p lo hi
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
	if ((lo > 11024)); then
		hi=$((lo - 1))
		lo=$((lo - 10000))
	elif ((hi < 55535)); then
		lo=$((hi + 1))
		hi=65535
	else
		lo=20000
		hi=29999
	fi
	for ((i = 0; i < 200; i++)); do
		p=$((lo + RANDOM % (hi - lo + 1)))
		if bench_port_is_free "$p"; then
			BENCH_PORTS+=("$p")
			echo "$p"
			return 0
		fi
	done
	bench_die "no free port found in $lo-$hi"
}

# ---- Processes ----

# bench_start NAME CPU CMD...: run CMD pinned to CPU with stdin from /dev/null
# and output in $BENCH_TMP/NAME.log.  taskset execs CMD, so $! is its PID.
bench_start()
{
	local name=$1 cpu=$2
	shift 2
	taskset -c "$cpu" "$@" </dev/null >"$BENCH_TMP/$name.log" 2>&1 &
	BENCH_PID=$!
	BENCH_PIDS+=("$BENCH_PID")
	bench_log "$name started, pid $BENCH_PID on CPU $cpu"
}

bench_tree()
{
	local -a todo=("$1")
	local p pp
	local -A kids=()
	while read -r p pp; do
		kids[$pp]+="$p "
	done < <(ps -e -o pid=,ppid=)
	while ((${#todo[@]})); do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		[[ -d /proc/$p ]] && echo "$p"
		# shellcheck disable=SC2206
		todo+=(${kids[$p]:-})
	done
}

# bench_is_alive PID...: true if any PID runs (a zombie counts as dead).
bench_is_alive()
{
	local p st
	for p in "$@"; do
		st=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		st=${st##*) }
		[[ ${st:0:1} != Z ]] && return 0
	done
	return 1
}

bench_stop()
{
	local pid=$1 i p
	local -a tree keep=()
	mapfile -t tree < <(bench_tree "$pid")
	if ((${#tree[@]})); then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			bench_is_alive "${tree[@]}" || break
			sleep 0.1
		done
		for p in "${tree[@]}"; do
			if bench_is_alive "$p"; then
				bench_log "pid $p did not stop on TERM, killing"
				kill -KILL "$p" 2>/dev/null || true
			fi
		done
	fi
	wait "$pid" 2>/dev/null || true
	for p in "${BENCH_PIDS[@]}"; do
		[[ $p != "$pid" ]] && keep+=("$p")
	done
	BENCH_PIDS=("${keep[@]}")
}

# bench_wait_dns NAME PID PORT QNAME [SECS]: poll with dig until QNAME SOA
# gets an answer.  If the server exits or stays silent, print the end of its
# log and return 1.
bench_wait_dns()
{
	local name=$1 pid=$2 port=$3 qname=$4 secs=${5:-15} i
	for ((i = 0; i < secs * 5; i++)); do
		if ! bench_is_alive "$pid"; then
			tail -n 20 "$BENCH_TMP/$name.log" >&2 || true
			bench_log "$name exited during startup (log above)"
			return 1
		fi
		# dig prints transport errors on stdout: look for the record.
		if dig +noall +answer +tries=1 +time=1 -p "$port" \
		    @127.0.0.1 "$qname" SOA 2>/dev/null |
		    grep -q '[[:space:]]SOA[[:space:]]'; then
			return 0
		fi
		sleep 0.2
	done
	tail -n 20 "$BENCH_TMP/$name.log" >&2 || true
	bench_log "$name did not answer $qname SOA on port $port in ${secs}s"
	return 1
}

# ---- Servers ----

# bench_gdnsd_conf DIR PORT ZONE ORIGIN: DIR/config for one gdnsd thread on
# 127.0.0.1:PORT, serving the zone file ZONE as ORIGIN (copied to
# DIR/zones/ORIGIN).  Callers may add to both before bench_gdnsd_check.
bench_gdnsd_conf()
{
	local dir=$1 port=$2 zone=$3 origin=$4
	mkdir -p "$dir/zones"
	cp "$zone" "$dir/zones/$origin"
	# run_dir and state_dir default to /run/gdnsd and /var/lib/gdnsd,
	# which a system gdnsd may own.
	cat >"$dir/config" <<EOF
options => {
	listen => [ 127.0.0.1:$port ]
	udp_threads => 1
	tcp_threads => 1
	zones_strict_data => true
	run_dir => $dir/run
	state_dir => $dir/state
}
EOF
}

# bench_gdnsd_check DIR: gdnsd checkconf of DIR; if it fails, its output
# on stderr and 1.  BENCH_CMD starts that gdnsd.
bench_gdnsd_check()
{
	local dir=$1
	gdnsd -c "$dir" checkconf >"$dir/checkconf.log" 2>&1 ||
		{ cat "$dir/checkconf.log" >&2; return 1; }
	BENCH_CMD=(gdnsd -c "$dir" start)
}

# bench_gslb_dnsd_conf FILE PORT ZONE ORIGIN [LINE...]: a gslb-dnsd config
# in FILE for one worker on 127.0.0.1:PORT serving the zone file ZONE as
# ORIGIN, with each LINE (top-level YAML) added.
bench_gslb_dnsd_conf()
{
	local file=$1 port=$2 zone=$3 origin=$4
	shift 4
	cat >"$file" <<EOF
listen:
  - 127.0.0.1:$port
zones:
  - name: $origin
    file: $zone
EOF
	printf '%s\n' "$@" "workers: 1" >>"$file"
}

# bench_serve NAME SETUP QNAME: start a DNS server as NAME.  SETUP DIR PORT
# writes its configuration into DIR ($BENCH_TMP/NAME, made here) for a free
# PORT and sets BENCH_CMD, or returns 1.  The server runs on
# $BENCH_SERVER_CPU with its output in DIR.log ($BENCH_TMP/NAME.log); once
# it answers QNAME SOA its process tree goes to DIR/tree, its port to
# BENCH_PORT and its PID to BENCH_PID.  Returns 1 with BENCH_WHY set ("bad
# configuration", or "did not start": then it is stopped again).
bench_serve()
{
	local name=$1 setup=$2 qname=$3 dir=$BENCH_TMP/$1
	mkdir -p "$dir"
	BENCH_PORT=$(bench_free_port)
	if ! "$setup" "$dir" "$BENCH_PORT"; then
		BENCH_WHY="bad configuration"
		return 1
	fi
	bench_start "$name" "$BENCH_SERVER_CPU" "${BENCH_CMD[@]}"
	if ! bench_wait_dns "$name" "$BENCH_PID" "$BENCH_PORT" "$qname"; then
		bench_stop "$BENCH_PID"
		BENCH_WHY="did not start"
		return 1
	fi
	# NSD forks its server process after startup: take the tree now.
	bench_tree "$BENCH_PID" >"$dir/tree"
}

# ---- Measurement ----

# bench_cpu_ticks PID...: "utime stime" summed over the PIDs (all threads of
# each).  Fields 14 and 15 of /proc/PID/stat; comm may hold spaces, so count
# from the last ')'.
bench_cpu_ticks()
{
	local p line u=0 k=0
	local -a f
	for p in "$@"; do
		line=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		read -r -a f <<<"${line##*) }"
		u=$((u + f[11]))
		k=$((k + f[12]))
	done
	echo "$u $k"
}

# bench_cpu_busy CPU: "busy idle" ticks of that CPU so far (/proc/stat), to
# see what else ran on the server's CPU during a run.  CPU "" is all CPUs.
bench_cpu_busy()
{
	awk -v c="cpu$1" \
	    '$1 == c { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat
}

# bench_wait_quiet [SECS] [PCT]: wait up to SECS (30) for a one-second spell
# in which the whole machine is under PCT (10) % busy, so that other jobs on
# a shared machine do not skew a run.  Returns 1 if it never got quiet.
bench_wait_quiet()
{
	local secs=${1:-30} pct=${2:-10} i a b
	for ((i = 0; i < secs; i++)); do
		a=$(bench_cpu_busy "")
		sleep 1
		b=$(bench_cpu_busy "")
		if awk -v a="$a" -v b="$b" -v pct="$pct" 'BEGIN {
			split(a, x, " "); split(b, y, " ")
			busy = y[1] - x[1]; all = busy + y[2] - x[2]
			exit !(all > 0 && busy * 100 < pct * all) }'; then
			return 0
		fi
	done
	bench_log "machine still over $pct % busy after ${secs}s, going on"
	return 1
}

# bench_udp_drops PORT: datagrams dropped so far at UDP sockets bound to
# 127.0.0.1:PORT (full receive buffer), from /proc/net/udp.
bench_udp_drops()
{
	awk -v p="$(printf '0100007F:%04X' "$1")" \
	    '$2 == p { n += $NF } END { print n + 0 }' /proc/net/udp
}

# bench_udp_rcvbuf_errors: system-wide UDP receive-buffer drops so far.
bench_udp_rcvbuf_errors()
{
	awk '$1 == "Udp:" && $2 ~ /^[0-9]/ { print $6 }' /proc/net/snmp
}

# bench_dnsperf_measured TREE PORT RESULT -- ARGS...: TREE is a file listing
# the server's PIDs (from bench_tree), PORT its UDP port on 127.0.0.1.  Runs
# dnsperf -s 127.0.0.1 -p PORT ARGS on the client CPU and writes RESULT as
# key=value lines:
#   sent completed lost qps runtime latency_ms rcodes   from dnsperf
#   resp_bytes          mean response size
#   wall                seconds the whole dnsperf call took
#   cpu_ticks           server utime+stime over that window
#   cpu_us_per_answer   that in microseconds per completed query, split into
#                       user_us_per_answer and sys_us_per_answer
#   cpu_util            server CPU, percent of one core
#   other_util          rest of the server CPU's busy time (other processes,
#                       interrupts), percent
#   server_drops        datagrams dropped at the server's socket
#   rcvbuf_drops        UDP receive-buffer drops machine-wide
# dnsperf's own output is kept in RESULT.out.  Returns 1, saying why, if
# dnsperf fails or the server dies.
bench_dnsperf_measured()
{
	local treefile=$1 port=$2 res=$3 c0 c1 b0 b1 t0 t1 d0 d1 e0 e1
	local u0 u1 k0 k1
	local -a pids
	[[ ${4:-} == -- ]] ||
		bench_die "usage: bench_dnsperf_measured TREE PORT RESULT -- ARGS"
	shift 4
	mapfile -t pids <"$treefile"
	d0=$(bench_udp_drops "$port")
	e0=$(bench_udp_rcvbuf_errors)
	t0=$EPOCHREALTIME
	b0=$(bench_cpu_busy "$BENCH_SERVER_CPU")
	b0=${b0%% *}
	c0=$(bench_cpu_ticks "${pids[@]}")
	if ! taskset -c "$BENCH_CLIENT_CPU" dnsperf -s 127.0.0.1 -p "$port" \
	    "$@" >"$res.out" 2>&1; then
		tail -n 20 "$res.out" >&2
		bench_log "dnsperf failed (output above)"
		return 1
	fi
	c1=$(bench_cpu_ticks "${pids[@]}")
	b1=$(bench_cpu_busy "$BENCH_SERVER_CPU")
	b1=${b1%% *}
	t1=$EPOCHREALTIME
	d1=$(bench_udp_drops "$port")
	e1=$(bench_udp_rcvbuf_errors)
	if ! bench_is_alive "${pids[0]}"; then
		bench_log "server process ${pids[0]} died during the run"
		return 1
	fi
	read -r u0 k0 <<<"$c0"
	read -r u1 k1 <<<"$c1"
	if ! awk -v uticks=$((u1 - u0)) -v kticks=$((k1 - k0)) \
	    -v busy=$((b1 - b0)) -v hz="$BENCH_HZ" \
	    -v t0="$t0" -v t1="$t1" -v sdrops=$((d1 - d0)) \
	    -v rdrops=$((e1 - e0)) '
	/Queries sent:/ { sent = $3 }
	/Queries completed:/ { done = $3 }
	/Queries lost:/ { lost = $3 }
	/Run time \(s\):/ { rt = $4 }
	/Queries per second:/ { qps = $4 }
	/Average Latency \(s\):/ { lat = $4 * 1000 }
	/Average packet size:/ { resp = $NF }
	/Response codes:/ { sub(/.*Response codes: */, ""); rc = $0 }
	END {
		if (sent == "" || rt == "")
			exit 1
		wall = t1 - t0
		ticks = uticks + kticks
		us = done ? ticks * 1e6 / hz / done : 0
		uus = done ? uticks * 1e6 / hz / done : 0
		printf "sent=%d\ncompleted=%d\nlost=%d\n", sent, done, lost
		printf "qps=%.0f\nruntime=%.3f\n", qps, rt
		printf "wall=%.3f\ncpu_ticks=%d\n", wall, ticks
		printf "cpu_us_per_answer=%.3f\n", us
		printf "user_us_per_answer=%.3f\n", uus
		printf "sys_us_per_answer=%.3f\n", us - uus
		printf "cpu_util=%.0f\n", ticks * 100 / hz / wall
		other = busy > ticks ? busy - ticks : 0
		printf "other_util=%.0f\n", other * 100 / hz / wall
		printf "server_drops=%d\nrcvbuf_drops=%d\n", sdrops, rdrops
		printf "latency_ms=%.3f\nresp_bytes=%d\n", lat, resp
		printf "rcodes=%s\n", rc == "" ? "none" : rc
	}' "$res.out" >"$res"; then
		tail -n 20 "$res.out" >&2
		bench_log "cannot parse dnsperf output (above)"
		return 1
	fi
}

# bench_measure NAME WHAT DIR PORT RESULT -- DNSPERF-ARGS...: the measured
# run WHAT ("max", "geo rate") of server NAME, started by bench_serve with
# DIR and PORT.  Waits for a quiet machine, warms up for WARMUP seconds
# (dnsperf's output in DIR/warmup.out), measures for DURATION seconds into
# RESULT (bench_dnsperf_measured) and measures again, RETRIES times at
# most, while other work took over OTHER_MAX % of the server's CPU.
# Returns 1 with RESULT removed and BENCH_WHY set when the run broke (the
# end of the server's log goes to stderr) or got no answer.
# shellcheck disable=SC2034 # BENCH_WHY is for the caller
bench_measure()
{
	local name=$1 what=$2 dir=$3 port=$4 res=$5 try
	[[ ${6:-} == -- ]] ||
		bench_die "usage: bench_measure NAME WHAT DIR PORT RESULT -- ARGS"
	shift 6
	for ((try = 0; try <= RETRIES; try++)); do
		bench_wait_quiet 30 || true
		taskset -c "$BENCH_CLIENT_CPU" dnsperf -s 127.0.0.1 -p "$port" \
		    -l "$WARMUP" "$@" >"$dir/warmup.out" 2>&1 ||
			bench_log "$name: warm-up dnsperf failed"
		bench_log "$name: $what run, ${DURATION}s"
		if ! bench_dnsperf_measured "$dir/tree" "$port" "$res" -- \
		    -l "$DURATION" "$@"; then
			tail -n 20 "$dir.log" >&2 || true
			rm -f "$res"
			BENCH_WHY="$what run broke"
			return 1
		fi
		(($(bench_get "$res" other_util) > OTHER_MAX)) || break
		bench_log "$name: other work took" \
		    "$(bench_get "$res" other_util) % of the server CPU"
	done
	if (($(bench_get "$res" completed) == 0)); then
		rm -f "$res"
		BENCH_WHY="no answers in the $what run"
		return 1
	fi
}

bench_get()
{
	local v
	v=$(sed -n "s/^$2=//p" "$1")
	[[ -n $v ]] || bench_die "no '$2' in $1"
	echo "$v"
}

# bench_track_max RESULT WHO: keep RESULT's queries/s in BENCH_LOW_QPS (and
# WHO in BENCH_LOW_WHO) if it is the lowest max-run rate so far.
bench_track_max()
{
	local q
	q=$(bench_get "$1" qps)
	if [[ -z $BENCH_LOW_QPS ]] || ((q < BENCH_LOW_QPS)); then
		BENCH_LOW_QPS=$q
		BENCH_LOW_WHO=$2
	fi
}

# bench_fixed_rate: unless RATE is set, set it to RATE_PCT % of the lowest
# max-run rate (in whole thousands when that is not 0); BENCH_RATE_NOTE says
# where it came from.  Returns 1 when no max run was measured.
bench_fixed_rate()
{
	local low=$BENCH_LOW_QPS
	[[ -n $low ]] || return 1
	if [[ -n $RATE ]]; then
		BENCH_RATE_NOTE="set by RATE"
	else
		RATE=$((low * RATE_PCT / 100 / 1000 * 1000))
		((RATE > 0)) || RATE=$((low * RATE_PCT / 100))
		BENCH_RATE_NOTE="$RATE_PCT % of the lowest max, $BENCH_LOW_WHO's $low q/s"
	fi
	bench_log "fixed rate: $RATE q/s ($BENCH_RATE_NOTE)"
}

# ---- Reporting ----

# bench_fmt NUMBER FORMAT: NUMBER through printf's FORMAT (awk).
bench_fmt()
{
	awk -v x="$1" -v f="$2" 'BEGIN { printf f, x }'
}

# bench_ratio A B: A / B to two decimals, "n/a" unless B > 0.
bench_ratio()
{
	awk -v a="$1" -v b="$2" \
	    'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'
}

# bench_md_cells RESULT: the cells "queries/s | lost (at server) |
# CPU-µs/answer (user+sys) | server CPU (other) | latency ms" of a markdown
# table row for one measured run.
bench_md_cells()
{
	local r=$1
	printf '%s | %s (%s) | %s (%s+%s) | %s %% (%s %%) | %s' \
	    "$(bench_get "$r" qps)" "$(bench_get "$r" lost)" \
	    "$(bench_get "$r" server_drops)" \
	    "$(bench_fmt "$(bench_get "$r" cpu_us_per_answer)" %.2f)" \
	    "$(bench_fmt "$(bench_get "$r" user_us_per_answer)" %.2f)" \
	    "$(bench_fmt "$(bench_get "$r" sys_us_per_answer)" %.2f)" \
	    "$(bench_get "$r" cpu_util)" \
	    "$(bench_get "$r" other_util)" \
	    "$(bench_get "$r" latency_ms)"
}

# bench_md_print FILE: the markdown FILE with its tables aligned.
bench_md_print()
{
	local line
	local -a block=()
	while IFS= read -r line || ((${#block[@]})); do
		if [[ $line == '|'* ]]; then
			[[ $line == '|---'* ]] || block+=("$line")
			continue
		fi
		if ((${#block[@]})); then
			printf '%s\n' "${block[@]}" |
			    awk -F '|' -v OFS='\t' '{
				$0 = substr($0, 2, length($0) - 2)
				for (i = 1; i <= NF; i++)
					gsub(/^ +| +$/, "", $i)
				print
			    }' | column -t -s $'\t' -o '  '
			block=()
		fi
		printf '%s\n' "$line"
	done <"$1"
}

# bench_publish FILE CMD...: CMD's markdown report into FILE (its directory
# made if need be), then on stdout with the tables aligned, and its path.
bench_publish()
{
	local file=$1
	shift
	mkdir -p "$(dirname "$file")"
	"$@" >"$file"
	echo
	bench_md_print "$file"
	echo
	echo "markdown: $file"
}

bench_version()
{
	local out
	# Version options exit non-zero for some tools; only the text counts.
	case $1 in
	nsd)
		out=$(nsd -v 2>&1) || true
		sed -n 's/^NSD version //p' <<<"$out"
		;;
	gdnsd)
		out=$(gdnsd 2>&1) || true
		sed -n 's/^gdnsd version //p' <<<"$out"
		;;
	dnsperf)
		out=$(dnsperf -h 2>&1) || true
		sed -n 's/^Version //p' <<<"$out"
		;;
	*)
		out=$("$1" -v 2>&1) || true
		head -n 1 <<<"$out"
		;;
	esac
}

bench_machine_md()
{
	local model mem
	model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	[[ -n $model ]] || model=$(uname -m)
	mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	echo "- CPU: $model, $(getconf _NPROCESSORS_ONLN) cores online" \
	    "(server on CPU $BENCH_SERVER_CPU, dnsperf on CPU $BENCH_CLIENT_CPU)"
	echo "- Memory: $mem"
	echo "- OS: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
}
