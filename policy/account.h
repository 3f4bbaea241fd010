/*
 * account: what the directory says about one SMTP AUTH login (SPEC §8):
 * whether it is suspended, which sender addresses it owns, its limit
 * overrides; owner matching as Postfix's
 * reject_authenticated_sender_login_mismatch does it; and accountset, an
 * immutable map from lookup keys to accounts, built once and then read by
 * any number of threads (the static accounts, the synced ones).
 */
#ifndef RM_ACCOUNT_H
#define RM_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/address.h"

struct account {
	char *login;    /* canonical (lib/login.h) */
	bool suspended; /* judged as unauthenticated */
	char **senders; /* owned: "local@domain" or "@domain", normalised */
	size_t n_senders;
	char **limits; /* "NAME=MAX" overrides (SPEC §9) */
	size_t n_limits;
};

/* A new account for canonical LOGIN: not suspended, nothing owned. */
struct account *account_new(const char *login);
/* Add an owned sender (normalised, see account_sender_normalize) or a limit. */
void account_add_sender(struct account *a, const char *sender);
void account_add_limit(struct account *a, const char *limit);
struct account *account_copy(const struct account *a);
void account_free(struct account *a);

/* VALUE ("user@domain" or "@domain") in the form owner matching compares:
 * local part lower-cased, domain normalised (A-label). malloc'd, or NULL
 * with *ERROR_R set when VALUE is neither. */
char *account_sender_normalize(const char *value, const char **error_r);

/*
 * Does canonical LOGIN, whose account is A (NULL: it has none), own SENDER
 * (a parsed, non-null address)? Owned: the login's own address, an address
 * A lists, or any address at a domain A lists as "@domain". Local parts
 * compare without their "+extension" and case-insensitively, domains as
 * normalised.
 */
bool account_owns(const struct account *a, const char *login,
                  const struct address *sender);

/* --- accountset ------------------------------------------------------ */

struct accountset;
struct accountset_builder;

struct accountset_builder *accountset_builder_create(void);
/* Add ACCOUNT (taken over) under KEY (copied). A key added for two
 * different accounts answers a merged one: owns nothing beyond the login,
 * suspended if either is. */
void accountset_builder_add(struct accountset_builder *b, const char *key,
                            struct account *account);
/* Add one more KEY for the account added last. */
void accountset_builder_alias(struct accountset_builder *b, const char *key);
struct accountset *accountset_build(struct accountset_builder *b);

enum accountset_result { ACCOUNTSET_NONE, ACCOUNTSET_FOUND };
/* The account under KEY (*ACCOUNT_R, valid while S lives). */
enum accountset_result accountset_find(const struct accountset *s, const char *key,
                                       const struct account **account_r);
size_t accountset_count(const struct accountset *s); /* accounts, not keys */
void accountset_free(struct accountset *s);

#endif
