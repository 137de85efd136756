/*
 * gslb-dnsd: parse the command line, load, and run the loop.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/loop.h"
#include "common/rc.h"
#include "common/service.h"
#include "dnsd/dnsd.h"
#include "dnsd/gslb.h"
#include "dnsd/zone.h"

static void
main_signal_cb(int signo, void *arg)
{
	struct dnsd *d = arg;

	if (signo == SIGHUP) {
		dnsd_reload(d);
		return;
	}
	log_notice("signal %d: stopping", signo);
	loop_stop(d->loop);
}

static void
main_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		fatal("pidfile %s", path);
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
}

int
main(int argc, char **argv)
{
	struct dnsd d = { 0 };
	struct zonedb *db = NULL;
	struct gslb_topo *tp = NULL;
	struct service_opts opt;

	service_init(argc, argv, "gslb-dnsd", &opt);

	if (dnsd_load(opt.conf, &d.conf, &db, &tp) != RC_OK) {
		fprintf(stderr, "gslb-dnsd: %s: configuration is not valid\n",
		    opt.conf);
		return 1;
	}
	if (opt.check) {
		fprintf(stderr,
		    "gslb-dnsd: %s: configuration and %zu zone%s "
		    "OK\n",
		    opt.conf, db->nzones, db->nzones == 1 ? "" : "s");
		if (tp)
			fprintf(stderr,
			    "gslb-dnsd: %s: %u pools, %u sites, "
			    "%u edges\n",
			    opt.conf, gslb_topo_npools(tp),
			    gslb_topo_nsites(tp), gslb_topo_nedges(tp));
		zonedb_free(db);
		gslb_topo_unref(tp);
		dnsd_conf_free(d.conf);
		return 0;
	}
	if (!opt.foreground && daemon(0, 0) < 0)
		fatal("daemon");
	d.conf_path = opt.conf;
	d.loop = loop_new();
	if (d.loop == NULL)
		fatalx("cannot create the event loop");
	loop_on_signal(d.loop, SIGHUP, main_signal_cb, &d);
	loop_on_signal(d.loop, SIGTERM, main_signal_cb, &d);
	loop_on_signal(d.loop, SIGINT, main_signal_cb, &d);
	dnsd_set_data(&d, db, tp);
	dnsd_publish(&d);
	dnsd_start(&d);
	if (d.conf->pidfile)
		main_pidfile(d.conf->pidfile);
	log_notice("started: %zu zones, %u UDP workers", db->nzones,
	    d.nworkers);
	loop_run(d.loop);
	dnsd_stop(&d);
	if (d.conf->pidfile)
		unlink(d.conf->pidfile);
	loop_free(d.loop);
	dnsd_conf_free(d.conf);
	log_notice("stopped");
	return 0;
}
