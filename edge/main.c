/*
 * gslb-edge: parse the command line, load the config, and run the loop.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"
#include "common/loop.h"
#include "common/rc.h"
#include "edge/edge.h"
#include "edge/edge_conf.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: gslb-edge [-ftv] -c file\n"
	    "  -c file  configuration file (YAML)\n"
	    "  -t       check the configuration, then exit\n"
	    "  -f       stay in the foreground, log to stderr\n"
	    "  -v       more verbose logging\n");
	exit(2);
}

static void
main_signal_cb(int signo, void *arg)
{
	struct edge *e = arg;

	if (signo == SIGHUP) {
		log_notice("signal %d: reload not yet implemented", signo);
		return;
	}
	log_notice("signal %d: stopping", signo);
	loop_stop(e->loop);
}

int
main(int argc, char **argv)
{
	struct edge e = { 0 };
	const char *conf = NULL;
	bool check = false, foreground = false;
	int level = LOG_INFO, ch;

	while ((ch = getopt(argc, argv, "c:ftvh")) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 't':
			check = true;
			break;
		case 'v':
			level = LOG_DEBUG;
			break;
		default:
			usage();
		}
	}
	if (conf == NULL || optind != argc)
		usage();
	log_init("gslb-edge", foreground || check, check ? LOG_WARNING : level);

	e.conf = edge_conf_load(conf);
	if (e.conf == NULL) {
		fprintf(stderr, "gslb-edge: %s: configuration is not valid\n",
		    conf);
		return 1;
	}
	if (check) {
		fprintf(stderr, "gslb-edge: %s: configuration OK\n", conf);
		edge_conf_free(e.conf);
		return 0;
	}
	if (!foreground && daemon(0, 0) < 0)
		fatal("daemon");
	e.loop = loop_new();
	if (e.loop == NULL)
		fatalx("cannot create the event loop");
	loop_on_signal(e.loop, SIGHUP, main_signal_cb, &e);
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
