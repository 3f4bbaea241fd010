/*
 * ldap_syncsets: what sync mode keeps of the directory: the local domains
 * and the allowlisted networks, each one ldap_sync (policy/ldap/ldap_sync.h)
 * publishing into the policy_sets a dir_set answers from
 * (policy/dir_set.h). This file knows what an entry of each set means: a
 * domain entry keeps its normalised domain names, a network entry its
 * valid CIDRs; invalid values are skipped with a warning.
 */
#ifndef RM_LDAP_SYNCSETS_H
#define RM_LDAP_SYNCSETS_H

#include <stdbool.h>

#include "lib/strbuf.h"
#include "policy/dir_set.h"
#include "policy/directory.h"
#include "policy/ldap/dir_ldap.h"
#include "policy/ldap/ldap_conn.h"

struct ldap_syncsets;

/* Start syncing the domains (and the networks, when P has them) of P into
 * SETS (a reference is taken). P and CONN must outlive the result. NULL
 * with *ERROR_R set when a thread cannot be started. */
struct ldap_syncsets *ldap_syncsets_start(const struct dir_ldap_params *p,
                                          const struct ldap_conn_params *conn,
                                          struct policy_sets *sets, const char **error_r);
/* Stop every sync thread and free (NULL is fine). */
void ldap_syncsets_free(struct ldap_syncsets *ss);
/* Wait until every set is complete or DEADLINE (monotonic); true if all are. */
bool ldap_syncsets_wait(struct ldap_syncsets *ss, double deadline);
/* Add the sets' counters to ST_R. */
void ldap_syncsets_stats(struct ldap_syncsets *ss, struct dir_stats *st_r);
/* -n -n: a line per set: entries, complete or not, content sync or
 * polling, the cookie, the last error. False when a set is incomplete or
 * polled (its line is a warning). */
bool ldap_syncsets_report(struct ldap_syncsets *ss, struct strbuf *report);

#endif
