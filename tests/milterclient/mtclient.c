/*
 * mtclient: drive a milter through a script, speaking the MTA side of the
 * protocol like Postfix (or Sendmail, with -m sendmail). For tests.
 *
 *   mtclient -s SOCKET [-m postfix|sendmail|none] [-t SECONDS]
 *            [-p PROTOCOL_HEX] [-a ACTIONS_HEX] [SCRIPT|-]
 *
 * One command per line; '#' starts a comment; arguments are separated by
 * white space and may be double-quoted, with \" \\ \r \n \t \xHH inside
 * (other backslash pairs are kept as they are, for regexes):
 *
 *   connect HOSTNAME ADDR [PORT]   ADDR "unknown": family U; ':' IPv6; '/' local
 *   helo NAME | mail ADDR [ARGS..] | rcpt ADDR [ARGS..] | data | unknown LINE
 *   header NAME VALUE | eoh | body TEXT | eom | abort | quit
 *   reset                          SMFIC_QUIT_NC: next connect reuses the socket
 *   close                          drop the socket without a word
 *   set NAME VALUE | unset NAME    macro values for the following stages
 *   auth USER [MECH] | noauth      {auth_authen} / {auth_type} (PLAIN)
 *   expect REGEX                   previous output line must match (ERE)
 *   sleep SECONDS
 *
 * Derived macros, unless the script set them itself: _ ("HOST [ADDR]") at
 * connect, {mail_addr} at mail, {rcpt_addr} at rcpt (address without <>).
 *
 * Output: "negotiate: ..." after each negotiation, then one line per
 * protocol command: "<cmd> <args>: <result>". Exit 0 when the script ran,
 * 1 when an expect failed, 2 on protocol error, timeout, lost connection or
 * a bad script (message on stderr).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/escape.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "tests/milterclient/mclient.h"

#define EXIT_RAN 0
#define EXIT_EXPECT 1
#define EXIT_BROKEN 2
#define MAX_ARGS 64
#define SHOWN_ARG_MAX 60 /* longer arguments are cut in the output line */

struct cli {
	struct mclient *mc;
	const char *spec;
	const char *script;
	unsigned line;
	struct strbuf last; /* last output line, for expect */
	char **user_set;    /* macro names the script set itself */
	size_t nuser_set;
	bool leadspc;    /* header values keep their leading space */
	bool in_session; /* a connect was sent; another needs reset or close first */
};

static void die(struct cli *cli, const char *fmt, ...) RM_PRINTF(2, 3)
    __attribute__((noreturn));

static void die(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (cli->line > 0)
		fprintf(stderr, "mtclient: %s:%u: ", cli->script, cli->line);
	else
		fprintf(stderr, "mtclient: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_BROKEN);
}

/* ---- script lexing ----------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Decode one quoted token starting after the '"' at *PP. */
static char *lex_quoted(struct cli *cli, const char **pp)
{
	struct strbuf sb;
	const char *p = *pp;

	strbuf_init(&sb);
	for (;; p++) {
		int hi, lo;

		if (*p == '\0' || *p == '\n')
			die(cli, "unterminated quoted string");
		if (*p == '"')
			break;
		if (*p != '\\') {
			strbuf_putc(&sb, *p);
			continue;
		}
		switch (*++p) {
		case '"':
		case '\\':
			strbuf_putc(&sb, *p);
			break;
		case 'r':
			strbuf_putc(&sb, '\r');
			break;
		case 'n':
			strbuf_putc(&sb, '\n');
			break;
		case 't':
			strbuf_putc(&sb, '\t');
			break;
		case 'x':
			if ((hi = hexval((unsigned char)p[1])) < 0 ||
			    (lo = hexval((unsigned char)p[2])) < 0)
				die(cli, "bad \\x escape");
			if (hi == 0 && lo == 0)
				die(cli, "\\x00 cannot be sent in a C string");
			strbuf_putc(&sb, (char)(hi * 16 + lo));
			p += 2;
			break;
		case '\0':
			die(cli, "unterminated quoted string");
		default:
			/* Not ours: keep it, so "a\.b" stays a regex. */
			strbuf_putc(&sb, '\\');
			strbuf_putc(&sb, *p);
		}
	}
	*pp = p + 1;
	return strbuf_detach(&sb);
}

/* Split LINE into ARGV (allocated strings); returns the count. */
static int lex_line(struct cli *cli, const char *line, char **argv)
{
	const char *p = line;
	int argc = 0;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			return argc;
		if (argc == MAX_ARGS)
			die(cli, "more than %d arguments", MAX_ARGS);
		if (*p == '"') {
			p++;
			argv[argc++] = lex_quoted(cli, &p);
			if (*p != '\0' && !isspace((unsigned char)*p))
				die(cli, "text right after a closing quote");
		} else {
			size_t n = 0;

			while (p[n] && !isspace((unsigned char)p[n]))
				n++;
			argv[argc++] = xstrndup(p, n);
			p += n;
		}
	}
}

/* ---- output -------------------------------------------------------------- */

static void show_arg(struct strbuf *sb, const char *s)
{
	size_t len = strlen(s);

	strbuf_putc(sb, ' ');
	escape_bytes(sb, s, len > SHOWN_ARG_MAX ? SHOWN_ARG_MAX : len);
	if (len > SHOWN_ARG_MAX)
		strbuf_puts(sb, "...");
}

static void show_action(struct strbuf *sb, const struct mclient_action *a)
{
	const char *a1 = a->arg1 ? a->arg1 : "";
	const char *a2 = a->arg2;

	switch (a->type) {
	case SMFIR_ADDHEADER:
		strbuf_puts(sb, "addheader ");
		break;
	case SMFIR_INSHEADER:
		strbuf_appendf(sb, "insheader %lu ", (unsigned long)a->index);
		break;
	case SMFIR_CHGHEADER:
		strbuf_appendf(sb, "chgheader %lu ", (unsigned long)a->index);
		break;
	case SMFIR_REPLBODY:
		strbuf_appendf(sb, "replbody %zu bytes", a->datalen);
		return;
	case SMFIR_ADDRCPT:
		strbuf_puts(sb, "addrcpt ");
		break;
	case SMFIR_ADDRCPT_PAR:
		strbuf_puts(sb, "addrcpt_par ");
		break;
	case SMFIR_DELRCPT:
		strbuf_puts(sb, "delrcpt ");
		break;
	case SMFIR_CHGFROM:
		strbuf_puts(sb, "chgfrom ");
		break;
	case SMFIR_QUARANTINE:
		strbuf_puts(sb, "quarantine ");
		break;
	default:
		strbuf_appendf(sb, "action-%c ", a->type);
	}
	escape_bytes(sb, a1, strlen(a1));
	if (a->type == SMFIR_ADDHEADER || a->type == SMFIR_INSHEADER ||
	    a->type == SMFIR_CHGHEADER)
		strbuf_putc(sb, ':');
	if (a2 != NULL) {
		strbuf_putc(sb, ' ');
		escape_bytes(sb, a2, strlen(a2));
	}
}

static void show_result(struct cli *cli, int argc, char **argv,
                        const struct mclient_result *res)
{
	struct strbuf *sb = &cli->last;

	strbuf_reset(sb);
	strbuf_puts(sb, argv[0]);
	for (int i = 1; i < argc; i++)
		show_arg(sb, argv[i]);
	strbuf_puts(sb, ": ");
	for (size_t i = 0; i < res->nactions; i++) {
		show_action(sb, &res->actions[i]);
		strbuf_puts(sb, "; ");
	}
	if (res->kind == MC_REPLYCODE) {
		strbuf_puts(sb, "reply ");
		escape_bytes(sb, res->text, strlen(res->text));
	} else {
		strbuf_puts(sb, mclient_kind_name(res->kind));
	}
	puts(sb->data);
	fflush(stdout);
}

static void show_negotiation(struct cli *cli)
{
	static const char *const stage_names[MC_NSTAGES] = {
	    "connect", "helo", "mail", "rcpt", "data", "eom", "eoh",
	};
	const struct mclient_negotiated *neg = mclient_negotiated(cli->mc);
	struct strbuf *sb = &cli->last;

	strbuf_reset(sb);
	strbuf_appendf(sb, "negotiate: version=%lu actions=0x%lx protocol=0x%lx",
	               (unsigned long)neg->version, (unsigned long)neg->actions,
	               (unsigned long)neg->protocol);
	for (int s = 0; s < MC_NSTAGES; s++) {
		if (neg->symlist[s] == NULL)
			continue;
		strbuf_appendf(sb, " symlist %s=\"", stage_names[s]);
		escape_bytes(sb, neg->symlist[s], strlen(neg->symlist[s]));
		strbuf_putc(sb, '"');
	}
	cli->leadspc = (neg->protocol & SMFIP_HDR_LEADSPC) != 0;
	puts(sb->data);
	fflush(stdout);
}

static void open_connection(struct cli *cli)
{
	if (mclient_open(cli->mc, cli->spec) < 0)
		die(cli, "%s", mclient_error(cli->mc));
	show_negotiation(cli);
}

/* ---- macros ---------------------------------------------------------------- */

static bool user_set(const struct cli *cli, const char *name)
{
	for (size_t i = 0; i < cli->nuser_set; i++)
		if (strcmp(cli->user_set[i], name) == 0)
			return true;
	return false;
}

/* Remember that the script owns NAME (braces are part of the spelling). */
static void set_by_user(struct cli *cli, const char *name, const char *value)
{
	char bare[256];
	size_t len = strlen(name);

	if (len >= 2 && name[0] == '{' && name[len - 1] == '}')
		len -= 2, name++;
	if (len == 0 || len >= sizeof(bare))
		die(cli, "bad macro name");
	memcpy(bare, name, len);
	bare[len] = '\0';
	if (!user_set(cli, bare)) {
		cli->user_set = xrealloc(cli->user_set,
		                         (cli->nuser_set + 1) * sizeof(*cli->user_set));
		cli->user_set[cli->nuser_set++] = xstrdup(bare);
	}
	mclient_macro_set(cli->mc, bare, value);
}

static void derive(struct cli *cli, const char *bare, const char *value)
{
	if (!user_set(cli, bare))
		mclient_macro_set(cli->mc, bare, value);
}

/* ADDR without surrounding angle brackets. */
static void derive_address(struct cli *cli, const char *bare, const char *addr)
{
	size_t len = strlen(addr);
	char *plain;

	if (len >= 2 && addr[0] == '<' && addr[len - 1] == '>')
		plain = xstrndup(addr + 1, len - 2);
	else
		plain = xstrdup(addr);
	derive(cli, bare, plain);
	free(plain);
}

/* ---- commands -------------------------------------------------------------- */

typedef int (*cmd_fn)(struct cli *cli, int argc, char **argv, struct mclient_result *res);

static char family_of(const char *addr)
{
	if (strcmp(addr, "unknown") == 0)
		return SMFIA_UNKNOWN;
	if (addr[0] == '/')
		return SMFIA_UNIX;
	if (strchr(addr, ':') != NULL)
		return SMFIA_INET6;
	return SMFIA_INET;
}

static int cmd_connect(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	const char *host = argv[1], *addr = argv[2];
	char family = family_of(addr);
	unsigned long port = 0;
	char *end, *name = NULL, *underscore;
	int ret;

	if (argc > 3) {
		errno = 0;
		port = strtoul(argv[3], &end, 10);
		if (errno || *end || port > 65535)
			die(cli, "bad port %s", argv[3]);
	}
	if (!mclient_is_open(cli->mc)) {
		open_connection(cli);
		cli->in_session = false;
	}
	/* libmilter silently ignores a second CONNECT in one session: a script
	 * that meant a new SMTP connection would test the old one. */
	if (cli->in_session)
		die(cli, "connect twice in one session: use reset (after abort or eom) "
		         "or close first");
	cli->in_session = true;
	/* Both MTAs name an unresolved client "[addr]". */
	if (strcmp(host, "unknown") == 0 && family != SMFIA_UNKNOWN) {
		name = xmalloc(strlen(addr) + 3);
		sprintf(name, "[%s]", addr);
		host = name;
	}
	/* Postfix: "reverse-name [addr]", "unknown" when unresolved. */
	underscore = xmalloc(strlen(argv[1]) + strlen(addr) + 4);
	sprintf(underscore, "%s [%s]", argv[1], addr);
	derive(cli, "_", underscore);
	ret = mclient_connect(cli->mc, host, family, (uint16_t)port, addr, res);
	free(underscore);
	free(name);
	return ret;
}

static int cmd_helo(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	return mclient_helo(cli->mc, argv[1], res);
}

static int cmd_mail(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	derive_address(cli, "mail_addr", argv[1]);
	return mclient_mail(cli->mc, (const char *const *)argv + 1, res);
}

static int cmd_rcpt(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	derive_address(cli, "rcpt_addr", argv[1]);
	return mclient_rcpt(cli->mc, (const char *const *)argv + 1, res);
}

static int cmd_data(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	return mclient_data(cli->mc, res);
}

static int cmd_unknown(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	return mclient_unknown(cli->mc, argv[1], res);
}

static int cmd_header(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	struct strbuf value;
	int ret;

	/* "Name: value": the MTA strips the space unless SMFIP_HDR_LEADSPC. */
	strbuf_init(&value);
	if (cli->leadspc)
		strbuf_putc(&value, ' ');
	strbuf_puts(&value, argv[2]);
	ret = mclient_header(cli->mc, argv[1], value.data, res);
	strbuf_free(&value);
	return ret;
}

static int cmd_eoh(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	return mclient_eoh(cli->mc, res);
}

static int cmd_body(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	return mclient_body(cli->mc, argv[1], strlen(argv[1]), res);
}

static int cmd_eom(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	return mclient_eom(cli->mc, res);
}

static int cmd_abort(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	return mclient_abort(cli->mc, res);
}

static int cmd_quit(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	return mclient_quit(cli->mc, res);
}

static int cmd_reset(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	cli->in_session = false;
	return mclient_quit_nc(cli->mc, res);
}

static int cmd_close(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	cli->in_session = false;
	mclient_close(cli->mc);
	mclient_result_clear(res);
	res->kind = MC_SENT;
	return 0;
}

/* Commands below print nothing and leave the last line for expect. */
#define QUIET 1

static int cmd_set(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	set_by_user(cli, argv[1], argv[2]);
	return QUIET;
}

static int cmd_unset(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	set_by_user(cli, argv[1], NULL);
	return QUIET;
}

static int cmd_auth(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	set_by_user(cli, "auth_authen", argv[1]);
	set_by_user(cli, "auth_type", argc > 2 ? argv[2] : "PLAIN");
	return QUIET;
}

static int cmd_noauth(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	set_by_user(cli, "auth_authen", NULL);
	set_by_user(cli, "auth_type", NULL);
	set_by_user(cli, "auth_author", NULL);
	return QUIET;
}

static int cmd_expect(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	regex_t re;
	int err = regcomp(&re, argv[1], REG_EXTENDED | REG_NOSUB);
	char msg[256];

	if (err != 0) {
		regerror(err, &re, msg, sizeof(msg));
		die(cli, "bad regex: %s", msg);
	}
	err = regexec(&re, cli->last.data, 0, NULL, 0);
	regfree(&re);
	if (err != 0) {
		fflush(stdout);
		fprintf(stderr, "mtclient: %s:%u: expect /%s/ failed; got: %s\n",
		        cli->script, cli->line, argv[1], cli->last.data);
		exit(EXIT_EXPECT);
	}
	return QUIET;
}

static int cmd_sleep(struct cli *cli, int argc, char **argv, struct mclient_result *res)
{
	char *end;
	double s = strtod(argv[1], &end);
	struct timespec ts;

	if (*end || s < 0 || s > 3600)
		die(cli, "bad sleep time %s", argv[1]);
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return QUIET;
}

struct command {
	const char *name;
	int min_args, max_args; /* not counting the name */
	bool needs_open;
	cmd_fn fn;
};

static const struct command commands[] = {
    {"connect", 2, 3, false, cmd_connect},
    {"helo", 1, 1, true, cmd_helo},
    {"mail", 1, MAX_ARGS, true, cmd_mail},
    {"rcpt", 1, MAX_ARGS, true, cmd_rcpt},
    {"data", 0, 0, true, cmd_data},
    {"unknown", 1, 1, true, cmd_unknown},
    {"header", 2, 2, true, cmd_header},
    {"eoh", 0, 0, true, cmd_eoh},
    {"body", 1, 1, true, cmd_body},
    {"eom", 0, 0, true, cmd_eom},
    {"abort", 0, 0, true, cmd_abort},
    {"quit", 0, 0, true, cmd_quit},
    {"reset", 0, 0, true, cmd_reset},
    {"close", 0, 0, false, cmd_close},
    {"set", 2, 2, false, cmd_set},
    {"unset", 1, 1, false, cmd_unset},
    {"auth", 1, 2, false, cmd_auth},
    {"noauth", 0, 0, false, cmd_noauth},
    {"expect", 1, 1, false, cmd_expect},
    {"sleep", 1, 1, false, cmd_sleep},
    {NULL, 0, 0, false, NULL},
};

static void run_line(struct cli *cli, const char *line)
{
	char *argv[MAX_ARGS + 1];
	int argc = lex_line(cli, line, argv);
	const struct command *c;
	struct mclient_result res;
	int ret;

	if (argc == 0)
		return;
	argv[argc] = NULL;
	for (c = commands; c->name && strcmp(c->name, argv[0]) != 0; c++)
		;
	if (c->name == NULL)
		die(cli, "unknown command \"%s\"", argv[0]);
	if (argc - 1 < c->min_args || argc - 1 > c->max_args)
		die(cli, "%s: wrong number of arguments", c->name);
	if (c->needs_open && !mclient_is_open(cli->mc))
		die(cli, "%s: no connection to the filter (after quit or an error)",
		    c->name);
	mclient_result_init(&res);
	ret = c->fn(cli, argc, argv, &res);
	if (ret < 0)
		die(cli, "%s: %s", c->name, mclient_error(cli->mc));
	if (ret != QUIET)
		show_result(cli, argc, argv, &res);
	mclient_result_clear(&res);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: mtclient -s SOCKET [-m postfix|sendmail|none] [-t SECONDS]\n"
	        "                [-p PROTOCOL_HEX] [-a ACTIONS_HEX] [SCRIPT|-]\n");
	exit(EXIT_BROKEN);
}

static unsigned long parse_hex(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 16);
	if (errno || *end || end == s || v > 0xffffffffUL)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	struct mclient_options opts;
	struct cli cli = {0};
	FILE *fp = stdin;
	char *line = NULL;
	size_t cap = 0;
	int c;

	mclient_options_init(&opts);
	while ((c = getopt(argc, argv, "a:m:p:s:t:")) != -1) {
		switch (c) {
		case 'a':
			opts.actions = (uint32_t)parse_hex(optarg);
			break;
		case 'm':
			if (strcmp(optarg, "postfix") == 0)
				opts.preset = MC_PRESET_POSTFIX;
			else if (strcmp(optarg, "sendmail") == 0)
				opts.preset = MC_PRESET_SENDMAIL;
			else if (strcmp(optarg, "none") == 0)
				opts.preset = MC_PRESET_NONE;
			else
				usage();
			break;
		case 'p':
			opts.protocol = (uint32_t)parse_hex(optarg);
			break;
		case 's':
			cli.spec = optarg;
			break;
		case 't': {
			char *end;
			double t = strtod(optarg, &end);

			if (*end || t <= 0 || t > 86400)
				usage();
			opts.connect_timeout_ms = opts.command_timeout_ms =
			    (int)(t * 1000);
			break;
		}
		default:
			usage();
		}
	}
	if (cli.spec == NULL || argc - optind > 1)
		usage();
	cli.script = "-";
	if (optind < argc && strcmp(argv[optind], "-") != 0) {
		cli.script = argv[optind];
		if ((fp = fopen(cli.script, "r")) == NULL)
			die(&cli, "%s: %s", cli.script, strerror(errno));
	}
	strbuf_init(&cli.last);
	cli.mc = mclient_new(&opts);
	open_connection(&cli);
	while (getline(&line, &cap, fp) != -1) {
		cli.line++;
		run_line(&cli, line);
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	mclient_free(cli.mc);
	for (size_t i = 0; i < cli.nuser_set; i++)
		free(cli.user_set[i]);
	free(cli.user_set);
	strbuf_free(&cli.last);
	return EXIT_RAN;
}
