#include "config.h"

#include "common/sockaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "common/rc.h"

static int sockaddr_parse_port(const char *s, uint16_t *port);
static int sockaddr_fill(int af, const char *addr, uint16_t port,
    struct sockaddr_storage *ss, socklen_t *len);

/* Decimal digits only, 0-65535, no sign, no spaces. */
static int
sockaddr_parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (*s == '\0' || strlen(s) > 5)
		return RC_MALFORMED;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return RC_MALFORMED;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return RC_MALFORMED;
	*port = (uint16_t)v;
	return RC_OK;
}

static int
sockaddr_fill(int af, const char *addr, uint16_t port,
    struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (af == AF_INET) {
		if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
			return RC_MALFORMED;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		if (len != NULL)
			*len = sizeof(*sin);
	} else {
		if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
			return RC_MALFORMED;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (len != NULL)
			*len = sizeof(*sin6);
	}
	return RC_OK;
}

int
sockaddr_parse(const char *s, uint16_t default_port,
    struct sockaddr_storage *ss, socklen_t *len)
{
	char addr[INET6_ADDRSTRLEN];
	const char *colon, *close;
	uint16_t port = default_port;
	size_t alen;

	if (s == NULL)
		return RC_MALFORMED;
	if (s[0] == '[') {
		/* "[v6]:port" */
		close = strchr(s, ']');
		if (close == NULL || close[1] != ':')
			return RC_MALFORMED;
		alen = (size_t)(close - s - 1);
		if (alen == 0 || alen >= sizeof(addr))
			return RC_MALFORMED;
		memcpy(addr, s + 1, alen);
		addr[alen] = '\0';
		if (sockaddr_parse_port(close + 2, &port) != RC_OK)
			return RC_MALFORMED;
		return sockaddr_fill(AF_INET6, addr, port, ss, len);
	}
	colon = strchr(s, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		/* Two or more colons: a bare IPv6 address. */
		if (strlen(s) >= sizeof(addr))
			return RC_MALFORMED;
		return sockaddr_fill(AF_INET6, s, port, ss, len);
	}
	if (colon == NULL)
		alen = strlen(s);
	else
		alen = (size_t)(colon - s);
	if (alen == 0 || alen >= sizeof(addr))
		return RC_MALFORMED;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (colon != NULL && sockaddr_parse_port(colon + 1, &port) != RC_OK)
		return RC_MALFORMED;
	return sockaddr_fill(AF_INET, addr, port, ss, len);
}

const char *
sockaddr_fmt(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
	char addr[INET6_ADDRSTRLEN];

	if (len == 0)
		return buf;
	switch (sa->sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		snprintf(buf, len, "%s:%u", addr, ntohs(sin->sin_port));
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
		snprintf(buf, len, "[%s]:%u", addr, ntohs(sin6->sin6_port));
		break;
	default:
		snprintf(buf, len, "(family %d)", (int)sa->sa_family);
		break;
	}
	return buf;
}

uint16_t
sockaddr_port(const struct sockaddr *sa)
{
	switch (sa->sa_family) {
	case AF_INET:
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	case AF_INET6:
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	default:
		return 0;
	}
}

void
sockaddr_set_port(struct sockaddr *sa, uint16_t port)
{
	switch (sa->sa_family) {
	case AF_INET:
		((struct sockaddr_in *)sa)->sin_port = htons(port);
		break;
	case AF_INET6:
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
		break;
	default:
		break;
	}
}

socklen_t
sockaddr_len(const struct sockaddr *sa)
{
	switch (sa->sa_family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	default:
		return 0;
	}
}

bool
sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;
	const struct sockaddr_in *b4 = (const struct sockaddr_in *)b;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)b;

	if (a->sa_family != b->sa_family)
		return false;
	switch (a->sa_family) {
	case AF_INET:
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	case AF_INET6:
		return a6->sin6_port == b6->sin6_port &&
		    a6->sin6_scope_id == b6->sin6_scope_id &&
		    memcmp(&a6->sin6_addr, &b6->sin6_addr,
			sizeof(a6->sin6_addr)) == 0;
	default:
		return false;
	}
}
