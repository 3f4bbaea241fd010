/*
 * escape: log and JSON escaping of untrusted strings. Entry points:
 * escape_log_value, escape_json, escape_bytes. Valid UTF-8 passes through (an
 * investigator wants to read IDN addresses); invalid bytes are shown as \xHH.
 */
#include "config.h"

#include <string.h>

#include "lib/escape.h"

/* Length of a valid UTF-8 sequence at S (max LEFT bytes), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Length of the run at P (at most LEN bytes) that both escapers copy as it
 * is: printable ASCII other than backslash and double quote. Copying a run
 * with one strbuf_add instead of a call per byte is most of a log line's
 * cost (callgrind: 14.8k of 52k instructions per decision went here). */
static size_t plain_run(const unsigned char *p, size_t len)
{
	/* 1 for printable ASCII other than '"' (0x22) and '\\' (0x5c); bytes
	 * from 0x80 are 0 (the entries not written). */
	static const unsigned char plain[256] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
		1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20 */
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50 */
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, /* 0x70 */
	};
	size_t n = 0;

	while (n < len && plain[p[n]])
		n++;
	return n;
}

static void put_hex(struct strbuf *out, unsigned char c)
{
	strbuf_appendf(out, "\\x%02x", c);
}

void escape_bytes(struct strbuf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n = plain_run(p + i, len - i);

		if (n > 0) {
			strbuf_add(out, s + i, n);
			i += n;
			continue;
		}
		n = utf8_seq_len(p + i, len - i);
		if (n > 1) {
			strbuf_add(out, s + i, n);
			i += n;
			continue;
		}
		if (n == 0 || p[i] < 0x20 || p[i] == 0x7f)
			put_hex(out, p[i]);
		else if (p[i] == '\\')
			strbuf_puts(out, "\\\\");
		else if (p[i] == '"')
			strbuf_puts(out, "\\\"");
		else
			strbuf_putc(out, (char)p[i]);
		i++;
	}
}

void escape_log_value(struct strbuf *out, const char *s)
{
	bool quote;

	if (s == NULL || s[0] == '\0') {
		strbuf_putc(out, '-');
		return;
	}
	quote = strpbrk(s, " \"=\t") != NULL;
	if (quote)
		strbuf_putc(out, '"');
	escape_bytes(out, s, strlen(s));
	if (quote)
		strbuf_putc(out, '"');
}

void escape_json(struct strbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, i = 0;

	if (s == NULL)
		return;
	len = strlen(s);
	while (i < len) {
		size_t n = plain_run(p + i, len - i);

		if (n > 0) {
			strbuf_add(out, s + i, n);
			i += n;
			continue;
		}
		n = utf8_seq_len(p + i, len - i);
		if (n > 1) {
			strbuf_add(out, s + i, n);
			i += n;
			continue;
		}
		if (n == 0)
			/* Invalid UTF-8 must not make the JSON invalid. */
			strbuf_appendf(out, "\\\\x%02x", p[i]);
		else if (p[i] == '"')
			strbuf_puts(out, "\\\"");
		else if (p[i] == '\\')
			strbuf_puts(out, "\\\\");
		else if (p[i] < 0x20 || p[i] == 0x7f)
			strbuf_appendf(out, "\\u%04x", p[i]);
		else
			strbuf_putc(out, (char)p[i]);
		i++;
	}
}
