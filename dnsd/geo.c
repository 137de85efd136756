#include "config.h"

#include "dnsd/geo.h"

#include <maxminddb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/alloc.h"
#include "common/log.h"

struct geo {
	MMDB_s mmdb;
	bool v6tree; /* IPv4 lives under ::/96 */
};

struct geo *
geo_open(const char *path)
{
	struct geo *g = xcalloc(1, sizeof(*g));
	int rc = MMDB_open(path, MMDB_MODE_MMAP, &g->mmdb);

	if (rc != MMDB_SUCCESS) {
		log_warnx("geoip %s: %s", path, MMDB_strerror(rc));
		free(g);
		return NULL;
	}
	g->v6tree = g->mmdb.metadata.ip_version == 6;
	log_info("geoip %s: %s, built %llu", path,
	    g->mmdb.metadata.database_type,
	    (unsigned long long)g->mmdb.metadata.build_epoch);
	return g;
}

void
geo_close(struct geo *g)
{
	if (g == NULL)
		return;
	MMDB_close(&g->mmdb);
	free(g);
}

const char *
geo_type(const struct geo *g)
{
	return g->mmdb.metadata.database_type;
}

bool
geo_find(const struct geo *g, int family, const uint8_t *addr, uint32_t *offset,
    uint8_t *prefix)
{
	MMDB_lookup_result_s r;
	struct sockaddr_storage ss;
	int err = 0;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, addr, 4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, addr, 16);
	}
	r = MMDB_lookup_sockaddr((MMDB_s *)&g->mmdb, (struct sockaddr *)&ss,
	    &err);
	*prefix = (uint8_t)r.netmask;
	if (family == AF_INET && g->v6tree)
		*prefix = r.netmask >= 96 ? (uint8_t)(r.netmask - 96) : 0;
	if (err != MMDB_SUCCESS || !r.found_entry)
		return false;
	*offset = r.entry.offset;
	return true;
}

static bool
geo_string(MMDB_entry_s *e, char *out, size_t len, const char *k1,
    const char *k2)
{
	MMDB_entry_data_s d;

	if (MMDB_get_value(e, &d, k1, k2, NULL) != MMDB_SUCCESS ||
	    !d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING ||
	    d.data_size >= len)
		return false;
	memcpy(out, d.utf8_string, d.data_size);
	out[d.data_size] = '\0';
	return true;
}

static bool
geo_double(MMDB_entry_s *e, double *out, const char *k1, const char *k2)
{
	MMDB_entry_data_s d;

	if (MMDB_get_value(e, &d, k1, k2, NULL) != MMDB_SUCCESS ||
	    !d.has_data || d.type != MMDB_DATA_TYPE_DOUBLE)
		return false;
	*out = d.double_value;
	return true;
}

void
geo_record(const struct geo *g, uint32_t offset, struct geo_loc *out)
{
	MMDB_entry_s e = { .mmdb = (MMDB_s *)&g->mmdb, .offset = offset };

	memset(out, 0, sizeof(*out));
	/* The country the client is in; registered_country is where its
	 * addresses were registered, which says less about distance. */
	geo_string(&e, out->country, sizeof(out->country), "country",
	    "iso_code");
	geo_string(&e, out->continent, sizeof(out->continent), "continent",
	    "code");
	out->has_coords = geo_double(&e, &out->lat, "location", "latitude") &&
	    geo_double(&e, &out->lon, "location", "longitude");
}
