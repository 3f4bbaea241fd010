/*
 * engine_limits: the rate limits of SPEC §9 in the decision. Entry points
 * (engine_int.h): limits_login_suspended, limits_after_accept; and
 * policy_check_message, policy_set_limiter, policy_limiter (engine.h).
 * A recipient the rules of §1 accepted is counted against every rule that
 * applies to it (its login, its client, its sender domain); a refusal
 * replaces the accept. A trace (relaymilter-query) counts nothing.
 */
#include "config.h"

#include <string.h>

#include "lib/address.h"
#include "policy/engine_int.h"
#include "policy/limits/limiter.h"

void policy_set_limiter(struct policy *pol, struct limiter *lim)
{
	limiter_free(pol->limiter);
	pol->limiter = lim;
}

struct limiter *policy_limiter(const struct policy *pol)
{
	return pol != NULL ? pol->limiter : NULL;
}

bool limits_login_suspended(struct decision *d, const char *login)
{
	struct policy_account_memo *memo =
	    d->client->account_memo != NULL ? d->client->account_memo : &d->own_memo;
	uint64_t until;

	if (!limiter_suspends(d->pol->limiter))
		return false;
	if (d->trace != NULL) {
		engine_trace(d, "limits: a suspension in the store is not asked in a "
		                "trace (relaymilter-query --limits shows it)");
		return false;
	}
	if (!memo->store_asked) {
		memo->store_asked = true;
		memo->store_suspended = limiter_suspended(d->pol->limiter, login, &until);
	}
	return memo->store_suspended;
}

/* Who D is about, for the limits; SENDER holds the parsed sender. */
static void subject_of(struct decision *d, struct limit_subject *s,
                       struct address *sender)
{
	const struct policy_account_memo *memo;
	const char *err;

	memset(s, 0, sizeof *s);
	memset(sender, 0, sizeof *sender);
	if (d->client->addr_known)
		s->client = &d->client->addr;
	if (!engine_authenticated(d->client) || d->suspended)
		return;
	memo = engine_account_of(d);
	if (memo->login == NULL || memo->store_suspended)
		return;
	s->login = memo->login;
	if (memo->status == DIR_FOUND) {
		s->overrides = memo->account->limits;
		s->n_overrides = memo->account->n_limits;
	}
	if (limiter_keys_sender_domain(d->pol->limiter) &&
	    address_parse(d->raw_from, ADDRESS_SENDER, sender, &err) == 0 &&
	    !sender->is_null)
		s->sender_domain = sender->domain;
}

/* The outcome O of a check of D as its verdict (ADDR: what the reply
 * names). */
static void apply(struct decision *d, const struct limit_outcome *o, const char *addr)
{
	const struct policy_params *pp = d->pol->p;

	switch (o->verdict) {
	case LIMIT_PASS:
		if (o->rule != NULL) {
			engine_trace(d, "limits: %s is over, action %s", o->rule->name,
			             o->hold ? "hold" : "log");
			d->v->limit = o->rule->name;
			d->v->hold = o->hold;
		}
		return;
	case LIMIT_STORE_DOWN:
		engine_decide_reply(d, VERDICT_TEMPFAIL, REASON_LOOKUP_ERROR, SRC_LIMITS,
		                    "451", "4.3.0", addr, pp->replies.lookup_error);
		d->v->limit = o->rule->name;
		return;
	case LIMIT_REFUSED:
		break;
	}
	if (o->rule == NULL) {
		/* suspended in the store since the transaction began */
		engine_decide_reply(d, VERDICT_TEMPFAIL, REASON_ACCOUNT_SUSPENDED,
		                    SRC_LIMITS, "451", "4.7.1", addr,
		                    pp->replies.rate_limited);
		return;
	}
	if (o->rule->action == LIMIT_REJECT)
		engine_decide_reply(d, VERDICT_REJECT, REASON_RATE_LIMIT, SRC_LIMITS,
		                    "550", "5.7.1", addr, pp->replies.rate_limited);
	else
		engine_decide_reply(d, VERDICT_TEMPFAIL, REASON_RATE_LIMIT, SRC_LIMITS,
		                    "451", "4.7.1", addr, pp->replies.rate_limited);
	d->v->limit = o->rule->name;
}

static void check(struct decision *d, enum limit_phase phase, const char *addr)
{
	struct limit_subject s;
	struct limit_outcome o;
	struct address sender;

	if (!limiter_active(d->pol->limiter))
		return;
	if (d->trace != NULL) {
		engine_trace(d, "limits: not counted in a trace (relaymilter-query "
		                "--limits shows them)");
		return;
	}
	subject_of(d, &s, &sender);
	limiter_check(d->pol->limiter, &s, phase, &o);
	apply(d, &o, addr);
	address_clear(&sender);
}

void limits_after_accept(struct decision *d)
{
	check(d, LIMIT_PHASE_RCPT, d->raw_rcpt);
}

void policy_check_message(struct policy *pol, const struct policy_client *client,
                          const char *from, struct verdict *v_r)
{
	struct decision d;

	memset(&d, 0, sizeof d);
	memset(v_r, 0, sizeof *v_r);
	d.pol = pol;
	d.client = client;
	d.raw_from = from ? from : "";
	d.raw_rcpt = "";
	d.rcpt_or_from = d.raw_from;
	d.v = v_r;
	d.vars.sender = from;
	d.vars.client_addr = client->addr_text;
	d.vars.client_name = client->name;
	d.vars.auth = client->auth_user;
	d.vars.listener = client->listener;
	if (client->account_memo != NULL)
		d.vars.login = client->account_memo->login;
	engine_decide(&d, VERDICT_ACCEPT, REASON_NONE, SRC_NONE);
	/* The transaction's suspension answer stands: a login suspended
	 * since then has this message counted like any other. */
	if (client->account_memo != NULL && client->account_memo->store_suspended)
		d.suspended = true;
	check(&d, LIMIT_PHASE_MSG, d.raw_from);
	policy_account_memo_clear(&d.own_memo);
}
