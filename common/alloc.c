#include "config.h"

#include "common/alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

static void alloc_oom(size_t size) __attribute__((noreturn));

/*
 * Out of memory: one line, then abort() rather than exit() so a core dump
 * shows who asked. log_* formats on the stack, so this allocates nothing.
 */
static void
alloc_oom(size_t size)
{
	log_msg(LOG_CRIT, "out of memory allocating %zu bytes", size);
	abort();
}

void *
xmalloc(size_t size)
{
	void *p;

	p = malloc(size ? size : 1);
	if (p == NULL)
		alloc_oom(size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	p = calloc(nmemb, size);
	if (p == NULL)
		alloc_oom(nmemb * size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;
	size_t total;

	if (size != 0 && nmemb > SIZE_MAX / size)
		alloc_oom(SIZE_MAX);
	total = nmemb * size;
	p = realloc(ptr, total ? total : 1);
	if (p == NULL)
		alloc_oom(total);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	n = strnlen(s, n);
	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap, ap2;
	char *p;
	int n;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("xasprintf: bad format \"%s\"", fmt);
	p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}
