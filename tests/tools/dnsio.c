/*
 * dnsio: blocking, deadline-bounded DNS socket helpers for the test tools.
 */
#include "config.h"

#include "tests/tools/dnsio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int dnsio_wait(int fd, short events, int64_t deadline);
static int dnsio_read_full(int fd, uint8_t *buf, size_t len, int64_t deadline);

int
dnsio_addr_parse(const char *s, struct dnsio_addr *a)
{
	char host[128];
	const char *colon, *h = s;
	size_t hlen;
	char *end;
	unsigned long port;

	memset(a, 0, sizeof(*a));
	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			goto fail;
		h = s + 1;
		hlen = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			goto fail;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		goto fail;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port == 0 || port > 65535)
		goto fail;

	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		a->len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		a->len = sizeof(*sin6);
		return 0;
	}
fail:
	fprintf(stderr, "bad address '%s' (want host:port or [v6]:port)\n", s);
	return -1;
}

int64_t
dnsio_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until deadline: 0 ready, DNSIO_TIMEOUT, ERROR. */
static int
dnsio_wait(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int64_t left = deadline - dnsio_now_ms();
		int n;

		if (left <= 0)
			return DNSIO_TIMEOUT;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n == 0)
			return DNSIO_TIMEOUT;
		if (errno != EINTR) {
			perror("poll");
			return DNSIO_ERROR;
		}
	}
}

int
dnsio_open(const struct dnsio_addr *a, int type, int64_t deadline)
{
	int fd, rc, err = 0;
	socklen_t elen = sizeof(err);

	fd = socket(a->ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		perror("socket");
		return DNSIO_ERROR;
	}
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		err = errno;
		goto fail;
	}
	rc = dnsio_wait(fd, POLLOUT, deadline);
	if (rc != 0) {
		close(fd);
		return rc;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
		err = errno;
	if (err == 0)
		return fd;
fail:
	close(fd);
	if (err == ECONNREFUSED || err == ECONNRESET)
		return DNSIO_CLOSED;
	fprintf(stderr, "connect: %s\n", strerror(err));
	return DNSIO_ERROR;
}

int
dnsio_send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				if (dnsio_wait(fd, POLLOUT,
					dnsio_now_ms() + 1000) != 0)
					return DNSIO_ERROR;
				continue;
			}
			if (errno == EPIPE || errno == ECONNRESET ||
			    errno == ECONNREFUSED)
				return DNSIO_CLOSED;
			perror("send");
			return DNSIO_ERROR;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
dnsio_send_tcp_msg(int fd, const uint8_t *msg, size_t len)
{
	uint8_t pfx[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	int rc;

	rc = dnsio_send_all(fd, pfx, sizeof(pfx));
	if (rc == 0)
		rc = dnsio_send_all(fd, msg, len);
	return rc;
}

int
dnsio_recv_udp(int fd, uint8_t *buf, size_t size, int64_t deadline)
{
	for (;;) {
		int rc = dnsio_wait(fd, POLLIN, deadline);
		ssize_t n;

		if (rc != 0)
			return rc;
		n = recv(fd, buf, size, 0);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR || errno == EAGAIN)
			continue;
		if (errno == ECONNREFUSED)
			return DNSIO_CLOSED;
		perror("recv");
		return DNSIO_ERROR;
	}
}

/* Read exactly len bytes; DNSIO_CLOSED when the stream ends first. */
static int
dnsio_read_full(int fd, uint8_t *buf, size_t len, int64_t deadline)
{
	size_t got = 0;

	while (got < len) {
		int rc = dnsio_wait(fd, POLLIN, deadline);
		ssize_t n;

		if (rc != 0)
			return rc;
		n = recv(fd, buf + got, len - got, 0);
		if (n == 0)
			return DNSIO_CLOSED;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == ECONNRESET)
				return DNSIO_CLOSED;
			perror("recv");
			return DNSIO_ERROR;
		}
		got += (size_t)n;
	}
	return 0;
}

int
dnsio_recv_tcp_msg(int fd, uint8_t *buf, size_t size, int64_t deadline)
{
	uint8_t pfx[2], sink[512];
	size_t mlen, keep, rest;
	int rc;

	rc = dnsio_read_full(fd, pfx, 2, deadline);
	if (rc != 0)
		return rc;
	mlen = (size_t)pfx[0] << 8 | pfx[1];
	keep = mlen < size ? mlen : size;
	rc = dnsio_read_full(fd, buf, keep, deadline);
	if (rc != 0)
		return rc;
	for (rest = mlen - keep; rest > 0;) {
		size_t n = rest < sizeof(sink) ? rest : sizeof(sink);

		rc = dnsio_read_full(fd, sink, n, deadline);
		if (rc != 0)
			return rc;
		rest -= n;
	}
	return (int)keep;
}

const char *
dnsio_rcode_str(unsigned rcode, char *buf)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL",
		"NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
		"NXRRSET", "NOTAUTH", "NOTZONE", "RCODE11", "RCODE12",
		"RCODE13", "RCODE14", "RCODE15", "BADVERS", "BADKEY", "BADTIME",
		"BADMODE", "BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE" };

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	snprintf(buf, 16, "RCODE%u", rcode & 0xfffu);
	return buf;
}

const char *
dnsio_opcode_str(unsigned opcode, char *buf)
{
	static const char *const names[] = { "QUERY", "IQUERY", "STATUS",
		"OPCODE3", "NOTIFY", "UPDATE" };

	if (opcode < sizeof(names) / sizeof(names[0]))
		return names[opcode];
	snprintf(buf, 16, "OPCODE%u", opcode & 0xfu);
	return buf;
}

char *
dnsio_flags_str(uint16_t flags, char sep, char *buf)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} tab[] = { { 0x8000, "qr" }, { 0x0400, "aa" }, { 0x0200, "tc" },
		{ 0x0100, "rd" }, { 0x0080, "ra" }, { 0x0040, "z" },
		{ 0x0020, "ad" }, { 0x0010, "cd" } };
	size_t pos = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (!(flags & tab[i].bit))
			continue;
		if (pos > 0)
			buf[pos++] = sep;
		strcpy(buf + pos, tab[i].name);
		pos += strlen(tab[i].name);
	}
	if (pos == 0)
		strcpy(buf, "-");
	return buf;
}

int
dnsio_skip_name(const uint8_t *msg, size_t len, size_t *pos)
{
	size_t p = *pos;

	for (;;) {
		uint8_t l;

		if (p >= len)
			return -1;
		l = msg[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 2 > len)
				return -1;
			*pos = p + 2;
			return 0;
		}
		if (l & 0xc0)
			return -1;
		p += 1 + (size_t)l;
		if (l == 0) {
			*pos = p;
			return 0;
		}
	}
}

int
dnsio_scan(const uint8_t *msg, size_t len, struct dnsio_opt *opt)
{
	unsigned counts[4];
	size_t pos = 12;

	memset(opt, 0, sizeof(*opt));
	if (len < 12)
		return -1;
	for (int i = 0; i < 4; i++)
		counts[i] = (unsigned)msg[4 + 2 * i] << 8 | msg[5 + 2 * i];
	for (unsigned i = 0; i < counts[0]; i++) {
		if (dnsio_skip_name(msg, len, &pos) != 0 || pos + 4 > len)
			return -1;
		pos += 4;
	}
	for (int s = 1; s < 4; s++) {
		for (unsigned i = 0; i < counts[s]; i++) {
			size_t owner = pos;
			uint16_t type, rdlen;

			if (dnsio_skip_name(msg, len, &pos) != 0 ||
			    pos + 10 > len)
				return -1;
			type = (uint16_t)(msg[pos] << 8 | msg[pos + 1]);
			rdlen = (uint16_t)(msg[pos + 8] << 8 | msg[pos + 9]);
			if (pos + 10 + rdlen > len)
				return -1;
			if (type == 41) {
				if (opt->count++ == 0) {
					const uint8_t *t = msg + pos + 4;

					opt->root_owner = msg[owner] == 0;
					opt->payload =
					    (uint16_t)(msg[pos + 2] << 8 |
						msg[pos + 3]);
					opt->ext_rcode = t[0];
					opt->version = t[1];
					opt->flags =
					    (uint16_t)(t[2] << 8 | t[3]);
					opt->rdata = msg + pos + 10;
					opt->rdlen = rdlen;
				}
				if (s == 3)
					opt->in_additional++;
			}
			pos += 10 + (size_t)rdlen;
		}
	}
	return 0;
}

const uint8_t *
dnsio_opt_find(const uint8_t *rdata, size_t rdlen, uint16_t code,
    uint16_t *olen)
{
	size_t pos = 0;

	while (pos + 4 <= rdlen) {
		uint16_t c = (uint16_t)(rdata[pos] << 8 | rdata[pos + 1]);
		uint16_t l = (uint16_t)(rdata[pos + 2] << 8 | rdata[pos + 3]);

		if (pos + 4 + l > rdlen)
			return NULL;
		if (c == code) {
			*olen = l;
			return rdata + pos + 4;
		}
		pos += 4 + (size_t)l;
	}
	return NULL;
}
