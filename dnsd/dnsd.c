#include "config.h"

#include "dnsd/dnsd.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/monotime.h"
#include "common/rc.h"
#include "dnsd/zone.h"

/* How often retired databases are checked for reclamation. */
#define DNSD_TICK_US (100 * MONOTIME_MSEC)

static void dnsd_tick_cb(void *arg);

int
dnsd_load(const char *path, struct dnsd_conf **cfp, struct zonedb **dbp)
{
	struct dnsd_conf *cf;
	struct zone_source *src;
	struct zonedb *db = NULL;
	int rc;

	cf = dnsd_conf_load(path);
	if (cf == NULL)
		return RC_CONFIG;
	src = xcalloc(cf->zones_count + 1, sizeof(*src));
	for (unsigned i = 0; i < cf->zones_count; i++) {
		src[i].name = cf->zones[i].name;
		src[i].file = dnsd_conf_zone_path(cf, i);
	}
	rc = zonedb_load(src, cf->zones_count, &db);
	for (unsigned i = 0; i < cf->zones_count; i++)
		free((char *)src[i].file);
	free(src);
	if (rc != RC_OK) {
		dnsd_conf_free(cf);
		return rc;
	}
	*cfp = cf;
	*dbp = db;
	return RC_OK;
}

void
dnsd_snap_free(struct dnsd_snap *s)
{
	if (s == NULL)
		return;
	zonedb_free((struct zonedb *)s->env.db);
	free(s);
}

void
dnsd_publish(struct dnsd *d, struct zonedb *db)
{
	struct dnsd_snap *snap = xcalloc(1, sizeof(*snap)), *old;
	uint64_t gen;
	struct dnsd_retired *r;

	snap->env.db = db;
	snap->env.udp_payload = (uint16_t)d->conf->udp_payload;
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
	dnsd_reclaim(arg);
}

void
dnsd_reload(struct dnsd *d)
{
	struct dnsd_conf *cf;
	struct zonedb *db;
	bool relisten = false;

	log_info("reload: reading %s", d->conf_path);
	if (dnsd_load(d->conf_path, &cf, &db) != RC_OK) {
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
	dnsd_publish(d, db);
	d->reloads_ok++;
	log_notice("reload: done, %zu zones", db->nzones);
}

void
dnsd_start(struct dnsd *d)
{
	d->tcp_q.stats = &d->tcp_stats;
	d->started_at = monotime_now();
	if (dnsd_udp_open(d) != RC_OK)
		fatalx("cannot start UDP listeners");
	if (dnsd_tcp_open(d) != RC_OK)
		fatalx("cannot start TCP listeners");
	if (d->conf->control && dnsd_control_open(d) != RC_OK)
		fatalx("cannot start the control listener on %s",
		    d->conf->control);
	d->tick = loop_timer_new(d->loop, DNSD_TICK_US, 0, dnsd_tick_cb, d);
}

void
dnsd_stop(struct dnsd *d)
{
	dnsd_control_close(d);
	dnsd_tcp_close(d);
	dnsd_udp_close(d);
	loop_timer_free(d->tick);
	d->tick = NULL;
	dnsd_snap_free(atomic_exchange(&d->snap, NULL));
	while (d->retired) {
		struct dnsd_retired *r = d->retired;

		d->retired = r->next;
		dnsd_snap_free(r->snap);
		free(r);
	}
}

void
dnsd_stats_sum(struct dnsd *d, struct dnsd_stats *out)
{
	const struct dnsd_stats *all[DNSD_WORKERS_MAX * 64 + 1];
	unsigned n = 0;

	memset(out, 0, sizeof(*out));
	all[n++] = &d->tcp_stats;
	for (unsigned i = 0; i < d->nworkers && n < sizeof(all) / sizeof(*all);
	     i++)
		all[n++] = &d->workers[i].stats;
	for (unsigned k = 0; k < n; k++) {
		const struct dnsd_stats *s = all[k];

		for (unsigned i = 0; i < STATS_TRANSPORTS; i++)
			out->queries[i] += STATS_GET(s->queries[i]);
		for (unsigned i = 0; i < STATS_RCODES; i++)
			out->rcode[i] += STATS_GET(s->rcode[i]);
		for (unsigned i = 0; i < STATS_DROPS; i++)
			out->dropped[i] += STATS_GET(s->dropped[i]);
		out->truncated += STATS_GET(s->truncated);
		out->edns += STATS_GET(s->edns);
		out->qtype_any += STATS_GET(s->qtype_any);
		out->udp_batches += STATS_GET(s->udp_batches);
	}
}
