/*
 * dir_ldap: the LDAP directory backend (policy/directory.h): local domains
 * looked up through a cache and a pool of LDAP handles, allowlisted networks
 * loaded in bulk and held in memory. A directory that is down never blocks
 * the daemon: lookups answer DIR_ERROR (or a stale cached answer) quickly
 * while it reconnects in the background.
 */
#ifndef RM_DIR_LDAP_H
#define RM_DIR_LDAP_H

#include <stddef.h>

#include "conf/conf.h"
#include "lib/strbuf.h"
#include "policy/directory.h"

/* Create the LDAP directory for CF (cf->ldap.enabled). Fails only for
 * configuration problems, never because the server is down (then it starts,
 * answers DIR_ERROR, and reconnects in the background with backoff). CF
 * must outlive the directory. Returns NULL with a message in ERRBUF. */
struct directory *dir_ldap_create(const struct config *cf, char *errbuf, size_t size);

/* For `relaymilter -n -n`: connect/bind/TLS now to every URI, count domains
 * and networks, append a human report to REPORT; 0 if all good, -1 if not. */
int dir_ldap_check(struct directory *dir, struct strbuf *report);

/* Counters of one LDAP directory (SIGUSR2, stats file). */
struct dir_ldap_stats {
	unsigned long cache_hits;
	unsigned long cache_misses;    /* lookups that went to LDAP */
	unsigned long cache_coalesced; /* lookups that shared another's query */
	unsigned long cache_stale;     /* answered from an expired entry */
	unsigned long cache_errors;    /* lookups answered DIR_ERROR */
	unsigned long cache_evictions;
	unsigned long cache_entries;
	unsigned long ldap_queries;  /* searches sent */
	unsigned long ldap_errors;   /* searches that failed */
	unsigned long ldap_timeouts; /* ... timed out and abandoned */
	unsigned long ldap_connects; /* handles opened */
	unsigned long ldap_connect_failures;
	unsigned long ldap_fast_failures; /* refused at once: all servers down */
	int ldap_servers_up;
	unsigned long networks;         /* allowlisted networks in memory */
	unsigned long network_loads;    /* successful bulk loads */
	unsigned long network_failures; /* failed bulk loads */
	double networks_age;            /* seconds since the last load; -1 never */
};

/* Fill ST_R with DIR's counters; DIR must come from dir_ldap_create. */
void dir_ldap_get_stats(struct directory *dir, struct dir_ldap_stats *st_r);

/* Drop every cached answer (SIGUSR1 when the directory is kept). */
void dir_ldap_flush_cache(struct directory *dir);

#endif
