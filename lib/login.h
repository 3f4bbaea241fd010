/*
 * login: the canonical form of an SMTP AUTH login (SPEC §8). Clients log in
 * with the full address or the bare user name; with a default domain both
 * are one account: one lookup, one counter, one identity in the log.
 */
#ifndef RM_LOGIN_H
#define RM_LOGIN_H

#include <stddef.h>

#define LOGIN_MAX 320 /* bytes: a 64-byte local part, "@", a 255-byte domain */

/*
 * The canonical login of TYPED: the local part lower-cased (ASCII; UTF-8
 * kept as sent), the domain normalised as address_normalize_domain does (an
 * IDN becomes its A-label), "@DEFAULT_DOMAIN" appended to a bare name when
 * DEFAULT_DOMAIN is not NULL or "" (it must be normalised already). Refused:
 * empty, over-long, invalid UTF-8, control characters or spaces, "@" first
 * or last, two "@", an unusable domain. Returns a malloc'd string, or NULL
 * with *ERROR_R set to a static English reason.
 */
char *login_canonical(const char *typed, const char *default_domain,
                      const char **error_r);

/* The local part of canonical LOGIN (up to the "@", or all of it) copied
 * into BUF (SIZE bytes, at least LOGIN_MAX + 1); the domain or "" in *DOMAIN_R
 * (pointing into LOGIN). */
void login_split(const char *login, char *buf, size_t size, const char **domain_r);

#endif
