/*
 * callbacks: libmilter callbacks. Entry points: callbacks_desc (for
 * smfi_register) and callbacks_init. Per-connection state lives in a
 * struct conn reached through smfi_getpriv (Debian's libmilter moves sessions
 * between worker threads: never thread-local storage). Each connection pins
 * the config snapshot it started with. The authentication state and the
 * queue id are re-read for every transaction. An accepted recipient is
 * answered SMFIS_CONTINUE, never SMFIS_ACCEPT (which would let later
 * recipients through unchecked).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "milter/callbacks.h"
#include "milter/declog.h"
#include "milter/macros.h"
#include "milter/negotiate.h"
#include "milter/snapshot.h"
#include "milter/stats.h"

struct conn {
	struct snapshot *snap;
	char session[40];
	bool nr_conn, nr_helo; /* the MTA agreed not to wait for these replies */
	bool addr_known;
	struct netaddr addr;
	char addr_text[NETADDR_STRLEN];
	char *client_name, *helo, *listener;
	/* the transaction in progress */
	bool in_txn;
	char *from, *auth, *tls_version, *qid;
	unsigned n_accepted, n_rejected, n_tempfailed;
	unsigned n_would_reject, n_would_tempfail; /* report mode: passed, not accepted */
	struct policy_allow_memo allow_memo; /* the allowlist answer, this transaction */
	struct policy_account_memo
	    account_memo; /* the login's account, this transaction */
	const char *hold; /* the rate limit that puts this message on hold */
};

static char session_prefix[24];
static unsigned long session_counter;

void callbacks_init(void)
{
	uint32_t rnd = 0;

	/* Time plus randomness: unique across restarts, sortable by start. */
	if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
		rnd = (uint32_t)getpid() ^ (uint32_t)clock();
	snprintf(session_prefix, sizeof session_prefix, "%08lx%08x",
	         (unsigned long)time(NULL), rnd);
}

static void set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? xstrdup(src) : NULL;
}

/* Macro NAME of C's session, NULL if unset or empty. Never smfi_getsymval:
 * see milter/macros.c. */
static const char *macro(SMFICTX *ctx, const struct conn *c, const char *name)
{
	const char *v = macros_get(ctx, c, name);

	return v && v[0] ? v : NULL;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct conn *conn_get(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL) {
		c = xcalloc(1, sizeof *c);
		snprintf(c->session, sizeof c->session, "%s%06lx", session_prefix,
		         __atomic_add_fetch(&session_counter, 1, __ATOMIC_RELAXED));
		if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
			msg_error("smfi_setpriv failed");
			free(c);
			return NULL;
		}
	}
	return c;
}

static void txn_clear(struct conn *c)
{
	set_str(&c->from, NULL);
	set_str(&c->auth, NULL);
	set_str(&c->tls_version, NULL);
	set_str(&c->qid, NULL);
	c->in_txn = false;
	c->n_accepted = c->n_rejected = c->n_tempfailed = 0;
	c->n_would_reject = c->n_would_tempfail = 0;
	memset(&c->allow_memo, 0, sizeof c->allow_memo);
	policy_account_memo_clear(&c->account_memo);
	c->hold = NULL;
}

/* The transaction ends: tie session to qid with the counts. */
static void txn_end(SMFICTX *ctx, struct conn *c, const char *how)
{
	struct declog_summary s;
	const char *qid = ctx ? macro(ctx, c, "i") : NULL;

	if (!c->in_txn)
		return;
	if (qid != NULL)
		set_str(&c->qid, qid);
	memset(&s, 0, sizeof s);
	s.session = c->session;
	s.qid = c->qid;
	s.client_addr = c->addr_text;
	s.auth = c->auth;
	s.from = c->from;
	s.end = how;
	s.accepted = c->n_accepted;
	s.rejected = c->n_rejected;
	s.tempfailed = c->n_tempfailed;
	s.report = c->snap->cf->report_mode;
	s.would_reject = c->n_would_reject;
	s.would_tempfail = c->n_would_tempfail;
	declog_write_summary(&s, c->snap->json_fd);
	txn_clear(c);
}

static void client_of(struct conn *c, struct policy_client *pc)
{
	memset(pc, 0, sizeof *pc);
	pc->addr_known = c->addr_known;
	pc->addr = c->addr;
	pc->addr_text = c->addr_text;
	pc->name = c->client_name;
	pc->helo = c->helo;
	pc->auth_user = c->auth;
	pc->listener = c->listener;
	pc->tls_version = c->tls_version;
	pc->allow_memo = &c->allow_memo;
	pc->account_memo = &c->account_memo;
}

/* Hand the reply to the MTA: '%' doubled, as smfi_setreply wants. */
static void send_reply(SMFICTX *ctx, const struct reply *r)
{
	char text[sizeof r->text * 2];
	size_t j = 0;

	for (size_t i = 0; r->text[i] && j + 2 < sizeof text && j < 900; i++) {
		if (r->text[i] == '%')
			text[j++] = '%';
		text[j++] = r->text[i];
	}
	text[j] = '\0';
	if (smfi_setreply(ctx, (char *)r->code, (char *)r->xcode, text) != MI_SUCCESS)
		msg_warn("smfi_setreply(%s %s) refused the reply text", r->code,
		         r->xcode);
}

/* Log, count and translate one verdict into a milter status. */
static sfsistat conclude(SMFICTX *ctx, struct conn *c, const char *rcpt,
                         const struct verdict *v, double started)
{
	bool report = c->snap->cf->report_mode;
	enum stats_action sa = STATS_ACCEPT;
	struct declog_entry e;
	sfsistat status = SMFIS_CONTINUE;

	if (v->action == VERDICT_REJECT) {
		sa = report ? STATS_WOULD_REJECT : STATS_REJECT;
		status = SMFIS_REJECT;
	} else if (v->action == VERDICT_TEMPFAIL) {
		sa = report ? STATS_WOULD_TEMPFAIL : STATS_TEMPFAIL;
		status = SMFIS_TEMPFAIL;
	}
	if (report)
		status = SMFIS_CONTINUE;
	if (rcpt != NULL) {
		if (status == SMFIS_REJECT)
			c->n_rejected++;
		else if (status == SMFIS_TEMPFAIL)
			c->n_tempfailed++;
		else if (sa == STATS_WOULD_REJECT)
			c->n_would_reject++;
		else if (sa == STATS_WOULD_TEMPFAIL)
			c->n_would_tempfail++;
		else
			c->n_accepted++;
	}
	memset(&e, 0, sizeof e);
	e.ms = now_ms() - started;
	stats_record(sa, v->reason, v->source, e.ms);
	if (sa != STATS_ACCEPT || c->snap->cf->log.accepts || rcpt == NULL) {
		e.session = c->session;
		e.qid = c->qid;
		e.client_addr = c->addr_text;
		e.client_name = c->client_name;
		e.helo = c->helo;
		e.auth = c->auth;
		e.from = c->from;
		e.rcpt = rcpt;
		e.action = stats_action_name(sa);
		e.reason = verdict_reason_name(v->reason);
		e.source = dir_source_name(v->source);
		e.login = c->account_memo.login;
		e.limit = v->limit;
		declog_write(&e, c->snap->json_fd);
	}
	if (status != SMFIS_CONTINUE)
		send_reply(ctx, &v->reply);
	return status;
}

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                             unsigned long f2, unsigned long f3, unsigned long *pf0,
                             unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct conn *c = conn_get(ctx);

	(void)f2;
	(void)f3;
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	negotiate_answer(ctx, f0, f1, pf0, pf1, pf2, pf3, &c->nr_conn, &c->nr_helo);
	return SMFIS_CONTINUE;
}

static sfsistat cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	if (c->snap == NULL) {
		c->snap = snapshot_acquire();
		stats_session();
	}
	set_str(&c->client_name, hostname);
	set_str(&c->listener, macro(ctx, c, "{daemon_name}"));
	/* The socket address is the truth; macros are not consulted. */
	c->addr_known = netaddr_from_sockaddr(hostaddr, &c->addr) == 0;
	if (c->addr_known)
		netaddr_format(&c->addr, c->addr_text, sizeof c->addr_text);
	else
		snprintf(c->addr_text, sizeof c->addr_text, "unknown");
	return c->nr_conn ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_helo(SMFICTX *ctx, char *helohost)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	set_str(&c->helo, helohost);
	return c->nr_helo ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	struct policy_client pc;
	struct verdict v;
	double started = now_ms();
	sfsistat status;

	if (c == NULL || c->snap == NULL || argv == NULL || argv[0] == NULL)
		return SMFIS_TEMPFAIL;
	txn_clear(c);
	c->in_txn = true;
	set_str(&c->from, argv[0]);
	set_str(&c->auth, macro(ctx, c, "{auth_authen}"));
	set_str(&c->tls_version, macro(ctx, c, "{tls_version}"));
	set_str(&c->qid, macro(ctx, c, "i"));
	if (c->listener == NULL)
		set_str(&c->listener, macro(ctx, c, "{daemon_name}"));
	client_of(c, &pc);
	policy_check_sender(c->snap->pol, &pc, argv[0], &v, NULL);
	if (v.reason == REASON_SENDER_OK)
		return SMFIS_CONTINUE;
	status = conclude(ctx, c, NULL, &v, started);
	if (status != SMFIS_CONTINUE)
		c->in_txn = false; /* no transaction was opened */
	return status;
}

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	struct policy_client pc;
	struct verdict v;
	double started = now_ms();
	const char *qid;

	if (c == NULL || c->snap == NULL || argv == NULL || argv[0] == NULL)
		return SMFIS_TEMPFAIL;
	/* The queue id does not change within a transaction: once known,
	 * it is not looked up again. */
	if (c->qid == NULL && (qid = macro(ctx, c, "i")) != NULL)
		set_str(&c->qid, qid);
	client_of(c, &pc);
	policy_check_recipient(c->snap->pol, &pc, c->from, argv[0], &v, NULL);
	if (v.hold && !c->snap->cf->report_mode)
		c->hold = v.limit; /* the config (and its names) is pinned */
	return conclude(ctx, c, argv[0], &v, started);
}

/* Put the message on hold (Postfix: the hold queue) for rate limit NAME. */
static void hold_message(SMFICTX *ctx, struct conn *c, const char *name)
{
	char reason[128];

	snprintf(reason, sizeof reason, "relaymilter: rate limit %s", name);
	if (smfi_quarantine(ctx, reason) != MI_SUCCESS)
		msg_warn("session=%s: smfi_quarantine refused (the MTA did not offer "
		         "SMFIF_QUARANTINE?): the message over limit %s is not held",
		         c->session, name);
	else
		msg_info("event=message-held session=%s qid=%s limit=%s", c->session,
		         c->qid ? c->qid : "-", name);
}

/* End of data: the message is counted against the msg rate limits. */
static sfsistat cb_eom(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	struct policy_client pc;
	struct verdict v;
	double started = now_ms();
	sfsistat status = SMFIS_CONTINUE;
	const char *qid;

	if (c == NULL)
		return SMFIS_CONTINUE;
	if (c->in_txn && c->snap != NULL && c->n_accepted > 0) {
		if ((qid = macro(ctx, c, "i")) != NULL)
			set_str(&c->qid, qid);
		client_of(c, &pc);
		policy_check_message(c->snap->pol, &pc, c->from, &v);
		if (v.action != VERDICT_ACCEPT)
			status = conclude(ctx, c, NULL, &v, started);
		else if (v.hold && !c->snap->cf->report_mode && c->hold == NULL)
			c->hold = v.limit;
		if (status == SMFIS_CONTINUE && c->hold != NULL)
			hold_message(ctx, c, c->hold);
	}
	txn_end(ctx, c, "eom");
	return status;
}

static sfsistat cb_abort(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL)
		txn_end(ctx, c, "abort");
	return SMFIS_CONTINUE;
}

static sfsistat cb_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	if (c->snap != NULL)
		txn_end(NULL, c, "close");
	txn_clear(c);
	set_str(&c->client_name, NULL);
	set_str(&c->helo, NULL);
	set_str(&c->listener, NULL);
	snapshot_release(c->snap);
	free(c);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

struct smfiDesc callbacks_desc = {
    .xxfi_name = "relaymilter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_QUARANTINE, /* rate limits with action hold */
    .xxfi_connect = cb_connect,
    .xxfi_helo = cb_helo,
    .xxfi_envfrom = cb_envfrom,
    .xxfi_envrcpt = cb_envrcpt,
    .xxfi_eom = cb_eom,
    .xxfi_abort = cb_abort,
    .xxfi_close = cb_close,
    .xxfi_negotiate = cb_negotiate,
};
