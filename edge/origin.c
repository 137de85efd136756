/*
 * origin: rendezvous hashing over origin candidates. See origin.h.
 */
#include "config.h"

#include "edge/origin.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/monotime.h"
#include "common/rc.h"

static uint64_t origin_fnv(uint64_t h, const char *s);
static uint64_t origin_mix(uint64_t x);
static bool origin_before(const char *an, uint64_t aw, size_t ai,
    const char *bn, uint64_t bw, size_t bi);

#define ORIGIN_FNV_BASIS 0xcbf29ce484222325ULL
#define ORIGIN_FNV_PRIME 0x100000001b3ULL

int
origin_key(char *buf, size_t len, const char *app, const char *stream)
{
	int n;

	if (len == 0)
		return RC_TRUNCATED;
	n = snprintf(buf, len, "%s/%s", app, stream);
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return RC_TRUNCATED;
	}
	return RC_OK;
}

static uint64_t
origin_fnv(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= ORIGIN_FNV_PRIME;
	}
	return h;
}

/* MurmurHash3's 64-bit finaliser: FNV alone mixes its last bytes poorly. */
static uint64_t
origin_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

uint64_t
origin_weight(const char *key, const char *name)
{
	uint64_t h;

	/* The 0 byte keeps ("ab", "c") and ("a", "bc") apart. */
	h = origin_fnv(ORIGIN_FNV_BASIS, name);
	h *= ORIGIN_FNV_PRIME; /* a 0 byte: FNV's xor with 0 is a no-op */
	h = origin_fnv(h, key);
	return origin_mix(h);
}

static bool
origin_before(const char *an, uint64_t aw, size_t ai, const char *bn,
    uint64_t bw, size_t bi)
{
	int c;

	if (aw != bw)
		return aw > bw;
	c = strcmp(an, bn);
	if (c != 0)
		return c < 0;
	return ai < bi;
}

int
origin_order(const char *key, const struct origin_cand *cands, size_t n,
    size_t *out_idx)
{
	uint64_t w[ORIGIN_MAX];
	size_t i, j, k, m = 0;
	int pass;

	if (n > ORIGIN_MAX)
		return RC_LIMIT;
	for (i = 0; i < n; i++)
		w[i] = origin_weight(key, cands[i].name);
	/* UP ones first, then PENALTY ones; each group sorted by weight. */
	for (pass = 0; pass < 2; pass++) {
		size_t start = m;
		enum origin_state want = pass == 0 ? ORIGIN_UP : ORIGIN_PENALTY;

		for (i = 0; i < n; i++) {
			if (cands[i].state != want)
				continue;
			/* Insertion sort: n is small. */
			for (j = m; j > start; j--) {
				k = out_idx[j - 1];
				if (!origin_before(cands[i].name, w[i], i,
					cands[k].name, w[k], k))
					break;
				out_idx[j] = k;
			}
			out_idx[j] = i;
			m++;
		}
	}
	return (int)m;
}

int
origin_next(const char *key, const struct origin_cand *cands, size_t n,
    size_t failed, size_t *next_idx)
{
	size_t order[ORIGIN_MAX];
	int m, i;

	m = origin_order(key, cands, n, order);
	if (m < 0)
		return m;
	for (i = 0; i < m; i++)
		if (order[i] == failed)
			break;
	if (i == m) {
		if (m == 0)
			return RC_NOTFOUND;
		*next_idx = order[0];
		return RC_OK;
	}
	if (i + 1 >= m)
		return RC_NOTFOUND;
	*next_idx = order[i + 1];
	return RC_OK;
}

uint64_t
origin_resolve_at(uint64_t now, uint32_t ttl_s, uint64_t min_us,
    uint64_t max_us)
{
	uint64_t d = (uint64_t)ttl_s * MONOTIME_SEC;

	if (d < min_us)
		d = min_us;
	if (d > max_us)
		d = max_us;
	return now + d;
}
