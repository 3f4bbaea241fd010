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
#include "lib/login.h"
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

/* --- sync mode: accounts held in memory -------------------------------- */

#define LDAP_ACCOUNT_KEYS_MAX 8

/* The attributes P's filter asserts with %s (KIND 's') or %u ('u'): in
 * memory, a login finds the entry one of whose values equals the login
 * (for %s) or its local part (for %u), compared case-insensitively. (%d
 * only narrows a query-mode search.) */
struct ldap_account_keys {
	char *attr[LDAP_ACCOUNT_KEYS_MAX];
	char kind[LDAP_ACCOUNT_KEYS_MAX];
	size_t n;
};

void ldap_accounts_key_attrs(const char *filter, struct ldap_account_keys *k_r);
void ldap_accounts_key_attrs_free(struct ldap_account_keys *k);
/* ENTRY's payload for the synced set: "key=s:VALUE" / "key=u:VALUE" lines
 * for K, then what ldap_accounts_keep writes. */
void ldap_accounts_keep_synced(const struct ldap_accounts_params *p,
                               const struct ldap_account_keys *k, LDAP *ld,
                               LDAPMessage *entry, struct strbuf *data);
/* Add the account of one synced payload to B under its keys (none: skipped). */
void ldap_accounts_build_add(struct accountset_builder *b, const char *data);
/* The keys a synced set is searched under for canonical LOGIN ("s:LOGIN",
 * "u:LOCAL"); at most MAX of SIZE bytes each; the count. */
size_t ldap_accounts_lookup_keys(const char *login, char (*keys)[LOGIN_MAX + 4],
                                 size_t max);
#endif
