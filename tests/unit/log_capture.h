/*
 * log_capture: the log lines a unit test provokes, for comparing with
 * what it expects (config checkers report through the logger).
 *
 *	static struct log_capture cap;
 *	group setup:  log_capture_start(&cap);
 *	per test:     log_capture_reset(&cap);
 *	compare cap.lines[0 .. cap.n), print with log_capture_print()
 *	group teardown: log_capture_stop();
 *
 * Lines past LOG_CAPTURE_MAX are counted in n but not kept.
 */
#ifndef TESTS_UNIT_LOG_CAPTURE_H
#define TESTS_UNIT_LOG_CAPTURE_H

#include <stdio.h>

#include "common/log.h"

#define LOG_CAPTURE_MAX 24

struct log_capture {
	char lines[LOG_CAPTURE_MAX][LOG_LINE_MAX];
	size_t n;
};

static inline void
log_capture_cb(int prio, const char *line, void *arg)
{
	struct log_capture *c = arg;

	(void)prio;
	if (c->n < LOG_CAPTURE_MAX)
		snprintf(c->lines[c->n], sizeof(c->lines[c->n]), "%s", line);
	c->n++;
}

static inline void
log_capture_reset(struct log_capture *c)
{
	c->n = 0;
}

static inline void
log_capture_start(struct log_capture *c)
{
	log_capture_reset(c);
	log_set_hook(log_capture_cb, c);
}

static inline void
log_capture_stop(void)
{
	log_set_hook(NULL, NULL);
}

/* The lines kept, for a failing test's output (cmocka's print_error). */
#define log_capture_print(c)                                                   \
	do {                                                                   \
		for (size_t k_ = 0; k_ < (c)->n && k_ < LOG_CAPTURE_MAX; k_++) \
			print_error("  got: %s\n", (c)->lines[k_]);            \
	} while (0)

#endif
