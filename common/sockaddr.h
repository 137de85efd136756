/*
 * sockaddr: IPv4/IPv6 socket addresses as config strings and log text.
 *
 * Config files and command lines name listeners and peers as
 *
 *	1.2.3.4:53	1.2.3.4		[::1]:5353	::1
 *
 * where a missing port means the caller's default. Only numeric addresses
 * are accepted: nothing here resolves names (that is common/resolver's
 * job, asynchronously). An IPv6 address with a port needs brackets; a bare
 * IPv6 address always takes the default port, so "::1:53" is the IPv6
 * address ::1:53 on the default port, not ::1 on port 53.
 *
 * sockaddr_fmt() writes the same shape back into a caller's buffer, so a
 * log line can say "[2001:db8::1]:53". Everything here is pure: callable
 * anywhere, from any thread.
 */
#ifndef COMMON_SOCKADDR_H
#define COMMON_SOCKADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Enough for "[" IPv6 "]:" port and the NUL. */
#define SOCKADDR_STRLEN 64

/*
 * Parse `s` (borrowed) into `ss`, with `default_port` when it has none.
 * `*len` (may be NULL) gets the length of the filled sockaddr_in or
 * sockaddr_in6, ready for bind() or connect(). Ports are decimal 0-65535.
 * Returns RC_OK, or RC_MALFORMED (and leaves *ss unspecified) for
 * anything that is not one of the four shapes above.
 */
int sockaddr_parse(const char *s, uint16_t default_port,
    struct sockaddr_storage *ss, socklen_t *len);

/*
 * Write `sa` (borrowed) as "1.2.3.4:53" or "[::1]:53" into buf (len bytes,
 * SOCKADDR_STRLEN is always enough) and return buf. An unknown family
 * gives "(family N)"; a short buffer truncates. Never NULL.
 */
const char *sockaddr_fmt(const struct sockaddr *sa, char *buf, size_t len);

/* Port of an AF_INET/AF_INET6 address in host order; 0 for others. */
uint16_t sockaddr_port(const struct sockaddr *sa);

/* Set the port of an AF_INET/AF_INET6 address; others are unchanged. */
void sockaddr_set_port(struct sockaddr *sa, uint16_t port);

/* sizeof the family's sockaddr (for bind/connect), 0 if unknown. */
socklen_t sockaddr_len(const struct sockaddr *sa);

/*
 * True if a and b have the same family, address and port (IPv6 scope id
 * included). Different families never match, not even v4-mapped ones.
 */
bool sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
