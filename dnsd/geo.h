/*
 * geo: client location from a GeoIP2 database (libmaxminddb).
 *
 * Lookups are split in two so the query path stays cheap: geo_find()
 * walks the database's search tree and returns the record's offset and
 * the prefix length of the network it matched; geo_record() decodes the
 * record (coordinates, country, continent). Equal offsets are equal
 * records, so callers cache whatever they derive from a record by its
 * offset and decode each record once.
 *
 * A struct geo is opened at startup or reload and is read-only after:
 * any number of threads may look up in it at once.
 */
#ifndef DNSD_GEO_H
#define DNSD_GEO_H

#include <stdbool.h>
#include <stdint.h>

struct geo;

struct geo_loc {
	bool has_coords;
	double lat, lon;
	char country[3];   /* ISO 3166 alpha-2, "" if absent */
	char continent[3]; /* "EU", ... or "" */
};

/* Open a GeoIP2 City or Country database; NULL (logged) on failure. */
struct geo *geo_open(const char *path);
/* Close; NULL does nothing. */
void geo_close(struct geo *g);

/*
 * Find `addr` (4 bytes for AF_INET, 16 for AF_INET6). Returns true with
 * *offset set when the database has a record for it. *prefix is always
 * set: the prefix length, in the family's bits, of the network the
 * answer holds for (for an absent address, the empty network around it).
 */
bool geo_find(const struct geo *g, int family, const uint8_t *addr,
    uint32_t *offset, uint8_t *prefix);

/* Decode the record at `offset` (from geo_find()). */
void geo_record(const struct geo *g, uint32_t offset, struct geo_loc *out);

/* The database's type, e.g. "GeoIP2-City", for logs and status. */
const char *geo_type(const struct geo *g);

#endif
