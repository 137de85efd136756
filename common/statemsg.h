/*
 * statemsg: the state protocol's JSON messages (doc/state-protocol.md).
 *
 * Users: gslb-edge encodes load reports; gslb-probe decodes them and
 * encodes the state feed; gslb-dnsd decodes the feed and admin requests
 * and encodes its override table. tests/tools/statefeed stands in for the
 * probe until it exists.
 *
 *	gslb-edge --POST /v1/report--> gslb-probe --GET /v1/state--> gslb-dnsd
 *	 report_encode      report_decode   feed_encode      feed_decode
 *	                                                 operator --POST
 *	                                   /v1/admin--> admin_decode, then
 *	                                   overrides_encode for the answer
 *
 * Everything here is pure (no I/O, no clock, no globals): callable from
 * any thread. The HTTP side (signatures, long-poll) is common/http and
 * common/auth.
 *
 * Decoders take the body exactly as received (not NUL-terminated) and
 * check, in order: size (STATEMSG_BODY_MAX), JSON syntax (duplicate keys
 * are an error), the top-level shape, then every field's type and range
 * before anything is used or allocated from it. Unknown fields are
 * ignored; an optional field that is absent or null is "unknown" (its
 * has_ flag is false). The first problem stops decoding: the decoder
 * returns RC_MALFORMED, writes a short reason naming the field into the
 * caller's buffer ("edges[3].cpu: out of range 0..1") and leaves *out
 * untouched, so a message is applied whole or not at all. Reasons never
 * quote the peer's data, so they are safe to log and to send back in a
 * 400 body.
 *
 * Encoders build the JSON with jansson (compact, keys in the order of
 * the documentation, absent optional fields omitted) and return a
 * malloc'd NUL-terminated string. They trust their input: encoding a
 * value a decoder would reject is the caller's bug (assert()).
 */
#ifndef COMMON_STATEMSG_H
#define COMMON_STATEMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The only protocol version; it is also the /v1/ in every path. */
#define STATEMSG_VERSION 1

/* Limits (doc/state-protocol.md, "Limits"). */
#define STATEMSG_NAME_MAX 64		     /* [A-Za-z0-9._-]{1,64} */
#define STATEMSG_BODY_MAX (4u * 1024 * 1024) /* bytes per message */
#define STATEMSG_EDGES_MAX 10000	     /* entries in one feed */
#define STATEMSG_ORIGINS_MAX 64		     /* origins in one report */
#define STATEMSG_COUNT_MAX 1000000000ULL     /* players, publishers, streams */
#define STATEMSG_MBPS_MAX 1e7		     /* egress_mbps, ingress_mbps */
#define STATEMSG_CPU_MAX 1.0		     /* cpu: share of all cores */
#define STATEMSG_VALID_FOR_MAX 86400	     /* seconds */
#define STATEMSG_INT_MAX (1ULL << 53)	     /* generation, time, seq */

/* Room for a decoder's reason, NUL included; longer ones are cut. */
#define STATEMSG_REASON_MAX 128

/*
 * An edge's (or origin's) state. up: take new viewers; down: none;
 * draining: no new viewers, current ones stay; full: at capacity, no
 * new viewers until load drops.
 */
enum statemsg_state {
	STATEMSG_UP,
	STATEMSG_DOWN,
	STATEMSG_DRAINING,
	STATEMSG_FULL,
};

/*
 * Load figures, shared by report and feed so that the probe can copy a
 * report's load into its feed entry whole. Each has_ flag says whether
 * the value is known.
 */
struct statemsg_load {
	bool has_players, has_publishers, has_streams;
	bool has_egress_mbps, has_ingress_mbps, has_cpu;
	uint64_t players;    /* viewers connected, 0..STATEMSG_COUNT_MAX */
	uint64_t publishers; /* publishers connected */
	uint64_t streams;    /* distinct streams served */
	double egress_mbps;  /* to viewers, 0..STATEMSG_MBPS_MAX */
	double ingress_mbps; /* from origins and publishers */
	double cpu;	     /* busy share of all cores, 0..1 */
};

/* One entry of the state feed. */
struct statemsg_edge {
	char name[STATEMSG_NAME_MAX + 1];
	enum statemsg_state state;
	uint32_t valid_for; /* seconds after the feed's time, 0..86400 */
	struct statemsg_load load;
};

/*
 * The state feed (GET /v1/state). A decoded feed's edges are sorted by
 * name (strcmp) and names are unique, so statemsg_feed_find() can
 * bsearch; the encoder writes them in array order, whatever it is.
 */
struct statemsg_feed {
	char probe[STATEMSG_NAME_MAX + 1];
	uint64_t generation; /* 0..STATEMSG_INT_MAX */
	int64_t time;	     /* unix seconds the state was made */
	size_t nedges;
	struct statemsg_edge *edges;
};

struct statemsg_origin {
	char name[STATEMSG_NAME_MAX + 1];
	enum statemsg_state state; /* STATEMSG_UP or STATEMSG_DOWN */
};

/* A load report (POST /v1/report). Fixed size: decoding allocates nothing. */
struct statemsg_report {
	char edge[STATEMSG_NAME_MAX + 1];
	int64_t time; /* unix seconds, 0..STATEMSG_INT_MAX */
	uint64_t seq; /* per-edge sequence, 0..STATEMSG_INT_MAX */
	enum statemsg_state state;
	struct statemsg_load load;
	size_t norigins;
	struct statemsg_origin origins[STATEMSG_ORIGINS_MAX];
};

/* Whether an admin override names one edge or a whole site. */
enum statemsg_scope {
	STATEMSG_SCOPE_EDGE,
	STATEMSG_SCOPE_SITE,
};

/*
 * An admin override (POST /v1/admin) and one row of the override table.
 * clear removes the override for that edge or site (state is then
 * meaningless); otherwise state is up, down or draining.
 */
struct statemsg_admin {
	enum statemsg_scope scope;
	char name[STATEMSG_NAME_MAX + 1];
	bool clear;
	enum statemsg_state state;
};

/* ---- States and names ---- */

/* "up", "down", "draining", "full"; "unknown" if out of range. */
const char *statemsg_state_str(enum statemsg_state s);

/*
 * Parse one of the four state words (exact, lower case) into *out.
 * Returns RC_OK, or RC_MALFORMED leaving *out untouched.
 */
int statemsg_state_parse(const char *s, enum statemsg_state *out);

/* True if s is 1..STATEMSG_NAME_MAX characters of [A-Za-z0-9._-]. */
bool statemsg_is_name(const char *s);

/* ---- State feed ---- */

/*
 * Decode a feed from body (len bytes, borrowed, need not be
 * NUL-terminated). On RC_OK *out is a new feed the caller frees with
 * statemsg_feed_free(). On RC_MALFORMED (the only error) the reason goes
 * into reason (reason_len bytes, STATEMSG_REASON_MAX is enough; may be
 * NULL) and *out is untouched.
 */
int statemsg_feed_decode(const char *body, size_t len,
    struct statemsg_feed **out, char *reason, size_t reason_len);

/* The entry named `name`, or NULL. The feed must be decoded (sorted). */
const struct statemsg_edge *statemsg_feed_find(const struct statemsg_feed *f,
    const char *name);

/* Free a decoded feed and its edges. NULL does nothing. */
void statemsg_feed_free(struct statemsg_feed *f);

/* The feed as JSON; caller frees with free(). f is borrowed. */
char *statemsg_feed_encode(const struct statemsg_feed *f);

/* ---- Load report ---- */

/*
 * Decode a report into *out (caller's storage). Same contract as
 * statemsg_feed_decode(): RC_OK, or RC_MALFORMED with a reason and *out
 * untouched.
 */
int statemsg_report_decode(const char *body, size_t len,
    struct statemsg_report *out, char *reason, size_t reason_len);

/* The report as JSON; caller frees with free(). r is borrowed. */
char *statemsg_report_encode(const struct statemsg_report *r);

/* ---- Admin overrides ---- */

/*
 * Decode an admin request: exactly one of "edge" and "site", and
 * "state" one of up, down, draining, clear. Same contract as
 * statemsg_feed_decode().
 */
int statemsg_admin_decode(const char *body, size_t len,
    struct statemsg_admin *out, char *reason, size_t reason_len);

/* An admin request as JSON (for clients and tests); caller frees. */
char *statemsg_admin_encode(const struct statemsg_admin *a);

/*
 * The override table, the answer to every /v1/admin request:
 * {"version":1,"overrides":[{"edge":..,"state":..},...]}. rows (n of
 * them, borrowed; NULL if n is 0) must not have clear set. Caller frees
 * with free().
 */
char *statemsg_overrides_encode(const struct statemsg_admin *rows, size_t n);

#endif
