/*
 * dir_set: a directory backend that answers from sets in memory: a domain
 * set (policy/domainset.h) and a network set (a netlist), each published
 * whole by whoever keeps it current (lib/publish.h) and read lock-free by
 * the session threads. The static backend is a dir_set whose sets come from
 * the config file once; a directory held in memory (sync mode) is another
 * publisher of the same sets. Lookups never block and never do I/O.
 */
#ifndef RM_DIR_SET_H
#define RM_DIR_SET_H

#include <stdbool.h>

#include "policy/directory.h"
#include "policy/domainset.h"
#include "lib/login.h"
#include "lib/netlist.h"
#include "policy/account.h"

/* The published sets, shared by the backend and the publisher (refcounted). */
struct policy_sets;

/* Sets holding DOMAINS and NETWORKS (taken over; NULL: not known yet, and
 * lookups answer DIR_ERROR until one is published). One reference. */
struct policy_sets *policy_sets_create(struct domainset *domains,
                                       struct netlist *networks);
struct policy_sets *policy_sets_ref(struct policy_sets *sets);
void policy_sets_unref(struct policy_sets *sets);
/* Replace a set whole (taken over); the old one is freed once no reader
 * holds it. One publisher at a time per set. */
void policy_sets_publish_domains(struct policy_sets *sets, struct domainset *domains);
void policy_sets_publish_networks(struct policy_sets *sets, struct netlist *networks);
/* Accounts: not known until the first publish (lookups answer DIR_ERROR). */
void policy_sets_publish_accounts(struct policy_sets *sets, struct accountset *accounts);

/* Copies of the sets published now (NULL: none yet). */
struct netlist *policy_sets_copy_networks(struct policy_sets *sets);
struct domainset *policy_sets_copy_domains(struct policy_sets *sets);

#define DIR_SET_KEY_MAX (LOGIN_MAX + 4)

struct dir_set_params {
	const char *name;           /* the backend's name: "static" */
	enum dir_source source;     /* answers are logged with this source */
	const char *domains_label;  /* trace prefix: "static local_domains" */
	const char *networks_label; /* trace prefix: "static allow_networks" */
	bool match_subdomains;
	const char *accounts_label; /* trace prefix: "static accounts" */
	/* The keys an account is looked up under, in order (the first found
	 * answers); at most MAX, each at most DIR_SET_KEY_MAX bytes with its
	 * NUL. NULL: the canonical login itself. */
	size_t (*account_keys)(const char *login, char (*keys)[DIR_SET_KEY_MAX],
	                       size_t max);
};

/* A backend answering from SETS (a reference is taken). Strings in PARAMS
 * must outlive it. */
struct directory *dir_set_create(const struct dir_set_params *params,
                                 struct policy_sets *sets);

#endif
