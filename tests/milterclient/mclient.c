/*
 * mclient: MTA side of the milter protocol v6. Entry points in mclient.h.
 *
 * Wire format (both directions): a 4-byte big-endian length, then one
 * command byte, then length-1 bytes of data. Strings are NUL-terminated.
 *
 * The caller owns the struct mclient and every struct mclient_result. On any
 * error (timeout, EOF, protocol violation) the socket is closed, like Postfix
 * does: after a lost reply the two sides can never be in step again.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "tests/milterclient/mclient.h"
#include "tests/milterclient/mcint.h"

/* ---- results ---------------------------------------------------------- */

void mclient_result_init(struct mclient_result *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = MC_CONTINUE;
}

void mclient_result_clear(struct mclient_result *r)
{
	for (size_t i = 0; i < r->nactions; i++) {
		free(r->actions[i].arg1);
		free(r->actions[i].arg2);
		free(r->actions[i].data);
	}
	free(r->actions);
	free(r->text);
	mclient_result_init(r);
}

const char *mclient_kind_name(enum mclient_kind kind)
{
	static const char *const names[] = {
	    [MC_CONTINUE] = "continue", [MC_ACCEPT] = "accept",
	    [MC_REJECT] = "reject",     [MC_TEMPFAIL] = "tempfail",
	    [MC_DISCARD] = "discard",   [MC_REPLYCODE] = "reply",
	    [MC_SHUTDOWN] = "shutdown", [MC_CONNFAIL] = "connfail",
	    [MC_SKIP] = "skip",         [MC_SKIPPED] = "skipped",
	    [MC_NOREPLY] = "noreply",   [MC_SENT] = "sent",
	};

	if ((size_t)kind >= sizeof(names) / sizeof(names[0]) || names[kind] == NULL)
		return "?";
	return names[kind];
}

/* ---- errors ----------------------------------------------------------- */

void mclient_close(struct mclient *mc)
{
	if (mc->fd >= 0)
		(void)close(mc->fd);
	mc->fd = -1;
	mc->skip_cmd = 0;
}

/* Record an error, drop the connection, return -1. */
int mc_fail(struct mclient *mc, enum mclient_errcode code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(mc->err, sizeof(mc->err), fmt, ap);
	va_end(ap);
	mc->errcode = code;
	mclient_close(mc);
	return -1;
}

const char *mclient_error(const struct mclient *mc)
{
	return mc->err;
}

enum mclient_errcode mclient_errcode(const struct mclient *mc)
{
	return mc->errcode;
}

/* ---- life cycle ------------------------------------------------------- */

void mclient_options_init(struct mclient_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->connect_timeout_ms = 30000;
	opts->command_timeout_ms = 30000;
	opts->version = SMFI_PROT_VERSION;
	opts->actions = SMFI_CURR_ACTS;
	opts->protocol = MC_PROTO_POSTFIX;
	opts->max_packet = MC_DEFAULT_MAX_PACKET;
	opts->preset = MC_PRESET_POSTFIX;
}

struct mclient *mclient_new(const struct mclient_options *opts)
{
	struct mclient *mc = xcalloc(1, sizeof(*mc));

	if (opts != NULL)
		mc->opts = *opts;
	else
		mclient_options_init(&mc->opts);
	mc->fd = -1;
	strbuf_init(&mc->out);
	mc->incap = 256;
	mc->in = xmalloc(mc->incap);
	mc_macros_init(&mc->macros);
	mc_macros_preset(&mc->macros, mc->opts.preset);
	return mc;
}

void mc_forget_negotiation(struct mclient *mc)
{
	for (int s = 0; s < MC_NSTAGES; s++) {
		free(mc->symlist[s]);
		mc->symlist[s] = NULL;
	}
	memset(&mc->neg, 0, sizeof(mc->neg));
	mc->have_neg = false;
}

void mclient_free(struct mclient *mc)
{
	if (mc == NULL)
		return;
	mclient_close(mc);
	mc_forget_negotiation(mc);
	mc_macros_free(&mc->macros);
	strbuf_free(&mc->out);
	free(mc->in);
	free(mc);
}

bool mclient_is_open(const struct mclient *mc)
{
	return mc->fd >= 0;
}

void mclient_set_timeout(struct mclient *mc, int command_timeout_ms)
{
	mc->opts.command_timeout_ms = command_timeout_ms;
}

const struct mclient_negotiated *mclient_negotiated(const struct mclient *mc)
{
	return mc->have_neg ? &mc->neg : NULL;
}

void mclient_macro_preset(struct mclient *mc, enum mclient_preset preset)
{
	mc_macros_preset(&mc->macros, preset);
}

void mclient_macro_set(struct mclient *mc, const char *name, const char *value)
{
	mc_macros_set(&mc->macros, name, value);
}

const char *mclient_macro_get(const struct mclient *mc, const char *name)
{
	return mc_macros_get(&mc->macros, name);
}

void mclient_macro_list(struct mclient *mc, enum mclient_stage stage, const char *names)
{
	mc_macros_list(&mc->macros, stage, names);
}

/* ---- timed I/O -------------------------------------------------------- */

static long long now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for EVENTS on the socket until DEADLINE; 0, or -1 with the error set. */
static int mc_wait(struct mclient *mc, short events, long long deadline, const char *what)
{
	struct pollfd pfd = {.fd = mc->fd, .events = events};

	for (;;) {
		long long left = deadline - now_ms();
		int n;

		if (left <= 0)
			return mc_fail(mc, MC_ERR_TIMEOUT, "timeout %s", what);
		n = poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return mc_fail(mc, MC_ERR_IO, "poll: %s", strerror(errno));
	}
}

static int mc_write_all(struct mclient *mc, const char *buf, size_t len)
{
	long long deadline = now_ms() + mc->opts.command_timeout_ms;

	while (len > 0) {
		ssize_t n;

		if (mc_wait(mc, POLLOUT, deadline, "writing to the filter") < 0)
			return -1;
		n = send(mc->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == EPIPE || errno == ECONNRESET)
				return mc_fail(mc, MC_ERR_CLOSED,
				               "filter closed the connection (write: %s)",
				               strerror(errno));
			return mc_fail(mc, MC_ERR_IO, "write: %s", strerror(errno));
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int mc_read_all(struct mclient *mc, char *buf, size_t len, long long deadline)
{
	while (len > 0) {
		ssize_t n;

		if (mc_wait(mc, POLLIN, deadline, "waiting for the filter's reply") < 0)
			return -1;
		n = recv(mc->fd, buf, len, 0);
		if (n == 0)
			return mc_fail(mc, MC_ERR_CLOSED, "filter closed the connection");
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == ECONNRESET)
				return mc_fail(mc, MC_ERR_CLOSED,
				               "filter reset the connection");
			return mc_fail(mc, MC_ERR_IO, "read: %s", strerror(errno));
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- packets ---------------------------------------------------------- */

void mc_put_u32(struct strbuf *sb, uint32_t v)
{
	uint32_t net = htonl(v);

	strbuf_add(sb, (const char *)&net, sizeof(net));
}

uint32_t mc_get_u32(const char *p)
{
	uint32_t net;

	memcpy(&net, p, sizeof(net));
	return ntohl(net);
}

/* Send command CMD with LEN bytes of DATA. */
int mc_send(struct mclient *mc, char cmd, const char *data, size_t len)
{
	if (len >= UINT32_MAX)
		return mc_fail(mc, MC_ERR_STATE, "command '%c' too long", cmd);
	strbuf_reset(&mc->out);
	mc_put_u32(&mc->out, (uint32_t)(len + 1));
	strbuf_putc(&mc->out, cmd);
	if (len > 0)
		strbuf_add(&mc->out, data, len);
	return mc_write_all(mc, mc->out.data, mc->out.len);
}

/* Read one packet: its command into *CMD_R, its data into mc->in/inlen. */
int mc_recv(struct mclient *mc, char *cmd_r, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	char hdr[MILTER_LEN_BYTES + 1];
	uint32_t len;

	if (mc_read_all(mc, hdr, sizeof(hdr), deadline) < 0)
		return -1;
	len = mc_get_u32(hdr);
	if (len < 1)
		return mc_fail(mc, MC_ERR_PROTOCOL, "filter sent a zero-length packet");
	if (len > mc->opts.max_packet)
		return mc_fail(mc, MC_ERR_PROTOCOL,
		               "filter sent an absurd packet length %lu (limit %zu)",
		               (unsigned long)len, mc->opts.max_packet);
	*cmd_r = hdr[MILTER_LEN_BYTES];
	mc->inlen = len - 1;
	if (mc->inlen + 1 > mc->incap) {
		mc->incap = mc->inlen + 1;
		mc->in = xrealloc(mc->in, mc->incap);
	}
	if (mc_read_all(mc, mc->in, mc->inlen, deadline) < 0)
		return -1;
	mc->in[mc->inlen] = '\0';
	return 0;
}

/* Next NUL-terminated string at *POS in mc->in; NULL if unterminated. */
const char *mc_take_string(const struct mclient *mc, size_t *pos)
{
	const char *s = mc->in + *pos;
	const char *nul;

	if (*pos >= mc->inlen)
		return NULL;
	nul = memchr(s, '\0', mc->inlen - *pos);
	if (nul == NULL)
		return NULL;
	*pos += (size_t)(nul - s) + 1;
	return s;
}
