#include "config.h"

#include "common/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/rc.h"

#define AUTH_MAC_LEN 32
#define AUTH_NIL UINT32_MAX
/* TIME is 0..2^53: at most 16 digits. */
#define AUTH_TIME_DIGITS 16
#define AUTH_TIME_MAX (1LL << 53)

/*
 * A remembered signature. A slot is either in use (in one hash chain
 * and at heap[pos]) or on the free list (chained through next).
 */
struct auth_entry {
	uint8_t mac[AUTH_MAC_LEN];
	int64_t time;
	uint32_t pos;  /* index in heap */
	uint32_t next; /* next slot in the hash chain or free list */
};

struct auth {
	EVP_PKEY *key;
	uint32_t window;
	uint32_t cap;
	uint32_t n;
	uint32_t free_head;
	/* The highest TIME evicted or expired; -1 before any. */
	int64_t floor;
	struct auth_entry *entries; /* cap slots */
	uint32_t *heap;		    /* n slot numbers, min-heap by time */
	uint32_t *buckets;	    /* mask + 1 chain heads */
	uint32_t mask;
};

static int auth_mac(const struct auth *a, const char *time_text,
    const char *method, const char *path, const void *body, size_t len,
    uint8_t *mac);
static int auth_parse_time(const char *s, int64_t *out);
static int auth_parse_hex(const char *s, uint8_t *mac);
static int auth_check_mac(const struct auth *a, int64_t now,
    const char *time_hdr, const char *sig_hdr, const char *method,
    const char *path, const void *body, size_t len, int64_t *time,
    uint8_t *mac);
static uint32_t *auth_chain(struct auth *a, const uint8_t *mac);
static bool auth_cache_has(struct auth *a, const uint8_t *mac);
static void auth_cache_add(struct auth *a, const uint8_t *mac, int64_t time);
static void auth_cache_pop(struct auth *a);
static void auth_heap_swap(struct auth *a, uint32_t i, uint32_t j);
static void auth_heap_up(struct auth *a, uint32_t i);
static void auth_heap_down(struct auth *a, uint32_t i);

/* ---- Lifecycle ---- */

struct auth *
auth_new(const void *secret, size_t len, uint32_t window, size_t cache_size)
{
	struct auth *a;
	uint32_t nb;

	if (len < AUTH_SECRET_MIN || len > AUTH_SECRET_MAX) {
		log_warnx("auth: secret is %zu bytes, want %d..%d", len,
		    AUTH_SECRET_MIN, AUTH_SECRET_MAX);
		return NULL;
	}
	if (window > AUTH_WINDOW_MAX || cache_size < 1 ||
	    cache_size > AUTH_CACHE_MAX) {
		log_warnx("auth: window %u s (max %d) or cache size %zu "
			  "(1..%u) out of range",
		    window, AUTH_WINDOW_MAX, cache_size, AUTH_CACHE_MAX);
		return NULL;
	}
	a = xcalloc(1, sizeof(*a));
	a->key = EVP_PKEY_new_raw_private_key(EVP_PKEY_HMAC, NULL, secret, len);
	if (a->key == NULL) {
		log_warnx("auth: OpenSSL cannot make an HMAC key");
		free(a);
		return NULL;
	}
	a->window = window;
	a->cap = (uint32_t)cache_size;
	a->floor = -1;
	a->entries = xcalloc(a->cap, sizeof(*a->entries));
	a->heap = xcalloc(a->cap, sizeof(*a->heap));
	for (uint32_t i = 0; i < a->cap; i++)
		a->entries[i].next = i + 1 < a->cap ? i + 1 : AUTH_NIL;
	a->free_head = 0;
	/* A power of two, at least 2 * cap: chains stay short. */
	for (nb = 2; nb < 2 * a->cap; nb *= 2)
		;
	a->mask = nb - 1;
	a->buckets = xmalloc(nb * sizeof(*a->buckets));
	memset(a->buckets, 0xff, nb * sizeof(*a->buckets));
	return a;
}

struct auth *
auth_load_secret(const char *path, uint32_t window, size_t cache_size)
{
	char buf[AUTH_SECRET_MAX + 2];
	struct auth *a = NULL;
	struct stat st;
	ssize_t n;
	size_t len, got = 0;
	char *nl;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_warn("secret file %s: cannot open", path);
		return NULL;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
		log_warnx("secret file %s: group or others may read it "
			  "(chmod 600)",
		    path);
	while (got < sizeof(buf) &&
	    (n = read(fd, buf + got, sizeof(buf) - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_warn("secret file %s: cannot read", path);
			goto fail;
		}
		got += (size_t)n;
		if (memchr(buf, '\n', got) != NULL)
			break;
	}
	nl = memchr(buf, '\n', got);
	if (nl == NULL && got == sizeof(buf)) {
		log_warnx("secret file %s: first line longer than %d bytes",
		    path, AUTH_SECRET_MAX);
		goto fail;
	}
	len = nl != NULL ? (size_t)(nl - buf) : got;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (memchr(buf, '\0', len) != NULL) {
		log_warnx("secret file %s: NUL byte in the secret", path);
		goto fail;
	}
	if (len < AUTH_SECRET_MIN) {
		log_warnx("secret file %s: secret is %zu bytes, want at "
			  "least %d",
		    path, len, AUTH_SECRET_MIN);
		goto fail;
	}
	a = auth_new(buf, len, window, cache_size);
fail:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return a;
}

void
auth_free(struct auth *a)
{
	if (a == NULL)
		return;
	EVP_PKEY_free(a->key);
	free(a->entries);
	free(a->heap);
	free(a->buckets);
	free(a);
}

/* ---- Signing and checking ---- */

static int
auth_mac(const struct auth *a, const char *time_text, const char *method,
    const char *path, const void *body, size_t len, uint8_t *mac)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t maclen = AUTH_MAC_LEN;
	int ok;

	ok = ctx != NULL &&
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, a->key) == 1 &&
	    EVP_DigestSignUpdate(ctx, time_text, strlen(time_text)) == 1 &&
	    EVP_DigestSignUpdate(ctx, "\n", 1) == 1 &&
	    EVP_DigestSignUpdate(ctx, method, strlen(method)) == 1 &&
	    EVP_DigestSignUpdate(ctx, "\n", 1) == 1 &&
	    EVP_DigestSignUpdate(ctx, path, strlen(path)) == 1 &&
	    EVP_DigestSignUpdate(ctx, "\n", 1) == 1 &&
	    (len == 0 || EVP_DigestSignUpdate(ctx, body, len) == 1) &&
	    EVP_DigestSignFinal(ctx, mac, &maclen) == 1 &&
	    maclen == AUTH_MAC_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		log_warnx("auth: OpenSSL HMAC failed");
		return RC_ERROR;
	}
	return RC_OK;
}

int
auth_sign(const struct auth *a, int64_t time, const char *method,
    const char *path, const void *body, size_t len, char *out_hex)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t mac[AUTH_MAC_LEN];
	char time_text[24];
	int rc;

	snprintf(time_text, sizeof(time_text), "%lld", (long long)time);
	rc = auth_mac(a, time_text, method, path, body, len, mac);
	if (rc != RC_OK)
		return rc;
	for (size_t i = 0; i < AUTH_MAC_LEN; i++) {
		out_hex[2 * i] = hex[mac[i] >> 4];
		out_hex[2 * i + 1] = hex[mac[i] & 15];
	}
	out_hex[AUTH_HEX_LEN] = '\0';
	return RC_OK;
}

/* Canonical decimal 0..2^53: digits only, no sign, no leading zero. */
static int
auth_parse_time(const char *s, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= AUTH_TIME_DIGITS)
			return RC_MALFORMED;
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0 || (s[0] == '0' && i > 1) || v > AUTH_TIME_MAX)
		return RC_MALFORMED;
	*out = v;
	return RC_OK;
}

/* Exactly AUTH_HEX_LEN hex digits, either case. */
static int
auth_parse_hex(const char *s, uint8_t *mac)
{
	for (size_t i = 0; i < AUTH_HEX_LEN; i++) {
		char ch = s[i];
		uint8_t v;

		if (ch >= '0' && ch <= '9')
			v = (uint8_t)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v = (uint8_t)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v = (uint8_t)(ch - 'A' + 10);
		else
			return RC_MALFORMED; /* also the NUL of a short one */
		if (i % 2 == 0)
			mac[i / 2] = (uint8_t)(v << 4);
		else
			mac[i / 2] |= v;
	}
	return s[AUTH_HEX_LEN] == '\0' ? RC_OK : RC_MALFORMED;
}

/* auth_check(), also giving TIME and the MAC to auth_verify(). */
static int
auth_check_mac(const struct auth *a, int64_t now, const char *time_hdr,
    const char *sig_hdr, const char *method, const char *path, const void *body,
    size_t len, int64_t *time, uint8_t *mac)
{
	uint8_t want[AUTH_MAC_LEN];
	int rc;

	if (time_hdr == NULL || sig_hdr == NULL ||
	    auth_parse_time(time_hdr, time) != RC_OK ||
	    auth_parse_hex(sig_hdr, mac) != RC_OK)
		return RC_MALFORMED;
	if (*time < now - (int64_t)a->window ||
	    *time > now + (int64_t)a->window)
		return RC_TIMEOUT;
	rc = auth_mac(a, time_hdr, method, path, body, len, want);
	if (rc != RC_OK)
		return rc;
	if (CRYPTO_memcmp(want, mac, AUTH_MAC_LEN) != 0)
		return RC_MALFORMED;
	return RC_OK;
}

int
auth_check(const struct auth *a, int64_t now, const char *time_hdr,
    const char *sig_hdr, const char *method, const char *path, const void *body,
    size_t len)
{
	uint8_t mac[AUTH_MAC_LEN];
	int64_t time;

	return auth_check_mac(a, now, time_hdr, sig_hdr, method, path, body,
	    len, &time, mac);
}

int
auth_verify(struct auth *a, int64_t now, const char *time_hdr,
    const char *sig_hdr, const char *method, const char *path, const void *body,
    size_t len)
{
	uint8_t mac[AUTH_MAC_LEN];
	int64_t time;
	int rc;

	rc = auth_check_mac(a, now, time_hdr, sig_hdr, method, path, body, len,
	    &time, mac);
	if (rc != RC_OK)
		return rc;
	/* Expired entries can go: the window rejects their TIME now. */
	while (
	    a->n > 0 && a->entries[a->heap[0]].time < now - (int64_t)a->window)
		auth_cache_pop(a);
	if (auth_cache_has(a, mac))
		return RC_EXISTS;
	if (time <= a->floor)
		return RC_LIMIT;
	if (a->n == a->cap)
		auth_cache_pop(a);
	auth_cache_add(a, mac, time);
	return RC_OK;
}

size_t
auth_cache_count(const struct auth *a)
{
	return a->n;
}

/* ---- Replay cache ---- */

/*
 * The chain head for mac. Only signatures that verified get here, and
 * nobody without the secret can choose those, so their leading bytes
 * are a fair hash.
 */
static uint32_t *
auth_chain(struct auth *a, const uint8_t *mac)
{
	uint32_t h;

	memcpy(&h, mac, sizeof(h));
	return &a->buckets[h & a->mask];
}

static bool
auth_cache_has(struct auth *a, const uint8_t *mac)
{
	for (uint32_t i = *auth_chain(a, mac); i != AUTH_NIL;
	     i = a->entries[i].next)
		if (memcmp(a->entries[i].mac, mac, AUTH_MAC_LEN) == 0)
			return true;
	return false;
}

/* There is a free slot (the caller made room). */
static void
auth_cache_add(struct auth *a, const uint8_t *mac, int64_t time)
{
	uint32_t *head = auth_chain(a, mac);
	uint32_t i = a->free_head;
	struct auth_entry *e = &a->entries[i];

	a->free_head = e->next;
	memcpy(e->mac, mac, AUTH_MAC_LEN);
	e->time = time;
	e->next = *head;
	*head = i;
	e->pos = a->n;
	a->heap[a->n++] = i;
	auth_heap_up(a, e->pos);
}

/* Drop the entry with the oldest TIME; it becomes the floor. */
static void
auth_cache_pop(struct auth *a)
{
	uint32_t i = a->heap[0];
	struct auth_entry *e = &a->entries[i];
	uint32_t *p = auth_chain(a, e->mac);

	while (*p != i)
		p = &a->entries[*p].next;
	*p = e->next;
	if (e->time > a->floor)
		a->floor = e->time;
	auth_heap_swap(a, 0, a->n - 1);
	a->n--;
	auth_heap_down(a, 0);
	e->next = a->free_head;
	a->free_head = i;
}

static void
auth_heap_swap(struct auth *a, uint32_t i, uint32_t j)
{
	uint32_t t = a->heap[i];

	a->heap[i] = a->heap[j];
	a->heap[j] = t;
	a->entries[a->heap[i]].pos = i;
	a->entries[a->heap[j]].pos = j;
}

static void
auth_heap_up(struct auth *a, uint32_t i)
{
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (a->entries[a->heap[parent]].time <=
		    a->entries[a->heap[i]].time)
			break;
		auth_heap_swap(a, i, parent);
		i = parent;
	}
}

static void
auth_heap_down(struct auth *a, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, min = i;

		if (l < a->n &&
		    a->entries[a->heap[l]].time < a->entries[a->heap[min]].time)
			min = l;
		if (r < a->n &&
		    a->entries[a->heap[r]].time < a->entries[a->heap[min]].time)
			min = r;
		if (min == i)
			break;
		auth_heap_swap(a, i, min);
		i = min;
	}
}
