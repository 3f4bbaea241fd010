/*
 * mcevent: SMTP events sent to the filter, and its replies. Entry points:
 * mclient_connect() ... mclient_quit_nc() (see mclient.h).
 *
 * Each event: macros for its stage (even when the filter skips the stage,
 * as Postfix and Sendmail do), the command unless SMFIP_NO* says the filter
 * does not want it, then the reply unless SMFIP_NR_* says none comes. Replies
 * are checked strictly, since the filter under test is ours: a verdict with
 * data, a modification outside end of message or one not negotiated, or a
 * malformed reply code is a protocol error, not a verdict.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

#include "lib/xalloc.h"
#include "tests/milterclient/mcint.h"

#define NO_STAGE (-1)
/* A filter that streams SMFIR_PROGRESS forever still has to stop somewhere. */
#define MAX_REPLIES_PER_EVENT 100000

struct mc_event {
	char cmd;
	int stage;        /* macro stage or NO_STAGE */
	uint32_t no_flag; /* SMFIP_NO*: the filter does not want the command */
	uint32_t nr_flag; /* SMFIP_NR_*: the filter will not reply */
};

static const struct mc_event ev_connect = {SMFIC_CONNECT, MC_STAGE_CONNECT,
                                           SMFIP_NOCONNECT, SMFIP_NR_CONN};
static const struct mc_event ev_helo = {SMFIC_HELO, MC_STAGE_HELO, SMFIP_NOHELO,
                                        SMFIP_NR_HELO};
static const struct mc_event ev_mail = {SMFIC_MAIL, MC_STAGE_MAIL, SMFIP_NOMAIL,
                                        SMFIP_NR_MAIL};
static const struct mc_event ev_rcpt = {SMFIC_RCPT, MC_STAGE_RCPT, SMFIP_NORCPT,
                                        SMFIP_NR_RCPT};
static const struct mc_event ev_data = {SMFIC_DATA, MC_STAGE_DATA, SMFIP_NODATA,
                                        SMFIP_NR_DATA};
static const struct mc_event ev_unknown = {SMFIC_UNKNOWN, NO_STAGE, SMFIP_NOUNKNOWN,
                                           SMFIP_NR_UNKN};
static const struct mc_event ev_eoh = {SMFIC_EOH, MC_STAGE_EOH, SMFIP_NOEOH,
                                       SMFIP_NR_EOH};
static const struct mc_event ev_eom = {SMFIC_BODYEOB, MC_STAGE_EOM, 0, 0};
/* Postfix sends the eoh macros with each header, the eom ones with body. */
static const struct mc_event ev_header = {SMFIC_HEADER, MC_STAGE_EOH, SMFIP_NOHDRS,
                                          SMFIP_NR_HDR};
static const struct mc_event ev_body = {SMFIC_BODY, MC_STAGE_EOM, SMFIP_NOBODY,
                                        SMFIP_NR_BODY};

/* The SMFIF_* permission a modification request needs, or 0 if none is one. */
static uint32_t action_flag(char type)
{
	switch (type) {
	case SMFIR_ADDHEADER:
	case SMFIR_INSHEADER:
		return SMFIF_ADDHDRS;
	case SMFIR_CHGHEADER:
		return SMFIF_CHGHDRS;
	case SMFIR_ADDRCPT:
		return SMFIF_ADDRCPT;
	case SMFIR_ADDRCPT_PAR:
		return SMFIF_ADDRCPT_PAR;
	case SMFIR_DELRCPT:
		return SMFIF_DELRCPT;
	case SMFIR_REPLBODY:
		return SMFIF_CHGBODY;
	case SMFIR_CHGFROM:
		return SMFIF_CHGFROM;
	case SMFIR_QUARANTINE:
		return SMFIF_QUARANTINE;
	default:
		return 0;
	}
}

/* Decode the modification request in mc->in into a new action of RES. */
static int take_action(struct mclient *mc, char type, struct mclient_result *res)
{
	struct mclient_action *a;
	size_t pos = 0;
	const char *s1 = NULL, *s2 = NULL;

	res->actions =
	    xrealloc(res->actions, (res->nactions + 1) * sizeof(*res->actions));
	a = &res->actions[res->nactions];
	memset(a, 0, sizeof(*a));
	a->type = type;
	if (type == SMFIR_REPLBODY) {
		a->data = xmalloc(mc->inlen + 1);
		memcpy(a->data, mc->in, mc->inlen + 1);
		a->datalen = mc->inlen;
		res->nactions++;
		return 0;
	}
	if (type == SMFIR_CHGHEADER || type == SMFIR_INSHEADER) {
		if (mc->inlen < 4)
			return mc_fail(mc, MC_ERR_PROTOCOL, "'%c' without index", type);
		a->index = mc_get_u32(mc->in);
		pos = 4;
	}
	if ((s1 = mc_take_string(mc, &pos)) == NULL)
		return mc_fail(mc, MC_ERR_PROTOCOL, "'%c' with a malformed argument",
		               type);
	/* Header edits carry a value; CHGFROM / ADDRCPT_PAR optional arguments. */
	if (pos < mc->inlen && (s2 = mc_take_string(mc, &pos)) == NULL)
		return mc_fail(mc, MC_ERR_PROTOCOL, "'%c' with a malformed argument",
		               type);
	if ((type == SMFIR_ADDHEADER || type == SMFIR_CHGHEADER ||
	     type == SMFIR_INSHEADER) &&
	    s2 == NULL)
		return mc_fail(mc, MC_ERR_PROTOCOL, "'%c' without a header value", type);
	if (pos != mc->inlen)
		return mc_fail(mc, MC_ERR_PROTOCOL, "'%c' followed by %zu stray bytes",
		               type, mc->inlen - pos);
	a->arg1 = xstrdup(s1);
	a->arg2 = s2 ? xstrdup(s2) : NULL;
	res->nactions++;
	return 0;
}

/* "ddd ..." or "ddd-..." with a 4/5 class; enhanced code class must match. */
static bool reply_code_ok(const char *s)
{
	return (s[0] == '4' || s[0] == '5') && isdigit((unsigned char)s[1]) &&
	       isdigit((unsigned char)s[2]) && (s[3] == ' ' || s[3] == '-') &&
	       (!isdigit((unsigned char)s[4]) || s[4] == s[0]);
}

static int take_replycode(struct mclient *mc, struct mclient_result *res)
{
	if (mc->inlen == 0 || mc->in[mc->inlen - 1] != '\0' ||
	    strlen(mc->in) != mc->inlen - 1)
		return mc_fail(mc, MC_ERR_PROTOCOL, "malformed SMFIR_REPLYCODE packet");
	if (!reply_code_ok(mc->in))
		return mc_fail(mc, MC_ERR_PROTOCOL, "malformed reply code \"%.100s\"",
		               mc->in);
	res->kind = MC_REPLYCODE;
	memcpy(res->code, mc->in, 3);
	res->code[3] = '\0';
	res->text = xstrdup(mc->in);
	return 0;
}

/* Verdicts that end the wait and carry no data. */
static bool simple_verdict(char cmd, enum mclient_kind *kind_r)
{
	switch (cmd) {
	case SMFIR_CONTINUE:
		*kind_r = MC_CONTINUE;
		return true;
	case SMFIR_ACCEPT:
		*kind_r = MC_ACCEPT;
		return true;
	case SMFIR_REJECT:
		*kind_r = MC_REJECT;
		return true;
	case SMFIR_TEMPFAIL:
		*kind_r = MC_TEMPFAIL;
		return true;
	case SMFIR_DISCARD:
		*kind_r = MC_DISCARD;
		return true;
	case SMFIR_SHUTDOWN:
		*kind_r = MC_SHUTDOWN;
		return true;
	case SMFIR_CONN_FAIL:
		*kind_r = MC_CONNFAIL;
		return true;
	case SMFIR_SKIP:
		*kind_r = MC_SKIP;
		return true;
	default:
		return false;
	}
}

/* Wait for the final reply to EVENT, collecting actions on the way. */
static int read_reply(struct mclient *mc, char event, struct mclient_result *res)
{
	for (int n = 0; n < MAX_REPLIES_PER_EVENT; n++) {
		char cmd;
		uint32_t flag;

		if (mc_recv(mc, &cmd, mc->opts.command_timeout_ms) < 0)
			return -1;
		if (cmd == SMFIR_PROGRESS) {
			if (mc->inlen != 0)
				break;
			continue;
		}
		if (simple_verdict(cmd, &res->kind)) {
			if (mc->inlen != 0)
				break;
			if (cmd == SMFIR_SKIP)
				mc->skip_cmd = event;
			return 0;
		}
		if (cmd == SMFIR_REPLYCODE)
			return take_replycode(mc, res);
		if ((flag = action_flag(cmd)) == 0)
			return mc_fail(mc, MC_ERR_PROTOCOL, "unknown reply '%c' to '%c'",
			               cmd, event);
		/* Postfix takes a quarantine request at any stage. */
		if (event != SMFIC_BODYEOB && cmd != SMFIR_QUARANTINE)
			return mc_fail(
			    mc, MC_ERR_PROTOCOL,
			    "modification '%c' outside end of message (after '%c')", cmd,
			    event);
		if ((mc->neg.actions & flag) == 0)
			return mc_fail(mc, MC_ERR_PROTOCOL,
			               "modification '%c' without negotiating 0x%lx", cmd,
			               (unsigned long)flag);
		if (take_action(mc, cmd, res) < 0)
			return -1;
	}
	return mc_fail(mc, MC_ERR_PROTOCOL, "reply to '%c' is malformed or never ends",
	               event);
}

/* Send the macros of STAGE with command character CMD, if any have values. */
static int send_macros(struct mclient *mc, int stage, char cmd)
{
	struct strbuf payload;
	const char *list;
	int ret = 0;

	if (stage == NO_STAGE)
		return 0;
	list = mc->symlist[stage] ? mc->symlist[stage] : mc->macros.lists[stage];
	if (list == NULL)
		return 0;
	strbuf_init(&payload);
	strbuf_putc(&payload, cmd);
	if (mc_macros_encode(&mc->macros, list, &payload) > 0)
		ret = mc_send(mc, SMFIC_MACRO, payload.data, payload.len);
	strbuf_free(&payload);
	return ret;
}

static int event(struct mclient *mc, const struct mc_event *ev, const char *data,
                 size_t len, struct mclient_result *res)
{
	int stage = ev->stage;

	mclient_result_clear(res);
	if (mc->fd < 0)
		return mc_fail(mc, MC_ERR_STATE, "'%c' on a closed connection", ev->cmd);
	if (mc->skip_cmd != 0) {
		if (mc->skip_cmd == ev->cmd) {
			res->kind = MC_SKIPPED;
			return 0;
		}
		mc->skip_cmd = 0;
	}
	if ((ev->cmd == SMFIC_HEADER || ev->cmd == SMFIC_BODY) && !mc->macros.content)
		stage = NO_STAGE;
	if (send_macros(mc, stage, ev->cmd) < 0)
		return -1;
	if (mc->neg.protocol & ev->no_flag) {
		res->kind = MC_SKIPPED;
		return 0;
	}
	if (mc_send(mc, ev->cmd, data, len) < 0)
		return -1;
	if (mc->neg.protocol & ev->nr_flag) {
		res->kind = MC_NOREPLY;
		return 0;
	}
	return read_reply(mc, ev->cmd, res);
}

/* Send a command that has no reply and no macros. */
static int bare_command(struct mclient *mc, char cmd, struct mclient_result *res)
{
	mclient_result_clear(res);
	if (mc->fd < 0)
		return mc_fail(mc, MC_ERR_STATE, "'%c' on a closed connection", cmd);
	mc->skip_cmd = 0;
	if (mc_send(mc, cmd, NULL, 0) < 0)
		return -1;
	res->kind = MC_SENT;
	return 0;
}

/* Concatenate ARGV as NUL-terminated strings; argv[0] is required. */
static int argv_event(struct mclient *mc, const struct mc_event *ev,
                      const char *const *argv, struct mclient_result *res)
{
	struct strbuf sb;
	int ret;

	if (argv == NULL || argv[0] == NULL) {
		mclient_result_clear(res);
		return mc_fail(mc, MC_ERR_STATE, "'%c' without an address", ev->cmd);
	}
	strbuf_init(&sb);
	for (const char *const *p = argv; *p; p++)
		strbuf_add(&sb, *p, strlen(*p) + 1);
	ret = event(mc, ev, sb.data, sb.len, res);
	strbuf_free(&sb);
	return ret;
}

int mclient_connect(struct mclient *mc, const char *hostname, char family, uint16_t port,
                    const char *addr, struct mclient_result *res)
{
	struct strbuf sb;
	int ret;

	strbuf_init(&sb);
	strbuf_add(&sb, hostname, strlen(hostname) + 1);
	strbuf_putc(&sb, family);
	if (family != SMFIA_UNKNOWN) {
		uint16_t net = htons(port);

		strbuf_add(&sb, (const char *)&net, sizeof(net));
		strbuf_add(&sb, addr ? addr : "", strlen(addr ? addr : "") + 1);
	}
	mc->skip_cmd = 0;
	ret = event(mc, &ev_connect, sb.data, sb.len, res);
	strbuf_free(&sb);
	return ret;
}

int mclient_helo(struct mclient *mc, const char *name, struct mclient_result *res)
{
	return event(mc, &ev_helo, name, strlen(name) + 1, res);
}

int mclient_mail(struct mclient *mc, const char *const *argv, struct mclient_result *res)
{
	return argv_event(mc, &ev_mail, argv, res);
}

int mclient_rcpt(struct mclient *mc, const char *const *argv, struct mclient_result *res)
{
	return argv_event(mc, &ev_rcpt, argv, res);
}

int mclient_data(struct mclient *mc, struct mclient_result *res)
{
	return event(mc, &ev_data, NULL, 0, res);
}

int mclient_unknown(struct mclient *mc, const char *line, struct mclient_result *res)
{
	return event(mc, &ev_unknown, line, strlen(line) + 1, res);
}

int mclient_header(struct mclient *mc, const char *name, const char *value,
                   struct mclient_result *res)
{
	struct strbuf sb;
	int ret;

	strbuf_init(&sb);
	strbuf_add(&sb, name, strlen(name) + 1);
	strbuf_add(&sb, value, strlen(value) + 1);
	ret = event(mc, &ev_header, sb.data, sb.len, res);
	strbuf_free(&sb);
	return ret;
}

int mclient_eoh(struct mclient *mc, struct mclient_result *res)
{
	return event(mc, &ev_eoh, NULL, 0, res);
}

int mclient_body(struct mclient *mc, const char *buf, size_t len,
                 struct mclient_result *res)
{
	size_t off = 0;

	/* libmilter refuses chunks over MILTER_CHUNK_SIZE; an empty body is one empty
	 * chunk. */
	do {
		size_t n = len - off > MILTER_CHUNK_SIZE ? MILTER_CHUNK_SIZE : len - off;

		if (event(mc, &ev_body, buf + off, n, res) < 0)
			return -1;
		off += n;
	} while (off < len && (res->kind == MC_CONTINUE || res->kind == MC_NOREPLY));
	return 0;
}

int mclient_eom(struct mclient *mc, struct mclient_result *res)
{
	return event(mc, &ev_eom, NULL, 0, res);
}

int mclient_abort(struct mclient *mc, struct mclient_result *res)
{
	return bare_command(mc, SMFIC_ABORT, res);
}

int mclient_quit(struct mclient *mc, struct mclient_result *res)
{
	int ret = bare_command(mc, SMFIC_QUIT, res);

	mclient_close(mc);
	return ret;
}

int mclient_quit_nc(struct mclient *mc, struct mclient_result *res)
{
	return bare_command(mc, SMFIC_QUIT_NC, res);
}
