/*
 * engine: the relay decision of SPEC §1, free of any MTA. It takes what is
 * known of the client and one envelope address and returns a verdict: an
 * action, a reason, the source of the data that decided, and the SMTP reply.
 * Rules, in order: rule_allowlisted_client, rule_authenticated,
 * rule_local_recipient, else unauth-relay. Nothing that fails may accept.
 */
#ifndef RM_ENGINE_H
#define RM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"
#include "lib/address.h"
#include "policy/directory.h"
#include "lib/netlist.h"

enum sender_action { SENDER_ACCEPT, SENDER_LOG, SENDER_REJECT };
enum lookup_error_action { LOOKUP_ERROR_TEMPFAIL, LOOKUP_ERROR_REJECT };
/* policy.sender_login: may a login send as an address it does not own? */
enum sender_login_mode { SENDER_LOGIN_OFF, SENDER_LOGIN_LOG, SENDER_LOGIN_REJECT };

/* Per-MTA-listener rules ({daemon_name}), policy.listeners. */
struct listener_params {
	char *name;
	bool require_auth;     /* every recipient needs SMTP AUTH */
	bool require_tls_auth; /* an authenticated session must be encrypted */
};

/* Reply texts; templates with %{rcpt}, %{sender}, %{client_addr},
 * %{client_name}, %{auth}, %{listener} expansions (see policy/reply.h). */
struct reply_templates {
	char *relay_denied;          /* 550 5.7.1 */
	char *unauth_local_sender;   /* 550 5.7.1 */
	char *lookup_error;          /* 451 4.3.0 */
	char *bad_recipient;         /* 501 5.1.3 */
	char *bad_sender;            /* 553 5.1.7 */
	char *auth_required;         /* 530 5.7.0 */
	char *tls_required;          /* 530 5.7.0 */
	char *account_suspended;     /* 550 5.7.1 */
	char *sender_login_mismatch; /* 553 5.7.1 */
	char *rate_limited;          /* 451 4.7.1 (550 5.7.1 for action reject) */
};

/* What the engine is told by its configuration (conf/ fills it from the
 * policy section). The static lists are not here: they are the static
 * directory's (policy/dir_static.h). */
struct policy_params {
	bool allow_authenticated;
	enum sender_action unauth_local_sender;
	enum lookup_error_action on_lookup_error;
	struct listener_params *listeners;
	size_t n_listeners;
	struct reply_templates replies;
	enum sender_login_mode sender_login;
	char *default_domain; /* accounts.default_domain, normalised; NULL: none */
};

enum verdict_action {
	VERDICT_ACCEPT,
	VERDICT_REJECT,
	VERDICT_TEMPFAIL,
};

enum verdict_reason {
	REASON_NONE,
	REASON_ALLOWLISTED_CLIENT,
	REASON_AUTHENTICATED,
	REASON_LOCAL_RECIPIENT,
	REASON_UNAUTH_RELAY,
	REASON_ROUTED_RECIPIENT,
	REASON_UNAUTH_LOCAL_SENDER,
	REASON_LOOKUP_ERROR,
	REASON_BAD_ADDRESS,
	REASON_AUTH_REQUIRED,
	REASON_TLS_REQUIRED,
	REASON_SENDER_OK, /* plain sender accept: not logged */
	REASON_ACCOUNT_SUSPENDED,
	REASON_SENDER_LOGIN_MISMATCH,
	REASON_RATE_LIMIT,
	N_VERDICT_REASONS /* the count: keep last */
};

/* The allowlist answer for one transaction. The engine fills it on the
 * first check that needs it and reuses it on the next ones: every recipient
 * of a transaction is judged against the same answer, and the networks are
 * searched once per transaction instead of once per address. Zero it (or
 * set VALID false) when a transaction starts. Not used while tracing. */
struct policy_allow_memo {
	bool valid;
	bool found;   /* allowlisted, by SOURCE */
	bool unknown; /* a directory could not say */
	enum dir_source source;
};

/* The account answer for one transaction (SPEC §8): the login's account
 * is looked up once per transaction, at the first check that needs it, and
 * every later check of the transaction uses the same answer. Zero it when
 * a transaction starts; release it with policy_account_memo_clear. */
struct policy_account_memo {
	bool valid;              /* the account was looked up */
	bool canonical;          /* LOGIN was computed */
	char *login;             /* canonical; NULL: not authenticated or unusable */
	const char *login_error; /* why LOGIN is NULL for an authenticated client */
	enum dir_status status;  /* of the lookup */
	enum dir_source source;
	struct account *account; /* when FOUND */
	bool store_asked;        /* the limits store was asked about a suspension */
	bool store_suspended;    /* ... and it holds one */
};

/* Free what MEMO holds and zero it. */
void policy_account_memo_clear(struct policy_account_memo *memo);

/* What is known of the SMTP client; strings may be NULL. */
struct policy_client {
	bool addr_known; /* false: no socket address, never allowlisted */
	struct netaddr addr;
	const char *addr_text; /* for logs and reply expansion */
	const char *name;      /* client host name */
	const char *helo;
	const char *auth_user;   /* SASL login; NULL or "" if not authenticated */
	const char *listener;    /* {daemon_name}, NULL if unknown */
	const char *tls_version; /* NULL or "" if not encrypted */
	struct policy_allow_memo *allow_memo; /* NULL: ask the directories each time */
	struct policy_account_memo *account_memo; /* NULL: look up on each check */
};

/* The SMTP reply: CODE and XCODE as text ("550", "5.7.1"), TEXT expanded. */
struct reply {
	char code[4];
	char xcode[12];
	char text[512];
};

struct verdict {
	enum verdict_action action;
	enum verdict_reason reason;
	enum dir_source source;
	struct reply reply; /* meaningful unless action is ACCEPT */
	const char *limit;  /* the rate limit that refused, holds or logs (SPEC §9) */
	bool hold;          /* accepted, but the message goes on hold */
};

struct policy;
struct limiter;

/* The engine for PARAMS over DIRS (N of them, asked in order; POL takes
 * ownership of the references). PARAMS must outlive the policy. conf/build.h
 * composes the directories a config names. */
struct policy *policy_create(const struct policy_params *params,
                             struct directory *const *dirs, size_t n);
/* Release POL and its references to its directories (and its limiter). */
void policy_free(struct policy *pol);
/* Give POL the rate limiter LIM (taken over; NULL: no limits). */
void policy_set_limiter(struct policy *pol, struct limiter *lim);
struct limiter *policy_limiter(const struct policy *pol);
/* The directory of POL whose backend is NAME ("static", "ldap"), or NULL:
 * a reload hands it to its successor. */
struct directory *policy_directory(const struct policy *pol, const char *name);
/* POL's directories, in the order they are asked: *N_R of them. */
struct directory *const *policy_directories(const struct policy *pol, size_t *n_r);

/*
 * Decide the sender at MAIL FROM. FROM is the raw envelope sender. When TRACE
 * is not NULL, one line per rule evaluated is appended to it. A verdict with
 * reason REASON_SENDER_OK is a plain accept (not logged).
 */
void policy_check_sender(struct policy *pol, const struct policy_client *client,
                         const char *from, struct verdict *v_r, struct strbuf *trace);
/* Decide one recipient RCPT (raw) for the client, sender FROM (raw). */
void policy_check_recipient(struct policy *pol, const struct policy_client *client,
                            const char *from, const char *rcpt, struct verdict *v_r,
                            struct strbuf *trace);

/* End of data of a transaction with at least one accepted recipient: count
 * the message against the rate limits (SPEC §9). A refusal refuses the
 * message; V_R->hold asks for the hold queue. */
void policy_check_message(struct policy *pol, const struct policy_client *client,
                          const char *from, struct verdict *v_r);

/* Text forms for logs: "accept", "reject", "tempfail"; reason names of SPEC §4. */
const char *verdict_action_name(enum verdict_action action);
const char *verdict_reason_name(enum verdict_reason reason);

#endif
