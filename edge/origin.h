/*
 * origin: which origin an edge pulls a stream from. Pure logic, no I/O.
 *
 * Every edge must pick the same origin for a stream without talking to
 * the others, and adding or removing an origin must move only the
 * streams that have to move. Rendezvous (highest random weight) hashing
 * gives both, and is the successor of nginx's url_hash:
 *
 *	key = app "/" stream          e.g. "live/cam42"
 *	for each candidate c:  w(c) = hash64(c.name, key)
 *	order = UP candidates by w descending,
 *	        then PENALTY ones by w descending; DOWN ones are left out
 *
 * The weight depends only on the candidate's name and the key, never on
 * its position in the list, so edges with the same origins configured in
 * a different order still agree. Removing an origin only moves the keys
 * it was first for; every other key keeps its first choice.
 *
 * The edge's session code tries order[0], and on failure asks
 * origin_next() for the one after it. Origin host names are resolved with
 * common/resolver; origin_resolve_at() turns the answer's TTL into the
 * time of the next resolution.
 */
#ifndef EDGE_ORIGIN_H
#define EDGE_ORIGIN_H

#include <stddef.h>
#include <stdint.h>

/* Most candidates origin_order() accepts. */
#define ORIGIN_MAX 64

enum origin_state {
	ORIGIN_UP,	/* healthy */
	ORIGIN_PENALTY, /* recently failed: used only after every UP one */
	ORIGIN_DOWN,	/* never used */
};

struct origin_cand {
	const char *name; /* "host:port" or address as configured; borrowed */
	enum origin_state state;
};

/*
 * Build the stream key "app/stream" into buf (len bytes, NUL included).
 * Returns RC_OK, or RC_TRUNCATED if it does not fit (buf then holds "").
 * Anywhere.
 */
int origin_key(char *buf, size_t len, const char *app, const char *stream);

/*
 * The rendezvous weight of candidate `name` for `key`. Pure; exposed for
 * tests and for logs.
 */
uint64_t origin_weight(const char *key, const char *name);

/*
 * Write into out_idx (room for n entries) the indexes of cands[0..n) in
 * the order to try them for `key` (see above). Equal weights (not
 * expected in practice) are ordered by name, then index. Returns how many
 * were written (0 if every candidate is down), or RC_LIMIT if n exceeds
 * ORIGIN_MAX. key, cands borrowed. Anywhere.
 */
int origin_order(const char *key, const struct origin_cand *cands, size_t n,
    size_t *out_idx);

/*
 * After cands[failed] failed for `key`, the candidate to try next: the
 * one following it in origin_order(), or the first of that order if
 * `failed` is not in it (for example it is now DOWN). The list does not
 * wrap: when `failed` was the last one, returns RC_NOTFOUND so the caller
 * backs off instead of looping. Returns RC_OK and sets *next_idx,
 * RC_NOTFOUND, or RC_LIMIT. Anywhere.
 */
int origin_next(const char *key, const struct origin_cand *cands, size_t n,
    size_t failed, size_t *next_idx);

/*
 * When to resolve an origin's name again: now + ttl seconds, but at least
 * min_us and at most max_us later (max_us wins if min_us > max_us). All
 * times are monotime_now() microseconds. Pure.
 */
uint64_t origin_resolve_at(uint64_t now, uint32_t ttl_s, uint64_t min_us,
    uint64_t max_us);

#endif
