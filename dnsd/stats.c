#include "config.h"

#include "dnsd/stats.h"

static const char *const rcode_names[STATS_RCODES] = {
	"NOERROR",
	"FORMERR",
	"SERVFAIL",
	"NXDOMAIN",
	"NOTIMP",
	"REFUSED",
	"YXDOMAIN",
	"YXRRSET",
	"NXRRSET",
	"NOTAUTH",
	"NOTZONE",
	"DSOTYPENI",
	"RCODE12",
	"RCODE13",
	"RCODE14",
	"RCODE15",
	"BADVERS",
};

static const char *const drop_names[STATS_DROPS] = {
	"short",
	"response",
	"toobig",
};

const char *
stats_rcode_name(unsigned i)
{
	return i < STATS_RCODES ? rcode_names[i] : "UNKNOWN";
}

const char *
stats_drop_name(unsigned i)
{
	return i < STATS_DROPS ? drop_names[i] : "unknown";
}

static const struct {
	uint16_t type;
	const char *name;
} qtypes[STATS_QTYPES] = {
	{ 1, "A" },
	{ 28, "AAAA" },
	{ 2, "NS" },
	{ 5, "CNAME" },
	{ 6, "SOA" },
	{ 12, "PTR" },
	{ 15, "MX" },
	{ 16, "TXT" },
	{ 33, "SRV" },
	{ 43, "DS" },
	{ 255, "ANY" },
	{ 0, "other" },
};

unsigned
stats_qtype_index(uint16_t qtype)
{
	for (unsigned i = 0; i < STATS_QT_OTHER; i++)
		if (qtypes[i].type == qtype)
			return i;
	return STATS_QT_OTHER;
}

const char *
stats_qtype_name(unsigned i)
{
	return i < STATS_QTYPES ? qtypes[i].name : "other";
}
