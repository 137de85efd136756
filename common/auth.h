/*
 * auth: HMAC-SHA256 signatures on state-protocol requests and responses,
 * with a replay window and a bounded cache of signatures already seen.
 *
 * Every request and response of the state protocol carries
 *
 *	X-Gslb-Time: 1764000000			(unix seconds, decimal)
 *	X-Gslb-Signature: <64 lower-case hex digits>
 *
 * where the signature is HMAC-SHA256(secret, message) and the message is
 *
 *	TIME "\n" METHOD "\n" PATH "\n" BODY
 *
 * TIME is the header's text, METHOD the request method ("GET", "POST")
 * or "RESPONSE" for a response, PATH the request-target as sent on the
 * request line (path and query: "/v1/state?since=4&wait=30"; a response
 * uses its request's), and BODY the raw body bytes (empty for a GET).
 * doc/state-protocol.md shows the same with curl and openssl.
 *
 * A server verifies requests with auth_verify(): well-formed headers,
 * |now - TIME| <= window (RC_TIMEOUT otherwise), the right signature, and
 * a signature not seen before (RC_EXISTS). Seen signatures are kept in a
 * cache of fixed size, ordered by their TIME:
 *
 *	 verify --> window? --> HMAC ok? --> in cache? --> older than the
 *	            TIMEOUT     MALFORMED    EXISTS        cache reaches?
 *	                                                   LIMIT  --> add, OK
 *	cache: hash of MACs + min-heap by TIME; when full, the oldest TIME
 *	goes and becomes the floor: a new request at or below the floor
 *	cannot be told from a replay of what was evicted, so it gets
 *	RC_LIMIT. Size it for the peak request rate times (2 * window + 1).
 *
 * A client checks responses with auth_check(), which skips the cache:
 * a response is bound to its request's path (which carries since= or a
 * nonce), and identical responses to identical requests are legitimate.
 *
 * Time always comes from the caller (unix seconds), so all of this is
 * testable without a clock. Lifecycle: auth_load_secret() or auth_new()
 * at startup, auth_free() at exit. auth_sign() and auth_check() may run
 * in any thread; auth_verify() changes the cache and belongs to one.
 */
#ifndef COMMON_AUTH_H
#define COMMON_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define AUTH_HDR_TIME "X-Gslb-Time"
#define AUTH_HDR_SIGNATURE "X-Gslb-Signature"
#define AUTH_METHOD_RESPONSE "RESPONSE"

#define AUTH_SECRET_MIN 16   /* bytes */
#define AUTH_SECRET_MAX 1024 /* bytes */
#define AUTH_WINDOW_DEFAULT 30
#define AUTH_WINDOW_MAX 3600
#define AUTH_CACHE_DEFAULT 4096
#define AUTH_CACHE_MAX (1u << 22)
#define AUTH_HEX_LEN 64 /* hex digits of a signature; buffers need + 1 */

struct auth;

/*
 * A new verifier with `secret` (len bytes, borrowed and copied) and
 * replay window `window` seconds (0..AUTH_WINDOW_MAX), remembering up to
 * cache_size (1..AUTH_CACHE_MAX) signatures. Returns NULL and logs if
 * the secret is not AUTH_SECRET_MIN..AUTH_SECRET_MAX bytes, a parameter
 * is out of range or OpenSSL fails. Caller frees with auth_free().
 * Startup.
 */
struct auth *auth_new(const void *secret, size_t len, uint32_t window,
    size_t cache_size);

/*
 * auth_new() with the first line of the file at `path` (borrowed): the
 * bytes before the first "\n" (a "\r" before it is dropped too), which
 * must not contain NUL. Warns if others may read the file. Returns NULL
 * and logs (file name and why) on any problem. Startup.
 */
struct auth *auth_load_secret(const char *path, uint32_t window,
    size_t cache_size);

/* Forget the secret (cleansed) and the cache. NULL does nothing. */
void auth_free(struct auth *a);

/*
 * Sign: out_hex (AUTH_HEX_LEN + 1 bytes) gets the NUL-terminated
 * lower-case hex HMAC of time (as "%lld"), method, path and body (len
 * bytes; NULL if len is 0). All borrowed. Returns RC_OK, or RC_ERROR
 * (logged) if OpenSSL fails. Anywhere.
 */
int auth_sign(const struct auth *a, int64_t time, const char *method,
    const char *path, const void *body, size_t len, char *out_hex);

/*
 * Check the header values time_hdr and sig_hdr (either may be NULL,
 * meaning the header was missing) against method, path and body, at wall
 * clock `now` (unix seconds). Returns RC_OK; RC_MALFORMED for a missing
 * or malformed header or a wrong signature; RC_TIMEOUT if TIME is more
 * than the window away from now. Does not touch the replay cache: for
 * clients checking responses. Anywhere.
 */
int auth_check(const struct auth *a, int64_t now, const char *time_hdr,
    const char *sig_hdr, const char *method, const char *path, const void *body,
    size_t len);

/*
 * auth_check(), then the replay cache: RC_EXISTS if this signature was
 * accepted before within the window, RC_LIMIT if TIME is at or below
 * the cache's floor (see above); otherwise the signature is remembered
 * and the result is RC_OK. For servers checking requests. The thread
 * that owns `a`.
 */
int auth_verify(struct auth *a, int64_t now, const char *time_hdr,
    const char *sig_hdr, const char *method, const char *path, const void *body,
    size_t len);

/* Signatures in the replay cache now (for metrics and tests). */
size_t auth_cache_count(const struct auth *a);

#endif
