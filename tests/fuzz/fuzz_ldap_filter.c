/*
 * fuzz_ldap_filter: libFuzzer target for policy/ldap/ldap_filter.c, the RFC 4515
 * escaping and "%s" expansion of LDAP filter templates.
 *
 * Input: byte 0 chooses the template: odd, the template is the input up to
 * its first NUL after byte 0 and the value is the rest; even, one of the
 * fixed templates below and the value is everything after byte 0. The value
 * may hold any byte, NUL included.
 *
 * Invariants, checked with abort():
 *   - the escaped value holds no NUL and no unescaped '(', ')', '*' or '\':
 *     every '\' starts a "\hh" escape, and decoding the escapes gives back
 *     the value byte for byte; everything else is printable ASCII;
 *   - a template that passes ldap_filter_check (or one of ours) expands to exactly itself
 *     with each "%s" replaced by that escaped value and "%%" by '%' (so the
 *     value can never change the filter's structure), with balanced
 *     parentheses and no NUL;
 *   - the match_subdomains expansion and the presence expansion (%s -> '*')
 *     of a checked template are balanced and NUL-free, and the former, for
 *     a domain with no parent to add, equals the plain expansion.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "policy/ldap/ldap_filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond))                                                             \
			abort();                                                         \
	} while (0)

static const char *const templates[] = {
    "(&(objectClass=domainRelatedObject)(associatedDomain=%s))",
    "(associatedDomain=%s)",
    "(|(mail=%s)(mailAlternateAddress=%s)(x=%%s))",
    "(&(a=%s*)(!(b=*%s))(c=%%))",
};
#define N_TEMPLATES (sizeof templates / sizeof templates[0])

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* E (ELEN bytes) is a safe assertion value that decodes to VALUE. */
static void check_escaped(const char *e, size_t elen, const char *value, size_t len)
{
	size_t i, j = 0;

	for (i = 0; i < elen; i++) {
		unsigned char c = (unsigned char)e[i];

		CHECK(c >= 0x20 && c < 0x7f && c != '(' && c != ')' && c != '*');
		if (c == '\\') {
			int hi, lo;

			CHECK(i + 2 < elen);
			hi = hexval(e[i + 1]);
			lo = hexval(e[i + 2]);
			CHECK(hi >= 0 && lo >= 0);
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		CHECK(j < len && (unsigned char)value[j] == c);
		j++;
	}
	CHECK(j == len);
}

static void check_balanced(const struct strbuf *f)
{
	int depth = 0;

	CHECK(memchr(f->data, '\0', f->len) == NULL);
	for (size_t i = 0; i < f->len; i++) {
		if (f->data[i] == '(')
			depth++;
		else if (f->data[i] == ')')
			CHECK(--depth >= 0);
	}
	CHECK(depth == 0);
}

/* TMPL with "%s" -> ESC and "%%" -> "%", built here. */
static void reconstruct(struct strbuf *out, const char *tmpl, const struct strbuf *esc)
{
	for (const char *p = tmpl; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			strbuf_add(out, esc->data, esc->len);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			strbuf_putc(out, '%');
			p++;
		} else {
			strbuf_putc(out, *p);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf esc = STRBUF_INIT, got = STRBUF_INIT, want = STRBUF_INIT;
	char *tmpl_copy = NULL, *domain;
	const char *tmpl, *value, *err = NULL;
	size_t len;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		const uint8_t *nul = memchr(data + 1, '\0', size - 1);
		size_t tlen = nul ? (size_t)(nul - (data + 1)) : size - 1;

		tmpl_copy = strndup((const char *)data + 1, tlen);
		tmpl = tmpl_copy;
		value = nul ? (const char *)nul + 1 : "";
		len = nul ? size - 1 - tlen - 1 : 0;
	} else {
		tmpl = templates[(data[0] >> 1) % N_TEMPLATES];
		value = (const char *)data + 1;
		len = size - 1;
	}
	strbuf_init(&esc);
	strbuf_init(&got);
	strbuf_init(&want);

	ldap_filter_escape(&esc, value, len);
	check_escaped(esc.data, esc.len, value, len);

	/* A fuzzed template must pass the check; our own (some with several
	 * %s, to exercise the expander) are known to be well formed. */
	if (tmpl_copy != NULL && ldap_filter_check(tmpl, LDAP_FILTER_LOOKUP, &err) < 0) {
		CHECK(err != NULL && *err != '\0');
		goto out;
	}
	ldap_filter_expand(&got, tmpl, value, len);
	reconstruct(&want, tmpl, &esc);
	CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
	check_balanced(&got);

	strbuf_reset(&got);
	ldap_filter_expand_any(&got, tmpl);
	check_balanced(&got);

	/* A domain is a C string: up to the value's first NUL. */
	domain = strndup(value, len);
	strbuf_reset(&got);
	ldap_filter_expand_parents(&got, tmpl, domain);
	check_balanced(&got);
	{
		const char *dot = strchr(domain, '.');

		if (dot == NULL || strchr(dot + 1, '.') == NULL) {
			strbuf_reset(&want);
			ldap_filter_expand(&want, tmpl, domain, strlen(domain));
			CHECK(got.len == want.len &&
			      memcmp(got.data, want.data, got.len) == 0);
		}
	}
	free(domain);
out:
	strbuf_free(&esc);
	strbuf_free(&got);
	strbuf_free(&want);
	free(tmpl_copy);
	return 0;
}
