/*
 * monotime: the only clock the daemons read.
 *
 * monotime_now() is CLOCK_MONOTONIC in microseconds. Unit tests replace it
 * with a fake clock through monotime_fake_set(); monotime_fake_clear() goes
 * back to the real one. Not thread-safe with respect to the fake switch.
 */
#ifndef COMMON_MONOTIME_H
#define COMMON_MONOTIME_H

#include <stdint.h>

#define MONOTIME_SEC 1000000ULL
#define MONOTIME_MSEC 1000ULL

/* Microseconds since an arbitrary start. Anywhere. */
uint64_t monotime_now(void);

/* Test hooks: freeze the clock at `now`; advance it; back to real. */
void monotime_fake_set(uint64_t now);
void monotime_fake_advance(uint64_t delta);
void monotime_fake_clear(void);

#endif
