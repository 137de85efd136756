/*
 * dnsdiff: ask two DNS servers the same questions and compare the answers.
 *
 *	dnsdiff [-v] [--strict-case] [--timeout MS] [--allow FILE]
 *		SERVER_A SERVER_B QUERYFILE
 *
 * SERVER is host:port or [v6]:port. QUERYFILE has one query per line,
 * '#' starts a comment:
 *
 *	NAME TYPE [+tcp] [+noedns] [+bufsize=N] [+ednsver=N] [+do] [+norec]
 *		  [+opcode=N] [+class=CLASS] [+ad] [+cd] [+subnet=ADDR/LEN]
 *
 * Defaults: UDP, RD set, EDNS version 0 with payload 1232, class IN.
 *
 * Each response is normalized into lines of text and the two are compared:
 *
 *	header: opcode=QUERY rcode=NOERROR flags=qr aa rd
 *	question: WwW.Example.TEST. IN A	(exact, letter case kept)
 *	edns: version=0 ext-rcode=0 do=0 ecs=none	(or "edns: none")
 *	answer|authority|additional: <RR>	(each section sorted)
 *
 * The rcode includes the extended bits from the OPT record. RRs are shown
 * in canonical form (RFC 4034 6.2: owner and the names in well-known rdata
 * lowercased) unless --strict-case; TTLs are compared. The OPT record's
 * payload size and options are not compared, except whether an ECS option
 * came back. Sections are compared as sorted multisets, so record order does
 * not matter but a repeated record does. A server that does not answer
 * gives "no response"; two silent servers agree.
 *
 * Output: one line per query, "ok", "DIFF" or "allowed" followed by the
 * query; for DIFF both normalized responses follow, lines missing from the
 * other side marked with '!'. The allow list (--allow) has lines
 * "NAME TYPE [+flag...] reason": a difference for that name and type (and,
 * when flags are given, exactly those flags) is reported but not counted.
 *
 * -v also prints the normalized response of every query that agreed (and
 * of allowed differences), which is how to see what NSD answers.
 *
 * Exit status: 0 when every difference is allowed, 1 when one is not, 2 on
 * usage or setup errors.
 */
#include "config.h"

#include "tests/tools/dnsio.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <ldns/ldns.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#define DNSDIFF_LINE_MAX 1024
#define DNSDIFF_FLAGS_MAX 256

struct dnsdiff_query {
	char name[DNSDIFF_LINE_MAX];
	char type_text[32];
	char flags[DNSDIFF_FLAGS_MAX]; /* the +flags, sorted, for matching */
	uint16_t type;
	uint16_t qclass;
	bool tcp, edns, dnssec_ok, rd, ad, cd;
	uint16_t bufsize;
	uint8_t ednsver;
	uint8_t opcode;
	char subnet[64];
};

struct dnsdiff_allow {
	char name[DNSDIFF_LINE_MAX];
	char type[32];
	char flags[DNSDIFF_FLAGS_MAX]; /* empty: any flags */
	char reason[DNSDIFF_LINE_MAX];
	unsigned used;
};

/* A normalized response: lines of text, owned. */
struct dnsdiff_norm {
	char **line;
	size_t n, cap;
};

struct dnsdiff {
	struct dnsio_addr server[2];
	const char *server_text[2];
	int timeout_ms;
	bool verbose;
	bool strict_case;
	struct dnsdiff_allow *allow;
	size_t nallow;
};

static void dnsdiff_usage(void);
static int dnsdiff_num(const char *v, unsigned long max, unsigned long *out);
static bool dnsdiff_name_eq(const char *a, const char *b);
static int dnsdiff_build_ecs(const char *subnet, uint8_t *p, size_t size);
static int dnsdiff_strcmp_cb(const void *a, const void *b);
static bool dnsdiff_norm_has(const struct dnsdiff_norm *nm, const char *line);
static int dnsdiff_strip(char *s);
static void dnsdiff_sort_tokens(char *s);
static int dnsdiff_parse_type(const char *s, uint16_t *type);
static int dnsdiff_parse_class(const char *s, uint16_t *qclass);
static int dnsdiff_parse_query(char *line, struct dnsdiff_query *q,
    const char *file, unsigned lineno);
static int dnsdiff_load_allow(struct dnsdiff *d, const char *file);
static struct dnsdiff_allow *dnsdiff_find_allow(struct dnsdiff *d,
    const struct dnsdiff_query *q);
static int dnsdiff_build(const struct dnsdiff_query *q, uint16_t id,
    uint8_t *buf, size_t size);
static int dnsdiff_exchange(struct dnsdiff *d, int side,
    const struct dnsdiff_query *q, const uint8_t *msg, size_t len,
    uint8_t *reply, size_t size);
static void dnsdiff_add(struct dnsdiff_norm *nm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void dnsdiff_norm_free(struct dnsdiff_norm *nm);
static void dnsdiff_normalize(struct dnsdiff *d, const struct dnsdiff_query *q,
    int rlen, const uint8_t *reply, uint16_t id, struct dnsdiff_norm *nm);
static void dnsdiff_add_section(struct dnsdiff *d, struct dnsdiff_norm *nm,
    const char *label, ldns_rr_list *rrs);
static bool dnsdiff_norm_equal(const struct dnsdiff_norm *a,
    const struct dnsdiff_norm *b);
static void dnsdiff_print(const char *tag, const struct dnsdiff_norm *nm,
    const struct dnsdiff_norm *other);
static int dnsdiff_run(struct dnsdiff *d, FILE *f, const char *file);

/* ---- Query list and allow list ---- */

static void
dnsdiff_usage(void)
{
	fprintf(stderr,
	    "usage: dnsdiff [-v] [--strict-case] [--timeout MS] "
	    "[--allow FILE]\n"
	    "               SERVER_A SERVER_B QUERYFILE\n"
	    "query line: NAME TYPE [+tcp] [+noedns] [+bufsize=N] "
	    "[+ednsver=N] [+do]\n"
	    "            [+norec] [+opcode=N] [+class=CLASS] [+ad] [+cd] "
	    "[+subnet=A/N]\n");
	exit(2);
}

/* Cut comments and trailing blanks; returns nonzero for an empty line. */
static int
dnsdiff_strip(char *s)
{
	char *hash = strchr(s, '#');
	size_t n;

	if (hash != NULL)
		*hash = '\0';
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)*s))
		memmove(s, s + 1, n--);
	return n == 0;
}

/* Sort the blank-separated tokens of s in place ("+tcp +do" -> "+do +tcp").
 */
static void
dnsdiff_sort_tokens(char *s)
{
	char copy[DNSDIFF_FLAGS_MAX], *tok[32], *save = NULL;
	size_t n = 0;

	snprintf(copy, sizeof(copy), "%s", s);
	for (char *t = strtok_r(copy, " \t", &save); t != NULL && n < 32;
	     t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcasecmp(tok[j - 1], tok[j]) > 0;
		     j--) {
			char *t = tok[j];

			tok[j] = tok[j - 1];
			tok[j - 1] = t;
		}
	s[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, tok[i]);
	}
}

static int
dnsdiff_parse_type(const char *s, uint16_t *type)
{
	char *end;
	unsigned long v;

	if (strncasecmp(s, "TYPE", 4) == 0 && isdigit((unsigned char)s[4])) {
		v = strtoul(s + 4, &end, 10);
		if (*end != '\0' || v > 65535)
			return -1;
		*type = (uint16_t)v;
		return 0;
	}
	*type = (uint16_t)ldns_get_rr_type_by_name(s);
	return *type == 0 ? -1 : 0;
}

static int
dnsdiff_parse_class(const char *s, uint16_t *qclass)
{
	char *end;
	unsigned long v;

	if (strncasecmp(s, "CLASS", 5) == 0 && isdigit((unsigned char)s[5])) {
		v = strtoul(s + 5, &end, 10);
		if (*end != '\0' || v > 65535)
			return -1;
		*qclass = (uint16_t)v;
		return 0;
	}
	*qclass = (uint16_t)ldns_get_rr_class_by_name(s);
	return *qclass == 0 ? -1 : 0;
}

/* Parse a number option "+key=N" with a maximum. */
static int
dnsdiff_num(const char *v, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(v, &end, 10);
	return errno != 0 || *end != '\0' || end == v || *out > max ? -1 : 0;
}

static int
dnsdiff_parse_query(char *line, struct dnsdiff_query *q, const char *file,
    unsigned lineno)
{
	char *save = NULL, *name, *type, *t;
	unsigned long v;

	memset(q, 0, sizeof(*q));
	q->qclass = LDNS_RR_CLASS_IN;
	q->edns = true;
	q->rd = true;
	q->bufsize = 1232;
	name = strtok_r(line, " \t", &save);
	type = strtok_r(NULL, " \t", &save);
	if (name == NULL || type == NULL)
		goto fail;
	snprintf(q->name, sizeof(q->name), "%s", name);
	snprintf(q->type_text, sizeof(q->type_text), "%s", type);
	if (dnsdiff_parse_type(type, &q->type) != 0) {
		fprintf(stderr, "%s:%u: unknown type '%s'\n", file, lineno,
		    type);
		return -1;
	}
	while ((t = strtok_r(NULL, " \t", &save)) != NULL) {
		if (strlen(q->flags) + strlen(t) + 2 > sizeof(q->flags))
			goto fail;
		if (q->flags[0] != '\0')
			strcat(q->flags, " ");
		strcat(q->flags, t);
		if (strcmp(t, "+tcp") == 0)
			q->tcp = true;
		else if (strcmp(t, "+noedns") == 0)
			q->edns = false;
		else if (strcmp(t, "+do") == 0)
			q->dnssec_ok = true;
		else if (strcmp(t, "+norec") == 0)
			q->rd = false;
		else if (strcmp(t, "+ad") == 0)
			q->ad = true;
		else if (strcmp(t, "+cd") == 0)
			q->cd = true;
		else if (strncmp(t, "+bufsize=", 9) == 0 &&
		    dnsdiff_num(t + 9, 65535, &v) == 0)
			q->bufsize = (uint16_t)v;
		else if (strncmp(t, "+ednsver=", 9) == 0 &&
		    dnsdiff_num(t + 9, 255, &v) == 0)
			q->ednsver = (uint8_t)v;
		else if (strncmp(t, "+opcode=", 8) == 0 &&
		    dnsdiff_num(t + 8, 15, &v) == 0)
			q->opcode = (uint8_t)v;
		else if (strncmp(t, "+class=", 7) == 0 &&
		    dnsdiff_parse_class(t + 7, &q->qclass) == 0)
			;
		else if (strncmp(t, "+subnet=", 8) == 0 &&
		    strlen(t + 8) < sizeof(q->subnet))
			strcpy(q->subnet, t + 8);
		else
			goto fail;
	}
	if (!q->edns && (q->dnssec_ok || q->ednsver || q->subnet[0])) {
		fprintf(stderr, "%s:%u: +noedns with an EDNS option\n", file,
		    lineno);
		return -1;
	}
	dnsdiff_sort_tokens(q->flags);
	return 0;
fail:
	fprintf(stderr, "%s:%u: cannot parse query line\n", file, lineno);
	return -1;
}

static int
dnsdiff_load_allow(struct dnsdiff *d, const char *file)
{
	FILE *f = fopen(file, "r");
	char buf[DNSDIFF_LINE_MAX];
	unsigned lineno = 0;

	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", file, strerror(errno));
		return -1;
	}
	while (fgets(buf, sizeof(buf), f) != NULL) {
		struct dnsdiff_allow *a;
		char *save = NULL, *name, *type, *t;

		lineno++;
		if (dnsdiff_strip(buf))
			continue;
		name = strtok_r(buf, " \t", &save);
		type = strtok_r(NULL, " \t", &save);
		if (type == NULL) {
			fprintf(stderr, "%s:%u: want NAME TYPE reason\n", file,
			    lineno);
			fclose(f);
			return -1;
		}
		d->allow = realloc(d->allow, (d->nallow + 1) * sizeof(*a));
		if (d->allow == NULL)
			abort();
		a = &d->allow[d->nallow++];
		memset(a, 0, sizeof(*a));
		snprintf(a->name, sizeof(a->name), "%s", name);
		snprintf(a->type, sizeof(a->type), "%s", type);
		while ((t = strtok_r(NULL, " \t", &save)) != NULL) {
			if (t[0] != '+') {
				/* The rest of the line is the reason. */
				snprintf(a->reason, sizeof(a->reason), "%s%s%s",
				    t, save != NULL ? " " : "",
				    save != NULL ? save : "");
				break;
			}
			if (strlen(a->flags) + strlen(t) + 2 > sizeof(a->flags))
				break;
			if (a->flags[0] != '\0')
				strcat(a->flags, " ");
			strcat(a->flags, t);
		}
		dnsdiff_sort_tokens(a->flags);
		if (a->reason[0] == '\0') {
			fprintf(stderr, "%s:%u: allow entry without a reason\n",
			    file, lineno);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

/* Names match without regard to case or a trailing dot. */
static bool
dnsdiff_name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 1 && a[la - 1] == '.')
		la--;
	if (lb > 1 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static struct dnsdiff_allow *
dnsdiff_find_allow(struct dnsdiff *d, const struct dnsdiff_query *q)
{
	for (size_t i = 0; i < d->nallow; i++) {
		struct dnsdiff_allow *a = &d->allow[i];

		if (dnsdiff_name_eq(a->name, q->name) &&
		    strcasecmp(a->type, q->type_text) == 0 &&
		    (a->flags[0] == '\0' || strcmp(a->flags, q->flags) == 0))
			return a;
	}
	return NULL;
}

/* ---- Building and sending queries ---- */

/* ECS option (RFC 7871) for "+subnet=ADDR/LEN" into p; returns its length
 * or -1. */
static int
dnsdiff_build_ecs(const char *subnet, uint8_t *p, size_t size)
{
	char addr[64], *slash;
	uint8_t raw[16];
	unsigned long plen;
	int family, alen;
	size_t nbytes;

	snprintf(addr, sizeof(addr), "%s", subnet);
	slash = strchr(addr, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	if (inet_pton(AF_INET, addr, raw) == 1) {
		family = 1;
		alen = 32;
	} else if (inet_pton(AF_INET6, addr, raw) == 1) {
		family = 2;
		alen = 128;
	} else
		return -1;
	if (dnsdiff_num(slash + 1, (unsigned long)alen, &plen) != 0)
		return -1;
	nbytes = (plen + 7) / 8;
	if (8 + nbytes > size)
		return -1;
	p[0] = 0;
	p[1] = 8; /* OPTION-CODE: edns-client-subnet */
	p[2] = 0;
	p[3] = (uint8_t)(4 + nbytes);
	p[4] = 0;
	p[5] = (uint8_t)family;
	p[6] = (uint8_t)plen;
	p[7] = 0; /* SCOPE PREFIX-LENGTH */
	memcpy(p + 8, raw, nbytes);
	if (plen % 8)
		p[8 + nbytes - 1] &= (uint8_t)(0xff << (8 - plen % 8));
	return (int)(8 + nbytes);
}

/* Encode the query; returns its length or -1. */
static int
dnsdiff_build(const struct dnsdiff_query *q, uint16_t id, uint8_t *buf,
    size_t size)
{
	ldns_rdf *dname = NULL;
	uint16_t flags = (uint16_t)(q->opcode << 11);
	size_t pos = 12;
	int olen = 0;

	if (ldns_str2rdf_dname(&dname, q->name) != LDNS_STATUS_OK) {
		fprintf(stderr, "bad name '%s'\n", q->name);
		return -1;
	}
	if (q->rd)
		flags |= 0x0100;
	if (q->ad)
		flags |= 0x0020;
	if (q->cd)
		flags |= 0x0010;
	memset(buf, 0, 12);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = (uint8_t)(flags >> 8);
	buf[3] = (uint8_t)flags;
	buf[5] = 1;
	buf[11] = q->edns ? 1 : 0;
	if (pos + ldns_rdf_size(dname) + 4 + 11 + 32 > size)
		goto fail;
	memcpy(buf + pos, ldns_rdf_data(dname), ldns_rdf_size(dname));
	pos += ldns_rdf_size(dname);
	buf[pos++] = (uint8_t)(q->type >> 8);
	buf[pos++] = (uint8_t)q->type;
	buf[pos++] = (uint8_t)(q->qclass >> 8);
	buf[pos++] = (uint8_t)q->qclass;
	if (q->edns) {
		uint8_t *opt = buf + pos;

		opt[0] = 0; /* root owner */
		opt[1] = 0;
		opt[2] = 41;
		opt[3] = (uint8_t)(q->bufsize >> 8);
		opt[4] = (uint8_t)q->bufsize;
		opt[5] = 0; /* extended rcode */
		opt[6] = q->ednsver;
		opt[7] = q->dnssec_ok ? 0x80 : 0;
		opt[8] = 0;
		if (q->subnet[0] != '\0') {
			olen = dnsdiff_build_ecs(q->subnet, opt + 11,
			    size - pos - 11);
			if (olen < 0) {
				fprintf(stderr, "bad +subnet=%s\n", q->subnet);
				goto fail;
			}
		}
		opt[9] = (uint8_t)(olen >> 8);
		opt[10] = (uint8_t)olen;
		pos += 11 + (size_t)olen;
	}
	ldns_rdf_deep_free(dname);
	return (int)pos;
fail:
	ldns_rdf_deep_free(dname);
	return -1;
}

/* Send msg to one server; returns the reply length or a DNSIO_* code. */
static int
dnsdiff_exchange(struct dnsdiff *d, int side, const struct dnsdiff_query *q,
    const uint8_t *msg, size_t len, uint8_t *reply, size_t size)
{
	int64_t deadline = dnsio_now_ms() + d->timeout_ms;
	int fd, rc;

	fd = dnsio_open(&d->server[side], q->tcp ? SOCK_STREAM : SOCK_DGRAM,
	    deadline);
	if (fd < 0)
		return fd;
	if (q->tcp) {
		rc = dnsio_send_tcp_msg(fd, msg, len);
		if (rc == 0)
			rc = dnsio_recv_tcp_msg(fd, reply, size, deadline);
	} else {
		rc = dnsio_send_all(fd, msg, len);
		if (rc == 0)
			rc = dnsio_recv_udp(fd, reply, size, deadline);
	}
	close(fd);
	return rc;
}

/* ---- Normalized answers ---- */

static void
dnsdiff_add(struct dnsdiff_norm *nm, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	/* Tabs from ldns become single blanks so lines read well. */
	for (char *p = s; *p; p++)
		if (*p == '\t' || *p == '\n')
			*p = ' ';
	for (size_t n = strlen(s); n > 0 && s[n - 1] == ' ';)
		s[--n] = '\0';
	if (nm->n == nm->cap) {
		nm->cap = nm->cap ? nm->cap * 2 : 16;
		nm->line = realloc(nm->line, nm->cap * sizeof(*nm->line));
		if (nm->line == NULL)
			abort();
	}
	nm->line[nm->n++] = s;
}

static void
dnsdiff_norm_free(struct dnsdiff_norm *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->line[i]);
	free(nm->line);
	memset(nm, 0, sizeof(*nm));
}

static int
dnsdiff_strcmp_cb(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
dnsdiff_add_section(struct dnsdiff *d, struct dnsdiff_norm *nm,
    const char *label, ldns_rr_list *rrs)
{
	size_t first = nm->n;

	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		ldns_rr *rr = ldns_rr_clone(ldns_rr_list_rr(rrs, i));
		char *text;

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_OPT) {
			ldns_rr_free(rr);
			continue; /* compared on its own, see "edns:" */
		}
		if (!d->strict_case)
			ldns_rr2canonical(rr);
		text = ldns_rr2str(rr);
		dnsdiff_add(nm, "%s: %s", label, text ? text : "(unprintable)");
		free(text);
		ldns_rr_free(rr);
	}
	qsort(nm->line + first, nm->n - first, sizeof(*nm->line),
	    dnsdiff_strcmp_cb);
}

static void
dnsdiff_normalize(struct dnsdiff *d, const struct dnsdiff_query *q, int rlen,
    const uint8_t *reply, uint16_t id, struct dnsdiff_norm *nm)
{
	struct dnsio_opt opt;
	ldns_pkt *pkt = NULL;
	ldns_status st;
	uint16_t flags;
	unsigned rcode;
	char fbuf[32], rbuf[16], obuf[16];

	if (rlen == DNSIO_TIMEOUT) {
		dnsdiff_add(nm, "no response");
		return;
	}
	if (rlen == DNSIO_CLOSED) {
		dnsdiff_add(nm, "no response (%s)",
		    q->tcp ? "connection closed" : "port unreachable");
		return;
	}
	if (rlen < 0) {
		dnsdiff_add(nm, "no response (local error)");
		return;
	}
	if (rlen < 12) {
		dnsdiff_add(nm, "short reply (%d bytes)", rlen);
		return;
	}
	flags = (uint16_t)(reply[2] << 8 | reply[3]);
	rcode = flags & 0x000f;
	if (dnsio_scan(reply, (size_t)rlen, &opt) == 0 && opt.count > 0)
		rcode |= (unsigned)opt.ext_rcode << 4;
	dnsdiff_add(nm, "header: opcode=%s rcode=%s flags=%s%s",
	    dnsio_opcode_str((flags >> 11) & 0xf, obuf),
	    dnsio_rcode_str(rcode, rbuf), dnsio_flags_str(flags, ' ', fbuf),
	    (reply[0] << 8 | reply[1]) != id ? " id-mismatch" : "");
	if (opt.count == 0) {
		dnsdiff_add(nm, "edns: none");
	} else {
		uint16_t olen;
		const uint8_t *ecs =
		    dnsio_opt_find(opt.rdata, opt.rdlen, 8, &olen);

		dnsdiff_add(nm,
		    "edns: version=%u ext-rcode=%u do=%u ecs=%s%s%s%s",
		    opt.version, opt.ext_rcode, (opt.flags & 0x8000) ? 1 : 0,
		    ecs ? "echoed" : "none",
		    opt.count > 1 ? " multiple-opt" : "",
		    opt.in_additional != opt.count ? " opt-misplaced" : "",
		    opt.root_owner ? "" : " opt-owner-not-root");
		if (ecs != NULL && olen >= 4)
			dnsdiff_add(nm,
			    "edns-ecs: family=%u source=%u scope=%u",
			    ecs[0] << 8 | ecs[1], ecs[2], ecs[3]);
	}
	st = ldns_wire2pkt(&pkt, reply, (size_t)rlen);
	if (st != LDNS_STATUS_OK) {
		dnsdiff_add(nm, "unparseable: %s (%d bytes)",
		    ldns_get_errorstr_by_id(st), rlen);
		return;
	}
	for (size_t i = 0; i < ldns_pkt_qdcount(pkt); i++) {
		ldns_rr *qr = ldns_rr_list_rr(ldns_pkt_question(pkt), i);
		char *owner = ldns_rdf2str(ldns_rr_owner(qr));
		char *cls = ldns_rr_class2str(ldns_rr_get_class(qr));
		char *type = ldns_rr_type2str(ldns_rr_get_type(qr));

		dnsdiff_add(nm, "question: %s %s %s", owner, cls, type);
		free(owner);
		free(cls);
		free(type);
	}
	dnsdiff_add_section(d, nm, "answer", ldns_pkt_answer(pkt));
	dnsdiff_add_section(d, nm, "authority", ldns_pkt_authority(pkt));
	dnsdiff_add_section(d, nm, "additional", ldns_pkt_additional(pkt));
	ldns_pkt_free(pkt);
}

static bool
dnsdiff_norm_equal(const struct dnsdiff_norm *a, const struct dnsdiff_norm *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->line[i], b->line[i]) != 0)
			return false;
	return true;
}

static bool
dnsdiff_norm_has(const struct dnsdiff_norm *nm, const char *line)
{
	for (size_t i = 0; i < nm->n; i++)
		if (strcmp(nm->line[i], line) == 0)
			return true;
	return false;
}

static void
dnsdiff_print(const char *tag, const struct dnsdiff_norm *nm,
    const struct dnsdiff_norm *other)
{
	for (size_t i = 0; i < nm->n; i++)
		printf("  %s%c %s\n", tag,
		    other && !dnsdiff_norm_has(other, nm->line[i]) ? '!' : '|',
		    nm->line[i]);
}

/* ---- Main loop ---- */

static int
dnsdiff_run(struct dnsdiff *d, FILE *f, const char *file)
{
	static uint8_t query[1024], reply[2][DNSIO_MSG_MAX];
	char buf[DNSDIFF_LINE_MAX], text[2 * DNSDIFF_LINE_MAX];
	unsigned lineno = 0, nok = 0, ndiff = 0, nallowed = 0;

	while (fgets(buf, sizeof(buf), f) != NULL) {
		struct dnsdiff_query q;
		struct dnsdiff_norm nm[2] = { { 0 } };
		struct dnsdiff_allow *a;
		uint16_t id;
		int qlen;

		lineno++;
		if (dnsdiff_strip(buf))
			continue;
		if (dnsdiff_parse_query(buf, &q, file, lineno) != 0)
			return 2;
		snprintf(text, sizeof(text), "%s %s%s%s", q.name, q.type_text,
		    q.flags[0] ? " " : "", q.flags);
		if (getrandom(&id, sizeof(id), 0) != sizeof(id))
			id = (uint16_t)lineno;
		qlen = dnsdiff_build(&q, id, query, sizeof(query));
		if (qlen < 0)
			return 2;
		for (int side = 0; side < 2; side++) {
			int rlen = dnsdiff_exchange(d, side, &q, query,
			    (size_t)qlen, reply[side], sizeof(reply[side]));

			if (rlen == DNSIO_ERROR)
				return 2;
			dnsdiff_normalize(d, &q, rlen, reply[side], id,
			    &nm[side]);
		}
		if (dnsdiff_norm_equal(&nm[0], &nm[1])) {
			nok++;
			printf("ok %s\n", text);
			if (d->verbose)
				dnsdiff_print(" ", &nm[0], NULL);
		} else if ((a = dnsdiff_find_allow(d, &q)) != NULL) {
			nallowed++;
			a->used++;
			printf("allowed %s (%s)\n", text, a->reason);
			if (d->verbose) {
				dnsdiff_print("A", &nm[0], &nm[1]);
				dnsdiff_print("B", &nm[1], &nm[0]);
			}
		} else {
			ndiff++;
			printf("DIFF %s\n", text);
			dnsdiff_print("A", &nm[0], &nm[1]);
			dnsdiff_print("B", &nm[1], &nm[0]);
		}
		dnsdiff_norm_free(&nm[0]);
		dnsdiff_norm_free(&nm[1]);
		fflush(stdout);
	}
	for (size_t i = 0; i < d->nallow; i++)
		if (d->allow[i].used == 0)
			printf("note: allow entry '%s %s%s%s' matched no "
			       "difference\n",
			    d->allow[i].name, d->allow[i].type,
			    d->allow[i].flags[0] ? " " : "", d->allow[i].flags);
	printf("%u queries: %u ok, %u allowed, %u DIFF (A=%s B=%s)\n",
	    nok + nallowed + ndiff, nok, nallowed, ndiff, d->server_text[0],
	    d->server_text[1]);
	return ndiff > 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "allow", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "strict-case", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dnsdiff d = { .timeout_ms = 1000 };
	unsigned long v;
	FILE *f;
	int c, rc;

	while ((c = getopt_long(argc, argv, "a:T:Cvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (dnsdiff_load_allow(&d, optarg) != 0)
				return 2;
			break;
		case 'T':
			if (dnsdiff_num(optarg, 600000, &v) != 0 || v == 0)
				dnsdiff_usage();
			d.timeout_ms = (int)v;
			break;
		case 'C':
			d.strict_case = true;
			break;
		case 'v':
			d.verbose = true;
			break;
		default:
			dnsdiff_usage();
		}
	}
	if (argc - optind != 3)
		dnsdiff_usage();
	for (int i = 0; i < 2; i++) {
		d.server_text[i] = argv[optind + i];
		if (dnsio_addr_parse(argv[optind + i], &d.server[i]) != 0)
			return 2;
	}
	f = fopen(argv[optind + 2], "r");
	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", argv[optind + 2], strerror(errno));
		return 2;
	}
	rc = dnsdiff_run(&d, f, argv[optind + 2]);
	fclose(f);
	free(d.allow);
	return rc;
}
