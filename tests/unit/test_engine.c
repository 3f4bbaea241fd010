/*
 * test_engine: the decision engine against its golden cases, one line each
 * in tests/unit/engine/cases.txt (config variant, directory state, client,
 * envelope -> action, reason, source, reply, the trace's deciding line and
 * the decision log line). Config variants are tests/unit/engine/NAME.conf,
 * loaded through the real loader; the failing directories are in-process
 * fakes standing in for an unreachable LDAP.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/build.h"
#include "conf/conf.h"
#include "lib/xalloc.h"
#include "milter/declog.h"
#include "policy/engine.h"
#include "tests/unit/tap.h"

/* ---- config variants: tests/unit/engine/NAME.conf ---- */
enum variant {
	V_BASE,
	V_SUBDOM,
	V_SENDER_REJECT,
	V_ERR_REJECT,
	V_LISTENERS,
	V_NOAUTH,
	V_REPLIES,
	V_ALL_REJECT,
	V_ACCOUNTS,
	N_VARIANTS
};

static const char *const variant_name[N_VARIANTS] = {
    [V_BASE] = "base",
    [V_ACCOUNTS] = "accounts",
    [V_SUBDOM] = "subdomains",
    [V_SENDER_REJECT] = "sender-reject",
    [V_ERR_REJECT] = "error-reject",
    [V_LISTENERS] = "listeners",
    [V_NOAUTH] = "noauth",
    [V_REPLIES] = "replies",
    [V_ALL_REJECT] = "all-reject",
};

static struct config *configs[N_VARIANTS];

/* ---- the fake directory: every domain lookup fails ---- */
static void failing_lookup(struct directory *dir, const char *domain,
                           struct dir_answer *a)
{
	(void)dir;
	a->status = DIR_ERROR;
	a->source = SRC_LDAP;
	snprintf(a->detail, sizeof a->detail, "fake: cannot look up %s", domain);
}

static void failing_match(struct directory *dir, const struct netaddr *addr,
                          struct dir_answer *a)
{
	(void)dir;
	(void)addr;
	a->status = DIR_NOTFOUND;
	a->source = SRC_LDAP;
}

static void failing_free(struct directory *dir)
{
	free(dir);
}

static void failing_account(struct directory *dir, const char *login,
                            struct dir_account_answer *a)
{
	(void)dir;
	a->status = DIR_ERROR;
	a->source = SRC_LDAP;
	snprintf(a->detail, sizeof a->detail, "fake: cannot look up %s", login);
}

static const struct directory_ops failing_ops = {
    .name = "failing",
    .lookup_domain = failing_lookup,
    .lookup_account = failing_account,
    .match_client = failing_match,
    .free = failing_free,
};

/* ---- the other fake: domain lookups work, its networks never loaded ---- */
static void netsdown_lookup(struct directory *dir, const char *domain,
                            struct dir_answer *a)
{
	(void)dir;
	a->status = DIR_NOTFOUND;
	a->source = SRC_LDAP;
	snprintf(a->detail, sizeof a->detail, "fake: %s not found", domain);
}

static void netsdown_match(struct directory *dir, const struct netaddr *addr,
                           struct dir_answer *a)
{
	(void)dir;
	(void)addr;
	a->status = DIR_ERROR;
	a->source = SRC_LDAP;
	snprintf(a->detail, sizeof a->detail, "fake: no networks loaded");
}

static const struct directory_ops netsdown_ops = {
    .name = "netsdown",
    .lookup_domain = netsdown_lookup,
    .match_client = netsdown_match,
    .free = failing_free,
};

#define NETS_DOWN 2 /* the failing_dir value selecting netsdown_ops */

static const char *srcdir(void)
{
	const char *top = getenv("top_srcdir");

	return top != NULL && *top != '\0' ? top : ".";
}

static void setup(void)
{
	char path[4096];
	const char *errors = "";

	for (int i = 0; i < N_VARIANTS; i++) {
		snprintf(path, sizeof path, "%s/tests/unit/engine/%s.conf", srcdir(),
		         variant_name[i]);
		configs[i] = config_load(path, &errors);
		if (configs[i] == NULL) {
			fprintf(stderr, "%s: does not load:\n%s", path, errors);
			exit(EXIT_FAILURE);
		}
	}
}

static void teardown(void)
{
	for (int i = 0; i < N_VARIANTS; i++)
		config_free(configs[i]);
}

static struct policy *make_policy(enum variant var, int failing_dir)
{
	struct directory *dirs[2];
	size_t n = 0;

	dirs[n++] = conf_static_directory(configs[var]);
	if (failing_dir) {
		dirs[n] = xcalloc(1, sizeof *dirs[n]);
		dir_init(dirs[n++],
		         failing_dir == NETS_DOWN ? &netsdown_ops : &failing_ops);
	}
	return policy_create(&configs[var]->policy, dirs, n);
}

#define UNAUTH "203.0.113.5"

/* ---- the golden cases: tests/unit/engine/cases.txt (format in its header) ---- */
enum {
	F_CONFIG,
	F_DIR,
	F_CLIENT,
	F_AUTH,
	F_LISTENER,
	F_TLS,
	F_FROM,
	F_RCPT,
	F_ACTION,
	F_REASON,
	F_SOURCE,
	F_REPLY,
	F_TRACE,
	F_LOG,
	N_FIELDS
};

struct golden {
	int line;
	enum variant var;
	int failing_dir;
	char *f[N_FIELDS]; /* unescaped; NULL for "-" */
};

static struct golden *cases;
static int n_cases;

/* Undo the C escapes of the allocated field S in place; "-" is NULL (S freed), "\"\""
 * empty. */
static char *unescape(char *s)
{
	char *w = s;

	if (strcmp(s, "-") == 0) {
		free(s);
		return NULL;
	}
	if (strcmp(s, "\"\"") == 0) {
		*s = '\0';
		return s;
	}
	for (const char *r = s; *r; r++) {
		if (*r != '\\' || r[1] == '\0') {
			*w++ = *r;
			continue;
		}
		switch (*++r) {
		case 'r':
			*w++ = '\r';
			break;
		case 'n':
			*w++ = '\n';
			break;
		case 't':
			*w++ = '\t';
			break;
		case 'x': {
			char hex[3] = {r[1], r[1] ? r[2] : '\0', '\0'};

			*w++ = (char)strtoul(hex, NULL, 16);
			r += 2;
			break;
		}
		default:
			*w++ = *r;
			break;
		}
	}
	*w = '\0';
	return s;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static int lookup_name(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static void load_cases(void)
{
	static const char *const dir_names[] = {"ok", "failing", "nets-down"};
	char path[4096], buf[4096];
	FILE *fp;
	int line = 0;

	snprintf(path, sizeof path, "%s/tests/unit/engine/cases.txt", srcdir());
	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		exit(EXIT_FAILURE);
	}
	while (fgets(buf, sizeof buf, fp) != NULL) {
		struct golden g = {.line = ++line};
		char *save = NULL, *tok, *p = trim(buf);
		int n = 0;

		if (*p == '\0' || *p == '#')
			continue;
		for (tok = strtok_r(p, "|", &save); tok && n < N_FIELDS;
		     tok = strtok_r(NULL, "|", &save))
			g.f[n++] = unescape(xstrdup(trim(tok)));
		if (n != N_FIELDS || tok != NULL || g.f[F_CONFIG] == NULL ||
		    g.f[F_DIR] == NULL ||
		    (int)(g.var = lookup_name(variant_name, N_VARIANTS, g.f[F_CONFIG])) <
		        0 ||
		    (g.failing_dir = lookup_name(dir_names, 3, g.f[F_DIR])) < 0 ||
		    g.f[F_FROM] == NULL || g.f[F_TRACE] == NULL || g.f[F_LOG] == NULL) {
			fprintf(stderr, "%s:%d: malformed case (%d fields)\n", path, line,
			        n);
			exit(EXIT_FAILURE);
		}
		cases = xrealloc(cases, (size_t)(n_cases + 1) * sizeof *cases);
		cases[n_cases++] = g;
	}
	fclose(fp);
}

static const char *or_dash(const char *s)
{
	return s != NULL ? s : "-";
}

START_TEST(t_golden)
{
	const struct golden *g = &cases[_i];
	struct policy *pol = make_policy(g->var, g->failing_dir);
	struct policy_client pc;
	struct strbuf trace = STRBUF_INIT, log = STRBUF_INIT;
	struct verdict v;
	struct policy_account_memo memo = {0};
	char reply[700], *last;

	memset(&pc, 0, sizeof pc);
	pc.account_memo = &memo;
	if (g->f[F_CLIENT]) {
		ck_assert_int_eq(netaddr_parse(g->f[F_CLIENT], &pc.addr), 0);
		pc.addr_known = true;
	}
	pc.addr_text = g->f[F_CLIENT];
	pc.auth_user = g->f[F_AUTH];
	pc.listener = g->f[F_LISTENER];
	pc.tls_version = g->f[F_TLS];
	strbuf_init(&trace);
	strbuf_init(&log);
	if (g->f[F_RCPT])
		policy_check_recipient(pol, &pc, g->f[F_FROM], g->f[F_RCPT], &v, &trace);
	else
		policy_check_sender(pol, &pc, g->f[F_FROM], &v, &trace);
	ck_assert_msg(
	    strcmp(verdict_action_name(v.action), or_dash(g->f[F_ACTION])) == 0 &&
	        strcmp(verdict_reason_name(v.reason), or_dash(g->f[F_REASON])) == 0 &&
	        strcmp(dir_source_name(v.source), or_dash(g->f[F_SOURCE])) == 0,
	    "cases.txt:%d: got %s/%s/%s, want %s/%s/%s\ntrace:\n%s", g->line,
	    verdict_action_name(v.action), verdict_reason_name(v.reason),
	    dir_source_name(v.source), or_dash(g->f[F_ACTION]), or_dash(g->f[F_REASON]),
	    or_dash(g->f[F_SOURCE]), trace.data);
	if (v.action == VERDICT_ACCEPT)
		snprintf(reply, sizeof reply, "-");
	else
		snprintf(reply, sizeof reply, "%s %s %s", v.reply.code, v.reply.xcode,
		         v.reply.text);
	ck_assert_msg(strcmp(reply, or_dash(g->f[F_REPLY])) == 0,
	              "cases.txt:%d: reply %s", g->line, reply);
	/* The deciding line is the trace's last. */
	while (trace.len > 0 && trace.data[trace.len - 1] == '\n')
		trace.data[--trace.len] = '\0';
	last = strrchr(trace.data, '\n');
	last = trim(last != NULL ? last + 1 : trace.data);
	ck_assert_msg(strcmp(last, g->f[F_TRACE]) == 0,
	              "cases.txt:%d: trace ends with \"%s\"", g->line, last);
	declog_format_kv(&log, &(struct declog_entry){
	                           .session = "golden",
	                           .client_addr = g->f[F_CLIENT],
	                           .auth = g->f[F_AUTH],
	                           .from = g->f[F_FROM],
	                           .rcpt = g->f[F_RCPT],
	                           .action = verdict_action_name(v.action),
	                           .reason = verdict_reason_name(v.reason),
	                           .source = dir_source_name(v.source),
	                           .login = memo.login,
	                       });
	policy_account_memo_clear(&memo);
	ck_assert_msg(strcmp(log.data, g->f[F_LOG]) == 0, "cases.txt:%d: log line\n%s",
	              g->line, log.data);
	strbuf_free(&log);
	strbuf_free(&trace);
	policy_free(pol);
}
END_TEST

/* The invariant behind every row: a client neither allowlisted nor
 * authenticated never gets a non-local or routed recipient accepted. */
START_TEST(t_invariant_unauth_never_relays)
{
	static const char *const rcpts[] = {
	    "<b@example.net>",
	    "<b%example.net@example.org>",
	    "<example.net!b@example.org>",
	    "<\"b@example.net\"@example.org>",
	    "<@example.org:b@example.net>",
	    "<b@[192.0.2.11]>",
	    "<b@[IPv6:2001:db8::1]>",
	    "<b@example.org.example.net>",
	    "<b@EXAMPLE.NET.>",
	    "<\"b%example.net\"@example.org>",
	    "<b@sub.example.org>",
	};
	struct policy_client pc;
	struct verdict v;

	for (int var = 0; var < N_VARIANTS; var++) {
		for (int fail = 0; fail <= NETS_DOWN; fail++) {
			struct policy *pol = make_policy(var, fail);

			for (size_t i = 0; i < sizeof rcpts / sizeof rcpts[0]; i++) {
				if (var == V_SUBDOM &&
				    strcmp(rcpts[i], "<b@sub.example.org>") == 0)
					continue;
				memset(&pc, 0, sizeof pc);
				ck_assert_int_eq(netaddr_parse(UNAUTH, &pc.addr), 0);
				pc.addr_known = true;
				policy_check_recipient(pol, &pc, "<a@x.net>", rcpts[i],
				                       &v, NULL);
				ck_assert_msg(v.action != VERDICT_ACCEPT,
				              "variant %d fail %d: %s accepted", var,
				              fail, rcpts[i]);
			}
			policy_free(pol);
		}
	}
}
END_TEST

/* The invariants of accounts (SPEC §8): a suspended login never relays,
 * whatever the directory does; with sender_login = reject an authenticated
 * login never gets a sender it does not own accepted. */
START_TEST(t_invariant_accounts)
{
	static const char *const rcpts2[] = {
	    "<b@example.net>",
	    "<b%example.net@example.org>",
	    "<example.net!b@example.org>",
	    "<\"b@example.net\"@example.org>",
	    "<@example.org:b@example.net>",
	    "<b@[192.0.2.11]>",
	    "<b@[IPv6:2001:db8::1]>",
	    "<b@example.org.example.net>",
	    "<b@EXAMPLE.NET.>",
	    "<\"b%example.net\"@example.org>",
	    "<b@sub.example.org>",
	};
	static const char *const logins[] = {"carol", "carol@example.org",
	                                     "CAROL@Example.Org"};
	static const char *const foreign[] = {
	    "<bob@example.org>",
	    "<alice@example.com>",
	    "<\"alice\"@example.org>",
	    "<alice@sub.example.net>",
	    "<alias2@example.org>",
	    "<alice%x@example.org>",
	    "<alice@example.org.evil.example>",
	    "<x@[192.0.2.1]>",
	    "<alice@exa\\mple.org>",
	};
	struct policy_client pc;
	struct verdict v;

	for (int fail = 0; fail <= NETS_DOWN; fail++) {
		struct policy *pol = make_policy(V_ACCOUNTS, fail);

		for (size_t l = 0; l < sizeof logins / sizeof logins[0]; l++)
			for (size_t i = 0; i < sizeof rcpts2 / sizeof rcpts2[0]; i++) {
				struct policy_account_memo memo = {0};

				memset(&pc, 0, sizeof pc);
				ck_assert_int_eq(netaddr_parse(UNAUTH, &pc.addr), 0);
				pc.addr_known = true;
				pc.auth_user = logins[l];
				pc.account_memo = &memo;
				policy_check_recipient(pol, &pc, "<carol@example.org>",
				                       rcpts2[i], &v, NULL);
				ck_assert_msg(v.action != VERDICT_ACCEPT,
				              "fail %d: suspended %s relayed to %s", fail,
				              logins[l], rcpts2[i]);
				policy_account_memo_clear(&memo);
			}
		for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
			memset(&pc, 0, sizeof pc);
			ck_assert_int_eq(netaddr_parse(UNAUTH, &pc.addr), 0);
			pc.addr_known = true;
			pc.auth_user = fail ? "dave" : "alice";
			policy_check_sender(pol, &pc, foreign[i], &v, NULL);
			ck_assert_msg(v.action != VERDICT_ACCEPT,
			              "fail %d: %s sent as %s", fail, pc.auth_user,
			              foreign[i]);
		}
		policy_free(pol);
	}
}
END_TEST

/* ---- the allowlist memo: one network search per transaction ---- */
static int counting_calls;

static void counting_lookup(struct directory *dir, const char *domain,
                            struct dir_answer *a)
{
	(void)dir;
	(void)domain;
	a->status = DIR_NOTFOUND;
	a->source = SRC_LDAP;
}

/* Allowlists 198.51.100.7 (as LDAP would), counts every question. */
static void counting_match(struct directory *dir, const struct netaddr *addr,
                           struct dir_answer *a)
{
	struct netaddr listed;

	(void)dir;
	counting_calls++;
	ck_assert_int_eq(netaddr_parse("198.51.100.7", &listed), 0);
	a->status =
	    memcmp(addr->bytes, listed.bytes, 4) == 0 && addr->family == listed.family
	        ? DIR_FOUND
	        : DIR_NOTFOUND;
	a->source = SRC_LDAP;
}

static const struct directory_ops counting_ops = {
    .name = "counting",
    .lookup_domain = counting_lookup,
    .match_client = counting_match,
    .free = failing_free,
};

static const struct {
	const char *client;
	bool memo, trace;
	int calls;                       /* directory questions for MAIL + 2 RCPT */
	enum verdict_reason rcpt_reason; /* for <b@example.net> */
} memo_rows[] = {
    {"198.51.100.7", true, false, 1, REASON_ALLOWLISTED_CLIENT},
    {"198.51.100.7", false, false, 3, REASON_ALLOWLISTED_CLIENT},
    {"198.51.100.7", true, true, 3, REASON_ALLOWLISTED_CLIENT}, /* traced: asked */
    {UNAUTH, true, false, 1, REASON_UNAUTH_RELAY},
    {UNAUTH, false, false, 3, REASON_UNAUTH_RELAY},
};

/* Every reason and source has its own name: a value added to an enum
 * without one would be logged "?" (and counted nowhere). */
START_TEST(t_names)
{
	for (int r = 0; r < N_VERDICT_REASONS; r++) {
		ck_assert_str_ne(verdict_reason_name(r), "?");
		for (int o = 0; o < r; o++)
			ck_assert_str_ne(verdict_reason_name(r), verdict_reason_name(o));
	}
	ck_assert_str_eq(verdict_reason_name(N_VERDICT_REASONS), "?");
	for (int src = SRC_NONE + 1; src < N_DIR_SOURCES; src++)
		ck_assert_str_ne(dir_source_name(src), "-");
}
END_TEST

START_TEST(t_allow_memo)
{
	struct directory *dirs[2];
	struct policy *pol;
	struct policy_allow_memo memo;
	struct policy_client pc;
	struct strbuf trace = STRBUF_INIT;
	struct verdict v;

	dirs[0] = conf_static_directory(configs[V_BASE]);
	dirs[1] = xcalloc(1, sizeof *dirs[1]);
	dir_init(dirs[1], &counting_ops);
	pol = policy_create(&configs[V_BASE]->policy, dirs, 2);
	ck_assert_ptr_nonnull(pol);
	strbuf_init(&trace);
	memset(&memo, 0, sizeof memo);
	memset(&pc, 0, sizeof pc);
	ck_assert_int_eq(netaddr_parse(memo_rows[_i].client, &pc.addr), 0);
	pc.addr_known = true;
	pc.allow_memo = memo_rows[_i].memo ? &memo : NULL;
	counting_calls = 0;
	policy_check_sender(pol, &pc, "<a@x.net>", &v,
	                    memo_rows[_i].trace ? &trace : NULL);
	ck_assert_int_ne(v.action, VERDICT_REJECT);
	policy_check_recipient(pol, &pc, "<a@x.net>", "<b@example.net>", &v,
	                       memo_rows[_i].trace ? &trace : NULL);
	ck_assert_str_eq(verdict_reason_name(v.reason),
	                 verdict_reason_name(memo_rows[_i].rcpt_reason));
	if (v.reason == REASON_ALLOWLISTED_CLIENT)
		ck_assert_str_eq(dir_source_name(v.source), "ldap");
	policy_check_recipient(pol, &pc, "<a@x.net>", "<c@example.org>", &v,
	                       memo_rows[_i].trace ? &trace : NULL);
	ck_assert_int_eq(v.action, VERDICT_ACCEPT);
	ck_assert_int_eq(counting_calls, memo_rows[_i].calls);
	/* A new transaction clears the memo: the directory is asked again. */
	if (memo_rows[_i].memo && !memo_rows[_i].trace) {
		memset(&memo, 0, sizeof memo);
		policy_check_recipient(pol, &pc, "<a@x.net>", "<b@example.net>", &v,
		                       NULL);
		ck_assert_int_eq(counting_calls, memo_rows[_i].calls + 1);
	}
	strbuf_free(&trace);
	policy_free(pol);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine");

	load_cases();
	if (n_cases == 0) {
		fprintf(stderr, "no golden cases\n");
		return EXIT_FAILURE;
	}
	TCase *tc = tcase_create("rows");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, t_allow_memo, 0, N_ROWS(memo_rows));
	tcase_add_test(tc, t_names);
	tcase_add_loop_test(tc, t_golden, 0, n_cases);
	tcase_add_test(tc, t_invariant_unauth_never_relays);
	tcase_add_test(tc, t_invariant_accounts);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
