/*
 * nullmilter: the benchmark's yardstick. A libmilter filter that answers
 * "continue" to every callback and decides nothing, with the same
 * negotiation shape as relaymilter (milter/callbacks.c cb_negotiate): it
 * skips headers, body, end of headers, unknown and DATA, agrees not to
 * reply to CONNECT and HELO, and requests the same macros per stage. It
 * also keeps a small per-connection context (smfi_setpriv), as every real
 * filter does. What remains is the cost of the protocol, the sockets and
 * libmilter's worker threads: the physical limit on this machine.
 *
 *   nullmilter -p SOCKET        e.g. unix:/tmp/x/null.sock
 *
 * Stops on SIGTERM/SIGINT/SIGHUP (libmilter's signal thread).
 */
#include "config.h"

#include "milter/negotiate.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

struct nconn {
	bool nr_conn, nr_helo;
};

static sfsistat null_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                               unsigned long f2, unsigned long f3, unsigned long *pf0,
                               unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct nconn *c = calloc(1, sizeof *c);

	(void)f2;
	(void)f3;
	if (c == NULL || smfi_setpriv(ctx, c) != MI_SUCCESS) {
		free(c);
		return SMFIS_TEMPFAIL;
	}
	/* relaymilter's own negotiation, the same code: a fair yardstick. */
	negotiate_answer(ctx, f0, f1, pf0, pf1, pf2, pf3, &c->nr_conn, &c->nr_helo);
	return SMFIS_CONTINUE;
}

static sfsistat null_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct nconn *c = smfi_getpriv(ctx);

	(void)hostname;
	(void)hostaddr;
	return c != NULL && c->nr_conn ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat null_helo(SMFICTX *ctx, char *helohost)
{
	struct nconn *c = smfi_getpriv(ctx);

	(void)helohost;
	return c != NULL && c->nr_helo ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat null_envfrom(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

static sfsistat null_envrcpt(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

static sfsistat null_continue(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat null_close(SMFICTX *ctx)
{
	free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static struct smfiDesc null_desc = {
    .xxfi_name = "nullmilter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = 0,
    .xxfi_connect = null_connect,
    .xxfi_helo = null_helo,
    .xxfi_envfrom = null_envfrom,
    .xxfi_envrcpt = null_envrcpt,
    .xxfi_eom = null_continue,
    .xxfi_abort = null_continue,
    .xxfi_close = null_close,
    .xxfi_negotiate = null_negotiate,
};

int main(int argc, char **argv)
{
	const char *spec = NULL;
	int ch;

	while ((ch = getopt(argc, argv, "p:")) != -1) {
		if (ch != 'p') {
			fprintf(stderr, "usage: nullmilter -p SOCKET\n");
			return 64;
		}
		spec = optarg;
	}
	if (spec == NULL || optind != argc) {
		fprintf(stderr, "usage: nullmilter -p SOCKET\n");
		return 64;
	}
	signal(SIGPIPE, SIG_IGN);
	if (smfi_register(null_desc) != MI_SUCCESS ||
	    smfi_setconn((char *)spec) != MI_SUCCESS ||
	    smfi_opensocket(true) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: cannot open %s\n", spec);
		return 71;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
