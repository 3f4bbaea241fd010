/*
 * sync_session: what an RFC 4533 consumer does with what the provider
 * sends, apart from any network: the working set (policy/ldap/sync_store.h),
 * the cookie, the refresh and persist stages. The sync thread
 * (policy/ldap/ldap_sync.c) decodes messages and feeds them here; unit
 * tests feed sequences directly.
 *
 * The rules: a search begins by clearing the seen marks. add and modify
 * are upserts, present marks seen, delete removes; ID sets do the same for
 * many entries. The refresh ends at a refreshDone (syncInfo, or the
 * syncDone control of a refreshOnly search); then, if the refresh had a
 * present phase or began without a cookie (or the server demanded a full
 * reload), every entry not seen is removed. Only then is the set complete
 * and worth publishing. During a refresh the cookies the server sends are
 * held back and adopted at its end: a refresh cut short is replayed from
 * the old cookie, never resumed from the middle. In the persist stage a
 * change is applied and then its cookie adopted.
 */
#ifndef RM_SYNC_SESSION_H
#define RM_SYNC_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/ldap/sync_proto.h"
#include "policy/ldap/sync_store.h"

struct sync_session {
	struct sync_store *store;
	struct sync_cookie cookie;  /* the state the store is at; absent: none */
	struct sync_cookie pending; /* sent during the refresh, adopted at its end */
	bool full;                  /* this refresh removes what it did not see */
	bool present_phase;         /* this refresh had a present phase */
	bool refreshing;            /* in the refresh stage of a search */
	bool complete;              /* the store holds a complete refresh */
	bool dirty;                 /* changed since sync_session_published */
	bool force_full;            /* the next refresh is a full one */
	unsigned long changes;      /* entries added, modified or deleted */
	unsigned long removed;      /* ... of which removed as unseen */
};

/* An empty session: no entries, no cookie. */
void sync_session_init(struct sync_session *s);
void sync_session_destroy(struct sync_session *s);

/* A search begins (with s->cookie, if any). */
void sync_session_begin(struct sync_session *s);
/* Drop the cookie: the next refresh starts from nothing and removes what
 * it does not see (e-syncRefreshRequired without a cookie, "consumer state
 * newer than provider"); the entries stay until then. With COOKIE (the
 * syncDone control's, after e-syncRefreshRequired), use it but still
 * remove what the refresh does not see. */
void sync_session_restart(struct sync_session *s, const struct sync_cookie *cookie);
/* Forget everything: entries, cookie, completeness (a partial refresh is
 * discarded after a size limit or access error). */
void sync_session_reset(struct sync_session *s);

/* An entry with its state control; DATA is what the kind keeps (add and
 * modify only). COOKIE may be NULL or absent. */
void sync_session_entry(struct sync_session *s, enum sync_state state,
                        const struct sync_uuid *uuid, const void *data, size_t len,
                        const struct sync_cookie *cookie);
/* A syncInfo message. True when it completed a refresh (publish now). */
bool sync_session_info(struct sync_session *s, const struct sync_info *info);
/* The search's result with a syncDone control (refreshOnly, or the end of
 * a refreshAndPersist search). True when it completed a refresh. */
bool sync_session_done(struct sync_session *s, const struct sync_cookie *cookie,
                       bool refresh_deletes);
/* The set was published: clear the dirty flag. */
void sync_session_published(struct sync_session *s);

#endif
