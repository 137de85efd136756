/*
 * dnscount: send many UDP queries for one name and count the answers.
 *
 *	dnscount [-n COUNT] [-w WINDOW] [-r RATE] [-t MS] [-b ADDR]
 *		 [-e NET/LEN [-V N] [-s BITS]] [-S] [-c]
 *		 HOST:PORT NAME [A|AAAA|TYPEnnn]
 *
 * The GSLB integration tests ask a pool's name thousands of times and judge
 * the spread of the answers (weights, round robin, spill-over, consistent
 * hashing), so this tool is built for that and nothing else: one connected
 * UDP socket, at most WINDOW queries in flight and at most RATE sent per
 * second, each query lost after MS milliseconds (never retried).
 *
 *	-n, --count N     queries to send (default 1000)
 *	-w, --window N    queries in flight at most (default 32, max 4096)
 *	-r, --rate QPS    queries per second at most (default 0: no limit)
 *	-t, --timeout MS  a query unanswered after MS is lost (default 1000)
 *	-b, --bind ADDR   send from this source address
 *	-e, --ecs NET/LEN add an EDNS Client Subnet option (RFC 7871)
 *	-V, --vary N      with -e: query i uses subnet number i % N, counted
 *	                  from NET in steps of one unit at bit BITS
 *	-s, --step BITS   where -V steps (default LEN): "-e 20.0.0.7/32
 *	                  -V 3 -s 24" asks for 20.0.0.7, 20.0.1.7, 20.0.2.7
 *	-S, --scope       add the ECS scope of each answer to its key
 *	-c, --clients     per subnet instead of a histogram (needs -V)
 *
 * Every query has EDNS (payload 1232) and RD clear. An answer's key is its
 * A and AAAA addresses, sorted and joined with ','; "nodata" for NOERROR
 * without any; "rcode=NAME" for another response code. With -S the key
 * gets ";scope=N" (the echoed SCOPE PREFIX-LENGTH) or ";noecs".
 *
 * Output: a summary line, then one line per distinct key, sorted by key:
 *
 *	sent=10000 answered=10000 lost=0
 *	127.0.1.1 2496
 *	127.0.1.2 7504
 *
 * With -c, after the summary, one line per subnet in order:
 *
 *	0 20.0.0.7/32 127.0.9.3
 *	1 20.0.1.7/32 mixed:127.0.9.3|127.0.9.4
 *
 * ("mixed:" when that subnet's answers were not all the same, "lost" when
 * none came back). A reply whose ECS option names another subnet than its
 * query is counted as "bad-ecs".
 *
 * Exit status: 0 when every query was answered, 1 when some were lost,
 * 2 on usage or setup errors.
 */
#include "config.h"

#include "tests/tools/dnsio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define DNSCOUNT_WINDOW_MAX 4096
#define DNSCOUNT_KEY_MAX 1024
#define DNSCOUNT_QUERY_MAX 512
#define DNSCOUNT_EDNS_PAYLOAD 1232
#define DNSCOUNT_OPT_ECS 8

struct dnscount_subnet {
	int family; /* AF_INET, AF_INET6 */
	unsigned len;
	uint8_t addr[16];
};

struct dnscount_opts {
	unsigned long count, window, rate, timeout, vary;
	unsigned step;
	bool has_ecs, scope, clients, has_bind;
	struct dnscount_subnet ecs;
	struct dnsio_addr server, bind;
	uint8_t qname[256];
	size_t qname_len;
	uint16_t qtype;
};

/* One distinct key and how often it came. */
struct dnscount_key {
	char *text;
	unsigned long count;
};

struct dnscount_table {
	struct dnscount_key *keys;
	size_t n, cap;
};

/* A query in flight, indexed by its ID. */
struct dnscount_slot {
	bool busy;
	unsigned long index; /* the query's number */
	int64_t sent_ms;
};

/* Per subnet (-c): the first key seen, or "mixed". */
struct dnscount_client {
	long key; /* index into the table, -1 none yet */
	bool mixed;
	char *mix; /* "k1|k2|..." when mixed */
};

static void dnscount_usage(void);
static unsigned long dnscount_number(const char *s, unsigned long max);
static int dnscount_subnet_parse(const char *s, struct dnscount_subnet *n);
static void dnscount_subnet_nth(const struct dnscount_subnet *base,
    unsigned step, unsigned long i, struct dnscount_subnet *out);
static void dnscount_subnet_str(const struct dnscount_subnet *n, char *buf,
    size_t len);
static int dnscount_name_to_wire(const char *name, uint8_t *out, size_t *len);
static int dnscount_type_parse(const char *s, uint16_t *type);
static size_t dnscount_build(const struct dnscount_opts *o, uint16_t id,
    const struct dnscount_subnet *ecs, uint8_t *buf);
static void dnscount_key(const uint8_t *msg, size_t len, bool want_scope,
    const struct dnscount_subnet *ecs, char *key, size_t keylen);
static size_t dnscount_table_add(struct dnscount_table *t, const char *key);
static int dnscount_key_cmp(const void *a, const void *b);
static int dnscount_open(const struct dnscount_opts *o);
static int dnscount_run(const struct dnscount_opts *o);

static void
dnscount_usage(void)
{
	fprintf(stderr,
	    "usage: dnscount [-n COUNT] [-w WINDOW] [-r RATE] [-t MS] "
	    "[-b ADDR]\n"
	    "                [-e NET/LEN [-V N] [-s BITS]] [-S] [-c] "
	    "HOST:PORT NAME [TYPE]\n");
	exit(2);
}

/* A decimal number 0..max; usage error otherwise. */
static unsigned long
dnscount_number(const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || *s == '-')
		dnscount_usage();
	return v;
}

/* "ADDR/LEN" with no bits set past LEN. Returns 0 or -1. */
static int
dnscount_subnet_parse(const char *s, struct dnscount_subnet *n)
{
	char host[64];
	const char *slash = strchr(s, '/');
	unsigned max;

	memset(n, 0, sizeof(*n));
	if (slash == NULL || (size_t)(slash - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(slash - s));
	host[slash - s] = '\0';
	if (inet_pton(AF_INET, host, n->addr) == 1) {
		n->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, n->addr) == 1) {
		n->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	errno = 0;
	{
		char *end;
		unsigned long l = strtoul(slash + 1, &end, 10);

		if (errno || end == slash + 1 || *end || l > max)
			return -1;
		n->len = (unsigned)l;
	}
	for (unsigned b = n->len; b < max; b++)
		if (n->addr[b / 8] & (0x80 >> (b % 8)))
			return -1;
	return 0;
}

/* base plus i units at bit `step` (1-based prefix length), carrying. */
static void
dnscount_subnet_nth(const struct dnscount_subnet *base, unsigned step,
    unsigned long i, struct dnscount_subnet *out)
{
	unsigned long carry = i;

	*out = *base;
	/* Add i at bit position step-1 (counted from the left). */
	for (int bit = (int)step - 1; bit >= 0 && carry; bit--) {
		unsigned byte = (unsigned)bit / 8,
			 shift = 7 - (unsigned)bit % 8;
		unsigned long sum =
		    ((out->addr[byte] >> shift) & 1u) + (carry & 1u);

		out->addr[byte] = (uint8_t)((out->addr[byte] & ~(1u << shift)) |
		    ((sum & 1u) << shift));
		carry = (carry >> 1) + (sum >> 1);
	}
}

static void
dnscount_subnet_str(const struct dnscount_subnet *n, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(n->family, n->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, n->len);
}

static int
dnscount_name_to_wire(const char *name, uint8_t *out, size_t *len)
{
	size_t pos = 0;
	const char *p = name;

	while (*p && !(p[0] == '.' && p[1] == '\0')) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (l == 0 || l > 63 || pos + l + 2 > 255)
			return -1;
		out[pos++] = (uint8_t)l;
		memcpy(out + pos, p, l);
		pos += l;
		p += l;
		if (*p == '.')
			p++;
	}
	out[pos++] = 0;
	*len = pos;
	return 0;
}

static int
dnscount_type_parse(const char *s, uint16_t *type)
{
	if (strcasecmp(s, "A") == 0)
		*type = 1;
	else if (strcasecmp(s, "AAAA") == 0)
		*type = 28;
	else if (strncasecmp(s, "TYPE", 4) == 0 && s[4])
		*type = (uint16_t)dnscount_number(s + 4, 65535);
	else
		return -1;
	return 0;
}

/* The query with ID id into buf (DNSCOUNT_QUERY_MAX bytes). */
static size_t
dnscount_build(const struct dnscount_opts *o, uint16_t id,
    const struct dnscount_subnet *ecs, uint8_t *buf)
{
	size_t pos = 0, alen;

	buf[pos++] = (uint8_t)(id >> 8);
	buf[pos++] = (uint8_t)id;
	buf[pos++] = 0; /* QUERY, RD clear */
	buf[pos++] = 0;
	buf[pos++] = 0; /* QDCOUNT 1 */
	buf[pos++] = 1;
	memset(buf + pos, 0, 4); /* AN, NS */
	pos += 4;
	buf[pos++] = 0; /* ARCOUNT 1: OPT */
	buf[pos++] = 1;
	memcpy(buf + pos, o->qname, o->qname_len);
	pos += o->qname_len;
	buf[pos++] = (uint8_t)(o->qtype >> 8);
	buf[pos++] = (uint8_t)o->qtype;
	buf[pos++] = 0; /* IN */
	buf[pos++] = 1;
	/* OPT: root owner, type 41, payload, ext-rcode/version/flags 0 */
	buf[pos++] = 0;
	buf[pos++] = 0;
	buf[pos++] = 41;
	buf[pos++] = (uint8_t)(DNSCOUNT_EDNS_PAYLOAD >> 8);
	buf[pos++] = (uint8_t)(DNSCOUNT_EDNS_PAYLOAD & 0xff);
	memset(buf + pos, 0, 4);
	pos += 4;
	if (ecs == NULL) {
		buf[pos++] = 0;
		buf[pos++] = 0;
		return pos;
	}
	alen = (ecs->len + 7) / 8;
	buf[pos++] = 0;
	buf[pos++] = (uint8_t)(8 + alen);
	buf[pos++] = 0;
	buf[pos++] = DNSCOUNT_OPT_ECS;
	buf[pos++] = 0;
	buf[pos++] = (uint8_t)(4 + alen);
	buf[pos++] = 0;
	buf[pos++] = ecs->family == AF_INET ? 1 : 2;
	buf[pos++] = (uint8_t)ecs->len;
	buf[pos++] = 0; /* SCOPE PREFIX-LENGTH: 0 in queries */
	memcpy(buf + pos, ecs->addr, alen);
	pos += alen;
	return pos;
}

static int
dnscount_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The key of reply msg (see the top of the file) into key. */
static void
dnscount_key(const uint8_t *msg, size_t len, bool want_scope,
    const struct dnscount_subnet *ecs, char *key, size_t keylen)
{
	char addrs[64][INET6_ADDRSTRLEN];
	char *sorted[64];
	unsigned naddr = 0, qd, an, rcode;
	size_t pos = 12, kpos = 0;
	struct dnsio_opt opt;
	char rbuf[16];

	key[0] = '\0';
	if (len < 12) {
		snprintf(key, keylen, "short");
		return;
	}
	dnsio_scan(msg, len, &opt);
	rcode = (msg[3] & 0xfu) |
	    (opt.count > 0 ? (unsigned)opt.ext_rcode << 4 : 0);
	qd = (unsigned)msg[4] << 8 | msg[5];
	an = (unsigned)msg[6] << 8 | msg[7];
	if (ecs && opt.count > 0) {
		uint16_t olen;
		const uint8_t *o = dnsio_opt_find(opt.rdata, opt.rdlen,
		    DNSCOUNT_OPT_ECS, &olen);
		size_t alen = (ecs->len + 7) / 8;

		if (o &&
		    (olen != 4 + alen ||
			o[1] != (ecs->family == AF_INET ? 1 : 2) ||
			o[2] != ecs->len ||
			memcmp(o + 4, ecs->addr, alen) != 0)) {
			snprintf(key, keylen, "bad-ecs");
			return;
		}
	}
	if (rcode != 0) {
		kpos = (size_t)snprintf(key, keylen, "rcode=%s",
		    dnsio_rcode_str(rcode, rbuf));
		goto scope;
	}
	for (unsigned i = 0; i < qd; i++) {
		if (dnsio_skip_name(msg, len, &pos) != 0 || pos + 4 > len)
			goto malformed;
		pos += 4;
	}
	for (unsigned i = 0; i < an; i++) {
		uint16_t type, rdlen;

		if (dnsio_skip_name(msg, len, &pos) != 0 || pos + 10 > len)
			goto malformed;
		type = (uint16_t)(msg[pos] << 8 | msg[pos + 1]);
		rdlen = (uint16_t)(msg[pos + 8] << 8 | msg[pos + 9]);
		pos += 10;
		if (pos + rdlen > len)
			goto malformed;
		if (naddr < 64 && type == 1 && rdlen == 4)
			inet_ntop(AF_INET, msg + pos, addrs[naddr++],
			    INET6_ADDRSTRLEN);
		else if (naddr < 64 && type == 28 && rdlen == 16)
			inet_ntop(AF_INET6, msg + pos, addrs[naddr++],
			    INET6_ADDRSTRLEN);
		pos += rdlen;
	}
	if (naddr == 0) {
		kpos = (size_t)snprintf(key, keylen, "nodata");
		goto scope;
	}
	for (unsigned i = 0; i < naddr; i++)
		sorted[i] = addrs[i];
	qsort(sorted, naddr, sizeof(sorted[0]), dnscount_str_cmp);
	for (unsigned i = 0; i < naddr && kpos + 1 < keylen; i++) {
		int n = snprintf(key + kpos, keylen - kpos, "%s%s",
		    i ? "," : "", sorted[i]);

		if (n < 0)
			break;
		kpos +=
		    (size_t)n < keylen - kpos ? (size_t)n : keylen - kpos - 1;
	}
scope:
	if (want_scope && kpos + 1 < keylen) {
		uint16_t olen = 0;
		const uint8_t *o = opt.count > 0 ?
		    dnsio_opt_find(opt.rdata, opt.rdlen, DNSCOUNT_OPT_ECS,
			&olen) :
		    NULL;

		if (o && olen >= 4)
			snprintf(key + kpos, keylen - kpos, ";scope=%u", o[3]);
		else
			snprintf(key + kpos, keylen - kpos, ";noecs");
	}
	return;
malformed:
	snprintf(key, keylen, "malformed");
}

/* The index of key in t, added with count 0 if new. */
static size_t
dnscount_table_add(struct dnscount_table *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->keys[i].text, key) == 0)
			return i;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->keys = realloc(t->keys, t->cap * sizeof(*t->keys));
		if (t->keys == NULL)
			abort();
	}
	t->keys[t->n].text = strdup(key);
	if (t->keys[t->n].text == NULL)
		abort();
	t->keys[t->n].count = 0;
	return t->n++;
}

static int
dnscount_key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dnscount_key *)a)->text,
	    ((const struct dnscount_key *)b)->text);
}

/* A connected UDP socket to the server, bound as asked. Returns fd or -1. */
static int
dnscount_open(const struct dnscount_opts *o)
{
	int fd, buf = 4 << 20;

	fd = socket(o->server.ss.ss_family,
	    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		return -1;
	}
	/* Best effort: a larger buffer keeps a burst of answers. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (o->has_bind &&
	    bind(fd, (const struct sockaddr *)&o->bind.ss, o->bind.len) != 0) {
		perror("bind");
		close(fd);
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)&o->server.ss,
		o->server.len) != 0) {
		perror("connect");
		close(fd);
		return -1;
	}
	return fd;
}

/* Send, receive, print. Returns the exit status. */
static int
dnscount_run(const struct dnscount_opts *o)
{
	static struct dnscount_slot slots[65536];
	static uint8_t reply[DNSIO_MSG_MAX];
	struct dnscount_table table = { 0 };
	struct dnscount_client *clients = NULL;
	unsigned long sent = 0, answered = 0, lost = 0, inflight = 0;
	unsigned long oldest = 0; /* no query before it is in flight */
	int64_t start;
	int fd, rc = 0;

	fd = dnscount_open(o);
	if (fd < 0)
		return 2;
	if (o->clients) {
		clients = calloc(o->vary, sizeof(*clients));
		if (clients == NULL)
			abort();
		for (unsigned long i = 0; i < o->vary; i++)
			clients[i].key = -1;
	}
	start = dnsio_now_ms();
	while (sent < o->count || inflight > 0) {
		int64_t now = dnsio_now_ms(), wait_ms = 1000;
		struct pollfd p = { .fd = fd, .events = POLLIN };

		/* Send what the window and the rate allow. */
		while (sent < o->count && inflight < o->window) {
			uint8_t q[DNSCOUNT_QUERY_MAX];
			struct dnscount_subnet sub;
			uint16_t id = (uint16_t)(sent & 0xffff);
			size_t qlen;

			if (o->rate > 0 &&
			    (int64_t)(sent * 1000 / o->rate) > now - start) {
				wait_ms = (int64_t)(sent * 1000 / o->rate) -
				    (now - start);
				break;
			}
			if (slots[id].busy)
				break; /* ID still in flight: wait */
			if (o->has_ecs)
				dnscount_subnet_nth(&o->ecs, o->step,
				    o->vary ? sent % o->vary : 0, &sub);
			qlen =
			    dnscount_build(o, id, o->has_ecs ? &sub : NULL, q);
			if (send(fd, q, qlen, 0) < 0) {
				if (errno == EAGAIN || errno == ENOBUFS ||
				    errno == EINTR)
					break;
				if (errno != ECONNREFUSED) {
					perror("send");
					rc = 2;
					goto out;
				}
				/* ICMP from an earlier query: resend. */
				continue;
			}
			slots[id].busy = true;
			slots[id].index = sent;
			slots[id].sent_ms = now;
			sent++;
			inflight++;
		}
		/* Queries go out in order with the same timeout, so the
		 * oldest one in flight has the nearest deadline. */
		while (oldest < sent) {
			struct dnscount_slot *s = &slots[oldest & 0xffff];
			int64_t left;

			if (!s->busy || s->index != oldest) {
				oldest++;
				continue;
			}
			left = s->sent_ms + (int64_t)o->timeout - now;
			if (left <= 0) {
				s->busy = false;
				inflight--;
				lost++;
				oldest++;
				continue;
			}
			if (left < wait_ms)
				wait_ms = left;
			break;
		}
		if (sent >= o->count && inflight == 0)
			break;
		if (wait_ms < 0)
			wait_ms = 0;
		if (poll(&p, 1, (int)wait_ms) < 0 && errno != EINTR) {
			perror("poll");
			rc = 2;
			goto out;
		}
		for (;;) {
			ssize_t n = recv(fd, reply, sizeof(reply), 0);
			struct dnscount_subnet sub;
			struct dnscount_slot *s;
			char key[DNSCOUNT_KEY_MAX];
			size_t k;

			if (n < 0) {
				if (errno == EINTR || errno == ECONNREFUSED)
					continue;
				break; /* EAGAIN */
			}
			if (n < 12)
				continue;
			s = &slots[(unsigned)reply[0] << 8 | reply[1]];
			if (!s->busy)
				continue; /* late or stray */
			s->busy = false;
			inflight--;
			answered++;
			if (o->has_ecs)
				dnscount_subnet_nth(&o->ecs, o->step,
				    o->vary ? s->index % o->vary : 0, &sub);
			dnscount_key(reply, (size_t)n, o->scope,
			    o->has_ecs ? &sub : NULL, key, sizeof(key));
			k = dnscount_table_add(&table, key);
			table.keys[k].count++;
			if (clients) {
				struct dnscount_client *c =
				    &clients[s->index % o->vary];

				if (c->key < 0) {
					c->key = (long)k;
				} else if (c->key != (long)k &&
				    (c->mix == NULL ||
					strstr(c->mix, key) == NULL)) {
					size_t ml = c->mix ? strlen(c->mix) : 0;
					const char *first =
					    table.keys[c->key].text;

					c->mixed = true;
					c->mix = realloc(c->mix,
					    ml + strlen(first) + strlen(key) +
						3);
					if (c->mix == NULL)
						abort();
					if (ml == 0)
						sprintf(c->mix, "%s|%s", first,
						    key);
					else
						sprintf(c->mix + ml, "|%s",
						    key);
				}
			}
		}
	}
	printf("sent=%lu answered=%lu lost=%lu\n", sent, answered, lost);
	if (clients) {
		for (unsigned long i = 0; i < o->vary; i++) {
			struct dnscount_subnet sub;
			char sbuf[64];

			dnscount_subnet_nth(&o->ecs, o->step, i, &sub);
			dnscount_subnet_str(&sub, sbuf, sizeof(sbuf));
			if (clients[i].key < 0)
				printf("%lu %s lost\n", i, sbuf);
			else if (clients[i].mixed)
				printf("%lu %s mixed:%s\n", i, sbuf,
				    clients[i].mix);
			else
				printf("%lu %s %s\n", i, sbuf,
				    table.keys[clients[i].key].text);
		}
	} else {
		qsort(table.keys, table.n, sizeof(table.keys[0]),
		    dnscount_key_cmp);
		for (size_t i = 0; i < table.n; i++)
			printf("%s %lu\n", table.keys[i].text,
			    table.keys[i].count);
	}
	rc = lost > 0 ? 1 : 0;
out:
	close(fd);
	for (size_t i = 0; i < table.n; i++)
		free(table.keys[i].text);
	free(table.keys);
	if (clients)
		for (unsigned long i = 0; i < o->vary; i++)
			free(clients[i].mix);
	free(clients);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "window", required_argument, NULL, 'w' },
		{ "rate", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "bind", required_argument, NULL, 'b' },
		{ "ecs", required_argument, NULL, 'e' },
		{ "vary", required_argument, NULL, 'V' },
		{ "step", required_argument, NULL, 's' },
		{ "scope", no_argument, NULL, 'S' },
		{ "clients", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dnscount_opts o = { .count = 1000,
		.window = 32,
		.timeout = 1000,
		.qtype = 1 };
	bool has_step = false;
	int c;

	while ((c = getopt_long(argc, argv, "n:w:r:t:b:e:V:s:Sch", longopts,
		    NULL)) != -1) {
		switch (c) {
		case 'n':
			o.count = dnscount_number(optarg, 100000000);
			break;
		case 'w':
			o.window = dnscount_number(optarg, DNSCOUNT_WINDOW_MAX);
			if (o.window == 0)
				dnscount_usage();
			break;
		case 'r':
			o.rate = dnscount_number(optarg, 10000000);
			break;
		case 't':
			o.timeout = dnscount_number(optarg, 600000);
			if (o.timeout == 0)
				dnscount_usage();
			break;
		case 'b': {
			char buf[80];

			/* dnsio_addr_parse() wants a port: 0 is any. */
			snprintf(buf, sizeof(buf),
			    strchr(optarg, ':') ? "[%s]:1" : "%s:1", optarg);
			if (dnsio_addr_parse(buf, &o.bind) != 0)
				dnscount_usage();
			if (o.bind.ss.ss_family == AF_INET)
				((struct sockaddr_in *)&o.bind.ss)->sin_port =
				    0;
			else
				((struct sockaddr_in6 *)&o.bind.ss)->sin6_port =
				    0;
			o.has_bind = true;
			break;
		}
		case 'e':
			if (dnscount_subnet_parse(optarg, &o.ecs) != 0) {
				fprintf(stderr,
				    "dnscount: bad subnet '%s' (ADDR/LEN, no "
				    "bits past LEN)\n",
				    optarg);
				dnscount_usage();
			}
			o.has_ecs = true;
			break;
		case 'V':
			o.vary = dnscount_number(optarg, 10000000);
			break;
		case 's':
			o.step = (unsigned)dnscount_number(optarg, 128);
			has_step = true;
			break;
		case 'S':
			o.scope = true;
			break;
		case 'c':
			o.clients = true;
			break;
		default:
			dnscount_usage();
		}
	}
	if (argc - optind < 2 || argc - optind > 3)
		dnscount_usage();
	if (dnsio_addr_parse(argv[optind], &o.server) != 0)
		dnscount_usage();
	if (dnscount_name_to_wire(argv[optind + 1], o.qname, &o.qname_len) !=
	    0) {
		fprintf(stderr, "dnscount: bad name '%s'\n", argv[optind + 1]);
		return 2;
	}
	if (argc - optind == 3 &&
	    dnscount_type_parse(argv[optind + 2], &o.qtype) != 0) {
		fprintf(stderr, "dnscount: unknown type '%s'\n",
		    argv[optind + 2]);
		return 2;
	}
	if (!has_step)
		o.step = o.ecs.len;
	if ((o.vary || has_step) && !o.has_ecs)
		dnscount_usage();
	/* Stepping past the prefix would set bits the option must not. */
	if (o.vary > 1 && (o.step == 0 || o.step > o.ecs.len))
		dnscount_usage();
	if (o.clients && o.vary == 0)
		dnscount_usage();
	return dnscount_run(&o);
}
