#include "config.h"

#include "common/rc.h"

/* Indexed by -rc; keep in the order of enum rc. */
static const char *const rc_strings[] = {
	"ok",
	"error",
	"malformed",
	"truncated",
	"limit",
	"again",
	"timeout",
	"not found",
	"exists",
	"io",
	"config",
	"unsupported",
};

const char *
rc_str(int rc)
{
	if (rc > 0 || -rc >= (int)(sizeof(rc_strings) / sizeof(rc_strings[0])))
		return "unknown";
	return rc_strings[-rc];
}
