#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/monotime.h"
#include "common/rc.h"
#include "common/resolver.h"

/*
 * A tiny DNS server on 127.0.0.1 in the test's own event loop. Names:
 *	v4.test      A 192.0.2.1 (TTL 300), A 192.0.2.2 (TTL 60); no AAAA
 *	v6.test      AAAA 2001:db8::1 (TTL 120); no A
 *	dual.test    A 192.0.2.7 (TTL 30), AAAA 2001:db8::7 (TTL 90)
 *	mN.test      A 10.0.0.N (TTL 1000 + N), for N < 256
 *	silent.test  never answered
 *	anything else: NXDOMAIN
 */
#define DNS_T_A 1
#define DNS_T_AAAA 28

struct dnssrv {
	int fd;
	uint16_t port;
	struct event *ev;
	unsigned nqueries;
};

struct fixture {
	struct event_base *base;
	struct dnssrv srv;
	struct resolver *r;
	struct event *guard;
};

struct result {
	struct fixture *f;
	int calls;
	int rc;
	struct resolver_result res;
	uint64_t at;
};

static int setup(void **state);
static int teardown(void **state);
static void dnssrv_read_cb(evutil_socket_t fd, short what, void *arg);
static size_t dnssrv_answer(const uint8_t *q, size_t qlen, uint8_t *out,
    size_t cap);
static size_t dnssrv_rr(uint8_t *p, uint16_t type, uint32_t ttl,
    const void *rdata, uint16_t rdlen);
static void guard_cb(evutil_socket_t fd, short what, void *arg);
static void record_cb(void *arg, int rc, const struct resolver_result *res);
static void run_until(struct fixture *f, int *count, int want);
static struct resolver *fixture_resolver(struct fixture *f, unsigned tmo);
static const char *addr_str(const struct resolver_result *res, size_t i,
    char *buf, size_t len);
static void test_resolver_lookup_a_ttl(void **state);
static void test_resolver_lookup_aaaa(void **state);
static void test_resolver_lookup_unspec(void **state);
static void test_resolver_lookup_nxdomain(void **state);
static void test_resolver_lookup_nodata(void **state);
static void test_resolver_lookup_timeout(void **state);
static void test_resolver_lookup_literal(void **state);
static void test_resolver_lookup_bad_args(void **state);
static void test_resolver_lookup_many(void **state);
static void test_resolver_free_pending(void **state);
static void test_resolver_cancel(void **state);
static void test_resolver_new_bad_servers(void **state);

static int done_count;

/* ---- The DNS responder ---- */

static void
dnssrv_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dnssrv *srv = arg;
	uint8_t q[512], a[512];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	ssize_t n;
	size_t alen;

	(void)what;
	n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &flen);
	if (n <= 0)
		return;
	srv->nqueries++;
	alen = dnssrv_answer(q, (size_t)n, a, sizeof(a));
	if (alen > 0)
		(void)sendto(fd, a, alen, 0, (struct sockaddr *)&from, flen);
}

static size_t
dnssrv_rr(uint8_t *p, uint16_t type, uint32_t ttl, const void *rdata,
    uint16_t rdlen)
{
	p[0] = 0xc0; /* pointer to the question's name at offset 12 */
	p[1] = 12;
	p[2] = type >> 8;
	p[3] = type & 0xff;
	p[4] = 0;
	p[5] = 1;
	p[6] = ttl >> 24;
	p[7] = (ttl >> 16) & 0xff;
	p[8] = (ttl >> 8) & 0xff;
	p[9] = ttl & 0xff;
	p[10] = rdlen >> 8;
	p[11] = rdlen & 0xff;
	memcpy(p + 12, rdata, rdlen);
	return 12 + (size_t)rdlen;
}

/* Answer for query q, or 0 to stay silent. */
static size_t
dnssrv_answer(const uint8_t *q, size_t qlen, uint8_t *out, size_t cap)
{
	char name[256];
	size_t off = 12, nl = 0, end, len;
	uint16_t qtype, an = 0;
	uint8_t rcode = 0, a4[4], a6[16];
	unsigned idx;

	if (qlen < 12 + 5 || cap < 512)
		return 0;
	while (off < qlen && q[off] != 0) {
		size_t l = q[off];
		if (l > 63 || off + 1 + l >= qlen || nl + l + 1 >= sizeof(name))
			return 0;
		if (nl > 0)
			name[nl++] = '.';
		memcpy(name + nl, q + off + 1, l);
		nl += l;
		off += 1 + l;
	}
	name[nl] = '\0';
	end = off + 5; /* root label, qtype, qclass */
	if (end > qlen)
		return 0;
	qtype = (uint16_t)(q[off + 1] << 8 | q[off + 2]);
	if (strcasecmp(name, "silent.test") == 0)
		return 0;

	memcpy(out, q, end);
	len = end;
	if (strcasecmp(name, "v4.test") == 0) {
		if (qtype == DNS_T_A) {
			inet_pton(AF_INET, "192.0.2.1", a4);
			len += dnssrv_rr(out + len, DNS_T_A, 300, a4, 4);
			inet_pton(AF_INET, "192.0.2.2", a4);
			len += dnssrv_rr(out + len, DNS_T_A, 60, a4, 4);
			an = 2;
		}
	} else if (strcasecmp(name, "v6.test") == 0) {
		if (qtype == DNS_T_AAAA) {
			inet_pton(AF_INET6, "2001:db8::1", a6);
			len += dnssrv_rr(out + len, DNS_T_AAAA, 120, a6, 16);
			an = 1;
		}
	} else if (strcasecmp(name, "dual.test") == 0) {
		if (qtype == DNS_T_A) {
			inet_pton(AF_INET, "192.0.2.7", a4);
			len += dnssrv_rr(out + len, DNS_T_A, 30, a4, 4);
			an = 1;
		} else if (qtype == DNS_T_AAAA) {
			inet_pton(AF_INET6, "2001:db8::7", a6);
			len += dnssrv_rr(out + len, DNS_T_AAAA, 90, a6, 16);
			an = 1;
		}
	} else if (sscanf(name, "m%u.test", &idx) == 1 && idx < 256) {
		if (qtype == DNS_T_A) {
			a4[0] = 10;
			a4[1] = 0;
			a4[2] = 0;
			a4[3] = (uint8_t)idx;
			len += dnssrv_rr(out + len, DNS_T_A, 1000 + idx, a4, 4);
			an = 1;
		}
	} else
		rcode = 3;	       /* NXDOMAIN */
	out[2] = 0x80 | (q[2] & 0x01); /* QR, keep RD */
	out[3] = 0x80 | rcode;	       /* RA */
	out[4] = 0;
	out[5] = 1;
	out[6] = 0;
	out[7] = (uint8_t)an;
	memset(out + 8, 0, 4); /* no NS, no additional (drops any OPT) */
	return len;
}

/* ---- Fixture ---- */

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);

	assert_non_null(f);
	f->base = event_base_new();
	assert_non_null(f->base);
	f->srv.fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(f->srv.fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->srv.fd, (struct sockaddr *)&sin, slen), 0);
	assert_int_equal(getsockname(f->srv.fd, (struct sockaddr *)&sin, &slen),
	    0);
	f->srv.port = ntohs(sin.sin_port);
	evutil_make_socket_nonblocking(f->srv.fd);
	f->srv.ev = event_new(f->base, f->srv.fd, EV_READ | EV_PERSIST,
	    dnssrv_read_cb, &f->srv);
	assert_int_equal(event_add(f->srv.ev, NULL), 0);
	f->guard = evtimer_new(f->base, guard_cb, f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	resolver_free(f->r);
	event_free(f->guard);
	event_free(f->srv.ev);
	close(f->srv.fd);
	event_base_free(f->base);
	free(f);
	return 0;
}

static struct resolver *
fixture_resolver(struct fixture *f, unsigned tmo)
{
	char servers[64];
	struct resolver_opts o = { .timeout_ms = tmo, .tries = 1 };

	snprintf(servers, sizeof(servers), "127.0.0.1:%u", f->srv.port);
	o.servers = servers;
	f->r = resolver_new(f->base, &o);
	assert_non_null(f->r);
	return f->r;
}

static void
guard_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fixture *f = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(f->base);
}

static void
record_cb(void *arg, int rc, const struct resolver_result *res)
{
	struct result *r = arg;

	r->calls++;
	r->rc = rc;
	r->at = monotime_now();
	if (res != NULL)
		r->res = *res;
	else
		assert_int_not_equal(rc, RC_OK);
	done_count++;
}

/* Run the loop until `*count` reaches `want` or 2 s pass. */
static void
run_until(struct fixture *f, int *count, int want)
{
	struct timeval tv = { 0, 20000 };
	uint64_t start = monotime_now();

	while (*count < want && monotime_now() - start < 2 * MONOTIME_SEC) {
		evtimer_add(f->guard, &tv);
		event_base_loop(f->base, EVLOOP_ONCE);
	}
	evtimer_del(f->guard);
	assert_int_equal(*count, want);
}

static const char *
addr_str(const struct resolver_result *res, size_t i, char *buf, size_t len)
{
	const struct sockaddr *sa = (const struct sockaddr *)&res->addr[i];

	if (sa->sa_family == AF_INET)
		return inet_ntop(AF_INET,
		    &((const struct sockaddr_in *)sa)->sin_addr, buf, len);
	return inet_ntop(AF_INET6,
	    &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, len);
}

/* ---- Cases ---- */

static void
test_resolver_lookup_a_ttl(void **state)
{
	struct fixture *f = *state;
	struct result res = { 0 };
	char buf[64];

	fixture_resolver(f, 200);
	done_count = 0;
	assert_int_equal(
	    resolver_lookup(f->r, "v4.test", AF_INET, record_cb, &res), RC_OK);
	assert_int_equal(res.calls, 0); /* never from inside lookup */
	assert_int_equal(resolver_pending(f->r), 1);
	run_until(f, &done_count, 1);
	assert_int_equal(res.calls, 1);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.res.n, 2);
	assert_int_equal(res.res.ttl, 60);
	assert_string_equal(addr_str(&res.res, 0, buf, sizeof(buf)),
	    "192.0.2.1");
	assert_string_equal(addr_str(&res.res, 1, buf, sizeof(buf)),
	    "192.0.2.2");
	assert_int_equal(resolver_pending(f->r), 0);
}

static void
test_resolver_lookup_aaaa(void **state)
{
	struct fixture *f = *state;
	struct result res = { 0 };
	char buf[64];

	fixture_resolver(f, 200);
	done_count = 0;
	assert_int_equal(
	    resolver_lookup(f->r, "v6.test", AF_INET6, record_cb, &res), RC_OK);
	run_until(f, &done_count, 1);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.res.n, 1);
	assert_int_equal(res.res.ttl, 120);
	assert_int_equal(res.res.addr[0].ss_family, AF_INET6);
	assert_string_equal(addr_str(&res.res, 0, buf, sizeof(buf)),
	    "2001:db8::1");
}

static void
test_resolver_lookup_unspec(void **state)
{
	struct fixture *f = *state;
	struct result res = { 0 };
	bool v4 = false, v6 = false;
	size_t i;

	fixture_resolver(f, 200);
	done_count = 0;
	assert_int_equal(
	    resolver_lookup(f->r, "dual.test", AF_UNSPEC, record_cb, &res),
	    RC_OK);
	run_until(f, &done_count, 1);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.res.n, 2);
	assert_int_equal(res.res.ttl, 30);
	for (i = 0; i < res.res.n; i++) {
		v4 |= res.res.addr[i].ss_family == AF_INET;
		v6 |= res.res.addr[i].ss_family == AF_INET6;
	}
	assert_true(v4 && v6);
}

static void
test_resolver_lookup_nxdomain(void **state)
{
	struct fixture *f = *state;
	struct result res = { 0 };

	fixture_resolver(f, 200);
	done_count = 0;
	assert_int_equal(
	    resolver_lookup(f->r, "nx.test", AF_INET, record_cb, &res), RC_OK);
	run_until(f, &done_count, 1);
	assert_int_equal(res.calls, 1);
	assert_int_equal(res.rc, RC_NOTFOUND);
}

static void
test_resolver_lookup_nodata(void **state)
{
	struct fixture *f = *state;
	struct result res = { 0 };

	fixture_resolver(f, 200);
	done_count = 0;
	assert_int_equal(
	    resolver_lookup(f->r, "v6.test", AF_INET, record_cb, &res), RC_OK);
	run_until(f, &done_count, 1);
	assert_int_equal(res.rc, RC_NOTFOUND);
}

static void
test_resolver_lookup_timeout(void **state)
{
	struct fixture *f = *state;
	struct result res = { 0 };
	uint64_t start, took;

	fixture_resolver(f, 200);
	done_count = 0;
	start = monotime_now();
	assert_int_equal(
	    resolver_lookup(f->r, "silent.test", AF_INET, record_cb, &res),
	    RC_OK);
	run_until(f, &done_count, 1);
	took = res.at - start;
	assert_int_equal(res.rc, RC_TIMEOUT);
	assert_true(f->srv.nqueries >= 1);
	assert_true(took >= 150 * MONOTIME_MSEC);
	assert_true(took < 600 * MONOTIME_MSEC);
}

static void
test_resolver_lookup_literal(void **state)
{
	static const struct {
		const char *desc;
		const char *host;
		int family;
		int want_rc;
		int want_family;
	} cases[] = {
		{ "v4 any", "192.0.2.9", AF_UNSPEC, RC_OK, AF_INET },
		{ "v4 v4", "192.0.2.9", AF_INET, RC_OK, AF_INET },
		{ "v4 as v6", "192.0.2.9", AF_INET6, RC_NOTFOUND, 0 },
		{ "v6 any", "2001:db8::9", AF_UNSPEC, RC_OK, AF_INET6 },
		{ "v6 v6", "::1", AF_INET6, RC_OK, AF_INET6 },
		{ "v6 as v4", "::1", AF_INET, RC_NOTFOUND, 0 },
	};
	struct fixture *f = *state;
	struct result res[6];
	size_t i, n = sizeof(cases) / sizeof(cases[0]);

	fixture_resolver(f, 200);
	done_count = 0;
	memset(res, 0, sizeof(res));
	for (i = 0; i < n; i++)
		assert_int_equal(resolver_lookup(f->r, cases[i].host,
				     cases[i].family, record_cb, &res[i]),
		    RC_OK);
	assert_int_equal(done_count, 0);
	run_until(f, &done_count, (int)n);
	for (i = 0; i < n; i++) {
		if (res[i].rc != cases[i].want_rc)
			fail_msg("%s: rc %s", cases[i].desc, rc_str(res[i].rc));
		if (cases[i].want_rc == RC_OK) {
			assert_int_equal(res[i].res.n, 1);
			assert_int_equal(res[i].res.addr[0].ss_family,
			    cases[i].want_family);
			assert_int_equal(res[i].res.ttl, RESOLVER_TTL_LITERAL);
		}
	}
	assert_int_equal(f->srv.nqueries, 0);
}

static void
test_resolver_lookup_bad_args(void **state)
{
	struct fixture *f = *state;
	struct result res = { 0 };

	fixture_resolver(f, 200);
	assert_int_equal(resolver_lookup(f->r, "", AF_INET, record_cb, &res),
	    RC_MALFORMED);
	assert_int_equal(
	    resolver_lookup(f->r, "v4.test", AF_UNIX, record_cb, &res),
	    RC_MALFORMED);
	assert_int_equal(resolver_pending(f->r), 0);
	resolver_free(NULL);
}

static void
test_resolver_lookup_many(void **state)
{
	struct fixture *f = *state;
	struct result res[200];
	char host[32];
	const struct sockaddr_in *sin;
	int i, n = 200;

	fixture_resolver(f, 500);
	done_count = 0;
	memset(res, 0, sizeof(res));
	for (i = 0; i < n; i++) {
		snprintf(host, sizeof(host), "m%d.test", i);
		assert_int_equal(
		    resolver_lookup(f->r, host, AF_INET, record_cb, &res[i]),
		    RC_OK);
	}
	assert_int_equal(resolver_pending(f->r), (size_t)n);
	run_until(f, &done_count, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(res[i].calls, 1);
		assert_int_equal(res[i].rc, RC_OK);
		assert_int_equal(res[i].res.ttl, 1000 + i);
		sin = (const struct sockaddr_in *)&res[i].res.addr[0];
		assert_int_equal(ntohl(sin->sin_addr.s_addr), 0x0a000000 + i);
	}
}

static void
test_resolver_free_pending(void **state)
{
	struct fixture *f = *state;
	struct result res[4];
	int i;

	fixture_resolver(f, 200);
	done_count = 0;
	memset(res, 0, sizeof(res));
	assert_int_equal(
	    resolver_lookup(f->r, "silent.test", AF_INET, record_cb, &res[0]),
	    RC_OK);
	assert_int_equal(
	    resolver_lookup(f->r, "silent.test", AF_UNSPEC, record_cb, &res[1]),
	    RC_OK);
	assert_int_equal(
	    resolver_lookup(f->r, "v4.test", AF_INET, record_cb, &res[2]),
	    RC_OK);
	assert_int_equal(
	    resolver_lookup(f->r, "192.0.2.1", AF_INET, record_cb, &res[3]),
	    RC_OK);
	/* Let the queries go out, but not long enough to time out. */
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	resolver_free(f->r);
	f->r = NULL;
	/* Each pending callback ran once, with RC_AGAIN or its answer. */
	for (i = 0; i < 4; i++)
		assert_int_equal(res[i].calls, 1);
	assert_int_equal(res[0].rc, RC_AGAIN);
	assert_int_equal(res[1].rc, RC_AGAIN);
	/* Nothing after free. */
	done_count = 0;
	{
		struct timeval tv = { 0, 300000 };
		evtimer_add(f->guard, &tv);
		event_base_dispatch(f->base);
	}
	assert_int_equal(done_count, 0);
}

static void
test_resolver_cancel(void **state)
{
	struct fixture *f = *state;
	struct result a = { 0 }, b = { 0 };

	fixture_resolver(f, 200);
	done_count = 0;
	assert_int_equal(
	    resolver_lookup(f->r, "v4.test", AF_INET, record_cb, &a), RC_OK);
	assert_int_equal(
	    resolver_lookup(f->r, "10.1.1.1", AF_INET, record_cb, &a), RC_OK);
	assert_int_equal(
	    resolver_lookup(f->r, "v6.test", AF_INET6, record_cb, &b), RC_OK);
	assert_int_equal(resolver_cancel(f->r, &a), 2);
	run_until(f, &done_count, 1);
	{
		struct timeval tv = { 0, 100000 };
		evtimer_add(f->guard, &tv);
		event_base_dispatch(f->base);
	}
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.rc, RC_OK);
	assert_int_equal(resolver_pending(f->r), 0);
}

static void
test_resolver_new_bad_servers(void **state)
{
	struct fixture *f = *state;
	struct resolver_opts o = { .servers = "not an address!" };

	assert_null(resolver_new(f->base, &o));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resolver_lookup_a_ttl,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolver_lookup_aaaa,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolver_lookup_unspec,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolver_lookup_nxdomain,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolver_lookup_nodata,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolver_lookup_timeout,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolver_lookup_literal,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolver_lookup_bad_args,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolver_lookup_many,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolver_free_pending,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolver_cancel, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_resolver_new_bad_servers,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
