/*
 * test_engine: the decision engine, one row per case: config variant,
 * client, envelope, and the expected action, reason, source and reply.
 * Configs are loaded from text through the real loader; the failing
 * directory is an in-process fake standing in for an unreachable LDAP.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "lib/xalloc.h"
#include "policy/dir_static.h"
#include "policy/engine.h"
#include "tests/unit/tap.h"

/* ---- config variants ---- */
#define BASE                                                                             \
	"socket = \"unix:/tmp/rm-test.sock\"; user = \"\";\n"                            \
	"policy = {\n"                                                                   \
	"  local_domains = [ \"example.org\", \"b\xc3\xbc" "cher.example\", \"[192.0.2.10]\" ];\n" \
	"  allow_networks = [ \"127.0.0.0/8\", \"::1/128\", \"192.0.2.0/24\", \"2001:db8:1::/48\" ];\n"

enum variant { V_BASE, V_SUBDOM, V_SENDER_REJECT, V_ERR_REJECT, V_LISTENERS, V_NOAUTH,
	       V_REPLIES, N_VARIANTS };

static const char *const variant_text[N_VARIANTS] = {
	[V_BASE] = BASE "};\n",
	[V_SUBDOM] = BASE "  match_subdomains = true;\n};\n",
	[V_SENDER_REJECT] = BASE "  unauth_local_sender = \"reject\";\n};\n",
	[V_ERR_REJECT] = BASE "  on_lookup_error = \"reject\";\n};\n",
	[V_LISTENERS] = BASE "  listeners = ( { name = \"submission\"; require_auth = true; "
			     "require_tls_auth = true; },\n"
			     "                { name = \"smtps\"; require_tls_auth = true; } );\n};\n",
	[V_NOAUTH] = BASE "  allow_authenticated = false;\n};\n",
	[V_REPLIES] = BASE "  replies = { relay_denied = \"Relay denied for %{client_addr}, "
			   "see https://help.example.net/%%auth\"; };\n};\n",
};

static struct config *configs[N_VARIANTS];

/* ---- the fake directory: every domain lookup fails ---- */
static void failing_lookup(struct directory *dir, const char *domain, struct dir_answer *a)
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

static const struct directory_ops failing_ops = {"failing", failing_lookup, failing_match,
						 failing_free};

/* ---- the other fake: domain lookups work, its networks never loaded ---- */
static void netsdown_lookup(struct directory *dir, const char *domain, struct dir_answer *a)
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

static const struct directory_ops netsdown_ops = {"netsdown", netsdown_lookup, netsdown_match,
						  failing_free};

#define NETS_DOWN 2 /* the failing_dir value selecting netsdown_ops */

static struct config *load_text(const char *text)
{
	char path[] = "/tmp/rm-test-engine-XXXXXX";
	struct strbuf errors = STRBUF_INIT;
	struct config *cf;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	strbuf_init(&errors);
	cf = config_load(path, &errors);
	unlink(path);
	ck_assert_msg(cf != NULL, "config did not load: %s", errors.data);
	strbuf_free(&errors);
	return cf;
}

static void setup(void)
{
	for (int i = 0; i < N_VARIANTS; i++)
		configs[i] = load_text(variant_text[i]);
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

	dirs[n++] = dir_static_create(configs[var]);
	if (failing_dir) {
		dirs[n] = xcalloc(1, sizeof *dirs[n]);
		dirs[n++]->ops = failing_dir == NETS_DOWN ? &netsdown_ops : &failing_ops;
	}
	return policy_create_dirs(configs[var], dirs, n);
}

/* ---- the rows ---- */
struct row {
	enum variant var;
	int failing_dir; /* 0 none, 1 lookups fail, NETS_DOWN networks unknown */
	const char *client; /* NULL: unknown */
	const char *auth;
	const char *listener;
	const char *tls;
	const char *from;
	const char *rcpt; /* NULL: a sender check */
	enum verdict_action action;
	enum verdict_reason reason;
	enum dir_source source;
	const char *reply; /* expected "CODE XCODE TEXT", NULL for accept */
};

#define RELAY(r) "550 5.7.1 <" r ">: Relay access denied"
#define UNAUTH "203.0.113.5"

static const struct row rows[] = {
	/* rule 1: allowlisted client, any destination */
	{V_BASE, 0, "127.0.0.1", NULL, NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_ACCEPT, REASON_ALLOWLISTED_CLIENT, SRC_STATIC, NULL},
	{V_BASE, 0, "192.0.2.77", NULL, NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_ACCEPT, REASON_ALLOWLISTED_CLIENT, SRC_STATIC, NULL},
	{V_BASE, 0, "::ffff:192.0.2.77", NULL, NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_ACCEPT, REASON_ALLOWLISTED_CLIENT, SRC_STATIC, NULL},
	{V_BASE, 0, "2001:db8:1:2::5", NULL, NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_ACCEPT, REASON_ALLOWLISTED_CLIENT, SRC_STATIC, NULL},
	{V_BASE, 0, "::1", NULL, NULL, NULL, "<>", "<b@example.net>", VERDICT_ACCEPT, REASON_ALLOWLISTED_CLIENT, SRC_STATIC, NULL},
	{V_BASE, 0, "127.0.0.1", NULL, NULL, NULL, "<a@x.net>", "<b%c@example.org>", VERDICT_ACCEPT, REASON_ALLOWLISTED_CLIENT, SRC_STATIC, NULL},
	{V_BASE, 1, "127.0.0.1", NULL, NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_ACCEPT, REASON_ALLOWLISTED_CLIENT, SRC_STATIC, NULL},
	/* not allowlisted: neighbours, other family, unknown */
	{V_BASE, 0, "192.0.3.1", NULL, NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_REJECT, REASON_UNAUTH_RELAY, SRC_STATIC, RELAY("b@example.net")},
	{V_BASE, 0, "2001:db8:2::1", NULL, NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_REJECT, REASON_UNAUTH_RELAY, SRC_STATIC, RELAY("b@example.net")},
	{V_BASE, 0, NULL, NULL, NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_REJECT, REASON_UNAUTH_RELAY, SRC_STATIC, RELAY("b@example.net")},
	/* rule 2: authenticated */
	{V_BASE, 0, UNAUTH, "alice", NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_ACCEPT, REASON_AUTHENTICATED, SRC_NONE, NULL},
	{V_BASE, 0, UNAUTH, "alice@example.org", NULL, NULL, "<a@example.org>", "<b@example.net>", VERDICT_ACCEPT, REASON_AUTHENTICATED, SRC_NONE, NULL},
	{V_BASE, 1, UNAUTH, "alice", NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_ACCEPT, REASON_AUTHENTICATED, SRC_NONE, NULL},
	{V_BASE, 0, UNAUTH, "", NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_REJECT, REASON_UNAUTH_RELAY, SRC_STATIC, RELAY("b@example.net")},
	{V_NOAUTH, 0, UNAUTH, "alice", NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_REJECT, REASON_UNAUTH_RELAY, SRC_STATIC, RELAY("b@example.net")},
	{V_NOAUTH, 0, UNAUTH, "alice", NULL, NULL, "<a@x.net>", "<b@example.org>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	/* rule 3: local recipients */
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@example.org>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<B@EXAMPLE.ORG>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@example.org.>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "b@example.org", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<\"b c\"@example.org>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@xn--bcher-kva.example>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@B\xc3\x9c" "CHER.example>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@[192.0.2.10]>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<>", "<b@example.org>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<postmaster>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<PostMaster>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	{V_BASE, 1, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@example.org>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	/* subdomains */
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@sub.example.org>", VERDICT_REJECT, REASON_UNAUTH_RELAY, SRC_STATIC, RELAY("b@sub.example.org")},
	{V_SUBDOM, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@sub.example.org>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	{V_SUBDOM, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@a.b.example.org>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	{V_SUBDOM, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@notexample.org>", VERDICT_REJECT, REASON_UNAUTH_RELAY, SRC_STATIC, RELAY("b@notexample.org")},
	{V_SUBDOM, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@org>", VERDICT_REJECT, REASON_UNAUTH_RELAY, SRC_STATIC, RELAY("b@org")},
	/* rule 4: everything else */
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_REJECT, REASON_UNAUTH_RELAY, SRC_STATIC, RELAY("b@example.net")},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@example.org>", "<b@example.com>", VERDICT_REJECT, REASON_UNAUTH_RELAY, SRC_STATIC, RELAY("b@example.com")},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@[192.0.2.11]>", VERDICT_REJECT, REASON_UNAUTH_RELAY, SRC_STATIC, RELAY("b@[192.0.2.11]")},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@example.org.example.net>", VERDICT_REJECT, REASON_UNAUTH_RELAY, SRC_STATIC, RELAY("b@example.org.example.net")},
	/* sender-specified routing is never local for the unauthenticated */
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b%example.net@example.org>", VERDICT_REJECT, REASON_ROUTED_RECIPIENT, SRC_NONE, RELAY("b%example.net@example.org")},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<example.net!b@example.org>", VERDICT_REJECT, REASON_ROUTED_RECIPIENT, SRC_NONE, RELAY("example.net!b@example.org")},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<\"b@example.net\"@example.org>", VERDICT_REJECT, REASON_ROUTED_RECIPIENT, SRC_NONE, RELAY("\"b@example.net\"@example.org")},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<@example.org:b@example.net>", VERDICT_REJECT, REASON_ROUTED_RECIPIENT, SRC_NONE, RELAY("@example.org:b@example.net")},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<@example.org,@x.example.org:b@example.org>", VERDICT_REJECT, REASON_ROUTED_RECIPIENT, SRC_NONE, RELAY("@example.org,@x.example.org:b@example.org")},
	{V_SUBDOM, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b%example.net@sub.example.org>", VERDICT_REJECT, REASON_ROUTED_RECIPIENT, SRC_NONE, RELAY("b%example.net@sub.example.org")},
	{V_BASE, 0, UNAUTH, "alice", NULL, NULL, "<a@x.net>", "<b%example.net@example.org>", VERDICT_ACCEPT, REASON_AUTHENTICATED, SRC_NONE, NULL},
	/* malformed: refused, whoever asks */
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@example.org", VERDICT_REJECT, REASON_BAD_ADDRESS, SRC_NONE, "501 5.1.3 <<b@example.org>: Bad recipient address syntax"},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@@example.org>", VERDICT_REJECT, REASON_BAD_ADDRESS, SRC_NONE, "501 5.1.3 <b@@example.org>: Bad recipient address syntax"},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@example.org@example.net>", VERDICT_REJECT, REASON_BAD_ADDRESS, SRC_NONE, "501 5.1.3 <b@example.org@example.net>: Bad recipient address syntax"},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<>", VERDICT_REJECT, REASON_BAD_ADDRESS, SRC_NONE, "501 5.1.3 <>: Bad recipient address syntax"},
	{V_BASE, 0, "127.0.0.1", NULL, NULL, NULL, "<a@x.net>", "<b@exa mple.org>", VERDICT_REJECT, REASON_BAD_ADDRESS, SRC_NONE, "501 5.1.3 <b@exa mple.org>: Bad recipient address syntax"},
	{V_BASE, 0, UNAUTH, "alice", NULL, NULL, "<a@x.net>", "<b@example.org\r\nX>", VERDICT_REJECT, REASON_BAD_ADDRESS, SRC_NONE, "501 5.1.3 <b@example.org??X>: Bad recipient address syntax"},
	/* the directory cannot answer: tempfail (or the configured reject), never accept */
	{V_BASE, 1, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_TEMPFAIL, REASON_LOOKUP_ERROR, SRC_LDAP, "451 4.3.0 <b@example.net>: Temporary lookup failure"},
	{V_BASE, 1, NULL, NULL, NULL, NULL, "<>", "<b@example.net>", VERDICT_TEMPFAIL, REASON_LOOKUP_ERROR, SRC_LDAP, "451 4.3.0 <b@example.net>: Temporary lookup failure"},
	{V_ERR_REJECT, 1, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_REJECT, REASON_LOOKUP_ERROR, SRC_LDAP, RELAY("b@example.net")},
	{V_BASE, 1, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b%c@example.net>", VERDICT_REJECT, REASON_ROUTED_RECIPIENT, SRC_NONE, RELAY("b%c@example.net")},
	/* LDAP networks never loaded: a refusal would be a guess, so tempfail */
	{V_BASE, NETS_DOWN, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_TEMPFAIL, REASON_LOOKUP_ERROR, SRC_LDAP, "451 4.3.0 <b@example.net>: Temporary lookup failure"},
	{V_BASE, NETS_DOWN, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b%c@example.org>", VERDICT_TEMPFAIL, REASON_LOOKUP_ERROR, SRC_LDAP, "451 4.3.0 <b%c@example.org>: Temporary lookup failure"},
	{V_ERR_REJECT, NETS_DOWN, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_REJECT, REASON_LOOKUP_ERROR, SRC_LDAP, RELAY("b@example.net")},
	{V_BASE, NETS_DOWN, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@example.org>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	{V_BASE, NETS_DOWN, UNAUTH, "alice", NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_ACCEPT, REASON_AUTHENTICATED, SRC_NONE, NULL},
	{V_BASE, NETS_DOWN, "192.0.2.9", NULL, NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_ACCEPT, REASON_ALLOWLISTED_CLIENT, SRC_STATIC, NULL},
	{V_BASE, NETS_DOWN, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@@example.net>", VERDICT_REJECT, REASON_BAD_ADDRESS, SRC_NONE, "501 5.1.3 <b@@example.net>: Bad recipient address syntax"},
	{V_SENDER_REJECT, NETS_DOWN, UNAUTH, NULL, NULL, NULL, "<a@example.org>", NULL, VERDICT_TEMPFAIL, REASON_LOOKUP_ERROR, SRC_LDAP, "451 4.3.0 <a@example.org>: Temporary lookup failure"},
	{V_BASE, NETS_DOWN, UNAUTH, NULL, NULL, NULL, "<a@example.org>", NULL, VERDICT_ACCEPT, REASON_UNAUTH_LOCAL_SENDER, SRC_STATIC, NULL},
	/* per-listener policy */
	{V_LISTENERS, 0, UNAUTH, NULL, "submission", NULL, "<a@x.net>", "<b@example.org>", VERDICT_REJECT, REASON_AUTH_REQUIRED, SRC_STATIC, "530 5.7.0 <b@example.org>: Authentication required"},
	{V_LISTENERS, 0, "127.0.0.1", NULL, "submission", NULL, "<a@x.net>", "<b@example.org>", VERDICT_REJECT, REASON_AUTH_REQUIRED, SRC_STATIC, "530 5.7.0 <b@example.org>: Authentication required"},
	{V_LISTENERS, 0, UNAUTH, "alice", "submission", NULL, "<a@x.net>", "<b@example.net>", VERDICT_REJECT, REASON_TLS_REQUIRED, SRC_STATIC, "530 5.7.0 <b@example.net>: Must issue a STARTTLS command first"},
	{V_LISTENERS, 0, UNAUTH, "alice", "submission", "TLSv1.3", "<a@x.net>", "<b@example.net>", VERDICT_ACCEPT, REASON_AUTHENTICATED, SRC_NONE, NULL},
	{V_LISTENERS, 0, UNAUTH, NULL, "smtps", NULL, "<a@x.net>", "<b@example.org>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	{V_LISTENERS, 0, UNAUTH, NULL, "smtpd", NULL, "<a@x.net>", "<b@example.org>", VERDICT_ACCEPT, REASON_LOCAL_RECIPIENT, SRC_STATIC, NULL},
	{V_LISTENERS, 0, UNAUTH, NULL, "smtpd", NULL, "<a@x.net>", "<b@example.net>", VERDICT_REJECT, REASON_UNAUTH_RELAY, SRC_STATIC, RELAY("b@example.net")},
	/* reply templates */
	{V_REPLIES, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", "<b@example.net>", VERDICT_REJECT, REASON_UNAUTH_RELAY, SRC_STATIC, "550 5.7.1 <b@example.net>: Relay denied for 203.0.113.5, see https://help.example.net/%auth"},
	/* sender checks at MAIL FROM */
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<>", NULL, VERDICT_ACCEPT, REASON_SENDER_OK, SRC_NONE, NULL},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net>", NULL, VERDICT_ACCEPT, REASON_SENDER_OK, SRC_NONE, NULL},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@example.org>", NULL, VERDICT_ACCEPT, REASON_UNAUTH_LOCAL_SENDER, SRC_STATIC, NULL},
	{V_BASE, 0, UNAUTH, "alice", NULL, NULL, "<a@example.org>", NULL, VERDICT_ACCEPT, REASON_SENDER_OK, SRC_NONE, NULL},
	{V_BASE, 0, "127.0.0.1", NULL, NULL, NULL, "<a@example.org>", NULL, VERDICT_ACCEPT, REASON_SENDER_OK, SRC_STATIC, NULL},
	{V_SENDER_REJECT, 0, UNAUTH, NULL, NULL, NULL, "<a@example.org>", NULL, VERDICT_REJECT, REASON_UNAUTH_LOCAL_SENDER, SRC_STATIC, "550 5.7.1 <a@example.org>: Sender address rejected: not logged in"},
	{V_SENDER_REJECT, 0, UNAUTH, NULL, NULL, NULL, "<A@Example.ORG.>", NULL, VERDICT_REJECT, REASON_UNAUTH_LOCAL_SENDER, SRC_STATIC, "550 5.7.1 <A@Example.ORG.>: Sender address rejected: not logged in"},
	{V_SENDER_REJECT, 0, UNAUTH, "alice", NULL, NULL, "<a@example.org>", NULL, VERDICT_ACCEPT, REASON_SENDER_OK, SRC_NONE, NULL},
	{V_SENDER_REJECT, 0, UNAUTH, NULL, NULL, NULL, "<>", NULL, VERDICT_ACCEPT, REASON_SENDER_OK, SRC_NONE, NULL},
	{V_SENDER_REJECT, 1, UNAUTH, NULL, NULL, NULL, "<a@x.net>", NULL, VERDICT_TEMPFAIL, REASON_LOOKUP_ERROR, SRC_LDAP, "451 4.3.0 <a@x.net>: Temporary lookup failure"},
	{V_BASE, 1, UNAUTH, NULL, NULL, NULL, "<a@x.net>", NULL, VERDICT_ACCEPT, REASON_SENDER_OK, SRC_NONE, NULL},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@@x.net>", NULL, VERDICT_REJECT, REASON_BAD_ADDRESS, SRC_NONE, "553 5.1.7 <a@@x.net>: Bad sender address syntax"},
	{V_BASE, 0, UNAUTH, NULL, NULL, NULL, "<a@x.net", NULL, VERDICT_REJECT, REASON_BAD_ADDRESS, SRC_NONE, "553 5.1.7 <<a@x.net>: Bad sender address syntax"},
};

START_TEST(t_rows)
{
	const struct row *r = &rows[_i];
	struct policy *pol = make_policy(r->var, r->failing_dir);
	struct policy_client pc;
	struct strbuf trace = STRBUF_INIT;
	struct verdict v;
	char reply[700];

	memset(&pc, 0, sizeof pc);
	if (r->client) {
		ck_assert_int_eq(netaddr_parse(r->client, &pc.addr), 0);
		pc.addr_known = true;
	}
	pc.addr_text = r->client;
	pc.auth_user = r->auth;
	pc.listener = r->listener;
	pc.tls_version = r->tls;
	strbuf_init(&trace);
	if (r->rcpt)
		policy_check_recipient(pol, &pc, r->from, r->rcpt, &v, &trace);
	else
		policy_check_sender(pol, &pc, r->from, &v, &trace);
	ck_assert_msg(v.action == r->action && v.reason == r->reason,
		      "row %d (%s): got %s/%s, want %s/%s\ntrace:\n%s", _i,
		      r->rcpt ? r->rcpt : r->from, verdict_action_name(v.action),
		      verdict_reason_name(v.reason), verdict_action_name(r->action),
		      verdict_reason_name(r->reason), trace.data);
	ck_assert_str_eq(dir_source_name(v.source), dir_source_name(r->source));
	if (r->reply) {
		snprintf(reply, sizeof reply, "%s %s %s", v.reply.code, v.reply.xcode, v.reply.text);
		ck_assert_str_eq(reply, r->reply);
	}
	ck_assert_msg(trace.len > 0, "no trace for row %d", _i);
	strbuf_free(&trace);
	policy_free(pol);
}
END_TEST

/* The invariant behind every row: a client neither allowlisted nor
 * authenticated never gets a non-local or routed recipient accepted. */
START_TEST(t_invariant_unauth_never_relays)
{
	static const char *const rcpts[] = {
		"<b@example.net>", "<b%example.net@example.org>", "<example.net!b@example.org>",
		"<\"b@example.net\"@example.org>", "<@example.org:b@example.net>",
		"<b@[192.0.2.11]>", "<b@[IPv6:2001:db8::1]>", "<b@example.org.example.net>",
		"<b@EXAMPLE.NET.>", "<\"b%example.net\"@example.org>", "<b@sub.example.org>",
	};
	struct policy_client pc;
	struct verdict v;

	for (int var = 0; var < N_VARIANTS; var++) {
		for (int fail = 0; fail <= NETS_DOWN; fail++) {
			struct policy *pol = make_policy(var, fail);

			for (size_t i = 0; i < sizeof rcpts / sizeof rcpts[0]; i++) {
				if (var == V_SUBDOM && strcmp(rcpts[i], "<b@sub.example.org>") == 0)
					continue;
				memset(&pc, 0, sizeof pc);
				ck_assert_int_eq(netaddr_parse(UNAUTH, &pc.addr), 0);
				pc.addr_known = true;
				policy_check_recipient(pol, &pc, "<a@x.net>", rcpts[i], &v, NULL);
				ck_assert_msg(v.action != VERDICT_ACCEPT,
					      "variant %d fail %d: %s accepted", var, fail, rcpts[i]);
			}
			policy_free(pol);
		}
	}
}
END_TEST

/* ---- the allowlist memo: one network search per transaction ---- */
static int counting_calls;

static void counting_lookup(struct directory *dir, const char *domain, struct dir_answer *a)
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
	a->status = memcmp(addr->bytes, listed.bytes, 4) == 0 && addr->family == listed.family
			    ? DIR_FOUND
			    : DIR_NOTFOUND;
	a->source = SRC_LDAP;
}

static const struct directory_ops counting_ops = {"counting", counting_lookup, counting_match,
						  failing_free};

static const struct {
	const char *client;
	bool memo, trace;
	int calls; /* directory questions for MAIL + 2 RCPT */
	enum verdict_reason rcpt_reason; /* for <b@example.net> */
} memo_rows[] = {
	{"198.51.100.7", true, false, 1, REASON_ALLOWLISTED_CLIENT},
	{"198.51.100.7", false, false, 3, REASON_ALLOWLISTED_CLIENT},
	{"198.51.100.7", true, true, 3, REASON_ALLOWLISTED_CLIENT}, /* traced: asked */
	{UNAUTH, true, false, 1, REASON_UNAUTH_RELAY},
	{UNAUTH, false, false, 3, REASON_UNAUTH_RELAY},
};

START_TEST(t_allow_memo)
{
	struct directory *dirs[2];
	struct policy *pol;
	struct policy_allow_memo memo;
	struct policy_client pc;
	struct strbuf trace = STRBUF_INIT;
	struct verdict v;

	dirs[0] = dir_static_create(configs[V_BASE]);
	dirs[1] = xcalloc(1, sizeof *dirs[1]);
	dirs[1]->ops = &counting_ops;
	pol = policy_create_dirs(configs[V_BASE], dirs, 2);
	ck_assert_ptr_nonnull(pol);
	strbuf_init(&trace);
	memset(&memo, 0, sizeof memo);
	memset(&pc, 0, sizeof pc);
	ck_assert_int_eq(netaddr_parse(memo_rows[_i].client, &pc.addr), 0);
	pc.addr_known = true;
	pc.allow_memo = memo_rows[_i].memo ? &memo : NULL;
	counting_calls = 0;
	policy_check_sender(pol, &pc, "<a@x.net>", &v, memo_rows[_i].trace ? &trace : NULL);
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
		policy_check_recipient(pol, &pc, "<a@x.net>", "<b@example.net>", &v, NULL);
		ck_assert_int_eq(counting_calls, memo_rows[_i].calls + 1);
	}
	strbuf_free(&trace);
	policy_free(pol);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("rows");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, t_allow_memo, 0, N_ROWS(memo_rows));
	tcase_add_loop_test(tc, t_rows, 0, N_ROWS(rows));
	tcase_add_test(tc, t_invariant_unauth_never_relays);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
