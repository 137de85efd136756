/*
 * gslb-probe: parse the command line, load the config, and run the loop.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"
#include "common/loop.h"
#include "common/rc.h"
#include "common/service.h"
#include "common/topology.h"
#include "probe/probe.h"
#include "probe/probe_conf.h"

/* What the signal handler needs. */
struct main_ctx {
	struct probe *p;
	const char *path; /* the config file, reread on SIGHUP */
};

static void
main_signal_cb(int signo, void *arg)
{
	struct main_ctx *m = arg;
	struct probe_conf *ncf;

	if (signo != SIGHUP) {
		log_notice("signal %d: stopping", signo);
		loop_stop(m->p->loop);
		return;
	}
	log_notice("SIGHUP: reloading %s", m->path);
	ncf = probe_conf_load(m->path);
	if (ncf == NULL || probe_reload(m->p, ncf) != RC_OK) {
		m->p->reload_failures++;
		log_warnx("reload: %s is not valid; keeping the running "
			  "configuration",
		    m->path);
	}
}

int
main(int argc, char **argv)
{
	struct probe p = { 0 };
	struct service_opts opt;
	struct main_ctx m = { &p, NULL };
	struct topology *t;

	service_init(argc, argv, "gslb-probe", &opt);
	p.conf = probe_conf_load(opt.conf);
	if (p.conf == NULL) {
		fprintf(stderr, "gslb-probe: %s: configuration is not valid\n",
		    opt.conf);
		return 1;
	}
	if (opt.check) {
		t = probe_topology_load(p.conf);
		probe_conf_free(p.conf);
		if (t == NULL) {
			fprintf(stderr,
			    "gslb-probe: %s: topology is not valid\n",
			    opt.conf);
			return 1;
		}
		topology_free(t);
		fprintf(stderr, "gslb-probe: %s: configuration OK\n", opt.conf);
		return 0;
	}
	if (!opt.foreground && daemon(0, 0) < 0)
		fatal("daemon");
	p.loop = loop_new();
	if (p.loop == NULL)
		fatalx("cannot create the event loop");
	m.path = opt.conf;
	loop_on_signal(p.loop, SIGHUP, main_signal_cb, &m);
	loop_on_signal(p.loop, SIGTERM, main_signal_cb, &m);
	loop_on_signal(p.loop, SIGINT, main_signal_cb, &m);
	if (probe_start(&p) != RC_OK) {
		probe_stop(&p);
		loop_free(p.loop);
		fatalx("cannot start");
	}
	loop_run(p.loop);
	probe_stop(&p);
	loop_free(p.loop);
	log_notice("stopped");
	return 0;
}
