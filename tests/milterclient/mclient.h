/*
 * mclient: the MTA side of the Sendmail milter protocol (version 6), as
 * Postfix and Sendmail speak it, for tests and the load generator.
 *
 * One struct mclient per filter connection; no globals, so connections may
 * live in different threads. Sockets are blocking and every wait is bounded
 * by poll() with the connection's timeouts.
 *
 * Every event call returns 0 and fills a struct mclient_result with the
 * filter's verdict, or returns -1 on an error (timeout, connection lost,
 * protocol violation, misuse); mclient_error() then says what happened and
 * the connection is closed. A verdict is never an error and vice versa.
 */
#ifndef RM_MCLIENT_H
#define RM_MCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mclient;

/* Macro stages, numbered as SMFIM_* in libmilter's mfapi.h. */
enum mclient_stage {
	MC_STAGE_CONNECT = 0,
	MC_STAGE_HELO = 1,
	MC_STAGE_MAIL = 2,
	MC_STAGE_RCPT = 3,
	MC_STAGE_DATA = 4,
	MC_STAGE_EOM = 5,
	MC_STAGE_EOH = 6,
};
#define MC_NSTAGES 7

/* Macro presets: what the MTA sends by default, per stage. */
enum mclient_preset {
	MC_PRESET_NONE,     /* no macros unless the caller lists them */
	MC_PRESET_POSTFIX,  /* Postfix 3.7 milter_*_macros defaults */
	MC_PRESET_SENDMAIL, /* Sendmail 8.17 confMILTER_MACROS_* defaults */
};

/* What an event call produced. */
enum mclient_kind {
	MC_CONTINUE,  /* SMFIR_CONTINUE */
	MC_ACCEPT,    /* SMFIR_ACCEPT */
	MC_REJECT,    /* SMFIR_REJECT (no text) */
	MC_TEMPFAIL,  /* SMFIR_TEMPFAIL (no text) */
	MC_DISCARD,   /* SMFIR_DISCARD */
	MC_REPLYCODE, /* SMFIR_REPLYCODE: code and text are set */
	MC_SHUTDOWN,  /* SMFIR_SHUTDOWN (421) */
	MC_CONNFAIL,  /* SMFIR_CONN_FAIL */
	MC_SKIP,      /* SMFIR_SKIP: skip further events of this kind */
	MC_SKIPPED,   /* not sent: the filter does not want this stage */
	MC_NOREPLY,   /* sent; the filter negotiated not to reply (SMFIP_NR_*) */
	MC_SENT,      /* sent; the command has no reply (abort, quit) */
};

/* A modification request received before the final reply at end of message. */
struct mclient_action {
	char type;      /* SMFIR_ADDHEADER, SMFIR_CHGHEADER, SMFIR_QUARANTINE... */
	uint32_t index; /* header index for SMFIR_CHGHEADER / SMFIR_INSHEADER */
	char *arg1;     /* header name, recipient, sender, reason; or NULL */
	char *arg2;     /* header value, ESMTP arguments; or NULL */
	char *data;     /* SMFIR_REPLBODY chunk (may hold NULs); or NULL */
	size_t datalen;
};

struct mclient_result {
	enum mclient_kind kind;
	char code[4]; /* "550" for MC_REPLYCODE, else "" */
	char *text;   /* whole reply "550 5.7.1 text" for MC_REPLYCODE, else NULL */
	struct mclient_action *actions; /* modifications, in order received */
	size_t nactions;
};

/* Initialise R as an empty result (no allocation). */
void mclient_result_init(struct mclient_result *r);
/* Release what R holds; R stays usable. */
void mclient_result_clear(struct mclient_result *r);
/* Name of KIND as the CLI prints it ("continue", "reject", ...). */
const char *mclient_kind_name(enum mclient_kind kind);

/* Error classes, for callers that count them (the load generator). */
enum mclient_errcode {
	MC_ERR_NONE,
	MC_ERR_CONNECT,  /* could not connect (refused, no such socket, bad spec) */
	MC_ERR_TIMEOUT,  /* no progress within the timeout */
	MC_ERR_CLOSED,   /* the filter closed the connection */
	MC_ERR_IO,       /* read or write failed */
	MC_ERR_PROTOCOL, /* the filter broke the protocol (bad length, reply...) */
	MC_ERR_STATE,    /* misuse: event on a closed connection, bad argument */
};

struct mclient_options {
	int connect_timeout_ms; /* connect + option negotiation */
	int command_timeout_ms; /* each write, each reply packet */
	uint32_t version;       /* protocol version offered (6) */
	uint32_t actions;       /* SMFIF_* offered (all of them) */
	uint32_t protocol;      /* SMFIP_* offered (Postfix's mask) */
	size_t max_packet;      /* longest reply packet accepted */
	enum mclient_preset preset;
};

/* Fill OPTS with Postfix-like defaults (30 s timeouts, v6, all flags). */
void mclient_options_init(struct mclient_options *opts);

/* A new, unconnected client; OPTS is copied, NULL means defaults. */
struct mclient *mclient_new(const struct mclient_options *opts);
/* Close the connection (without QUIT) and free everything. NULL is fine. */
void mclient_free(struct mclient *mc);

/*
 * Connect to SPEC ("unix:/path", "local:/path", "/path", "inet:PORT@HOST",
 * "inet6:PORT@HOST") and negotiate options. -1 on failure.
 */
int mclient_open(struct mclient *mc, const char *spec);
/* True while the connection is up and usable. */
bool mclient_is_open(const struct mclient *mc);
/* Close the socket without sending anything (like a crashed MTA). */
void mclient_close(struct mclient *mc);

/* Last error text and class; "" and MC_ERR_NONE when there was none. */
const char *mclient_error(const struct mclient *mc);
enum mclient_errcode mclient_errcode(const struct mclient *mc);

/* Change the per-command timeout (e.g. longer for end of message). */
void mclient_set_timeout(struct mclient *mc, int command_timeout_ms);

/* What the filter answered in the option negotiation. */
struct mclient_negotiated {
	uint32_t version;
	uint32_t actions;  /* SMFIF_* the filter may use */
	uint32_t protocol; /* SMFIP_* steps it skips, replies it won't send */
	const char *symlist[MC_NSTAGES]; /* setsymlist request per stage or NULL */
};
/* Valid after a successful mclient_open(); NULL before. */
const struct mclient_negotiated *mclient_negotiated(const struct mclient *mc);

/*
 * Macros. A macro table holds values (name with or without braces: "i",
 * "{daemon_name}"); per stage, a list of names says which are sent. Only
 * names with a value are sent (as Postfix does). A setsymlist request from
 * the filter replaces the stage's list, as in Postfix and Sendmail.
 */
/* Load PRESET's per-stage lists and default values (replaces lists only). */
void mclient_macro_preset(struct mclient *mc, enum mclient_preset preset);
/* Set NAME to VALUE for all following stages (NULL VALUE unsets). */
void mclient_macro_set(struct mclient *mc, const char *name, const char *value);
/* Current value of NAME, or NULL. */
const char *mclient_macro_get(const struct mclient *mc, const char *name);
/* Replace STAGE's list of macro names (space/comma separated). */
void mclient_macro_list(struct mclient *mc, enum mclient_stage stage, const char *names);

/*
 * Events. Each sends the stage's macros (even when the filter skips the
 * stage, as both MTAs do), then the command unless the filter asked not to
 * get it, then waits for the reply unless SMFIP_NR_* was negotiated.
 * FAMILY is '4', '6', 'L' or 'U' (then PORT and ADDR are not sent).
 * ARGV for mail/rcpt: the address ("<a@b>") then ESMTP arguments, NULL ended.
 */
int mclient_connect(struct mclient *mc, const char *hostname, char family, uint16_t port,
                    const char *addr, struct mclient_result *res);
int mclient_helo(struct mclient *mc, const char *name, struct mclient_result *res);
int mclient_mail(struct mclient *mc, const char *const *argv, struct mclient_result *res);
int mclient_rcpt(struct mclient *mc, const char *const *argv, struct mclient_result *res);
int mclient_data(struct mclient *mc, struct mclient_result *res);
int mclient_unknown(struct mclient *mc, const char *line, struct mclient_result *res);
int mclient_header(struct mclient *mc, const char *name, const char *value,
                   struct mclient_result *res);
int mclient_eoh(struct mclient *mc, struct mclient_result *res);
/* Body bytes, split into protocol-sized chunks; stops at a non-continue. */
int mclient_body(struct mclient *mc, const char *buf, size_t len,
                 struct mclient_result *res);
/* End of message: collects modification actions, then the final reply. */
int mclient_eom(struct mclient *mc, struct mclient_result *res);
/* Abort the current message (no reply). */
int mclient_abort(struct mclient *mc, struct mclient_result *res);
/* End the session and close the connection. */
int mclient_quit(struct mclient *mc, struct mclient_result *res);
/*
 * End the session, keep the connection for a new mclient_connect().
 * libmilter 8.17 honours this only at a message boundary (after end of
 * message, or after an abort inside a transaction): elsewhere it closes the
 * session and then ignores the next CONNECT without a reply (a timeout here).
 * Postfix itself never sends it: it opens a new socket per SMTP session.
 */
int mclient_quit_nc(struct mclient *mc, struct mclient_result *res);

#endif
