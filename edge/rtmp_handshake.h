/*
 * rtmp_handshake: the RTMP handshake as a pure state machine.
 *
 * Used by the edge's player/publisher sessions (server role) and by its
 * origin pulls (client role). It does no I/O and reads no clock: the
 * caller passes the bytes it received, a time value and the random bytes
 * the handshake needs, and gets back the bytes to send. Tests are
 * therefore deterministic.
 *
 * Design note. Two handshakes share one wire shape (reference rtmp.md 1):
 *
 *	client                          server
 *	C0 (1: version 3) + C1 (1536) -->
 *	                              <-- S0 (1) + S1 (1536) + S2 (1536)
 *	C2 (1536)                     -->
 *	chunk stream ...              <-> chunk stream ...
 *
 *	C1/S1:  time(4) | version(4) | 1528 bytes
 *	plain:  version 0, random bytes; S2 echoes C1 and C2 echoes S1.
 *	digest: the 1528 bytes hold two 764-byte blocks, in one of two orders
 *	  key first    (schema0, "base 772"): offset u8[4] at 772, digest at
 *	               sum(offset bytes) % 728 + 776
 *	  digest first (schema1, "base 8"):   offset u8[4] at 8, digest at
 *	               sum(offset bytes) % 728 + 12
 *	  digest = HMAC-SHA256(key, the other 1504 bytes); key = first 30 bytes
 *	  of the client key (C1) or 36 of the server key (S1).
 *	  S2 = 1504 random | HMAC(HMAC(68-byte server key, C1 digest), 1504)
 *	  C2 = 1504 random | HMAC(HMAC(62-byte client key, S1 digest), 1504)
 *
 * Server: a C1 is a digest C1 when its digest validates, key first tried
 * before digest first (as SRS and nginx-rtmp do); otherwise it is plain.
 * A digest client gets a digest S1 in its own layout with version
 * 5.0.3.1, and a digest S2; a plain client gets S1 with version 0 and
 * S2 = C1. C2 never fails the handshake; whether it verified (an echo of
 * S1, or for a digest client a valid digest C2) is reported for counters.
 *
 * Client: sends a digest C1 (version 9.0.124.2, like ffmpeg) or a plain
 * one. If it sent a digest and S1's digest validates it sends a digest
 * C2, otherwise it echoes S1. Nothing about S1 or S2 fails the handshake
 * (origins such as nginx-rtmp send S1s that do not validate); the
 * outcome is reported instead. Only a version other than 3 in C0/S0 is
 * an error (6, 8 and 9 are RTMPE, which we do not speak).
 *
 * Lifecycle: embed a struct rtmp_hs, rtmp_hs_init() it, call
 * rtmp_hs_feed() with each arrival until it returns RC_OK or an error,
 * send what it wrote, and pass the unconsumed input to the chunk decoder.
 * Nothing is allocated, so there is no _fini.
 */
#ifndef EDGE_RTMP_HANDSHAKE_H
#define EDGE_RTMP_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/wire.h"

#define RTMP_HS_VERSION 3 /* C0/S0 */
#define RTMP_HS_SIZE 1536 /* C1, S1, C2, S2 */
#define RTMP_HS_DIGEST_LEN 32
/* Random bytes for one handshake: 1528 for C1/S1, 1504 for C2/S2. */
#define RTMP_HS_RANDOM_LEN \
	(RTMP_HS_SIZE - 8 + RTMP_HS_SIZE - RTMP_HS_DIGEST_LEN)
/* Free room rtmp_hs_feed() needs in its writer: S0 + S1 + S2. */
#define RTMP_HS_OUT_MAX (1 + 2 * RTMP_HS_SIZE)

enum rtmp_hs_role {
	RTMP_HS_SERVER,
	RTMP_HS_CLIENT,
};

/* Layout of a digest C1/S1. */
enum rtmp_hs_schema {
	RTMP_HS_SCHEMA_NONE,	     /* plain, or not known yet */
	RTMP_HS_SCHEMA_KEY_FIRST,    /* schema0, "base 772" */
	RTMP_HS_SCHEMA_DIGEST_FIRST, /* schema1, "base 8" */
};

struct rtmp_hs_opts {
	/* Time field of our C1/S1 (milliseconds, any epoch). */
	uint32_t time;
	/* RTMP_HS_RANDOM_LEN bytes, borrowed: copied by rtmp_hs_init(). */
	const uint8_t *random;
	/*
	 * Client: send a digest C1 (true) or a plain one. Server: answer
	 * digest clients with a digest S1/S2 (true) or always plain.
	 */
	bool digest;
	/* Client, digest C1 only: its layout; NONE means digest first. */
	enum rtmp_hs_schema schema;
};

/* Internal states; only rtmp_hs.c looks at them. */
enum rtmp_hs_state {
	RTMP_HS_ST_SEND_C0C1, /* client: nothing sent yet */
	RTMP_HS_ST_READ_V0,   /* C0 or S0 */
	RTMP_HS_ST_READ_P1,   /* C1 or S1 */
	RTMP_HS_ST_READ_P2,   /* C2 or S2 */
	RTMP_HS_ST_DONE,
	RTMP_HS_ST_FAILED,
};

/* Embed and treat as opaque; read it through the accessors below. */
struct rtmp_hs {
	enum rtmp_hs_role role;
	enum rtmp_hs_state state;
	int rc;				/* sticky result once DONE or FAILED */
	bool want_digest;		/* opts.digest */
	enum rtmp_hs_schema own_schema; /* layout of our C1/S1 */
	enum rtmp_hs_schema schema;	/* peer's C1/S1 layout if digest */
	bool peer_verified;		/* server: C2; client: S2 */
	uint32_t peer_time;
	uint32_t peer_version;
	size_t have; /* bytes of the current peer packet in `peer` */
	uint8_t own_digest[RTMP_HS_DIGEST_LEN];
	uint8_t peer_digest[RTMP_HS_DIGEST_LEN];
	uint8_t own[RTMP_HS_SIZE];  /* our C1 or S1 */
	uint8_t peer[RTMP_HS_SIZE]; /* the peer's packet being read */
	uint8_t random2[RTMP_HS_SIZE - RTMP_HS_DIGEST_LEN]; /* C2/S2 */
};

/*
 * Prepare `hs` (borrowed, embedded by the caller) for one handshake in
 * `role`. `opts` is borrowed for the call only; opts->random must hold
 * RTMP_HS_RANDOM_LEN bytes. Builds our C1/S1 body at once. Anywhere.
 */
void rtmp_hs_init(struct rtmp_hs *hs, enum rtmp_hs_role role,
    const struct rtmp_hs_opts *opts);

/*
 * Feed `len` received bytes `in` (borrowed; NULL when len is 0), in any
 * split, and append what must be sent to `out` (borrowed; it must have
 * RTMP_HS_OUT_MAX bytes free). A client's first call, normally with no
 * input, writes C0+C1. *consumed is set to the input bytes used; bytes
 * past it (after C2 or S2) belong to the chunk stream.
 *
 * Returns RC_AGAIN (more input needed), RC_OK (handshake complete; later
 * calls consume nothing and return RC_OK), RC_UNSUPPORTED (version byte
 * other than 3: close; later calls return it again) or RC_LIMIT (`out`
 * too small: a caller bug, nothing consumed, state unchanged). Anywhere.
 */
int rtmp_hs_feed(struct rtmp_hs *hs, const uint8_t *in, size_t len,
    size_t *consumed, struct wire_writer *out);

/*
 * A client's start in one call: rtmp_hs_init() as a client with a digest
 * C1 of `time` and `random` (RTMP_HS_RANDOM_LEN bytes, borrowed), then
 * C0+C1 appended to `out` (RTMP_HS_OUT_MAX bytes free). Anywhere.
 */
void rtmp_hs_client_start(struct rtmp_hs *hs, uint32_t time,
    const uint8_t *random, struct wire_writer *out);

/* True once rtmp_hs_feed() returned RC_OK. */
bool rtmp_hs_is_done(const struct rtmp_hs *hs);

/* True when the peer's C1 (server) or S1 (client) had a valid digest. */
bool rtmp_hs_is_digest(const struct rtmp_hs *hs);

/* Layout of the peer's valid digest, or RTMP_HS_SCHEMA_NONE. */
enum rtmp_hs_schema rtmp_hs_schema(const struct rtmp_hs *hs);

/*
 * Server: C2 echoed our S1 or, for a digest client, carried a valid
 * digest. Client: S2 echoed our C1 or, for a digest server, carried a
 * valid digest. False until done. For counters only.
 */
bool rtmp_hs_is_peer_verified(const struct rtmp_hs *hs);

/* Time and version fields (bytes 0..3, 4..7) of the peer's C1 or S1. */
uint32_t rtmp_hs_peer_time(const struct rtmp_hs *hs);
uint32_t rtmp_hs_peer_version(const struct rtmp_hs *hs);

/* Short name of a schema ("plain", "key-first", "digest-first"). */
const char *rtmp_hs_schema_str(enum rtmp_hs_schema schema);

#endif
