/*
 * reply: SMTP reply texts from the configurable templates of
 * policy.replies. A reply is "<ADDR>: TEXT" where TEXT expands %{rcpt},
 * %{sender}, %{client_addr}, %{client_name}, %{auth}, %{login}, %{listener}
 * and %%.
 * Everything expanded is untrusted: control characters become '?', and the
 * result is bounded (never silently: a cut text ends in "...").
 */
#ifndef RM_REPLY_H
#define RM_REPLY_H

#include "policy/engine.h"

/* The values a template may refer to; NULL values expand to "-". */
struct reply_vars {
	const char *rcpt;
	const char *sender;
	const char *client_addr;
	const char *client_name;
	const char *auth;
	const char *listener;
	const char *login; /* the canonical login (SPEC §8) */
};

/* Fill R with CODE ("550"), XCODE ("5.7.1") and "<ADDR>: " + expanded TMPL
 * (ADDR without brackets, NULL for none). */
void reply_set(struct reply *r, const char *code, const char *xcode, const char *addr,
               const char *tmpl, const struct reply_vars *vars);
/* Longest template the config accepts (smfi_setreply allows 980 per line). */
#define REPLY_TEMPLATE_MAX 400

/* The one check of a template: not empty, one line of printable ASCII of at
 * most REPLY_TEMPLATE_MAX characters, every %{name} known. NULL if fine,
 * else an English reason (static, or formatted into BUF of SIZE bytes). */
const char *reply_template_check(const char *tmpl, char *buf, size_t size);

#endif
