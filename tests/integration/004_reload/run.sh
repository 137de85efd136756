#!/usr/bin/env bash
# 004_reload: SIGHUP reloads config and zones atomically, a failed reload
# keeps the old data and says why, and SIGTERM stops quickly with exit 0.
#
#   v1 -> HUP -> v2 (serial and records change, reloads ok +1)
#   -> broken zone -> HUP: still v2, log names file:line, reloads failed +1
#   -> broken config -> HUP: still v2, reloads failed +1
#   -> v4 + a second zone in the config -> HUP: both served
#   -> second zone removed -> HUP: it is REFUSED again
# Queries run all the while; every one of them must be answered.
. "$(dirname "$0")/../lib.sh"
test_init
need_tool dig
need_dnsd

alloc_dnsd_ports
S=127.0.0.1:$PORT

# install SRC DST: replace DST atomically, so a reload never sees half a file.
install_file()
{
	cp "$1" "$T/.tmp" && mv "$T/.tmp" "$2"
}

install_file "$TEST_SRC/reload.test.zone.1" "$T/reload.test.zone"
cp "$TEST_SRC/added.test.zone" "$T/"
render "$TEST_SRC/dnsd.yaml.in" "$T/base.yaml" PORT CONTROL_PORT
render "$TEST_SRC/dnsd-two-zones.yaml.in" "$T/two-zones.yaml" PORT CONTROL_PORT
render "$TEST_SRC/dnsd-broken.yaml.in" "$T/broken.yaml" PORT CONTROL_PORT
install_file "$T/base.yaml" "$T/dnsd.yaml"
dnsd_start dnsd "$T/dnsd.yaml" 127.0.0.1 "$PORT"
PID=${PID_OF[dnsd]}

# answer NAME TYPE: rcode and answer records of one UDP query, one line.
answer()
{
	q 127.0.0.1 "$PORT" +norec "$1" "$2" | norm_reply
}

# serial ZONE: the SOA serial served for ZONE ("" when none).
serial()
{
	q 127.0.0.1 "$PORT" +short "$1" SOA | awk '{ print $3 }'
}

# serial_is ZONE SERIAL
serial_is()
{
	[ "$(serial "$1")" = "$2" ]
}

# Background queries during all reloads: each line is dnsraw's summary.
Q=$(dns_query_hex 4242 0x100 www.reload.test A)
(
	while [ ! -e "$T/stop-queries" ]; do
		"$DNSRAW" --timeout 1000 "$S" "$Q"
		sleep 0.02 # pacing only, not synchronisation
	done >"$T/background.txt"
) &
BG=$!
PIDS+=("$BG")

# ---- v1 ------------------------------------------------------------------
expect_eq "v1 serial" 1 "$(serial reload.test)"
expect_match "v1 www" 'IN A 192\.0\.2\.1$' "$(answer www.reload.test A)"
expect_match "v1 has no 'new'" '^NXDOMAIN' "$(answer new.reload.test A)"
expect_eq "v1 serial metric" 1 "$(metric 'gslb_dnsd_zone_serial{zone="reload.test"}')"

# ---- v2 --------------------------------------------------------------------
install_file "$TEST_SRC/reload.test.zone.2" "$T/reload.test.zone"
hup_and_wait dnsd ok
wait_for 5 serial_is reload.test 2
expect_eq "v2 serial" 2 "$(serial reload.test)"
expect_match "v2 www moved" 'IN A 192\.0\.2\.11$' "$(answer www.reload.test A)"
expect_match "v2 'new' appeared" 'new\.reload\.test\. 300 IN A 192\.0\.2\.2$' \
	"$(answer new.reload.test A)"
expect_eq "v2 serial metric" 2 "$(metric 'gslb_dnsd_zone_serial{zone="reload.test"}')"

# ---- broken zone: keep v2 ------------------------------------------------------
install_file "$TEST_SRC/reload.test.zone.broken" "$T/reload.test.zone"
bad_line=$(grep -n '192\.0\.2\.999' "$T/reload.test.zone" | cut -d: -f1)
hup_and_wait dnsd failed
expect_eq "broken zone: still serial 2" 2 "$(serial reload.test)"
expect_match "broken zone: still v2 www" 'IN A 192\.0\.2\.11$' "$(answer www.reload.test A)"
expect_match "broken zone: 'new' still 192.0.2.2" 'IN A 192\.0\.2\.2$' \
	"$(answer new.reload.test A)"
expect_eq "broken zone: serial metric unchanged" 2 \
	"$(metric 'gslb_dnsd_zone_serial{zone="reload.test"}')"
expect_match "broken zone: the log says where" "reload\\.test\\.zone:$bad_line: " \
	"$(cat "${LOG_OF[dnsd]}")"
expect_eq "broken zone: daemon still running" yes "$(is_running dnsd && echo yes)"

# ---- broken config: keep v2 -----------------------------------------------------
install_file "$TEST_SRC/reload.test.zone.4" "$T/reload.test.zone"
install_file "$T/broken.yaml" "$T/dnsd.yaml"
hup_and_wait dnsd failed
expect_eq "broken config: still serial 2" 2 "$(serial reload.test)"
expect_match "broken config: the log says where" \
	"dnsd\\.yaml:$(grep -n '^no_such_setting' "$T/dnsd.yaml" | cut -d: -f1): .*no_such_setting" \
	"$(cat "${LOG_OF[dnsd]}")"

# ---- v4 and a second zone ---------------------------------------------------------
install_file "$T/two-zones.yaml" "$T/dnsd.yaml"
hup_and_wait dnsd ok
wait_for 5 serial_is reload.test 4
expect_eq "v4 serial" 4 "$(serial reload.test)"
expect_match "v4: 'new' is gone" '^NXDOMAIN' "$(answer new.reload.test A)"
expect_match "v4: 'newer' is there" 'IN A 192\.0\.2\.4$' "$(answer newer.reload.test A)"
expect_eq "added zone served" 7 "$(serial added.test)"
expect_match "added zone answers" 'IN A 192\.0\.2\.70$' "$(answer www.added.test A)"
expect_eq "added zone serial metric" 7 "$(metric 'gslb_dnsd_zone_serial{zone="added.test"}')"

# ---- the second zone removed again ---------------------------------------------------
install_file "$T/base.yaml" "$T/dnsd.yaml"
hup_and_wait dnsd ok
wait_for 5 serial_is added.test ""
expect_match "removed zone is REFUSED" '^REFUSED' "$(answer www.added.test A)"
expect_eq "reload.test still at 4" 4 "$(serial reload.test)"

# ---- every background query was answered --------------------------------------------------
touch "$T/stop-queries"
wait_exit "$BG" 5 || check_failed "background queries did not stop"
n_all=$(wc -l <"$T/background.txt")
n_ok=$(grep -c '^rcode=NOERROR flags=qr,aa,rd id=4242 qd=1 an=1' "$T/background.txt")
expect_ge "background queries ran" 10 "$n_all"
expect_eq "every background query answered during reloads" "$n_all" "$n_ok"

# ---- SIGTERM --------------------------------------------------------------------------
kill -TERM "$PID"
if wait_exit "$PID" 2; then
	expect_eq "SIGTERM: exit status 0" 0 "$WAIT_STATUS"
else
	check_failed "SIGTERM: still running after 2 s"
fi
test_done
