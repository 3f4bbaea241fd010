/*
 * directory: where policy data lives, behind a table of function pointers
 * (Postfix's DICT, OpenSMTPD's table_backend). Backends: dir_set (answers
 * from published in-memory sets; dir_static is one, built from the config's
 * lists) and dir_ldap (policy/ldap/: cached LDAP lookups). A lookup
 * distinguishes "found", "not found" and "could not ask": an error travels
 * up and becomes a tempfail, never "not local".
 *
 * What a backend implements: lookup_domain, match_client and free (always);
 * check, stats, expire, start and handover when it has the matching state
 * (NULL otherwise; the dir_* wrappers below then do the neutral thing).
 * Nobody reaches a backend but through this table.
 */
#ifndef RM_DIRECTORY_H
#define RM_DIRECTORY_H

#include <stdbool.h>

#include "lib/strbuf.h"

#include "lib/netlist.h"
#include "policy/account.h"

enum dir_status {
	DIR_NOTFOUND = 0,
	DIR_FOUND = 1,
	DIR_ERROR = -1, /* could not ask: the caller must not decide "not found" */
};

enum dir_source {
	SRC_NONE = 0,    /* no lookup involved: logged "-" */
	SRC_STATIC,      /* the config file's lists */
	SRC_CACHE,       /* a fresh cached directory answer */
	SRC_LDAP,        /* asked the directory just now */
	SRC_STALE_CACHE, /* directory unreachable, expired entry within stale_ttl */
	SRC_SYNC,        /* the directory held in memory by content sync */
	SRC_LIMITS,      /* the rate-limit store (a limit, a store suspension) */
	N_DIR_SOURCES    /* the count: keep last */
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

/* The answer to one account lookup (SPEC §8). */
struct dir_account_answer {
	enum dir_status status;
	enum dir_source source;
	struct account *account; /* FOUND: the caller's copy (account_free) */
	bool want_detail;        /* in: fill DETAIL */
	char detail[320];
};

/* What `relaymilter -n -n` learned of a directory. */
enum dir_check {
	DIR_CHECK_OK,       /* every server answered */
	DIR_CHECK_DEGRADED, /* usable (some server answered), others did not */
	DIR_CHECK_FAILED,   /* nothing answered: the directory is unusable */
};

/* One set held in memory by content sync (ldap.mode = "sync"). */
struct dir_sync_stats {
	const char *set;          /* "domains", "networks" */
	unsigned long entries;    /* entries in the published set */
	unsigned long refreshes;  /* complete refreshes (or polls) published */
	unsigned long reconnects; /* connections opened after the first */
	unsigned long changes;    /* entries added, changed or removed */
	unsigned long errors;     /* failed connects, searches, polls */
	double age;               /* seconds since the set last changed; -1 never */
	bool complete;            /* a complete set is published */
	bool cookie;              /* a cookie to resume from is held */
	int syncprov;             /* 1 content sync; 0 polling; -1 not known yet */
	char last_error[240];     /* "" when none */
};

#define DIR_SYNC_SETS 3 /* domains, networks, accounts */

/* A backend's counters (SIGUSR2, the stats file). They count from the
 * daemon's start: a reload's successor carries its predecessor's on. */
struct dir_stats {
	unsigned long cache_hits;
	unsigned long cache_misses;    /* lookups that went to the server */
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
	size_t n_sync;                  /* sets held by content sync (0: query mode) */
	struct dir_sync_stats sync[DIR_SYNC_SETS];
};

struct directory;

struct directory_ops {
	const char *name; /* "static", "ldap": one name per backend */
	/* Is DOMAIN (normalised, see address_normalize_domain) local? With
	 * match_subdomains in the backend's params, a parent domain counts. */
	void (*lookup_domain)(struct directory *dir, const char *domain,
	                      struct dir_answer *ans_r);
	/* Is ADDR in an allowlisted network this backend holds? Answered from
	 * memory: FOUND or NOTFOUND; ERROR only while the backend has never
	 * managed to load its networks (then nobody can say "not allowlisted"). */
	void (*match_client)(struct directory *dir, const struct netaddr *addr,
	                     struct dir_answer *ans_r);
	/* The account of canonical LOGIN (lib/login.h): FOUND with a copy,
	 * NOTFOUND, or ERROR when it could not be asked (a known answer, even
	 * a stale one, is FOUND or NOTFOUND). NULL: the backend has no
	 * accounts (NOTFOUND). */
	void (*lookup_account)(struct directory *dir, const char *login,
	                       struct dir_account_answer *ans_r);
	/* Release everything (stops background threads); called when the
	 * last reference goes. */
	void (*free)(struct directory *dir);
	/* -n -n: reach the servers now, append a human report to REPORT (one
	 * line per finding; a problem that leaves the directory usable starts
	 * with "warning: "). */
	enum dir_check (*check)(struct directory *dir, struct strbuf *report);
	/* Fill ST_R (zeroed by the caller); false: this backend has none. */
	bool (*stats)(struct directory *dir, struct dir_stats *st_r);
	/* Reload: everything remembered is expired, not forgotten. An edit in
	 * the directory is seen by the next lookup; while the server cannot
	 * answer, the expired answers still serve as stale ones. */
	void (*expire)(struct directory *dir);
	/* Go into service: start background work (connections, loads). 0, or
	 * -1 with *ERROR_R set (a thread could not be started). */
	int (*start)(struct directory *dir, const char **error_r);
	/* Reload: DIR is running, NEXT is the same backend's directory for the
	 * new configuration, not started. Return what the new policy uses in
	 * DIR's place: DIR itself (a new reference; NEXT released) when the
	 * backend's parameters are unchanged, or NEXT started with what DIR
	 * knows (its last good networks, its cached answers as expired ones,
	 * its counters). NULL with *ERROR_R set when NEXT cannot start (NEXT
	 * released; DIR runs on untouched). */
	struct directory *(*handover)(struct directory *dir, struct directory *next,
	                              const char **error_r);
};

/* Every backend embeds this as its first member; dir_init sets it up. */
struct directory {
	const struct directory_ops *ops;
	unsigned refs;
	bool started;
};

/* The text form of a source for logs: "static", "cache", "ldap", "stale-cache",
 * "sync", "-". */
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

/* The account of LOGIN in DIR (see directory_ops.lookup_account). */
void dir_lookup_account(struct directory *dir, const char *login,
                        struct dir_account_answer *ans_r);

/* A directory of OPS with one reference (backends call it on create). */
void dir_init(struct directory *dir, const struct directory_ops *ops);
/* One more reference to DIR. */
struct directory *dir_ref(struct directory *dir);
/* Drop a reference (NULL is fine); the last one frees DIR. */
void dir_free(struct directory *dir);
/* The ops wrappers for what a backend may lack: a backend without check
 * reports that it needs no server and is OK; without stats, false. */
enum dir_check dir_check(struct directory *dir, struct strbuf *report);
bool dir_stats(struct directory *dir, struct dir_stats *st_r);
void dir_expire(struct directory *dir);
/* Start DIR once (later calls do nothing); 0 or -1 with *ERROR_R set. */
int dir_start(struct directory *dir, const char **error_r);
/* Reload: what the next policy uses in PREV's place, NEXT being the same
 * backend's new directory (see directory_ops.handover). Without handover,
 * NEXT, started. Takes NEXT's reference; returns one reference, or NULL
 * with *ERROR_R set (NEXT released) when NEXT cannot start. */
struct directory *dir_handover(struct directory *prev, struct directory *next,
                               const char **error_r);

#endif
