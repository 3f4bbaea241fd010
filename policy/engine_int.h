/*
 * engine_int: what the engine's files share (engine.c, the rules of SPEC
 * §1 and §8; engine_limits.c, the rate limits of §9): the policy, one
 * decision in progress and the helpers that decide it. Not for other
 * modules.
 */
#ifndef RM_ENGINE_INT_H
#define RM_ENGINE_INT_H

#include "policy/engine.h"
#include "policy/reply.h"

struct limiter;

#define MAX_DIRS 2

struct policy {
	const struct policy_params *p;
	struct directory *dirs[MAX_DIRS]; /* asked in order: static first, then ldap */
	size_t n_dirs;
	struct limiter *limiter; /* NULL: no rate limits */
};

/* One decision in progress: what the rules look at. */
struct decision {
	struct policy *pol;
	const struct policy_client *client;
	const char *raw_from;
	const char *raw_rcpt;
	const char *rcpt_or_from; /* the address being decided, for replies */
	struct address addr;      /* the parsed address being decided */
	struct reply_vars vars;
	struct strbuf *trace;
	struct verdict *v;
	bool allowlist_unknown; /* a directory could not say whether it allowlists */
	bool suspended;         /* the login is suspended: judged as unauthenticated */
	enum dir_source suspended_source;
	struct policy_account_memo own_memo; /* when the client brings none */
};

void engine_trace(struct decision *d, const char *fmt, ...) RM_PRINTF(2, 3);
bool engine_authenticated(const struct policy_client *client);
void engine_decide(struct decision *d, enum verdict_action action,
                   enum verdict_reason reason, enum dir_source source);
void engine_decide_reply(struct decision *d, enum verdict_action action,
                         enum verdict_reason reason, enum dir_source source,
                         const char *code, const char *xcode, const char *raw_addr,
                         const char *tmpl);
/* The authenticated login's account answer, once per transaction. */
const struct policy_account_memo *engine_account_of(struct decision *d);

/* engine_limits.c: is the login suspended in the limits store (once per
 * transaction)? */
bool limits_login_suspended(struct decision *d, const char *login);
/* The recipient D accepted, counted against the rate limits: the verdict
 * may become a refusal (SPEC §9). */
void limits_after_accept(struct decision *d);

#endif
