#include "config.h"

#include "common/log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/monotime.h"

static void log_line(int prio, const char *line, size_t len);
static void log_vformat(int prio, int errnum, const char *fmt, va_list ap)
    LOG_FMT(3, 0);
static bool log_is_enabled(int prio);

/*
 * The logger is the one piece of file-scope state the daemons share.
 * Level and destination may change at startup or on reload while other
 * threads log, hence the atomics; ident and the hook are set up before
 * any thread starts.
 */
static atomic_int log_level = LOG_INFO;
static atomic_bool log_foreground = true;
static log_hook_cb_t log_hook;
static void *log_hook_arg;

void
log_init(const char *ident, bool foreground, int level)
{
	atomic_store(&log_foreground, foreground);
	atomic_store(&log_level, level);
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setlevel(int level)
{
	atomic_store(&log_level, level);
}

int
log_getlevel(void)
{
	return atomic_load(&log_level);
}

void
log_set_hook(log_hook_cb_t cb, void *arg)
{
	log_hook = cb;
	log_hook_arg = arg;
}

static bool
log_is_enabled(int prio)
{
	return prio <= atomic_load(&log_level);
}

/* `line` ends in '\n' at line[len - 1]; one write keeps it whole. */
static void
log_line(int prio, const char *line, size_t len)
{
	char copy[LOG_LINE_MAX];
	ssize_t n;

	if (log_hook != NULL) {
		memcpy(copy, line, len - 1);
		copy[len - 1] = '\0';
		log_hook(prio, copy, log_hook_arg);
		return;
	}
	if (!atomic_load(&log_foreground)) {
		syslog(prio, "%.*s", (int)(len - 1), line);
		return;
	}
	do {
		n = write(STDERR_FILENO, line, len);
	} while (n < 0 && errno == EINTR);
}

/* Format into a stack buffer, append ": strerror" if errnum, then '\n'. */
static void
log_vformat(int prio, int errnum, const char *fmt, va_list ap)
{
	char buf[LOG_LINE_MAX], ebuf[128];
	const char *estr;
	size_t len;
	int n;

	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	if (n < 0)
		n = 0;
	len = (size_t)n < sizeof(buf) - 1 ? (size_t)n : sizeof(buf) - 2;
	if (errnum != 0) {
		estr = strerror_r(errnum, ebuf, sizeof(ebuf));
		n = snprintf(buf + len, sizeof(buf) - 1 - len, ": %s", estr);
		if (n > 0)
			len += (size_t)n < sizeof(buf) - 1 - len ?
			    (size_t)n :
			    sizeof(buf) - 2 - len;
	}
	buf[len++] = '\n';
	log_line(prio, buf, len);
}

void
log_vmsg(int prio, const char *fmt, va_list ap)
{
	if (log_is_enabled(prio))
		log_vformat(prio, 0, fmt, ap);
}

void
log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_NOTICE, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int errnum = errno;

	if (!log_is_enabled(LOG_WARNING))
		return;
	va_start(ap, fmt);
	log_vformat(LOG_WARNING, errnum, fmt, ap);
	va_end(ap);
	errno = errnum;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int errnum = errno;

	va_start(ap, fmt);
	log_vformat(LOG_CRIT, errnum, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vformat(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void
log_ratelimited(struct log_ratelimit *rl, int prio, const char *fmt, ...)
{
	va_list ap;
	uint64_t now;

	if (!log_is_enabled(prio))
		return;
	now = monotime_now();
	if (now - rl->window_start >= MONOTIME_SEC || now < rl->window_start) {
		if (rl->suppressed > 0)
			log_msg(prio, "%u similar lines suppressed",
			    (unsigned)rl->suppressed);
		rl->window_start = now;
		rl->count = 0;
		rl->suppressed = 0;
	}
	if (rl->count >= LOG_RATELIMIT_BURST) {
		rl->suppressed++;
		return;
	}
	rl->count++;
	va_start(ap, fmt);
	log_vformat(prio, 0, fmt, ap);
	va_end(ap);
}
