/*
 * ldap_sync_int: what the two halves of the sync consumer share: the
 * refreshAndPersist thread (policy/ldap/ldap_sync.c) and the poll mode for
 * servers without content sync (policy/ldap/ldap_sync_poll.c). Not for
 * anyone else: the interface is policy/ldap/ldap_sync.h.
 */
#ifndef RM_LDAP_SYNC_INT_H
#define RM_LDAP_SYNC_INT_H

#include <pthread.h>
#include <stdbool.h>

#include "lib/log.h"
#include "lib/strbuf.h"
#include "policy/ldap/ldap_sync.h"
#include "policy/ldap/sync_session.h"

#define LARGE_SET 10000 /* entries from which a set counts as large */

struct ldap_sync {
	struct ldap_sync_params p;
	pthread_t thread;
	pthread_mutex_t lock; /* stopping, st, last_change; signals cond */
	pthread_cond_t cond;
	bool stopping;
	struct ldap_sync_stats st;
	double last_change; /* monotonic; 0: never */
	/* The thread's own. */
	struct sync_session sess;
	struct strbuf data;
	LDAP *ld;
	size_t uri_i;  /* the URI LD is connected to */
	LDAP *next_ld; /* a preferred server opened by failback */
	size_t next_uri_i;
	bool reload_hint;   /* ask for a full reload on the next search */
	int quick_restarts; /* 4096/53 in a row */
	unsigned long opens;
	unsigned long published_changes; /* sess.changes at the last publish */
	unsigned long published_removed; /* sess.removed at the last publish */
	unsigned long next_poll_key;
};

/* Has the thread been told to stop? */
bool ldap_sync_stopping(struct ldap_sync *sync);
/* URI number I. */
const char *ldap_sync_uri(const struct ldap_sync *sync, size_t i);
/* Count a failure and log it (the text becomes the set's last error). */
void ldap_sync_fail(struct ldap_sync *sync, const char *fmt, ...) RM_PRINTF(2, 3);
/* The text of LD's last error after RC. */
const char *ldap_sync_ld_error(LDAP *ld, int rc);
/* Publish the store: REFRESH after a complete refresh or poll; POLLED: a
 * poll, which cannot tell what changed and counts as a change. */
void ldap_sync_publish(struct ldap_sync *sync, bool refresh, bool polled);

/* Poll mode: a full paged reload into a fresh set, published when
 * complete (policy/ldap/ldap_sync_poll.c); 0 or -1 (logged). */
int ldap_sync_poll_once(struct ldap_sync *sync);

#endif
