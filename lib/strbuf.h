/*
 * strbuf: a growing, always NUL-terminated string buffer. Building strings
 * from input goes through this, never through silent truncation.
 */
#ifndef RM_STRBUF_H
#define RM_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "lib/log.h"

struct strbuf {
	char *data; /* always NUL-terminated once initialised */
	size_t len;
	size_t cap;
};

#define STRBUF_INIT                                                                      \
	{                                                                                \
		NULL, 0, 0                                                               \
	}

/* Make SB an empty string (allocates). */
void strbuf_init(struct strbuf *sb);
/* The same with room for CAP - 1 characters before it reallocates. */
void strbuf_init_size(struct strbuf *sb, size_t cap);
/* Release SB's storage; SB may be re-initialised afterwards. */
void strbuf_free(struct strbuf *sb);
/* Empty SB, keeping its storage. */
void strbuf_reset(struct strbuf *sb);
/* Append LEN bytes of S. */
void strbuf_add(struct strbuf *sb, const char *s, size_t len);
/* Append a NUL-terminated string. */
void strbuf_puts(struct strbuf *sb, const char *s);
/* Append one character. */
void strbuf_putc(struct strbuf *sb, char c);
/* Append V in decimal (no printf: log lines are formatted per decision). */
void strbuf_put_uint(struct strbuf *sb, unsigned long long v);
/* Append printf-style. */
void strbuf_appendf(struct strbuf *sb, const char *fmt, ...) RM_PRINTF(2, 3);
void strbuf_vappendf(struct strbuf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Hand the string over to the caller (who frees it); SB becomes empty. */
char *strbuf_detach(struct strbuf *sb);

#endif
