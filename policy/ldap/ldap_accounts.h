/*
 * ldap_accounts: accounts held in LDAP (SPEC §8, ldap.accounts): the one
 * search that answers everything an account decision needs (owned senders,
 * suspension, limit overrides), its result kept as a small text payload
 * (cached in query mode, synced in sync mode) and read back into a struct
 * account.
 */
#ifndef RM_LDAP_ACCOUNTS_H
#define RM_LDAP_ACCOUNTS_H

#include <ldap.h>

#include "lib/strbuf.h"
#include "policy/account.h"
#include "policy/ldap/dir_ldap.h"
#include "policy/ldap/ldap_pool.h"

/* The attributes to ask for (NULL-terminated, pointing into P): the
 * senders attributes, the suspended one, the limits one. ATTRS_R must hold
 * P->n_senders + 3 entries. */
void ldap_accounts_attrs(const struct ldap_accounts_params *p, char **attrs_r);

/* Append ENTRY's account payload to DATA: "suspended=1" or "=0", then
 * "sender=X" (normalised; invalid values skipped) and "limit=NAME=MAX"
 * lines. With MERGE (a second entry for the same login), only a suspension
 * is kept from it: two entries never add up to more rights. */
void ldap_accounts_keep(const struct ldap_accounts_params *p, LDAP *ld,
                        LDAPMessage *entry, struct strbuf *data);

/* The account for canonical LOGIN from a payload (NULL: none, "" allowed). */
struct account *ldap_accounts_parse(const char *login, const char *data);

/* Query mode: look LOGIN up through POOL before DEADLINE. Returns a
 * cache_status; DATA gets the payload; DETAIL a trace line. More than one
 * entry for a login gives an account that owns nothing extra, suspended if
 * any of them is. */
int ldap_accounts_fetch(struct ldap_pool *pool, const struct ldap_accounts_params *p,
                        int scope, const char *login, double deadline, char *detail,
                        size_t size, struct strbuf *data);

#endif
