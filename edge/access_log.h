/*
 * access_log: one line per player session, written when it ends.
 *
 * The file is gslb-edge.conf(5)'s access_log (a path relative to the
 * config file's directory), opened with O_APPEND so that each line is
 * one write(2) and external rotation works: move the file away, then
 * SIGHUP makes the edge reopen it (access_log_reopen). A line:
 *
 *	2024-05-01T12:00:00Z 127.0.0.1:40112 vod mp4:Test/3d5.mp4
 *	    play-vod 412345 3456 5.210 38 closed
 *
 *	time      end of the session, ISO 8601 UTC, seconds
 *	client    address:port of the peer
 *	app       application from connect, or "-"
 *	stream    stream name as played or published (no "?query"), or "-"
 *	kind      play-live | play-vod | publish | none
 *	out, in   bytes written to and read from the peer (RTMP, all of it)
 *	duration  seconds from accept to close, millisecond precision
 *	ttff      ms from play/publish to the first audio or video frame
 *	          written (players) or received (publishers), or "-"
 *	end       closed | timeout | stalled | not-found | shutdown |
 *	          error:<reason> | rejected:<why>
 *
 * Fields never contain spaces: bytes outside '!'..'~' and '%' in app,
 * stream and reasons are written as %XX.
 *
 * A write error never stops the edge: it is counted
 * (stats.access_log_errors) and logged at most ten times a second.
 * State lives in struct edge (access_log_open, access_log_fd,
 * rl_access_log); no heap. Lifecycle: access_log_open() at startup
 * (access_log_write() opens the file itself if that did not happen),
 * access_log_reopen() on SIGHUP, access_log_close() at the end. Event
 * loop thread only.
 */
#ifndef EDGE_ACCESS_LOG_H
#define EDGE_ACCESS_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct edge;

#define ACCESS_LOG_LINE_MAX 2048u

/* One finished session; strings borrowed, NULL or "" written as "-". */
struct access_log_entry {
	const char *peer;
	const char *app;
	const char *stream;
	const char *kind;
	const char *end;
	uint64_t bytes_out, bytes_in;
	uint64_t duration_ms;
	int64_t ttff_ms; /* < 0: no frame */
};

/*
 * Format `en` ending at wall time `t` as one line with its newline into
 * buf (len bytes). Returns the line's length, or 0 if len is too small
 * (ACCESS_LOG_LINE_MAX always fits names up to RTMP_CMD_NAME_MAX / 3).
 * Pure.
 */
size_t access_log_format(char *buf, size_t len, time_t t,
    const struct access_log_entry *en);

/*
 * Open e->conf->access_log for appending (no-op without one). Returns
 * RC_OK, or RC_IO (logged; lines are then counted as errors and the
 * file is retried at the next reopen). Startup or event loop.
 */
int access_log_open(struct edge *e);

/* Close and open again (SIGHUP, after rotation). Event loop. */
void access_log_reopen(struct edge *e);

/* Close; access_log_open() may follow. NULL-safe on a closed log. */
void access_log_close(struct edge *e);

/* Append the line for `en` (borrowed) now. Event loop. */
void access_log_write(struct edge *e, const struct access_log_entry *en);

#endif
