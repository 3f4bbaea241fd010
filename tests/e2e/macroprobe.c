/*
 * macroprobe: a test-only milter for the e2e harness. It decides nothing
 * (every callback answers SMFIS_CONTINUE) and writes one line per callback
 * to a file: the stage, its argument and the macros the MTA sent, so the
 * harness can prove which macros a given MTA configuration delivers
 * ({daemon_name}, {auth_authen}, {tls_version}, ...) independently of
 * relaymilter. Usage: macroprobe SOCKET LOGFILE. Fails by exiting non-zero.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <libmilter/mfapi.h>

static FILE *probe_log;

static const char *const probe_macros[] = {"j",
                                           "_",
                                           "{daemon_name}",
                                           "{daemon_addr}",
                                           "{client_addr}",
                                           "{client_name}",
                                           "{tls_version}",
                                           "{cipher}",
                                           "i",
                                           "{auth_type}",
                                           "{auth_authen}",
                                           "{mail_addr}",
                                           "{rcpt_addr}",
                                           "{rcpt_mailer}",
                                           NULL};

static void probe_write(SMFICTX *ctx, const char *stage, const char *arg)
{
	const char *const *m;

	fprintf(probe_log, "%s arg=%s", stage, arg != NULL ? arg : "-");
	for (m = probe_macros; *m != NULL; m++) {
		const char *v = smfi_getsymval(ctx, (char *)*m);

		if (v != NULL)
			fprintf(probe_log, " %s=%s", *m, v);
	}
	fputc('\n', probe_log);
	fflush(probe_log);
}

static sfsistat probe_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	char addr[INET6_ADDRSTRLEN] = "unknown";

	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, addr,
		          sizeof addr);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, addr,
		          sizeof addr);
	(void)host;
	probe_write(ctx, "connect", addr);
	return SMFIS_CONTINUE;
}

static sfsistat probe_helo(SMFICTX *ctx, char *helo)
{
	probe_write(ctx, "helo", helo);
	return SMFIS_CONTINUE;
}

static sfsistat probe_envfrom(SMFICTX *ctx, char **argv)
{
	probe_write(ctx, "mail", argv[0]);
	return SMFIS_CONTINUE;
}

static sfsistat probe_envrcpt(SMFICTX *ctx, char **argv)
{
	probe_write(ctx, "rcpt", argv[0]);
	return SMFIS_CONTINUE;
}

static sfsistat probe_eom(SMFICTX *ctx)
{
	probe_write(ctx, "eom", NULL);
	return SMFIS_CONTINUE;
}

static struct smfiDesc probe_desc = {
    .xxfi_name = "macroprobe",
    .xxfi_version = SMFI_VERSION,
    .xxfi_connect = probe_connect,
    .xxfi_helo = probe_helo,
    .xxfi_envfrom = probe_envfrom,
    .xxfi_envrcpt = probe_envrcpt,
    .xxfi_eom = probe_eom,
};

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: macroprobe SOCKET LOGFILE\n");
		return 64;
	}
	probe_log = fopen(argv[2], "a");
	if (probe_log == NULL) {
		perror(argv[2]);
		return 73;
	}
	umask(0);
	if (smfi_setconn(argv[1]) == MI_FAILURE ||
	    smfi_register(probe_desc) == MI_FAILURE || smfi_opensocket(1) == MI_FAILURE) {
		fprintf(stderr, "macroprobe: cannot open %s\n", argv[1]);
		return 71;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 70;
}
