/*
 * declog: the decision log of SPEC §4: one line per recipient decision (and
 * per sender decision that is not a plain accept), one line when a
 * transaction ends, to syslog as key=value and to the JSON-lines file.
 * Every value is escaped: no address can forge a log line.
 */
#ifndef RM_DECLOG_H
#define RM_DECLOG_H

#include "lib/strbuf.h"

struct declog_entry {
	const char *session;
	const char *qid;
	const char *client_addr;
	const char *client_name;
	const char *helo;
	const char *auth;
	const char *from;
	const char *rcpt;   /* NULL for a sender decision */
	const char *action; /* accept reject tempfail would-reject would-tempfail */
	const char *reason;
	const char *source;
	double ms;
	const char *login; /* canonical login (SPEC §8), after ms; NULL: "-" */
	const char *limit; /* the rate limit (SPEC §9), last; NULL: not written */
};

struct declog_summary {
	const char *session;
	const char *qid;
	const char *client_addr;
	const char *auth;
	const char *from;
	const char *end; /* "eom", "abort", "close" */
	unsigned accepted, rejected, tempfailed;
	bool report; /* report mode: the two below are logged too */
	unsigned would_reject,
	    would_tempfail; /* passed, but not accepted by the policy */
};

/* Append the syslog (key=value) form of E to OUT. */
void declog_format_kv(struct strbuf *out, const struct declog_entry *e);
/* Append the JSON object form of E (no newline) to OUT, with TIME (ISO 8601). */
void declog_format_json(struct strbuf *out, const struct declog_entry *e,
                        const char *time);
void declog_format_summary_kv(struct strbuf *out, const struct declog_summary *s);
void declog_format_summary_json(struct strbuf *out, const struct declog_summary *s,
                                const char *time);
/* Log E to syslog/stderr and, if JSON_FD >= 0, to the JSON file. */
void declog_write(const struct declog_entry *e, int json_fd);
void declog_write_summary(const struct declog_summary *s, int json_fd);

#endif
