/*
 * ldap_conn: one LDAP handle to one URI, opened with every
 * security-relevant option set in code (protocol 3, no referrals, network
 * and operation timeouts, certificate verification against our CA, a fresh
 * TLS context), StartTLS or ldaps://, a simple bind; and a search that is
 * asynchronous, bounded by a deadline and abandoned when the deadline fires.
 * The ldaprc files and LDAP* environment variables libldap would read are
 * neutralised before the first libldap call (ldap_conn_global_init).
 */
#ifndef RM_LDAP_CONN_H
#define RM_LDAP_CONN_H

#include <stdbool.h>

#include <ldap.h>

#include "lib/strbuf.h"

struct ldap_conn_params {
	const char *bind_dn;       /* NULL: anonymous */
	const char *bind_password; /* never logged */
	bool starttls;
	const char *tls_ca_file; /* NULL: the system bundle */
	double timeout;          /* seconds, network and each operation */
};

/* What an open handle went through, for relaymilter -n -n. */
struct ldap_conn_info {
	bool tls;   /* StartTLS or ldaps:// */
	bool bound; /* simple bind done (false: anonymous) */
	double ms;  /* time to open */
};

/* Called for each entry of a search; ENTRY belongs to the search. */
typedef void (*ldap_entry_fn)(void *ctx, LDAP *ld, LDAPMessage *entry);

/* Make libldap ignore ldaprc files and LDAP* variables (sets LDAPNOINIT
 * once, before the first libldap call). Safe to call many times. */
void ldap_conn_global_init(void);

/*
 * Open a handle to URI: options, connect, StartTLS when asked (ldaps://
 * speaks TLS from the start), bind. Gives up at DEADLINE (monotonic
 * seconds). Returns the handle, or NULL with *ERROR_R set to "what failed:
 * why" (without the URI: the caller names the server once).
 */
LDAP *ldap_conn_open(const char *uri, const struct ldap_conn_params *p, double deadline,
                     struct ldap_conn_info *info_r, const char **error_r);

/*
 * Search BASE/SCOPE/FILTER for ATTRS (NULL-terminated; {"1.1", NULL} for
 * none) with at most SIZELIMIT entries (0: no limit). Each entry is handed to
 * FN. Gives up at DEADLINE (then abandons the operation and returns
 * LDAP_TIMEOUT). Returns an LDAP result code (LDAP_SUCCESS, or
 * LDAP_SIZELIMIT_EXCEEDED with entries), with *N_ENTRIES_R set and, on
 * failure, *ERROR_R set to the reason.
 */
int ldap_conn_search(LDAP *ld, const char *base, int scope, const char *filter,
                     char **attrs, int sizelimit, double deadline, ldap_entry_fn fn,
                     void *ctx, int *n_entries_r, const char **error_r);

/* Does RC mean the connection is unusable (reconnect, try the next URI)? */
bool ldap_conn_broken(int rc);

/* Close LD (NULL is fine). */
void ldap_conn_close(LDAP *ld);

#endif
