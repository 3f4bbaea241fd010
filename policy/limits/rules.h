/*
 * rules: the rate-limit rules of the config (SPEC §9, limits.rules) as the
 * engine and the stores use them. conf/ fills struct limits_params.
 */
#ifndef RM_LIMIT_RULES_H
#define RM_LIMIT_RULES_H

#include <stdbool.h>
#include <stddef.h>

enum limit_key { LIMIT_KEY_LOGIN, LIMIT_KEY_CLIENT, LIMIT_KEY_SENDER_DOMAIN };
enum limit_count { LIMIT_COUNT_RCPT, LIMIT_COUNT_MSG };
enum limit_action {
	LIMIT_TEMPFAIL,
	LIMIT_REJECT,
	LIMIT_HOLD,
	LIMIT_SUSPEND,
	LIMIT_LOG,
};
enum limit_store { LIMIT_STORE_MEMORY, LIMIT_STORE_REDIS };
enum limit_store_error { LIMIT_ON_ERROR_LOCAL, LIMIT_ON_ERROR_TEMPFAIL };

#define LIMIT_NAME_MAX 64 /* a rule name's length */

/* One limits.rules element. */
struct limit_rule {
	char *name;
	enum limit_key key;
	enum limit_count count;
	long max;   /* at most MAX per PER seconds */
	double per; /* seconds */
	enum limit_action action;
	double suspend; /* LIMIT_SUSPEND: seconds the login stays suspended */
	int line;       /* where the rule's name was written */
};

struct limits_params {
	enum limit_store store;
	char *redis_server; /* "unix:/path" or "tcp:HOST:PORT" */
	char *redis_password_file;
	char *redis_password; /* read from the file at load; never logged */
	double redis_timeout;
	char *redis_prefix;
	enum limit_store_error on_store_error;
	struct limit_rule *rules;
	size_t n_rules;
};

#endif
