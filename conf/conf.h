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

enum sender_action { SENDER_ACCEPT, SENDER_LOG, SENDER_REJECT };
enum lookup_error_action { LOOKUP_ERROR_TEMPFAIL, LOOKUP_ERROR_REJECT };
enum ldap_scope_conf { SCOPE_BASE, SCOPE_ONE, SCOPE_SUB };

/* Per-MTA-listener rules ({daemon_name}), policy.listeners. */
struct listener_conf {
	char *name;
	bool require_auth;     /* every recipient needs SMTP AUTH */
	bool require_tls_auth; /* an authenticated session must be encrypted */
};

/* Reply texts; templates with %{rcpt}, %{sender}, %{client_addr},
 * %{client_name}, %{auth}, %{listener} expansions (see policy/reply.h). */
struct replies_conf {
	char *relay_denied;        /* 550 5.7.1 */
	char *unauth_local_sender; /* 550 5.7.1 */
	char *lookup_error;        /* 451 4.3.0 */
	char *bad_recipient;       /* 501 5.1.3 */
	char *bad_sender;          /* 553 5.1.7 */
	char *auth_required;       /* 530 5.7.0 */
	char *tls_required;        /* 530 5.7.0 */
};

struct policy_conf {
	char **local_domains; /* normalised (address_normalize_domain) */
	size_t n_local_domains;
	bool match_subdomains;
	struct netlist *allow_networks; /* never NULL after load */
	char **allow_networks_text;     /* as written, for traces */
	size_t n_allow_networks;
	bool allow_authenticated;
	enum sender_action unauth_local_sender;
	enum lookup_error_action on_lookup_error;
	struct listener_conf *listeners;
	size_t n_listeners;
	struct replies_conf replies;
};

struct ldap_search_conf {
	char *base;
	char *filter;    /* with one %s for lookups; plain for bulk loads */
	enum ldap_scope_conf scope;
	char *attribute; /* networks: the attribute holding CIDR strings */
	double refresh;  /* networks: seconds between bulk reloads */
};

struct ldap_conf {
	bool enabled; /* the ldap section is present */
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
	struct ldap_search_conf domains;
	struct ldap_search_conf networks; /* base NULL: no networks in LDAP */
};

struct cache_conf {
	int positive_ttl; /* seconds */
	int negative_ttl;
	int stale_ttl;
	long max_entries; /* 0 disables the cache */
};

struct log_conf {
	bool syslog;
	int facility; /* LOG_MAIL etc. */
	char *json;   /* path of the JSON-lines log, NULL if none */
	bool accepts; /* log accepted recipients too */
};

struct stats_conf {
	char *textfile; /* Prometheus textfile path, NULL if none */
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
	struct policy_conf policy;
	struct ldap_conf ldap;
	struct cache_conf cache;
	struct log_conf log;
	struct stats_conf stats;
};

/* Load and validate PATH. Returns a new config, or NULL with one
 * "FILE:LINE: message" line per problem appended to ERRORS_R. */
struct config *config_load(const char *path, struct strbuf *errors_r);
/* The same from TEXT in memory, reported as file NAME. @include paths are
 * relative to the working directory (there is no file to be relative to).
 * For the fuzzer and tests; the daemon and tools load files. */
struct config *config_load_string(const char *name, const char *text,
				  struct strbuf *errors_r);
/* Free CF (NULL is fine); scrubs the bind password. */
void config_free(struct config *cf);
/* The compiled-in default config path. */
const char *config_default_path(void);

#endif
