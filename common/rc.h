/*
 * rc: result codes shared by every module.
 *
 * Fallible functions return RC_OK (0) or one of the negative codes below;
 * rc_str() gives a short, stable text for logs and metrics.
 */
#ifndef COMMON_RC_H
#define COMMON_RC_H

enum rc {
	RC_OK = 0,
	RC_ERROR = -1,	   /* unspecified failure, details logged */
	RC_MALFORMED = -2, /* input does not follow the format */
	RC_TRUNCATED = -3, /* input or output ended early */
	RC_LIMIT = -4,	   /* a configured or built-in limit was hit */
	RC_AGAIN = -5,	   /* try again later */
	RC_TIMEOUT = -6,   /* a deadline passed */
	RC_NOTFOUND = -7,  /* no such item */
	RC_EXISTS = -8,	   /* item already present */
	RC_IO = -9,	   /* a system call failed, errno logged */
	RC_CONFIG = -10,   /* configuration rejected, details logged */
	RC_UNSUPPORTED = -11,
};

/* Text for a code ("ok", "malformed", ...); never NULL. Anywhere. */
const char *rc_str(int rc);

#endif
