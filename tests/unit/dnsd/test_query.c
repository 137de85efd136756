#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "common/rc.h"
#include "dnsd/query.h"
#include "dnsd/zone.h"

/* After stdbool.h: ldns defines its own bool otherwise. */
#include <ldns/ldns.h>

static const char parent_zone[] =
    "$ORIGIN example.test.\n"
    "$TTL 300\n"
    "@ 600 SOA ns1 host 7 3600 900 604800 60\n"
    "@ NS ns1\n"
    "@ NS ns2.elsewhere.test.\n"
    "@ MX 10 mail\n"
    "ns1 A 192.0.2.53\n"
    "ns1 AAAA 2001:db8::53\n"
    "mail A 192.0.2.25\n"
    "www A 192.0.2.1\n"
    "www AAAA 2001:db8::1\n"
    "alias CNAME www\n"
    "chain CNAME alias\n"
    "loop1 CNAME loop2\n"
    "loop2 CNAME loop1\n"
    "out CNAME www.elsewhere.test.\n"
    "tochild CNAME www.child\n"
    "todeleg CNAME host.sub\n"
    "*.wild A 192.0.2.9\n"
    "*.wild TXT \"wild\"\n"
    "x.ent.y TXT \"deep\"\n"
    "*.y A 192.0.2.10\n"
    "sub NS ns.sub\n"
    "sub DS 1 8 2 "
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
    "ns.sub A 192.0.2.77\n"
    "child NS ns1.child\n"
    "ns1.child A 192.0.2.88\n"
    "big TXT \"" /* 6 x 200 bytes: over 512, under 1232 */
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "012345678901234567890123456789012345678901234567890123456789\"\n"
    "big TXT \"a123456789012345678901234567890123456789012345678901234567890123"
    "4567890123456789012345678901234567890123456789012345678901234567890123"
    "4567890123456789012345678901234567890123456789012345678901234567\"\n"
    "big TXT \"b123456789012345678901234567890123456789012345678901234567890123"
    "4567890123456789012345678901234567890123456789012345678901234567890123"
    "4567890123456789012345678901234567890123456789012345678901234567\"\n";

static const char child_zone[] = "$ORIGIN child.example.test.\n"
				 "$TTL 300\n"
				 "@ SOA ns1 host 3 3600 900 604800 120\n"
				 "@ NS ns1\n"
				 "ns1 A 192.0.2.88\n"
				 "www A 192.0.2.99\n";

static struct zonedb *db;
static struct dnsd_stats stats;
static struct query q;

static void
write_file(char *path, const char *text)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_true(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

static int
setup(void **state)
{
	char p1[] = "/tmp/test_query_parent.XXXXXX";
	char p2[] = "/tmp/test_query_child.XXXXXX";
	struct zone_source src[2] = {
		{ "example.test", p1 },
		{ "child.example.test.", p2 },
	};

	(void)state;
	log_init("test", true, LOG_ERR);
	write_file(p1, parent_zone);
	write_file(p2, child_zone);
	assert_int_equal(zonedb_load(src, 2, NULL, 0, &db), RC_OK);
	unlink(p1);
	unlink(p2);
	q.stats = &stats;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	zonedb_free(db);
	return 0;
}

/* Request options of one case. */
struct req {
	int edns_payload; /* 0: no EDNS */
	int edns_version;
	bool edns_do;
	bool tcp;
	uint16_t qclass;
};

/* A client at 192.0.2.1. */
static const struct sockaddr *
client(void)
{
	static struct sockaddr_in sin;

	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0xc0000201);
	return (const struct sockaddr *)&sin;
}

static size_t
make_query(uint8_t *buf, const char *name, uint16_t type, const struct req *r)
{
	ldns_rdf *dn = ldns_dname_new_frm_str(name);
	size_t n = 12;

	memset(buf, 0, 12);
	buf[0] = 0xab;
	buf[1] = 0xcd;
	buf[2] = 0x01; /* RD */
	buf[5] = 1;
	memcpy(buf + n, ldns_rdf_data(dn), ldns_rdf_size(dn));
	n += ldns_rdf_size(dn);
	ldns_rdf_deep_free(dn);
	buf[n++] = (uint8_t)(type >> 8);
	buf[n++] = (uint8_t)type;
	buf[n++] = (uint8_t)((r->qclass ? r->qclass : 1) >> 8);
	buf[n++] = (uint8_t)(r->qclass ? r->qclass : 1);
	if (r->edns_payload) {
		buf[11] = 1;
		buf[n++] = 0;
		buf[n++] = 0;
		buf[n++] = 41;
		buf[n++] = (uint8_t)(r->edns_payload >> 8);
		buf[n++] = (uint8_t)r->edns_payload;
		buf[n++] = 0;
		buf[n++] = (uint8_t)r->edns_version;
		buf[n++] = r->edns_do ? 0x80 : 0;
		buf[n++] = 0;
		buf[n++] = 0;
		buf[n++] = 0;
	}
	return n;
}

static ldns_pkt *
ask(const char *name, uint16_t type, const struct req *r, size_t *len)
{
	static uint8_t qbuf[512], out[65535];
	struct query_env env = { .db = db, .udp_payload = 1232 };
	ldns_pkt *pkt = NULL;
	size_t n = make_query(qbuf, name, type, r);

	*len = query_answer(&q, &env, qbuf, n, out, r->tcp ? sizeof(out) : 1232,
	    r->tcp, client());
	assert_true(*len >= 12);
	assert_int_equal(ldns_wire2pkt(&pkt, out, *len), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(pkt), 0xabcd);
	assert_true(ldns_pkt_qr(pkt));
	return pkt;
}

struct answer_case {
	const char *desc;
	const char *name;
	uint16_t type;
	struct req req;
	int rcode;
	bool aa, tc;
	int an, ns, ar; /* ar without OPT */
	uint16_t first_an_type;
	uint32_t first_ns_ttl; /* 0: not checked */
};

static void
test_query_answer_table(void **state)
{
	static const struct answer_case cases[] = {
		{ "exact A", "www.example.test", LDNS_RR_TYPE_A, { 0 }, 0, true,
		    false, 1, 0, 0, LDNS_RR_TYPE_A, 0 },
		{ "mixed case", "WwW.ExAmPlE.TeSt", LDNS_RR_TYPE_AAAA, { 0 }, 0,
		    true, false, 1, 0, 0, LDNS_RR_TYPE_AAAA, 0 },
		{ "NODATA has SOA with negative TTL", "www.example.test",
		    LDNS_RR_TYPE_MX, { 0 }, 0, true, false, 0, 1, 0, 0, 60 },
		{ "NXDOMAIN", "nope.example.test", LDNS_RR_TYPE_A, { 0 }, 3,
		    true, false, 0, 1, 0, 0, 60 },
		{ "CNAME chain followed", "chain.example.test", LDNS_RR_TYPE_A,
		    { 0 }, 0, true, false, 3, 0, 0, LDNS_RR_TYPE_CNAME, 0 },
		{ "qtype CNAME not followed", "alias.example.test",
		    LDNS_RR_TYPE_CNAME, { 0 }, 0, true, false, 1, 0, 0,
		    LDNS_RR_TYPE_CNAME, 0 },
		{ "CNAME loop stops", "loop1.example.test", LDNS_RR_TYPE_A,
		    { 0 }, 0, true, false, 2, 0, 0, LDNS_RR_TYPE_CNAME, 0 },
		{ "CNAME out of our zones", "out.example.test", LDNS_RR_TYPE_A,
		    { 0 }, 0, true, false, 1, 0, 0, LDNS_RR_TYPE_CNAME, 0 },
		{ "CNAME into a child zone we serve", "tochild.example.test",
		    LDNS_RR_TYPE_A, { 0 }, 0, true, false, 2, 0, 0,
		    LDNS_RR_TYPE_CNAME, 0 },
		{ "CNAME into a delegation: referral with AA",
		    "todeleg.example.test", LDNS_RR_TYPE_A, { 0 }, 0, true,
		    false, 1, 1, 1, LDNS_RR_TYPE_CNAME, 0 },
		{ "wildcard A", "anything.wild.example.test", LDNS_RR_TYPE_A,
		    { 0 }, 0, true, false, 1, 0, 0, LDNS_RR_TYPE_A, 0 },
		{ "wildcard NODATA", "anything.wild.example.test",
		    LDNS_RR_TYPE_MX, { 0 }, 0, true, false, 0, 1, 0, 0, 60 },
		{ "empty non-terminal is NODATA", "ent.y.example.test",
		    LDNS_RR_TYPE_A, { 0 }, 0, true, false, 0, 1, 0, 0, 60 },
		{ "ENT blocks the wildcard above it", "z.ent.y.example.test",
		    LDNS_RR_TYPE_A, { 0 }, 3, true, false, 0, 1, 0, 0, 60 },
		{ "wildcard beside an ENT", "other.y.example.test",
		    LDNS_RR_TYPE_A, { 0 }, 0, true, false, 1, 0, 0,
		    LDNS_RR_TYPE_A, 0 },
		{ "referral with glue, no AA", "host.sub.example.test",
		    LDNS_RR_TYPE_A, { 0 }, 0, false, false, 0, 1, 1, 0, 0 },
		{ "glue name itself is a referral", "ns.sub.example.test",
		    LDNS_RR_TYPE_A, { 0 }, 0, false, false, 0, 1, 1, 0, 0 },
		{ "DS at the cut from the parent", "sub.example.test",
		    LDNS_RR_TYPE_DS, { 0 }, 0, true, false, 1, 0, 0,
		    LDNS_RR_TYPE_DS, 0 },
		{ "NS at the cut is a referral", "sub.example.test",
		    LDNS_RR_TYPE_NS, { 0 }, 0, false, false, 0, 1, 1, 0, 0 },
		{ "child zone answers its own names", "www.child.example.test",
		    LDNS_RR_TYPE_A, { 0 }, 0, true, false, 1, 0, 0,
		    LDNS_RR_TYPE_A, 0 },
		{ "DS at child apex from the parent: NODATA, parent SOA",
		    "child.example.test", LDNS_RR_TYPE_DS, { 0 }, 0, true,
		    false, 0, 1, 0, 0, 60 },
		{ "SOA at child apex from the child", "child.example.test",
		    LDNS_RR_TYPE_SOA, { 0 }, 0, true, false, 1, 0, 0,
		    LDNS_RR_TYPE_SOA, 0 },
		{ "NS answer adds in-zone addresses", "example.test",
		    LDNS_RR_TYPE_NS, { 0 }, 0, true, false, 2, 0, 2,
		    LDNS_RR_TYPE_NS, 0 },
		{ "MX answer adds nothing (minimal)", "example.test",
		    LDNS_RR_TYPE_MX, { 0 }, 0, true, false, 1, 0, 0,
		    LDNS_RR_TYPE_MX, 0 },
		{ "ANY gives one RRset", "www.example.test", LDNS_RR_TYPE_ANY,
		    { 0 }, 0, true, false, 1, 0, 0, LDNS_RR_TYPE_A, 0 },
		{ "ANY at apex prefers SOA", "example.test", LDNS_RR_TYPE_ANY,
		    { 0 }, 0, true, false, 1, 0, 0, LDNS_RR_TYPE_SOA, 0 },
		{ "outside our zones", "example.com", LDNS_RR_TYPE_A, { 0 }, 5,
		    false, false, 0, 0, 0, 0, 0 },
		{ "parent of our zone", "test", LDNS_RR_TYPE_SOA, { 0 }, 5,
		    false, false, 0, 0, 0, 0, 0 },
		{ "big RRset without EDNS: TC", "big.example.test",
		    LDNS_RR_TYPE_TXT, { 0 }, 0, true, true, 0, 0, 0, 0, 0 },
		{ "big RRset fits with EDNS", "big.example.test",
		    LDNS_RR_TYPE_TXT, { .edns_payload = 1232 }, 0, true, false,
		    3, 0, 0, LDNS_RR_TYPE_TXT, 0 },
		{ "EDNS payload under 512 counts as 512", "big.example.test",
		    LDNS_RR_TYPE_TXT, { .edns_payload = 100 }, 0, true, true, 0,
		    0, 0, 0, 0 },
		{ "big RRset over TCP", "big.example.test", LDNS_RR_TYPE_TXT,
		    { .tcp = true }, 0, true, false, 3, 0, 0, LDNS_RR_TYPE_TXT,
		    0 },
		{ "class ANY: no AA, no SOA", "nope.example.test",
		    LDNS_RR_TYPE_A, { .qclass = 255 }, 3, false, false, 0, 0, 0,
		    0, 0 },
		{ "CHAOS is refused", "version.bind", LDNS_RR_TYPE_TXT,
		    { .qclass = 3 }, 5, false, false, 0, 0, 0, 0, 0 },
		{ "AXFR over UDP: NOTIMP", "example.test", LDNS_RR_TYPE_AXFR,
		    { 0 }, 4, false, false, 0, 0, 0, 0, 0 },
		{ "AXFR over TCP: REFUSED", "example.test", LDNS_RR_TYPE_AXFR,
		    { .tcp = true }, 5, false, false, 0, 0, 0, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct answer_case *c = &cases[i];
		size_t len;
		ldns_pkt *p = ask(c->name, c->type, &c->req, &len);

		if ((int)ldns_pkt_get_rcode(p) != c->rcode ||
		    ldns_pkt_aa(p) != c->aa || ldns_pkt_tc(p) != c->tc ||
		    ldns_pkt_ancount(p) != c->an ||
		    ldns_pkt_nscount(p) != c->ns ||
		    ldns_pkt_arcount(p) != c->ar)
			fail_msg("%s: rcode %d aa %d tc %d an %u ns %u ar %u",
			    c->desc, ldns_pkt_get_rcode(p), ldns_pkt_aa(p),
			    ldns_pkt_tc(p), ldns_pkt_ancount(p),
			    ldns_pkt_nscount(p), ldns_pkt_arcount(p));
		if (c->first_an_type &&
		    ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(p), 0)) !=
			c->first_an_type)
			fail_msg("%s: first answer type %d", c->desc,
			    ldns_rr_get_type(
				ldns_rr_list_rr(ldns_pkt_answer(p), 0)));
		if (c->first_ns_ttl &&
		    ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_authority(p), 0)) !=
			c->first_ns_ttl)
			fail_msg("%s: authority TTL %u", c->desc,
			    ldns_rr_ttl(
				ldns_rr_list_rr(ldns_pkt_authority(p), 0)));
		if (!ldns_pkt_rd(p))
			fail_msg("%s: RD not copied", c->desc);
		ldns_pkt_free(p);
	}
}

static void
test_query_answer_preserves_case_and_compresses(void **state)
{
	struct req r = { 0 };
	size_t len;
	ldns_pkt *p = ask("ChAiN.example.TEST", LDNS_RR_TYPE_A, &r, &len);
	ldns_rr *q0 = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	char *s = ldns_rdf2str(ldns_rr_owner(q0));

	(void)state;
	assert_string_equal(s, "ChAiN.example.TEST.");
	free(s);
	/* Three RRs whose names all share example.test: with compression
	 * the answer is far smaller than the names spelled out. */
	assert_true(len < 12 + 24 + 3 * (12 + 20) + 40);
	ldns_pkt_free(p);
}

static void
test_query_answer_edns(void **state)
{
	struct req r = { .edns_payload = 4096, .edns_do = true };
	size_t len;
	ldns_pkt *p = ask("www.example.test", LDNS_RR_TYPE_A, &r, &len);

	(void)state;
	assert_true(ldns_pkt_edns(p));
	assert_true(ldns_pkt_edns_do(p));
	assert_int_equal(ldns_pkt_edns_udp_size(p), 1232);
	assert_int_equal(ldns_pkt_edns_version(p), 0);
	ldns_pkt_free(p);

	r.edns_version = 1;
	p = ask("www.example.test", LDNS_RR_TYPE_A, &r, &len);
	/* BADVERS: extended RCODE 1 in OPT, question kept, no data. */
	assert_int_equal(ldns_pkt_edns_extended_rcode(p), 1);
	assert_int_equal(ldns_pkt_get_rcode(p), 0);
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
}

static size_t unhex(const char *hex, uint8_t *out);

static void
test_query_answer_ecs_echo(void **state)
{
	/* www.example.test A, EDNS with ECS 2001:db8::/56 */
	static const char hex[] =
	    "abcd0100 0001 0000 0000 0001"
	    "03777777076578616d706c650474657374 00 0001 0001"
	    "000029020000000000000f 0008 000b 0002 38 00 20010db8000000";
	struct query_env env = { .db = db, .udp_payload = 1232 };
	uint8_t in[512], out[1232];
	size_t n, len;
	ldns_pkt *p = NULL;
	ldns_rdf *opt;
	const uint8_t *o;

	(void)state;
	n = unhex(hex, in);
	len = query_answer(&q, &env, in, n, out, sizeof(out), false, client());
	assert_int_equal(ldns_wire2pkt(&p, out, len), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	opt = ldns_pkt_edns_data(p);
	assert_non_null(opt);
	/* code 8, length 11, family 2, source 56, scope 0 (a static
	 * answer does not depend on the client), the same address */
	assert_int_equal(ldns_rdf_size(opt), 15);
	o = ldns_rdf_data(opt);
	assert_memory_equal(o, "\x00\x08\x00\x0b\x00\x02\x38\x00", 8);
	assert_memory_equal(o + 8, "\x20\x01\x0d\xb8\x00\x00\x00", 7);
	ldns_pkt_free(p);
}

/* Raw requests: what NSD does with each malformed or odd packet. */
struct raw_case {
	const char *desc;
	const char *hex;
	int rcode; /* -1: dropped */
	int qd;	   /* question count in the response */
};

static size_t
unhex(const char *hex, uint8_t *out)
{
	size_t n = 0;

	while (hex[0] && hex[1]) {
		unsigned v;

		if (hex[0] == ' ') {
			hex++;
			continue;
		}
		sscanf(hex, "%2x", &v);
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

static void
test_query_answer_malformed_table(void **state)
{
	/* www.example.test A IN */
#define QN "03777777076578616d706c650474657374 00 0001 0001"
	static const struct raw_case cases[] = {
		{ "short header", "abcd0100000100", -1, 0 },
		{ "QR set: dropped", "abcd8100 0001 0000 0000 0000" QN, -1, 0 },
		{ "no question", "abcd0100 0000 0000 0000 0000", 1, 0 },
		{ "two questions", "abcd0100 0002 0000 0000 0000" QN QN, 1, 0 },
		{ "label past the end", "abcd0100 0001 0000 0000 0000 3f7777",
		    1, 0 },
		{ "pointer loop", "abcd0100 0001 0000 0000 0000 c00c 0001 0001",
		    1, 0 },
		{ "answer section present", "abcd0100 0001 0001 0000 0000" QN,
		    1, 0 },
		{ "trailing garbage ignored",
		    "abcd0100 0001 0000 0000 0000" QN "deadbeef", 0, 1 },
		{ "unknown opcode: NOTIMP", "abcd2900 0001 0000 0000 0000" QN,
		    4, 0 },
		{ "NOTIFY for a name that is no zone: NXDOMAIN",
		    "abcd2000 0001 0000 0000 0000" QN, 3, 0 },
		{ "NOTIFY for our zone: REFUSED",
		    "abcd2000 0001 0000 0000 0000"
		    "076578616d706c650474657374 00 0006 0001",
		    5, 0 },
		{ "pointer into the header: FORMERR",
		    "abcd0100 0001 0000 0000 0000 03777777c004 0001 0001", 1,
		    0 },
		{ "question-less OPT-only probe: NOERROR with OPT",
		    "abcd0100 0000 0000 0000 0001 0000290200000000000000", 0,
		    0 },
		{ "RCODE set in query", "abcd0101 0001 0000 0000 0000" QN, 1,
		    0 },
		{ "two OPT records",
		    "abcd0100 0001 0000 0000 0002" QN
		    "0000290200000000000000 0000290200000000000000",
		    1, 0 },
		{ "OPT with bad option length",
		    "abcd0100 0001 0000 0000 0001" QN
		    "0000290200000000000004 0008 0010",
		    1, 0 },
		{ "ECS: good IPv4 /24 is answered",
		    "abcd0100 0001 0000 0000 0001" QN
		    "000029020000000000000b 0008 0007 0001 18 00 c00002",
		    0, 1 },
		{ "ECS: unknown family",
		    "abcd0100 0001 0000 0000 0001" QN
		    "000029020000000000000b 0008 0007 0003 18 00 c00002",
		    1, 0 },
		{ "ECS: IPv4 source prefix over 32",
		    "abcd0100 0001 0000 0000 0001" QN
		    "000029020000000000000d 0008 0009 0001 21 00 c000020100",
		    1, 0 },
		{ "ECS: non-zero scope in a query",
		    "abcd0100 0001 0000 0000 0001" QN
		    "000029020000000000000b 0008 0007 0001 18 08 c00002",
		    1, 0 },
		{ "ECS: address longer than the prefix",
		    "abcd0100 0001 0000 0000 0001" QN
		    "000029020000000000000c 0008 0008 0001 18 00 c0000201",
		    1, 0 },
		{ "ECS: bits set past the prefix",
		    "abcd0100 0001 0000 0000 0001" QN
		    "000029020000000000000b 0008 0007 0001 17 00 c00003",
		    1, 0 },
		{ "ECS: two options",
		    "abcd0100 0001 0000 0000 0001" QN
		    "0000002902000000000016 0008 0007 0001 18 00 c00002"
		    " 0008 0007 0001 18 00 c00002",
		    1, 0 },
		{ "ECS: shorter than its header",
		    "abcd0100 0001 0000 0000 0001" QN
		    "0000290200000000000006 0008 0002 0001",
		    1, 0 },
		{ "additional RR that is not OPT",
		    "abcd0100 0001 0000 0000 0001" QN
		    "00 0001 0001 00000000 0004 c0000201",
		    1, 0 },
	};
#undef QN
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct raw_case *c = &cases[i];
		struct query_env env = { .db = db, .udp_payload = 1232 };
		uint8_t in[512], out[1232];
		size_t n = unhex(c->hex, in), len;

		len = query_answer(&q, &env, in, n, out, sizeof(out), false,
		    client());
		if (c->rcode < 0) {
			if (len != 0)
				fail_msg("%s: answered, want drop", c->desc);
			continue;
		}
		if (len < 12 || (out[3] & 0xf) != c->rcode ||
		    (out[4] << 8 | out[5]) != c->qd || !(out[2] & 0x80))
			fail_msg("%s: len %zu rcode %d qd %d", c->desc, len,
			    len >= 12 ? out[3] & 0xf : -1,
			    len >= 12 ? out[4] << 8 | out[5] : -1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_answer_table),
		cmocka_unit_test(
		    test_query_answer_preserves_case_and_compresses),
		cmocka_unit_test(test_query_answer_edns),
		cmocka_unit_test(test_query_answer_malformed_table),
		cmocka_unit_test(test_query_answer_ecs_echo),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
