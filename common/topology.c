#include "config.h"

#include "common/topology.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/alloc.h"
#include "common/conf.h"
#include "common/rc.h"
#include "common/sockaddr.h"

/* An index that resolved to nothing (an error was reported). */
#define TOPO_NONE UINT_MAX
/* Longest DNS name in presentation form, without the trailing dot. */
#define TOPO_DNAME_MAX 253

/* What the semantic pass needs besides the topology. */
struct topo_check {
	struct topology *t;
	struct conf_report *rep;
	topology_zone_cb_t in_zone;
	void *arg;
	char key[CONF_KEYPATH_MAX];
};

static const char *topo_key(struct topo_check *c, const char *fmt, ...)
    LOG_FMT(2, 3);
static unsigned topo_line(struct topo_check *c, const char *fmt, ...)
    LOG_FMT(2, 3);
static void topo_ascii_case(char *s, bool upper);
static bool topo_is_site_name(const char *s);
static bool topo_is_edge_name(const char *s);
static const char *topo_dname_problem(const char *name);
static void topo_name_normalize(char *name);
static bool topo_name_equal(const char *a, const char *b);
static void topo_check_country(struct topo_check *c, char *code);
static void topo_check_continent(struct topo_check *c, char *code);
static unsigned *topo_resolve_sites(struct topo_check *c, const char *at,
    char **names, unsigned n);
static int topo_idx_cmp(const void *a, const void *b);
static void topo_check_sites(struct topo_check *c);
static void topo_check_edge_addrs(struct topo_check *c, unsigned i);
static void topo_check_edges(struct topo_check *c);
static void topo_index_site_edges(struct topo_check *c);
static void topo_check_pool_numbers(struct topo_check *c, unsigned i);
static void topo_check_pool_sites(struct topo_check *c, unsigned i);
static void topo_check_pool_fallback(struct topo_check *c, unsigned i);
static void topo_check_pools(struct topo_check *c);
static void topo_check_cycles(struct topo_check *c);
static const char *topo_cidr_parse(struct topo_map_net *m);
static void topo_check_networks(struct topo_check *c);
static void topo_check_locations(struct topo_check *c);
static void topo_check_maps(struct topo_check *c);

/* ---- Schema: one row per key, in gslb-topology(5)'s order ---- */

static const cyaml_schema_value_t topo_name_schema = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, TOPO_NAME_MAX),
};

static const cyaml_schema_field_t topo_site_fields[] = {
	CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, struct topo_site,
	    name, 1, TOPO_NAME_MAX),
	CYAML_FIELD_FLOAT("latitude", CYAML_FLAG_DEFAULT, struct topo_site,
	    latitude),
	CYAML_FIELD_FLOAT("longitude", CYAML_FLAG_DEFAULT, struct topo_site,
	    longitude),
	CYAML_FIELD_STRING_PTR("country",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct topo_site, country,
	    0, 64),
	CYAML_FIELD_STRING_PTR("continent",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct topo_site,
	    continent, 0, 64),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t topo_site_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct topo_site,
	    topo_site_fields),
};

static const cyaml_schema_field_t topo_capacity_fields[] = {
	CYAML_FIELD_UINT("players", CYAML_FLAG_OPTIONAL, struct topo_capacity,
	    players),
	CYAML_FIELD_UINT("mbps", CYAML_FLAG_OPTIONAL, struct topo_capacity,
	    mbps),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t topo_edge_fields[] = {
	CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, struct topo_edge,
	    name, 1, TOPO_NAME_MAX),
	CYAML_FIELD_STRING_PTR("site", CYAML_FLAG_POINTER, struct topo_edge,
	    site, 1, TOPO_NAME_MAX),
	CYAML_FIELD_STRING_PTR("ipv4", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
	    struct topo_edge, ipv4, 0, 64),
	CYAML_FIELD_STRING_PTR("ipv6", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
	    struct topo_edge, ipv6, 0, 64),
	CYAML_FIELD_UINT_PTR("weight", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
	    struct topo_edge, yaml.weight),
	CYAML_FIELD_MAPPING_PTR("capacity",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct topo_edge,
	    capacity, topo_capacity_fields),
	CYAML_FIELD_UINT_PTR("check_port",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct topo_edge,
	    yaml.check_port),
	CYAML_FIELD_STRING_PTR("http", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
	    struct topo_edge, http, 0, 64),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t topo_edge_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct topo_edge,
	    topo_edge_fields),
};

static const cyaml_strval_t topo_select_strings[] = {
	{ "weighted", TOPO_SELECT_WEIGHTED },
	{ "hash", TOPO_SELECT_HASH },
	{ "roundrobin", TOPO_SELECT_ROUNDROBIN },
};

static const cyaml_strval_t topo_all_down_strings[] = {
	{ "fail-open", TOPO_ALL_DOWN_FAIL_OPEN },
	{ "fallback", TOPO_ALL_DOWN_FALLBACK },
	{ "servfail", TOPO_ALL_DOWN_SERVFAIL },
};

static const cyaml_schema_field_t topo_pool_fields[] = {
	CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, struct topo_pool,
	    name, 1, TOPO_DNAME_MAX + 1),
	CYAML_FIELD_ENUM("select", CYAML_FLAG_OPTIONAL | CYAML_FLAG_STRICT,
	    struct topo_pool, select, topo_select_strings,
	    CYAML_ARRAY_LEN(topo_select_strings)),
	CYAML_FIELD_UINT_PTR("answers",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct topo_pool,
	    yaml.answers),
	CYAML_FIELD_UINT_PTR("ttl", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
	    struct topo_pool, yaml.ttl),
	CYAML_FIELD_SEQUENCE("sites", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
	    struct topo_pool, sites, &topo_name_schema, 1, CYAML_UNLIMITED),
	CYAML_FIELD_ENUM("all_down", CYAML_FLAG_OPTIONAL | CYAML_FLAG_STRICT,
	    struct topo_pool, all_down, topo_all_down_strings,
	    CYAML_ARRAY_LEN(topo_all_down_strings)),
	CYAML_FIELD_STRING_PTR("fallback",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct topo_pool,
	    fallback, 1, TOPO_DNAME_MAX + 1),
	CYAML_FIELD_FLOAT_PTR("spill_high",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct topo_pool,
	    yaml.spill_high),
	CYAML_FIELD_FLOAT_PTR("spill_low",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct topo_pool,
	    yaml.spill_low),
	CYAML_FIELD_FLOAT_PTR("hash_bound",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct topo_pool,
	    yaml.hash_bound),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t topo_pool_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct topo_pool,
	    topo_pool_fields),
};

static const cyaml_schema_field_t topo_map_net_fields[] = {
	CYAML_FIELD_STRING_PTR("cidr", CYAML_FLAG_POINTER, struct topo_map_net,
	    cidr, 1, 64),
	CYAML_FIELD_SEQUENCE("sites", CYAML_FLAG_POINTER, struct topo_map_net,
	    sites, &topo_name_schema, 1, CYAML_UNLIMITED),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t topo_map_net_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct topo_map_net,
	    topo_map_net_fields),
};

static const cyaml_schema_field_t topo_map_country_fields[] = {
	CYAML_FIELD_STRING_PTR("country", CYAML_FLAG_POINTER,
	    struct topo_map_country, country, 0, 64),
	CYAML_FIELD_SEQUENCE("sites", CYAML_FLAG_POINTER,
	    struct topo_map_country, sites, &topo_name_schema, 1,
	    CYAML_UNLIMITED),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t topo_map_country_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct topo_map_country,
	    topo_map_country_fields),
};

static const cyaml_schema_field_t topo_map_continent_fields[] = {
	CYAML_FIELD_STRING_PTR("continent", CYAML_FLAG_POINTER,
	    struct topo_map_continent, continent, 0, 64),
	CYAML_FIELD_SEQUENCE("sites", CYAML_FLAG_POINTER,
	    struct topo_map_continent, sites, &topo_name_schema, 1,
	    CYAML_UNLIMITED),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t topo_map_continent_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct topo_map_continent,
	    topo_map_continent_fields),
};

static const cyaml_schema_field_t topo_maps_fields[] = {
	CYAML_FIELD_SEQUENCE("default",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct topo_maps,
	    default_sites, &topo_name_schema, 1, CYAML_UNLIMITED),
	CYAML_FIELD_SEQUENCE("networks",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct topo_maps,
	    networks, &topo_map_net_schema, 0, CYAML_UNLIMITED),
	CYAML_FIELD_SEQUENCE("countries",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct topo_maps,
	    countries, &topo_map_country_schema, 0, CYAML_UNLIMITED),
	CYAML_FIELD_SEQUENCE("continents",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct topo_maps,
	    continents, &topo_map_continent_schema, 0, CYAML_UNLIMITED),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t topo_fields[] = {
	CYAML_FIELD_SEQUENCE("sites", CYAML_FLAG_POINTER, struct topology,
	    sites, &topo_site_schema, 1, CYAML_UNLIMITED),
	CYAML_FIELD_SEQUENCE("edges", CYAML_FLAG_POINTER, struct topology,
	    edges, &topo_edge_schema, 1, CYAML_UNLIMITED),
	CYAML_FIELD_SEQUENCE("pools", CYAML_FLAG_POINTER, struct topology,
	    pools, &topo_pool_schema, 1, CYAML_UNLIMITED),
	CYAML_FIELD_MAPPING_PTR("maps",
	    CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct topology, maps,
	    topo_maps_fields),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t topo_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct topology, topo_fields),
};

/* ---- Codes and names ---- */

/*
 * ISO 3166-1 alpha-2 codes in use (tzdata's iso3166.tab), plus XK for
 * Kosovo, which GeoIP databases return. Two letters each, sorted.
 */
static const char topo_countries[] =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBV"
    "BWBYBZCACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERES"
    "ETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIE"
    "ILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLY"
    "MAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNU"
    "NZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSM"
    "SNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVE"
    "VGVIVNVUWFWSXKYEYTZAZMZW";

/* Continent codes as GeoIP databases give them. */
static const char *const topo_continents[] = { "AF", "AN", "AS", "EU", "NA",
	"OC", "SA" };

/* Format a key path into c->key and return it. */
static const char *
topo_key(struct topo_check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->key, sizeof(c->key), fmt, ap);
	va_end(ap);
	return c->key;
}

/* Line of a key path formatted like topo_key(), leaving c->key alone. */
static unsigned
topo_line(struct topo_check *c, const char *fmt, ...)
{
	char key[CONF_KEYPATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	return conf_report_line(c->rep, key);
}

/* ASCII only: names are not subject to the locale. */
static void
topo_ascii_case(char *s, bool upper)
{
	for (; *s != '\0'; s++) {
		if (upper && *s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
		else if (!upper && *s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

static bool
topo_is_site_name(const char *s)
{
	return s[0] != '\0' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(s);
}

static bool
topo_is_edge_name(const char *s)
{
	return s[0] != '\0' &&
	    strspn(s,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789._-") == strlen(s);
}

/*
 * Why `name` (normalised: no trailing dot) is not a host name of letters,
 * digits and hyphens in labels of 1..63, at most 253 in all; NULL if it is.
 */
static const char *
topo_dname_problem(const char *name)
{
	size_t len = strlen(name), label = 0, i;
	char ch;

	if (len == 0)
		return "it is empty";
	if (len > TOPO_DNAME_MAX)
		return "it is longer than 253 characters";
	for (i = 0; i <= len; i++) {
		ch = name[i];
		if (ch == '.' || ch == '\0') {
			if (label == 0)
				return "it has an empty label";
			if (name[i - 1] == '-')
				return "a label ends in '-'";
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || ch == '-'))
			return "only letters, digits, '-' and '.' are allowed";
		if (label == 0 && ch == '-')
			return "a label starts with '-'";
		if (++label > 63)
			return "a label is longer than 63 characters";
	}
	return NULL;
}

/* Lower-case, and drop one trailing dot ("." itself becomes ""). */
static void
topo_name_normalize(char *name)
{
	size_t len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		name[len - 1] = '\0';
	topo_ascii_case(name, false);
}

/* DNS names: case-insensitive, one trailing dot on either side ignored. */
static bool
topo_name_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* Check an ISO 3166 code at c->key; upper-cases it in place. */
static void
topo_check_country(struct topo_check *c, char *code)
{
	size_t i;

	topo_ascii_case(code, true);
	if (strlen(code) == 2 && code[0] >= 'A' && code[0] <= 'Z' &&
	    code[1] >= 'A' && code[1] <= 'Z') {
		for (i = 0; i + 1 < sizeof(topo_countries); i += 2)
			if (memcmp(topo_countries + i, code, 2) == 0)
				return;
	}
	conf_error(c->rep, c->key, "\"%s\" is not an ISO 3166 country code%s",
	    code, strcmp(code, "UK") == 0 ? " (the United Kingdom is GB)" : "");
}

/* Check a continent code at c->key; upper-cases it in place. */
static void
topo_check_continent(struct topo_check *c, char *code)
{
	size_t i;

	topo_ascii_case(code, true);
	for (i = 0; i < sizeof(topo_continents) / sizeof(topo_continents[0]);
	     i++)
		if (strcmp(code, topo_continents[i]) == 0)
			return;
	conf_error(c->rep, c->key,
	    "\"%s\" is not a continent code (AF AN AS EU NA OC SA)", code);
}

/*
 * Resolve a list of site names at key `at` (e.g. "pools[0].sites") to a
 * new array of n indexes (caller frees); an unknown or repeated name is
 * reported at at[j] and resolves to TOPO_NONE.
 */
static unsigned *
topo_resolve_sites(struct topo_check *c, const char *at, char **names,
    unsigned n)
{
	char base[CONF_KEYPATH_MAX];
	unsigned *idx;
	unsigned j, k;
	int s;

	snprintf(base, sizeof(base), "%s", at);
	idx = xcalloc(n, sizeof(*idx));
	for (j = 0; j < n; j++) {
		idx[j] = TOPO_NONE;
		topo_key(c, "%s[%u]", base, j);
		s = topology_site_find(c->t, names[j]);
		if (s < 0) {
			conf_error(c->rep, c->key, "unknown site \"%s\"",
			    names[j]);
			continue;
		}
		for (k = 0; k < j; k++)
			if (idx[k] == (unsigned)s)
				break;
		if (k < j) {
			conf_error(c->rep, c->key, "site %s is listed twice",
			    names[j]);
			continue;
		}
		idx[j] = (unsigned)s;
	}
	return idx;
}

static int
topo_idx_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x > y) - (x < y);
}

/* ---- Sites and edges ---- */

static void
topo_check_sites(struct topo_check *c)
{
	struct topo_site *s;
	unsigned i, j;

	for (i = 0; i < c->t->sites_count; i++) {
		s = &c->t->sites[i];
		topo_key(c, "sites[%u].name", i);
		if (!topo_is_site_name(s->name))
			conf_error(c->rep, c->key,
			    "\"%s\": use lower-case letters, digits and '-'",
			    s->name);
		for (j = 0; j < i; j++) {
			if (strcmp(s->name, c->t->sites[j].name) != 0)
				continue;
			conf_error(c->rep, c->key,
			    "site %s is defined twice (first on line %u)",
			    s->name, topo_line(c, "sites[%u].name", j));
			break;
		}
		/* Written as negations so that NaN fails too. */
		if (!(s->latitude >= -90 && s->latitude <= 90))
			conf_error(c->rep, topo_key(c, "sites[%u].latitude", i),
			    "%g is out of range (-90..90)", s->latitude);
		if (!(s->longitude >= -180 && s->longitude <= 180))
			conf_error(c->rep,
			    topo_key(c, "sites[%u].longitude", i),
			    "%g is out of range (-180..180)", s->longitude);
		if (s->country != NULL) {
			topo_key(c, "sites[%u].country", i);
			topo_check_country(c, s->country);
		}
		if (s->continent != NULL) {
			topo_key(c, "sites[%u].continent", i);
			topo_check_continent(c, s->continent);
		}
	}
}

/* An edge's addresses: parse, reject the unusable, find duplicates. */
static void
topo_check_edge_addrs(struct topo_check *c, unsigned i)
{
	struct topo_edge *e = &c->t->edges[i], *o;
	unsigned j;

	if (e->ipv4 != NULL) {
		topo_key(c, "edges[%u].ipv4", i);
		if (inet_pton(AF_INET, e->ipv4, &e->a4) != 1)
			conf_error(c->rep, c->key,
			    "\"%s\" is not an IPv4 address", e->ipv4);
		else if (e->a4.s_addr == htonl(INADDR_ANY) ||
		    e->a4.s_addr == htonl(INADDR_BROADCAST) ||
		    IN_MULTICAST(ntohl(e->a4.s_addr)))
			conf_error(c->rep, c->key,
			    "%s cannot be an edge's address", e->ipv4);
		else
			e->has4 = true;
	}
	if (e->ipv6 != NULL) {
		topo_key(c, "edges[%u].ipv6", i);
		if (inet_pton(AF_INET6, e->ipv6, &e->a6) != 1)
			conf_error(c->rep, c->key,
			    "\"%s\" is not an IPv6 address", e->ipv6);
		else if (IN6_IS_ADDR_UNSPECIFIED(&e->a6) ||
		    IN6_IS_ADDR_MULTICAST(&e->a6))
			conf_error(c->rep, c->key,
			    "%s cannot be an edge's address", e->ipv6);
		else
			e->has6 = true;
	}
	if (e->ipv4 == NULL && e->ipv6 == NULL)
		conf_error(c->rep, topo_key(c, "edges[%u]", i),
		    "edge %s needs an ipv4 or an ipv6 address", e->name);
	for (j = 0; j < i; j++) {
		o = &c->t->edges[j];
		if (e->has4 && o->has4 && e->a4.s_addr == o->a4.s_addr)
			conf_error(c->rep, topo_key(c, "edges[%u].ipv4", i),
			    "%s is also the address of edge %s", e->ipv4,
			    o->name);
		if (e->has6 && o->has6 &&
		    memcmp(&e->a6, &o->a6, sizeof(e->a6)) == 0)
			conf_error(c->rep, topo_key(c, "edges[%u].ipv6", i),
			    "%s is also the address of edge %s", e->ipv6,
			    o->name);
	}
}

static void
topo_check_edges(struct topo_check *c)
{
	struct topo_edge *e;
	unsigned i, j;
	int s;

	for (i = 0; i < c->t->edges_count; i++) {
		e = &c->t->edges[i];
		topo_key(c, "edges[%u].name", i);
		if (!topo_is_edge_name(e->name))
			conf_error(c->rep, c->key,
			    "\"%s\": use letters, digits, '.', '_' and '-'",
			    e->name);
		for (j = 0; j < i; j++) {
			if (strcmp(e->name, c->t->edges[j].name) != 0)
				continue;
			conf_error(c->rep, c->key,
			    "edge %s is defined twice (first on line %u)",
			    e->name, topo_line(c, "edges[%u].name", j));
			break;
		}
		s = topology_site_find(c->t, e->site);
		e->site_idx = s >= 0 ? (unsigned)s : TOPO_NONE;
		if (s < 0)
			conf_error(c->rep, topo_key(c, "edges[%u].site", i),
			    "unknown site \"%s\"", e->site);
		topo_check_edge_addrs(c, i);

		e->weight = e->yaml.weight != NULL ? *e->yaml.weight :
						     TOPO_WEIGHT_DEFAULT;
		if (e->weight < 1 || e->weight > TOPO_WEIGHT_MAX)
			conf_error(c->rep, topo_key(c, "edges[%u].weight", i),
			    "%u is out of range (1..%u)", e->weight,
			    TOPO_WEIGHT_MAX);
		e->check_port = e->yaml.check_port != NULL ?
		    *e->yaml.check_port :
		    TOPO_CHECK_PORT_DEFAULT;
		if (e->check_port < 1 || e->check_port > 65535)
			conf_error(c->rep,
			    topo_key(c, "edges[%u].check_port", i),
			    "%u is out of range (1..65535)", e->check_port);
		if (e->http == NULL)
			continue;
		if (sockaddr_parse(e->http, 0, &e->http_addr,
			&e->http_addrlen) != RC_OK ||
		    sockaddr_port((struct sockaddr *)&e->http_addr) == 0)
			conf_error(c->rep, topo_key(c, "edges[%u].http", i),
			    "\"%s\" is not an address:port (use [v6]:port)",
			    e->http);
		else
			e->has_http = true;
	}
}

/* Give each site the list of its edges; warn about sites without any. */
static void
topo_index_site_edges(struct topo_check *c)
{
	struct topo_site *s;
	unsigned i, si;

	for (i = 0; i < c->t->edges_count; i++) {
		si = c->t->edges[i].site_idx;
		if (si != TOPO_NONE)
			c->t->sites[si].nedges++;
	}
	for (si = 0; si < c->t->sites_count; si++) {
		s = &c->t->sites[si];
		s->edge_idx = xcalloc(s->nedges, sizeof(*s->edge_idx));
		/* A repeated name is an error already, not worth a warning. */
		if (s->nedges == 0 &&
		    topology_site_find(c->t, s->name) == (int)si)
			conf_warn(c->rep, topo_key(c, "sites[%u]", si),
			    "site %s has no edges", s->name);
		s->nedges = 0;
	}
	for (i = 0; i < c->t->edges_count; i++) {
		si = c->t->edges[i].site_idx;
		if (si != TOPO_NONE)
			c->t->sites[si].edge_idx[c->t->sites[si].nedges++] = i;
	}
}

/* ---- Pools ---- */

static void
topo_check_pool_numbers(struct topo_check *c, unsigned i)
{
	struct topo_pool *p = &c->t->pools[i];
	bool high_ok;

	p->answers =
	    p->yaml.answers != NULL ? *p->yaml.answers : TOPO_ANSWERS_DEFAULT;
	if (p->answers < 1 || p->answers > TOPO_ANSWERS_MAX)
		conf_error(c->rep, topo_key(c, "pools[%u].answers", i),
		    "%u is out of range (1..%u)", p->answers, TOPO_ANSWERS_MAX);
	p->ttl = p->yaml.ttl != NULL ? *p->yaml.ttl : TOPO_TTL_DEFAULT;
	if (p->ttl > TOPO_TTL_MAX)
		conf_error(c->rep, topo_key(c, "pools[%u].ttl", i),
		    "%u is out of range (0..%u)", p->ttl, TOPO_TTL_MAX);

	p->spill_high = p->yaml.spill_high != NULL ? *p->yaml.spill_high :
						     TOPO_SPILL_HIGH_DEFAULT;
	high_ok = p->spill_high > 0 && p->spill_high <= 1;
	if (!high_ok)
		conf_error(c->rep, topo_key(c, "pools[%u].spill_high", i),
		    "%g is out of range (above 0, at most 1)", p->spill_high);
	/* The default stays below a lowered spill_high (0.7 = 7/8 of 0.8). */
	if (p->yaml.spill_low != NULL)
		p->spill_low = *p->yaml.spill_low;
	else if (p->spill_high > TOPO_SPILL_LOW_DEFAULT || !high_ok)
		p->spill_low = TOPO_SPILL_LOW_DEFAULT;
	else
		p->spill_low = p->spill_high * 0.875;
	topo_key(c, "pools[%u].spill_low", i);
	if (!(p->spill_low > 0 && p->spill_low < 1))
		conf_error(c->rep, c->key,
		    "%g is out of range (above 0, below 1)", p->spill_low);
	else if (high_ok && !(p->spill_low < p->spill_high))
		conf_error(c->rep, c->key, "%g must be below spill_high (%g)",
		    p->spill_low, p->spill_high);

	p->hash_bound = p->yaml.hash_bound != NULL ? *p->yaml.hash_bound :
						     TOPO_HASH_BOUND_DEFAULT;
	topo_key(c, "pools[%u].hash_bound", i);
	if (!(p->hash_bound >= TOPO_HASH_BOUND_MIN &&
		p->hash_bound <= TOPO_HASH_BOUND_MAX))
		conf_error(c->rep, c->key, "%g is out of range (%g..%g)",
		    p->hash_bound, TOPO_HASH_BOUND_MIN, TOPO_HASH_BOUND_MAX);
	else if (p->yaml.hash_bound != NULL && p->select != TOPO_SELECT_HASH)
		conf_warn(c->rep, c->key, "only used with select: hash");
}

/* The pool's sites as a sorted set of indexes, and at least one edge. */
static void
topo_check_pool_sites(struct topo_check *c, unsigned i)
{
	struct topo_pool *p = &c->t->pools[i];
	unsigned j, n = 0, nedges = 0;

	if (p->sites == NULL) {
		p->site_idx = xcalloc(c->t->sites_count, sizeof(*p->site_idx));
		for (j = 0; j < c->t->sites_count; j++)
			p->site_idx[n++] = j;
	} else {
		p->site_idx =
		    topo_resolve_sites(c, topo_key(c, "pools[%u].sites", i),
			p->sites, p->sites_count);
		for (j = 0; j < p->sites_count; j++)
			if (p->site_idx[j] != TOPO_NONE)
				p->site_idx[n++] = p->site_idx[j];
		qsort(p->site_idx, n, sizeof(*p->site_idx), topo_idx_cmp);
	}
	p->nsites = n;
	for (j = 0; j < n; j++)
		nedges += c->t->sites[p->site_idx[j]].nedges;
	if (nedges > 0 || n == 0)
		return;
	if (p->sites != NULL)
		topo_key(c, "pools[%u].sites", i);
	else
		topo_key(c, "pools[%u]", i);
	conf_error(c->rep, c->key, "pool %s has no edges: none in its sites",
	    p->name);
}

static void
topo_check_pool_fallback(struct topo_check *c, unsigned i)
{
	struct topo_pool *p = &c->t->pools[i];
	int f;

	p->fallback_idx = -1;
	if (p->all_down == TOPO_ALL_DOWN_FALLBACK && p->fallback == NULL) {
		conf_error(c->rep, topo_key(c, "pools[%u].all_down", i),
		    "all_down: fallback needs a fallback pool");
		return;
	}
	if (p->fallback == NULL)
		return;
	topo_key(c, "pools[%u].fallback", i);
	if (p->all_down != TOPO_ALL_DOWN_FALLBACK) {
		conf_error(c->rep, c->key,
		    "a fallback needs all_down: fallback");
		return;
	}
	f = topology_pool_find(c->t, p->fallback);
	if (f < 0)
		conf_error(c->rep, c->key, "unknown pool \"%s\"", p->fallback);
	else if ((unsigned)f == i)
		conf_error(c->rep, c->key, "pool %s cannot fall back to itself",
		    p->name);
	else
		p->fallback_idx = f;
}

static void
topo_check_pools(struct topo_check *c)
{
	struct topo_pool *p;
	const char *why;
	unsigned i, j;

	/* Normalise every name first: fallbacks may name later pools. */
	for (i = 0; i < c->t->pools_count; i++)
		topo_name_normalize(c->t->pools[i].name);
	for (i = 0; i < c->t->pools_count; i++) {
		p = &c->t->pools[i];
		topo_key(c, "pools[%u].name", i);
		why = topo_dname_problem(p->name);
		if (p->name[0] == '\0')
			conf_error(c->rep, c->key, "the root cannot be a pool");
		else if (why != NULL)
			conf_error(c->rep, c->key,
			    "\"%s\" is not a valid DNS name: %s", p->name, why);
		else if (c->in_zone != NULL && !c->in_zone(p->name, c->arg))
			conf_error(c->rep, c->key,
			    "%s is not inside any zone served", p->name);
		for (j = 0; j < i; j++) {
			if (strcmp(p->name, c->t->pools[j].name) != 0)
				continue;
			conf_error(c->rep, c->key,
			    "pool %s is defined twice (first on line %u)",
			    p->name, topo_line(c, "pools[%u].name", j));
			break;
		}
		topo_check_pool_numbers(c, i);
		topo_check_pool_sites(c, i);
		topo_check_pool_fallback(c, i);
	}
	topo_check_cycles(c);
}

/*
 * Fallback chains must end. Each cycle is reported once, at its pool
 * with the lowest index, as "a -> b -> a".
 */
static void
topo_check_cycles(struct topo_check *c)
{
	char chain[512];
	size_t off;
	unsigned i, steps;
	int j;
	bool lowest;

	for (i = 0; i < c->t->pools_count; i++) {
		j = c->t->pools[i].fallback_idx;
		lowest = true;
		for (steps = 0;
		     j >= 0 && (unsigned)j != i && steps < c->t->pools_count;
		     steps++) {
			if ((unsigned)j < i)
				lowest = false;
			j = c->t->pools[j].fallback_idx;
		}
		if (j < 0 || (unsigned)j != i || !lowest)
			continue;
		off = 0;
		j = (int)i;
		do {
			off += (size_t)snprintf(chain + off,
			    off < sizeof(chain) ? sizeof(chain) - off : 0,
			    "%s -> ", c->t->pools[j].name);
			j = c->t->pools[j].fallback_idx;
		} while ((unsigned)j != i && off < sizeof(chain));
		if (off < sizeof(chain))
			snprintf(chain + off, sizeof(chain) - off, "%s",
			    c->t->pools[i].name);
		conf_error(c->rep, topo_key(c, "pools[%u].fallback", i),
		    "fallbacks form a cycle: %s", chain);
	}
}

/* ---- Maps ---- */

/* Parse m->cidr into family, addr and prefix; NULL or why not. */
static const char *
topo_cidr_parse(struct topo_map_net *m)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash, *p;
	unsigned bits, prefix = 0, i;
	size_t alen;

	slash = strchr(m->cidr, '/');
	if (slash == NULL)
		return "needs a /prefix length";
	alen = (size_t)(slash - m->cidr);
	if (alen == 0 || alen >= sizeof(addr))
		return "is not an address/prefix";
	memcpy(addr, m->cidr, alen);
	addr[alen] = '\0';
	m->family = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	bits = m->family == AF_INET6 ? 128 : 32;
	if (inet_pton(m->family, addr, m->addr) != 1)
		return m->family == AF_INET6 ? "is not an IPv6 address/prefix" :
					       "is not an IPv4 address/prefix";
	p = slash + 1;
	if (*p == '\0' || (p[0] == '0' && p[1] != '\0') ||
	    strspn(p, "0123456789") != strlen(p) || strlen(p) > 3)
		return "has a bad prefix length";
	for (; *p != '\0'; p++)
		prefix = prefix * 10 + (unsigned)(*p - '0');
	if (prefix > bits)
		return bits == 32 ? "has a prefix longer than 32" :
				    "has a prefix longer than 128";
	m->prefix = prefix;
	for (i = prefix; i < bits; i++)
		if (m->addr[i / 8] & (0x80 >> (i % 8)))
			return "has host bits set";
	return NULL;
}

static void
topo_check_networks(struct topo_check *c)
{
	struct topo_maps *mp = c->t->maps;
	struct topo_map_net *m, *o;
	const char *why;
	unsigned i, j;

	for (i = 0; i < mp->networks_count; i++) {
		m = &mp->networks[i];
		topo_key(c, "maps.networks[%u].cidr", i);
		why = topo_cidr_parse(m);
		if (why != NULL) {
			conf_error(c->rep, c->key, "\"%s\" %s", m->cidr, why);
			m->family = AF_UNSPEC;
		}
		for (j = 0; j < i && m->family != AF_UNSPEC; j++) {
			o = &mp->networks[j];
			if (o->family != m->family || o->prefix != m->prefix ||
			    memcmp(o->addr, m->addr, sizeof(m->addr)) != 0)
				continue;
			conf_error(c->rep, c->key,
			    "%s is listed twice (first on line %u)", m->cidr,
			    topo_line(c, "maps.networks[%u].cidr", j));
			break;
		}
		m->site_idx = topo_resolve_sites(c,
		    topo_key(c, "maps.networks[%u].sites", i), m->sites,
		    m->sites_count);
	}
}

/* maps.countries and maps.continents: valid, unique codes. */
static void
topo_check_locations(struct topo_check *c)
{
	struct topo_maps *mp = c->t->maps;
	struct topo_map_country *mc;
	struct topo_map_continent *mn;
	unsigned i, j;

	for (i = 0; i < mp->countries_count; i++) {
		mc = &mp->countries[i];
		topo_key(c, "maps.countries[%u].country", i);
		topo_check_country(c, mc->country);
		for (j = 0; j < i; j++) {
			if (strcmp(mc->country, mp->countries[j].country) != 0)
				continue;
			conf_error(c->rep, c->key,
			    "%s is listed twice (first on line %u)",
			    mc->country,
			    topo_line(c, "maps.countries[%u].country", j));
			break;
		}
		mc->site_idx = topo_resolve_sites(c,
		    topo_key(c, "maps.countries[%u].sites", i), mc->sites,
		    mc->sites_count);
	}
	for (i = 0; i < mp->continents_count; i++) {
		mn = &mp->continents[i];
		topo_key(c, "maps.continents[%u].continent", i);
		topo_check_continent(c, mn->continent);
		for (j = 0; j < i; j++) {
			if (strcmp(mn->continent,
				mp->continents[j].continent) != 0)
				continue;
			conf_error(c->rep, c->key,
			    "%s is listed twice (first on line %u)",
			    mn->continent,
			    topo_line(c, "maps.continents[%u].continent", j));
			break;
		}
		mn->site_idx = topo_resolve_sites(c,
		    topo_key(c, "maps.continents[%u].sites", i), mn->sites,
		    mn->sites_count);
	}
}

static void
topo_check_maps(struct topo_check *c)
{
	struct topology *t = c->t;
	struct topo_maps *mp;
	unsigned i;

	t->has_maps = t->maps != NULL;
	if (t->maps == NULL)
		t->maps = xcalloc(1, sizeof(*t->maps));
	mp = t->maps;
	if (mp->default_sites != NULL) {
		mp->default_idx = topo_resolve_sites(c, "maps.default",
		    mp->default_sites, mp->default_sites_count);
		mp->ndefault = mp->default_sites_count;
	} else {
		mp->default_idx =
		    xcalloc(t->sites_count, sizeof(*mp->default_idx));
		for (i = 0; i < t->sites_count; i++)
			mp->default_idx[i] = i;
		mp->ndefault = t->sites_count;
	}
	topo_check_networks(c);
	topo_check_locations(c);
}

/* ---- Loading and lookups ---- */

/* What topology_load() passes to its checks through conf_load_checked(). */
struct topo_load_arg {
	topology_zone_cb_t in_zone;
	void *arg;
};

static void
topo_check_all(void *data, struct conf_report *rep, void *arg)
{
	const struct topo_load_arg *la = arg;
	struct topo_check c;

	memset(&c, 0, sizeof(c));
	c.t = data;
	c.rep = rep;
	c.in_zone = la->in_zone;
	c.arg = la->arg;
	topo_check_sites(&c);
	topo_check_edges(&c);
	topo_index_site_edges(&c);
	topo_check_pools(&c);
	topo_check_maps(&c);
}

static void
topo_free_cb(void *data)
{
	topology_free(data);
}

struct topology *
topology_load(const char *path, topology_zone_cb_t in_zone, void *arg)
{
	struct topo_load_arg la = { in_zone, arg };
	struct topology *t = conf_load_checked(path, &topo_schema,
	    topo_check_all, &la, topo_free_cb);

	if (t != NULL)
		t->path = xstrdup(path);
	return t;
}

void
topology_free(struct topology *t)
{
	struct topo_maps *mp;
	unsigned i;

	if (t == NULL)
		return;
	for (i = 0; i < t->sites_count; i++)
		free(t->sites[i].edge_idx);
	for (i = 0; i < t->pools_count; i++)
		free(t->pools[i].site_idx);
	mp = t->maps;
	if (mp != NULL) {
		free(mp->default_idx);
		for (i = 0; i < mp->networks_count; i++)
			free(mp->networks[i].site_idx);
		for (i = 0; i < mp->countries_count; i++)
			free(mp->countries[i].site_idx);
		for (i = 0; i < mp->continents_count; i++)
			free(mp->continents[i].site_idx);
		mp->default_idx = NULL;
	}
	if (!t->has_maps) {
		/* Ours, not libcyaml's: it must not see it. */
		free(t->maps);
		t->maps = NULL;
	}
	free(t->path);
	t->path = NULL;
	conf_free(&topo_schema, t);
}

int
topology_site_find(const struct topology *t, const char *name)
{
	unsigned i;

	for (i = 0; i < t->sites_count; i++)
		if (strcmp(t->sites[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
topology_edge_find(const struct topology *t, const char *name)
{
	unsigned i;

	for (i = 0; i < t->edges_count; i++)
		if (strcmp(t->edges[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
topology_pool_find(const struct topology *t, const char *name)
{
	unsigned i;

	for (i = 0; i < t->pools_count; i++)
		if (topo_name_equal(t->pools[i].name, name))
			return (int)i;
	return -1;
}

bool
topology_pool_has_site(const struct topo_pool *p, unsigned site)
{
	return bsearch(&site, p->site_idx, p->nsites, sizeof(*p->site_idx),
		   topo_idx_cmp) != NULL;
}
