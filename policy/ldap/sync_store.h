/*
 * sync_store: the working set of a synchronised subtree, keyed by
 * entryUUID (a delete may come with no usable DN): for each entry the few
 * bytes its kind keeps (the domain names, the networks) and a "seen" mark
 * for the present phase of a refresh. Owned by one sync thread; nothing
 * here is shared or locked. The published indexes are built from it
 * (sync_store_foreach) and never point into it.
 */
#ifndef RM_SYNC_STORE_H
#define RM_SYNC_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/ldap/sync_proto.h"

struct sync_store;

/* An empty store. */
struct sync_store *sync_store_create(void);
/* Free S and every entry (NULL is fine). */
void sync_store_free(struct sync_store *s);
/* Remove every entry. */
void sync_store_clear(struct sync_store *s);

/* Add or replace the entry UUID with DATA (LEN bytes, copied), marked seen. */
void sync_store_put(struct sync_store *s, const struct sync_uuid *uuid, const void *data,
                    size_t len);
/* Mark the entry UUID seen; false when there is none. */
bool sync_store_mark(struct sync_store *s, const struct sync_uuid *uuid);
/* Remove the entry UUID; false when there was none. */
bool sync_store_remove(struct sync_store *s, const struct sync_uuid *uuid);
/* Clear every entry's mark (a refresh begins). */
void sync_store_unmark_all(struct sync_store *s);
/* Remove every entry not marked since the last unmark; the count removed. */
size_t sync_store_remove_unseen(struct sync_store *s);

/* The number of entries. */
size_t sync_store_count(const struct sync_store *s);
/* The data of entry UUID (*LEN_R set), or NULL. */
const char *sync_store_get(const struct sync_store *s, const struct sync_uuid *uuid,
                           size_t *len_r);
/* Call FN for every entry's data, in no particular order. */
void sync_store_foreach(const struct sync_store *s,
                        void (*fn)(void *ctx, const char *data, size_t len), void *ctx);

#endif
