/*
 * engine: the relay decision of SPEC §1. Entry points: policy_create,
 * policy_free, policy_directory, policy_directories, policy_check_sender,
 * policy_check_recipient. One small function per rule, in the order of the spec; each
 * returns true when it decided (filling the verdict) and false to pass on. A directory
 * error is carried up as REASON_LOOKUP_ERROR and becomes a tempfail (or the configured
 * reject), never "not local". The engine holds no mutable state of its own:
 * concurrent calls are safe as long as the directories are.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/login.h"
#include "lib/xalloc.h"
#include "policy/engine.h"
#include "policy/engine_int.h"
#include "policy/limits/limiter.h"
#include "policy/reply.h"

void engine_trace(struct decision *d, const char *fmt, ...)
{
	va_list ap;

	if (d->trace == NULL)
		return;
	va_start(ap, fmt);
	strbuf_vappendf(d->trace, fmt, ap);
	va_end(ap);
	strbuf_putc(d->trace, '\n');
}

bool engine_authenticated(const struct policy_client *client)
{
	return client->auth_user != NULL && client->auth_user[0] != '\0';
}

/* The address text for replies: RAW without its outer angle brackets. */
static void bare_address(const char *raw, char *buf, size_t size)
{
	size_t len = strlen(raw);

	if (len >= 2 && raw[0] == '<' && raw[len - 1] == '>')
		snprintf(buf, size, "%.*s", (int)(len - 2), raw + 1);
	else
		snprintf(buf, size, "%s", raw);
}

void engine_decide(struct decision *d, enum verdict_action action,
                   enum verdict_reason reason, enum dir_source source)
{
	d->v->action = action;
	d->v->reason = reason;
	d->v->source = source;
	memset(&d->v->reply, 0, sizeof d->v->reply);
}

void engine_decide_reply(struct decision *d, enum verdict_action action,
                         enum verdict_reason reason, enum dir_source source,
                         const char *code, const char *xcode, const char *raw_addr,
                         const char *tmpl)
{
	char addr[320];

	engine_decide(d, action, reason, source);
	bare_address(raw_addr, addr, sizeof addr);
	reply_set(&d->v->reply, code, xcode, addr, tmpl, &d->vars);
}

/* The lookup failed: tempfail, or reject when the admin chose so. A
 * rejected sender gets the sender's text, a recipient the relay text. */
static void decide_lookup_error(struct decision *d, enum dir_source source,
                                const char *raw_addr)
{
	const struct policy_params *pp = d->pol->p;
	bool sender = d->vars.rcpt == NULL; /* deciding at MAIL FROM */

	if (pp->on_lookup_error == LOOKUP_ERROR_REJECT)
		engine_decide_reply(d, VERDICT_REJECT, REASON_LOOKUP_ERROR, source, "550",
		                    "5.7.1", raw_addr,
		                    sender ? pp->replies.unauth_local_sender
		                           : pp->replies.relay_denied);
	else
		engine_decide_reply(d, VERDICT_TEMPFAIL, REASON_LOOKUP_ERROR, source,
		                    "451", "4.3.0", raw_addr, pp->replies.lookup_error);
}

/* Ask every directory whether the client is allowlisted. */
static bool ask_directories(struct decision *d, enum dir_source *source_r)
{
	const struct policy_client *client = d->client;
	struct dir_answer ans;

	for (size_t i = 0; i < d->pol->n_dirs; i++) {
		memset(&ans, 0, sizeof ans);
		ans.want_detail = d->trace != NULL;
		dir_match_client(d->pol->dirs[i], &client->addr, &ans);
		engine_trace(d, "rule_allowlisted_client: %s", ans.detail);
		if (ans.status == DIR_FOUND) {
			*source_r = ans.source;
			return true;
		}
		if (ans.status == DIR_ERROR)
			d->allowlist_unknown = true;
	}
	return false;
}

/* Is the client allowlisted? From the transaction's memo when it has the
 * answer (and no trace is asked for), else from the directories. */
static bool client_allowlisted(struct decision *d, enum dir_source *source_r)
{
	struct policy_allow_memo *memo = d->trace == NULL ? d->client->allow_memo : NULL;
	bool found;

	if (!d->client->addr_known) {
		engine_trace(
		    d,
		    "rule_allowlisted_client: client address unknown: not allowlisted");
		return false;
	}
	if (memo != NULL && memo->valid) {
		d->allowlist_unknown = d->allowlist_unknown || memo->unknown;
		if (memo->found)
			*source_r = memo->source;
		return memo->found;
	}
	found = ask_directories(d, source_r);
	if (memo != NULL) {
		memo->valid = true;
		memo->found = found;
		memo->unknown = d->allowlist_unknown;
		memo->source = found ? *source_r : SRC_NONE;
	}
	return found;
}

/* Is DOMAIN local? FOUND, NOTFOUND, or ERROR when a directory could not
 * answer and none said FOUND. */
static enum dir_status domain_is_local(struct decision *d, const char *domain,
                                       enum dir_source *source_r)
{
	enum dir_status result = DIR_NOTFOUND;
	struct dir_answer ans;

	*source_r = SRC_NONE;
	for (size_t i = 0; i < d->pol->n_dirs; i++) {
		memset(&ans, 0, sizeof ans);
		ans.want_detail = d->trace != NULL;
		dir_lookup_domain(d->pol->dirs[i], domain, &ans);
		engine_trace(d, "lookup %s: %s", d->pol->dirs[i]->ops->name, ans.detail);
		if (ans.status == DIR_FOUND) {
			*source_r = ans.source;
			return DIR_FOUND;
		}
		if (ans.status == DIR_ERROR) {
			result = DIR_ERROR;
			*source_r = ans.source;
		} else if (result != DIR_ERROR) {
			*source_r = ans.source;
		}
	}
	return result;
}

void policy_account_memo_clear(struct policy_account_memo *memo)
{
	free(memo->login);
	account_free(memo->account);
	memset(memo, 0, sizeof *memo);
}

/* Ask the directories, in order, for the account of MEMO's login. */
static void ask_accounts(struct decision *d, struct policy_account_memo *memo)
{
	struct dir_account_answer ans;

	memo->status = DIR_NOTFOUND;
	memo->source = SRC_NONE;
	for (size_t i = 0; i < d->pol->n_dirs; i++) {
		memset(&ans, 0, sizeof ans);
		ans.want_detail = d->trace != NULL;
		dir_lookup_account(d->pol->dirs[i], memo->login, &ans);
		engine_trace(d, "account %s: %s", d->pol->dirs[i]->ops->name, ans.detail);
		if (ans.status == DIR_FOUND) {
			memo->status = DIR_FOUND;
			memo->source = ans.source;
			memo->account = ans.account;
			return;
		}
		if (ans.status == DIR_ERROR) {
			memo->status = DIR_ERROR;
			memo->source = ans.source;
		}
	}
}

/* The canonical login of the authenticated client, into MEMO once: every
 * decision line of the transaction carries it. */
static void canonical_login(struct decision *d, struct policy_account_memo *memo)
{
	if (memo->canonical || !engine_authenticated(d->client))
		return;
	memo->canonical = true;
	memo->login = login_canonical(d->client->auth_user, d->pol->p->default_domain,
	                              &memo->login_error);
}

/* The authenticated login's account answer, looked up once per
 * transaction (once per call without a memo). */
const struct policy_account_memo *engine_account_of(struct decision *d)
{
	struct policy_account_memo *memo =
	    d->client->account_memo != NULL ? d->client->account_memo : &d->own_memo;

	canonical_login(d, memo);
	if (!memo->valid) {
		memo->valid = true;
		if (memo->login == NULL) {
			engine_trace(
			    d, "account: login unusable (%s): no account, owns nothing",
			    memo->login_error);
			memo->status = DIR_NOTFOUND;
		} else {
			engine_trace(d, "account: canonical login %s", memo->login);
			ask_accounts(d, memo);
		}
	}
	d->vars.login = memo->login;
	return memo;
}

/* Is the authenticated login suspended? Known suspended only: a lookup
 * that failed (and left nothing known) does not suspend. */
static bool login_suspended(struct decision *d)
{
	const struct policy_account_memo *memo = engine_account_of(d);

	if (memo->status == DIR_FOUND && memo->account->suspended) {
		d->suspended = true;
		d->suspended_source = memo->source;
		return true;
	}
	if (memo->login != NULL && limits_login_suspended(d, memo->login)) {
		d->suspended = true;
		d->suspended_source = SRC_LIMITS;
		return true;
	}
	return false;
}

/* policy.listeners: rules of the MTA listener the client came in on. */
static const struct listener_params *find_listener(const struct policy_params *pp,
                                                   const char *name)
{
	if (name == NULL || name[0] == '\0')
		return NULL;
	for (size_t i = 0; i < pp->n_listeners; i++)
		if (strcmp(pp->listeners[i].name, name) == 0)
			return &pp->listeners[i];
	return NULL;
}

static bool rule_listener(struct decision *d)
{
	const struct policy_params *pp = d->pol->p;
	const struct listener_params *lc = find_listener(pp, d->client->listener);
	bool encrypted = d->client->tls_version && d->client->tls_version[0];

	if (lc == NULL)
		return false;
	if (lc->require_tls_auth && engine_authenticated(d->client) && !encrypted) {
		engine_trace(d,
		             "rule_listener: %s requires TLS for authenticated sessions: "
		             "not encrypted",
		             lc->name);
		engine_decide_reply(d, VERDICT_REJECT, REASON_TLS_REQUIRED, SRC_STATIC,
		                    "530", "5.7.0", d->raw_rcpt,
		                    pp->replies.tls_required);
		return true;
	}
	if (lc->require_auth && engine_authenticated(d->client) && login_suspended(d)) {
		engine_trace(d,
		             "rule_listener: %s requires authentication: %s is suspended",
		             lc->name, d->vars.login);
		engine_decide_reply(d, VERDICT_REJECT, REASON_ACCOUNT_SUSPENDED,
		                    d->suspended_source, "550", "5.7.1", d->raw_rcpt,
		                    pp->replies.account_suspended);
		return true;
	}
	if (lc->require_auth && !engine_authenticated(d->client)) {
		engine_trace(
		    d, "rule_listener: %s requires authentication: not authenticated",
		    lc->name);
		engine_decide_reply(d, VERDICT_REJECT, REASON_AUTH_REQUIRED, SRC_STATIC,
		                    "530", "5.7.0", d->raw_rcpt,
		                    pp->replies.auth_required);
		return true;
	}
	engine_trace(d, "rule_listener: %s requirements met", lc->name);
	return false;
}

/*
 * About to refuse a client that a directory could not rule out as
 * allowlisted (its networks never loaded): that is a lookup failure, not a
 * verdict. Decides the tempfail (or configured reject) and returns true.
 */
static bool reject_needs_allowlist(struct decision *d)
{
	if (!d->allowlist_unknown)
		return false;
	engine_trace(d, "the allowlist could not be consulted: %s instead of a refusal",
	             d->pol->p->on_lookup_error == LOOKUP_ERROR_REJECT ? "reject"
	                                                               : "tempfail");
	decide_lookup_error(d, SRC_LDAP, d->rcpt_or_from);
	return true;
}

static bool rule_allowlisted_client(struct decision *d)
{
	enum dir_source source;

	if (!client_allowlisted(d, &source))
		return false;
	engine_decide(d, VERDICT_ACCEPT, REASON_ALLOWLISTED_CLIENT, source);
	return true;
}

static bool rule_authenticated(struct decision *d)
{
	if (!engine_authenticated(d->client)) {
		engine_trace(d, "rule_authenticated: no SMTP AUTH");
		return false;
	}
	if (!d->pol->p->allow_authenticated) {
		engine_trace(d,
		             "rule_authenticated: authenticated as %s, but "
		             "allow_authenticated = false",
		             d->client->auth_user);
		return false;
	}
	if (login_suspended(d)) {
		engine_trace(d,
		             "rule_authenticated: %s is suspended (%s): judged as "
		             "unauthenticated",
		             d->vars.login, dir_source_name(d->suspended_source));
		return false;
	}
	engine_trace(d, "rule_authenticated: authenticated as %s", d->client->auth_user);
	engine_decide(d, VERDICT_ACCEPT, REASON_AUTHENTICATED, SRC_NONE);
	return true;
}

static bool rule_local_recipient(struct decision *d)
{
	const struct policy_params *pp = d->pol->p;
	enum dir_source source;

	if (d->addr.routed) {
		engine_trace(
		    d, "rule_local_recipient: sender-specified routing (%s): never local",
		    d->addr.routing ? d->addr.routing : "routed");
		if (!reject_needs_allowlist(d))
			engine_decide_reply(d, VERDICT_REJECT, REASON_ROUTED_RECIPIENT,
			                    SRC_NONE, "550", "5.7.1", d->raw_rcpt,
			                    pp->replies.relay_denied);
		return true;
	}
	if (d->addr.is_postmaster) {
		engine_trace(
		    d, "rule_local_recipient: <postmaster> is always local (RFC 5321 "
		       "4.5.1)");
		engine_decide(d, VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC);
		return true;
	}
	switch (domain_is_local(d, d->addr.domain, &source)) {
	case DIR_FOUND:
		engine_decide(d, VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, source);
		return true;
	case DIR_ERROR:
		engine_trace(d, "rule_local_recipient: a directory could not answer: %s",
		             pp->on_lookup_error == LOOKUP_ERROR_REJECT ? "reject"
		                                                        : "tempfail");
		decide_lookup_error(d, source, d->raw_rcpt);
		return true;
	case DIR_NOTFOUND:
		d->v->source = source;
		break;
	}
	engine_trace(d, "rule_local_recipient: %s is not local", d->addr.domain);
	return false;
}

static void rule_unauth_relay(struct decision *d)
{
	enum dir_source source = d->v->source;

	if (reject_needs_allowlist(d))
		return;
	if (d->suspended) {
		engine_trace(d,
		             "rule_unauth_relay: relay access denied: account suspended");
		engine_decide_reply(d, VERDICT_REJECT, REASON_ACCOUNT_SUSPENDED,
		                    d->suspended_source, "550", "5.7.1", d->raw_rcpt,
		                    d->pol->p->replies.account_suspended);
		return;
	}
	engine_trace(d, "rule_unauth_relay: relay access denied");
	engine_decide_reply(d, VERDICT_REJECT, REASON_UNAUTH_RELAY, source, "550",
	                    "5.7.1", d->raw_rcpt, d->pol->p->replies.relay_denied);
}

static void decision_init(struct decision *d, struct policy *pol,
                          const struct policy_client *client, const char *from,
                          const char *rcpt, struct verdict *v_r, struct strbuf *tr)
{
	memset(d, 0, sizeof *d);
	memset(v_r, 0, sizeof *v_r);
	d->pol = pol;
	d->client = client;
	d->raw_from = from ? from : "";
	d->raw_rcpt = rcpt ? rcpt : "";
	d->rcpt_or_from = rcpt ? d->raw_rcpt : d->raw_from;
	d->trace = tr;
	d->v = v_r;
	d->vars.rcpt = rcpt;
	d->vars.sender = from;
	d->vars.client_addr = client->addr_text;
	d->vars.client_name = client->name;
	d->vars.auth = client->auth_user;
	d->vars.listener = client->listener;
	if (client->account_memo != NULL) {
		canonical_login(d, client->account_memo);
		d->vars.login = client->account_memo->login;
	}
}

void policy_check_recipient(struct policy *pol, const struct policy_client *client,
                            const char *from, const char *rcpt, struct verdict *v_r,
                            struct strbuf *tr)
{
	struct decision d;
	const char *err;

	decision_init(&d, pol, client, from, rcpt, v_r, tr);
	if (address_parse(d.raw_rcpt, ADDRESS_RECIPIENT, &d.addr, &err) < 0) {
		engine_trace(&d, "parse recipient: %s: refused", err);
		engine_decide_reply(&d, VERDICT_REJECT, REASON_BAD_ADDRESS, SRC_NONE,
		                    "501", "5.1.3", d.raw_rcpt,
		                    pol->p->replies.bad_recipient);
		return;
	}
	if (!rule_listener(&d) && !rule_allowlisted_client(&d) &&
	    !rule_authenticated(&d) && !rule_local_recipient(&d))
		rule_unauth_relay(&d);
	if (v_r->action == VERDICT_ACCEPT)
		limits_after_accept(&d);
	address_clear(&d.addr);
	policy_account_memo_clear(&d.own_memo);
}

/* The unauthenticated client claims one of our domains as sender. */
static void sender_local_claimed(struct decision *d, enum dir_source source)
{
	const struct policy_params *pp = d->pol->p;

	switch (pp->unauth_local_sender) {
	case SENDER_REJECT:
		engine_trace(d, "unauth_local_sender = reject");
		if (reject_needs_allowlist(d))
			break;
		engine_decide_reply(d, VERDICT_REJECT, REASON_UNAUTH_LOCAL_SENDER, source,
		                    "550", "5.7.1", d->raw_from,
		                    pp->replies.unauth_local_sender);
		break;
	case SENDER_LOG:
		engine_trace(d, "unauth_local_sender = log: accepted, logged");
		engine_decide(d, VERDICT_ACCEPT, REASON_UNAUTH_LOCAL_SENDER, source);
		break;
	case SENDER_ACCEPT:
		engine_decide(d, VERDICT_ACCEPT, REASON_SENDER_OK, source);
		break;
	}
}

/* policy.sender_login: does the authenticated login own the sender
 * (Postfix's reject_authenticated_sender_login_mismatch)? True when this
 * decided: a refusal, a tempfail, or a logged accept of a mismatch. */
static bool rule_sender_login(struct decision *d)
{
	const struct policy_params *pp = d->pol->p;
	const struct policy_account_memo *memo;

	if (pp->sender_login == SENDER_LOGIN_OFF || !engine_authenticated(d->client))
		return false;
	memo = engine_account_of(d);
	if (memo->status == DIR_FOUND && memo->account->suspended)
		return false; /* judged as unauthenticated, below */
	if (memo->status == DIR_ERROR) {
		if (pp->sender_login == SENDER_LOGIN_LOG) {
			engine_trace(
			    d, "sender_login: account lookup failed; log: accepted");
			return false;
		}
		engine_trace(d, "sender_login: account lookup failed: tempfail");
		engine_decide_reply(d, VERDICT_TEMPFAIL, REASON_LOOKUP_ERROR,
		                    memo->source, "451", "4.3.0", d->raw_from,
		                    pp->replies.lookup_error);
		return true;
	}
	if (memo->login != NULL && account_owns(memo->account, memo->login, &d->addr)) {
		engine_trace(d, "sender_login: %s owns the sender", memo->login);
		return false;
	}
	if (pp->sender_login == SENDER_LOGIN_LOG) {
		engine_trace(d, "sender_login: not owned by %s; log: accepted, logged",
		             memo->login ? memo->login : "-");
		engine_decide(d, VERDICT_ACCEPT, REASON_SENDER_LOGIN_MISMATCH,
		              memo->source);
		return true;
	}
	engine_trace(d, "sender_login: not owned by %s: refused",
	             memo->login ? memo->login : "-");
	engine_decide_reply(d, VERDICT_REJECT, REASON_SENDER_LOGIN_MISMATCH, memo->source,
	                    "553", "5.7.1", d->raw_from,
	                    pp->replies.sender_login_mismatch);
	return true;
}

/* Sender checks: the authenticated login's sender binding; then only
 * unauthenticated, non-allowlisted clients using a local sender domain are
 * of interest. */
static void sender_rules(struct decision *d)
{
	const struct policy_params *pp = d->pol->p;
	enum dir_source source;

	if (d->addr.is_null) {
		engine_trace(d, "sender: null sender <>: allowed");
		return;
	}
	if (rule_sender_login(d))
		return;
	if (rule_allowlisted_client(d) || rule_authenticated(d)) {
		d->v->reason = REASON_SENDER_OK;
		return;
	}
	if (pp->unauth_local_sender == SENDER_ACCEPT || d->addr.domain == NULL) {
		engine_trace(d, "sender: unauth_local_sender = accept: not looked up");
		return;
	}
	switch (domain_is_local(d, d->addr.domain, &source)) {
	case DIR_FOUND:
		engine_trace(d,
		             "sender: local domain %s used by an unauthenticated client",
		             d->addr.domain);
		sender_local_claimed(d, source);
		break;
	case DIR_ERROR:
		/* Only a reject needs the answer; logging can do without. */
		if (pp->unauth_local_sender == SENDER_REJECT)
			decide_lookup_error(d, source, d->raw_from);
		else
			engine_trace(
			    d,
			    "sender: lookup failed; unauth_local_sender = log: accepted");
		break;
	case DIR_NOTFOUND:
		engine_trace(d, "sender: %s is not a local domain", d->addr.domain);
		break;
	}
}

void policy_check_sender(struct policy *pol, const struct policy_client *client,
                         const char *from, struct verdict *v_r, struct strbuf *tr)
{
	struct decision d;
	const char *err;

	decision_init(&d, pol, client, from, NULL, v_r, tr);
	engine_decide(&d, VERDICT_ACCEPT, REASON_SENDER_OK, SRC_NONE);
	if (address_parse(d.raw_from, ADDRESS_SENDER, &d.addr, &err) < 0) {
		engine_trace(&d, "parse sender: %s: refused", err);
		engine_decide_reply(&d, VERDICT_REJECT, REASON_BAD_ADDRESS, SRC_NONE,
		                    "553", "5.1.7", d.raw_from,
		                    pol->p->replies.bad_sender);
		return;
	}
	sender_rules(&d);
	address_clear(&d.addr);
	policy_account_memo_clear(&d.own_memo);
}

struct policy *policy_create(const struct policy_params *params,
                             struct directory *const *dirs, size_t n)
{
	struct policy *pol = xcalloc(1, sizeof *pol);

	if (n > MAX_DIRS)
		msg_panic("policy_create: %zu directories, at most %d", n, MAX_DIRS);
	pol->p = params;
	for (size_t i = 0; i < n; i++)
		pol->dirs[pol->n_dirs++] = dirs[i];
	return pol;
}

struct directory *policy_directory(const struct policy *pol, const char *name)
{
	for (size_t i = 0; pol != NULL && i < pol->n_dirs; i++)
		if (strcmp(pol->dirs[i]->ops->name, name) == 0)
			return pol->dirs[i];
	return NULL;
}

struct directory *const *policy_directories(const struct policy *pol, size_t *n_r)
{
	*n_r = pol->n_dirs;
	return pol->dirs;
}

void policy_free(struct policy *pol)
{
	if (pol == NULL)
		return;
	for (size_t i = 0; i < pol->n_dirs; i++)
		dir_free(pol->dirs[i]);
	limiter_free(pol->limiter);
	free(pol);
}

const char *verdict_action_name(enum verdict_action action)
{
	switch (action) {
	case VERDICT_ACCEPT:
		return "accept";
	case VERDICT_REJECT:
		return "reject";
	case VERDICT_TEMPFAIL:
		return "tempfail";
	}
	return "?";
}

const char *verdict_reason_name(enum verdict_reason reason)
{
	static const char *const names[] = {
	    [REASON_NONE] = "-",
	    [REASON_ALLOWLISTED_CLIENT] = "allowlisted-client",
	    [REASON_AUTHENTICATED] = "authenticated",
	    [REASON_LOCAL_RECIPIENT] = "local-recipient",
	    [REASON_UNAUTH_RELAY] = "unauth-relay",
	    [REASON_ROUTED_RECIPIENT] = "routed-recipient",
	    [REASON_UNAUTH_LOCAL_SENDER] = "unauth-local-sender",
	    [REASON_LOOKUP_ERROR] = "lookup-error",
	    [REASON_BAD_ADDRESS] = "bad-address",
	    [REASON_AUTH_REQUIRED] = "auth-required",
	    [REASON_TLS_REQUIRED] = "tls-required",
	    [REASON_SENDER_OK] = "sender-ok",
	    [REASON_ACCOUNT_SUSPENDED] = "account-suspended",
	    [REASON_SENDER_LOGIN_MISMATCH] = "sender-login-mismatch",
	    [REASON_RATE_LIMIT] = "rate-limit",
	};
	_Static_assert(sizeof names / sizeof names[0] == N_VERDICT_REASONS,
	               "a verdict reason without a name");

	if ((size_t)reason < sizeof names / sizeof names[0] && names[reason])
		return names[reason];
	return "?";
}
