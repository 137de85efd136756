/*
 * check: the names of check kinds and results (see check.h). The kinds
 * themselves live in check_tcp.c, check_rtmp.c and check_http.c.
 */
#include "config.h"

#include "probe/check.h"

static const char *const check_kind_names[CHECK_KIND_MAX] = {
	[CHECK_TCP] = "tcp",
	[CHECK_RTMP] = "rtmp",
	[CHECK_PLAY] = "play",
	[CHECK_HTTP] = "http",
};

static const char *const check_result_names[] = {
	[CHECK_OK] = "ok",
	[CHECK_FAIL] = "fail",
	[CHECK_TIMEOUT] = "timeout",
};

const char *
check_kind_str(enum check_kind k)
{
	return (unsigned)k < CHECK_KIND_MAX ? check_kind_names[k] : "?";
}

const char *
check_result_str(enum check_result r)
{
	return (unsigned)r <= CHECK_TIMEOUT ? check_result_names[r] : "?";
}
