#include "config.h"

#include "common/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"

static void
service_usage(const char *name)
{
	fprintf(stderr,
	    "usage: %s [-ftv] -c file\n"
	    "  -c file  configuration file (YAML)\n"
	    "  -t       check the configuration, then exit\n"
	    "  -f       stay in the foreground, log to stderr\n"
	    "  -v       more verbose logging\n",
	    name);
	exit(2);
}

void
service_init(int argc, char **argv, const char *name, struct service_opts *o)
{
	int ch;

	o->conf = NULL;
	o->check = o->foreground = false;
	o->level = LOG_INFO;
	while ((ch = getopt(argc, argv, "c:ftvh")) != -1) {
		switch (ch) {
		case 'c':
			o->conf = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 't':
			o->check = true;
			break;
		case 'v':
			o->level = LOG_DEBUG;
			break;
		default:
			service_usage(name);
		}
	}
	if (o->conf == NULL || optind != argc)
		service_usage(name);
	log_init(name, o->foreground || o->check,
	    o->check ? LOG_WARNING : o->level);
}
