/*
 * ldap_networks: the allowlisted client networks held in LDAP, loaded in
 * bulk (every value of one attribute under one base) into an in-memory
 * netlist, refreshed on a timer by a background thread and swapped in
 * atomically. Client matches are answered from memory only. A failed
 * refresh keeps the last good set; invalid values are skipped with a
 * warning.
 */
#ifndef RM_LDAP_NETWORKS_H
#define RM_LDAP_NETWORKS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"
#include "policy/directory.h"
#include "policy/ldap/ldap_pool.h"
#include "lib/netlist.h"

struct ldap_networks_params {
	const char *base;
	int scope;          /* LDAP_SCOPE_* */
	const char *filter; /* plain, no %s */
	const char *attribute;
	double refresh; /* seconds between loads */
	double budget;  /* seconds one load may take */
};

struct ldap_networks_stats {
	unsigned long networks; /* in the current set */
	unsigned long skipped;  /* invalid values skipped by the last load */
	unsigned long loads;    /* successful loads */
	unsigned long failures; /* failed loads */
	double age;             /* seconds since the last good load; -1: never */
};

struct ldap_networks;

/* Start loading from POOL (which must outlive the result). Without SEED,
 * the first load is attempted before this returns (bounded by the budget);
 * its failure is logged, not fatal. With SEED (the running networks of a
 * directory being replaced by a reload), a copy of SEED's set answers at
 * once until a load replaces it, so an outage at reload time loses no
 * allowlisted client. Strings in PARAMS must outlive the result. NULL with
 * *ERROR_R set only when the refresh thread cannot be started. */
struct ldap_networks *ldap_networks_create(struct ldap_pool *pool,
                                           const struct ldap_networks_params *params,
                                           struct ldap_networks *seed,
                                           const char **error_r);
/* Load again now, in the background (a reload that kept the directory:
 * an edit in LDAP is seen at once). The current set stays until then. */
void ldap_networks_refresh(struct ldap_networks *nets);
/* Stop the refresh thread and free everything. */
void ldap_networks_free(struct ldap_networks *nets);

/* Is ADDR in the current set? FOUND or NOTFOUND, never an error. */
void ldap_networks_match(struct ldap_networks *nets, const struct netaddr *addr,
                         struct dir_answer *ans_r);

/* Load once now, not touching the current set (relaymilter -n -n): append
 * a report line to REPORT; 0 when the search worked. */
int ldap_networks_check(struct ldap_networks *nets, struct strbuf *report);

/* A copy of the current set (NULL when NETS is NULL or has none yet). */
struct netlist *ldap_networks_copy(struct ldap_networks *nets);

/* A snapshot of the counters. */
void ldap_networks_get_stats(struct ldap_networks *nets,
                             struct ldap_networks_stats *st_r);

#endif
