/*
 * ldap_sync: one subtree of the directory held in memory and kept live by
 * LDAP Content Synchronization (RFC 4533, refreshAndPersist), on a
 * connection of its own, in a thread of its own. What each entry keeps and
 * how the set is built and published is the caller's (struct
 * ldap_sync_kind): the domains, the networks. The thread never publishes
 * a partial refresh, and no failure takes the published set away: a lost
 * connection reconnects with backoff across the URIs and resumes from the
 * cookie; a server without content sync (no syncprov) is polled instead,
 * a full paged reload every `poll` seconds; a stream gone silent is found
 * by a watchdog probe and reconnected.
 */
#ifndef RM_LDAP_SYNC_H
#define RM_LDAP_SYNC_H

#include <stdbool.h>
#include <stddef.h>

#include <ldap.h>

#include "lib/strbuf.h"
#include "policy/ldap/ldap_conn.h"
#include "policy/ldap/sync_store.h"

struct ldap_sync_kind {
	/* Append to DATA what the set keeps of ENTRY (NUL-separated values,
	 * say); an entry that keeps nothing is still an entry. */
	void (*keep)(void *ctx, LDAP *ld, LDAPMessage *entry, struct strbuf *data);
	/* Build the set from every entry of STORE and publish it. Called on
	 * the sync thread only, after a complete refresh and after changes. */
	void (*publish)(void *ctx, const struct sync_store *store);
	void *ctx;
};

struct ldap_sync_params {
	const char *name; /* "domains", "networks": the set, in logs */
	char *const *uris;
	size_t n_uris;
	const struct ldap_conn_params *conn; /* strings must outlive the sync */
	const char *base;
	int scope;          /* LDAP_SCOPE_* */
	const char *filter; /* placeholders already replaced by "*" */
	char **attrs;       /* attributes KEEP reads, NULL-terminated */
	double timeout;     /* ldap.timeout: connects, probes, each poll page */
	double poll;        /* seconds between full reloads without syncprov */
	struct ldap_sync_kind kind;
};

/* What the sync did, for the counters and -n -n. */
struct ldap_sync_stats {
	unsigned long entries;    /* in the published set */
	unsigned long refreshes;  /* complete refreshes (and polls) published */
	unsigned long reconnects; /* connections opened after the first */
	unsigned long changes;    /* entries added, changed or removed */
	unsigned long errors;     /* failed connects, searches, polls */
	double age;    /* seconds since the published set last changed; -1: never */
	bool complete; /* a complete set is published */
	bool cookie;   /* the provider gave a cookie to resume from */
	int syncprov;  /* 1: content sync answered; 0: polling; -1: not known yet */
	char last_error[240]; /* "" when none since start */
};

struct ldap_sync;

/* Start syncing P (copied; strings and KIND.ctx must outlive the sync).
 * NULL with *ERROR_R set only when the thread cannot be started. */
struct ldap_sync *ldap_sync_start(const struct ldap_sync_params *p, const char **error_r);
/* Tell the thread to stop (it does within about a second). */
void ldap_sync_stop(struct ldap_sync *sync);
/* Stop, wait for the thread, free (NULL is fine). */
void ldap_sync_free(struct ldap_sync *sync);
/* Wait until a complete set is published or DEADLINE (monotonic); true
 * when it is. */
bool ldap_sync_wait_complete(struct ldap_sync *sync, double deadline);
/* A snapshot of the counters. */
void ldap_sync_get_stats(struct ldap_sync *sync, struct ldap_sync_stats *st_r);

#endif
