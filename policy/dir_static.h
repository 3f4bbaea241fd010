/*
 * dir_static: the directory backend over the config file's static lists
 * (lists.local_domains, lists.allow_networks, policy.accounts): a dir_set
 * whose sets are
 * built once. Always answers; never errs.
 */
#ifndef RM_DIR_STATIC_H
#define RM_DIR_STATIC_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/directory.h"

struct dir_static_params {
	const char *const *local_domains; /* normalised (address_normalize_domain) */
	size_t n_local_domains;
	const char *const *allow_networks; /* CIDR text, already checked */
	size_t n_allow_networks;
	bool match_subdomains;
	const struct account *const *accounts; /* canonical logins */
	size_t n_accounts;
};

/* A static directory over copies of P's lists (P may go away after). */
struct directory *dir_static_create(const struct dir_static_params *p);

#endif
