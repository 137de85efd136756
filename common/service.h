/*
 * service: what every daemon's main() shares.
 *
 * Each daemon takes the same options: -c file (its YAML configuration),
 * -t (check the configuration and exit, like nginx -t), -f (stay in the
 * foreground and log to stderr) and -v (debug logging). service_init()
 * parses them, prints the usage and exits 2 on a mistake, and starts the
 * logger accordingly. Startup only.
 */
#ifndef COMMON_SERVICE_H
#define COMMON_SERVICE_H

#include <stdbool.h>

struct service_opts {
	const char *conf; /* -c, borrowed from argv */
	bool check;	  /* -t */
	bool foreground;  /* -f */
	int level;	  /* LOG_INFO, or LOG_DEBUG with -v */
};

/*
 * Parse argv for daemon `name` ("gslb-dnsd"), then log_init(): to stderr
 * with -f or -t (only warnings and worse with -t), else to syslog.
 * Exits 2 with a usage message if -c is missing or anything is unknown.
 */
void service_init(int argc, char **argv, const char *name,
    struct service_opts *o);

#endif
