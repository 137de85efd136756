/*
 * wire: bounded cursors for reading and writing network byte strings.
 *
 * A reader walks a borrowed buffer. Every access is bounds-checked; the
 * first failure sets `err` and makes every later access a no-op that yields
 * zeros, so a decoder reads a whole structure and checks w->err once at the
 * end:
 *
 *	struct wire_reader w;
 *	wire_reader_init(&w, pkt, len);
 *	id = wire_get_u16(&w);
 *	flags = wire_get_u16(&w);
 *	if (w.err)
 *		return RC_TRUNCATED;
 *
 * A writer fills a borrowed buffer of fixed capacity the same way; on
 * overflow it stops writing and sets `err`, so "does this answer fit" is one
 * check after building it. Nothing here allocates.
 */
#ifndef COMMON_WIRE_H
#define COMMON_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wire_reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	bool err;
};

struct wire_writer {
	uint8_t *buf;
	size_t cap;
	size_t pos;
	bool err;
};

static inline void
wire_reader_init(struct wire_reader *w, const void *buf, size_t len)
{
	w->buf = buf;
	w->len = len;
	w->pos = 0;
	w->err = false;
}

static inline size_t
wire_remaining(const struct wire_reader *w)
{
	return w->err ? 0 : w->len - w->pos;
}

static inline bool
wire_need(struct wire_reader *w, size_t n)
{
	if (w->err || w->len - w->pos < n) {
		w->err = true;
		return false;
	}
	return true;
}

static inline uint8_t
wire_get_u8(struct wire_reader *w)
{
	if (!wire_need(w, 1))
		return 0;
	return w->buf[w->pos++];
}

static inline uint16_t
wire_get_u16(struct wire_reader *w)
{
	uint16_t v;

	if (!wire_need(w, 2))
		return 0;
	v = (uint16_t)(w->buf[w->pos] << 8 | w->buf[w->pos + 1]);
	w->pos += 2;
	return v;
}

static inline uint32_t
wire_get_u32(struct wire_reader *w)
{
	uint32_t v;

	if (!wire_need(w, 4))
		return 0;
	v = (uint32_t)w->buf[w->pos] << 24 |
	    (uint32_t)w->buf[w->pos + 1] << 16 |
	    (uint32_t)w->buf[w->pos + 2] << 8 | w->buf[w->pos + 3];
	w->pos += 4;
	return v;
}

/* Copy n bytes out, or zero-fill `out` on error. */
static inline void
wire_get_bytes(struct wire_reader *w, void *out, size_t n)
{
	if (!wire_need(w, n)) {
		memset(out, 0, n);
		return;
	}
	memcpy(out, w->buf + w->pos, n);
	w->pos += n;
}

/* Borrow n bytes in place; NULL on error. */
static inline const uint8_t *
wire_get_ptr(struct wire_reader *w, size_t n)
{
	const uint8_t *p;

	if (!wire_need(w, n))
		return NULL;
	p = w->buf + w->pos;
	w->pos += n;
	return p;
}

static inline void
wire_skip(struct wire_reader *w, size_t n)
{
	if (wire_need(w, n))
		w->pos += n;
}

static inline void
wire_writer_init(struct wire_writer *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->pos = 0;
	w->err = false;
}

static inline bool
wire_room(struct wire_writer *w, size_t n)
{
	if (w->err || w->cap - w->pos < n) {
		w->err = true;
		return false;
	}
	return true;
}

static inline void
wire_put_u8(struct wire_writer *w, uint8_t v)
{
	if (wire_room(w, 1))
		w->buf[w->pos++] = v;
}

static inline void
wire_put_u16(struct wire_writer *w, uint16_t v)
{
	if (!wire_room(w, 2))
		return;
	w->buf[w->pos] = (uint8_t)(v >> 8);
	w->buf[w->pos + 1] = (uint8_t)v;
	w->pos += 2;
}

static inline void
wire_put_u32(struct wire_writer *w, uint32_t v)
{
	if (!wire_room(w, 4))
		return;
	w->buf[w->pos] = (uint8_t)(v >> 24);
	w->buf[w->pos + 1] = (uint8_t)(v >> 16);
	w->buf[w->pos + 2] = (uint8_t)(v >> 8);
	w->buf[w->pos + 3] = (uint8_t)v;
	w->pos += 4;
}

static inline void
wire_put_bytes(struct wire_writer *w, const void *p, size_t n)
{
	if (wire_room(w, n)) {
		memcpy(w->buf + w->pos, p, n);
		w->pos += n;
	}
}

/* Overwrite a u16 already written at `at` (lengths, counts). */
static inline void
wire_patch_u16(struct wire_writer *w, size_t at, uint16_t v)
{
	if (at + 2 <= w->pos) {
		w->buf[at] = (uint8_t)(v >> 8);
		w->buf[at + 1] = (uint8_t)v;
	}
}

#endif
