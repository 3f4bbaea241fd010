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

#include "conf/conf.h"
#include "lib/strbuf.h"
#include "lib/address.h"
#include "policy/directory.h"
#include "lib/netlist.h"

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
};

/* The allowlist answer for one transaction. The engine fills it on the
 * first check that needs it and reuses it on the next ones: every recipient
 * of a transaction is judged against the same answer, and the networks are
 * searched once per transaction instead of once per address. Zero it (or
 * set VALID false) when a transaction starts. Not used while tracing. */
struct policy_allow_memo {
	bool valid;
	bool found;           /* allowlisted, by SOURCE */
	bool unknown;         /* a directory could not say */
	enum dir_source source;
};

/* What is known of the SMTP client; strings may be NULL. */
struct policy_client {
	bool addr_known; /* false: no socket address, never allowlisted */
	struct netaddr addr;
	const char *addr_text; /* for logs and reply expansion */
	const char *name;      /* client host name */
	const char *helo;
	const char *auth_user; /* SASL login; NULL or "" if not authenticated */
	const char *listener;  /* {daemon_name}, NULL if unknown */
	const char *tls_version; /* NULL or "" if not encrypted */
	struct policy_allow_memo *allow_memo; /* NULL: ask the directories each time */
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
};

struct policy;

/* Build the engine for CF: the static directory, then LDAP when configured.
 * Returns NULL with a message written into ERRBUF (SIZE bytes). CF must
 * outlive the policy. */
struct policy *policy_create(const struct config *cf, char *errbuf, size_t size);
/* Build the engine over DIRS (N of them, asked in order; POL takes
 * ownership). For tests and tools that bring their own directories. */
struct policy *policy_create_dirs(const struct config *cf, struct directory *const *dirs,
				  size_t n);
/* Free POL and its directories. */
void policy_free(struct policy *pol);
/* The LDAP directory of POL, or NULL when the config has none. */
struct directory *policy_ldap_directory(struct policy *pol);

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

/* Text forms for logs: "accept", "reject", "tempfail"; reason names of SPEC §4. */
const char *verdict_action_name(enum verdict_action action);
const char *verdict_reason_name(enum verdict_reason reason);

#endif
