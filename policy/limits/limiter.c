/*
 * limiter: see limiter.h. Entry points: limiter_create, _free, _active,
 * _suspends, _check, _suspended, _peek, _reset, _stats, _stats_clear.
 * The memory counters and alert marks are shared with the limiter of the
 * next configuration (reference-counted), so a reload neither refills nor
 * forgets anybody's allowance.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/counter.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/escape.h"
#include "lib/xalloc.h"
#include "policy/limits/limiter.h"
#include "policy/limits/memstore.h"
#include "policy/limits/redisstore.h"

#define MEM_KEYS 500000 /* keys this host counts at most (beyond: stalest go) */
#define US 1000000ULL
#define STACK_RULES 16 /* rules checked without an allocation */
/* A key's subject part: "u:" and a login (lib/login.h's LOGIN_MAX) fit, and
 * with "v1:{", "}:" and a rule name it fits LIMIT_KEY_MAX. */
#define SUBJ_MAX (LIMIT_KEY_MAX - LIMIT_NAME_MAX - 8)

/* What a reload hands on: the memory counters, the alert marks, counters. */
struct shared {
	int refcnt; /* atomic */
	struct memstore *counts;
	struct memstore *alerts; /* KEY -> end of the period it was alerted in */
	unsigned long store_errors, fallback_checks;
};

struct rule_counters {
	unsigned long checks, exceeded, alerts;
};

struct limiter {
	const struct limits_params *p;
	struct shared *sh;
	struct redisstore *redis; /* NULL: the memory store */
	struct rule_counters *rc; /* one per rule */
	int outage;               /* atomic: the shared store is out */
	bool suspends;
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * US + (uint64_t)ts.tv_nsec / 1000;
}

static struct shared *shared_new(void)
{
	struct shared *sh = xcalloc(1, sizeof *sh);

	sh->refcnt = 1;
	sh->counts = memstore_create(MEM_KEYS);
	sh->alerts = memstore_create(MEM_KEYS / 10);
	return sh;
}

static void shared_unref(struct shared *sh)
{
	if (sh == NULL || __atomic_sub_fetch(&sh->refcnt, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	memstore_free(sh->counts);
	memstore_free(sh->alerts);
	free(sh);
}

/* PREV's counters for the rule of the same name carry on. */
static void inherit_counters(struct limiter *l, const struct limiter *prev)
{
	for (size_t i = 0; prev != NULL && i < l->p->n_rules; i++)
		for (size_t j = 0; j < prev->p->n_rules; j++)
			if (strcmp(l->p->rules[i].name, prev->p->rules[j].name) == 0) {
				l->rc[i].checks = counter_get(&prev->rc[j].checks);
				l->rc[i].exceeded = counter_get(&prev->rc[j].exceeded);
				l->rc[i].alerts = counter_get(&prev->rc[j].alerts);
			}
}

struct limiter *limiter_create(const struct limits_params *p, struct limiter *prev,
                               const char **error_r)
{
	struct limiter *l = xcalloc(1, sizeof *l);

	l->p = p;
	l->rc = xcalloc(p->n_rules + 1, sizeof *l->rc);
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].action == LIMIT_SUSPEND)
			l->suspends = true;
	if (p->store == LIMIT_STORE_REDIS && p->n_rules > 0) {
		struct redisstore_params rp = {
		    .server = p->redis_server,
		    .password = p->redis_password,
		    .timeout = p->redis_timeout,
		    .prefix = p->redis_prefix ? p->redis_prefix : "",
		};

		if ((l->redis = redisstore_create(&rp, error_r)) == NULL) {
			free(l->rc);
			free(l);
			return NULL;
		}
	}
	if (prev != NULL) {
		l->sh = prev->sh;
		__atomic_add_fetch(&l->sh->refcnt, 1, __ATOMIC_ACQ_REL);
	} else {
		l->sh = shared_new();
	}
	inherit_counters(l, prev);
	return l;
}

void limiter_free(struct limiter *l)
{
	if (l == NULL)
		return;
	redisstore_free(l->redis);
	shared_unref(l->sh);
	free(l->rc);
	free(l);
}

bool limiter_active(const struct limiter *l)
{
	return l != NULL && l->p->n_rules > 0;
}

bool limiter_keys_sender_domain(const struct limiter *l)
{
	for (size_t i = 0; l != NULL && i < l->p->n_rules; i++)
		if (l->p->rules[i].key == LIMIT_KEY_SENDER_DOMAIN)
			return true;
	return false;
}

bool limiter_suspends(const struct limiter *l)
{
	return l != NULL && l->suspends;
}

/* --- building the check ---------------------------------------------- */

/* The subject of rule R in S as a key part ("u:LOGIN"), or false when S has
 * none (the rule does not apply). */
static bool subject_of(const struct limit_rule *r, const struct limit_subject *s,
                       char *buf, size_t size)
{
	char addr[NETADDR_STRLEN];
	struct netaddr net;

	switch (r->key) {
	case LIMIT_KEY_LOGIN:
		if (s->login == NULL)
			return false;
		snprintf(buf, size, "u:%s", s->login);
		return true;
	case LIMIT_KEY_SENDER_DOMAIN:
		if (s->login == NULL || s->sender_domain == NULL)
			return false;
		snprintf(buf, size, "d:%s", s->sender_domain);
		return true;
	case LIMIT_KEY_CLIENT:
		if (s->client == NULL)
			return false;
		net = *s->client;
		if (net.family == AF_INET6) {
			/* One customer holds a /64: counting each address would
			 * give every host of it its own allowance. */
			memset(net.bytes + 8, 0, 8);
			netaddr_format(&net, addr, sizeof addr);
			snprintf(buf, size, "ip:%s/64", addr);
		} else {
			netaddr_format(&net, addr, sizeof addr);
			snprintf(buf, size, "ip:%s", addr);
		}
		return true;
	}
	return false;
}

/* The MAX of rule R for S: the account's "NAME=MAX" override for login and
 * sender-domain rules (0: unlimited), else the rule's own. */
static uint64_t max_of(const struct limit_rule *r, const struct limit_subject *s)
{
	size_t n = strlen(r->name);

	if (r->key == LIMIT_KEY_CLIENT)
		return (uint64_t)r->max;
	for (size_t i = 0; i < s->n_overrides; i++) {
		const char *o = s->overrides[i];

		if (strncmp(o, r->name, n) == 0 && o[n] == '=')
			return strtoull(o + n + 1, NULL, 10);
	}
	return (uint64_t)r->max;
}

static bool blocking(enum limit_action a)
{
	return a == LIMIT_TEMPFAIL || a == LIMIT_REJECT || a == LIMIT_SUSPEND;
}

/* One op for rule R on subject SUBJ. */
static void op_fill(struct limit_op *op, const struct limit_rule *r, const char *subj,
                    uint64_t max)
{
	snprintf(op->key, sizeof op->key, "v1:{%s}:%s", subj, r->name);
	memset(&op->r, 0, sizeof op->r);
	op->rule.max = max;
	op->rule.per_us = (uint64_t)(r->per * US);
	op->cost = 1;
	op->commit = false;
	op->blocking = blocking(r->action);
	op->suspend_us = r->action == LIMIT_SUSPEND ? (uint64_t)(r->suspend * US) : 0;
}

/* The ops of S at PHASE into OPS (one per applying rule; rule index in
 * IDX); their number. */
static size_t build_ops(const struct limiter *l, const struct limit_subject *s,
                        enum limit_phase phase, struct limit_op *ops, size_t *idx)
{
	char subj[SUBJ_MAX];
	size_t n = 0;

	for (size_t i = 0; i < l->p->n_rules; i++) {
		const struct limit_rule *r = &l->p->rules[i];
		uint64_t max;

		if (phase == LIMIT_PHASE_MSG && r->count != LIMIT_COUNT_MSG)
			continue;
		if (!subject_of(r, s, subj, sizeof subj))
			continue;
		if ((max = max_of(r, s)) == 0)
			continue; /* unlimited for this account */
		op_fill(&ops[n], r, subj, max);
		/* At RCPT a msg rule only asks: the message is counted once,
		 * when it reaches end of data. */
		ops[n].commit = phase == LIMIT_PHASE_MSG || r->count == LIMIT_COUNT_RCPT;
		idx[n++] = i;
	}
	return n;
}

static void suspend_key(const char *login, char *buf, size_t size)
{
	snprintf(buf, size, "v1:{u:%s}:suspended", login);
}

/* --- running it ------------------------------------------------------ */

/* Run C in the shared store, or on the memory counters when there is none
 * or it cannot answer and on_store_error says "local". False: nobody could
 * answer (on_store_error "tempfail"). */
static bool run_check(struct limiter *l, struct limit_check *c, bool *fallback_r)
{
	const char *err = NULL;
	enum redisstore_status st;

	*fallback_r = false;
	if (l->redis == NULL) {
		memstore_run(l->sh->counts, c, now_us());
		return true;
	}
	st = redisstore_run(l->redis, c, &err);
	if (st == REDISSTORE_OK) {
		if (__atomic_exchange_n(&l->outage, 0, __ATOMIC_ACQ_REL))
			msg_info(
			    "limits: the shared store answers again: counting there");
		return true;
	}
	counter_inc(&l->sh->store_errors);
	if (!__atomic_exchange_n(&l->outage, 1, __ATOMIC_ACQ_REL))
		msg_warn("limits: the shared store %s cannot answer (%s): %s",
		         l->p->redis_server, err ? err : "circuit open",
		         l->p->on_store_error == LIMIT_ON_ERROR_LOCAL
		             ? "enforcing every rule on this host's memory counters "
		               "until it does"
		             : "recipients a rule applies to get 451 until it does");
	if (l->p->on_store_error != LIMIT_ON_ERROR_LOCAL)
		return false;
	counter_inc(&l->sh->fallback_checks);
	*fallback_r = true;
	memstore_run(l->sh->counts, c, now_us());
	return true;
}

static const char *action_name(enum limit_action a)
{
	static const char *const names[] = {"tempfail", "reject", "hold", "suspend",
	                                    "log"};

	return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "?";
}

/* "login:alice@example.org" for rule R's key in S, log-escaped, into OUT. */
static void key_text(struct strbuf *out, const struct limit_rule *r,
                     const struct limit_subject *s, const struct limit_op *op)
{
	const char *kind = r->key == LIMIT_KEY_LOGIN    ? "login"
	                   : r->key == LIMIT_KEY_CLIENT ? "client"
	                                                : "sender_domain";
	const char *subj = strchr(op->key, ':') + 2; /* past "v1:{" */
	const char *end = strrchr(op->key, '}');
	char buf[LIMIT_KEY_MAX];

	(void)s;
	subj = strchr(subj, ':') + 1; /* past "u:" / "ip:" / "d:" */
	snprintf(buf, sizeof buf, "%s:%.*s", kind, (int)(end - subj), subj);
	escape_log_value(out, buf);
}

/* The alert of SPEC §9, once per key, rule and period (on this host). */
static void alert(struct limiter *l, size_t ri, const struct limit_subject *s,
                  const struct limit_op *op, uint64_t now)
{
	const struct limit_rule *r = &l->p->rules[ri];
	struct gcra_rule once = {1, op->rule.per_us};
	struct gcra_result res;
	struct strbuf key;

	memstore_check(l->sh->alerts, op->key, &once, now, 1, &res);
	if (!res.allowed)
		return;
	counter_inc(&l->rc[ri].alerts);
	strbuf_init(&key);
	key_text(&key, r, s, op);
	msg_warn("event=limit-exceeded limit=%s key=%s max=%llu per=%g action=%s",
	         r->name, key.data, (unsigned long long)op->rule.max, r->per,
	         action_name(r->action));
	strbuf_free(&key);
}

static void log_suspension(const struct limit_rule *r, const struct limit_subject *s,
                           uint64_t until)
{
	struct strbuf login;
	char when[32];
	time_t t = (time_t)(until / US);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	strbuf_init(&login);
	escape_log_value(&login, s->login);
	msg_warn("event=account-suspended login=%s limit=%s until=%s", login.data,
	         r->name, when);
	strbuf_free(&login);
}

void limiter_check(struct limiter *l, const struct limit_subject *s,
                   enum limit_phase phase, struct limit_outcome *o)
{
	struct limit_op stack_ops[STACK_RULES], *ops;
	size_t stack_idx[STACK_RULES], *idx, n;
	char skey[LIMIT_KEY_MAX];
	struct limit_check c;
	bool fallback;

	memset(o, 0, sizeof *o);
	if (!limiter_active(l))
		return;
	/* on the stack for the usual handful of rules: no allocation on the
	 * path every accepted recipient takes */
	if (l->p->n_rules <= STACK_RULES) {
		ops = stack_ops;
		idx = stack_idx;
	} else {
		ops = xmalloc(l->p->n_rules * sizeof *ops);
		idx = xmalloc(l->p->n_rules * sizeof *idx);
	}
	if ((n = build_ops(l, s, phase, ops, idx)) == 0)
		goto out;
	memset(&c, 0, sizeof c);
	c.ops = ops;
	c.n_ops = n;
	if (s->login != NULL && l->suspends) {
		suspend_key(s->login, skey, sizeof skey);
		c.suspend_key = skey;
	}
	if (!run_check(l, &c, &fallback)) {
		o->verdict = LIMIT_STORE_DOWN;
		o->rule = &l->p->rules[idx[0]];
		goto out;
	}
	o->fallback = fallback;
	for (size_t i = 0; i < n; i++) {
		const struct limit_rule *r = &l->p->rules[idx[i]];

		counter_inc(&l->rc[idx[i]].checks);
		if (ops[i].r.allowed)
			continue;
		counter_inc(&l->rc[idx[i]].exceeded);
		alert(l, idx[i], s, &ops[i], c.now);
		if (ops[i].blocking && o->verdict != LIMIT_REFUSED) {
			o->verdict = LIMIT_REFUSED;
			o->rule = r;
			o->retry_after = ops[i].r.retry_after;
		} else if (!ops[i].blocking && o->rule == NULL) {
			o->rule = r; /* over, but it only holds or logs */
		}
		if (r->action == LIMIT_HOLD)
			o->hold = true;
	}
	if (c.refused && o->verdict != LIMIT_REFUSED) {
		/* refused by nothing but a suspension already in the store */
		o->verdict = LIMIT_REFUSED;
		o->rule = NULL;
	}
	if (o->verdict == LIMIT_REFUSED)
		o->hold = false;
	o->suspended = c.suspended_until != 0;
	o->suspended_until = c.suspended_until;
	if (c.suspended_now && o->rule != NULL)
		log_suspension(o->rule, s, c.suspended_until);
out:
	if (ops != stack_ops) {
		free(ops);
		free(idx);
	}
}

bool limiter_suspended(struct limiter *l, const char *login, uint64_t *until_r)
{
	char skey[LIMIT_KEY_MAX];
	struct limit_check c;
	const char *err;
	enum redisstore_status st = REDISSTORE_SKIPPED;

	*until_r = 0;
	if (!limiter_suspends(l) || login == NULL)
		return false;
	suspend_key(login, skey, sizeof skey);
	memset(&c, 0, sizeof c);
	c.suspend_key = skey;
	if (l->redis != NULL &&
	    (st = redisstore_peek(l->redis, &c, &err)) == REDISSTORE_OK) {
		*until_r = c.suspended_until;
		return c.suspended_until != 0;
	}
	if (l->redis != NULL && l->p->on_store_error != LIMIT_ON_ERROR_LOCAL)
		return false; /* unknown: not suspended */
	*until_r = memstore_get(l->sh->counts, skey, now_us());
	return *until_r != 0;
}

/* --- the abuse desk -------------------------------------------------- */

int limiter_peek(struct limiter *l, const struct limit_subject *s, struct limit_row *rows,
                 size_t max_rows, uint64_t *suspended_until_r, const char **error_r)
{
	size_t n = 0, *idx = xcalloc(l->p->n_rules + 1, sizeof *idx);
	struct limit_op *ops = xcalloc(l->p->n_rules + 1, sizeof *ops);
	char skey[LIMIT_KEY_MAX];
	struct limit_check c;
	int ret = -1;

	n = build_ops(l, s, LIMIT_PHASE_RCPT, ops, idx);
	memset(&c, 0, sizeof c);
	c.ops = ops;
	c.n_ops = n;
	if (s->login != NULL) {
		suspend_key(s->login, skey, sizeof skey);
		c.suspend_key = skey;
	}
	for (size_t i = 0; i < n; i++)
		ops[i].commit = false;
	if (l->redis == NULL) {
		*error_r =
		    error_printf("limits.store is \"memory\": the counters live in "
		                 "the running daemon, not in a store this tool "
		                 "can read");
		goto out;
	}
	if (redisstore_peek(l->redis, &c, error_r) != REDISSTORE_OK)
		goto out;
	for (size_t i = 0; i < n && i < max_rows; i++) {
		uint64_t max = ops[i].rule.max;

		rows[i].rule = &l->p->rules[idx[i]];
		rows[i].max = max;
		memcpy(rows[i].key, ops[i].key, sizeof rows[i].key);
		/* peek asks with cost 1: an allowed answer's REMAINING is what
		 * would be left after that one */
		rows[i].remaining = ops[i].r.remaining + (ops[i].r.allowed ? 1 : 0);
		if (rows[i].remaining > max)
			rows[i].remaining = max;
		rows[i].used = max - rows[i].remaining;
		rows[i].retry_after = ops[i].r.allowed ? 0 : ops[i].r.retry_after;
	}
	*suspended_until_r = c.suspended_until;
	ret = (int)(n < max_rows ? n : max_rows);
out:
	free(ops);
	free(idx);
	return ret;
}

int limiter_reset(struct limiter *l, const struct limit_subject *s, const char **error_r)
{
	size_t n, *idx = xcalloc(l->p->n_rules + 1, sizeof *idx);
	struct limit_op *ops = xcalloc(l->p->n_rules + 1, sizeof *ops);
	const char **keys = xcalloc(l->p->n_rules + 2, sizeof *keys);
	char skey[LIMIT_KEY_MAX];
	int ret = -1;

	n = build_ops(l, s, LIMIT_PHASE_RCPT, ops, idx);
	for (size_t i = 0; i < n; i++)
		keys[i] = ops[i].key;
	if (s->login != NULL) {
		suspend_key(s->login, skey, sizeof skey);
		keys[n++] = skey;
	}
	if (l->redis == NULL)
		*error_r = error_printf("limits.store is \"memory\": only the running "
		                        "daemon holds those counters (a restart clears "
		                        "them)");
	else if (redisstore_reset(l->redis, keys, n, error_r) == REDISSTORE_OK)
		ret = 0;
	free(keys);
	free(ops);
	free(idx);
	return ret;
}

bool limiter_report(struct limiter *l, struct strbuf *out)
{
	struct limit_check c;
	const char *err = NULL;

	if (!limiter_active(l))
		return true;
	strbuf_appendf(out, "limits: %zu rule%s, store %s", l->p->n_rules,
	               l->p->n_rules == 1 ? "" : "s",
	               l->redis != NULL ? l->p->redis_server : "memory (this host only)");
	if (l->redis == NULL) {
		strbuf_putc(out, '\n');
		return true;
	}
	memset(&c, 0, sizeof c);
	c.suspend_key = "v1:{u:-}:suspended"; /* no login has that name */
	if (redisstore_peek(l->redis, &c, &err) == REDISSTORE_OK) {
		strbuf_puts(out, ": answering\n");
		return true;
	}
	strbuf_appendf(out,
	               ": NOT answering (%s): %s\nwarning: limits: the shared store "
	               "does not answer\n",
	               err ? err : "?",
	               l->p->on_store_error == LIMIT_ON_ERROR_LOCAL
	                   ? "on_store_error local: each host would count alone"
	                   : "on_store_error tempfail: limited recipients would get 451");
	return false;
}

/* --- counters -------------------------------------------------------- */

void limiter_stats(struct limiter *l, struct limiter_stats *st)
{
	memset(st, 0, sizeof *st);
	if (l == NULL)
		return;
	st->n_rules = l->p->n_rules;
	st->rules = xcalloc(st->n_rules + 1, sizeof *st->rules);
	for (size_t i = 0; i < st->n_rules; i++) {
		st->rules[i].name = l->p->rules[i].name;
		st->rules[i].checks = counter_get(&l->rc[i].checks);
		st->rules[i].exceeded = counter_get(&l->rc[i].exceeded);
		st->rules[i].alerts = counter_get(&l->rc[i].alerts);
	}
	st->store_errors = counter_get(&l->sh->store_errors);
	st->fallback_checks = counter_get(&l->sh->fallback_checks);
	st->shared = l->redis != NULL;
	st->fallback_active =
	    l->redis != NULL &&
	    (__atomic_load_n(&l->outage, __ATOMIC_ACQUIRE) || !redisstore_up(l->redis));
}

void limiter_stats_clear(struct limiter_stats *st)
{
	free(st->rules);
	memset(st, 0, sizeof *st);
}
