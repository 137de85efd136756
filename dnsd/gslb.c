#include "config.h"

#include "dnsd/gslb.h"

#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/topology.h"
#include "dnsd/dname.h"
#include "dnsd/geo.h"

/* Single-writer counters, as in stats.h. */
#define CNT_INC(x)                                                          \
	__atomic_store_n(&(x), __atomic_load_n(&(x), __ATOMIC_RELAXED) + 1, \
	    __ATOMIC_RELAXED)

#define EARTH_RADIUS_KM 6371.0
#define HEADROOM_MIN 0.05 /* an edge near its capacity still gets a little */

struct gsite {
	char *name;
	double lat, lon;
	unsigned *edges;
	unsigned nedges;
};

struct gedge {
	char *name;
	unsigned site;
	unsigned weight;
	unsigned cap_players, cap_mbps; /* 0: unknown */
	bool has4, has6;
	uint8_t a4[4];
	uint8_t a6[16];
};

struct gpool {
	char *name;
	uint8_t wire[DNAME_MAX]; /* lower-case wire name */
	enum topo_select select;
	unsigned answers, ttl;
	enum topo_all_down all_down;
	int fallback;
	double spill_high, spill_low, hash_bound;
	uint8_t *in_pool; /* per site: 1 if the pool uses it */
	unsigned nsites;
	bool has_family[2];
};

/* Binary trie of the operator's CIDR map, one per family. */
struct trie_node {
	int32_t child[2];
	int32_t entry; /* map entry, -1 if none ends here */
};

struct trie {
	struct trie_node *nodes;
	size_t n, cap;
};

struct gorder {
	uint8_t n;
	uint8_t site[GSLB_ORDER_MAX];
};

struct gslb_topo {
	unsigned refs;
	uint64_t
	    id; /* tells cached site orders of different topologies apart */
	struct gsite *sites;
	unsigned nsites;
	struct gedge *edges;
	unsigned nedges;
	struct gpool *pools;
	unsigned npools;
	struct trie trie[2];	  /* [0] IPv4, [1] IPv6 */
	struct gorder *net_order; /* per CIDR map entry */
	unsigned nnets;
	char (*country)[3]; /* country map keys */
	struct gorder *country_order;
	unsigned ncountries;
	char (*continent)[3];
	struct gorder *continent_order;
	unsigned ncontinents;
	struct gorder default_order;
	struct geo *geo;
	unsigned nworkers;
	struct gslb_counters *counters;
};

struct gslb_hyst {
	unsigned npools, nsites;
	uint8_t spilling[]; /* [pool * nsites + site] */
};

struct gslb {
	struct gslb_topo *tp;
	uint8_t *usable;       /* per edge */
	double *edge_load;     /* per edge, <0 unknown */
	double *site_load;     /* per site, <0 unknown */
	unsigned *usable_n[2]; /* per site and family: usable edges */
	double *spill;	       /* [pool * nsites + site] */
};

static uint64_t topo_ids;

/* ---- Small helpers ---- */

static inline uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* Uniform in [0, 1) from 53 bits. */
static inline double
unit(uint64_t x)
{
	return (double)(x >> 11) * (1.0 / 9007199254740992.0);
}

static inline uint64_t
rng_next(struct gslb_worker *w)
{
	/* xorshift64* */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 2685821657736338717ULL;
}

static inline unsigned
bit_at(const uint8_t *addr, unsigned i)
{
	return (addr[i / 8] >> (7 - i % 8)) & 1;
}

static double
distance_km(double lat1, double lon1, double lat2, double lon2)
{
	double r = M_PI / 180.0;
	double dlat = (lat2 - lat1) * r, dlon = (lon2 - lon1) * r;
	double a = sin(dlat / 2) * sin(dlat / 2) +
	    cos(lat1 * r) * cos(lat2 * r) * sin(dlon / 2) * sin(dlon / 2);

	return 2 * EARTH_RADIUS_KM * atan2(sqrt(a), sqrt(1 - a));
}

const char *
gslb_state_str(enum gslb_state s)
{
	static const char *const names[GSLB_STATES] = { "unknown", "up", "down",
		"draining", "full" };

	return (unsigned)s < GSLB_STATES ? names[s] : "?";
}

/* ---- Compiling the topology ---- */

static int32_t
trie_node_new(struct trie *t)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->nodes = xreallocarray(t->nodes, t->cap, sizeof(*t->nodes));
	}
	t->nodes[t->n].child[0] = t->nodes[t->n].child[1] = -1;
	t->nodes[t->n].entry = -1;
	return (int32_t)t->n++;
}

static void
trie_insert(struct trie *t, const uint8_t *addr, unsigned prefix, int entry)
{
	int32_t node = 0;

	if (t->n == 0)
		trie_node_new(t);
	for (unsigned i = 0; i < prefix; i++) {
		unsigned b = bit_at(addr, i);

		if (t->nodes[node].child[b] < 0) {
			int32_t nn = trie_node_new(t);

			t->nodes[node].child[b] = nn;
		}
		node = t->nodes[node].child[b];
	}
	t->nodes[node].entry = entry;
}

/*
 * Most specific entry containing addr (bits known), or -1; *scope is the
 * prefix over which the result cannot change.
 */
static int
trie_lookup(const struct trie *t, const uint8_t *addr, unsigned bits,
    unsigned maxbits, unsigned *scope)
{
	int32_t node = 0;
	int best = -1;
	unsigned depth = 0;

	*scope = 0;
	if (t->n == 0)
		return -1;
	for (;;) {
		const struct trie_node *n = &t->nodes[node];
		int32_t next;

		if (n->entry >= 0)
			best = n->entry;
		if (depth >= bits || depth >= maxbits) {
			/* More specific entries below may exist. */
			*scope = (n->child[0] >= 0 || n->child[1] >= 0) &&
				depth < maxbits ?
			    depth + 1 :
			    depth;
			return best;
		}
		next = n->child[bit_at(addr, depth)];
		if (next < 0) {
			/* Everything sharing depth + 1 bits ends here, unless
			 * this is a leaf. */
			*scope = (n->child[0] >= 0 || n->child[1] >= 0) ?
			    depth + 1 :
			    depth;
			return best;
		}
		node = next;
		depth++;
	}
}

static void
order_from(struct gorder *o, const unsigned *sites, unsigned n)
{
	for (unsigned i = 0; i < n && o->n < GSLB_ORDER_MAX; i++) {
		bool dup = false;

		for (unsigned j = 0; j < o->n; j++)
			dup |= o->site[j] == sites[i];
		if (!dup)
			o->site[o->n++] = (uint8_t)sites[i];
	}
}

static void
order_fill_default(const struct gslb_topo *tp, struct gorder *o)
{
	unsigned all[256];

	for (unsigned i = 0; i < tp->default_order.n; i++)
		all[i] = tp->default_order.site[i];
	order_from(o, all, tp->default_order.n);
	for (unsigned i = 0; i < tp->nsites && i < 256; i++)
		all[i] = i;
	order_from(o, all, tp->nsites < 256 ? tp->nsites : 256);
}

static struct gslb_counters *
counters_new(unsigned n, const struct gslb_topo *tp)
{
	struct gslb_counters *c = xcalloc(n, sizeof(*c));

	for (unsigned i = 0; i < n; i++) {
		c[i].pool_answers = xcalloc(tp->npools + 1, sizeof(uint64_t));
		c[i].pool_failopen = xcalloc(tp->npools + 1, sizeof(uint64_t));
		c[i].pool_servfail = xcalloc(tp->npools + 1, sizeof(uint64_t));
		c[i].site_answers = xcalloc(tp->nsites + 1, sizeof(uint64_t));
		c[i].edge_answers = xcalloc(tp->nedges + 1, sizeof(uint64_t));
	}
	return c;
}

struct gslb_topo *
gslb_topo_new(const struct topology *t, struct geo *geo, unsigned nworkers)
{
	struct gslb_topo *tp = xcalloc(1, sizeof(*tp));
	const struct topo_maps *m = t->maps;

	tp->refs = 1;
	tp->id = ++topo_ids;
	tp->geo = geo;
	tp->nsites = t->sites_count < 256 ? t->sites_count : 256;
	tp->sites = xcalloc(tp->nsites, sizeof(*tp->sites));
	for (unsigned i = 0; i < tp->nsites; i++) {
		struct gsite *s = &tp->sites[i];

		s->name = xstrdup(t->sites[i].name);
		s->lat = t->sites[i].latitude;
		s->lon = t->sites[i].longitude;
		s->edges = xcalloc(t->edges_count + 1, sizeof(*s->edges));
	}
	tp->nedges = t->edges_count;
	tp->edges = xcalloc(tp->nedges + 1, sizeof(*tp->edges));
	for (unsigned i = 0; i < tp->nedges; i++) {
		const struct topo_edge *te = &t->edges[i];
		struct gedge *e = &tp->edges[i];

		e->name = xstrdup(te->name);
		e->site = te->site_idx;
		e->weight = te->weight;
		if (te->capacity) {
			e->cap_players = te->capacity->players;
			e->cap_mbps = te->capacity->mbps;
		}
		e->has4 = te->has4;
		e->has6 = te->has6;
		memcpy(e->a4, &te->a4, 4);
		memcpy(e->a6, &te->a6, 16);
		if (e->site < tp->nsites) {
			struct gsite *s = &tp->sites[e->site];

			s->edges[s->nedges++] = i;
		}
	}
	tp->npools = t->pools_count;
	tp->pools = xcalloc(tp->npools + 1, sizeof(*tp->pools));
	for (unsigned i = 0; i < tp->npools; i++) {
		const struct topo_pool *tpool = &t->pools[i];
		struct gpool *p = &tp->pools[i];
		uint8_t *w = p->wire;
		const char *label = tpool->name;

		p->name = xstrdup(tpool->name);
		/* Presentation to wire, lower-case; validated by topology. */
		while (*label) {
			const char *dot = strchr(label, '.');
			size_t n = dot ? (size_t)(dot - label) : strlen(label);

			if (n == 0 || n > 63 ||
			    (size_t)(w - p->wire) + n + 2 > DNAME_MAX)
				break;
			*w++ = (uint8_t)n;
			dname_tolower(w, (const uint8_t *)label, n);
			w += n;
			label += n + (dot ? 1 : 0);
		}
		*w = 0;
		p->select = tpool->select;
		p->answers = tpool->answers < GSLB_ANSWERS_MAX ?
		    tpool->answers :
		    GSLB_ANSWERS_MAX;
		p->ttl = tpool->ttl;
		p->all_down = tpool->all_down;
		p->fallback = tpool->fallback_idx;
		p->spill_high = tpool->spill_high;
		p->spill_low = tpool->spill_low;
		p->hash_bound = tpool->hash_bound;
		p->in_pool = xcalloc(tp->nsites + 1, 1);
		for (unsigned k = 0; k < tpool->nsites; k++) {
			unsigned s = tpool->site_idx[k];

			if (s >= tp->nsites)
				continue;
			p->in_pool[s] = 1;
			p->nsites++;
			for (unsigned j = 0; j < tp->sites[s].nedges; j++) {
				const struct gedge *e =
				    &tp->edges[tp->sites[s].edges[j]];

				p->has_family[0] |= e->has4;
				p->has_family[1] |= e->has6;
			}
		}
	}
	/* Maps. */
	tp->default_order.n = 0;
	order_from(&tp->default_order, m->default_idx, m->ndefault);
	tp->nnets = m->networks_count;
	tp->net_order = xcalloc(tp->nnets + 1, sizeof(*tp->net_order));
	for (unsigned i = 0; i < tp->nnets; i++) {
		const struct topo_map_net *n = &m->networks[i];

		order_from(&tp->net_order[i], n->site_idx, n->sites_count);
		trie_insert(&tp->trie[n->family == AF_INET6], n->addr,
		    n->prefix, (int)i);
	}
	tp->ncountries = m->countries_count;
	tp->country = xcalloc(tp->ncountries + 1, sizeof(*tp->country));
	tp->country_order =
	    xcalloc(tp->ncountries + 1, sizeof(*tp->country_order));
	for (unsigned i = 0; i < tp->ncountries; i++) {
		snprintf(tp->country[i], 3, "%s", m->countries[i].country);
		order_from(&tp->country_order[i], m->countries[i].site_idx,
		    m->countries[i].sites_count);
	}
	tp->ncontinents = m->continents_count;
	tp->continent = xcalloc(tp->ncontinents + 1, sizeof(*tp->continent));
	tp->continent_order =
	    xcalloc(tp->ncontinents + 1, sizeof(*tp->continent_order));
	for (unsigned i = 0; i < tp->ncontinents; i++) {
		snprintf(tp->continent[i], 3, "%s", m->continents[i].continent);
		order_from(&tp->continent_order[i], m->continents[i].site_idx,
		    m->continents[i].sites_count);
	}
	tp->nworkers = nworkers ? nworkers : 1;
	tp->counters = counters_new(tp->nworkers, tp);
	return tp;
}

void
gslb_topo_ref(struct gslb_topo *tp)
{
	tp->refs++;
}

void
gslb_topo_unref(struct gslb_topo *tp)
{
	if (tp == NULL || --tp->refs > 0)
		return;
	for (unsigned i = 0; i < tp->nsites; i++) {
		free(tp->sites[i].name);
		free(tp->sites[i].edges);
	}
	free(tp->sites);
	for (unsigned i = 0; i < tp->nedges; i++)
		free(tp->edges[i].name);
	free(tp->edges);
	for (unsigned i = 0; i < tp->npools; i++) {
		free(tp->pools[i].name);
		free(tp->pools[i].in_pool);
	}
	free(tp->pools);
	free(tp->trie[0].nodes);
	free(tp->trie[1].nodes);
	free(tp->net_order);
	free(tp->country);
	free(tp->country_order);
	free(tp->continent);
	free(tp->continent_order);
	for (unsigned i = 0; i < tp->nworkers; i++) {
		free(tp->counters[i].pool_answers);
		free(tp->counters[i].pool_failopen);
		free(tp->counters[i].pool_servfail);
		free(tp->counters[i].site_answers);
		free(tp->counters[i].edge_answers);
	}
	free(tp->counters);
	geo_close(tp->geo);
	free(tp);
}

int
gslb_topo_pool(const struct gslb_topo *tp, const uint8_t *lname)
{
	for (unsigned i = 0; i < tp->npools; i++)
		if (dname_equal(tp->pools[i].wire, lname))
			return (int)i;
	return -1;
}

unsigned
gslb_topo_npools(const struct gslb_topo *tp)
{
	return tp->npools;
}

const uint8_t *
gslb_topo_pool_wire(const struct gslb_topo *tp, unsigned i)
{
	return tp->pools[i].wire;
}

unsigned
gslb_topo_nsites(const struct gslb_topo *tp)
{
	return tp->nsites;
}

unsigned
gslb_topo_nedges(const struct gslb_topo *tp)
{
	return tp->nedges;
}

const char *
gslb_topo_pool_name(const struct gslb_topo *tp, unsigned i)
{
	return tp->pools[i].name;
}

const char *
gslb_topo_site_name(const struct gslb_topo *tp, unsigned i)
{
	return tp->sites[i].name;
}

const char *
gslb_topo_edge_name(const struct gslb_topo *tp, unsigned i)
{
	return tp->edges[i].name;
}

unsigned
gslb_topo_edge_site(const struct gslb_topo *tp, unsigned i)
{
	return tp->edges[i].site;
}

struct gslb_counters *
gslb_topo_counters(struct gslb_topo *tp, unsigned worker)
{
	return &tp->counters[worker < tp->nworkers ? worker : 0];
}

unsigned
gslb_topo_nworkers(const struct gslb_topo *tp)
{
	return tp->nworkers;
}

/* ---- Snapshots ---- */

struct gslb_hyst *
gslb_hyst_new(const struct gslb_topo *tp)
{
	struct gslb_hyst *h = xcalloc(1,
	    sizeof(*h) + (size_t)(tp->npools + 1) * (tp->nsites + 1));

	h->npools = tp->npools;
	h->nsites = tp->nsites;
	return h;
}

/* Load as a fraction of capacity: the larger of players and Mbit/s. */
static double
edge_load(const struct gedge *e, const struct gslb_input *in)
{
	double load = -1;

	if (in->has_players && e->cap_players > 0)
		load = in->players / e->cap_players;
	if (in->has_mbps && e->cap_mbps > 0 && in->mbps / e->cap_mbps > load)
		load = in->mbps / e->cap_mbps;
	return load;
}

struct gslb *
gslb_new(struct gslb_topo *tp, const struct gslb_input *in,
    struct gslb_hyst *hyst)
{
	struct gslb *g = xcalloc(1, sizeof(*g));
	double *sum_load, *sum_cap;

	gslb_topo_ref(tp);
	g->tp = tp;
	g->usable = xcalloc(tp->nedges + 1, 1);
	g->edge_load = xcalloc(tp->nedges + 1, sizeof(double));
	g->site_load = xcalloc(tp->nsites + 1, sizeof(double));
	g->usable_n[0] = xcalloc(tp->nsites + 1, sizeof(unsigned));
	g->usable_n[1] = xcalloc(tp->nsites + 1, sizeof(unsigned));
	g->spill = xcalloc((size_t)(tp->npools + 1) * (tp->nsites + 1),
	    sizeof(double));
	sum_load = xcalloc(tp->nsites + 1, sizeof(double));
	sum_cap = xcalloc(tp->nsites + 1, sizeof(double));

	for (unsigned i = 0; i < tp->nedges; i++) {
		const struct gedge *e = &tp->edges[i];
		bool up = in[i].state == GSLB_UP || in[i].state == GSLB_UNKNOWN;
		double load = edge_load(e, &in[i]);

		g->edge_load[i] = load;
		g->usable[i] = up && !(load >= 1.0);
		if (g->usable[i]) {
			g->usable_n[0][e->site] += e->has4;
			g->usable_n[1][e->site] += e->has6;
		}
		/* Site load counts every edge that is serving. */
		if ((up || in[i].state == GSLB_FULL) && load >= 0) {
			double cap = e->cap_players ? e->cap_players : 1;

			sum_load[e->site] +=
			    (in[i].state == GSLB_FULL ? 1.0 : load) * cap;
			sum_cap[e->site] += cap;
		}
	}
	for (unsigned s = 0; s < tp->nsites; s++)
		g->site_load[s] =
		    sum_cap[s] > 0 ? sum_load[s] / sum_cap[s] : -1;
	/* Spill-over with hysteresis: start at the high-water mark, stop at
	 * the low one; in between, the share grows with the load. */
	for (unsigned p = 0; p < tp->npools; p++) {
		const struct gpool *pool = &tp->pools[p];

		for (unsigned s = 0; s < tp->nsites; s++) {
			size_t k = (size_t)p * tp->nsites + s;
			double load = g->site_load[s];
			uint8_t *on = &hyst->spilling[k];

			if (hyst->npools != tp->npools ||
			    hyst->nsites != tp->nsites)
				on = NULL;
			if (load < 0) {
				if (on)
					*on = 0;
				continue;
			}
			if (on && !*on && load >= pool->spill_high)
				*on = 1;
			else if (on && *on && load <= pool->spill_low)
				*on = 0;
			if (on && *on) {
				double share = (load - pool->spill_low) /
				    (1.0 - pool->spill_low);

				g->spill[k] = share < 0 ? 0 :
				    share > 1		? 1 :
							  share;
			}
		}
	}
	free(sum_load);
	free(sum_cap);
	return g;
}

void
gslb_free(struct gslb *g)
{
	if (g == NULL)
		return;
	free(g->usable);
	free(g->edge_load);
	free(g->site_load);
	free(g->usable_n[0]);
	free(g->usable_n[1]);
	free(g->spill);
	gslb_topo_unref(g->tp);
	free(g);
}

struct gslb_topo *
gslb_topo_of(const struct gslb *g)
{
	return g->tp;
}

bool
gslb_edge_usable(const struct gslb *g, unsigned i)
{
	return g->usable[i];
}

double
gslb_edge_load(const struct gslb *g, unsigned i)
{
	return g->edge_load[i];
}

double
gslb_site_load(const struct gslb *g, unsigned site)
{
	return g->site_load[site];
}

double
gslb_spill_share(const struct gslb *g, unsigned pool, unsigned site)
{
	return g->spill[(size_t)pool * g->tp->nsites + site];
}

void
gslb_worker_init(struct gslb_worker *w, unsigned slot, uint64_t seed)
{
	memset(w, 0, sizeof(*w));
	w->slot = slot;
	w->rng = mix64(seed + 0x9e3779b97f4a7c15ULL) | 1;
}

/* ---- Answering ---- */

/* A trace for gslb_explain(); NULL on the query path. */
struct expl {
	char *buf;
	size_t len, pos;
};

static void expl_add(struct expl *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
expl_add(struct expl *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (x == NULL || x->pos >= x->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(x->buf + x->pos, x->len - x->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		x->pos += (size_t)n < x->len - x->pos ? (size_t)n :
							x->len - x->pos - 1;
}

/* The order of sites for a located client (cache miss path). */
static void
order_for_loc(const struct gslb_topo *tp, const struct geo_loc *loc,
    struct gorder *o, struct expl *x)
{
	o->n = 0;
	for (unsigned i = 0; i < tp->ncountries && loc->country[0]; i++)
		if (strcmp(tp->country[i], loc->country) == 0) {
			expl_add(x, "country map %s\n", loc->country);
			for (unsigned k = 0; k < tp->country_order[i].n; k++)
				o->site[o->n++] = tp->country_order[i].site[k];
			break;
		}
	if (o->n == 0)
		for (unsigned i = 0; i < tp->ncontinents && loc->continent[0];
		     i++)
			if (strcmp(tp->continent[i], loc->continent) == 0) {
				expl_add(x, "continent map %s\n",
				    loc->continent);
				for (unsigned k = 0;
				     k < tp->continent_order[i].n; k++)
					o->site[o->n++] =
					    tp->continent_order[i].site[k];
				break;
			}
	if (loc->has_coords) {
		/* Then every other site, nearest first. */
		unsigned idx[256], n = 0;
		double d[256];

		for (unsigned s = 0; s < tp->nsites; s++) {
			idx[n] = s;
			d[n++] = distance_km(loc->lat, loc->lon,
			    tp->sites[s].lat, tp->sites[s].lon);
		}
		for (unsigned i = 1; i < n; i++)
			for (unsigned j = i; j > 0 && d[j] < d[j - 1]; j--) {
				double td = d[j];
				unsigned ti = idx[j];

				d[j] = d[j - 1];
				idx[j] = idx[j - 1];
				d[j - 1] = td;
				idx[j - 1] = ti;
			}
		expl_add(x, "nearest: %s (%.0f km)\n",
		    n ? tp->sites[idx[0]].name : "-", n ? d[0] : 0.0);
		order_from(o, idx, n);
	}
	order_fill_default(tp, o);
}

/* The site order for client c, and the scope over which it holds. */
static void
client_order(const struct gslb_topo *tp, struct gslb_worker *w,
    const struct gslb_client *c, struct gorder *o, unsigned *scope,
    struct expl *x)
{
	unsigned maxbits = c->family == AF_INET6 ? 128 : 32;
	unsigned tscope = 0;
	int net;
	uint32_t off;
	uint8_t gprefix = 0;

	net = trie_lookup(&tp->trie[c->family == AF_INET6], c->addr, c->bits,
	    maxbits, &tscope);
	if (net >= 0) {
		expl_add(x, "network map entry %d (scope /%u)\n", net, tscope);
		*o = tp->net_order[net];
		order_fill_default(tp, o);
		*scope = tscope;
		return;
	}
	if (tp->geo && geo_find(tp->geo, c->family, c->addr, &off, &gprefix)) {
		struct gslb_cache_entry *ce = NULL;

		if (w) {
			ce = &w->cache[mix64(off) & (GSLB_CACHE_SIZE - 1)];
			if (ce->topo_id == tp->id && ce->offset == off) {
				o->n = ce->n;
				memcpy(o->site, ce->order, ce->n);
				*scope = gprefix > tscope ? gprefix : tscope;
				return;
			}
		}
		{
			struct geo_loc loc;

			geo_record(tp->geo, off, &loc);
			expl_add(x,
			    "geoip: country %s, continent %s, %s (network /%u)\n",
			    loc.country[0] ? loc.country : "-",
			    loc.continent[0] ? loc.continent : "-",
			    loc.has_coords ? "coordinates" : "no coordinates",
			    gprefix);
			order_for_loc(tp, &loc, o, x);
		}
		if (ce) {
			ce->topo_id = tp->id;
			ce->offset = off;
			ce->n = o->n;
			memcpy(ce->order, o->site, o->n);
		}
		*scope = gprefix > tscope ? gprefix : tscope;
		return;
	}
	expl_add(x, "location unknown: default order\n");
	o->n = 0;
	order_fill_default(tp, o);
	*scope = gprefix > tscope ? gprefix : tscope;
}

static bool
chosen(const struct gslb_result *r, unsigned e)
{
	for (unsigned i = 0; i < r->n; i++)
		if (r->edge[i] == e)
			return true;
	return false;
}

static void
result_add(const struct gslb_topo *tp, struct gslb_result *r, unsigned e,
    bool v6)
{
	r->edge[r->n] = e;
	r->rdata[r->n] = v6 ? tp->edges[e].a6 : tp->edges[e].a4;
	r->n++;
}

/* Pick up to `need` more edges from site s into r. */
static void
pick_in_site(const struct gslb *g, struct gslb_worker *w, const struct gpool *p,
    unsigned s, bool v6, uint64_t key, unsigned need, struct gslb_result *r,
    struct expl *x)
{
	const struct gslb_topo *tp = g->tp;
	const struct gsite *site = &tp->sites[s];
	unsigned cand[256], n = 0;
	double wgt[256];

	for (unsigned i = 0; i < site->nedges && n < 256; i++) {
		unsigned e = site->edges[i];
		const struct gedge *ge = &tp->edges[e];
		double load = g->edge_load[e];

		if (!(v6 ? ge->has6 : ge->has4) || !g->usable[e] ||
		    chosen(r, e))
			continue;
		if (p->select == TOPO_SELECT_HASH && load >= 0 &&
		    g->site_load[s] > 0 &&
		    load > p->hash_bound * g->site_load[s]) {
			expl_add(x, "  %s: over its bound (load %.2f)\n",
			    ge->name, load);
			continue;
		}
		cand[n] = e;
		wgt[n] = ge->weight *
		    (load >= 0 ? (1 - load > HEADROOM_MIN ? 1 - load :
							    HEADROOM_MIN) :
				 1.0);
		n++;
	}
	expl_add(x, "  %u candidate edge%s in %s\n", n, n == 1 ? "" : "s",
	    site->name);
	while (need > 0 && n > 0) {
		unsigned k = 0;

		if (p->select == TOPO_SELECT_ROUNDROBIN) {
			k = (w ? w->rr++ : 0) % n;
		} else if (p->select == TOPO_SELECT_HASH) {
			/* Weighted rendezvous hashing: the highest
			 * weight / -ln(u) wins; one edge leaving moves
			 * only its own clients. */
			double best = -1;

			for (unsigned i = 0; i < n; i++) {
				double u =
				    unit(mix64(key ^ mix64(cand[i] + 1)));
				double sc = u > 0 ?
				    tp->edges[cand[i]].weight / -log(u) :
				    0;

				if (sc > best) {
					best = sc;
					k = i;
				}
			}
		} else {
			double total = 0, pick;

			for (unsigned i = 0; i < n; i++)
				total += wgt[i];
			pick = unit(w ? rng_next(w) : key) * total;
			for (k = 0; k + 1 < n && pick >= wgt[k]; k++)
				pick -= wgt[k];
		}
		expl_add(x, "  chose %s\n", tp->edges[cand[k]].name);
		result_add(tp, r, cand[k], v6);
		need--;
		cand[k] = cand[n - 1];
		wgt[k] = wgt[n - 1];
		n--;
	}
}

static void
decide(const struct gslb *g, struct gslb_worker *w, unsigned pool, bool v6,
    const struct gslb_client *c, struct gslb_result *r, unsigned depth,
    struct expl *x)
{
	const struct gslb_topo *tp = g->tp;
	const struct gpool *p = &tp->pools[pool];
	struct gorder o;
	unsigned scope = 0, list[GSLB_ORDER_MAX], m = 0, fam = v6;
	uint64_t key = 0;
	unsigned hbits = 0;

	r->ttl = p->ttl;
	if (!p->has_family[fam]) {
		expl_add(x, "pool %s has no %s edges: NODATA\n", p->name,
		    v6 ? "IPv6" : "IPv4");
		return;
	}
	client_order(tp, w, c, &o, &scope, x);
	for (unsigned i = 0; i < o.n; i++)
		if (p->in_pool[o.site[i]])
			list[m++] = o.site[i];
	if (p->select == TOPO_SELECT_HASH) {
		uint8_t masked[16] = { 0 };
		unsigned maxh = c->family == AF_INET6 ? GSLB_HASH_BITS_V6 :
							GSLB_HASH_BITS_V4;

		hbits = c->bits < maxh ? c->bits : maxh;
		memcpy(masked, c->addr, (hbits + 7) / 8);
		if (hbits % 8)
			masked[hbits / 8] &= (uint8_t)(0xff << (8 - hbits % 8));
		for (unsigned i = 0; i < 16; i += 8) {
			uint64_t v;

			memcpy(&v, masked + i, 8);
			key = mix64(key ^ v ^ hbits);
		}
	}
	for (unsigned i = 0; i < m && r->n == 0; i++) {
		unsigned s = list[i];
		double share = g->spill[(size_t)pool * tp->nsites + s];
		bool later = false;

		if (g->usable_n[fam][s] == 0) {
			expl_add(x, "site %s: no usable edge\n",
			    tp->sites[s].name);
			continue;
		}
		for (unsigned j = i + 1; j < m && !later; j++)
			later = g->usable_n[fam][list[j]] > 0;
		if (share > 0 && later) {
			double u = p->select == TOPO_SELECT_HASH ?
			    unit(mix64(key ^ (s + 0x51))) :
			    unit(w ? rng_next(w) : mix64(key + s));

			expl_add(x, "site %s: load %.2f, spilling %.0f%%%s\n",
			    tp->sites[s].name, g->site_load[s], share * 100,
			    x ? "" : "");
			if (u < share)
				continue;
		}
		expl_add(x, "site %s serves\n", tp->sites[s].name);
		r->site = (int)s;
		pick_in_site(g, w, p, s, v6, key, p->answers, r, x);
		/* Fewer edges than answers: add from the next sites. */
		for (unsigned j = i + 1; j < m && r->n < p->answers; j++)
			pick_in_site(g, w, p, list[j], v6, key,
			    p->answers - r->n, r, x);
	}
	if (r->n > 0) {
		bool depends = p->nsites > 1 || p->select == TOPO_SELECT_HASH;

		if (hbits > scope)
			scope = hbits;
		r->scope = depends ? (uint8_t)scope : 0;
		return;
	}
	/* Every edge is down, draining or full. */
	switch (p->all_down) {
	case TOPO_ALL_DOWN_FALLBACK:
		if (p->fallback >= 0 && depth < GSLB_FALLBACK_DEPTH) {
			expl_add(x, "all down: fallback pool %s\n",
			    tp->pools[p->fallback].name);
			decide(g, w, (unsigned)p->fallback, v6, c, r, depth + 1,
			    x);
			r->ttl = p->ttl < r->ttl ? p->ttl : r->ttl;
			return;
		}
		/* FALLTHROUGH */
	case TOPO_ALL_DOWN_FAIL_OPEN:
		expl_add(x, "all down: fail-open, every edge of the pool\n");
		r->failopen = true;
		for (unsigned i = 0; i < m; i++) {
			const struct gsite *site = &tp->sites[list[i]];

			for (unsigned j = 0;
			     j < site->nedges && r->n < GSLB_ANSWERS_MAX; j++) {
				unsigned e = site->edges[j];

				if (v6 ? tp->edges[e].has6 : tp->edges[e].has4)
					result_add(tp, r, e, v6);
			}
		}
		r->scope = 0;
		return;
	case TOPO_ALL_DOWN_SERVFAIL:
		expl_add(x, "all down: SERVFAIL\n");
		r->servfail = true;
		return;
	}
}

void
gslb_answer(const struct gslb *g, struct gslb_worker *w, unsigned pool, bool v6,
    const struct gslb_client *c, struct gslb_result *r)
{
	struct gslb_counters *cnt;

	memset(r, 0, offsetof(struct gslb_result, rdata));
	r->n = 0;
	r->scope = 0;
	r->servfail = r->failopen = false;
	r->site = -1;
	r->rdlen = v6 ? 16 : 4;
	if (pool >= g->tp->npools)
		return;
	decide(g, w, pool, v6, c, r, 0, NULL);
	cnt = &g->tp->counters[w->slot < g->tp->nworkers ? w->slot : 0];
	CNT_INC(cnt->pool_answers[pool]);
	if (r->failopen)
		CNT_INC(cnt->pool_failopen[pool]);
	if (r->servfail)
		CNT_INC(cnt->pool_servfail[pool]);
	if (r->site >= 0)
		CNT_INC(cnt->site_answers[r->site]);
	for (unsigned i = 0; i < r->n; i++)
		CNT_INC(cnt->edge_answers[r->edge[i]]);
}

size_t
gslb_explain(const struct gslb *g, unsigned pool, bool v6,
    const struct gslb_client *c, char *buf, size_t len)
{
	struct expl x = { buf, len, 0 };
	struct gslb_result r;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	memset(&r, 0, sizeof(r));
	r.site = -1;
	r.rdlen = v6 ? 16 : 4;
	if (pool >= g->tp->npools)
		return 0;
	expl_add(&x, "pool %s, %s\n", g->tp->pools[pool].name,
	    v6 ? "AAAA" : "A");
	decide(g, NULL, pool, v6, c, &r, 0, &x);
	expl_add(&x, "answer:");
	for (unsigned i = 0; i < r.n; i++)
		expl_add(&x, " %s", g->tp->edges[r.edge[i]].name);
	expl_add(&x, "%s (ttl %u, ecs scope /%u)\n",
	    r.servfail ? " SERVFAIL" : "", r.ttl, r.scope);
	return x.pos;
}

uint64_t
gslb_topo_counter_total(const struct gslb_topo *tp, size_t off, unsigned i)
{
	uint64_t sum = 0;

	for (unsigned w = 0; w < tp->nworkers; w++) {
		const uint64_t *arr =
		    *(uint64_t *const *)((const char *)&tp->counters[w] + off);

		sum += __atomic_load_n(&arr[i], __ATOMIC_RELAXED);
	}
	return sum;
}

static void
carry(struct gslb_topo *tp, const struct gslb_topo *old, size_t off, unsigned n,
    unsigned on, const char *(*name)(const struct gslb_topo *, unsigned))
{
	uint64_t *base = *(uint64_t **)((char *)&tp->counters[0] + off);

	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < on; j++)
			if (strcmp(name(tp, i), name(old, j)) == 0) {
				base[i] += gslb_topo_counter_total(old, off, j);
				break;
			}
}

void
gslb_topo_carry_counters(struct gslb_topo *tp, const struct gslb_topo *old)
{
	if (old == NULL)
		return;
	carry(tp, old, offsetof(struct gslb_counters, pool_answers), tp->npools,
	    old->npools, gslb_topo_pool_name);
	carry(tp, old, offsetof(struct gslb_counters, pool_failopen),
	    tp->npools, old->npools, gslb_topo_pool_name);
	carry(tp, old, offsetof(struct gslb_counters, pool_servfail),
	    tp->npools, old->npools, gslb_topo_pool_name);
	carry(tp, old, offsetof(struct gslb_counters, site_answers), tp->nsites,
	    old->nsites, gslb_topo_site_name);
	carry(tp, old, offsetof(struct gslb_counters, edge_answers), tp->nedges,
	    old->nedges, gslb_topo_edge_name);
}
