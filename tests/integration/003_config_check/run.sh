#!/usr/bin/env bash
# 003_config_check: `gslb-dnsd -t` accepts a good config and rejects bad
# ones with a non-zero exit and a `file:line: message` naming the problem:
# unknown keys, several errors at once, a missing zone file, a duplicate
# zone, and zone files with a syntax error, out-of-zone data, no SOA, or a
# CNAME beside other data (the zone checks NSD's nsd-checkzone also makes,
# at the same lines).
#
# Every check runs from / so relative zone paths must resolve against the
# config file's directory, not the working directory.
. "$(dirname "$0")/../lib.sh"
test_init
need_dnsd

alloc_dnsd_ports
for f in "$TEST_SRC"/*.yaml; do
	render "$f" "$T/$(basename "$f")" PORT CONTROL_PORT T
done
mkdir "$T/sub"
cp "$TEST_SRC/good.test.zone" "$T/sub/"
cp "$TEST_SRC"/*.zone "$T/"
cp "$top_srcdir/zones/stream.example.zone" "$T/"

# line_of FILE ERE: the number of the first line of FILE matching ERE.
line_of()
{
	grep -n -E -m 1 -- "$2" "$T/$1" | cut -d: -f1
}

# check CONFIG: run -t; the output goes to OUT, the exit status to RC.
check()
{
	OUT=$(cd / && "$DNSD" -t -c "$T/$1" 2>&1)
	RC=$?
	printf '%s\n' "--- gslb-dnsd -t -c $1 (exit $RC)" "$OUT" >>"$T/check.log"
}

# expect_rejected CONFIG ERE...: non-zero exit, each ERE in the output.
expect_rejected()
{
	local cfg=$1 re
	shift
	check "$cfg"
	expect_ne "$cfg: exit status is not 0" 0 "$RC"
	for re in "$@"; do
		expect_match "$cfg: reports /$re/" "$re" "$OUT"
	done
}

check good.yaml
expect_eq "good.yaml: exit status 0" 0 "$RC"
expect_nomatch "good.yaml: no error printed" '[Ee]rror|:[0-9]+: ' "$OUT"
expect_eq "-t does not write the pidfile" no \
	"$([ -e "$T/never-written.pid" ] && echo yes || echo no)"

expect_rejected unknown-key.yaml \
	"unknown-key\\.yaml:$(line_of unknown-key.yaml '^bogus:'): .*bogus"
expect_rejected unknown-zone-key.yaml \
	"unknown-zone-key\\.yaml:$(line_of unknown-zone-key.yaml '^ +fil:'): .*fil"
expect_rejected several-errors.yaml \
	"several-errors\\.yaml:$(line_of several-errors.yaml '^udp_payload:'): .*udp_payload" \
	"several-errors\\.yaml:$(line_of several-errors.yaml '^tcp_idle_timeout:'): .*tcp_idle_timeout"
# Checking runs in two passes: every key and type problem of the file at
# once, then (once the file has the right shape) every value problem. A
# file with an unknown key is reported for the key alone.
expect_rejected mixed-errors.yaml \
	"mixed-errors\\.yaml:$(line_of mixed-errors.yaml '^colour:'): .*colour"
expect_rejected missing-zone-file.yaml 'does-not-exist\.zone'
expect_rejected duplicate-zone.yaml \
	"duplicate-zone\\.yaml:$(grep -n 'name: good.test' "$T/duplicate-zone.yaml" | sed -n '2s/:.*//p'): .*good\\.test"

expect_rejected zone-bad-syntax.yaml \
	"bad-syntax\\.zone:$(line_of bad-syntax.zone '300\.1\.2\.3'): "
expect_rejected zone-out-of-zone.yaml \
	"out-of-zone\\.zone:$(line_of out-of-zone.zone '^www\.other\.test\.'): "
expect_rejected zone-no-soa.yaml 'no-soa\.zone(:[0-9]+)?: .*SOA'
# NSD blames the second record (line 8); the CNAME's line is as good.
expect_rejected zone-cname-and-other.yaml \
	"cname-and-other\\.zone:($(line_of cname-and-other.zone '^alias[[:space:]]+CNAME')|$(line_of cname-and-other.zone '^alias[[:space:]]+A')): .*CNAME"
for cfg in "$T"/zone-*.yaml; do
	cfg=$(basename "$cfg")
	check "$cfg"
	expect_nomatch "$cfg: the good zone is not blamed" \
		'good\.test\.zone:[0-9]+' "$OUT"
done

check does-not-exist.yaml
expect_ne "missing config file: exit status is not 0" 0 "$RC"
expect_match "missing config file: named" 'does-not-exist\.yaml' "$OUT"

test_done
