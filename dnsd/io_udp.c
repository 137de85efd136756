/*
 * io_udp: the UDP query workers.
 *
 * Every listen address gets `workers` sockets bound with SO_REUSEPORT, so
 * the kernel spreads clients over them, and one thread per socket. A
 * thread blocks in recvmmsg() for a batch, answers it from the current
 * snapshot and sends every answer with one sendmmsg(): two system calls
 * per batch, no locks, no allocation.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/rc.h"
#include "common/sockaddr.h"
#include "dnsd/dnsd.h"

static void *io_udp_main(void *arg);

static int
io_udp_socket(const struct sockaddr *sa, socklen_t len)
{
	char buf[SOCKADDR_STRLEN];
	int fd, on = 1, rcvbuf = 4 * 1024 * 1024;

	fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("udp %s: socket", sockaddr_fmt(sa, buf, sizeof(buf)));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, sa, len) < 0) {
		log_warn("udp %s: bind", sockaddr_fmt(sa, buf, sizeof(buf)));
		close(fd);
		return -1;
	}
	return fd;
}

static unsigned
io_udp_nthreads(const struct dnsd *d)
{
	long n = d->conf->workers;

	if (n == 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > DNSD_WORKERS_MAX)
		n = DNSD_WORKERS_MAX;
	return (unsigned)n;
}

int
dnsd_udp_open(struct dnsd *d)
{
	unsigned per = io_udp_nthreads(d), k = 0;

	d->nworkers = per * d->conf->listen_count;
	d->workers = xcalloc(d->nworkers, sizeof(*d->workers));
	for (unsigned i = 0; i < d->conf->listen_count; i++) {
		struct sockaddr_storage ss;
		socklen_t len;

		if (sockaddr_parse(d->conf->listen[i], DNSD_DEFAULT_PORT, &ss,
			&len) != RC_OK)
			return RC_CONFIG;
		for (unsigned j = 0; j < per; j++, k++) {
			struct dnsd_worker *w = &d->workers[k];

			w->d = d;
			w->fd = io_udp_socket((struct sockaddr *)&ss, len);
			if (w->fd < 0)
				return RC_IO;
			w->v6 = ss.ss_family == AF_INET6;
			w->q.stats = &w->stats;
			gslb_worker_init(&w->gw, k,
			    (uint64_t)k * 7919 + (uint64_t)getpid());
			w->q.gw = &w->gw;
			w->rbuf = xcalloc(DNSD_UDP_BATCH, sizeof(*w->rbuf));
			w->sbuf = xcalloc(DNSD_UDP_BATCH, sizeof(*w->sbuf));
		}
		log_info("udp %s: %u worker%s", d->conf->listen[i], per,
		    per == 1 ? "" : "s");
	}
	for (k = 0; k < d->nworkers; k++) {
		struct dnsd_worker *w = &d->workers[k];

		if (pthread_create(&w->thread, NULL, io_udp_main, w) != 0)
			fatalx("cannot start a UDP worker thread");
		w->started = true;
	}
	return RC_OK;
}

void
dnsd_udp_close(struct dnsd *d)
{
	atomic_store(&d->stopping, true);
	for (unsigned k = 0; k < d->nworkers; k++)
		if (d->workers[k].fd >= 0)
			shutdown(d->workers[k].fd, SHUT_RDWR);
	for (unsigned k = 0; k < d->nworkers; k++) {
		struct dnsd_worker *w = &d->workers[k];

		if (w->started)
			pthread_join(w->thread, NULL);
		if (w->fd >= 0)
			close(w->fd);
		free(w->rbuf);
		free(w->sbuf);
	}
	free(d->workers);
	d->workers = NULL;
	d->nworkers = 0;
}

static void *
io_udp_main(void *arg)
{
	struct dnsd_worker *w = arg;
	struct dnsd *d = w->d;
	struct mmsghdr rmsg[DNSD_UDP_BATCH], smsg[DNSD_UDP_BATCH];
	struct iovec riov[DNSD_UDP_BATCH], siov[DNSD_UDP_BATCH];
	struct sockaddr_storage from[DNSD_UDP_BATCH];

	for (unsigned i = 0; i < DNSD_UDP_BATCH; i++) {
		riov[i].iov_base = w->rbuf[i];
		riov[i].iov_len = DNSD_UDP_BUF;
		memset(&rmsg[i], 0, sizeof(rmsg[i]));
		rmsg[i].msg_hdr.msg_iov = &riov[i];
		rmsg[i].msg_hdr.msg_iovlen = 1;
	}
	while (!atomic_load(&d->stopping)) {
		const struct dnsd_snap *snap;
		unsigned nsend = 0;
		int n;

		for (unsigned i = 0; i < DNSD_UDP_BATCH; i++) {
			rmsg[i].msg_hdr.msg_name = &from[i];
			rmsg[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		atomic_store(&w->active, 0);
		n = recvmmsg(w->fd, rmsg, DNSD_UDP_BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0) {
			if (n < 0 &&
			    (errno == EINTR || errno == EAGAIN ||
				errno == ENOMEM || errno == ENOBUFS))
				continue;
			if (atomic_load(&d->stopping))
				break;
			continue;
		}
		STATS_INC(w->stats.udp_batches);
		STATS_INC(w->stats.udp_batches);
		atomic_store(&w->active, atomic_load(&d->gen));
		snap = atomic_load(&d->snap);
		for (int i = 0; i < n; i++) {
			size_t len = rmsg[i].msg_len, out;

			if (rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) {
				STATS_INC(w->stats.dropped[STATS_DROP_TOOBIG]);
				continue;
			}
			out = query_answer(&w->q, &snap->env, w->rbuf[i], len,
			    w->sbuf[nsend], DNSD_UDP_BUF, false,
			    (struct sockaddr *)&from[i]);
			if (out == 0)
				continue;
			siov[nsend].iov_base = w->sbuf[nsend];
			siov[nsend].iov_len = out;
			memset(&smsg[nsend], 0, sizeof(smsg[nsend]));
			smsg[nsend].msg_hdr.msg_name = &from[i];
			smsg[nsend].msg_hdr.msg_namelen =
			    rmsg[i].msg_hdr.msg_namelen;
			smsg[nsend].msg_hdr.msg_iov = &siov[nsend];
			smsg[nsend].msg_hdr.msg_iovlen = 1;
			nsend++;
		}
		atomic_store(&w->active, 0);
		for (unsigned done = 0; done < nsend;) {
			int s = sendmmsg(w->fd, smsg + done, nsend - done, 0);

			if (s < 0) {
				if (errno == EINTR)
					continue;
				/* Skip the datagram the kernel refused. */
				done++;
				continue;
			}
			done += (unsigned)s;
		}
	}
	atomic_store(&w->active, 0);
	return NULL;
}
