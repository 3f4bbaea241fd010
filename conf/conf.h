/*
 * config: the relaymilter.conf file (libconfig syntax) turned into an
 * immutable, validated struct. Every key is described once in the key table
 * (conf/keys.c: type, default, bounds); unknown keys, values of the wrong type
 * and bad values are errors reported as "FILE:LINE: message". libconfig is
 * not thread-safe and is not used after config_load returns.
 */
#ifndef RM_CONFIG_H
#define RM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"
#include "lib/netlist.h"
#include "policy/engine.h"
#include "policy/ldap/dir_ldap.h"
#include "policy/limits/rules.h"

/* One policy.accounts element as written (SPEC §8). */
struct account_conf {
	char *login; /* as written; canonical in lists_conf.canon */
	int line;    /* where login was set */
	char **senders;
	size_t n_senders;
	bool suspended;
	char **limits;
	size_t n_limits;
};

/* The static lists of the policy section: the static directory's data. */
struct lists_conf {
	char **local_domains; /* normalised (address_normalize_domain) */
	size_t n_local_domains;
	bool match_subdomains;
	struct netlist *allow_networks; /* never NULL after load */
	char **allow_networks_text;     /* as written, for traces */
	size_t n_allow_networks;
	struct account_conf *accounts; /* policy.accounts, as written */
	size_t n_accounts;
	struct account **canon; /* the same, canonical (n_accounts of them) */
};

struct log_conf {
	bool syslog;
	int facility; /* LOG_MAIL etc. */
	char *json;   /* path of the JSON-lines log, NULL if none */
	bool accepts; /* log accepted recipients too */
};

struct stats_conf {
	char *textfile;  /* Prometheus textfile path, NULL if none */
	double interval; /* seconds between textfile writes */
};

struct config {
	char *path;
	char *socket;    /* "unix:/path", "inet:port@host", "inet6:port@[host]" */
	int socket_mode; /* unix socket permissions */
	char *user;      /* NULL or "": stay (refused if root) */
	char *group;     /* NULL: the user's primary group */
	char *pidfile;   /* NULL: none */
	bool report_mode;
	struct policy_params policy;
	struct lists_conf
	    lists; /* lists.local_domains, allow_networks, match_subdomains */
	struct dir_ldap_params ldap; /* the ldap and cache sections */
	struct log_conf log;
	struct stats_conf stats;
	struct limits_params limits; /* SPEC §9 */
};

/* Load and validate PATH. Returns a new config, or NULL with *ERROR_R set
 * to one "FILE:LINE: message" line per problem (lib/error.h). */
struct config *config_load(const char *path, const char **error_r);
/* The same from TEXT in memory, reported as file NAME. @include paths are
 * relative to the working directory (there is no file to be relative to).
 * For the fuzzer and tests; the daemon and tools load files. */
struct config *config_load_string(const char *name, const char *text,
                                  const char **error_r);
/* Free CF (NULL is fine); scrubs the bind password. */
void config_free(struct config *cf);
/* The compiled-in default config path. */
const char *config_default_path(void);

#endif
