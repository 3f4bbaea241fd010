/*
 * relaymilter-query: evaluate the policy for one envelope with the same
 * config and directory as the daemon, without an MTA, and print each
 * decision with the trace of the rules it evaluated. Exit status: 0 all
 * accepted, 1 something rejected, 75 something tempfailed, 78 bad config,
 * 64 bad usage. With --auth LOGIN alone, trace the login's account instead
 * (SPEC §8): its canonical form, where it was found, what it owns, whether
 * it is suspended, its limit overrides; 0 usable, 1 suspended, 75 the
 * directory could not say. With --limits, the rate limits of a login or
 * client (query/limits.c).
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>

#include "conf/build.h"
#include "policy/ldap/dir_ldap.h"
#include "lib/escape.h"
#include "lib/log.h"
#include "lib/login.h"
#include "lib/xalloc.h"
#include "policy/engine.h"
#include "query/limits.h"

#define MAX_RCPTS 1000

struct query {
	const char *config_path;
	const char *client;
	const char *from;
	const char *rcpts[MAX_RCPTS];
	size_t n_rcpts;
	bool json;
	bool limits, reset; /* --limits [--reset] */
	struct policy_client pc;
};

/* One evaluated address: sender (rcpt NULL) or a recipient. */
struct outcome {
	const char *addr;
	bool is_sender;
	struct verdict v;
	struct strbuf trace;
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: relaymilter-query [-c FILE] --client ADDR [--auth USER] "
	        "[--listener NAME]\n"
	        "         [--tls VERSION] [--name HOST] [--helo NAME] --from SENDER\n"
	        "         --rcpt RCPT [--rcpt RCPT ...] [--json]\n"
	        "       relaymilter-query [-c FILE] --auth LOGIN    (trace the account)\n"
	        "       relaymilter-query [-c FILE] --limits [--reset] [--auth LOGIN] "
	        "[--client ADDR]\n"
	        "  --from '<>' is the null sender; --client unknown: no client address.\n"
	        "  exit: 0 all accepted, 1 some rejected, 75 tempfail, 78 bad config\n");
}

static void parse_args(int argc, char **argv, struct query *q)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"client", required_argument, NULL, 'a'},
	    {"auth", required_argument, NULL, 'u'},
	    {"listener", required_argument, NULL, 'l'},
	    {"tls", required_argument, NULL, 't'},
	    {"name", required_argument, NULL, 'N'},
	    {"helo", required_argument, NULL, 'H'},
	    {"from", required_argument, NULL, 'f'},
	    {"rcpt", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'j'},
	    {"limits", no_argument, NULL, 'L'},
	    {"reset", no_argument, NULL, 'R'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			q->config_path = optarg;
			break;
		case 'a':
			q->client = optarg;
			break;
		case 'u':
			q->pc.auth_user = optarg;
			break;
		case 'l':
			q->pc.listener = optarg;
			break;
		case 't':
			q->pc.tls_version = optarg;
			break;
		case 'N':
			q->pc.name = optarg;
			break;
		case 'H':
			q->pc.helo = optarg;
			break;
		case 'f':
			q->from = optarg;
			break;
		case 'j':
			q->json = true;
			break;
		case 'L':
			q->limits = true;
			break;
		case 'R':
			q->reset = true;
			break;
		case 'r':
			if (q->n_rcpts == MAX_RCPTS) {
				fprintf(stderr, "relaymilter-query: at most %d --rcpt\n",
				        MAX_RCPTS);
				exit(EX_USAGE);
			}
			q->rcpts[q->n_rcpts++] = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(EX_USAGE);
		}
	}
	if (optind == argc && q->limits && (q->pc.auth_user || q->client) &&
	    q->from == NULL && q->n_rcpts == 0)
		return; /* the rate limits */
	if (q->limits || q->reset) {
		fprintf(stderr, "relaymilter-query: %s\n",
		        q->limits ? "--limits takes --auth and/or --client, nothing else"
		                  : "--reset goes with --limits");
		usage(stderr);
		exit(EX_USAGE);
	}
	if (optind == argc && q->pc.auth_user != NULL && q->from == NULL &&
	    q->n_rcpts == 0)
		return; /* the account trace */
	if (optind != argc || q->from == NULL || q->n_rcpts == 0) {
		fprintf(stderr, "relaymilter-query: %s\n",
		        optind != argc ? "unexpected argument"
		                       : "--from and --rcpt are required");
		usage(stderr);
		exit(EX_USAGE);
	}
}

static void set_client(struct query *q)
{
	q->pc.addr_text = q->client ? q->client : "unknown";
	if (q->client == NULL || strcmp(q->client, "unknown") == 0)
		return;
	if (netaddr_parse(q->client, &q->pc.addr) < 0) {
		fprintf(stderr, "relaymilter-query: --client %s: not an IP address\n",
		        q->client);
		exit(EX_USAGE);
	}
	q->pc.addr_known = true;
}

static void print_human(const struct query *q, const struct config *cf,
                        const struct outcome *o)
{
	struct strbuf addr = STRBUF_INIT;

	strbuf_init(&addr);
	escape_bytes(&addr, o->addr, strlen(o->addr));
	printf("%s %s: %s", o->is_sender ? "sender" : "recipient", addr.data,
	       verdict_action_name(o->v.action));
	if (o->v.action != VERDICT_ACCEPT)
		printf(" %s %s %s", o->v.reply.code, o->v.reply.xcode, o->v.reply.text);
	if (cf->report_mode && o->v.action != VERDICT_ACCEPT)
		printf(" (mode = report: the daemon would log would-%s and let it pass)",
		       verdict_action_name(o->v.action));
	printf("\n  reason: %s  source: %s\n", verdict_reason_name(o->v.reason),
	       dir_source_name(o->v.source));
	for (char *p = o->trace.data, *nl; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		printf("    %.*s\n", (int)(nl ? nl - p : (long)strlen(p)), p);
		if (!nl)
			break;
	}
	(void)q;
	strbuf_free(&addr);
}

static void json_outcome(struct strbuf *out, const struct outcome *o)
{
	char reply[600];

	strbuf_putc(out, '{');
	escape_json_member(out, o->is_sender ? "sender" : "rcpt", o->addr);
	escape_json_member(out, "action", verdict_action_name(o->v.action));
	escape_json_member(out, "reason", verdict_reason_name(o->v.reason));
	escape_json_member(out, "source", dir_source_name(o->v.source));
	snprintf(reply, sizeof reply, "%s %s %s", o->v.reply.code, o->v.reply.xcode,
	         o->v.reply.text);
	escape_json_member(out, "reply", o->v.action == VERDICT_ACCEPT ? NULL : reply);
	strbuf_puts(out, ",\"trace\":[");
	for (char *p = o->trace.data, *nl; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (p != o->trace.data)
			strbuf_putc(out, ',');
		strbuf_putc(out, '"');
		*nl = '\0';
		escape_json(out, p);
		*nl = '\n';
		strbuf_putc(out, '"');
	}
	strbuf_puts(out, "]}");
}

static void print_json(const struct query *q, const struct config *cf,
                       const struct outcome *outs, size_t n, int status)
{
	struct strbuf out = STRBUF_INIT;

	strbuf_init(&out);
	strbuf_putc(&out, '{');
	escape_json_member(&out, "config", cf->path);
	escape_json_member(&out, "mode", cf->report_mode ? "report" : "enforce");
	strbuf_puts(&out, ",\"client\":{");
	escape_json_member(&out, "addr", q->pc.addr_known ? q->pc.addr_text : NULL);
	escape_json_member(&out, "auth", q->pc.auth_user);
	escape_json_member(&out, "listener", q->pc.listener);
	strbuf_puts(&out, "},\"sender\":");
	json_outcome(&out, &outs[0]);
	strbuf_puts(&out, ",\"recipients\":[");
	for (size_t i = 1; i < n; i++) {
		if (i > 1)
			strbuf_putc(&out, ',');
		json_outcome(&out, &outs[i]);
	}
	strbuf_appendf(&out, "],\"exit\":%d}\n", status);
	fputs(out.data, stdout);
	strbuf_free(&out);
}

static int exit_status(const struct outcome *outs, size_t n)
{
	int status = 0;

	for (size_t i = 0; i < n; i++) {
		if (outs[i].v.action == VERDICT_TEMPFAIL)
			return EX_TEMPFAIL;
		if (outs[i].v.action == VERDICT_REJECT)
			status = 1;
	}
	return status;
}

static void print_list(const char *label, char *const *items, size_t n, const char *own)
{
	printf("  %s:", label);
	if (own != NULL)
		printf(" %s (its own address)%s", own, n > 0 ? "," : "");
	for (size_t i = 0; i < n; i++)
		printf(" %s%s", items[i], i + 1 < n ? "," : "");
	if (n == 0 && own == NULL)
		printf(" none");
	printf("\n");
}

/* --auth LOGIN alone: where the account is, and what it says. */
static int trace_account(const struct config *cf, struct policy *pol, const char *typed)
{
	const char *why = NULL;
	char *login = login_canonical(typed, cf->policy.default_domain, &why);
	struct directory *const *dirs;
	struct dir_account_answer found = {0};
	bool error = false;
	size_t n;
	int status;

	if (login == NULL) {
		printf("login %s: unusable (%s): no account; owns no sender\n", typed,
		       why);
		return 0;
	}
	printf("login %s: canonical %s%s\n", typed, login,
	       cf->policy.default_domain != NULL && strchr(typed, '@') == NULL
	           ? " (accounts.default_domain)"
	           : "");
	dirs = policy_directories(pol, &n);
	for (size_t i = 0; i < n && found.status != DIR_FOUND; i++) {
		struct dir_account_answer ans;

		memset(&ans, 0, sizeof ans);
		ans.want_detail = true;
		dir_lookup_account(dirs[i], login, &ans);
		printf("  %s: %s\n", dirs[i]->ops->name, ans.detail);
		if (ans.status == DIR_FOUND)
			found = ans;
		else if (ans.status == DIR_ERROR)
			error = true;
	}
	if (found.status == DIR_FOUND) {
		const struct account *a = found.account;

		printf("account %s: found (source %s)\n", login,
		       dir_source_name(found.source));
		printf("  suspended: %s\n", a->suspended ? "yes" : "no");
		print_list("senders owned", a->senders, a->n_senders,
		           strchr(login, '@') != NULL ? login : NULL);
		print_list("limit overrides", a->limits, a->n_limits, NULL);
		status = a->suspended ? 1 : 0;
	} else if (error) {
		printf("account %s: the directory could not answer: not suspended, owns "
		       "only its own address until it can\n",
		       login);
		status = EX_TEMPFAIL;
	} else {
		printf("account %s: none: not suspended; owns only its own address\n",
		       login);
		status = 0;
	}
	printf("  sender_login: %s\n", cf->policy.sender_login == SENDER_LOGIN_OFF ? "off"
	                               : cf->policy.sender_login == SENDER_LOGIN_LOG
	                                   ? "log"
	                                   : "reject");
	account_free(found.account);
	free(login);
	return status;
}

int main(int argc, char **argv)
{
	struct query q;
	const char *error = NULL;
	struct config *cf;
	struct policy *pol;
	struct outcome *outs;
	int status;

	dir_ldap_process_init(); /* before anything may call libldap */
	/* hiredis writes with write(2): a Redis that went away must be an
	 * error, not the end of the process. */
	signal(SIGPIPE, SIG_IGN);
	memset(&q, 0, sizeof q);
	q.config_path = config_default_path();
	parse_args(argc, argv, &q);
	if (!q.limits)
		set_client(&q);
	log_setup("relaymilter-query", LOG_MAIL, false, true);
	if ((cf = config_load(q.config_path, &error)) == NULL) {
		fprintf(stderr, "%s\n", error);
		return EX_CONFIG;
	}
	if ((pol = conf_policy_create(cf, NULL, &error)) == NULL) {
		fprintf(stderr, "%s: %s\n", cf->path, error);
		config_free(cf);
		return EX_CONFIG;
	}
	if (q.limits) {
		status = query_limits(cf, pol, q.pc.auth_user, q.client, q.reset);
		policy_free(pol);
		config_free(cf);
		return status;
	}
	if (q.from == NULL) {
		status = trace_account(cf, pol, q.pc.auth_user);
		policy_free(pol);
		config_free(cf);
		return status;
	}
	outs = xcalloc(q.n_rcpts + 1, sizeof *outs);
	outs[0].addr = q.from;
	outs[0].is_sender = true;
	strbuf_init(&outs[0].trace);
	policy_check_sender(pol, &q.pc, q.from, &outs[0].v, &outs[0].trace);
	for (size_t i = 0; i < q.n_rcpts; i++) {
		outs[i + 1].addr = q.rcpts[i];
		strbuf_init(&outs[i + 1].trace);
		policy_check_recipient(pol, &q.pc, q.from, q.rcpts[i], &outs[i + 1].v,
		                       &outs[i + 1].trace);
	}
	status = exit_status(outs, q.n_rcpts + 1);
	if (q.json)
		print_json(&q, cf, outs, q.n_rcpts + 1, status);
	else
		for (size_t i = 0; i <= q.n_rcpts; i++)
			print_human(&q, cf, &outs[i]);
	for (size_t i = 0; i <= q.n_rcpts; i++)
		strbuf_free(&outs[i].trace);
	free(outs);
	policy_free(pol);
	config_free(cf);
	return status;
}
