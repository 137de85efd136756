#include "config.h"

#include "dnsd/dnsd.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "common/topology.h"
#include "dnsd/geo.h"
#include "dnsd/gslb.h"
#include "dnsd/state.h"
#include "dnsd/zone.h"

/* How often retired databases are checked for reclamation. */
#define DNSD_TICK_US (100 * MONOTIME_MSEC)

static void dnsd_tick_cb(void *arg);

/* Does the pool name lie inside one of the configured zones? */
static bool
dnsd_pool_in_zone(const char *pool, void *arg)
{
	const struct dnsd_conf *cf = arg;
	size_t pl = strlen(pool);

	for (unsigned i = 0; i < cf->zones_count; i++) {
		const char *z = cf->zones[i].name;
		size_t zl = strlen(z);

		if (zl && z[zl - 1] == '.')
			zl--;
		if (zl == 0)
			return true; /* the root zone */
		if (pl == zl && strncasecmp(pool, z, zl) == 0)
			return true;
		if (pl > zl && pool[pl - zl - 1] == '.' &&
		    strncasecmp(pool + pl - zl, z, zl) == 0)
			return true;
	}
	return false;
}

unsigned
dnsd_conf_slots(const struct dnsd_conf *cf)
{
	long per = cf->workers;

	if (per == 0)
		per = sysconf(_SC_NPROCESSORS_ONLN);
	if (per < 1)
		per = 1;
	if (per > DNSD_WORKERS_MAX)
		per = DNSD_WORKERS_MAX;
	return (unsigned)per * cf->listen_count + 1; /* + TCP */
}

/* The fleet: topology file and GeoIP database, compiled. */
static int
dnsd_load_gslb(struct dnsd_conf *cf, struct gslb_topo **out)
{
	struct topology *t;
	struct geo *geo = NULL;
	char *path;

	*out = NULL;
	if (cf->topology == NULL)
		return RC_OK;
	path = dnsd_conf_path(cf, cf->topology);
	t = topology_load(path, dnsd_pool_in_zone, cf);
	free(path);
	if (t == NULL)
		return RC_CONFIG;
	if (cf->geoip) {
		path = dnsd_conf_path(cf, cf->geoip);
		geo = geo_open(path);
		free(path);
		if (geo == NULL) {
			topology_free(t);
			return RC_CONFIG;
		}
	}
	*out = gslb_topo_new(t, geo, dnsd_conf_slots(cf));
	topology_free(t);
	return RC_OK;
}

int
dnsd_load(const char *path, struct dnsd_conf **cfp, struct zonedb **dbp,
    struct gslb_topo **tpp)
{
	struct dnsd_conf *cf;
	struct zone_source *src;
	struct zone_pool *pools = NULL;
	struct zonedb *db = NULL;
	struct gslb_topo *tp = NULL;
	unsigned npools = 0;
	int rc;

	cf = dnsd_conf_load(path);
	if (cf == NULL)
		return RC_CONFIG;
	if (dnsd_load_gslb(cf, &tp) != RC_OK) {
		dnsd_conf_free(cf);
		return RC_CONFIG;
	}
	if (tp) {
		npools = gslb_topo_npools(tp);
		pools = xcalloc(npools + 1, sizeof(*pools));
		for (unsigned i = 0; i < npools; i++) {
			pools[i].name = gslb_topo_pool_wire(tp, i);
			pools[i].index = i;
		}
	}
	src = xcalloc(cf->zones_count + 1, sizeof(*src));
	for (unsigned i = 0; i < cf->zones_count; i++) {
		src[i].name = cf->zones[i].name;
		src[i].file = dnsd_conf_zone_path(cf, i);
	}
	rc = zonedb_load(src, cf->zones_count, pools, npools, &db);
	if (rc == RC_OK && tp && cf->admin_state) {
		/* The admin file is checked like the rest of the config. */
		uint8_t *e = xcalloc(gslb_topo_nedges(tp) + 1, 1);
		uint8_t *s = xcalloc(gslb_topo_nsites(tp) + 1, 1);

		if (!state_admin_parse(cf, tp, e, s)) {
			zonedb_free(db);
			rc = RC_CONFIG;
		}
		free(e);
		free(s);
	}
	for (unsigned i = 0; i < cf->zones_count; i++)
		free((char *)src[i].file);
	free(src);
	free(pools);
	if (rc != RC_OK) {
		gslb_topo_unref(tp);
		dnsd_conf_free(cf);
		return rc;
	}
	*cfp = cf;
	*dbp = db;
	*tpp = tp;
	return RC_OK;
}

static void
dnsd_db_unref(struct zonedb *db)
{
	if (db && --db->refs == 0)
		zonedb_free(db);
}

void
dnsd_snap_free(struct dnsd_snap *s)
{
	if (s == NULL)
		return;
	gslb_free((struct gslb *)s->env.gslb);
	dnsd_db_unref((struct zonedb *)s->env.db);
	free(s);
}

void
dnsd_publish(struct dnsd *d)
{
	struct dnsd_snap *snap = xcalloc(1, sizeof(*snap)), *old;
	uint64_t gen;
	struct dnsd_retired *r;

	d->db->refs++;
	snap->env.db = d->db;
	snap->env.udp_payload = (uint16_t)d->conf->udp_payload;
	if (d->gtp)
		snap->env.gslb = gslb_new(d->gtp, d->inputs, d->hyst);
	old = atomic_exchange(&d->snap, snap);
	gen = atomic_fetch_add(&d->gen, 1) + 1;
	if (old == NULL)
		return;
	r = xcalloc(1, sizeof(*r));
	r->snap = old;
	r->gen = gen;
	r->next = d->retired;
	d->retired = r;
	dnsd_reclaim(d);
}

void
dnsd_set_data(struct dnsd *d, struct zonedb *db, struct gslb_topo *tp)
{
	struct gslb_input *inputs = NULL;
	unsigned n = tp ? gslb_topo_nedges(tp) : 0;

	/* Keep what we know of each edge across a reload, by name. */
	if (tp) {
		inputs = xcalloc(n + 1, sizeof(*inputs));
		for (unsigned i = 0; i < n && d->gtp; i++)
			for (unsigned j = 0; j < gslb_topo_nedges(d->gtp); j++)
				if (strcmp(gslb_topo_edge_name(tp, i),
					gslb_topo_edge_name(d->gtp, j)) == 0)
					inputs[i] = d->inputs[j];
	}
	free(d->inputs);
	d->inputs = inputs;
	free(d->hyst);
	d->hyst = tp ? gslb_hyst_new(tp) : NULL;
	/* Counters run on across reloads (workers may still add a few to
	 * the old topology until they see the new snapshot). */
	if (tp)
		gslb_topo_carry_counters(tp, d->gtp);
	gslb_topo_unref(d->gtp);
	d->gtp = tp;
	if (d->db)
		dnsd_db_unref(d->db);
	db->refs = 1; /* ours */
	d->db = db;
}

/* Is any worker possibly still reading a database retired at `gen`? */
static bool
dnsd_in_use(const struct dnsd *d, uint64_t gen)
{
	for (unsigned i = 0; i < d->nworkers; i++) {
		uint64_t a = atomic_load(&d->workers[i].active);

		if (a != 0 && a < gen)
			return true;
	}
	return false;
}

void
dnsd_reclaim(struct dnsd *d)
{
	struct dnsd_retired **pp = &d->retired;

	while (*pp) {
		struct dnsd_retired *r = *pp;

		if (dnsd_in_use(d, r->gen)) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		dnsd_snap_free(r->snap);
		free(r);
	}
}

static void
dnsd_tick_cb(void *arg)
{
	struct dnsd *d = arg;

	dnsd_reclaim(d);
	/* Expiry of feed entries, once a second. */
	if (++d->ticks % (MONOTIME_SEC / DNSD_TICK_US) == 0)
		state_tick(d);
}

void
dnsd_set_input(struct dnsd *d, unsigned edge, const struct gslb_input *in)
{
	if (d->gtp == NULL || edge >= gslb_topo_nedges(d->gtp))
		return;
	d->inputs[edge] = *in;
}

void
dnsd_reload(struct dnsd *d)
{
	struct dnsd_conf *cf;
	struct zonedb *db;
	struct gslb_topo *tp;
	bool relisten = false;

	log_info("reload: reading %s", d->conf_path);
	if (dnsd_load(d->conf_path, &cf, &db, &tp) != RC_OK) {
		d->reloads_failed++;
		log_warnx("reload: failed, still serving the previous "
			  "configuration and zones");
		return;
	}
	if (cf->listen_count != d->conf->listen_count)
		relisten = true;
	for (unsigned i = 0; !relisten && i < cf->listen_count; i++)
		relisten = strcmp(cf->listen[i], d->conf->listen[i]) != 0;
	if (relisten || cf->workers != d->conf->workers ||
	    (cf->control == NULL) != (d->conf->control == NULL) ||
	    (cf->control && strcmp(cf->control, d->conf->control)))
		log_notice("reload: listen, workers and control take effect "
			   "only after a restart");
	/* Sockets and threads stay as started. */
	cf->workers = d->conf->workers;
	dnsd_conf_free(d->conf);
	d->conf = cf;
	dnsd_set_data(d, db, tp);
	dnsd_publish(d);
	state_reload(d);
	d->reloads_ok++;
	log_notice("reload: done, %zu zones", db->nzones);
}

void
dnsd_start(struct dnsd *d)
{
	d->tcp_q.stats = &d->tcp_stats;
	/* TCP takes the last counter slot, after every UDP worker. */
	gslb_worker_init(&d->tcp_gw, dnsd_conf_slots(d->conf) - 1,
	    (uint64_t)getpid());
	d->tcp_q.gw = &d->tcp_gw;
	d->started_at = monotime_now();
	if (dnsd_udp_open(d) != RC_OK)
		fatalx("cannot start UDP listeners");
	if (dnsd_tcp_open(d) != RC_OK)
		fatalx("cannot start TCP listeners");
	if (state_start(d) != RC_OK)
		fatalx("cannot start the state feed or read the admin file");
	if (d->conf->control && dnsd_control_open(d) != RC_OK)
		fatalx("cannot start the control listener on %s",
		    d->conf->control);
	d->tick = loop_timer_new(d->loop, DNSD_TICK_US, 0, dnsd_tick_cb, d);
}

void
dnsd_stop(struct dnsd *d)
{
	dnsd_control_close(d);
	state_stop(d);
	dnsd_tcp_close(d);
	dnsd_udp_close(d);
	loop_timer_free(d->tick);
	d->tick = NULL;
	dnsd_snap_free(atomic_exchange(&d->snap, NULL));
	dnsd_set_data_free(d);
	while (d->retired) {
		struct dnsd_retired *r = d->retired;

		d->retired = r->next;
		dnsd_snap_free(r->snap);
		free(r);
	}
}

/* Add one worker's counters to out. */
static void
dnsd_stats_add(struct dnsd_stats *out, const struct dnsd_stats *s)
{
	for (unsigned i = 0; i < STATS_TRANSPORTS; i++)
		out->queries[i] += STATS_GET(s->queries[i]);
	for (unsigned i = 0; i < STATS_RCODES; i++)
		out->rcode[i] += STATS_GET(s->rcode[i]);
	for (unsigned i = 0; i < STATS_QTYPES; i++)
		out->qtype[i] += STATS_GET(s->qtype[i]);
	for (unsigned i = 0; i < STATS_DROPS; i++)
		out->dropped[i] += STATS_GET(s->dropped[i]);
	out->truncated += STATS_GET(s->truncated);
	out->edns += STATS_GET(s->edns);
	out->qtype_any += STATS_GET(s->qtype_any);
	out->udp_batches += STATS_GET(s->udp_batches);
	out->ecs += STATS_GET(s->ecs);
}

void
dnsd_stats_sum(struct dnsd *d, struct dnsd_stats *out)
{
	memset(out, 0, sizeof(*out));
	dnsd_stats_add(out, &d->tcp_stats);
	for (unsigned i = 0; i < d->nworkers; i++)
		dnsd_stats_add(out, &d->workers[i].stats);
}

void
dnsd_set_data_free(struct dnsd *d)
{
	dnsd_db_unref(d->db);
	d->db = NULL;
	gslb_topo_unref(d->gtp);
	d->gtp = NULL;
	free(d->inputs);
	d->inputs = NULL;
	free(d->hyst);
	d->hyst = NULL;
}
