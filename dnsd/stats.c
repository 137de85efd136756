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
