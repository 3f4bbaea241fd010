/*
 * loader: what the key table's store and check functions share with the
 * loader (conf/conf.c), private to conf/. The context collects every
 * problem as one "FILE:LINE: message" line; loading goes on after an error
 * so that one run reports them all.
 */
#ifndef RM_CONF_LOADER_H
#define RM_CONF_LOADER_H

#include "conf/keys.h"
#include "lib/log.h"
#include "lib/strbuf.h"

struct conf_ctx {
	const char *path;      /* the config file as given */
	struct strbuf *errors; /* one line per problem */
	unsigned n_errors;
	int *seen; /* per key row: line where set, 0 if not */
};

/* Report a problem at FILE:LINE (FILE NULL: the config file; LINE 0: none). */
void conf_error(struct conf_ctx *ctx, const char *file, int line, const char *fmt, ...)
    RM_PRINTF(4, 5);
/* Report a problem with value V of key K. */
void conf_value_error(struct conf_ctx *ctx, const struct conf_key *k,
                      const struct conf_value *v, const char *fmt, ...) RM_PRINTF(4, 5);
/* The generic store for K's type (used by the specialised stores too). */
void conf_store_generic(struct conf_ctx *ctx, const struct conf_key *k,
                        const struct conf_value *v, void *base);
/* Store V into K's field in BASE, through K's own store if it has one. */
void conf_store(struct conf_ctx *ctx, const struct conf_key *k,
                const struct conf_value *v, void *base);
/* Apply the table's defaults to BASE: with LIST (a group list's path), the
 * element keys of that list (into one element), else the keys of struct
 * config. */
void conf_apply_defaults(struct conf_ctx *ctx, void *base, const char *list);
/* Free a string list of N items and the array. */
void conf_free_strings(char **items, size_t n);

#endif
