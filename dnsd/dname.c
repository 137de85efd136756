#include "config.h"

#include "dnsd/dname.h"

#include <stdio.h>
#include <string.h>

#include "common/rc.h"

/* Compression pointers followed before a name is declared malformed. */
#define DNAME_MAX_POINTERS 64

int
dname_read(const uint8_t *pkt, size_t len, size_t *pos, uint8_t *out,
    struct dname_info *info)
{
	size_t p = *pos, end = 0, n = 0;
	size_t lowest = *pos; /* pointers must go below everything read */
	unsigned jumps = 0, labels = 0;

	for (;;) {
		uint8_t c;

		if (p >= len)
			return RC_TRUNCATED;
		c = pkt[p];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (p + 1 >= len)
				return RC_TRUNCATED;
			target = (size_t)(c & 0x3f) << 8 | pkt[p + 1];
			if (target >= lowest || ++jumps > DNAME_MAX_POINTERS)
				return RC_MALFORMED;
			if (end == 0)
				end = p + 2;
			lowest = target;
			p = target;
			continue;
		}
		if (c & 0xc0)
			return RC_MALFORMED; /* 0x40, 0x80: obsolete types */
		if (n + 1 + c > DNAME_MAX)
			return RC_MALFORMED;
		if (c == 0) {
			out[n++] = 0;
			break;
		}
		if (p + 1 + c > len)
			return RC_TRUNCATED;
		if (labels >= DNAME_LABELS_MAX)
			return RC_MALFORMED;
		info->offs[labels++] = (uint8_t)n;
		memcpy(out + n, pkt + p, 1 + (size_t)c);
		n += 1 + (size_t)c;
		p += 1 + (size_t)c;
	}
	info->len = (uint8_t)n;
	info->labels = (uint8_t)labels;
	*pos = end ? end : p + 1;
	return RC_OK;
}

int
dname_check(const uint8_t *name, size_t len, struct dname_info *info)
{
	size_t p = 0;
	unsigned labels = 0;

	while (p < len) {
		uint8_t c = name[p];

		if (c == 0) {
			if (p + 1 != len)
				return RC_MALFORMED;
			info->len = (uint8_t)len;
			info->labels = (uint8_t)labels;
			return RC_OK;
		}
		if (c > 63 || labels >= DNAME_LABELS_MAX)
			return RC_MALFORMED;
		info->offs[labels++] = (uint8_t)p;
		p += 1 + (size_t)c;
	}
	return RC_MALFORMED;
}

void
dname_tolower(uint8_t *dst, const uint8_t *src, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = src[i];

		dst[i] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
	}
}

static inline uint8_t
lc(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

bool
dname_equal(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		uint8_t n = *a;

		if (n != *b)
			return false;
		if (n == 0)
			return true;
		for (unsigned i = 1; i <= n; i++)
			if (lc(a[i]) != lc(b[i]))
				return false;
		a += n + 1;
		b += n + 1;
	}
}

size_t
dname_len(const uint8_t *name)
{
	const uint8_t *p = name;

	while (*p)
		p += *p + 1;
	return (size_t)(p - name) + 1;
}

unsigned
dname_count_labels(const uint8_t *name)
{
	unsigned n = 0;

	for (; *name; name += *name + 1)
		n++;
	return n;
}

bool
dname_is_subdomain(const uint8_t *name, const uint8_t *parent)
{
	unsigned nl = dname_count_labels(name);
	unsigned pl = dname_count_labels(parent);

	if (nl < pl)
		return false;
	while (nl-- > pl)
		name += *name + 1;
	return memcmp(name, parent, dname_len(parent)) == 0;
}

/* FNV-1a style mixing of one label into the hash of the suffix after it. */
static inline uint32_t
hash_label(uint32_t h, const uint8_t *label)
{
	for (unsigned i = 0; i <= label[0]; i++) {
		h ^= label[i];
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

#define DNAME_HASH_SEED 2166136261u

void
dname_hash_suffixes(const uint8_t *name, const struct dname_info *info,
    uint32_t *h)
{
	h[info->labels] = DNAME_HASH_SEED;
	for (int i = (int)info->labels - 1; i >= 0; i--)
		h[i] = hash_label(h[i + 1], name + info->offs[i]);
}

uint32_t
dname_hash(const uint8_t *name)
{
	struct dname_info info;
	uint32_t h[DNAME_LABELS_MAX + 1];

	if (dname_check(name, dname_len(name), &info) != RC_OK)
		return 0;
	dname_hash_suffixes(name, &info, h);
	return h[0];
}

const char *
dname_to_str(const uint8_t *name, char *buf, size_t buflen)
{
	size_t o = 0;

	if (buflen == 0)
		return buf;
	if (*name == 0) {
		snprintf(buf, buflen, ".");
		return buf;
	}
	for (; *name; name += *name + 1) {
		for (unsigned i = 1; i <= *name; i++) {
			uint8_t c = name[i];
			int w;

			if (c == '.' || c == '\\' || c == '"' || c == ';' ||
			    c == '(' || c == ')' || c == '$' || c == '@')
				w = snprintf(buf + o, buflen - o, "\\%c", c);
			else if (c <= 0x20 || c >= 0x7f)
				w = snprintf(buf + o, buflen - o, "\\%03u", c);
			else
				w = snprintf(buf + o, buflen - o, "%c", c);
			if (w < 0 || (size_t)w >= buflen - o)
				return buf;
			o += (size_t)w;
		}
		if (o + 1 < buflen) {
			buf[o++] = '.';
			buf[o] = '\0';
		}
	}
	return buf;
}
