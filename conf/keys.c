/*
 * keys: the table of every configuration key (see conf/keys.h). Adding a key
 * is adding a row here and a field in conf/conf.h; the loader, the example
 * config's checks and the man page follow from the row. Rows of a group come
 * after the group's own row; members of a group-list element (KF_ELEMENT)
 * are offsets into the element's struct, not into struct config.
 */
#include "config.h"

#include <string.h>

#include "conf/keys.h"

#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

#define FIELD(m)                                                                         \
	.offset = offsetof(struct config, m), .size = sizeof(((struct config *)0)->m)
#define COUNT(m) .offset_n = offsetof(struct config, m)
#define AFIELD(m)                                                                        \
	.offset = offsetof(struct account_conf, m),                                      \
	.size = sizeof(((struct account_conf *)0)->m)
#define ACOUNT(m) .offset_n = offsetof(struct account_conf, m)
#define LFIELD(m)                                                                        \
	.offset = offsetof(struct listener_params, m),                                   \
	.size = sizeof(((struct listener_params *)0)->m)

static const char *const mode_words[] = {"enforce", "report", NULL};
static const char *const sender_words[] = {"accept", "log", "reject", NULL};
static const char *const lookup_words[] = {"tempfail", "reject", NULL};
static const char *const scope_words[] = {"base", "one", "sub", NULL};
static const char *const ldap_mode_words[] = {"query", "sync", NULL};
static const char *const sender_login_words[] = {"off", "log", "reject", NULL};
static const char *const account_senders_default[] = {"mail", "relayMilterSender", NULL};
static const char *const allow_default[] = {"127.0.0.0/8", "::1/128", NULL};
static const char *const empty_list[] = {NULL};

#define REPLY(name, text, what)                                                          \
	{                                                                                \
		.path = "policy.replies." #name, .type = CT_STRING, .def = text,         \
		.doc = "reply text after \"<address>: \" when " what,                    \
		FIELD(policy.replies.name), .check = conf_check_reply                    \
	}

const struct conf_key conf_keys[] = {
    {.path = "socket",
     .type = CT_STRING,
     .def = "unix:" RUNSTATEDIR "/relaymilter/relaymilter.sock",
     .doc = "where the MTA connects: unix:/path, inet:PORT@HOST or inet6:PORT@[HOST]",
     FIELD(socket),
     .check = conf_check_socket},
    {.path = "socket_mode",
     .type = CT_STRING,
     .flags = KF_CONVERTED,
     .def = "0660",
     .doc = "permissions of a unix socket, octal digits in a string",
     .min = 0,
     .max = 0777,
     FIELD(socket_mode),
     .store = conf_store_socket_mode,
     .type_hint = "write it quoted, like \"0660\": libconfig reads 0660 as decimal 660"},
    {.path = "user",
     .type = CT_STRING,
     .flags = KF_EMPTY_NULL,
     .def = "relaymilter",
     .doc = "drop to this user after opening the socket; \"\" stays (never as root)",
     FIELD(user),
     .check = conf_check_user},
    {.path = "group",
     .type = CT_STRING,
     .flags = KF_EMPTY_NULL,
     .doc = "drop to this group; default: the user's primary group",
     FIELD(group),
     .check = conf_check_user},
    {.path = "pidfile",
     .type = CT_STRING,
     .flags = KF_EMPTY_NULL,
     .doc = "absolute path of a pid file, created exclusively; none by default",
     FIELD(pidfile),
     .check = conf_check_abspath},
    {.path = "mode",
     .type = CT_ENUM,
     .def = "enforce",
     .words = mode_words,
     .doc = "enforce: reject; report: only log what would be rejected",
     FIELD(report_mode)},

    {.path = "policy", .type = CT_GROUP, .doc = "the relay policy"},
    {.path = "policy.local_domains",
     .type = CT_STRING_LIST,
     .def_list = empty_list,
     .doc = "domains we receive mail for (U-labels or A-labels)",
     FIELD(lists.local_domains),
     COUNT(lists.n_local_domains),
     .store = conf_store_local_domains},
    {.path = "policy.match_subdomains",
     .type = CT_BOOL,
     .def = "false",
     .doc = "a subdomain of a local domain is local too",
     FIELD(lists.match_subdomains)},
    {.path = "policy.allow_networks",
     .type = CT_STRING_LIST,
     .def_list = allow_default,
     .doc = "client networks (CIDR) that may relay",
     FIELD(lists.allow_networks_text),
     COUNT(lists.n_allow_networks),
     .store = conf_store_allow_networks},
    {.path = "policy.allow_authenticated",
     .type = CT_BOOL,
     .def = "true",
     .doc = "clients logged in with SMTP AUTH may relay",
     FIELD(policy.allow_authenticated)},
    {.path = "policy.unauth_local_sender",
     .type = CT_ENUM,
     .def = "log",
     .words = sender_words,
     .doc =
         "a non-authenticated client using a local sender domain: accept, log or reject",
     FIELD(policy.unauth_local_sender)},
    {.path = "policy.on_lookup_error",
     .type = CT_ENUM,
     .def = "tempfail",
     .words = lookup_words,
     .doc = "when the directory cannot answer: tempfail (451) or reject (550)",
     FIELD(policy.on_lookup_error),
     .store = conf_store_lookup_error},
    {.path = "policy.listeners",
     .type = CT_GROUP_LIST,
     .doc = "rules per MTA listener ({daemon_name}), a list of groups",
     FIELD(policy.listeners),
     COUNT(policy.n_listeners),
     .elem_size = sizeof(struct listener_params)},
    {.path = "policy.listeners.name",
     .type = CT_STRING,
     .flags = KF_REQUIRED | KF_ELEMENT | KF_UNIQUE,
     .doc = "the listener's {daemon_name}",
     LFIELD(name),
     .check = conf_check_nonempty},
    {.path = "policy.listeners.require_auth",
     .type = CT_BOOL,
     .flags = KF_ELEMENT,
     .def = "false",
     .doc = "every recipient needs SMTP AUTH on this listener",
     LFIELD(require_auth)},
    {.path = "policy.listeners.require_tls_auth",
     .type = CT_BOOL,
     .flags = KF_ELEMENT,
     .def = "false",
     .doc = "SMTP AUTH counts only over TLS on this listener",
     LFIELD(require_tls_auth)},
    {.path = "policy.sender_login",
     .type = CT_ENUM,
     .def = "off",
     .words = sender_login_words,
     .doc = "an authenticated login sending as an address it does not own: off, log "
            "or reject (553)",
     FIELD(policy.sender_login)},
    {.path = "policy.accounts",
     .type = CT_GROUP_LIST,
     .doc = "static accounts (SMTP AUTH logins), asked before LDAP",
     FIELD(lists.accounts),
     COUNT(lists.n_accounts),
     .elem_size = sizeof(struct account_conf)},
    {.path = "policy.accounts.login",
     .type = CT_STRING,
     .flags = KF_REQUIRED | KF_ELEMENT,
     .doc = "the login (canonicalised with accounts.default_domain)",
     AFIELD(login),
     .store = conf_store_account_login},
    {.path = "policy.accounts.senders",
     .type = CT_STRING_LIST,
     .flags = KF_ELEMENT,
     .def_list = empty_list,
     .doc = "addresses (user@domain) or \"@domain\" the login may send as, besides "
            "its own",
     AFIELD(senders),
     ACOUNT(n_senders),
     .check = conf_check_sender_value},
    {.path = "policy.accounts.suspended",
     .type = CT_BOOL,
     .flags = KF_ELEMENT,
     .def = "false",
     .doc = "a suspended login is judged as unauthenticated",
     AFIELD(suspended)},
    {.path = "policy.accounts.limits",
     .type = CT_STRING_LIST,
     .flags = KF_ELEMENT,
     .def_list = empty_list,
     .doc = "rate-limit overrides, \"NAME=MAX\"",
     AFIELD(limits),
     ACOUNT(n_limits),
     .check = conf_check_limit_override},
    {.path = "policy.replies", .type = CT_GROUP, .doc = "SMTP reply texts"},
    REPLY(relay_denied, "Relay access denied", "relaying is denied (550 5.7.1)"),
    REPLY(unauth_local_sender, "Sender address rejected: not logged in",
          "a local sender is refused (550 5.7.1)"),
    REPLY(lookup_error, "Temporary lookup failure", "the directory failed (451 4.3.0)"),
    REPLY(bad_recipient, "Bad recipient address syntax",
          "a recipient does not parse (501 5.1.3)"),
    REPLY(bad_sender, "Bad sender address syntax", "a sender does not parse (553 5.1.7)"),
    REPLY(auth_required, "Authentication required",
          "a listener requires AUTH (530 5.7.0)"),
    REPLY(tls_required, "Must issue a STARTTLS command first",
          "a listener requires TLS (530 5.7.0)"),
    REPLY(account_suspended, "Relay access denied: account suspended",
          "a suspended login is refused relaying (550 5.7.1)"),
    REPLY(sender_login_mismatch, "Sender address rejected: not owned by user %{login}",
          "a login sends as an address it does not own (553 5.7.1)"),
    {.path = "accounts", .type = CT_GROUP, .doc = "SMTP AUTH logins"},
    {.path = "accounts.default_domain",
     .type = CT_STRING,
     .flags = KF_EMPTY_NULL,
     .def = "",
     .doc = "a bare login (no @) means login@this domain; \"\" for none",
     FIELD(policy.default_domain),
     .store = conf_store_default_domain},

    {.path = "ldap",
     .type = CT_GROUP,
     .doc = "the LDAP directory; without this group the static lists serve alone"},
    {.path = "ldap.uri",
     .type = CT_STRING_LIST,
     .flags = KF_REQUIRED,
     .doc = "ldap://, ldaps:// or ldapi:// URIs, tried in order",
     FIELD(ldap.uris),
     COUNT(ldap.n_uris),
     .check = conf_check_ldap_uri},
    {.path = "ldap.bind_dn",
     .type = CT_STRING,
     .flags = KF_EMPTY_NULL,
     .doc = "DN to bind as; anonymous when unset",
     FIELD(ldap.bind_dn),
     .check = conf_check_dn},
    {.path = "ldap.bind_password_file",
     .type = CT_STRING,
     .flags = KF_EMPTY_NULL,
     .doc = "file holding the bind password, mode 0600 or stricter",
     FIELD(ldap.bind_password_file),
     .store = conf_store_password_file},
    {.path = "ldap.starttls",
     .type = CT_BOOL,
     .def = "false",
     .doc = "issue StartTLS on ldap:// connections",
     FIELD(ldap.starttls)},
    {.path = "ldap.tls_ca_file",
     .type = CT_STRING,
     .flags = KF_EMPTY_NULL,
     .doc = "CA certificates to verify the server; default: the system's",
     FIELD(ldap.tls_ca_file),
     .check = conf_check_existing_file},
    {.path = "ldap.timeout",
     .type = CT_FLOAT,
     .def = "2.0",
     .min = 0.1,
     .max = 30,
     .doc = "seconds for connecting and for each operation",
     FIELD(ldap.timeout)},
    {.path = "ldap.budget",
     .type = CT_FLOAT,
     .def = "5.0",
     .min = 0.1,
     .max = 9,
     .doc = "seconds of directory work per decision (Sendmail waits 10)",
     FIELD(ldap.budget)},
    {.path = "ldap.mode",
     .type = CT_ENUM,
     .def = "query",
     .words = ldap_mode_words,
     .doc = "query: look up each domain (cached); sync: hold the directory in memory, "
            "kept live by content sync (RFC 4533)",
     FIELD(ldap.mode)},
    {.path = "ldap.sync_poll",
     .type = CT_FLOAT,
     .def = "60",
     .min = 5,
     .max = 86400,
     .doc = "sync mode, server without content sync (no syncprov): seconds between "
            "full reloads",
     FIELD(ldap.sync_poll)},
    {.path = "ldap.pool_size",
     .type = CT_INT,
     .def = "4",
     .min = 1,
     .max = 64,
     .doc = "LDAP connections shared by all sessions",
     FIELD(ldap.pool_size)},
    {.path = "ldap.domains",
     .type = CT_GROUP,
     .flags = KF_REQUIRED,
     .doc = "where local domains are looked up"},
    {.path = "ldap.domains.base",
     .type = CT_STRING,
     .flags = KF_REQUIRED,
     .doc = "search base DN",
     FIELD(ldap.domains.base),
     .check = conf_check_dn},
    {.path = "ldap.domains.filter",
     .type = CT_STRING,
     .def = "(&(objectClass=domainRelatedObject)(associatedDomain=%s))",
     .doc = "filter; %s is the domain (escaped), %% a percent sign",
     FIELD(ldap.domains.filter),
     .check = conf_check_lookup_filter},
    {.path = "ldap.domains.attribute",
     .type = CT_STRING,
     .def = "associatedDomain",
     .doc = "sync mode: the attribute holding the domain names",
     FIELD(ldap.domains.attribute),
     .check = conf_check_attribute},
    {.path = "ldap.domains.scope",
     .type = CT_ENUM,
     .def = "sub",
     .words = scope_words,
     .doc = "search scope: base, one or sub",
     FIELD(ldap.domains.scope)},
    {.path = "ldap.accounts",
     .type = CT_GROUP,
     .doc = "accounts (SMTP AUTH logins) held in the directory"},
    {.path = "ldap.accounts.base",
     .type = CT_STRING,
     .flags = KF_REQUIRED,
     .doc = "search base DN",
     FIELD(ldap.accounts.base),
     .check = conf_check_dn},
    {.path = "ldap.accounts.filter",
     .type = CT_STRING,
     .def = "(&(objectClass=inetOrgPerson)(|(uid=%u)(mail=%s)))",
     .doc = "filter; %s is the canonical login, %u its local part, %d its domain "
            "(each escaped)",
     FIELD(ldap.accounts.filter),
     .check = conf_check_account_filter},
    {.path = "ldap.accounts.scope",
     .type = CT_ENUM,
     .def = "sub",
     .words = scope_words,
     .doc = "search scope: base, one or sub",
     FIELD(ldap.accounts.scope)},
    {.path = "ldap.accounts.senders",
     .type = CT_STRING_LIST,
     .def_list = account_senders_default,
     .doc = "attributes holding addresses (or \"@domain\") the login may send as",
     FIELD(ldap.accounts.senders),
     COUNT(ldap.accounts.n_senders),
     .check = conf_check_attribute},
    {.path = "ldap.accounts.suspended",
     .type = CT_STRING,
     .def = "relayMilterSuspended",
     .doc = "BOOLEAN attribute: TRUE suspends the account",
     FIELD(ldap.accounts.suspended),
     .check = conf_check_attribute},
    {.path = "ldap.accounts.limits",
     .type = CT_STRING,
     .def = "relayMilterLimit",
     .doc = "attribute of rate-limit overrides, \"NAME=MAX\" per value",
     FIELD(ldap.accounts.limits),
     .check = conf_check_attribute},
    {.path = "ldap.networks",
     .type = CT_GROUP,
     .doc = "client networks held in the directory, loaded in bulk"},
    {.path = "ldap.networks.base",
     .type = CT_STRING,
     .flags = KF_REQUIRED,
     .doc = "search base DN",
     FIELD(ldap.networks.base),
     .check = conf_check_dn},
    {.path = "ldap.networks.filter",
     .type = CT_STRING,
     .def = "(objectClass=relayClient)",
     .doc = "filter selecting the entries, used as is",
     FIELD(ldap.networks.filter),
     .check = conf_check_bulk_filter},
    {.path = "ldap.networks.attribute",
     .type = CT_STRING,
     .def = "relayClientNetwork",
     .doc = "attribute holding CIDR networks",
     FIELD(ldap.networks.attribute),
     .check = conf_check_attribute},
    {.path = "ldap.networks.scope",
     .type = CT_ENUM,
     .def = "sub",
     .words = scope_words,
     .doc = "search scope: base, one or sub",
     FIELD(ldap.networks.scope)},
    {.path = "ldap.networks.refresh",
     .type = CT_FLOAT,
     .def = "300",
     .min = 10,
     .max = 86400,
     .doc = "seconds between reloads of the networks",
     FIELD(ldap.networks.refresh)},

    {.path = "cache", .type = CT_GROUP, .doc = "the cache of directory answers"},
    {.path = "cache.positive_ttl",
     .type = CT_INT,
     .def = "300",
     .min = 0,
     .max = 604800,
     .doc = "seconds a found domain stays cached",
     FIELD(ldap.cache.positive_ttl)},
    {.path = "cache.negative_ttl",
     .type = CT_INT,
     .def = "60",
     .min = 0,
     .max = 604800,
     .doc = "seconds a domain not found stays cached",
     FIELD(ldap.cache.negative_ttl)},
    {.path = "cache.stale_ttl",
     .type = CT_INT,
     .def = "3600",
     .min = 0,
     .max = 604800,
     .doc = "seconds past expiry an answer may serve while the directory is down",
     FIELD(ldap.cache.stale_ttl)},
    {.path = "cache.max_entries",
     .type = CT_INT,
     .def = "100000",
     .min = 0,
     .max = 10000000,
     .doc = "cache size; 0 disables the cache",
     FIELD(ldap.cache.max_entries)},

    {.path = "log", .type = CT_GROUP, .doc = "the decision log"},
    {.path = "log.syslog",
     .type = CT_BOOL,
     .def = "true",
     .doc = "log to syslog",
     FIELD(log.syslog)},
    {.path = "log.facility",
     .type = CT_STRING,
     .flags = KF_CONVERTED,
     .def = "mail",
     .doc = "syslog facility: mail, daemon, user, local0..local7",
     FIELD(log.facility),
     .store = conf_store_facility},
    {.path = "log.json",
     .type = CT_STRING,
     .flags = KF_EMPTY_NULL,
     .def = "",
     .doc = "absolute path of a JSON-lines decision log; \"\" for none",
     FIELD(log.json),
     .check = conf_check_abspath},
    {.path = "log.accepts",
     .type = CT_BOOL,
     .def = "true",
     .doc = "log accepted recipients too, not only rejections",
     FIELD(log.accepts)},

    {.path = "stats", .type = CT_GROUP, .doc = "counters for monitoring"},
    {.path = "stats.textfile",
     .type = CT_STRING,
     .flags = KF_EMPTY_NULL,
     .def = "",
     .doc = "absolute path of a Prometheus textfile; \"\" for none",
     FIELD(stats.textfile),
     .check = conf_check_abspath},
    {.path = "stats.interval",
     .type = CT_FLOAT,
     .def = "15",
     .min = 1,
     .max = 3600,
     .doc = "seconds between textfile writes",
     FIELD(stats.interval)},
};

const size_t conf_n_keys = sizeof conf_keys / sizeof conf_keys[0];

const struct conf_key *conf_key_find(const char *path)
{
	for (size_t i = 0; i < conf_n_keys; i++)
		if (strcmp(conf_keys[i].path, path) == 0)
			return &conf_keys[i];
	return NULL;
}

const char *conf_key_leaf(const struct conf_key *k)
{
	const char *dot = strrchr(k->path, '.');

	return dot ? dot + 1 : k->path;
}

size_t conf_path_parent_len(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot ? (size_t)(dot - path) : 0;
}

const char *conf_type_name(enum conf_type t)
{
	switch (t) {
	case CT_GROUP:
		return "group";
	case CT_GROUP_LIST:
		return "list of groups";
	case CT_STRING:
	case CT_ENUM:
		return "string";
	case CT_STRING_LIST:
		return "list of strings";
	case CT_BOOL:
		return "boolean";
	case CT_INT:
		return "integer";
	case CT_FLOAT:
		return "number";
	}
	return "?";
}
