/*
 * limiter: the rate limits of SPEC §9 as the engine asks them. It turns the
 * rules that apply to one decision (its subject: login, client, sender
 * domain; the account's overrides) into one store check (store.h), runs it
 * in the configured store, falls back to this host's memory counters (or
 * a tempfail) when a shared store cannot answer, raises the alert once per
 * key, rule and period, and counts. Its memory counters, alert marks and
 * counters carry over a reload (limiter_create's PREV).
 */
#ifndef RM_LIMITER_H
#define RM_LIMITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/netlist.h"
#include "lib/strbuf.h"
#include "policy/limits/rules.h"
#include "policy/limits/store.h"

struct limiter;

/* Who one decision is about; NULL members are absent. LOGIN is set only
 * for an authenticated login that is not suspended. */
struct limit_subject {
	const char *login;            /* canonical */
	const struct netaddr *client; /* IPv6 is counted by its /64 */
	const char *sender_domain;    /* normalised; authenticated clients only */
	char *const *overrides;       /* the account's "NAME=MAX" */
	size_t n_overrides;
};

enum limit_phase {
	LIMIT_PHASE_RCPT, /* a recipient the policy accepted: rcpt rules take
	                   * one, msg rules are asked whether one more passes */
	LIMIT_PHASE_MSG,  /* end of data, a recipient accepted: msg rules take one */
};

enum limit_verdict {
	LIMIT_PASS,       /* nothing refused (RULE may name a hold/log rule over) */
	LIMIT_REFUSED,    /* RULE refused it (or the login is suspended) */
	LIMIT_STORE_DOWN, /* on_store_error "tempfail" and the store cannot answer */
};

struct limit_outcome {
	enum limit_verdict verdict;
	const struct limit_rule *rule; /* the rule refusing, or over when passing */
	bool hold;                     /* a hold rule is over: hold the message */
	bool suspended;                /* the login is suspended in the store */
	uint64_t suspended_until;      /* µs since the epoch */
	bool fallback;                 /* decided on this host's memory counters */
	uint64_t retry_after;          /* µs, when refused by RULE */
};

/* The limiter for P (which must outlive it); PREV (the running one, on
 * reload, or NULL) hands over its memory counters, alerts and counters.
 * NULL with *ERROR_R set when P's store cannot be used. */
struct limiter *limiter_create(const struct limits_params *p, struct limiter *prev,
                               const char **error_r);
void limiter_free(struct limiter *l);

/* Does any rule exist / can a login be suspended in the store? */
bool limiter_active(const struct limiter *l);
bool limiter_suspends(const struct limiter *l);
/* Does a rule count by sender domain (is the sender's domain needed)? */
bool limiter_keys_sender_domain(const struct limiter *l);

/* Check S at PHASE (see enum limit_phase) into *O. */
void limiter_check(struct limiter *l, const struct limit_subject *s,
                   enum limit_phase phase, struct limit_outcome *o);

/* Is canonical LOGIN suspended in the store? When the store cannot say,
 * false (authenticated relay never depends on the store). */
bool limiter_suspended(struct limiter *l, const char *login, uint64_t *until_r);

/* --- the abuse desk (relaymilter-query --limits) ---------------------- */

/* One rule's state for a subject: ROWS gets one row per rule that applies
 * to S (at most MAX_ROWS); the number filled is returned, or -1 with
 * *ERROR_R set when the store cannot answer. */
struct limit_row {
	const struct limit_rule *rule;
	uint64_t max; /* after the account's override; 0: unlimited */
	char key[LIMIT_KEY_MAX];
	uint64_t used, remaining, retry_after; /* retry_after in µs */
};
int limiter_peek(struct limiter *l, const struct limit_subject *s, struct limit_row *rows,
                 size_t max_rows, uint64_t *suspended_until_r, const char **error_r);
/* Clear every counter of S and its login's suspension; 0, or -1 with
 * *ERROR_R set. */
int limiter_reset(struct limiter *l, const struct limit_subject *s, const char **error_r);

/* relaymilter -n -n: a line on the rules and whether the store answers
 * (asked now) into OUT; false when a shared store does not answer. */
bool limiter_report(struct limiter *l, struct strbuf *out);

/* --- counters --------------------------------------------------------- */

struct limit_rule_stats {
	const char *name;
	uint64_t checks, exceeded, alerts;
};
struct limiter_stats {
	struct limit_rule_stats *rules; /* a copy: limiter_stats_clear frees it */
	size_t n_rules;
	uint64_t store_errors;    /* checks the shared store could not answer */
	uint64_t fallback_checks; /* decided on the memory counters instead */
	bool fallback_active;     /* the shared store is out now */
	bool shared;              /* the store is Redis */
};
void limiter_stats(struct limiter *l, struct limiter_stats *st);
void limiter_stats_clear(struct limiter_stats *st);

#endif
