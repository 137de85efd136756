/*
 * dname: domain names in wire format.
 *
 * Names are kept uncompressed, as a sequence of length-prefixed labels
 * ending in the root label, at most DNAME_MAX bytes. Lookups use the
 * lower-cased form; the query's own spelling is kept for the question.
 * Because every length octet is below 64, lower-casing a whole wire name
 * byte by byte never changes a length octet.
 *
 * Label hashing runs from the root towards the first label, so one pass
 * over a query name yields the hash of every suffix: the zone and node
 * lookups then probe suffixes without rehashing.
 *
 * Nothing here allocates; every function may be called from any thread.
 */
#ifndef DNSD_DNAME_H
#define DNSD_DNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNAME_MAX 255
#define DNAME_LABELS_MAX 128
/* Longest text form: every byte escaped as \DDD, plus dots. */
#define DNAME_STRLEN (DNAME_MAX * 4 + 2)

/* A parsed name with its label offsets (offs[0] is 0, the first label). */
struct dname_info {
	uint8_t len;			/* wire length, including root */
	uint8_t labels;			/* labels, not counting the root */
	uint8_t offs[DNAME_LABELS_MAX]; /* offset of each label */
};

/*
 * Read a possibly compressed name from a packet at *pos into `out`
 * (DNAME_MAX bytes), uncompressed and in its original case. Compression
 * pointers must point strictly backwards, which rules out loops. On
 * success *pos is just past the name in the packet and RC_OK is returned;
 * RC_MALFORMED for bad labels, pointers or over-long names, RC_TRUNCATED
 * when the packet ends inside the name.
 */
int dname_read(const uint8_t *pkt, size_t len, size_t *pos, uint8_t *out,
    struct dname_info *info);

/* Check an uncompressed wire name in buf[0..len); fill info. RC_OK or
 * RC_MALFORMED. */
int dname_check(const uint8_t *name, size_t len, struct dname_info *info);

/* Lower-case `len` bytes of a wire name from src into dst (may alias). */
void dname_tolower(uint8_t *dst, const uint8_t *src, size_t len);

/* Case-insensitive equality of two wire names. */
bool dname_equal(const uint8_t *a, const uint8_t *b);

/* Is `name` equal to or below `parent` (both lower-case wire names)? */
bool dname_is_subdomain(const uint8_t *name, const uint8_t *parent);

/* Wire length of an uncompressed name (trusted input). */
size_t dname_len(const uint8_t *name);

/* Number of labels (not counting the root) of a trusted name. */
unsigned dname_count_labels(const uint8_t *name);

/*
 * Hash every suffix of a lower-case name: h[i] is the hash of the suffix
 * starting at label i (h[labels] is the root's). `h` holds labels + 1
 * entries.
 */
void dname_hash_suffixes(const uint8_t *name, const struct dname_info *info,
    uint32_t *h);

/* Hash of a whole lower-case name (equal to h[0] above). */
uint32_t dname_hash(const uint8_t *name);

/* Presentation form ("www.example.", "." for the root) into buf. */
const char *dname_to_str(const uint8_t *name, char *buf, size_t buflen);

#endif
