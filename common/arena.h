/*
 * arena: a bump allocator for data that lives and dies together.
 *
 * Zone data, compiled answers and config indexes are built once, read many
 * times and freed whole: an arena hands out memory from large chunks and
 * frees them all in arena_free(). There is no per-object free.
 *
 * Requests larger than a quarter of the chunk size get a chunk of their
 * own, so one big object never wastes the tail of a normal chunk.
 * Allocation aborts on out of memory, like the x* allocators.
 *
 * Not thread-safe: build an arena in one thread, then publish it read-only
 * (e.g. by an atomic pointer swap) and free it once no reader is left.
 */
#ifndef COMMON_ARENA_H
#define COMMON_ARENA_H

#include <stddef.h>

/* Alignment of every arena_alloc() result. */
#define ARENA_ALIGN 8
/* Chunk size used when arena_new() is given 0. */
#define ARENA_CHUNK_DEFAULT (64 * 1024)

struct arena;

/*
 * New empty arena whose chunks hold `chunk_size` bytes (0: the default).
 * No chunk is allocated until the first arena_alloc(). Never NULL; caller
 * frees with arena_free(). Anywhere.
 */
struct arena *arena_new(size_t chunk_size);

/*
 * `size` bytes aligned to ARENA_ALIGN, uninitialised, valid until
 * arena_free(). size 0 yields a valid pointer to 0 bytes. Aborts on out of
 * memory or a size that overflows.
 */
void *arena_alloc(struct arena *a, size_t size);

/* arena_alloc() of `size` bytes, zero-filled. */
void *arena_zalloc(struct arena *a, size_t size);

/* Copy of `len` bytes at `p` (borrowed) into the arena. */
void *arena_memdup(struct arena *a, const void *p, size_t len);

/* Copy of the NUL-terminated `s` (borrowed) into the arena. */
char *arena_strdup(struct arena *a, const char *s);

/* Copy of at most `n` bytes of `s`, always NUL-terminated. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/*
 * Bytes handed out so far, each request rounded up to ARENA_ALIGN (what
 * the data occupies, not counting chunk slack).
 */
size_t arena_bytes_used(const struct arena *a);

/* Bytes of chunks reserved from malloc so far (what the arena costs). */
size_t arena_bytes_reserved(const struct arena *a);

/* Free every chunk and the arena. NULL does nothing. */
void arena_free(struct arena *a);

#endif
