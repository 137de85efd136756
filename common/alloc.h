/*
 * alloc: allocators that never return NULL.
 *
 * Out of memory is not recoverable in our daemons: these abort with a log
 * line instead. Sizes that come from the network must be checked against a
 * configured limit before they reach here.
 */
#ifndef COMMON_ALLOC_H
#define COMMON_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
/* realloc with an overflow check on nmemb * size. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string; caller frees with free(). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
