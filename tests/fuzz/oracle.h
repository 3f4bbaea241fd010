/*
 * oracle: the fuzz harnesses' own, deliberately simple and conservative idea
 * of a "local recipient", written without lib/address.c so that the
 * engine's accepts can be checked against something independent. It may
 * call a local address non-local (the engine may always refuse more); it
 * must never call a relay local. Header-only, included by one target each.
 *
 * A recipient is local when, after stripping one pair of angle brackets:
 *   - it is a bare "postmaster" (any case), or
 *   - it is LOCAL@DOMAIN split at the last '@', LOCAL is non-empty and holds
 *     no '@', '%' or '!' (sender-specified routing, quoted or not), and
 *     DOMAIN, minus one trailing dot, lower-cased (ASCII), or converted to
 *     an A-label by libidn2 when it holds non-ASCII bytes, is exactly one of
 *     the local domains or (with subdomains) ends in "." + one of them;
 *     an address literal must be a strict IPv4 / "IPv6:" address whose
 *     canonical form is one of the local domains.
 */
#ifndef RM_FUZZ_ORACLE_H
#define RM_FUZZ_ORACLE_H

#include <arpa/inet.h>
#include <idn2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ORACLE_CHECK(cond)                                                               \
	do {                                                                             \
		if (!(cond))                                                             \
			abort();                                                         \
	} while (0)

static bool oracle_in_list(const char *dom, char *const *locals, size_t n,
                           bool subdomains)
{
	size_t dlen = strlen(dom);

	for (size_t i = 0; i < n; i++) {
		size_t llen = strlen(locals[i]);

		if (strcmp(dom, locals[i]) == 0)
			return true;
		if (subdomains && dom[0] != '[' && locals[i][0] != '[' &&
		    dlen > llen + 1 && dom[dlen - llen - 1] == '.' &&
		    strcmp(dom + dlen - llen, locals[i]) == 0)
			return true;
	}
	return false;
}

/* "[a.b.c.d]" or "[IPv6:x]" (any case) in canonical form into BUF. */
static bool oracle_literal(const char *dom, char *buf, size_t size)
{
	size_t len = strlen(dom);
	unsigned char bytes[16];
	char inner[128], text[INET6_ADDRSTRLEN];

	if (len < 3 || dom[len - 1] != ']' || len - 2 >= sizeof inner)
		return false;
	memcpy(inner, dom + 1, len - 2);
	inner[len - 2] = '\0';
	if (inet_pton(AF_INET, inner, bytes) == 1) {
		inet_ntop(AF_INET, bytes, text, sizeof text);
		snprintf(buf, size, "[%s]", text);
		return true;
	}
	if (strncasecmp(inner, "IPv6:", 5) == 0 &&
	    inet_pton(AF_INET6, inner + 5, bytes) == 1) {
		inet_ntop(AF_INET6, bytes, text, sizeof text);
		snprintf(buf, size, "[ipv6:%s]", text);
		return true;
	}
	return false;
}

/* Is DOMAIN (as written after the '@') one of LOCALS? */
static bool oracle_domain_local(const char *domain, char *const *locals, size_t n,
                                bool subdomains)
{
	char *d = strdup(domain), lit[160];
	size_t len;
	bool ascii = true, local = false;

	ORACLE_CHECK(d != NULL);
	len = strlen(d);
	if (len > 0 && d[len - 1] == '.')
		d[--len] = '\0';
	if (len == 0)
		goto out;
	if (d[0] == '[') {
		local = oracle_literal(d, lit, sizeof lit) &&
		        oracle_in_list(lit, locals, n, false);
		goto out;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)d[i] >= 0x80)
			ascii = false;
		else if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] = (char)(d[i] - 'A' + 'a');
	}
	if (ascii) {
		local = oracle_in_list(d, locals, n, subdomains);
	} else {
		/* Either UTS #46 reading of a U-label names the same domain. */
		static const int flags[] = {IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL,
		                            IDN2_NFC_INPUT | IDN2_TRANSITIONAL};

		for (size_t f = 0; f < 2 && !local; f++) {
			char *alabel = NULL;

			if (idn2_to_ascii_8z(d, &alabel, flags[f]) == IDN2_OK)
				local = oracle_in_list(alabel, locals, n, subdomains);
			idn2_free(alabel);
		}
	}
out:
	free(d);
	return local;
}

/* Is the raw recipient RAW local, by the rules at the top of this file? */
static bool oracle_rcpt_local(const char *raw, char *const *locals, size_t n,
                              bool subdomains)
{
	size_t len = strlen(raw);
	char *s, *at;
	bool local = false;

	if (len >= 2 && raw[0] == '<' && raw[len - 1] == '>') {
		s = strndup(raw + 1, len - 2);
	} else if (raw[0] == '<' || (len > 0 && raw[len - 1] == '>')) {
		return false;
	} else {
		s = strdup(raw);
	}
	ORACLE_CHECK(s != NULL);
	if (strcasecmp(s, "postmaster") == 0) {
		local = true;
		goto out;
	}
	if ((at = strrchr(s, '@')) == NULL || at == s)
		goto out;
	*at = '\0';
	if (strpbrk(s, "@%!") != NULL)
		goto out;
	local = oracle_domain_local(at + 1, locals, n, subdomains);
out:
	free(s);
	return local;
}

#endif
