#include "config.h"

#include "dnsd/zone.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common/alloc.h"
#include "common/arena.h"
#include "common/log.h"
#include "common/rc.h"

/* Errors reported per zone before we stop reading it. */
#define ZONE_MAX_ERRORS 20

/* One RR read from the file, kept until the zone is compiled. */
struct zone_rec {
	ldns_rr *rr;
	int line;
};

struct zone_loader {
	const char *file;
	struct arena *arena;
	struct zone *z;
	struct zone_rec *recs;
	size_t nrecs, caprecs;
	int errors;
	const struct zone_pool *pools; /* the pools inside this zone */
	size_t npools;
};

static void zone_error(struct zone_loader *l, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int zone_read(struct zone_loader *l, const ldns_rdf *origin);
static int zone_compile(struct zone_loader *l);
static struct znode *zone_node_get(struct zone_loader *l, const uint8_t *name,
    size_t len);
static void zone_link(struct zone_loader *l);

/* ---- Loading ---- */

static void
zone_error(struct zone_loader *l, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		log_warnx("%s:%d: %s", l->file, line, msg);
	else
		log_warnx("%s: %s", l->file, msg);
	l->errors++;
}

/* Read every RR of the file, reporting each syntax error with its line. */
static int
zone_read(struct zone_loader *l, const ldns_rdf *origin)
{
	ldns_rdf *cur_origin = ldns_rdf_clone(origin);
	ldns_rdf *prev = NULL;
	uint32_t ttl = 3600;
	int line = 1;
	FILE *fp;

	fp = fopen(l->file, "r");
	if (fp == NULL) {
		zone_error(l, 0, "cannot open zone file: %s", strerror(errno));
		ldns_rdf_deep_free(cur_origin);
		return RC_CONFIG;
	}
	while (!feof(fp) && l->errors < ZONE_MAX_ERRORS) {
		ldns_rr *rr = NULL;
		int at = line;
		ldns_status st;

		st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &cur_origin, &prev,
		    &line);
		switch (st) {
		case LDNS_STATUS_OK:
			if (l->nrecs == l->caprecs) {
				l->caprecs = l->caprecs ? l->caprecs * 2 : 64;
				l->recs = xreallocarray(l->recs, l->caprecs,
				    sizeof(*l->recs));
			}
			/* ldns counts the line after the record; the record
			 * started at the first line it had not yet read. */
			l->recs[l->nrecs].rr = rr;
			l->recs[l->nrecs].line = at;
			l->nrecs++;
			break;
		case LDNS_STATUS_SYNTAX_EMPTY:
		case LDNS_STATUS_SYNTAX_TTL:
		case LDNS_STATUS_SYNTAX_ORIGIN:
			break;
		case LDNS_STATUS_SYNTAX_INCLUDE:
			zone_error(l, line, "$INCLUDE is not supported");
			break;
		default:
			if (!feof(fp) || st != LDNS_STATUS_SYNTAX_ERR)
				zone_error(l, line > at ? line - 1 : line, "%s",
				    ldns_get_errorstr_by_id(st));
			break;
		}
	}
	fclose(fp);
	ldns_rdf_deep_free(cur_origin);
	if (prev)
		ldns_rdf_deep_free(prev);
	return l->errors ? RC_CONFIG : RC_OK;
}

static inline uint32_t
zone_slot(uint32_t hash, uint32_t mask)
{
	return hash & mask;
}

struct znode *
zone_node(const struct zone *z, const uint8_t *name, uint32_t hash)
{
	uint32_t i = zone_slot(hash, z->mask);

	for (;;) {
		struct znode *n = z->table[i];

		if (n == NULL)
			return NULL;
		if (n->hash == hash && memcmp(n->name, name, n->namelen) == 0)
			return n;
		i = (i + 1) & z->mask;
	}
}

/* Find or create the node for a lower-case name at or below the apex,
 * creating the empty non-terminals above it. */
static struct znode *
zone_node_get(struct zone_loader *l, const uint8_t *name, size_t len)
{
	struct zone *z = l->z;
	struct znode *n;
	uint32_t hash = dname_hash(name), i;

	n = zone_node(z, name, hash);
	if (n)
		return n;
	n = arena_zalloc(l->arena, sizeof(*n));
	n->name = arena_memdup(l->arena, name, len);
	n->namelen = (uint8_t)len;
	n->hash = hash;
	n->labels = (uint8_t)dname_count_labels(name);
	if (n->labels == z->labels) {
		n->flags |= ZNODE_APEX;
		z->apex = n;
	} else {
		n->parent =
		    zone_node_get(l, name + name[0] + 1, len - name[0] - 1);
		if (name[0] == 1 && name[1] == '*')
			n->parent->wildcard = n;
	}
	i = zone_slot(hash, z->mask);
	while (z->table[i])
		i = (i + 1) & z->mask;
	z->table[i] = n;
	z->nnodes++;
	return n;
}

static struct zrrset *
zone_rrset_get(struct zone_loader *l, struct znode *n, uint16_t type)
{
	struct zrrset **pp = &n->rrsets;

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->type == type)
			return *pp;
	*pp = arena_zalloc(l->arena, sizeof(**pp));
	(*pp)->type = type;
	return *pp;
}

/*
 * Names inside RDATA that refer to other domains are kept lower-cased, as
 * NSD keeps them (and as RFC 4034 6.2 puts them in canonical form): then
 * a compressed answer spells them with the question's letters where they
 * share a suffix, exactly like NSD's answers.
 */
static void
zone_rdata_tolower(uint16_t type, uint8_t *rd, size_t rdlen)
{
	size_t off, n;

	switch (type) {
	case LDNS_RR_TYPE_NS:
	case LDNS_RR_TYPE_MD:
	case LDNS_RR_TYPE_MF:
	case LDNS_RR_TYPE_CNAME:
	case LDNS_RR_TYPE_MB:
	case LDNS_RR_TYPE_MG:
	case LDNS_RR_TYPE_MR:
	case LDNS_RR_TYPE_PTR:
	case LDNS_RR_TYPE_DNAME:
		off = 0;
		break;
	case LDNS_RR_TYPE_MX:
	case LDNS_RR_TYPE_KX:
	case LDNS_RR_TYPE_RT:
	case LDNS_RR_TYPE_AFSDB:
		off = 2;
		break;
	case LDNS_RR_TYPE_SRV:
		off = 6;
		break;
	case LDNS_RR_TYPE_SOA:
	case LDNS_RR_TYPE_MINFO:
	case LDNS_RR_TYPE_RP:
		n = dname_len(rd);
		if (n < rdlen) {
			dname_tolower(rd, rd, n);
			dname_tolower(rd + n, rd + n, dname_len(rd + n));
		}
		return;
	default:
		return;
	}
	if (off < rdlen)
		dname_tolower(rd + off, rd + off, dname_len(rd + off));
}

/* Semantic checks NSD makes on a whole node. */
static void
zone_check_node(struct zone_loader *l, struct znode *n, int line)
{
	const struct zrrset *s, *cname = znode_rrset(n, LDNS_RR_TYPE_CNAME);
	char buf[DNAME_STRLEN];

	if (cname == NULL)
		return;
	if (cname->count > 1)
		zone_error(l, line, "%s: more than one CNAME",
		    dname_to_str(n->name, buf, sizeof(buf)));
	for (s = n->rrsets; s; s = s->next)
		if (s->type != LDNS_RR_TYPE_CNAME &&
		    s->type != LDNS_RR_TYPE_RRSIG &&
		    s->type != LDNS_RR_TYPE_NSEC) {
			zone_error(l, line, "%s: CNAME and other data",
			    dname_to_str(n->name, buf, sizeof(buf)));
			break;
		}
}

/* Turn the RRs read into nodes and RRsets in the arena. */
static int
zone_compile(struct zone_loader *l)
{
	struct zone *z = l->z;
	ldns_buffer *wire = ldns_buffer_new(65535);
	uint8_t lname[DNAME_MAX];
	size_t bound = 1, i;
	uint32_t size = 16;

	for (i = 0; i < l->nrecs; i++)
		bound += dname_count_labels(
		    ldns_rdf_data(ldns_rr_owner(l->recs[i].rr)));
	for (i = 0; i < l->npools; i++)
		bound += dname_count_labels(l->pools[i].name);
	while (size < bound * 2)
		size <<= 1;
	z->table = arena_zalloc(l->arena, size * sizeof(*z->table));
	z->mask = size - 1;

	/* Pass 1: nodes and RRsets, counting RRs. */
	for (i = 0; i < l->nrecs; i++) {
		ldns_rr *rr = l->recs[i].rr;
		ldns_rdf *owner = ldns_rr_owner(rr);
		size_t len = ldns_rdf_size(owner);
		struct zrrset *s;
		char buf[DNAME_STRLEN];

		dname_tolower(lname, ldns_rdf_data(owner), len);
		if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
			zone_error(l, l->recs[i].line,
			    "class other than IN is not supported");
			continue;
		}
		if (!dname_is_subdomain(lname, z->origin)) {
			zone_error(l, l->recs[i].line,
			    "%s is outside the zone %s (out of zone data)",
			    dname_to_str(lname, buf, sizeof(buf)), z->name);
			continue;
		}
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
		    len != z->originlen) {
			zone_error(l, l->recs[i].line,
			    "SOA record not at the zone apex");
			continue;
		}
		s = zone_rrset_get(l, zone_node_get(l, lname, len),
		    (uint16_t)ldns_rr_get_type(rr));
		if (s->count == UINT16_MAX) {
			zone_error(l, l->recs[i].line, "RRset too large");
			continue;
		}
		s->count++;
	}
	/* Dynamic names exist even with no record of their own. */
	for (i = 0; i < l->npools && z->apex; i++)
		zone_node_get(l, l->pools[i].name, dname_len(l->pools[i].name))
		    ->pool = (uint16_t)(l->pools[i].index + 1);
	if (z->apex == NULL || znode_rrset(z->apex, LDNS_RR_TYPE_SOA) == NULL) {
		zone_error(l, 0, "zone %s has no SOA record at its apex",
		    z->name);
		goto done;
	}
	if (l->errors)
		goto done;

	/* Pass 2: RDATA, merging duplicates. */
	for (i = 0; i < l->nrecs; i++) {
		ldns_rr *rr = l->recs[i].rr;
		ldns_rdf *owner = ldns_rr_owner(rr);
		size_t len = ldns_rdf_size(owner), r;
		struct znode *n;
		struct zrrset *s;
		struct zrr *zr;
		const uint8_t *rd;
		size_t rdlen;

		dname_tolower(lname, ldns_rdf_data(owner), len);
		n = zone_node(z, lname, dname_hash(lname));
		s = zone_rrset_get(l, n, (uint16_t)ldns_rr_get_type(rr));
		if (s->rrs == NULL) {
			s->rrs =
			    arena_zalloc(l->arena, s->count * sizeof(*s->rrs));
			s->count = 0;
		}
		ldns_buffer_clear(wire);
		if (ldns_rr_rdata2buffer_wire(wire, rr) != LDNS_STATUS_OK) {
			zone_error(l, l->recs[i].line, "cannot encode RDATA");
			continue;
		}
		rd = ldns_buffer_begin(wire);
		rdlen = ldns_buffer_position(wire);
		zone_rdata_tolower(s->type, ldns_buffer_begin(wire), rdlen);
		for (r = 0; r < s->count; r++)
			if (s->rrs[r].rdlen == rdlen &&
			    memcmp(s->rrs[r].rdata, rd, rdlen) == 0)
				break;
		if (r < s->count)
			continue; /* duplicate RR */
		zr = &s->rrs[s->count++];
		zr->ttl = ldns_rr_ttl(rr);
		zr->rdlen = (uint16_t)rdlen;
		zr->rdata = arena_memdup(l->arena, rd, rdlen);
		if (s->type == LDNS_RR_TYPE_SOA && s->count > 1)
			zone_error(l, l->recs[i].line,
			    "more than one SOA record");
		if (s->type == LDNS_RR_TYPE_CNAME)
			zone_check_node(l, n, l->recs[i].line);
	}
	/* CNAME alongside data added after it. */
	for (i = 0; i < l->nrecs && !l->errors; i++) {
		ldns_rdf *owner = ldns_rr_owner(l->recs[i].rr);

		if (ldns_rr_get_type(l->recs[i].rr) == LDNS_RR_TYPE_CNAME)
			continue;
		dname_tolower(lname, ldns_rdf_data(owner),
		    ldns_rdf_size(owner));
		zone_check_node(l, zone_node(z, lname, dname_hash(lname)),
		    l->recs[i].line);
	}
	if (l->errors)
		goto done;
	zone_link(l);
done:
	ldns_buffer_free(wire);
	return l->errors ? RC_CONFIG : RC_OK;
}

/* Highest NS-bearing node strictly below the apex, at or above n. */
static struct znode *
zone_find_deleg(struct znode *n)
{
	struct znode *found = NULL;

	for (; n && !(n->flags & ZNODE_APEX); n = n->parent)
		if (znode_rrset(n, LDNS_RR_TYPE_NS))
			found = n;
	return found;
}

static uint32_t
zone_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Derived pointers: SOA, negative SOA, delegation cuts, NS targets. */
static void
zone_link(struct zone_loader *l)
{
	struct zone *z = l->z;
	const struct zrrset *soa = znode_rrset(z->apex, LDNS_RR_TYPE_SOA);
	const struct zrr *s = &soa->rrs[0];
	uint8_t lname[DNAME_MAX];
	uint32_t minimum;
	size_t p;

	/* SOA RDATA: mname, rname, serial, refresh, retry, expire, minimum */
	p = dname_len(s->rdata);
	p += dname_len(s->rdata + p);
	z->soa = soa;
	z->serial = zone_get_u32(s->rdata + p);
	minimum = zone_get_u32(s->rdata + p + 16);
	z->soa_neg_rr = *s;
	if (minimum < z->soa_neg_rr.ttl)
		z->soa_neg_rr.ttl = minimum;
	z->soa_neg = *soa;
	z->soa_neg.next = NULL;
	z->soa_neg.count = 1;
	z->soa_neg.rrs = &z->soa_neg_rr;

	for (uint32_t i = 0; i <= z->mask; i++) {
		struct znode *n = z->table[i];
		struct zrrset *ns;

		if (n == NULL)
			continue;
		n->deleg = zone_find_deleg(n);
		for (ns = n->rrsets; ns; ns = ns->next)
			if (ns->type == LDNS_RR_TYPE_NS)
				break;
		if (ns == NULL)
			continue;
		ns->targets =
		    arena_zalloc(l->arena, ns->count * sizeof(*ns->targets));
		for (uint16_t r = 0; r < ns->count; r++) {
			const uint8_t *t = ns->rrs[r].rdata;
			size_t len = dname_len(t);

			dname_tolower(lname, t, len);
			if (dname_is_subdomain(lname, z->origin))
				ns->targets[r] =
				    zone_node(z, lname, dname_hash(lname));
		}
	}
}

const struct zrrset *
znode_rrset(const struct znode *n, uint16_t type)
{
	const struct zrrset *s;

	for (s = n->rrsets; s; s = s->next)
		if (s->type == type)
			return s;
	return NULL;
}

/* ---- Zone database ---- */

static int
zone_load_one(struct arena *arena, const struct zone_source *src,
    const struct zone_pool *pools, size_t npools, struct zone **out)
{
	struct zone_loader l = { .file = src->file,
		.arena = arena,
		.pools = pools,
		.npools = npools };
	ldns_rdf *origin = NULL;
	struct zone *z;
	uint8_t lname[DNAME_MAX];
	size_t len;
	int rc;

	origin = ldns_dname_new_frm_str(src->name);
	if (origin == NULL || ldns_rdf_size(origin) > DNAME_MAX) {
		zone_error(&l, 0, "invalid zone name '%s'", src->name);
		rc = RC_CONFIG;
		goto fail;
	}
	len = ldns_rdf_size(origin);
	dname_tolower(lname, ldns_rdf_data(origin), len);
	z = arena_zalloc(arena, sizeof(*z));
	z->origin = arena_memdup(arena, lname, len);
	z->originlen = (uint8_t)len;
	z->labels = (uint8_t)dname_count_labels(lname);
	z->hash = dname_hash(lname);
	z->name = arena_strdup(arena, src->name);
	z->file = arena_strdup(arena, src->file);
	l.z = z;
	rc = zone_read(&l, origin);
	if (rc == RC_OK)
		rc = zone_compile(&l);
	if (rc == RC_OK) {
		log_info("zone %s: loaded from %s, serial %u, %u names",
		    z->name, z->file, z->serial, z->nnodes);
		*out = z;
	}
fail:
	for (size_t i = 0; i < l.nrecs; i++)
		ldns_rr_free(l.recs[i].rr);
	free(l.recs);
	ldns_rdf_deep_free(origin);
	return rc;
}

struct zone *
zonedb_find(const struct zonedb *db, const uint8_t *name,
    const struct dname_info *info, const uint32_t *h, unsigned *label)
{
	for (unsigned i = 0; i <= info->labels; i++) {
		const uint8_t *suffix =
		    name + (i < info->labels ? info->offs[i] : info->len - 1);
		uint32_t slot = h[i] & db->mask;

		for (;;) {
			struct zone *z = db->table[slot];

			if (z == NULL)
				break;
			if (z->hash == h[i] && z->labels == info->labels - i &&
			    memcmp(z->origin, suffix, z->originlen) == 0) {
				*label = i;
				return z;
			}
			slot = (slot + 1) & db->mask;
		}
	}
	return NULL;
}

/*
 * Give each pool to the most specific zone that contains it. owner[i] is
 * the zone index of pool i, or -1 (reported) when no zone contains it.
 */
static int
zonedb_place_pools(const struct zone_source *src, size_t n,
    const struct zone_pool *pools, size_t npools, int *owner)
{
	int errors = 0;

	for (size_t i = 0; i < npools; i++) {
		unsigned best_labels = 0;
		char buf[DNAME_STRLEN];

		owner[i] = -1;
		for (size_t k = 0; k < n; k++) {
			ldns_rdf *o = ldns_dname_new_frm_str(src[k].name);
			uint8_t lz[DNAME_MAX];
			unsigned labels;

			if (o == NULL || ldns_rdf_size(o) > DNAME_MAX) {
				ldns_rdf_deep_free(o);
				continue;
			}
			dname_tolower(lz, ldns_rdf_data(o), ldns_rdf_size(o));
			ldns_rdf_deep_free(o);
			labels = dname_count_labels(lz);
			if (dname_is_subdomain(pools[i].name, lz) &&
			    (owner[i] < 0 || labels > best_labels)) {
				owner[i] = (int)k;
				best_labels = labels;
			}
		}
		if (owner[i] < 0) {
			log_warnx("pool %s is not inside any zone served",
			    dname_to_str(pools[i].name, buf, sizeof(buf)));
			errors++;
		}
	}
	return errors;
}

int
zonedb_load(const struct zone_source *src, size_t n,
    const struct zone_pool *pools, size_t npools, struct zonedb **out)
{
	struct arena *arena = arena_new(64 * 1024);
	struct zonedb *db = arena_zalloc(arena, sizeof(*db));
	uint32_t size = 8;
	int *owner = xcalloc(npools + 1, sizeof(*owner));
	struct zone_pool *mine = xcalloc(npools + 1, sizeof(*mine));
	int failed = zonedb_place_pools(src, n, pools, npools, owner);

	db->arena = arena;
	db->zones = arena_zalloc(arena, (n ? n : 1) * sizeof(*db->zones));
	while (size < n * 2)
		size <<= 1;
	db->table = arena_zalloc(arena, size * sizeof(*db->table));
	db->mask = size - 1;
	for (size_t i = 0; i < n; i++) {
		struct zone *z = NULL;
		uint32_t slot;
		bool dup = false;

		size_t nmine = 0;

		for (size_t k = 0; k < npools; k++)
			if (owner[k] == (int)i)
				mine[nmine++] = pools[k];
		if (zone_load_one(arena, &src[i], mine, nmine, &z) != RC_OK) {
			failed++;
			continue;
		}
		for (slot = z->hash & db->mask; db->table[slot];
		     slot = (slot + 1) & db->mask)
			if (dname_equal(db->table[slot]->origin, z->origin))
				dup = true;
		if (dup) {
			log_warnx("%s: zone %s is configured twice", z->file,
			    z->name);
			failed++;
			continue;
		}
		db->table[slot] = z;
		db->zones[db->nzones++] = z;
	}
	free(owner);
	free(mine);
	if (failed) {
		arena_free(arena);
		return RC_CONFIG;
	}
	/* DS at a child apex is answered from an enclosing zone we serve. */
	for (size_t i = 0; i < db->nzones; i++) {
		struct zone *z = db->zones[i];
		struct zone *best = NULL;

		for (size_t j = 0; j < db->nzones; j++) {
			struct zone *c = db->zones[j];

			if (c != z && c->labels < z->labels &&
			    dname_is_subdomain(z->origin, c->origin) &&
			    (!best || c->labels > best->labels))
				best = c;
		}
		z->parent = best;
	}
	*out = db;
	return RC_OK;
}

void
zonedb_free(struct zonedb *db)
{
	if (db)
		arena_free(db->arena);
}
