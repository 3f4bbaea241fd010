/*
 * echofilter: a small libmilter filter that tests mtclient. It logs each
 * callback with the macros it can see, and answers by recipient:
 *   <reject@...>  550 5.7.1 via smfi_setreply, SMFIS_REJECT
 *   <temp@...>    SMFIS_TEMPFAIL
 *   <accept@...>  SMFIS_ACCEPT
 *   <discard@...> SMFIS_DISCARD
 *   anything else SMFIS_CONTINUE
 * A body chunk holding "SKIPME" gets SMFIS_SKIP. At end of message it adds
 * "X-Echofilter: seen" and, if a header X-Quarantine was seen, quarantines.
 *
 *   echofilter -p SOCKET -l LOGFILE [-P PROTOCOL_HEX] [-S STAGE=LIST]... [-S none]
 *
 * -P: SMFIP_* bits to ask for in negotiation (steps to skip, replies not
 * sent); callbacks then return SMFIS_NOREPLY where a no-reply bit applies.
 * -S: setsymlist requests (stage: connect helo mail rcpt data eoh eom);
 * default: rcpt="{rcpt_addr} {auth_authen} {daemon_name} i".
 * -D: no xxfi_negotiate callback, to see what libmilter answers by itself.
 *
 * libmilter has no user pointer before a connection exists, so the options
 * live in one static struct, written before smfi_main() and read-only after.
 * Log lines are written under a mutex (libmilter runs a thread per session).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#define MAX_SYMLISTS 8

static struct {
	FILE *log;
	unsigned long protocol; /* SMFIP_* bits to request */
	int nsym;
	int sym_stage[MAX_SYMLISTS];
	const char *sym_list[MAX_SYMLISTS];
} conf;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const probe[] = {
    "j",
    "_",
    "v",
    "i",
    "{daemon_name}",
    "{daemon_addr}",
    "{if_name}",
    "{if_addr}",
    "{client_addr}",
    "{tls_version}",
    "{cipher}",
    "{cipher_bits}",
    "{cert_subject}",
    "{cert_issuer}",
    "{auth_type}",
    "{auth_authen}",
    "{auth_author}",
    "{auth_ssf}",
    "{mail_addr}",
    "{mail_host}",
    "{mail_mailer}",
    "{rcpt_addr}",
    "{rcpt_host}",
    "{rcpt_mailer}",
    "{msg_id}",
    NULL,
};

/* Append S to LINE with control bytes as \xHH (tests grep for them). */
static void put_escaped(char *line, size_t size, const char *s)
{
	size_t len = strlen(line);

	for (; *s && len + 5 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '\\')
			len += (size_t)snprintf(line + len, size - len, "\\x%02x", c);
		else
			line[len++] = (char)c;
	}
	line[len] = '\0';
}

/* One line: EVENT, its arguments, then every probed macro that is set. */
static void log_event(SMFICTX *ctx, const char *event, const char *const *args)
{
	char line[8192];

	snprintf(line, sizeof(line), "%s", event);
	for (; args && *args; args++) {
		strcat(line, " ");
		put_escaped(line, sizeof(line), *args);
	}
	for (const char *const *p = probe; *p; p++) {
		const char *v = ctx ? smfi_getsymval(ctx, (char *)*p) : NULL;

		if (v == NULL || strlen(line) + strlen(*p) + 3 >= sizeof(line))
			continue;
		strcat(line, " ");
		strcat(line, *p);
		strcat(line, "=");
		put_escaped(line, sizeof(line), v);
	}
	pthread_mutex_lock(&log_lock);
	fprintf(conf.log, "%s\n", line);
	fflush(conf.log);
	pthread_mutex_unlock(&log_lock);
}

/* What to return when the filter asked not to reply at this step. */
static sfsistat verdict(unsigned long nr_flag, sfsistat r)
{
	return (conf.protocol & nr_flag) ? SMFIS_NOREPLY : r;
}

static sfsistat ef_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                             unsigned long f2, unsigned long f3, unsigned long *pf0,
                             unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	char buf[128];
	const char *args[2] = {buf, NULL};

	snprintf(buf, sizeof(buf), "offered actions=0x%lx protocol=0x%lx", f0, f1);
	log_event(NULL, "negotiate", args);
	*pf0 = SMFIF_ADDHDRS | SMFIF_QUARANTINE | (conf.nsym ? SMFIF_SETSYMLIST : 0);
	*pf1 = conf.protocol & f1;
	*pf2 = *pf3 = 0;
	for (int i = 0; i < conf.nsym; i++)
		if (smfi_setsymlist(ctx, conf.sym_stage[i], (char *)conf.sym_list[i]) !=
		    MI_SUCCESS)
			log_event(NULL, "setsymlist-failed", NULL);
	return SMFIS_CONTINUE;
}

static sfsistat ef_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	const char *args[] = {host, sa ? "addr" : "noaddr", NULL};

	log_event(ctx, "connect", args);
	return verdict(SMFIP_NR_CONN, SMFIS_CONTINUE);
}

static sfsistat ef_helo(SMFICTX *ctx, char *name)
{
	const char *args[] = {name, NULL};

	log_event(ctx, "helo", args);
	return verdict(SMFIP_NR_HELO, SMFIS_CONTINUE);
}

static sfsistat ef_envfrom(SMFICTX *ctx, char **argv)
{
	log_event(ctx, "mail", (const char *const *)argv);
	return verdict(SMFIP_NR_MAIL, SMFIS_CONTINUE);
}

static sfsistat ef_envrcpt(SMFICTX *ctx, char **argv)
{
	const char *r = argv[0];

	log_event(ctx, "rcpt", (const char *const *)argv);
	if (conf.protocol & SMFIP_NR_RCPT)
		return SMFIS_NOREPLY;
	if (strncmp(r, "<reject@", 8) == 0) {
		smfi_setreply(ctx, "550", "5.7.1", "Relay access denied");
		return SMFIS_REJECT;
	}
	if (strncmp(r, "<temp@", 6) == 0)
		return SMFIS_TEMPFAIL;
	if (strncmp(r, "<accept@", 8) == 0)
		return SMFIS_ACCEPT;
	if (strncmp(r, "<discard@", 9) == 0)
		return SMFIS_DISCARD;
	return SMFIS_CONTINUE;
}

static sfsistat ef_data(SMFICTX *ctx)
{
	log_event(ctx, "data", NULL);
	return verdict(SMFIP_NR_DATA, SMFIS_CONTINUE);
}

static sfsistat ef_header(SMFICTX *ctx, char *name, char *value)
{
	const char *args[] = {name, value, NULL};

	log_event(ctx, "header", args);
	if (strcmp(name, "X-Quarantine") == 0)
		smfi_setpriv(ctx, (void *)1);
	return verdict(SMFIP_NR_HDR, SMFIS_CONTINUE);
}

static sfsistat ef_eoh(SMFICTX *ctx)
{
	log_event(ctx, "eoh", NULL);
	return verdict(SMFIP_NR_EOH, SMFIS_CONTINUE);
}

static sfsistat ef_body(SMFICTX *ctx, unsigned char *buf, size_t len)
{
	char text[256];
	const char *args[] = {text, NULL};

	snprintf(text, sizeof(text), "%.*s", (int)(len < 200 ? len : 200), (char *)buf);
	log_event(ctx, "body", args);
	if (memmem(buf, len, "SKIPME", 6) != NULL)
		return SMFIS_SKIP;
	return verdict(SMFIP_NR_BODY, SMFIS_CONTINUE);
}

static sfsistat ef_eom(SMFICTX *ctx)
{
	log_event(ctx, "eom", NULL);
	smfi_addheader(ctx, "X-Echofilter", "seen");
	if (smfi_getpriv(ctx) != NULL) {
		smfi_quarantine(ctx, "asked for");
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

static sfsistat ef_abort(SMFICTX *ctx)
{
	log_event(ctx, "abort", NULL);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static sfsistat ef_close(SMFICTX *ctx)
{
	log_event(NULL, "close", NULL);
	return SMFIS_CONTINUE;
}

static int stage_by_name(const char *name, size_t len)
{
	static const struct {
		const char *name;
		int stage;
	} stages[] = {
	    {"connect", SMFIM_CONNECT}, {"helo", SMFIM_HELO}, {"mail", SMFIM_ENVFROM},
	    {"rcpt", SMFIM_ENVRCPT},    {"data", SMFIM_DATA}, {"eoh", SMFIM_EOH},
	    {"eom", SMFIM_EOM},
	};

	for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++)
		if (strlen(stages[i].name) == len &&
		    strncmp(stages[i].name, name, len) == 0)
			return stages[i].stage;
	return -1;
}

static void add_symlist(const char *arg)
{
	const char *eq = strchr(arg, '=');
	int stage;

	if (strcmp(arg, "none") == 0) {
		conf.nsym = 0;
		return;
	}
	if (eq == NULL || (stage = stage_by_name(arg, (size_t)(eq - arg))) < 0 ||
	    conf.nsym == MAX_SYMLISTS) {
		fprintf(stderr, "echofilter: bad -S %s\n", arg);
		exit(2);
	}
	conf.sym_stage[conf.nsym] = stage;
	conf.sym_list[conf.nsym++] = eq + 1;
}

int main(int argc, char **argv)
{
	struct smfiDesc desc = {
	    .xxfi_name = "echofilter",
	    .xxfi_version = SMFI_VERSION,
	    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST,
	    .xxfi_connect = ef_connect,
	    .xxfi_helo = ef_helo,
	    .xxfi_envfrom = ef_envfrom,
	    .xxfi_envrcpt = ef_envrcpt,
	    .xxfi_header = ef_header,
	    .xxfi_eoh = ef_eoh,
	    .xxfi_body = ef_body,
	    .xxfi_eom = ef_eom,
	    .xxfi_abort = ef_abort,
	    .xxfi_close = ef_close,
	    .xxfi_data = ef_data,
	    .xxfi_negotiate = ef_negotiate,
	};
	const char *sock = NULL, *logfile = getenv("ECHOFILTER_LOG");
	int c, user_sym = 0;

	while ((c = getopt(argc, argv, "Dl:p:P:S:")) != -1) {
		switch (c) {
		case 'D':
			/* libmilter's own negotiation: no callback, no symlist. */
			desc.xxfi_negotiate = NULL;
			user_sym = 1;
			break;
		case 'l':
			logfile = optarg;
			break;
		case 'p':
			sock = optarg;
			break;
		case 'P':
			conf.protocol = strtoul(optarg, NULL, 16);
			break;
		case 'S':
			add_symlist(optarg);
			user_sym = 1;
			break;
		default:
			fprintf(stderr, "usage: echofilter -p SOCKET -l LOG [-D] [-P "
			                "HEX] [-S STAGE=LIST]\n");
			return 2;
		}
	}
	if (sock == NULL || logfile == NULL) {
		fprintf(stderr,
		        "echofilter: -p SOCKET and -l LOG (or ECHOFILTER_LOG) needed\n");
		return 2;
	}
	if (!user_sym)
		add_symlist("rcpt={rcpt_addr} {auth_authen} {daemon_name} i");
	if ((conf.log = fopen(logfile, "a")) == NULL) {
		fprintf(stderr, "echofilter: %s: %s\n", logfile, strerror(errno));
		return 2;
	}
	(void)unlink(sock);
	if (smfi_setconn((char *)sock) != MI_SUCCESS ||
	    smfi_register(desc) != MI_SUCCESS || smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "echofilter: cannot set up %s\n", sock);
		return 2;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
