/*
 * dnsio: socket and header helpers shared by the test tools dnsdiff,
 * dnsraw and dnscount.
 *
 * The tools judge gslb-dnsd against NSD, so on purpose they share no code
 * with the daemon: a bug in common/ must not hide itself by being on both
 * sides of the comparison. Everything here is blocking I/O bounded by one
 * deadline per exchange; a tool opens a socket, sends, reads what comes
 * back until the deadline, and closes.
 *
 * Lifecycle: dnsio_addr_parse() once per server, then per exchange
 * dnsio_open() -> dnsio_send_*() -> dnsio_recv_*() -> close().
 */
#ifndef TESTS_TOOLS_DNSIO_H
#define TESTS_TOOLS_DNSIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Largest DNS message we handle (the TCP length prefix is 16 bits). */
#define DNSIO_MSG_MAX 65535

/* dnsio_recv_*() results besides a length >= 0. */
#define DNSIO_TIMEOUT (-1) /* nothing arrived before the deadline */
#define DNSIO_CLOSED (-2)  /* the peer closed (TCP) or reset */
#define DNSIO_ERROR (-3)   /* a system call failed, reported on stderr */

struct dnsio_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/*
 * Parse "host:port" or "[v6addr]:port" (numeric addresses only) into a.
 * Returns 0, or -1 after printing why on stderr.
 */
int dnsio_addr_parse(const char *s, struct dnsio_addr *a);

/* Milliseconds on the monotonic clock; deadlines are in this unit. */
int64_t dnsio_now_ms(void);

/*
 * Open a socket of the given type (SOCK_DGRAM or SOCK_STREAM) connected to
 * a; a TCP connect waits at most until deadline. Returns the fd, or
 * DNSIO_TIMEOUT / DNSIO_CLOSED (connection refused) / DNSIO_ERROR.
 */
int dnsio_open(const struct dnsio_addr *a, int type, int64_t deadline);

/* Write all len bytes of buf to fd. Returns 0 or DNSIO_CLOSED/ERROR. */
int dnsio_send_all(int fd, const void *buf, size_t len);

/* Send one message over TCP with its 2-byte length prefix. */
int dnsio_send_tcp_msg(int fd, const uint8_t *msg, size_t len);

/*
 * Read one datagram into buf (size bytes) before deadline. Returns its
 * length or DNSIO_TIMEOUT/CLOSED/ERROR (CLOSED: ICMP port unreachable).
 */
int dnsio_recv_udp(int fd, uint8_t *buf, size_t size, int64_t deadline);

/*
 * Read one length-prefixed message from a TCP stream before deadline.
 * Returns its length (the prefix may say 0) or DNSIO_TIMEOUT/CLOSED/ERROR;
 * a message longer than size is read and cut to size.
 */
int dnsio_recv_tcp_msg(int fd, uint8_t *buf, size_t size, int64_t deadline);

/*
 * Text for a response code: "NOERROR", ..., "BADVERS", or "RCODE<n>".
 * rcode is the full 12-bit value (header bits | OPT extended bits << 4).
 * Returns buf or a static string; buf needs 16 bytes.
 */
const char *dnsio_rcode_str(unsigned rcode, char *buf);

/* Text for an opcode: "QUERY", "IQUERY", "STATUS", "NOTIFY", "UPDATE" or
 * "OPCODE<n>". Same buffer rules as dnsio_rcode_str(). */
const char *dnsio_opcode_str(unsigned opcode, char *buf);

/*
 * Write the set header flags of a message (the 16-bit flags word) as
 * "qr,aa,tc,rd,ra,z,ad,cd" (only those set; "-" when none) into buf, which
 * needs 32 bytes. sep separates the names. Returns buf.
 */
char *dnsio_flags_str(uint16_t flags, char sep, char *buf);

/*
 * Step *pos over the (possibly compressed) name at msg[*pos]; a pointer is
 * not followed. Returns 0 with *pos just past the name, or -1 (then *pos
 * is unchanged) when the name runs past len or uses a reserved label type.
 */
int dnsio_skip_name(const uint8_t *msg, size_t len, size_t *pos);

/* The OPT records found by dnsio_scan(). */
struct dnsio_opt {
	unsigned count;		/* OPT RRs anywhere in the message */
	unsigned in_additional; /* of those, how many in additional */
	bool root_owner;	/* the first OPT's owner is the root */
	uint16_t payload;	/* first OPT: CLASS field */
	uint8_t ext_rcode;	/* first OPT: TTL bits 31-24 */
	uint8_t version;	/* first OPT: TTL bits 23-16 */
	uint16_t flags;		/* first OPT: TTL bits 15-0 (DO = 0x8000) */
	const uint8_t *rdata;	/* first OPT: options, borrowed from msg */
	uint16_t rdlen;
};

/*
 * Walk every record of msg without decoding rdata and collect the OPT
 * records into opt (zeroed first). Returns 0, or -1 when the message does
 * not parse that far (then opt holds what was seen before the problem).
 */
int dnsio_scan(const uint8_t *msg, size_t len, struct dnsio_opt *opt);

/*
 * Find EDNS option code in an OPT rdata. Returns a pointer to its data and
 * sets *olen, or NULL when absent or the rdata is malformed.
 */
const uint8_t *dnsio_opt_find(const uint8_t *rdata, size_t rdlen, uint16_t code,
    uint16_t *olen);

#endif
