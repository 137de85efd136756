/*
 * fuzz_dns_query: the query parser and the whole answer path.
 *
 * Input: one byte of transport flags (bit 0 TCP, bit 1 IPv6), then a DNS
 * request. The request is answered from a fixed test zone; every answer
 * must parse with ldns and echo the request ID, or the target aborts.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "dnsd/query.h"
#include "dnsd/zone.h"
#include "tests/fuzz/fuzz_common.h"

/* After stdbool.h: ldns defines its own bool otherwise. */
#include <ldns/ldns.h>

static const char fuzz_zone[] =
    "$ORIGIN fuzz.test.\n"
    "$TTL 300\n"
    "@ SOA ns1 host 1 3600 900 604800 60\n"
    "@ NS ns1\n"
    "@ NS ns2.elsewhere.test.\n"
    "@ MX 10 mail\n"
    "ns1 A 192.0.2.53\n"
    "ns1 AAAA 2001:db8::53\n"
    "mail A 192.0.2.25\n"
    "www A 192.0.2.1\n"
    "www AAAA 2001:db8::1\n"
    "alias CNAME www\n"
    "loop1 CNAME loop2\n"
    "loop2 CNAME loop1\n"
    "out CNAME www.elsewhere.test.\n"
    "*.wild A 192.0.2.9\n"
    "*.wild TXT \"wild\"\n"
    "c.*.wild CNAME alias\n"
    "x.ent.y TXT \"deep\"\n"
    "sub NS ns.sub\n"
    "sub DS 1 8 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
    "ns.sub A 192.0.2.77\n"
    "big TXT \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n"
    "big TXT \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"\n"
    "big TXT \"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"\n"
    "big TXT \"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\"\n"
    "big TXT \"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"\n"
    "big TXT \"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\"\n";

static struct zonedb *fuzz_db;
static struct dnsd_stats fuzz_stats;
static struct query fuzz_q;

static void
fuzz_init(void)
{
	char path[] = "/tmp/fuzz_dns_query.XXXXXX";
	struct zone_source src = { "fuzz.test", path };
	int fd = mkstemp(path);

	log_init("fuzz", true, LOG_ERR);
	if (fd < 0 || write(fd, fuzz_zone, sizeof(fuzz_zone) - 1) < 0)
		abort();
	close(fd);
	if (zonedb_load(&src, 1, NULL, 0, &fuzz_db) != 0)
		abort();
	unlink(path);
	fuzz_q.stats = &fuzz_stats;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65535];
	struct query_env env = { .udp_payload = 1232 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	ldns_pkt *pkt = NULL;
	bool tcp, v6;
	size_t n;

	if (fuzz_db == NULL)
		fuzz_init();
	env.db = fuzz_db;
	if (size < 1)
		return 0;
	tcp = data[0] & 1;
	v6 = data[0] & 2;
	sin.sin_addr.s_addr = htonl(0xc0000201);
	sin6.sin6_addr.s6_addr[0] = 0x20;
	n = query_answer(&fuzz_q, &env, data + 1, size - 1, out,
	    tcp ? sizeof(out) : 1232, tcp,
	    v6 ? (struct sockaddr *)&sin6 : (struct sockaddr *)&sin);
	if (n == 0)
		return 0;
	if (n < 12 || memcmp(out, data + 1, 2) != 0 || !(out[2] & 0x80))
		abort();
	if (!tcp && n > 1232)
		abort();
	if (ldns_wire2pkt(&pkt, out, n) != LDNS_STATUS_OK)
		abort();
	ldns_pkt_free(pkt);
	return 0;
}
