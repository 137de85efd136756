/*
 * status: what gslb-probe shows of its edges, for people and scrapers.
 *
 *	GET /metrics    status_metrics(): per edge its state, suspect flag,
 *	                check outcomes by kind and result, last check times
 *	                (the play check's is the time to first frame), report
 *	                age; per probe state changes, reloads, scheduler
 *	GET /v1/status  status_json(): every edge with its state, each
 *	                check's state and last result/ms/why, its report's
 *	                age, claimed state and load, and whether it is suspect
 *
 * gslb-probe(8) lists every metric. Read-only over the probe; event-loop
 * thread only.
 */
#ifndef PROBE_STATUS_H
#define PROBE_STATUS_H

struct evbuffer;
struct probe;

/* Append the probe's per-edge metrics (Prometheus text) to b. */
void status_metrics(const struct probe *p, struct evbuffer *b);

/* The /v1/status document; caller frees with free(). NULL if out of memory. */
char *status_json(const struct probe *p);

#endif
