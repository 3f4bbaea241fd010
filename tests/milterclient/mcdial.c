/*
 * mcdial: connect a milter client to its filter and negotiate options.
 * Entry point: mclient_open() (see mclient.h). Socket specifications are
 * Sendmail's: unix:/path, local:/path, inet:PORT@HOST, inet6:PORT@HOST; a
 * bare absolute path means unix. Connecting is bounded by the connect
 * timeout, and so is the negotiation. Fails with MC_ERR_CONNECT,
 * MC_ERR_TIMEOUT, MC_ERR_CLOSED or MC_ERR_PROTOCOL.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

#include "lib/xalloc.h"
#include "tests/milterclient/mcint.h"

_Static_assert(MC_PROTO_POSTFIX ==
                   (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT |
                    SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOUNKNOWN |
                    SMFIP_NODATA | SMFIP_SKIP | SMFIP_RCPT_REJ | SMFIP_NR_CONN |
                    SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA |
                    SMFIP_NR_UNKN | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY |
                    SMFIP_HDR_LEADSPC),
               "MC_PROTO_POSTFIX is Postfix's v6 mask");

/* Finish a non-blocking connect on FD within TIMEOUT_MS; 0 or an errno. */
static int finish_connect(int fd, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	int err = 0;
	socklen_t len = sizeof(err);
	int n;

	do
		n = poll(&pfd, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return ETIMEDOUT;
	if (n < 0)
		return errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

/* Connect a new socket to ADDR; the socket is blocking again afterwards. */
static int dial(const struct sockaddr *addr, socklen_t addrlen, int timeout_ms,
                int *err_r)
{
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err = 0;

	if (fd < 0) {
		*err_r = errno;
		return -1;
	}
	if (connect(fd, addr, addrlen) < 0) {
		if (errno == EINPROGRESS || errno == EAGAIN)
			err = finish_connect(fd, timeout_ms);
		else
			err = errno;
	}
	if (err == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		err = errno;
	if (err != 0) {
		(void)close(fd);
		*err_r = err;
		return -1;
	}
	return fd;
}

static int dial_unix(struct mclient *mc, const char *spec, const char *path)
{
	struct sockaddr_un sun;
	int err = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (*path == '\0' || strlen(path) >= sizeof(sun.sun_path))
		return mc_fail(mc, MC_ERR_CONNECT, "%s: bad socket path", spec);
	memcpy(sun.sun_path, path, strlen(path));
	mc->fd =
	    dial((struct sockaddr *)&sun, sizeof(sun), mc->opts.connect_timeout_ms, &err);
	if (mc->fd < 0)
		return mc_fail(mc, err == ETIMEDOUT ? MC_ERR_TIMEOUT : MC_ERR_CONNECT,
		               "connect to %s: %s", spec, strerror(err));
	return 0;
}

/* PORTHOST is "PORT@HOST" (Sendmail) with an optional [ ] around HOST. */
static int dial_inet(struct mclient *mc, const char *spec, const char *porthost,
                     int family)
{
	struct addrinfo hints, *res = NULL;
	char *port = xstrdup(porthost);
	char *host = strchr(port, '@');
	int err = ECONNREFUSED;
	int gai;
	size_t hl;

	if (host == NULL || host == port || host[1] == '\0') {
		free(port);
		return mc_fail(mc, MC_ERR_CONNECT, "%s: want PORT@HOST", spec);
	}
	*host++ = '\0';
	hl = strlen(host);
	if (host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		host++;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	gai = getaddrinfo(host, port, &hints, &res);
	free(port);
	if (gai != 0)
		return mc_fail(mc, MC_ERR_CONNECT, "%s: %s", spec, gai_strerror(gai));
	for (struct addrinfo *ai = res; ai != NULL && mc->fd < 0; ai = ai->ai_next)
		mc->fd =
		    dial(ai->ai_addr, ai->ai_addrlen, mc->opts.connect_timeout_ms, &err);
	freeaddrinfo(res);
	if (mc->fd < 0)
		return mc_fail(mc, err == ETIMEDOUT ? MC_ERR_TIMEOUT : MC_ERR_CONNECT,
		               "connect to %s: %s", spec, strerror(err));
	return 0;
}

static int dial_spec(struct mclient *mc, const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return dial_unix(mc, spec, spec + 5);
	if (strncmp(spec, "local:", 6) == 0)
		return dial_unix(mc, spec, spec + 6);
	if (spec[0] == '/')
		return dial_unix(mc, spec, spec);
	if (strncmp(spec, "inet:", 5) == 0)
		return dial_inet(mc, spec, spec + 5, AF_INET);
	if (strncmp(spec, "inet6:", 6) == 0)
		return dial_inet(mc, spec, spec + 6, AF_INET6);
	return mc_fail(mc, MC_ERR_CONNECT, "%s: unknown socket type", spec);
}

/* The optional SMFIM_* stage / macro list pairs after the three numbers. */
static int read_symlists(struct mclient *mc, size_t pos)
{
	while (pos < mc->inlen) {
		uint32_t stage;
		const char *list;

		if (mc->inlen - pos < MILTER_LEN_BYTES)
			return mc_fail(mc, MC_ERR_PROTOCOL,
			               "truncated macro list in negotiation");
		stage = mc_get_u32(mc->in + pos);
		pos += MILTER_LEN_BYTES;
		if ((list = mc_take_string(mc, &pos)) == NULL)
			return mc_fail(mc, MC_ERR_PROTOCOL,
			               "unterminated macro list in negotiation");
		/* Postfix ignores unknown stages; so do we. */
		if (stage >= MC_NSTAGES)
			continue;
		free(mc->symlist[stage]);
		mc->symlist[stage] = xstrdup(list);
		mc->neg.symlist[stage] = mc->symlist[stage];
	}
	return 0;
}

static int negotiate(struct mclient *mc)
{
	char buf[MILTER_OPTLEN];
	char cmd;
	struct strbuf *sb = &mc->out;

	strbuf_reset(sb);
	mc_put_u32(sb, mc->opts.version);
	mc_put_u32(sb, mc->opts.actions);
	mc_put_u32(sb, mc->opts.protocol);
	memcpy(buf, sb->data, sizeof(buf));
	if (mc_send(mc, SMFIC_OPTNEG, buf, sizeof(buf)) < 0)
		return -1;
	if (mc_recv(mc, &cmd, mc->opts.connect_timeout_ms) < 0)
		return -1;
	if (cmd != SMFIC_OPTNEG)
		return mc_fail(mc, MC_ERR_PROTOCOL, "negotiation: filter replied '%c'",
		               cmd);
	if (mc->inlen < MILTER_OPTLEN)
		return mc_fail(mc, MC_ERR_PROTOCOL,
		               "negotiation: reply too short (%zu bytes)", mc->inlen);
	mc->neg.version = mc_get_u32(mc->in);
	mc->neg.actions = mc_get_u32(mc->in + 4);
	mc->neg.protocol = mc_get_u32(mc->in + 8);
	if (mc->neg.version < 2 || mc->neg.version > mc->opts.version)
		return mc_fail(mc, MC_ERR_PROTOCOL,
		               "negotiation: filter wants version %lu",
		               (unsigned long)mc->neg.version);
	if ((mc->neg.actions & ~mc->opts.actions) != 0)
		return mc_fail(mc, MC_ERR_PROTOCOL,
		               "negotiation: filter wants actions 0x%lx, offered 0x%lx",
		               (unsigned long)mc->neg.actions,
		               (unsigned long)mc->opts.actions);
	if (read_symlists(mc, MILTER_OPTLEN) < 0)
		return -1;
	mc->have_neg = true;
	return 0;
}

int mclient_open(struct mclient *mc, const char *spec)
{
	mclient_close(mc);
	mc_forget_negotiation(mc);
	mc->errcode = MC_ERR_NONE;
	mc->err[0] = '\0';
	if (dial_spec(mc, spec) < 0)
		return -1;
	return negotiate(mc);
}
