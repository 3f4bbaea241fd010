/*
 * ldap_filter: RFC 4515 escaping and "%s" expansion of filter templates.
 *
 * Entry points: ldap_filter_escape, ldap_filter_check, ldap_filter_expand,
 * ldap_filter_expand_parents, ldap_filter_expand_any. The caller owns the
 * output strbuf. Nothing here fails at run time: templates are checked once
 * at load with ldap_filter_check.
 */
#include "config.h"

#include <string.h>

#include "policy/ldap_filter.h"

void ldap_filter_escape(struct strbuf *out, const char *value, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];

		/* Escape the specials of RFC 4515 and, to keep the filter
		 * plain ASCII whatever the input, every other unprintable or
		 * 8-bit byte as well. */
		if (c == '*' || c == '(' || c == ')' || c == '\\' || c < 0x20 ||
		    c >= 0x7f) {
			strbuf_putc(out, '\\');
			strbuf_putc(out, hex[c >> 4]);
			strbuf_putc(out, hex[c & 0x0f]);
		} else {
			strbuf_putc(out, (char)c);
		}
	}
}

int ldap_filter_check(const char *tmpl, const char **err_r)
{
	const char *p;
	int depth = 0;

	if (tmpl == NULL || *tmpl == '\0') {
		*err_r = "empty filter";
		return -1;
	}
	for (p = tmpl; *p != '\0'; p++) {
		if (*p == '%') {
			if (p[1] != 's' && p[1] != '%') {
				*err_r = "only %s and %% may follow a '%' in a filter";
				return -1;
			}
			p++;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')') {
			if (--depth < 0)
				break;
		}
	}
	if (depth != 0) {
		*err_r = "unbalanced parentheses in filter";
		return -1;
	}
	if (tmpl[0] != '(') {
		*err_r = "a filter must be enclosed in parentheses";
		return -1;
	}
	return 0;
}

/* Expand TMPL; each "%s" becomes the escaped value, or '*' when RAW_ANY. */
static void expand(struct strbuf *out, const char *tmpl, const char *value, size_t len,
		   int raw_any)
{
	const char *p;

	for (p = tmpl; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 's') {
			if (raw_any)
				strbuf_putc(out, '*');
			else
				ldap_filter_escape(out, value, len);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			strbuf_putc(out, '%');
			p++;
		} else {
			strbuf_putc(out, *p);
		}
	}
}

void ldap_filter_expand(struct strbuf *out, const char *tmpl, const char *value,
			size_t len)
{
	expand(out, tmpl, value, len, 0);
}

void ldap_filter_expand_any(struct strbuf *out, const char *tmpl)
{
	expand(out, tmpl, "", 0, 1);
}

void ldap_filter_expand_parents(struct strbuf *out, const char *tmpl,
				const char *domain)
{
	const char *p = domain;
	const char *dot;

	dot = strchr(domain, '.');
	/* No parent with two labels: "example.org" or "localhost". */
	if (dot == NULL || strchr(dot + 1, '.') == NULL) {
		ldap_filter_expand(out, tmpl, domain, strlen(domain));
		return;
	}
	strbuf_puts(out, "(|");
	for (;;) {
		ldap_filter_expand(out, tmpl, p, strlen(p));
		dot = strchr(p, '.');
		/* Stop before a single-label suffix ("org"): a TLD is never
		 * one of our domains, and asking for it costs a term. */
		if (dot == NULL || strchr(dot + 1, '.') == NULL)
			break;
		p = dot + 1;
		/* An empty label ("a..b") would make an empty value. */
		if (*p == '.' || *p == '\0')
			break;
	}
	strbuf_putc(out, ')');
}
