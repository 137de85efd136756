/*
 * dnsraw: send hand-made DNS packets and summarize what comes back.
 *
 *	dnsraw [--tcp | --tcp-raw] [--timeout MS] [--shut] HOST:PORT [HEX...]
 *
 * The packet is hex (the arguments joined, or stdin when there are none);
 * whitespace is ignored and ',' separates several packets, which are sent
 * back to back before any reply is read (pipelining over TCP).
 *
 *	--tcp       TCP, each packet gets its 2-byte length prefix
 *	--tcp-raw   TCP, the bytes go out exactly as given (write your own
 *	            prefix, or a wrong one); replies are read until the
 *	            server closes or stays silent for the timeout, and
 *	            that last state is printed too
 *	--shut      half-close (shutdown SHUT_WR) after sending
 *	--timeout   how long to wait for each reply, default 1000 ms
 *
 * One line per reply:
 *
 *	rcode=FORMERR flags=qr,aa id=4660 qd=1 an=0 ns=0 ar=0
 *
 * followed by " opcode=NAME" when the opcode is not QUERY and by
 * " edns=vN[,do]" when the reply carries an OPT record (whose extended bits
 * are already folded into rcode). A reply shorter than a header prints
 * "short reply (N bytes)". When an expected reply does not come the line is
 * "no response" (timeout) or "closed" (the server closed the TCP
 * connection, or ICMP port unreachable over UDP). Exit status is 0 whatever
 * the server did, 2 on usage errors.
 */
#include "config.h"

#include "tests/tools/dnsio.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DNSRAW_MAX_PACKETS 64

enum dnsraw_mode {
	DNSRAW_UDP,
	DNSRAW_TCP,
	DNSRAW_TCP_RAW
};

struct dnsraw_packet {
	uint8_t *buf;
	size_t len;
};

static void dnsraw_usage(void);
static int dnsraw_hex_value(int c);
static size_t dnsraw_parse(const char *text, struct dnsraw_packet *pkts,
    size_t max);
static void dnsraw_summary(const uint8_t *msg, int len);
static char *dnsraw_read_stdin(void);
static char *dnsraw_input(int argc, char **argv, int first);
static int dnsraw_exchange(const struct dnsio_addr *addr, enum dnsraw_mode mode,
    bool shut, long timeout, const struct dnsraw_packet *pkts, size_t npkts);

static void
dnsraw_usage(void)
{
	fprintf(stderr,
	    "usage: dnsraw [--tcp | --tcp-raw] [--timeout MS] "
	    "[--shut] HOST:PORT [HEX...]\n");
	exit(2);
}

static int
dnsraw_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode text into packets; exits on bad input. Returns the count. */
static size_t
dnsraw_parse(const char *text, struct dnsraw_packet *pkts, size_t max)
{
	size_t n = 0, len = strlen(text);
	int hi = -1;

	pkts[0].buf = malloc(len / 2 + 1);
	pkts[0].len = 0;
	if (pkts[0].buf == NULL)
		abort();
	for (const char *p = text; *p; p++) {
		int v;

		if (isspace((unsigned char)*p))
			continue;
		if (*p == ',') {
			if (hi >= 0 || n + 1 >= max)
				goto fail;
			n++;
			pkts[n].buf = malloc(len / 2 + 1);
			pkts[n].len = 0;
			if (pkts[n].buf == NULL)
				abort();
			continue;
		}
		v = dnsraw_hex_value((unsigned char)*p);
		if (v < 0)
			goto fail;
		if (hi < 0) {
			hi = v;
		} else {
			pkts[n].buf[pkts[n].len++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		goto fail;
	return n + 1;
fail:
	fprintf(stderr,
	    "dnsraw: bad hex input (odd digit count, a non-hex "
	    "character or too many packets)\n");
	exit(2);
}

static void
dnsraw_summary(const uint8_t *msg, int len)
{
	struct dnsio_opt opt;
	uint16_t flags;
	unsigned rcode, opcode;
	char fbuf[32], rbuf[16], obuf[16];

	if (len == DNSIO_TIMEOUT) {
		printf("no response\n");
		return;
	}
	if (len < 0) {
		printf("closed\n");
		return;
	}
	if (len < 12) {
		printf("short reply (%d bytes)\n", len);
		return;
	}
	flags = (uint16_t)(msg[2] << 8 | msg[3]);
	rcode = flags & 0xf;
	opcode = (flags >> 11) & 0xf;
	dnsio_scan(msg, (size_t)len, &opt);
	if (opt.count > 0)
		rcode |= (unsigned)opt.ext_rcode << 4;
	printf("rcode=%s flags=%s id=%u qd=%u an=%u ns=%u ar=%u",
	    dnsio_rcode_str(rcode, rbuf), dnsio_flags_str(flags, ',', fbuf),
	    (unsigned)(msg[0] << 8 | msg[1]), (unsigned)(msg[4] << 8 | msg[5]),
	    (unsigned)(msg[6] << 8 | msg[7]), (unsigned)(msg[8] << 8 | msg[9]),
	    (unsigned)(msg[10] << 8 | msg[11]));
	if (opcode != 0)
		printf(" opcode=%s", dnsio_opcode_str(opcode, obuf));
	if (opt.count > 0)
		printf(" edns=v%u%s", opt.version,
		    (opt.flags & 0x8000) ? ",do" : "");
	printf("\n");
}

/* Read all of stdin into a string; exits on failure. */
static char *
dnsraw_read_stdin(void)
{
	size_t len = 0, cap = 4096;
	char *s = malloc(cap);

	if (s == NULL)
		abort();
	for (;;) {
		size_t n = fread(s + len, 1, cap - len - 1, stdin);

		len += n;
		if (n == 0)
			break;
		if (len + 1 == cap) {
			cap *= 2;
			s = realloc(s, cap);
			if (s == NULL)
				abort();
		}
	}
	s[len] = '\0';
	return s;
}

/* The hex from the arguments after argv[first], or stdin without any. */
static char *
dnsraw_input(int argc, char **argv, int first)
{
	size_t textlen = 1;
	char *text;

	if (first == argc)
		return dnsraw_read_stdin();
	for (int i = first; i < argc; i++)
		textlen += strlen(argv[i]) + 1;
	text = calloc(1, textlen);
	if (text == NULL)
		abort();
	for (int i = first; i < argc; i++) {
		strcat(text, argv[i]);
		strcat(text, " ");
	}
	return text;
}

/*
 * Send the packets, then print a summary per reply until each packet has
 * one (UDP, TCP) or the server closes or goes quiet (raw TCP). Returns 0,
 * or 2 when a system call failed.
 */
static int
dnsraw_exchange(const struct dnsio_addr *addr, enum dnsraw_mode mode, bool shut,
    long timeout, const struct dnsraw_packet *pkts, size_t npkts)
{
	static uint8_t reply[DNSIO_MSG_MAX];
	int fd, rc = 0;

	fd = dnsio_open(addr, mode == DNSRAW_UDP ? SOCK_DGRAM : SOCK_STREAM,
	    dnsio_now_ms() + timeout);
	if (fd < 0) {
		/* A refused TCP connect is an answer too. */
		if (fd == DNSIO_ERROR)
			return 2;
		dnsraw_summary(NULL, fd);
		return 0;
	}
	for (size_t i = 0; i < npkts && rc == 0; i++) {
		if (mode == DNSRAW_TCP)
			rc = dnsio_send_tcp_msg(fd, pkts[i].buf, pkts[i].len);
		else
			rc = dnsio_send_all(fd, pkts[i].buf, pkts[i].len);
	}
	if (shut && mode != DNSRAW_UDP)
		shutdown(fd, SHUT_WR);
	/* A send that failed because the server already closed still lets us
	 * read what it said before closing. */
	for (size_t i = 0; mode == DNSRAW_TCP_RAW || i < npkts; i++) {
		int64_t deadline = dnsio_now_ms() + timeout;
		int len = mode == DNSRAW_UDP ?
		    dnsio_recv_udp(fd, reply, sizeof(reply), deadline) :
		    dnsio_recv_tcp_msg(fd, reply, sizeof(reply), deadline);

		if (len == DNSIO_ERROR) {
			close(fd);
			return 2;
		}
		dnsraw_summary(reply, len);
		if (len < 0)
			break;
	}
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tcp", no_argument, NULL, 't' },
		{ "tcp-raw", no_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "shut", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dnsraw_packet pkts[DNSRAW_MAX_PACKETS];
	enum dnsraw_mode mode = DNSRAW_UDP;
	struct dnsio_addr addr;
	bool shut = false;
	long timeout = 1000;
	size_t npkts;
	char *text, *end;
	int c, rc;

	while ((c = getopt_long(argc, argv, "trT:sh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			mode = DNSRAW_TCP;
			break;
		case 'r':
			mode = DNSRAW_TCP_RAW;
			break;
		case 'T':
			errno = 0;
			timeout = strtol(optarg, &end, 10);
			if (errno || *end || timeout <= 0 || timeout > 600000)
				dnsraw_usage();
			break;
		case 's':
			shut = true;
			break;
		default:
			dnsraw_usage();
		}
	}
	if (optind >= argc || dnsio_addr_parse(argv[optind], &addr) != 0)
		dnsraw_usage();
	text = dnsraw_input(argc, argv, optind + 1);
	npkts = dnsraw_parse(text, pkts, DNSRAW_MAX_PACKETS);
	free(text);
	rc = dnsraw_exchange(&addr, mode, shut, timeout, pkts, npkts);
	for (size_t i = 0; i < npkts; i++)
		free(pkts[i].buf);
	return rc;
}
