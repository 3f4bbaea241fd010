/*
 * directory: where policy data lives, behind a table of function pointers
 * (Postfix's DICT, OpenSMTPD's table_backend). Backends: dir_static (the
 * config's lists) and dir_ldap (cached LDAP). A lookup distinguishes "found",
 * "not found" and "could not ask": an error travels up and becomes a
 * tempfail, never "not local".
 */
#ifndef RM_DIRECTORY_H
#define RM_DIRECTORY_H

#include <stdbool.h>

#include "lib/netlist.h"

enum dir_status {
	DIR_NOTFOUND = 0,
	DIR_FOUND = 1,
	DIR_ERROR = -1, /* could not ask: the caller must not decide "not found" */
};

enum dir_source {
	SRC_NONE = 0,  /* no lookup involved: logged "-" */
	SRC_STATIC,    /* the config file's lists */
	SRC_CACHE,     /* a fresh cached directory answer */
	SRC_LDAP,      /* asked the directory just now */
	SRC_STALE_CACHE, /* directory unreachable, expired entry within stale_ttl */
};

/* The answer to one lookup. DETAIL is a human trace line for
 * relaymilter-query (what was asked where, what matched, or the error),
 * filled only when the caller sets WANT_DETAIL: formatting it on every
 * decision cost more than the decision itself (callgrind). */
struct dir_answer {
	enum dir_status status;
	enum dir_source source;
	bool want_detail; /* in: fill DETAIL */
	char detail[320]; /* out, when WANT_DETAIL; else left as it was */
};

struct directory;

struct directory_ops {
	const char *name; /* "static", "ldap" */
	/* Is DOMAIN (normalised, see address_normalize_domain) local? With
	 * match_subdomains in the backend's config, a parent domain counts. */
	void (*lookup_domain)(struct directory *dir, const char *domain,
			      struct dir_answer *ans_r);
	/* Is ADDR in an allowlisted network this backend holds? Answered from
	 * memory: FOUND or NOTFOUND; ERROR only while the backend has never
	 * managed to load its networks (then nobody can say "not allowlisted"). */
	void (*match_client)(struct directory *dir, const struct netaddr *addr,
			     struct dir_answer *ans_r);
	/* Release everything (stops background threads). */
	void (*free)(struct directory *dir);
};

/* Every backend embeds this as its first member. */
struct directory {
	const struct directory_ops *ops;
};

/* The text form of a source for logs: "static", "cache", "ldap", "stale-cache", "-". */
const char *dir_source_name(enum dir_source src);

static inline void dir_lookup_domain(struct directory *dir, const char *domain,
				     struct dir_answer *ans_r)
{
	dir->ops->lookup_domain(dir, domain, ans_r);
}

static inline void dir_match_client(struct directory *dir, const struct netaddr *addr,
				    struct dir_answer *ans_r)
{
	dir->ops->match_client(dir, addr, ans_r);
}

static inline void dir_free(struct directory *dir)
{
	if (dir != NULL)
		dir->ops->free(dir);
}

#endif
