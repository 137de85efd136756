#include "config.h"

#include "dnsd/query.h"

#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "common/rc.h"
#include "common/wire.h"
#include "dnsd/gslb.h"
#include "dnsd/zone.h"

/* Header flag bits (RFC 1035 4.1.1, RFC 4035 3.1.6). */
#define F_QR 0x8000
#define F_AA 0x0400
#define F_TC 0x0200
#define F_RD 0x0100
#define F_AD 0x0020
#define OPCODE(f) (((f) >> 11) & 0xf)
#define RCODE(f) ((f)&0xf)

enum {
	OP_QUERY = 0,
	OP_NOTIFY = 4
};
enum {
	RC_NOERROR = 0,
	RC_FORMERR = 1,
	RC_SERVFAIL = 2,
	RC_NXDOMAIN = 3,
	RC_NOTIMP = 4,
	RC_REFUSED = 5,
	RC_NOTAUTH = 9,
	RC_BADVERS = 16,
};
enum {
	T_A = 1,
	T_NS = 2,
	T_MD = 3,
	T_MF = 4,
	T_CNAME = 5,
	T_SOA = 6,
	T_MB = 7,
	T_MG = 8,
	T_MR = 9,
	T_PTR = 12,
	T_MINFO = 14,
	T_MX = 15,
	T_AAAA = 28,
	T_DS = 43,
	T_RRSIG = 46,
	T_NSEC = 47,
	T_DNSKEY = 48,
	T_OPT = 41,
	T_TSIG = 250,
	T_IXFR = 251,
	T_AXFR = 252,
	T_ANY = 255,
};
enum {
	C_IN = 1,
	C_CH = 3,
	C_ANY = 255
};

#define EDNS_OPT_ECS 8
#define HDR_LEN 12
#define OPT_LEN 11 /* root owner, type, class, ttl, rdlen */
#define IXFR_MAX_NS 64

static size_t query_error(struct query *q, const uint8_t *pkt, uint8_t *out,
    uint16_t flags, uint8_t rcode);
static size_t query_formerr(struct query *q, const uint8_t *pkt, uint8_t *out);
static int query_parse_opt(struct query *q, struct wire_reader *w);
static int query_parse_ecs(struct query *q, struct wire_reader *w);
static void query_locate(struct query *q);
static int query_skip_rr(struct wire_reader *w);
static void query_lookup(struct query *q, const struct query_env *env);
static bool query_set_cur(struct query *q, const uint8_t *name);
static bool query_is_apex(struct query *q, const struct zonedb *db);
static size_t query_encode(struct query *q, const struct query_env *env,
    uint8_t *out, size_t cap);

/* ---- Request parsing ---- */

/* A header-only error response; `flags` are the response's flags. */
static size_t
query_error(struct query *q, const uint8_t *pkt, uint8_t *out, uint16_t flags,
    uint8_t rcode)
{
	memcpy(out, pkt, 2);
	flags = (uint16_t)((flags | F_QR) & ~(F_AD | 0xf)) | rcode;
	out[2] = (uint8_t)(flags >> 8);
	out[3] = (uint8_t)flags;
	memset(out + 4, 0, 8);
	STATS_INC(q->stats->rcode[rcode]);
	return HDR_LEN;
}

/*
 * Append our OPT, with no options, to a header-only answer of n bytes
 * and count it in ARCOUNT; returns the new length.
 */
static size_t
query_put_bare_opt(const struct query *q, const struct query_env *env,
    uint8_t *out, size_t cap, size_t n)
{
	struct wire_writer ww;

	wire_writer_init(&ww, out, cap);
	ww.pos = n;
	wire_put_u8(&ww, 0);
	wire_put_u16(&ww, T_OPT);
	wire_put_u16(&ww, env->udp_payload);
	wire_put_u32(&ww, q->edns_do ? 0x8000 : 0);
	wire_put_u16(&ww, 0);
	out[11] = 1;
	return ww.pos;
}

/* FORMERR as NSD sends it: RD and the opcode kept, nothing else. */
static size_t
query_formerr(struct query *q, const uint8_t *pkt, uint8_t *out)
{
	uint16_t f = (uint16_t)(pkt[2] << 8 | pkt[3]);

	return query_error(q, pkt, out, f & (F_RD | 0x7800), RC_FORMERR);
}

/*
 * Try to read an OPT RR at the reader. RC_OK: it was an OPT and is
 * recorded in q; RC_NOTFOUND: not an OPT (position restored);
 * RC_MALFORMED: an OPT that does not parse.
 */
static int
query_parse_opt(struct query *q, struct wire_reader *w)
{
	size_t start = w->pos;
	uint16_t type, cls, rdlen, flags;
	uint8_t owner, version;

	if (wire_remaining(w) < OPT_LEN)
		return RC_NOTFOUND;
	owner = wire_get_u8(w);
	type = wire_get_u16(w);
	if (owner != 0 || type != T_OPT) {
		w->pos = start;
		return RC_NOTFOUND;
	}
	cls = wire_get_u16(w);
	(void)wire_get_u8(w); /* extended RCODE */
	version = wire_get_u8(w);
	flags = wire_get_u16(w);
	rdlen = wire_get_u16(w);
	q->edns = true;
	q->edns_do = (flags & 0x8000) != 0;
	q->edns_payload = cls;
	if (version != 0) {
		/* RFC 6891 6.1.3: answer BADVERS, options unread. The DO
		 * bit of a version we do not know means nothing. */
		q->edns_badvers = true;
		q->edns_do = false;
		return RC_OK;
	}
	if (wire_remaining(w) < rdlen)
		return RC_MALFORMED;
	while (rdlen >= 4) {
		uint16_t code, optlen;

		code = wire_get_u16(w);
		optlen = wire_get_u16(w);
		rdlen -= 4;
		if (optlen > rdlen)
			return RC_MALFORMED;
		if (code == EDNS_OPT_ECS) {
			struct wire_reader ow;

			wire_reader_init(&ow, wire_get_ptr(w, optlen), optlen);
			if (w->err || query_parse_ecs(q, &ow) != RC_OK)
				return RC_MALFORMED;
		} else {
			wire_skip(w, optlen); /* unknown options: ignored */
		}
		rdlen -= optlen;
	}
	if (rdlen != 0 || w->err)
		return RC_MALFORMED;
	return RC_OK;
}

/*
 * The ECS option (RFC 7871 section 6). A wrong family, a source prefix
 * longer than the family, a non-zero scope in a query, an address of the
 * wrong length or with bits set past the prefix, or a second ECS option:
 * all RC_MALFORMED, which answers FORMERR (section 7.1.1, and gdnsd).
 */
static int
query_parse_ecs(struct query *q, struct wire_reader *w)
{
	unsigned maxbits, alen;
	uint8_t source, scope;
	uint16_t family;

	if (q->ecs || wire_remaining(w) < 4)
		return RC_MALFORMED;
	family = wire_get_u16(w);
	source = wire_get_u8(w);
	scope = wire_get_u8(w);
	if (family == 1)
		maxbits = 32;
	else if (family == 2)
		maxbits = 128;
	else
		return RC_MALFORMED;
	alen = (source + 7u) / 8u;
	if (source > maxbits || scope != 0 || wire_remaining(w) != alen)
		return RC_MALFORMED;
	memset(q->ecs_addr, 0, sizeof(q->ecs_addr));
	wire_get_bytes(w, q->ecs_addr, alen);
	if ((source % 8) && (q->ecs_addr[alen - 1] & (0xff >> (source % 8))))
		return RC_MALFORMED;
	q->ecs = true;
	q->ecs_family = family;
	q->ecs_source = source;
	q->ecs_scope = 0;
	return RC_OK;
}

/* Where to locate the client: the ECS subnet, or the source address. */
static void
query_locate(struct query *q)
{
	if (q->ecs && q->ecs_source > 0) {
		q->loc_family = q->ecs_family == 1 ? AF_INET : AF_INET6;
		q->loc_bits = q->ecs_source;
		memcpy(q->loc_addr, q->ecs_addr, sizeof(q->loc_addr));
		return;
	}
	/* SOURCE PREFIX-LENGTH 0 (7.1.2): the resolver asks us not to use
	 * its client's address, so locate the resolver itself. */
	memset(q->loc_addr, 0, sizeof(q->loc_addr));
	if (q->from->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 =
		    (const struct sockaddr_in6 *)q->from;

		q->loc_family = AF_INET6;
		q->loc_bits = 128;
		memcpy(q->loc_addr, &s6->sin6_addr, 16);
		/* An IPv4-mapped source is an IPv4 client. */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			q->loc_family = AF_INET;
			q->loc_bits = 32;
			memmove(q->loc_addr, q->loc_addr + 12, 4);
			memset(q->loc_addr + 4, 0, 12);
		}
	} else {
		const struct sockaddr_in *s4 =
		    (const struct sockaddr_in *)q->from;

		q->loc_family = AF_INET;
		q->loc_bits = 32;
		memcpy(q->loc_addr, &s4->sin_addr, 4);
	}
}

/* Skip one RR; RC_OK or RC_MALFORMED. */
static int
query_skip_rr(struct wire_reader *w)
{
	uint8_t name[DNAME_MAX];
	struct dname_info info;
	size_t pos = w->pos;
	uint16_t rdlen;

	if (dname_read(w->buf, w->len, &pos, name, &info) != RC_OK)
		return RC_MALFORMED;
	w->pos = pos;
	wire_skip(w, 8);
	rdlen = wire_get_u16(w);
	wire_skip(w, rdlen);
	return w->err ? RC_MALFORMED : RC_OK;
}

/* Is the question's name the apex of a zone we serve? */
static bool
query_is_apex(struct query *q, const struct zonedb *db)
{
	unsigned label;

	dname_tolower(q->lname, q->qname, q->qinfo.len);
	if (!query_set_cur(q, q->lname))
		return false;
	return zonedb_find(db, q->cur, &q->cinfo, q->h, &label) && label == 0;
}

size_t
query_answer(struct query *q, const struct query_env *env, const uint8_t *pkt,
    size_t len, uint8_t *out, size_t cap, bool tcp, const struct sockaddr *from)
{
	const struct zonedb *db = env->db;
	struct wire_reader w;
	uint16_t qd, an, ns, ar;
	size_t pos;

	STATS_INC(q->stats->queries[tcp ? STATS_TCP : STATS_UDP]);
	if (len < HDR_LEN) {
		STATS_INC(q->stats->dropped[STATS_DROP_SHORT]);
		return 0;
	}
	wire_reader_init(&w, pkt, len);
	q->id = wire_get_u16(&w);
	q->flags = wire_get_u16(&w);
	qd = wire_get_u16(&w);
	an = wire_get_u16(&w);
	ns = wire_get_u16(&w);
	ar = wire_get_u16(&w);
	if (q->flags & F_QR) {
		STATS_INC(q->stats->dropped[STATS_DROP_RESPONSE]);
		return 0;
	}
	q->tcp = tcp;
	q->v6 = from->sa_family == AF_INET6;
	q->from = from;
	q->edns = q->edns_do = q->edns_badvers = q->ecs = false;
	q->edns_payload = 0;

	if (OPCODE(q->flags) != OP_QUERY && OPCODE(q->flags) != OP_NOTIFY)
		return query_error(q, pkt, out, q->flags, RC_NOTIMP);
	if (RCODE(q->flags) != 0)
		return query_formerr(q, pkt, out);

	/* The question comes first, so a compression pointer in it can
	 * only point into the header: NSD calls that FORMERR, and so do
	 * we (a name read uncompressed ends exactly qinfo.len later). */
	pos = HDR_LEN;
	if (dname_read(pkt, len, &pos, q->qname, &q->qinfo) != RC_OK ||
	    pos != HDR_LEN + (size_t)q->qinfo.len || len - pos < 4)
		return query_formerr(q, pkt, out);
	w.pos = pos;
	q->qtype = wire_get_u16(&w);
	q->qclass = wire_get_u16(&w);
	STATS_INC(q->stats->qtype[stats_qtype_index(q->qtype)]);

	/* We accept no NOTIFY: we are the primary of our zones. Like NSD,
	 * NXDOMAIN for a zone we do not serve, REFUSED for one we do. */
	if (OPCODE(q->flags) == OP_NOTIFY)
		return query_error(q, pkt, out, q->flags,
		    query_is_apex(q, db) ? RC_REFUSED : RC_NXDOMAIN);

	if (qd != 1) {
		/* NSD answers a question-less OPT-only query (a cookie
		 * probe) with an empty NOERROR plus OPT; anything else is
		 * FORMERR with every flag cleared. */
		struct wire_reader ow;

		wire_reader_init(&ow, pkt, len);
		ow.pos = HDR_LEN;
		if (qd == 0 && an == 0 && ns == 0 && ar == 1 &&
		    len >= HDR_LEN + OPT_LEN &&
		    query_parse_opt(q, &ow) == RC_OK && !q->edns_badvers) {
			/* NSD 4.6 answers NOERROR with its OPT. */
			uint16_t f = q->flags & (F_RD | 0x7800);
			size_t n = query_error(q, pkt, out, f, RC_NOERROR);

			return query_put_bare_opt(q, env, out, cap, n);
		}
		return query_error(q, pkt, out, 0, RC_FORMERR);
	}
	if (an != 0 || (q->qtype != T_IXFR && ns != 0))
		return query_formerr(q, pkt, out);
	if (ns > IXFR_MAX_NS)
		return query_formerr(q, pkt, out);
	for (unsigned i = 0; i < ns; i++)
		if (query_skip_rr(&w) != RC_OK)
			return query_formerr(q, pkt, out);
	if (ar > 0) {
		int rc = query_parse_opt(q, &w);

		if (rc == RC_OK)
			ar--;
	}
	/* TSIG is not supported, and nothing else belongs here: FORMERR,
	 * which is also what a second OPT gets. Bytes after the last
	 * counted RR are ignored, as NSD does. */
	if (ar > 0)
		return query_formerr(q, pkt, out);
	if (q->edns)
		STATS_INC(q->stats->edns);
	if (q->ecs)
		STATS_INC(q->stats->ecs);

	dname_tolower(q->lname, q->qname, q->qinfo.len);
	q->rcode = RC_NOERROR;
	q->aa = q->tc = q->delegation = false;
	q->cname_count = 0;
	q->nitems = 0;

	if (q->edns_badvers) {
		q->rcode = RC_BADVERS;
	} else if (q->qclass != C_IN && q->qclass != C_ANY) {
		if (q->qclass != C_CH) {
			/* Header only, then our OPT. */
			size_t n =
			    query_error(q, pkt, out, q->flags, RC_REFUSED);

			q->rcode = RC_REFUSED;
			return q->edns ?
			    query_put_bare_opt(q, env, out, cap, n) :
			    n;
		}
		/* CHAOS: no identity or version is given out. */
		q->rcode = RC_REFUSED;
	} else if (q->qtype == T_AXFR) {
		/* No zone transfers: NOTIMP over UDP; over TCP REFUSED for
		 * a zone we serve, NOTAUTH for any other name (as NSD). */
		if (!tcp)
			q->rcode = RC_NOTIMP;
		else
			q->rcode =
			    query_is_apex(q, db) ? RC_REFUSED : RC_NOTAUTH;
	} else if (q->qtype == T_IXFR) {
		q->rcode = RC_REFUSED;
	} else {
		if (q->qtype == T_ANY)
			STATS_INC(q->stats->qtype_any);
		query_locate(q);
		query_lookup(q, env);
	}
	return query_encode(q, env, out, cap);
}

/* ---- Lookup ---- */

static bool
query_plan_has(const struct query *q, const struct zrrset *set)
{
	for (size_t i = 0; i < q->nitems; i++)
		if (q->items[i].set == set)
			return true;
	return false;
}

/* Add an RRset to the plan; false if it is already there (a loop). */
static bool
query_plan_add(struct query *q, enum query_section sec, const uint8_t *owner,
    const struct zrrset *set)
{
	if (q->nitems == QUERY_MAX_ITEMS || query_plan_has(q, set))
		return false;
	q->items[q->nitems].set = set;
	q->items[q->nitems].owner = owner;
	q->items[q->nitems].section = (uint8_t)sec;
	q->nitems++;
	return true;
}

/* Addresses of the in-zone targets of an NS RRset. */
static void
query_plan_glue(struct query *q, const struct zrrset *ns)
{
	if (ns->targets == NULL)
		return;
	for (uint16_t i = 0; i < ns->count; i++) {
		const struct znode *t = ns->targets[i];
		const struct zrrset *s;

		if (t == NULL)
			continue;
		if ((s = znode_rrset(t, T_A)))
			query_plan_add(q, q->v6 ? QSEC_ADD_AAAA : QSEC_ADD_A,
			    t->name, s);
		if ((s = znode_rrset(t, T_AAAA)))
			query_plan_add(q, q->v6 ? QSEC_ADD_A : QSEC_ADD_AAAA,
			    t->name, s);
	}
}

static void
query_plan_soa(struct query *q, const struct zone *z)
{
	if (q->qclass != C_ANY)
		query_plan_add(q, QSEC_AUTHORITY, z->apex->name, &z->soa_neg);
}

/* RFC 8482 4.1: one RRset for ANY, preferring small common types. */
static const struct zrrset *
query_pick_any(const struct znode *n)
{
	const struct zrrset *s, *normal = NULL, *rare = NULL;

	for (s = n->rrsets; s; s = s->next) {
		switch (s->type) {
		case T_A:
		case T_AAAA:
		case T_SOA:
		case T_MX:
		case T_PTR:
			return s;
		case T_DNSKEY:
		case T_RRSIG:
		case T_NSEC:
			rare = s;
			break;
		default:
			normal = s;
			break;
		}
	}
	return normal ? normal : rare;
}

/*
 * Set q->cur to the name to look up next: the query name first, then
 * each CNAME target. Returns false if the name is unusable.
 */
static bool
query_set_cur(struct query *q, const uint8_t *name)
{
	size_t len = dname_len(name);

	dname_tolower(q->cur, name, len);
	if (dname_check(q->cur, len, &q->cinfo) != RC_OK)
		return false;
	dname_hash_suffixes(q->cur, &q->cinfo, q->h);
	return true;
}

/* Closest encloser of q->cur in z; *exact tells if it is the name. */
static const struct znode *
query_closest(struct query *q, const struct zone *z, unsigned zlabel,
    bool *exact)
{
	for (unsigned i = 0; i <= zlabel; i++) {
		const uint8_t *suffix = q->cur +
		    (i < q->cinfo.labels ? q->cinfo.offs[i] : q->cinfo.len - 1);
		const struct znode *n = zone_node(z, suffix, q->h[i]);

		if (n) {
			*exact = i == 0;
			return n;
		}
	}
	return NULL; /* not reached: the apex always exists */
}

/*
 * A pool's name: the addresses GSLB chooses for this client, as one
 * RRset made for this query. ANY gets the A RRset (RFC 8482).
 */
static void
query_pool(struct query *q, const struct query_env *env, const struct zone *z,
    unsigned pool, const uint8_t *owner)
{
	struct gslb_client c = { q->loc_family, q->loc_bits, q->loc_addr };
	struct gslb_result r;
	bool v6 = q->qtype == T_AAAA;

	gslb_answer(env->gslb, q->gw, pool, v6, &c, &r);
	/* With SOURCE PREFIX-LENGTH 0 the answer was not chosen from the
	 * client's subnet, and the scope stays 0 (RFC 7871 7.2.1). */
	if (q->ecs && q->ecs_source > 0 && r.scope > q->ecs_scope)
		q->ecs_scope = r.scope;
	if (r.servfail) {
		q->rcode = RC_SERVFAIL;
		q->aa = false;
		return;
	}
	if (r.n == 0) {
		query_plan_soa(q, z); /* NODATA: no edge of that family */
		return;
	}
	q->dyn.next = NULL;
	q->dyn.type = v6 ? T_AAAA : T_A;
	q->dyn.count = (uint16_t)r.n;
	q->dyn.rrs = q->dynrr;
	q->dyn.targets = NULL;
	for (unsigned i = 0; i < r.n; i++) {
		q->dynrr[i].ttl = r.ttl;
		q->dynrr[i].rdlen = r.rdlen;
		q->dynrr[i].rdata = r.rdata[i];
	}
	query_plan_add(q, QSEC_ANSWER, owner, &q->dyn);
}

static void
query_lookup(struct query *q, const struct query_env *env)
{
	const struct zonedb *db = env->db;
	const uint8_t *owner = NULL; /* NULL: the query name itself */

	if (!query_set_cur(q, q->lname))
		return;
	for (;;) {
		const struct zone *z;
		const struct znode *ce, *match = NULL, *deleg;
		const struct zrrset *s;
		unsigned zlabel;
		bool exact = false;

		z = zonedb_find(db, q->cur, &q->cinfo, q->h, &zlabel);
		if (z == NULL) {
			if (q->cname_count == 0)
				q->rcode = RC_REFUSED;
			return;
		}
		ce = query_closest(q, z, zlabel, &exact);
		/* RFC 4035 3.1.4.1: DS at a child apex comes from the
		 * parent when we serve it. */
		if (exact && q->qtype == T_DS && ce == z->apex && z->parent) {
			z = z->parent;
			ce = query_closest(q, z, q->cinfo.labels - z->labels,
			    &exact);
		}
		q->aa = q->qclass != C_ANY;
		if (exact && q->qtype == T_DS && ce == z->apex) {
			query_plan_soa(q, z);
			return;
		}
		deleg = ce->deleg;
		if (deleg && !(exact && q->qtype == T_DS && ce == deleg)) {
			/* Referral: AA only when we followed a CNAME. */
			q->aa = q->cname_count > 0;
			q->delegation = true;
			s = znode_rrset(deleg, T_NS);
			query_plan_add(q, QSEC_AUTHORITY, deleg->name, s);
			query_plan_glue(q, s);
			return;
		}
		if (exact)
			match = ce;
		else if (ce->wildcard)
			match = ce->wildcard; /* RFC 4592: owner is the name */
		else {
			q->rcode = RC_NXDOMAIN;
			query_plan_soa(q, z);
			return;
		}
		if (exact && match->pool && env->gslb &&
		    (q->qtype == T_A || q->qtype == T_AAAA ||
			q->qtype == T_ANY)) {
			query_pool(q, env, z, match->pool - 1u, owner);
			return;
		}
		if (q->qtype == T_ANY) {
			s = query_pick_any(match);
			if (s)
				query_plan_add(q, QSEC_ANSWER, owner, s);
			else
				query_plan_soa(q, z);
			return;
		}
		if ((s = znode_rrset(match, q->qtype))) {
			query_plan_add(q, QSEC_ANSWER, owner, s);
			if (q->qtype == T_NS)
				query_plan_glue(q, s);
			return;
		}
		if ((s = znode_rrset(match, T_CNAME)) == NULL) {
			query_plan_soa(q, z); /* NODATA */
			return;
		}
		if (!query_plan_add(q, QSEC_ANSWER, owner, s))
			return; /* CNAME loop */
		if (++q->cname_count >= QUERY_MAX_CNAME)
			return;
		owner = s->rrs[0].rdata;
		if (!query_set_cur(q, owner))
			return;
	}
}

/* ---- Encoding ---- */

/* Write a name, compressed against the names already in the packet. */
static void
query_put_name(struct query *q, struct wire_writer *w, const uint8_t *name)
{
	const uint8_t *p = name;

	while (*p) {
		for (size_t i = 0; i < q->ncomp; i++) {
			if (dname_equal(q->comp[i].name, p)) {
				wire_put_u16(w, 0xc000 | q->comp[i].pos);
				return;
			}
		}
		if (w->pos < 0x4000 && q->ncomp < QUERY_MAX_COMPRESS) {
			q->comp[q->ncomp].pos = (uint16_t)w->pos;
			q->comp[q->ncomp].name = p;
			q->ncomp++;
		}
		wire_put_bytes(w, p, (size_t)*p + 1);
		p += *p + 1;
	}
	wire_put_u8(w, 0);
}

/*
 * RDATA, with the embedded names of the RFC 1035 types compressed (RFC
 * 3597 section 4 forbids it for any other type).
 */
static void
query_put_rdata(struct query *q, struct wire_writer *w, uint16_t type,
    const struct zrr *rr)
{
	const uint8_t *rd = rr->rdata;
	size_t n;

	switch (type) {
	case T_NS:
	case T_MD:
	case T_MF:
	case T_CNAME:
	case T_MB:
	case T_MG:
	case T_MR:
	case T_PTR:
		query_put_name(q, w, rd);
		return;
	case T_MX:
		wire_put_bytes(w, rd, 2);
		query_put_name(q, w, rd + 2);
		return;
	case T_SOA:
	case T_MINFO:
		n = dname_len(rd);
		query_put_name(q, w, rd);
		query_put_name(q, w, rd + n);
		n += dname_len(rd + n);
		wire_put_bytes(w, rd + n, rr->rdlen - n);
		return;
	default:
		wire_put_bytes(w, rd, rr->rdlen);
		return;
	}
}

/* Encode a whole RRset; false if it did not fit (caller rolls back). */
static bool
query_put_rrset(struct query *q, struct wire_writer *w,
    const struct query_item *it)
{
	const struct zrrset *s = it->set;

	for (uint16_t i = 0; i < s->count; i++) {
		size_t rdpos;

		if (it->owner == NULL)
			wire_put_u16(w, 0xc000 | HDR_LEN);
		else
			query_put_name(q, w, it->owner);
		wire_put_u16(w, s->type);
		wire_put_u16(w, C_IN);
		wire_put_u32(w, s->rrs[i].ttl);
		rdpos = w->pos;
		wire_put_u16(w, 0);
		query_put_rdata(q, w, s->type, &s->rrs[i]);
		if (w->err)
			return false;
		wire_patch_u16(w, rdpos, (uint16_t)(w->pos - rdpos - 2));
	}
	return true;
}

static size_t
query_encode(struct query *q, const struct query_env *env, uint8_t *out,
    size_t cap)
{
	uint16_t counts[QSEC_COUNT] = { 0 };
	size_t ecslen = q->ecs ? 4 + 4 + (q->ecs_source + 7u) / 8u : 0;
	size_t maxlen, reserve = q->edns ? OPT_LEN + ecslen : 0;
	struct wire_writer w;
	uint16_t flags;
	bool stop = false;

	if (q->tcp) {
		maxlen = cap;
	} else if (q->edns) {
		maxlen = q->edns_payload;
		if (maxlen > env->udp_payload)
			maxlen = env->udp_payload;
		if (maxlen < QUERY_UDP_MIN)
			maxlen = QUERY_UDP_MIN;
	} else {
		maxlen = QUERY_UDP_MIN;
	}
	if (maxlen > cap)
		maxlen = cap;

	/* Header and question. */
	wire_writer_init(&w, out, maxlen - reserve);
	wire_put_u16(&w, q->id);
	wire_put_u16(&w, 0); /* flags, below */
	wire_put_u16(&w, 1);
	wire_put_u16(&w, 0);
	wire_put_u16(&w, 0);
	wire_put_u16(&w, 0);
	q->ncomp = 0;
	for (unsigned i = 0; i < q->qinfo.labels; i++) {
		if (q->ncomp == QUERY_MAX_COMPRESS)
			break;
		q->comp[q->ncomp].pos = (uint16_t)(HDR_LEN + q->qinfo.offs[i]);
		q->comp[q->ncomp].name = q->qname + q->qinfo.offs[i];
		q->ncomp++;
	}
	wire_put_bytes(&w, q->qname, q->qinfo.len);
	wire_put_u16(&w, q->qtype);
	wire_put_u16(&w, q->qclass);
	if (w.err)
		return 0; /* cannot happen: the question came in this size */

	for (unsigned sec = 0; sec < QSEC_COUNT && !stop; sec++) {
		bool done = false;

		for (size_t i = 0; i < q->nitems && !q->tc; i++) {
			const struct query_item *it = &q->items[i];
			size_t mark = w.pos, cmark = q->ncomp;
			bool ok;

			if (it->section != sec)
				continue;
			ok = query_put_rrset(q, &w, it);
			if (sec >= QSEC_ADD_A) {
				size_t minimal =
				    q->v6 ? QUERY_MINIMAL_V6 : QUERY_MINIMAL_V4;

				if (ok && (q->tcp || w.pos <= minimal)) {
					counts[sec] += it->set->count;
					continue;
				}
				done = true;
			} else if (ok) {
				counts[sec] += it->set->count;
				continue;
			} else {
				q->tc = true;
			}
			w.pos = mark;
			w.err = false;
			q->ncomp = cmark;
		}
		if (q->tc)
			stop = true;
		if (done) {
			/* A referral must carry a usable address. */
			if (sec == QSEC_ADD_A && counts[QSEC_ADD_A] == 0 &&
			    q->delegation)
				q->tc = true;
			stop = true;
		}
	}

	if (q->rcode == RC_BADVERS)
		flags = (uint16_t)((q->flags | F_QR) & ~(F_AD | 0xf));
	else
		flags = (uint16_t)((q->flags & F_RD) | F_QR |
		    (q->aa ? F_AA : 0) | (q->tc ? F_TC : 0) | (q->rcode & 0xf));
	out[2] = (uint8_t)(flags >> 8);
	out[3] = (uint8_t)flags;
	wire_patch_u16(&w, 6, counts[QSEC_ANSWER]);
	wire_patch_u16(&w, 8, counts[QSEC_AUTHORITY]);
	wire_patch_u16(&w, 10,
	    (uint16_t)(counts[QSEC_ADD_A] + counts[QSEC_ADD_AAAA] +
		(q->edns ? 1 : 0)));
	if (q->edns) {
		/* The space was reserved up front, so this always fits. */
		w.cap += reserve;
		wire_put_u8(&w, 0);
		wire_put_u16(&w, T_OPT);
		wire_put_u16(&w, env->udp_payload);
		wire_put_u8(&w, (uint8_t)(q->rcode >> 4));
		wire_put_u8(&w, 0);
		wire_put_u16(&w, q->edns_do ? 0x8000 : 0);
		wire_put_u16(&w, (uint16_t)ecslen);
		if (q->ecs) {
			/* Echo family, source and address (7.2.1); the scope
			 * says how far the answer is valid. */
			wire_put_u16(&w, EDNS_OPT_ECS);
			wire_put_u16(&w, (uint16_t)(ecslen - 4));
			wire_put_u16(&w, q->ecs_family);
			wire_put_u8(&w, q->ecs_source);
			wire_put_u8(&w, q->ecs_scope);
			wire_put_bytes(&w, q->ecs_addr, ecslen - 8);
		}
	}
	if (q->tc)
		STATS_INC(q->stats->truncated);
	STATS_INC(q->stats->rcode[q->rcode < STATS_RCODES ? q->rcode : 0]);
	return w.pos;
}
