/*
 * fuzz_dns_ecs: the EDNS Client Subnet option and the dynamic answer
 * path behind it.
 *
 * Input: one byte of flags (bit 0 AAAA, bit 1 IPv6 source), then the
 * option's data, sent as option 8 in a query for a pool's name. The pool
 * is answered from a fixed topology and the MaxMind GeoIP2 City test
 * database, so every subnet walks the CIDR map, GeoIP and the selection.
 * Each answer must parse with ldns, carry our ECS option back when the
 * option was valid, and never be FORMERR for a well-formed option.
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
#include "common/topology.h"
#include "dnsd/geo.h"
#include "dnsd/gslb.h"
#include "dnsd/query.h"
#include "dnsd/zone.h"
#include "tests/fuzz/fuzz_common.h"

/* After stdbool.h: ldns defines its own bool otherwise. */
#include <ldns/ldns.h>

#ifndef TEST_GEOIP_DIR
#define TEST_GEOIP_DIR "../shared/geoip"
#endif
#define GEOIP TEST_GEOIP_DIR "/GeoIP2-City-Test.mmdb"

static const char fuzz_zone[] = "$ORIGIN fuzz.test.\n"
				"$TTL 300\n"
				"@ SOA ns1 host 1 3600 900 604800 60\n"
				"@ NS ns1\n"
				"ns1 A 192.0.2.53\n";

static const char fuzz_topo[] =
    "sites:\n"
    "  - { name: lon, latitude: 51.5, longitude: -0.1 }\n"
    "  - { name: sfo, latitude: 37.8, longitude: -122.4 }\n"
    "  - { name: syd, latitude: -33.9, longitude: 151.2 }\n"
    "edges:\n"
    "  - { name: lon-1, site: lon, ipv4: 10.0.1.1, ipv6: \"fd00::1\" }\n"
    "  - { name: sfo-1, site: sfo, ipv4: 10.0.3.1 }\n"
    "  - { name: syd-1, site: syd, ipv4: 10.0.4.1, ipv6: \"fd00::4\" }\n"
    "pools:\n"
    "  - { name: live.fuzz.test, answers: 2 }\n"
    "  - { name: hash.fuzz.test, select: hash }\n"
    "maps:\n"
    "  networks:\n"
    "    - { cidr: 10.0.0.0/8, sites: [syd] }\n"
    "    - { cidr: \"2001:db8::/32\", sites: [sfo] }\n";

static struct query_env env;
static struct dnsd_stats stats;
static struct query q;
static struct gslb_worker gw;
static struct gslb_hyst *hyst; /* lives as long as the process */

static void
write_tmp(char *path, const char *text)
{
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		abort();
	close(fd);
}

static void
fuzz_init(void)
{
	char zpath[] = "/tmp/fuzz_dns_ecs_zone.XXXXXX";
	char tpath[] = "/tmp/fuzz_dns_ecs_topo.XXXXXX";
	struct zone_source src = { "fuzz.test", zpath };
	struct zone_pool pools[2];
	struct zonedb *db;
	struct topology *t;
	struct gslb_topo *tp;
	struct gslb_input in[3] = { { .state = GSLB_UP }, { .state = GSLB_UP },
		{ .state = GSLB_UP } };

	log_init("fuzz", true, LOG_CRIT);
	write_tmp(zpath, fuzz_zone);
	write_tmp(tpath, fuzz_topo);
	t = topology_load(tpath, NULL, NULL);
	unlink(tpath);
	if (t == NULL)
		abort();
	tp = gslb_topo_new(t, geo_open(GEOIP), 1);
	topology_free(t);
	for (unsigned i = 0; i < 2; i++) {
		pools[i].name = gslb_topo_pool_wire(tp, i);
		pools[i].index = i;
	}
	if (zonedb_load(&src, 1, pools, 2, &db) != 0)
		abort();
	unlink(zpath);
	env.db = db;
	hyst = gslb_hyst_new(tp);
	env.gslb = gslb_new(tp, in, hyst);
	env.udp_payload = 1232;
	gslb_worker_init(&gw, 0, 1);
	q.stats = &stats;
	q.gw = &gw;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[1024], out[1232];
	static const uint8_t qname[] = "\4live\4fuzz\4test";
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	ldns_pkt *p = NULL;
	size_t n = 0, len, optlen;
	bool aaaa, v6;

	if (env.db == NULL)
		fuzz_init();
	if (size < 1 || size > 600)
		return 0;
	aaaa = data[0] & 1;
	v6 = data[0] & 2;
	optlen = size - 1;
	memcpy(pkt, "\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01", 12);
	n = 12;
	memcpy(pkt + n, qname, sizeof(qname));
	n += sizeof(qname);
	pkt[n++] = 0;
	pkt[n++] = aaaa ? 28 : 1;
	pkt[n++] = 0;
	pkt[n++] = 1;
	/* OPT: root, type 41, payload 1232, ttl 0, rdlen, option 8 */
	pkt[n++] = 0;
	pkt[n++] = 0;
	pkt[n++] = 41;
	pkt[n++] = 0x04;
	pkt[n++] = 0xd0;
	memset(pkt + n, 0, 4);
	n += 4;
	pkt[n++] = (uint8_t)((optlen + 4) >> 8);
	pkt[n++] = (uint8_t)(optlen + 4);
	pkt[n++] = 0;
	pkt[n++] = 8;
	pkt[n++] = (uint8_t)(optlen >> 8);
	pkt[n++] = (uint8_t)optlen;
	memcpy(pkt + n, data + 1, optlen);
	n += optlen;
	sin.sin_addr.s_addr = htonl(0x51024501); /* 81.2.69.1 */
	sin6.sin6_addr.s6_addr[0] = 0x20;
	sin6.sin6_addr.s6_addr[1] = 0x01;
	len = query_answer(&q, &env, pkt, n, out, sizeof(out), false,
	    v6 ? (struct sockaddr *)&sin6 : (struct sockaddr *)&sin);
	if (len < 12 || memcmp(out, pkt, 2) != 0)
		abort();
	if (ldns_wire2pkt(&p, out, len) != LDNS_STATUS_OK)
		abort();
	/* A FORMERR is right only for a malformed option; a good answer
	 * echoes the option (family, source, address) with our scope. */
	if (ldns_pkt_get_rcode(p) == LDNS_RCODE_NOERROR) {
		ldns_rdf *opt = ldns_pkt_edns_data(p);

		if (opt == NULL || ldns_rdf_size(opt) != optlen + 4 ||
		    memcmp(ldns_rdf_data(opt) + 4, data + 1, 3) != 0 ||
		    memcmp(ldns_rdf_data(opt) + 8, data + 5, optlen - 4) != 0)
			abort();
	}
	ldns_pkt_free(p);
	return 0;
}
