/*
 * dir_ldap: the LDAP directory backend (OpenLDAP libldap 2.5): local domains
 * looked up through a cache, allowlisted networks bulk-loaded and refreshed
 * in the background. A server that is down never stops the daemon: lookups
 * answer DIR_ERROR (or a stale cache entry) and it reconnects with backoff.
 */
#ifndef RM_DIR_LDAP_H
#define RM_DIR_LDAP_H

#include "conf/config.h"
#include "lib/strbuf.h"
#include "policy/directory.h"

/* Create the LDAP directory for CF (cf->ldap.enabled). Fails only for
 * configuration problems (message in ERRBUF), never because the server is
 * down. CF must outlive the directory. */
struct directory *dir_ldap_create(const struct config *cf, char *errbuf, size_t size);
/* For `relaymilter -n -n`: connect, bind and TLS now, count domains and
 * networks, append a human report to REPORT; 0 if all good, -1 if not. */
int dir_ldap_check(struct directory *dir, struct strbuf *report);

#endif
