/*
 * test_limiter: the rate limits as the engine asks them
 * (policy/limits/limiter.c) on the memory store: exactly MAX then refused,
 * the account's overrides (NAME=10, NAME=0), msg rules only asked at RCPT
 * and taken at end of data, a refusal taking nothing of the other rules,
 * hold and log rules passing, suspend writing a suspension that is then
 * read, IPv6 clients counted by /64, the alert once per key and period,
 * and a reload keeping everybody's allowance and the counters. Also the
 * memory store's atomic multi-key check (memstore_run).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "lib/netlist.h"
#include "policy/limits/limiter.h"
#include "policy/limits/memstore.h"
#include "tests/unit/tap.h"

static struct limit_rule rules[] = {
    {.name = "login-rcpt",
     .key = LIMIT_KEY_LOGIN,
     .count = LIMIT_COUNT_RCPT,
     .max = 5,
     .per = 3600,
     .action = LIMIT_TEMPFAIL},
    {.name = "login-msg",
     .key = LIMIT_KEY_LOGIN,
     .count = LIMIT_COUNT_MSG,
     .max = 2,
     .per = 3600,
     .action = LIMIT_REJECT},
    {.name = "client-rcpt",
     .key = LIMIT_KEY_CLIENT,
     .count = LIMIT_COUNT_RCPT,
     .max = 8,
     .per = 3600,
     .action = LIMIT_TEMPFAIL},
};

static struct limits_params params(struct limit_rule *r, size_t n)
{
	struct limits_params p;

	memset(&p, 0, sizeof p);
	p.store = LIMIT_STORE_MEMORY;
	p.rules = r;
	p.n_rules = n;
	return p;
}

static struct limiter *make(const struct limits_params *p, struct limiter *prev)
{
	const char *err = NULL;
	struct limiter *l = limiter_create(p, prev, &err);

	ck_assert_msg(l != NULL, "limiter_create: %s", err ? err : "?");
	return l;
}

static int accepted_rcpts(struct limiter *l, const struct limit_subject *s, int tries,
                          const char **refused_by)
{
	struct limit_outcome o;
	int n = 0;

	*refused_by = NULL;
	for (int i = 0; i < tries; i++) {
		limiter_check(l, s, LIMIT_PHASE_RCPT, &o);
		if (o.verdict == LIMIT_PASS)
			n++;
		else if (*refused_by == NULL && o.rule != NULL)
			*refused_by = o.rule->name;
	}
	return n;
}

START_TEST(t_exact_and_overrides)
{
	struct limits_params p = params(rules, 1);
	struct limiter *l = make(&p, NULL);
	struct limit_subject s = {.login = "alice@example.org"};
	char *ten[] = {"login-rcpt=10"}, *zero[] = {"login-rcpt=0"};
	const char *by;

	ck_assert_int_eq(accepted_rcpts(l, &s, 20, &by), 5);
	ck_assert_str_eq(by, "login-rcpt");
	s.login = "bob@example.org";
	s.overrides = ten;
	s.n_overrides = 1;
	ck_assert_int_eq(accepted_rcpts(l, &s, 20, &by), 10);
	s.login = "carol@example.org";
	s.overrides = zero;
	ck_assert_int_eq(accepted_rcpts(l, &s, 50, &by), 50);
	ck_assert_ptr_null(by);
	/* no login: a login rule does not apply */
	s.login = NULL;
	ck_assert_int_eq(accepted_rcpts(l, &s, 20, &by), 20);
	limiter_free(l);
}
END_TEST

START_TEST(t_msg_rules)
{
	struct limits_params p = params(rules, 2);
	struct limiter *l = make(&p, NULL);
	struct limit_subject s = {.login = "dave@example.org"};
	struct limit_outcome o;
	const char *by;

	/* at RCPT msg rules only ask: three recipients, no message yet */
	ck_assert_int_eq(accepted_rcpts(l, &s, 3, &by), 3);
	for (int i = 0; i < 2; i++) {
		limiter_check(l, &s, LIMIT_PHASE_MSG, &o);
		ck_assert_int_eq(o.verdict, LIMIT_PASS);
	}
	/* two messages taken: the next recipient is refused by login-msg,
	 * and login-rcpt (3 of 5 used) gives nothing for it */
	limiter_check(l, &s, LIMIT_PHASE_RCPT, &o);
	ck_assert_int_eq(o.verdict, LIMIT_REFUSED);
	ck_assert_str_eq(o.rule->name, "login-msg");
	ck_assert_int_eq(o.rule->action, LIMIT_REJECT);
	ck_assert_uint_gt(o.retry_after, 0);
	limiter_check(l, &s, LIMIT_PHASE_MSG, &o);
	ck_assert_int_eq(o.verdict, LIMIT_REFUSED);
	limiter_free(l);
}
END_TEST

START_TEST(t_refusal_takes_nothing)
{
	struct limit_rule r[] = {
	    {.name = "a",
	     .key = LIMIT_KEY_LOGIN,
	     .max = 3,
	     .per = 3600,
	     .action = LIMIT_TEMPFAIL},
	    {.name = "b",
	     .key = LIMIT_KEY_CLIENT,
	     .max = 100,
	     .per = 3600,
	     .action = LIMIT_TEMPFAIL},
	};
	struct limits_params p = params(r, 2), p_b = params(r + 1, 1);
	struct limiter *l = make(&p, NULL), *lb;
	struct netaddr ip;
	struct limit_subject s = {.login = "erin@example.org", .client = &ip};
	struct limit_subject only_ip = {.client = &ip};
	const char *by;

	netaddr_parse("192.0.2.7", &ip);
	ck_assert_int_eq(accepted_rcpts(l, &s, 10, &by), 3);
	ck_assert_str_eq(by, "a");
	/* b took 3, not 10: 97 are left on the same counters */
	lb = make(&p_b, l);
	ck_assert_int_eq(accepted_rcpts(lb, &only_ip, 200, &by), 97);
	limiter_free(lb);
	limiter_free(l);
}
END_TEST

START_TEST(t_hold_log_suspend)
{
	struct limit_rule r[] = {
	    {.name = "h",
	     .key = LIMIT_KEY_LOGIN,
	     .max = 2,
	     .per = 3600,
	     .action = LIMIT_HOLD},
	    {.name = "g",
	     .key = LIMIT_KEY_SENDER_DOMAIN,
	     .max = 1,
	     .per = 3600,
	     .action = LIMIT_LOG},
	    {.name = "s",
	     .key = LIMIT_KEY_LOGIN,
	     .max = 4,
	     .per = 3600,
	     .action = LIMIT_SUSPEND,
	     .suspend = 600},
	};
	struct limits_params p = params(r, 3);
	struct limiter *l = make(&p, NULL);
	struct limit_subject s = {.login = "frank@example.org",
	                          .sender_domain = "example.org"};
	struct limit_outcome o;
	uint64_t until;

	ck_assert(limiter_suspends(l));
	limiter_check(l, &s, LIMIT_PHASE_RCPT, &o);
	ck_assert_int_eq(o.verdict, LIMIT_PASS);
	ck_assert_ptr_null(o.rule);
	limiter_check(l, &s, LIMIT_PHASE_RCPT, &o);
	ck_assert_int_eq(o.verdict, LIMIT_PASS);
	ck_assert_str_eq(o.rule->name, "g"); /* over, logged only */
	ck_assert(!o.hold);
	limiter_check(l, &s, LIMIT_PHASE_RCPT, &o);
	ck_assert_int_eq(o.verdict, LIMIT_PASS);
	ck_assert(o.hold);
	ck_assert(!limiter_suspended(l, "frank@example.org", &until));
	limiter_check(l, &s, LIMIT_PHASE_RCPT, &o);
	ck_assert_int_eq(o.verdict, LIMIT_PASS); /* s: the 4th of 4 */
	limiter_check(l, &s, LIMIT_PHASE_RCPT, &o);
	ck_assert_int_eq(o.verdict, LIMIT_REFUSED);
	ck_assert_str_eq(o.rule->name, "s");
	ck_assert(o.suspended);
	ck_assert(limiter_suspended(l, "frank@example.org", &until));
	ck_assert_uint_eq(until, o.suspended_until);
	/* suspended: refused outright */
	limiter_check(l, &s, LIMIT_PHASE_RCPT, &o);
	ck_assert_int_eq(o.verdict, LIMIT_REFUSED);
	ck_assert(o.suspended);
	ck_assert(!limiter_suspended(l, "grace@example.org", &until));
	limiter_free(l);
}
END_TEST

START_TEST(t_ipv6_by_64)
{
	struct limits_params p = params(rules + 2, 1);
	struct limiter *l = make(&p, NULL);
	struct netaddr a, b, c;
	struct limit_subject s = {.client = &a};
	const char *by;

	netaddr_parse("2001:db8:1:2::1", &a);
	netaddr_parse("2001:db8:1:2:ffff::9", &b);
	netaddr_parse("2001:db8:1:3::1", &c);
	ck_assert_int_eq(accepted_rcpts(l, &s, 5, &by), 5);
	s.client = &b; /* same /64: 3 left */
	ck_assert_int_eq(accepted_rcpts(l, &s, 5, &by), 3);
	s.client = &c;
	ck_assert_int_eq(accepted_rcpts(l, &s, 5, &by), 5);
	limiter_free(l);
}
END_TEST

START_TEST(t_alerts_counters_reload)
{
	struct limits_params p = params(rules, 1);
	struct limiter *l = make(&p, NULL), *next;
	struct limit_subject s = {.login = "heidi@example.org"};
	struct limiter_stats st;
	const char *by;

	ck_assert_int_eq(accepted_rcpts(l, &s, 9, &by), 5);
	limiter_stats(l, &st);
	ck_assert_uint_eq(st.n_rules, 1);
	ck_assert_uint_eq(st.rules[0].checks, 9);
	ck_assert_uint_eq(st.rules[0].exceeded, 4);
	ck_assert_uint_eq(st.rules[0].alerts, 1);
	ck_assert(!st.shared);
	limiter_stats_clear(&st);
	/* a reload: the allowance used stays used, counters carry on */
	next = make(&p, l);
	limiter_free(l);
	ck_assert_int_eq(accepted_rcpts(next, &s, 3, &by), 0);
	limiter_stats(next, &st);
	ck_assert_uint_eq(st.rules[0].checks, 12);
	ck_assert_uint_eq(st.rules[0].alerts, 1);
	limiter_stats_clear(&st);
	limiter_free(next);
}
END_TEST

START_TEST(t_memstore_run_atomic)
{
	struct memstore *m = memstore_create(100);
	struct limit_op ops[2];
	struct limit_check c;
	const uint64_t S = 1000000, now = 5000 * S;

	memset(ops, 0, sizeof ops);
	snprintf(ops[0].key, sizeof ops[0].key, "v1:{u:x}:a");
	snprintf(ops[1].key, sizeof ops[1].key, "v1:{ip:192.0.2.1}:b");
	ops[0].rule = (struct gcra_rule){1, 60 * S};
	ops[1].rule = (struct gcra_rule){10, 60 * S};
	for (int i = 0; i < 2; i++) {
		ops[i].cost = 1;
		ops[i].commit = ops[i].blocking = true;
	}
	memset(&c, 0, sizeof c);
	c.ops = ops;
	c.n_ops = 2;
	memstore_run(m, &c, now);
	ck_assert(!c.refused);
	ck_assert_uint_eq(ops[1].r.remaining, 9);
	memstore_run(m, &c, now);
	ck_assert(c.refused);
	ck_assert(!ops[0].r.allowed);
	ck_assert(ops[1].r.allowed);
	ops[0].commit = false; /* only ask b: it still has 9 */
	c.n_ops = 2;
	ops[0].blocking = false;
	memstore_run(m, &c, now);
	ck_assert(!c.refused);
	ck_assert_uint_eq(ops[1].r.remaining, 8);
	/* a suspension read first refuses everything */
	memstore_put(m, "v1:{u:x}:suspended", now + 10 * S, now);
	c.suspend_key = "v1:{u:x}:suspended";
	memstore_run(m, &c, now + S);
	ck_assert(c.refused);
	ck_assert_uint_eq(c.suspended_until, now + 10 * S);
	ck_assert_uint_eq(memstore_get(m, "v1:{u:x}:suspended", now + 11 * S), 0);
	memstore_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("limiter");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, t_exact_and_overrides);
	tcase_add_test(tc, t_msg_rules);
	tcase_add_test(tc, t_refusal_takes_nothing);
	tcase_add_test(tc, t_hold_log_suspend);
	tcase_add_test(tc, t_ipv6_by_64);
	tcase_add_test(tc, t_alerts_counters_reload);
	tcase_add_test(tc, t_memstore_run_atomic);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
