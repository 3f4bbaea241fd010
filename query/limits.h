/*
 * limits: relaymilter-query --limits [--reset] (SPEC §9): the state of every
 * rate limit that applies to a login and/or a client, from the store the
 * config names, and the abuse desk's "account cleaned, let it send".
 */
#ifndef RM_QUERY_LIMITS_H
#define RM_QUERY_LIMITS_H

#include <stdbool.h>

#include "conf/conf.h"
#include "policy/engine.h"

/* Print the state for LOGIN (as typed; NULL: none) and CLIENT (NULL:
 * none); with RESET, clear it first. Exit status: 0, 1 (over a limit or
 * suspended), 75 (the store cannot answer), 64 (nothing to look at). */
int query_limits(const struct config *cf, struct policy *pol, const char *login,
                 const char *client, bool reset);

#endif
