/*
 * xalloc: allocation that either succeeds or ends the process with a message
 * (Postfix's mymalloc). Callers never check for NULL.
 */
#ifndef RM_XALLOC_H
#define RM_XALLOC_H

#include <stddef.h>

/* Allocate SIZE bytes (at least one); exit with a message on failure. */
void *xmalloc(size_t size);
/* Allocate and zero N elements of SIZE bytes; overflow-checked. */
void *xcalloc(size_t n, size_t size);
/* Resize PTR to SIZE bytes; exit on failure. */
void *xrealloc(void *ptr, size_t size);
/* Duplicate a NUL-terminated string. */
char *xstrdup(const char *s);
/* Duplicate at most LEN bytes of S and terminate. */
char *xstrndup(const char *s, size_t len);

#endif
