/*
 * envfile: the load generator's envelope mix. A file holds one envelope a
 * line, whitespace separated:
 *
 *   CATEGORY  CLIENT-ADDR  AUTH-USER|-  SENDER  RECIPIENT [RECIPIENT...]
 *
 * '#' starts a comment line. CATEGORY is one of allowlisted, authenticated,
 * local, remote, subdomain, routed, malformed: it says which verdict the
 * policy must give, so the generator checks every reply it gets. In an
 * address, "{n}" is replaced for each transaction by a number drawn from
 * the generator's range (distinct domains, to fill or to miss the cache).
 * "{s}" (in AUTH-USER too) is one number per SMTP session, the same in every
 * field and transaction of that session: a login and the sender it owns
 * ("u{s}  <u{s}@example.org>"), as a client authenticates once per session.
 */
#ifndef RM_BENCH_ENVFILE_H
#define RM_BENCH_ENVFILE_H

#include <stdbool.h>
#include <stddef.h>

enum env_category {
	CAT_ALLOWLISTED,
	CAT_AUTHENTICATED,
	CAT_LOCAL,
	CAT_REMOTE,
	CAT_SUBDOMAIN,
	CAT_ROUTED,
	CAT_MALFORMED,
};
#define CAT_N 7

struct envelope {
	enum env_category cat;
	char *client; /* numeric address */
	char family;  /* '4' or '6' */
	char *auth;   /* SASL login, or NULL */
	char *from;
	char **rcpts;
	size_t n_rcpts;
};

struct envset {
	struct envelope *v;
	size_t n;
};

/* Where a reply came from: the sender or a recipient. */
enum env_stage { ENV_MAIL, ENV_RCPT };

/*
 * Parse one line into E (which the caller frees with envelope_free).
 * 1: an envelope; 0: blank or comment; -1: error, with a message in ERR.
 */
int envelope_parse(const char *line, struct envelope *e, char *err, size_t errlen);
void envelope_free(struct envelope *e);

/* Load PATH into SET; -1 with a "PATH:LINE: message" in ERR on failure. */
int envset_load(struct envset *set, const char *path, char *err, size_t errlen);
void envset_free(struct envset *set);

const char *env_category_name(enum env_category cat);

/*
 * Expand "{n}" in TMPL with N into OUT (size OUTLEN). False when OUT is
 * too small (nothing is silently cut).
 */
bool env_expand(const char *tmpl, unsigned long n, char *out, size_t outlen);

/* The same, with "{s}" replaced by S too (env_expand leaves "{s}" as is). */
bool env_expand_session(const char *tmpl, unsigned long n, unsigned long s, char *out,
                        size_t outlen);

/* Does "{s}" occur in E's AUTH-USER, sender or a recipient? */
bool env_has_session(const struct envelope *e);

/*
 * Is REPLY ("continue", "550", "451", "501", "553", "reject"...) right for
 * an envelope of category CAT at STAGE? OUTAGE allows what a directory
 * outage may legitimately produce (451 where a lookup is needed); a relay
 * to a remote recipient is never right.
 */
bool env_reply_ok(enum env_category cat, enum env_stage stage, const char *reply,
                  bool outage);

#endif
