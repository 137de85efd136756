/*
 * gslb-edge: parse the command line, load the config, and run the loop.
 */
#include "config.h"

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"
#include "common/loop.h"
#include "common/rc.h"
#include "common/service.h"
#include "edge/edge.h"
#include "edge/edge_conf.h"

static void
main_signal_cb(int signo, void *arg)
{
	struct edge *e = arg;

	switch (signo) {
	case SIGHUP:
		log_notice("SIGHUP: reloading %s", e->conf_path);
		edge_reload_file(e);
		return;
	case SIGQUIT:
		edge_drain(e, "SIGQUIT");
		return;
	default:
		log_notice("signal %d: stopping", signo);
		loop_stop(e->loop);
	}
}

int
main(int argc, char **argv)
{
	struct edge e = { 0 };
	struct service_opts opt;

	service_init(argc, argv, "gslb-edge", &opt);
	/*
	 * Output buffers come and go with every frame for every player:
	 * keep freed heap instead of returning it to the kernel each time
	 * (brk churn and page faults showed in perf under load).
	 */
	mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);

	e.conf = edge_conf_load(opt.conf);
	if (e.conf == NULL) {
		fprintf(stderr, "gslb-edge: %s: configuration is not valid\n",
		    opt.conf);
		return 1;
	}
	if (opt.check) {
		fprintf(stderr, "gslb-edge: %s: configuration OK\n", opt.conf);
		edge_conf_free(e.conf);
		return 0;
	}
	if (!opt.foreground && daemon(0, 0) < 0)
		fatal("daemon");
	e.loop = loop_new();
	if (e.loop == NULL)
		fatalx("cannot create the event loop");
	e.conf_path = opt.conf;
	loop_on_signal(e.loop, SIGHUP, main_signal_cb, &e);
	loop_on_signal(e.loop, SIGQUIT, main_signal_cb, &e);
	loop_on_signal(e.loop, SIGTERM, main_signal_cb, &e);
	loop_on_signal(e.loop, SIGINT, main_signal_cb, &e);
	if (edge_start(&e) != RC_OK) {
		edge_stop(&e);
		loop_free(e.loop);
		edge_conf_free(e.conf);
		fatalx("cannot start");
	}
	log_notice("started: %u listeners, %u routes", e.conf->listen_count,
	    e.conf->routes_count);
	loop_run(e.loop);
	edge_stop(&e);
	loop_free(e.loop);
	edge_conf_free(e.conf);
	log_notice("stopped");
	return 0;
}
