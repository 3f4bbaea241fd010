/*
 * dir_ldap: the LDAP directory backend (policy/directory.h): local domains
 * looked up through a cache and a pool of LDAP handles, allowlisted networks
 * loaded in bulk and held in memory. A directory that is down never blocks
 * the daemon: lookups answer DIR_ERROR (or a stale cached answer) quickly
 * while it reconnects in the background. Everything else (counters, the
 * -n -n check, reload) is reached through the directory table.
 */
#ifndef RM_DIR_LDAP_H
#define RM_DIR_LDAP_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/cache.h"
#include "policy/directory.h"

enum ldap_scope { SCOPE_BASE, SCOPE_ONE, SCOPE_SUB };

/* ldap.mode: per-decision lookups through the cache, or the directory held
 * in memory by content sync (policy/ldap/ldap_sync.h). */
enum ldap_mode { LDAP_MODE_QUERY, LDAP_MODE_SYNC };

struct ldap_search_params {
	char *base;
	char *filter; /* with one %s for lookups; plain for bulk loads */
	enum ldap_scope scope;
	char *
	    attribute; /* the attribute holding the values (CIDRs; sync mode's domains) */
	double refresh; /* networks: seconds between bulk reloads */
};

/* ldap.accounts: where a login's account is looked up (SPEC §8). */
struct ldap_accounts_params {
	char *base;   /* NULL: no accounts in LDAP */
	char *filter; /* %s login, %u local part, %d domain */
	enum ldap_scope scope;
	char **senders; /* attributes holding owned addresses or "@domain" */
	size_t n_senders;
	char *suspended; /* BOOLEAN attribute */
	char *limits;    /* "NAME=MAX" values */
};

/* The backend's parameters: conf/ fills them from the ldap and cache
 * sections. The directory keeps its own copy. */
struct dir_ldap_params {
	bool enabled; /* the ldap section is present */
	enum ldap_mode mode;
	char **uris;
	size_t n_uris;
	char *bind_dn;            /* NULL: anonymous */
	char *bind_password_file; /* NULL: none */
	char *bind_password;      /* read at load; NEVER logged or printed */
	bool starttls;
	char *tls_ca_file; /* NULL: system CAs */
	double timeout;    /* seconds, network and each operation */
	double budget;     /* seconds, all directory work for one decision */
	int pool_size;     /* LDAP handles */
	double sync_poll;  /* sync mode without syncprov: seconds between reloads */
	struct ldap_search_params domains;
	struct ldap_search_params networks; /* base NULL: no networks in LDAP */
	struct ldap_accounts_params accounts;
	struct cache_params cache; /* the answer cache (clock unused) */
	bool match_subdomains;     /* lists.match_subdomains */
};

/* Make libldap ignore ldaprc files and LDAP* variables (LDAPNOINIT). Call
 * it first thing in main, before any thread exists and before anything may
 * call libldap: setenv is not thread-safe, and libldap reads its
 * environment once. dir_ldap_create calls it too, harmlessly. */
void dir_ldap_process_init(void);

/* An LDAP directory for P (copied). Fails only for parameter problems
 * (NULL with *ERROR_R set), never because a server is down: it starts
 * (dir_start), answers DIR_ERROR, and reconnects in the background with
 * backoff. */
struct directory *dir_ldap_create(const struct dir_ldap_params *p, const char **error_r);

#endif
