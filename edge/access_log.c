/*
 * access_log: one line per session (see access_log.h).
 */
#include "config.h"

#include "edge/access_log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rc.h"
#include "edge/edge.h"

static size_t access_log_field(char *buf, size_t len, const char *s);

/* Append s (or "-") with unsafe bytes as %XX; returns bytes or SIZE_MAX. */
static size_t
access_log_field(char *buf, size_t len, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	if (s == NULL || *s == '\0')
		s = "-";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c > ' ' && c < 0x7f && c != '%') {
			if (n + 1 >= len)
				return SIZE_MAX;
			buf[n++] = (char)c;
			continue;
		}
		if (n + 3 >= len)
			return SIZE_MAX;
		buf[n++] = '%';
		buf[n++] = hex[c >> 4];
		buf[n++] = hex[c & 0xf];
	}
	buf[n] = '\0';
	return n;
}

size_t
access_log_format(char *buf, size_t len, time_t t,
    const struct access_log_entry *en)
{
	const char *fields[4] = { en->peer, en->app, en->stream, en->kind };
	char ttff[24];
	struct tm tm;
	size_t n, i, f;
	int w;

	if (len == 0 || gmtime_r(&t, &tm) == NULL)
		return 0;
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (n == 0)
		return 0;
	for (i = 0; i < 4; i++) {
		if (n + 1 >= len)
			return 0;
		buf[n++] = ' ';
		f = access_log_field(buf + n, len - n, fields[i]);
		if (f == SIZE_MAX)
			return 0;
		n += f;
	}
	if (en->ttff_ms >= 0)
		snprintf(ttff, sizeof(ttff), "%" PRId64, en->ttff_ms);
	else
		snprintf(ttff, sizeof(ttff), "-");
	w = snprintf(buf + n, len - n,
	    " %" PRIu64 " %" PRIu64 " %" PRIu64 ".%03u %s ", en->bytes_out,
	    en->bytes_in, en->duration_ms / 1000,
	    (unsigned)(en->duration_ms % 1000), ttff);
	if (w < 0 || (size_t)w >= len - n)
		return 0;
	n += (size_t)w;
	f = access_log_field(buf + n, len - n, en->end);
	if (f == SIZE_MAX || n + f + 1 >= len)
		return 0;
	n += f;
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

int
access_log_open(struct edge *e)
{
	char *path;
	int fd;

	if (e->access_log_open || e->conf->access_log == NULL)
		return RC_OK;
	path = edge_conf_path(e->conf, e->conf->access_log);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_ratelimited(&e->rl_access_log, LOG_WARNING,
		    "access log %s: cannot open: %s", path, strerror(errno));
		free(path);
		return RC_IO;
	}
	log_info("access log %s: open", path);
	free(path);
	e->access_log_fd = fd;
	e->access_log_open = true;
	return RC_OK;
}

void
access_log_close(struct edge *e)
{
	if (!e->access_log_open)
		return;
	close(e->access_log_fd);
	e->access_log_open = false;
	e->access_log_fd = -1;
}

void
access_log_reopen(struct edge *e)
{
	access_log_close(e);
	(void)access_log_open(e);
}

void
access_log_write(struct edge *e, const struct access_log_entry *en)
{
	char line[ACCESS_LOG_LINE_MAX];
	size_t n;
	ssize_t w;

	if (e->conf->access_log == NULL)
		return;
	if (!e->access_log_open && access_log_open(e) != RC_OK) {
		e->stats.access_log_errors++;
		return;
	}
	n = access_log_format(line, sizeof(line), time(NULL), en);
	if (n == 0) {
		e->stats.access_log_errors++;
		log_ratelimited(&e->rl_access_log, LOG_WARNING,
		    "access log: line for %s too long, skipped",
		    en->peer ? en->peer : "?");
		return;
	}
	do
		w = write(e->access_log_fd, line, n);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)n) {
		e->stats.access_log_errors++;
		log_ratelimited(&e->rl_access_log, LOG_WARNING,
		    "access log: write failed: %s",
		    w < 0 ? strerror(errno) : "short write");
	}
}
