/*
 * xalloc: checked allocation. Entry points: xmalloc, xcalloc, xrealloc,
 * xstrdup, xstrndup. Out of memory is a broken environment, not an input
 * error: the process logs and exits (EX_OSERR) rather than limping on.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/log.h"
#include "lib/xalloc.h"

static void *checked(void *p, size_t size)
{
	if (p == NULL)
		msg_fatal_status(EX_OSERR, "out of memory allocating %zu bytes", size);
	return p;
}

void *xmalloc(size_t size)
{
	return checked(malloc(size ? size : 1), size);
}

void *xcalloc(size_t n, size_t size)
{
	return checked(calloc(n ? n : 1, size ? size : 1), n * size);
}

void *xrealloc(void *ptr, size_t size)
{
	return checked(realloc(ptr, size ? size : 1), size);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t len)
{
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
