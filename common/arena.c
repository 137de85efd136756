#include "config.h"

#include "common/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"

/*
 * Chunks form a list, newest first; only the head is filled. A dedicated
 * chunk for a big request is linked second, so the head keeps its room.
 */
struct arena_chunk {
	struct arena_chunk *next;
	size_t size; /* usable bytes in data[] */
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
	struct arena_chunk *chunks;
	size_t chunk_size;
	size_t used;
	size_t reserved;
};

static struct arena_chunk *arena_chunk_new(struct arena *a, size_t size);
static size_t arena_round(size_t size);

static size_t
arena_round(size_t size)
{
	if (size > SIZE_MAX - (ARENA_ALIGN - 1))
		fatalx("arena: allocation of %zu bytes overflows", size);
	return (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

static struct arena_chunk *
arena_chunk_new(struct arena *a, size_t size)
{
	struct arena_chunk *c;

	if (size > SIZE_MAX - sizeof(*c))
		fatalx("arena: allocation of %zu bytes overflows", size);
	c = xmalloc(sizeof(*c) + size);
	c->next = NULL;
	c->size = size;
	c->used = 0;
	a->reserved += size;
	return c;
}

struct arena *
arena_new(size_t chunk_size)
{
	struct arena *a;

	a = xcalloc(1, sizeof(*a));
	a->chunk_size =
	    arena_round(chunk_size ? chunk_size : ARENA_CHUNK_DEFAULT);
	return a;
}

void *
arena_alloc(struct arena *a, size_t size)
{
	struct arena_chunk *c;
	void *p;

	size = arena_round(size);
	a->used += size;
	if (size > a->chunk_size / 4) {
		/* Own chunk, behind the head so the head keeps its room. */
		c = arena_chunk_new(a, size);
		c->used = size;
		if (a->chunks == NULL) {
			a->chunks = c;
		} else {
			c->next = a->chunks->next;
			a->chunks->next = c;
		}
		return c->data;
	}
	c = a->chunks;
	if (c == NULL || c->size - c->used < size) {
		c = arena_chunk_new(a, a->chunk_size);
		c->next = a->chunks;
		a->chunks = c;
	}
	p = c->data + c->used;
	c->used += size;
	return p;
}

void *
arena_zalloc(struct arena *a, size_t size)
{
	void *p;

	p = arena_alloc(a, size);
	memset(p, 0, size);
	return p;
}

void *
arena_memdup(struct arena *a, const void *p, size_t len)
{
	void *q;

	q = arena_alloc(a, len);
	if (len > 0)
		memcpy(q, p, len);
	return q;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_memdup(a, s, strlen(s) + 1);
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *q;

	n = strnlen(s, n);
	q = arena_alloc(a, n + 1);
	memcpy(q, s, n);
	q[n] = '\0';
	return q;
}

size_t
arena_bytes_used(const struct arena *a)
{
	return a->used;
}

size_t
arena_bytes_reserved(const struct arena *a)
{
	return a->reserved;
}

void
arena_free(struct arena *a)
{
	struct arena_chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}
