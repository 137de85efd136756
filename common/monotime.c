#include "config.h"

#include "common/monotime.h"

#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

/* The test clock; see monotime.h for the (lack of) thread-safety. */
static bool monotime_fake;
static uint64_t monotime_fake_now;

uint64_t
monotime_now(void)
{
	struct timespec ts;

	if (monotime_fake)
		return monotime_fake_now;
	/* CLOCK_MONOTONIC cannot fail with a valid clock id. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		abort();
	return (uint64_t)ts.tv_sec * MONOTIME_SEC + (uint64_t)ts.tv_nsec / 1000;
}

void
monotime_fake_set(uint64_t now)
{
	monotime_fake = true;
	monotime_fake_now = now;
}

void
monotime_fake_advance(uint64_t delta)
{
	monotime_fake = true;
	monotime_fake_now += delta;
}

void
monotime_fake_clear(void)
{
	monotime_fake = false;
	monotime_fake_now = 0;
}
