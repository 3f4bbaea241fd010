/*
 * ldap_filter: RFC 4515 escaping and "%s" expansion of filter templates.
 *
 * Entry points: ldap_filter_escape, ldap_filter_check, ldap_filter_expand,
 * ldap_filter_expand_parents, ldap_filter_expand_any. The caller owns the
 * output strbuf. Nothing here fails at run time: templates are checked once
 * at load with ldap_filter_check (the only filter check: conf/ calls it too).
 */
#include "config.h"

#include <ctype.h>

#include <string.h>

#include "policy/ldap/ldap_filter.h"

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

/* One parenthesised filter, balanced, RFC 4515 escapes well-formed. */
static const char *check_shape(const char *s)
{
	int depth = 0;

	if (s[0] != '(')
		return "must be enclosed in parentheses";
	for (const char *p = s; *p; p++) {
		if (*p == '\\') {
			if (!isxdigit((unsigned char)p[1]) ||
			    !isxdigit((unsigned char)p[2]))
				return "a backslash must be followed by two hex digits "
				       "(RFC 4515)";
			p += 2;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')' && --depth == 0 && p[1] != '\0') {
			return "must be one filter: text follows its closing parenthesis";
		} else if (depth < 0) {
			return "unbalanced parentheses";
		}
	}
	return depth == 0 ? NULL : "unbalanced parentheses";
}

int ldap_filter_check(const char *tmpl, enum ldap_filter_kind kind, const char **error_r)
{
	const char *why =
	    tmpl == NULL ? "must be enclosed in parentheses" : check_shape(tmpl);
	int values = 0;

	if (why == NULL && kind == LDAP_FILTER_BULK && strchr(tmpl, '%') != NULL)
		why = "is used as is and takes no %s; write \\25 for a percent sign";
	for (const char *p = tmpl; why == NULL && *p; p++) {
		if (*p != '%')
			continue;
		if (p[1] == 's' ||
		    (kind == LDAP_FILTER_ACCOUNT && (p[1] == 'u' || p[1] == 'd')))
			values++;
		else if (p[1] != '%')
			why =
			    kind == LDAP_FILTER_ACCOUNT
			        ? "'%' must be followed by 's' (the login), 'u' (its "
			          "local part), 'd' (its domain) or '%' (a percent sign)"
			        : "'%' must be followed by 's' (the value) or '%' (a "
			          "percent sign)";
		p++;
	}
	if (why == NULL && kind == LDAP_FILTER_LOOKUP && values != 1)
		why = "must contain exactly one %s (the looked-up value)";
	if (why == NULL && kind == LDAP_FILTER_ACCOUNT && values == 0)
		why = "must contain %s (the login), %u (its local part) or %d (its "
		      "domain): without one, every login would find the same entries";
	if (why != NULL) {
		*error_r = why;
		return -1;
	}
	return 0;
}

/* Expand TMPL; "%s", "%u", "%d" become the escaped VALS[0..2], or '*'
 * when RAW_ANY. Only an account template has %u and %d. */
static void expand3(struct strbuf *out, const char *tmpl, const char *const vals[3],
                    int raw_any)
{
	static const char names[] = "sud";
	const char *p;

	for (p = tmpl; *p != '\0'; p++) {
		const char *which =
		    p[0] == '%' && p[1] != '\0' ? strchr(names, p[1]) : NULL;

		if (which != NULL) {
			const char *v = vals[which - names];

			if (raw_any)
				strbuf_putc(out, '*');
			else
				ldap_filter_escape(out, v, strlen(v));
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
	/* VALUE may hold NUL bytes: escape it whole, not as a C string. */
	for (const char *p = tmpl; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 's') {
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

void ldap_filter_expand_login(struct strbuf *out, const char *tmpl, const char *login,
                              const char *local, const char *domain)
{
	const char *const vals[3] = {login, local, domain};

	expand3(out, tmpl, vals, 0);
}

void ldap_filter_expand_any(struct strbuf *out, const char *tmpl)
{
	static const char *const none[3] = {"", "", ""};

	expand3(out, tmpl, none, 1);
}

void ldap_filter_expand_parents(struct strbuf *out, const char *tmpl, const char *domain)
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
