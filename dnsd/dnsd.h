/*
 * dnsd: the gslb-dnsd daemon context.
 *
 * One struct dnsd holds everything the daemon owns. Query workers (one
 * thread per UDP socket) read the published zone database through
 * dnsd_db_enter(); the main thread runs libevent for signals, TCP and the
 * control port, and is the only writer.
 *
 * Publication is a small epoch scheme in the spirit of QSBR:
 *
 *   main:   db = new; gen++              worker:  loop {
 *           retire(old, gen)                         active = 0     (blocking
 *           ... tick: free old when every            recvmmsg()      in recv)
 *           worker is at 0 or >= gen                 active = gen
 *                                                    db = load(db)
 *                                                    answer batch }
 *
 * A worker that is blocked holds no pointer; one that is answering holds
 * the database it loaded after announcing the generation it saw, so an
 * old database is freed only once no worker can still be reading it. The
 * query path takes no lock and makes no syscall for this.
 */
#ifndef DNSD_DNSD_H
#define DNSD_DNSD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dnsd/dnsd_conf.h"
#include "dnsd/gslb.h"
#include "dnsd/query.h"
#include "dnsd/stats.h"

struct gslb_hyst;
struct state;
struct gslb_input;
struct gslb_topo;
struct loop;
struct loop_timer;
struct zonedb;
struct evconnlistener;
struct evhttp;

#define DNSD_UDP_BATCH 32
#define DNSD_UDP_BUF 4096

struct dnsd;

struct dnsd_worker {
	struct dnsd *d;
	pthread_t thread;
	int fd;
	bool v6;
	bool started;
	_Atomic uint64_t active; /* generation in use, 0 when blocked */
	struct dnsd_stats stats;
	struct query q;
	struct gslb_worker gw;
	uint8_t (*rbuf)[DNSD_UDP_BUF];
	uint8_t (*sbuf)[DNSD_UDP_BUF];
};

/* What the workers read: zones and per-query settings, immutable. */
struct dnsd_snap {
	struct query_env env; /* env.db is owned */
};

struct dnsd_retired {
	struct dnsd_snap *snap;
	uint64_t gen;
	struct dnsd_retired *next;
};

struct dnsd_tcp_stats {
	uint64_t connections;
	uint64_t rejected;
	uint64_t timeouts;
	uint64_t current;
};

struct dnsd {
	const char *conf_path;
	struct dnsd_conf *conf;
	struct loop *loop;
	struct loop_timer *tick;
	_Atomic(struct dnsd_snap *) snap;
	_Atomic uint64_t gen;
	_Atomic bool stopping;
	struct dnsd_retired *retired;
	/* The current data, main thread; snapshots are built from it. */
	struct zonedb *db;
	struct gslb_topo *gtp;
	struct gslb_input *inputs; /* per edge of gtp */
	struct gslb_hyst *hyst;
	struct state *state; /* feeds and overrides (state.c) */
	struct dnsd_worker *workers;
	unsigned nworkers;
	/* TCP and control run in the main thread. */
	struct evconnlistener **tcp;
	unsigned ntcp;
	struct query tcp_q;
	struct gslb_worker tcp_gw;
	struct dnsd_stats tcp_stats;
	struct dnsd_tcp_stats tcp_counts;
	struct evhttp *http;
	uint64_t reloads_ok, reloads_failed;
	uint64_t ticks;
	uint64_t started_at;
};

/*
 * Load the config, the topology and GeoIP database it names (when it
 * does), and the zones with the pools' names in them. Every problem is
 * logged with its file and line. RC_OK with all three set (*tp may be
 * NULL: no topology), or RC_CONFIG with nothing changed. Main thread.
 */
int dnsd_load(const char *path, struct dnsd_conf **cf, struct zonedb **db,
    struct gslb_topo **tp);
/* Counter slots the config needs: every UDP worker plus TCP. */
unsigned dnsd_conf_slots(const struct dnsd_conf *cf);

/* Bring up sockets, workers, TCP and control. Startup; fatal on error. */
void dnsd_start(struct dnsd *d);
/* Stop everything and free. */
void dnsd_stop(struct dnsd *d);
/* SIGHUP: reload config and zones; a failure keeps the old ones. */
void dnsd_reload(struct dnsd *d);
/* Make db and tp (both owned from now on) the current data. */
void dnsd_set_data(struct dnsd *d, struct zonedb *db, struct gslb_topo *tp);
/* Drop the current data (at exit). */
void dnsd_set_data_free(struct dnsd *d);
/* Set what is known of one edge; call dnsd_publish() after a batch. */
void dnsd_set_input(struct dnsd *d, unsigned edge, const struct gslb_input *in);
/* Publish a snapshot of the current data, settings and edge state to the
 * workers; main thread. */
void dnsd_publish(struct dnsd *d);
/* Free a snapshot and its database. */
void dnsd_snap_free(struct dnsd_snap *s);
/* Free retired databases no worker can still see; main thread. */
void dnsd_reclaim(struct dnsd *d);

/* UDP workers (io_udp.c). */
int dnsd_udp_open(struct dnsd *d);
void dnsd_udp_close(struct dnsd *d);
/* TCP (io_tcp.c). */
int dnsd_tcp_open(struct dnsd *d);
void dnsd_tcp_close(struct dnsd *d);
/* Control HTTP (control.c). */
int dnsd_control_open(struct dnsd *d);
void dnsd_control_close(struct dnsd *d);
/* Sum every worker's counters with TCP's into `out`. */
void dnsd_stats_sum(struct dnsd *d, struct dnsd_stats *out);

#endif
