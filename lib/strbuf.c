/*
 * strbuf: growing string buffer. Entry points in strbuf.h. Allocation
 * failure exits via xalloc; there is no other failure.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"

static void strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need;

	if (sb->data == NULL)
		strbuf_init(sb);
	need = sb->len + extra + 1;
	if (need < sb->len)
		msg_panic("strbuf: size overflow");
	if (need <= sb->cap)
		return;
	while (sb->cap < need)
		sb->cap = sb->cap ? sb->cap * 2 : 64;
	sb->data = xrealloc(sb->data, sb->cap);
}

void strbuf_init(struct strbuf *sb)
{
	strbuf_init_size(sb, 64);
}

void strbuf_init_size(struct strbuf *sb, size_t cap)
{
	sb->cap = cap > 0 ? cap : 1;
	sb->len = 0;
	sb->data = xmalloc(sb->cap);
	sb->data[0] = '\0';
}

void strbuf_free(struct strbuf *sb)
{
	free(sb->data);
	sb->data = NULL;
	sb->len = sb->cap = 0;
}

void strbuf_reset(struct strbuf *sb)
{
	if (sb->data == NULL) {
		strbuf_init(sb);
		return;
	}
	sb->len = 0;
	sb->data[0] = '\0';
}

void strbuf_add(struct strbuf *sb, const char *s, size_t len)
{
	strbuf_grow(sb, len);
	memcpy(sb->data + sb->len, s, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
}

void strbuf_puts(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_putc(struct strbuf *sb, char c)
{
	if (sb->data == NULL || sb->len + 2 > sb->cap)
		strbuf_grow(sb, 1);
	sb->data[sb->len++] = c;
	sb->data[sb->len] = '\0';
}

void strbuf_put_uint(struct strbuf *sb, unsigned long long v)
{
	char digits[24]; /* 2^64 has 20 digits */
	size_t n = sizeof digits;

	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	strbuf_add(sb, digits + n, sizeof digits - n);
}

void strbuf_vappendf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	strbuf_grow(sb, 0);
	va_copy(ap2, ap);
	n = vsnprintf(sb->data + sb->len, sb->cap - sb->len, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		msg_panic("strbuf: bad format \"%s\"", fmt);
	if ((size_t)n >= sb->cap - sb->len) {
		strbuf_grow(sb, (size_t)n);
		n = vsnprintf(sb->data + sb->len, sb->cap - sb->len, fmt, ap);
	}
	sb->len += (size_t)n;
}

void strbuf_appendf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vappendf(sb, fmt, ap);
	va_end(ap);
}

char *strbuf_detach(struct strbuf *sb)
{
	char *s;

	if (sb->data == NULL)
		strbuf_init(sb);
	s = sb->data;
	sb->data = NULL;
	sb->len = sb->cap = 0;
	return s;
}
