/*
 * log: the daemons' logger.
 *
 * Lines go to stderr (foreground, -f) or syslog. Shape: object, event,
 * facts, then old -> new state. log_warn() and fatal() append strerror(errno).
 * Anything a peer can trigger goes through log_ratelimited(), which lets
 * a burst of LOG_RATELIMIT_BURST lines through per second per limiter and
 * then reports how many were suppressed.
 *
 * Thread-safe: each call writes one line atomically (one write(2) of a
 * line formatted on the stack, at most LOG_LINE_MAX bytes; longer lines are
 * cut). A struct log_ratelimit belongs to one thread.
 *
 * Before log_init() the logger writes to stderr at LOG_INFO, so early
 * startup errors and unit tests need no set-up.
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#define LOG_FMT(a, b) __attribute__((format(printf, a, b)))

/* Longest line written, including the appended strerror and newline. */
#define LOG_LINE_MAX 1024

/* Startup: ident for syslog, foreground logs to stderr, level LOG_*. */
void log_init(const char *ident, bool foreground, int level);
void log_setlevel(int level);
int log_getlevel(void);

void log_debug(const char *fmt, ...) LOG_FMT(1, 2);
void log_info(const char *fmt, ...) LOG_FMT(1, 2);
void log_notice(const char *fmt, ...) LOG_FMT(1, 2);
void log_warn(const char *fmt, ...) LOG_FMT(1, 2);
void log_warnx(const char *fmt, ...) LOG_FMT(1, 2);
void fatal(const char *fmt, ...) LOG_FMT(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_FMT(1, 2) __attribute__((noreturn));

/* Log at priority `prio` (LOG_ERR, ...), no errno. Anywhere. */
void log_msg(int prio, const char *fmt, ...) LOG_FMT(2, 3);
void log_vmsg(int prio, const char *fmt, va_list ap) LOG_FMT(2, 0);

/*
 * Test hook: while set, every line that passes the level filter goes to
 * cb (without the newline) instead of stderr or syslog; `line` is borrowed
 * for the call. NULL restores normal output. Startup or tests only.
 */
typedef void (*log_hook_cb_t)(int prio, const char *line, void *arg);
void log_set_hook(log_hook_cb_t cb, void *arg);

#define LOG_RATELIMIT_BURST 10

/* One per message site; zero-initialise (LOG_RATELIMIT_INIT). */
struct log_ratelimit {
	uint64_t window_start;
	uint32_t count;
	uint32_t suppressed;
};
/* clang-format off */
#define LOG_RATELIMIT_INIT {0, 0, 0}
/* clang-format on */

/*
 * Log at `prio` unless this limiter is over its burst in the current
 * one-second window (timed by monotime_now()). The first line let through
 * in a later window is preceded by one "N similar lines suppressed" line.
 * Lines below the log level neither print nor count. Anywhere, but one
 * limiter must not be shared between threads.
 */
void log_ratelimited(struct log_ratelimit *rl, int prio, const char *fmt, ...)
    LOG_FMT(3, 4);

#endif
