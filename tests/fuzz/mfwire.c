/*
 * mfwire: milterfuzz's wire side (see mfwire.h): buffers, the socket, the
 * asserted correct sessions. Entry points in mfwire.h. Failures of the
 * asserted sessions are counted and printed, never hidden.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmilter/mfdef.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tests/fuzz/mfwire.h"

const char *sock_path;
bool verbose;
struct mf_stats st;

/* ---- a growing byte buffer for packets ---- */

void buf_add(struct buf *b, const void *data, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

void buf_str(struct buf *b, const char *s) /* with its NUL */
{
	buf_add(b, s, strlen(s) + 1);
}

void buf_u32(struct buf *b, uint32_t v)
{
	v = htonl(v);
	buf_add(b, &v, 4);
}

/* ---- the socket ---- */
double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Connect, retrying for a few seconds (a busy backlog); -1 if the daemon
 * does not answer. */
int conn_open(void)
{
	struct sockaddr_un sun;
	double until = now_s() + 5;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sock_path);
	do {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0) {
			/* libmilter may stop reading a session it has given up on
			 * without closing it: never block on it for ever. */
			struct timeval tv = {SEND_TIMEOUT_S, 0};

			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
			return fd;
		}
		close(fd);
		st.connect_fail++;
		usleep(20000);
	} while (now_s() < until);
	return -1;
}

/* Send it all; false when the daemon closed (expected while fuzzing). */
bool send_all(int fd, const void *data, size_t n)
{
	const uint8_t *p = data;

	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			st.send_stalls++;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
		st.bytes += (unsigned long)w;
	}
	return true;
}

bool send_pkt(int fd, char cmd, const void *data, size_t len)
{
	struct buf b = {0};
	bool ok;

	buf_u32(&b, (uint32_t)len + 1);
	buf_add(&b, &cmd, 1);
	if (len)
		buf_add(&b, data, len);
	ok = send_all(fd, b.p, b.len);
	free(b.p);
	return ok;
}

/* Read exactly N bytes within MS; 1 ok, 0 timeout, -1 closed. */
int read_n(int fd, uint8_t *p, size_t n, int ms)
{
	double until = now_s() + ms / 1e3;

	while (n > 0) {
		struct pollfd pfd = {fd, POLLIN, 0};
		int left = (int)((until - now_s()) * 1e3);
		ssize_t r;

		if (left < 0 || poll(&pfd, 1, left) == 0)
			return 0;
		r = recv(fd, p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

/* Read one reply packet: 1, 0 timeout, -1 closed or insane. */
int read_reply(int fd, struct reply *r, int ms)
{
	uint8_t hdr[4];
	uint32_t len;
	uint8_t *data;
	int rc;

	memset(r, 0, sizeof *r);
	if ((rc = read_n(fd, hdr, 4, ms)) <= 0)
		return rc;
	memcpy(&len, hdr, 4);
	len = ntohl(len);
	if (len == 0 || len > 1024 * 1024)
		return -1;
	if ((data = malloc(len)) == NULL)
		abort();
	if ((rc = read_n(fd, data, len, ms)) <= 0) {
		free(data);
		return rc;
	}
	r->cmd = (char)data[0];
	r->len = len - 1;
	memcpy(r->raw, data + 1, r->len < sizeof r->raw ? r->len : sizeof r->raw);
	snprintf(r->text, sizeof r->text, "%.*s", (int)(len - 1), (char *)data + 1);
	free(data);
	st.replies++;
	return 1;
}

/* Read and drop whatever comes within MS; false if the peer closed. */
bool drain(int fd, int ms)
{
	struct reply r;
	int rc;

	while ((rc = read_reply(fd, &r, ms)) > 0)
		ms = 1;
	if (rc < 0)
		st.closed_by_peer++;
	return rc == 0;
}

/* ---- correct sessions, asserted ---- */
struct sess {
	int fd;
	uint32_t proto; /* what the filter asked for at negotiation */
	int failures;
	const char *name;
};

static void fail(struct sess *s, const char *what, const struct reply *r)
{
	s->failures++;
	printf("# FAIL %s: %s: reply '%c' \"%s\"\n", s->name, what,
	       r && r->cmd ? r->cmd : '-', r ? r->text : "");
}

/* Send CMD and, unless NR, read its reply into R (skipping progress). */
static bool sess_cmd(struct sess *s, char cmd, const struct buf *b, bool nr,
                     struct reply *r)
{
	if (!send_pkt(s->fd, cmd, b ? b->p : NULL, b ? b->len : 0)) {
		fail(s, "send: the daemon closed the connection", NULL);
		return false;
	}
	if (nr)
		return true;
	do {
		if (read_reply(s->fd, r, REPLY_TIMEOUT_MS) <= 0) {
			fail(s, "no reply", NULL);
			return false;
		}
	} while (r->cmd == SMFIR_PROGRESS);
	if (r->cmd == SMFIR_ACCEPT)
		fail(s, "SMFIR_ACCEPT (would wave the rest of the message through)", r);
	return true;
}

static bool sess_open(struct sess *s, const char *name)
{
	struct buf b = {0};
	struct reply r;
	bool ok;

	memset(s, 0, sizeof *s);
	s->name = name;
	if ((s->fd = conn_open()) < 0) {
		fail(s, "cannot connect", NULL);
		return false;
	}
	buf_u32(&b, SMFI_PROT_VERSION);
	buf_u32(&b, OFFER_ACTIONS);
	buf_u32(&b, OFFER_PROTO);
	ok = sess_cmd(s, SMFIC_OPTNEG, &b, false, &r);
	free(b.p);
	if (!ok)
		return false;
	if (r.cmd != SMFIC_OPTNEG || r.len < 12) {
		fail(s, "negotiation", &r);
		return false;
	}
	memcpy(&s->proto, r.raw + 8, 4);
	s->proto = ntohl(s->proto);
	return true;
}

static void sess_macros(struct sess *s, char stage, const char *const *kv)
{
	struct buf b = {0};

	buf_add(&b, &stage, 1);
	for (; kv && kv[0]; kv += 2) {
		buf_str(&b, kv[0]);
		buf_str(&b, kv[1]);
	}
	if (!send_pkt(s->fd, SMFIC_MACRO, b.p, b.len))
		fail(s, "send macros", NULL);
	free(b.p);
}

/* CONNECT from ADDR (FAMILY '4', '6' or 'U'), then HELO. */
static bool sess_connect(struct sess *s, char family, const char *addr)
{
	static const char *const cmac[] = {"j",
	                                   "mx.example.org",
	                                   "{daemon_name}",
	                                   "smtpd",
	                                   "_",
	                                   "client.example.net [203.0.113.5]",
	                                   NULL};
	struct buf b = {0};
	struct reply r;
	uint16_t port = htons(54321);
	bool ok;

	sess_macros(s, SMFIC_CONNECT, cmac);
	buf_str(&b, "client.example.net");
	buf_add(&b, &family, 1);
	if (family != SMFIA_UNKNOWN) {
		buf_add(&b, &port, 2);
		buf_str(&b, addr);
	}
	ok = sess_cmd(s, SMFIC_CONNECT, &b, s->proto & SMFIP_NR_CONN, &r);
	free(b.p);
	if (!ok)
		return false;
	if (!(s->proto & SMFIP_NR_CONN) && r.cmd != SMFIR_CONTINUE)
		fail(s, "connect not continued", &r);
	b = (struct buf){0};
	buf_str(&b, "client.example.net");
	ok = sess_cmd(s, SMFIC_HELO, &b, s->proto & SMFIP_NR_HELO, &r);
	free(b.p);
	return ok;
}

/* MAIL FROM, with AUTH when AUTH is not NULL. */
static bool sess_mail(struct sess *s, const char *from, const char *auth)
{
	const char *mmac[] = {
	    "{daemon_name}", "smtpd", "{auth_authen}", auth, "{auth_type}",
	    "PLAIN",         NULL};
	struct buf b = {0};
	struct reply r;
	bool ok;

	if (auth == NULL)
		mmac[2] = NULL;
	sess_macros(s, SMFIC_MAIL, mmac);
	buf_str(&b, from);
	buf_str(&b, "SIZE=100");
	ok = sess_cmd(s, SMFIC_MAIL, &b, s->proto & SMFIP_NR_MAIL, &r);
	free(b.p);
	if (ok && !(s->proto & SMFIP_NR_MAIL) && r.cmd != SMFIR_CONTINUE)
		fail(s, "MAIL FROM not continued", &r);
	return ok;
}

/* RCPT TO RCPT: WANT_ACCEPT or a 550 5.7.1 refusal, asserted. */
static void sess_rcpt(struct sess *s, const char *rcpt, bool want_accept)
{
	struct buf b = {0};
	struct reply r;
	char what[256];

	buf_str(&b, rcpt);
	if (!sess_cmd(s, SMFIC_RCPT, &b, false, &r)) {
		free(b.p);
		return;
	}
	free(b.p);
	st.checks++;
	snprintf(what, sizeof what, "RCPT %s: expected %s", rcpt,
	         want_accept ? "continue" : "550 5.7.1");
	if (want_accept
	        ? r.cmd != SMFIR_CONTINUE
	        : !(r.cmd == SMFIR_REPLYCODE && strncmp(r.text, "550 5.7.1 ", 10) == 0))
		fail(s, what, &r);
	else if (verbose)
		printf("# ok %s: %s\n", s->name, what);
}

static void sess_abort(struct sess *s)
{
	if (!send_pkt(s->fd, SMFIC_ABORT, NULL, 0))
		fail(s, "send abort", NULL);
}

static void sess_close(struct sess *s)
{
	send_pkt(s->fd, SMFIC_QUIT, NULL, 0);
	close(s->fd);
	st.check_sessions++;
}

/* The asserted sessions; returns the number of failed checks. */
int check_sessions(void)
{
	static const char *const remote[] = {"<b@example.net>",
	                                     "<b%example.net@example.org>",
	                                     "<example.net!b@example.org>",
	                                     "<\"b@example.net\"@example.org>",
	                                     "<@example.org:b@example.net>",
	                                     "<b@[192.0.2.1]>",
	                                     "<b@example.org.example.net>"};
	static const struct {
		const char *name;
		char family;
		const char *addr;
	} clients[] = {{"unauth IPv4", SMFIA_INET, "203.0.113.5"},
	               {"unauth IPv6", SMFIA_INET6, "2001:db8:2::1"},
	               {"unknown client", SMFIA_UNKNOWN, NULL}};
	int failures = 0;

	for (size_t c = 0; c < sizeof clients / sizeof clients[0]; c++) {
		struct sess s;

		if (!sess_open(&s, clients[c].name) ||
		    !sess_connect(&s, clients[c].family, clients[c].addr)) {
			failures += s.failures ? s.failures : 1;
			if (s.fd >= 0)
				close(s.fd);
			continue;
		}
		/* unauthenticated: every remote or routed recipient refused */
		sess_mail(&s, "<a@example.net>", NULL);
		for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++)
			sess_rcpt(&s, remote[i], false);
		sess_rcpt(&s, "<c@example.org>", true);
		sess_abort(&s);
		/* authenticated: relays; then unauthenticated again: refused */
		sess_mail(&s, "<a@example.net>", "alice");
		sess_rcpt(&s, "<b@example.net>", true);
		sess_abort(&s);
		sess_mail(&s, "<a@example.net>", NULL);
		sess_rcpt(&s, "<b@example.net>", false);
		sess_rcpt(&s, "<c@EXAMPLE.ORG.>", true);
		sess_abort(&s);
		sess_close(&s);
		failures += s.failures;
	}
	return failures;
}

/* Information, not asserted: an AUTH transaction, abort, then a MAIL with
 * no macro packet at all (no real MTA does that: Postfix and Sendmail send
 * the MAIL macros every time). Does libmilter keep the old {auth_authen}? */
void probe_stale_macros(void)
{
	struct sess s;
	struct buf b = {0};
	struct reply r;

	if (!sess_open(&s, "probe") || !sess_connect(&s, SMFIA_INET, "203.0.113.5"))
		goto out;
	sess_mail(&s, "<a@example.net>", "alice");
	sess_abort(&s);
	buf_str(&b, "<a@example.net>");
	sess_cmd(&s, SMFIC_MAIL, &b, s.proto & SMFIP_NR_MAIL, &r);
	b.len = 0;
	buf_str(&b, "<b@example.net>");
	if (sess_cmd(&s, SMFIC_RCPT, &b, false, &r))
		printf("# probe: MAIL without a macro packet after an AUTH transaction: "
		       "remote "
		       "RCPT answered '%c' %s (%s)\n",
		       r.cmd, r.text,
		       r.cmd == SMFIR_CONTINUE ? "libmilter kept the old {auth_authen}"
		                               : "no stale AUTH");
	free(b.p);
	sess_close(&s);
out:
	if (s.failures)
		printf("# probe failed\n");
}

/*
 * Blockers and the asserted session become readable at the same instant;
 * each blocker sends half a packet (a length of 100, then 3 bytes), so the
 * worker that takes one waits in libmilter's mi_rd_cmd for the rest. The
 * pool controller counts its idle workers as it hands out the sessions and
 * the woken workers leave that count only when they run, so every session
 * is given to the same few workers and the asserted one, the newest, is
 * left marked ready with no worker coming (libmilter/worker.c; the whole
 * story in milter/kick.c). Without a way round it, the RCPT below waits for
 * as long as the blockers stay open.
 */
#define LOST_DISPATCH_BLOCKERS 4
int probe_lost_dispatch(void)
{
	static const uint8_t half[] = {0, 0, 0, 100, SMFIC_RCPT, '<', 'x'};
	struct sess blockers[LOST_DISPATCH_BLOCKERS], s = {.fd = -1};
	struct buf b = {0};
	struct reply r;
	struct timespec settle = {0, 200000000L};
	int n, failures = 0, rc;
	double t0;

	for (n = 0; n < LOST_DISPATCH_BLOCKERS; n++)
		if (!sess_open(&blockers[n], "lost-dispatch blocker"))
			break;
	if (n < LOST_DISPATCH_BLOCKERS || !sess_open(&s, "lost-dispatch probe") ||
	    !sess_connect(&s, SMFIA_INET, "203.0.113.5")) {
		if (s.fd >= 0)
			close(s.fd);
		failures = 1;
		goto out;
	}
	sess_mail(&s, "<a@example.net>", NULL);
	nanosleep(&settle, NULL); /* every worker back in the pool, idle */
	for (int i = 0; i < n; i++)
		send_all(blockers[i].fd, half, sizeof half);
	buf_str(&b, "<b@example.net>");
	t0 = now_s();
	send_pkt(s.fd, SMFIC_RCPT, b.p, b.len);
	do
		rc = read_reply(s.fd, &r, LOST_DISPATCH_MS);
	while (rc > 0 && r.cmd == SMFIR_PROGRESS);
	if (rc <= 0)
		fail(&s,
		     "RCPT while other sessions hold the woken workers: no reply within "
		     "the probe's time",
		     NULL);
	else if (!(r.cmd == SMFIR_REPLYCODE && strncmp(r.text, "550 5.7.1 ", 10) == 0))
		fail(&s, "RCPT <b@example.net>: expected 550 5.7.1", &r);
	printf("# lost-dispatch probe: %d blockers, RCPT %s after %.3f s\n", n,
	       rc > 0 ? "answered" : "NOT answered", now_s() - t0);
	failures = s.failures;
	sess_close(&s);
out:
	free(b.p);
	while (n-- > 0)
		close(blockers[n].fd);
	return failures;
}
