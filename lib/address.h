/*
 * address: RFC 5321 envelope address parsing for relay decisions.
 * Angle brackets, the null sender, quoted local parts, address literals,
 * case-insensitive domains, a trailing dot, IDN (U-labels become A-labels via
 * libidn2, so both forms compare equal), and detection of sender-specified
 * routing (%, !, an @ or % or ! inside a quoted local part, source routes).
 * Anything that does not parse is refused, never guessed at.
 */
#ifndef RM_ADDRESS_H
#define RM_ADDRESS_H

#include <stdbool.h>

enum address_role {
	ADDRESS_SENDER,   /* MAIL FROM: <> allowed */
	ADDRESS_RECIPIENT /* RCPT TO: <> refused; <postmaster> allowed */
};

struct address {
	char *local;        /* local part as written (quotes kept); "" for <> */
	char *domain;       /* lower-case A-label, no trailing dot; "[192.0.2.1]" or
	                       "[ipv6:2001:db8::1]" (canonical) for a literal; NULL
	                       for <> and for a bare <postmaster> */
	bool is_null;       /* the null sender <> */
	bool is_literal;    /* domain is an address literal */
	bool is_postmaster; /* bare <postmaster> recipient (RFC 5321 4.5.1) */
	bool routed; /* sender-specified routing: never local for the unauthenticated */
	const char *routing; /* why routed (static text), or NULL */
};

/*
 * Parse TEXT (as the MTA hands it to the milter: usually with angle
 * brackets, maybe without) into ADDR_R (caller frees with address_clear).
 * Returns 0, or -1 with *ERROR_R set to a static English reason and ADDR_R
 * zeroed. ESMTP parameters are not part of TEXT (libmilter splits them off).
 */
int address_parse(const char *text, enum address_role role, struct address *addr_r,
                  const char **error_r);
/* Free what address_parse allocated; ADDR is zeroed. */
void address_clear(struct address *addr);
/*
 * Normalise a domain name from the config or the directory the same way
 * address_parse does (lower case, A-label, no trailing dot). Returns a
 * malloc'd string or NULL with *ERROR_R set.
 */
char *address_normalize_domain(const char *domain, const char **error_r);

#endif
