/*
 * ldap_filter: the one routine that puts a looked-up value into an LDAP
 * search filter. Every value is escaped per RFC 4515 (Postfix's
 * rfc2254_quote): no envelope string can change the structure of a filter.
 */
#ifndef RM_LDAP_FILTER_H
#define RM_LDAP_FILTER_H

#include <stddef.h>

#include "lib/strbuf.h"

/* Append LEN bytes of VALUE (may hold NUL) to OUT as an RFC 4515 assertion
 * value: '*', '(', ')', '\\', NUL and every byte that is not printable
 * ASCII become \XX (lower-case hex). */
void ldap_filter_escape(struct strbuf *out, const char *value, size_t len);

/* What a filter template must hold. */
enum ldap_filter_kind {
	LDAP_FILTER_LOOKUP,  /* exactly one %s: the looked-up value */
	LDAP_FILTER_BULK,    /* no '%' at all: sent as it is */
	LDAP_FILTER_ACCOUNT, /* %s (canonical login), %u (its local part), %d
	                        (its domain): at least one of them */
};

/* The one check of a filter template (the config loader's and the
 * backend's): one parenthesised filter, balanced, RFC 4515 escapes (\XX)
 * well-formed, "%s" (the value) and "%%" (a '%') the only '%' sequences, as
 * many "%s" as KIND wants. Returns 0, or -1 with *ERROR_R set to a static
 * English message. */
int ldap_filter_check(const char *tmpl, enum ldap_filter_kind kind, const char **error_r);

/* Append TMPL to OUT with every "%s" replaced by the escaped VALUE (LEN
 * bytes) and "%%" by '%'. TMPL must have passed ldap_filter_check. */
void ldap_filter_expand(struct strbuf *out, const char *tmpl, const char *value,
                        size_t len);

/* Append TMPL (LDAP_FILTER_ACCOUNT) with %s, %u and %d replaced by the
 * escaped LOGIN, LOCAL and DOMAIN, "%%" by '%'. */
void ldap_filter_expand_login(struct strbuf *out, const char *tmpl, const char *login,
                              const char *local, const char *domain);

/* For match_subdomains: append one filter that matches DOMAIN or any of its
 * parents with at least two labels, as a single query:
 * "(|(T a.b.example.org)(T b.example.org)(T example.org))". A domain with
 * no parent to add gives the plain expansion. */
void ldap_filter_expand_parents(struct strbuf *out, const char *tmpl, const char *domain);

/* Append TMPL with every "%s" (and %u, %d) replaced by a bare '*', turning the lookup
 * into a presence filter: used only to count entries (relaymilter -n -n),
 * never with a value that came from outside. */
void ldap_filter_expand_any(struct strbuf *out, const char *tmpl);

#endif
