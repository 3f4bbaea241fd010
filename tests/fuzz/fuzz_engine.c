/*
 * fuzz_engine: libFuzzer target for the whole decision engine
 * (policy/engine.c over the static directory, optionally followed by a fake
 * directory whose every lookup fails, as an unreachable LDAP would).
 *
 * The input is decoded into an envelope:
 *   byte 0      flags: bits 0-1 client family (0 unknown, 1 IPv4, 2 IPv6,
 *               3 a unix-socket address), bit 2 failing directory, bits 3-4
 *               config variant, bit 5 TLS, bits 6-7 listener (none,
 *               "submission", "smtps", or a string from the input)
 *   bytes 1-16  the client address (IPv4 uses the first 4)
 *   the rest    NUL-separated strings: auth user, [listener], sender, then up
 *               to MAX_RCPTS recipients
 * The client address goes through netaddr_from_sockaddr, as in the daemon.
 *
 * Invariants, checked with abort():
 *   - THE relay invariant: a client that is neither authenticated (as the
 *     variant allows) nor in the allowlist (computed here, byte by byte) is
 *     never accepted for a recipient the harness's own oracle
 *     (tests/fuzz/oracle.h) does not call local;
 *   - an accept's reason is backed by the oracle (allowlisted, authenticated
 *     or local), and a listener that requires AUTH never accepts without it;
 *   - every refusal carries a 4xx (tempfail) or 5xx (reject) reply with no
 *     CR, LF or NUL in a text smfi_setreply would take;
 *   - the null sender is always accepted at MAIL FROM.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "conf/build.h"
#include "conf/conf.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "policy/engine.h"
#include "tests/fuzz/oracle.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK ORACLE_CHECK
#define MAX_RCPTS 8
#define MAX_FIELDS (3 + MAX_RCPTS)

#define BASE                                                                             \
	"socket = \"unix:/tmp/rm-fuzz.sock\"; user = \"\";\n"                            \
	"policy = {\n"                                                                   \
	"  local_domains = [ \"example.org\", \"example.com\", \"b\xc3\xbc"              \
	"cher.example\", \"[192.0.2.10]\" ];\n"                                          \
	"  allow_networks = [ \"127.0.0.0/8\", \"::1/128\", \"192.0.2.0/24\", "          \
	"\"2001:db8:1::/48\" ];\n"

enum variant { V_BASE, V_SUBDOM, V_LISTENERS, V_STRICT, N_VARIANTS };

static const char *const variant_text[N_VARIANTS] = {
    [V_BASE] = BASE "};\n",
    [V_SUBDOM] = BASE "  match_subdomains = true;\n};\n",
    [V_LISTENERS] =
        BASE "  listeners = ( { name = \"submission\"; require_auth = true; "
             "require_tls_auth = true; },\n"
             "    { name = \"smtps\"; require_tls_auth = true; } );\n"
             "  replies = { relay_denied = \"no %{rcpt} from %{client_addr} "
             "(%{client_name}, %{auth}, %{listener}, %{sender}) %%\"; };\n};\n",
    [V_STRICT] = BASE "  allow_authenticated = false; on_lookup_error = \"reject\";\n"
                      "  unauth_local_sender = \"reject\";\n};\n",
};

static struct config *configs[N_VARIANTS];

/* ---- the fake directory: every domain lookup fails ---- */
static void failing_lookup(struct directory *dir, const char *domain,
                           struct dir_answer *a)
{
	a->status = DIR_ERROR;
	a->source = SRC_LDAP;
	snprintf(a->detail, sizeof a->detail, "fake: cannot look up %s", domain);
}

static void failing_match(struct directory *dir, const struct netaddr *addr,
                          struct dir_answer *a)
{
	a->status = DIR_NOTFOUND;
	a->source = SRC_LDAP;
	snprintf(a->detail, sizeof a->detail, "fake: no networks");
}

static void failing_free(struct directory *dir)
{
	free(dir);
}

static const struct directory_ops failing_ops = {
    .name = "failing",
    .lookup_domain = failing_lookup,
    .match_client = failing_match,
    .free = failing_free,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *errors = "";

	log_setup("fuzz_engine", 0, false, false);
	for (int i = 0; i < N_VARIANTS; i++) {
		errors = "";
		configs[i] =
		    config_load_string("fuzz_engine.conf", variant_text[i], &errors);
		if (configs[i] == NULL) {
			fprintf(stderr, "fuzz_engine: variant %d: %s\n", i, errors);
			abort();
		}
	}
	return 0;
}

/* The allowlist of BASE, by hand: 127/8, 192.0.2/24, ::1, 2001:db8:1::/48,
 * and the IPv4 ones as IPv4-mapped IPv6. */
static bool v4_allowlisted(const uint8_t *a)
{
	return a[0] == 127 || (a[0] == 192 && a[1] == 0 && a[2] == 2);
}

static bool oracle_allowlisted(int family, const uint8_t *a)
{
	static const uint8_t loop6[16] = {[15] = 1};
	static const uint8_t net6[6] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01};
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (family == AF_INET)
		return v4_allowlisted(a);
	if (family != AF_INET6)
		return false;
	if (memcmp(a, loop6, 16) == 0 || memcmp(a, net6, 6) == 0)
		return true;
	return memcmp(a, mapped, 12) == 0 && v4_allowlisted(a + 12);
}

static void check_reply(const struct verdict *v)
{
	const struct reply *r = &v->reply;

	CHECK(v->action == VERDICT_REJECT || v->action == VERDICT_TEMPFAIL);
	CHECK(strlen(r->code) == 3 &&
	      r->code[0] == (v->action == VERDICT_REJECT ? '5' : '4'));
	CHECK(r->code[1] >= '0' && r->code[1] <= '9' && r->code[2] >= '0' &&
	      r->code[2] <= '9');
	CHECK(r->xcode[0] == r->code[0] && r->xcode[1] == '.');
	CHECK(memchr(r->text, '\0', sizeof r->text) != NULL);
	CHECK(strpbrk(r->text, "\r\n") == NULL && strlen(r->text) <= 980);
}

struct envelope {
	enum variant var;
	bool failing_dir;
	bool allowlisted; /* by the harness's own reckoning */
	struct policy_client client;
	const char *fields[MAX_FIELDS];
	size_t n_fields;
};

/* Split the NUL-separated tail into E's fields (copies into ARENA). */
static void split_fields(struct envelope *e, char *arena, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len && e->n_fields < MAX_FIELDS; i++) {
		if (i == len || arena[i] == '\0') {
			arena[i] = '\0';
			e->fields[e->n_fields++] = arena + start;
			start = i + 1;
		}
	}
}

static void decode_client(struct envelope *e, uint8_t flags, const uint8_t *abytes)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_un *sun = (struct sockaddr_un *)&ss;
	const struct sockaddr *sa = (const struct sockaddr *)&ss;
	static char text[NETADDR_STRLEN];

	memset(&ss, 0, sizeof ss);
	switch (flags & 3) {
	case 0:
		sa = NULL;
		break;
	case 1:
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, abytes, 4);
		e->allowlisted = oracle_allowlisted(AF_INET, abytes);
		break;
	case 2:
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, abytes, 16);
		e->allowlisted = oracle_allowlisted(AF_INET6, abytes);
		break;
	case 3:
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, abytes, 16);
		break;
	}
	e->client.addr_known = netaddr_from_sockaddr(sa, &e->client.addr) == 0;
	CHECK(e->client.addr_known == ((flags & 3) == 1 || (flags & 3) == 2));
	if (e->client.addr_known) {
		netaddr_format(&e->client.addr, text, sizeof text);
		e->client.addr_text = text;
	} else {
		e->client.addr_text = "unknown";
	}
}

static void check_recipient(struct policy *pol, const struct envelope *e,
                            const char *from, const char *rcpt, struct strbuf *trace)
{
	const struct config *cf = configs[e->var];
	const char *auth = e->client.auth_user, *lst = e->client.listener;
	bool authed = auth != NULL && auth[0] != '\0';
	bool auth_counts = authed && cf->policy.allow_authenticated;
	bool local =
	    oracle_rcpt_local(rcpt, cf->lists.local_domains, cf->lists.n_local_domains,
	                      cf->lists.match_subdomains);
	struct verdict v;

	policy_check_recipient(pol, &e->client, from, rcpt, &v, trace);
	if (v.action != VERDICT_ACCEPT) {
		check_reply(&v);
		return;
	}
	/* The relay invariant. */
	if (!e->allowlisted && !auth_counts && !local) {
		fprintf(stderr,
		        "fuzz_engine: RELAY ACCEPTED: client %s auth '%s' rcpt '%s' "
		        "reason %s\n",
		        e->client.addr_text, auth ? auth : "", rcpt,
		        verdict_reason_name(v.reason));
		abort();
	}
	switch (v.reason) {
	case REASON_ALLOWLISTED_CLIENT:
		CHECK(e->allowlisted);
		break;
	case REASON_AUTHENTICATED:
		CHECK(auth_counts);
		break;
	case REASON_LOCAL_RECIPIENT:
		CHECK(local);
		break;
	default:
		abort();
	}
	if (e->var == V_LISTENERS && lst != NULL && strcmp(lst, "submission") == 0)
		CHECK(authed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope e;
	uint8_t abytes[16] = {0}, flags;
	struct directory *dirs[2];
	struct policy *pol;
	struct strbuf trace = STRBUF_INIT;
	struct verdict v;
	size_t n_dirs = 0, f = 0, tail;
	char *arena;
	const char *from;

	if (size < 1)
		return 0;
	memset(&e, 0, sizeof e);
	flags = data[0];
	memcpy(abytes, data + 1, size - 1 < 16 ? size - 1 : 16);
	tail = size > 17 ? size - 17 : 0;
	arena = xmalloc(tail + 1);
	memcpy(arena, data + (size - tail), tail);
	arena[tail] = '\0';
	split_fields(&e, arena, tail);

	e.var = (enum variant)((flags >> 3) & 3);
	e.failing_dir = (flags & 4) != 0;
	decode_client(&e, flags, abytes);
	e.client.name = "client.example.net";
	e.client.helo = "helo.example.net";
	e.client.tls_version = (flags & 0x20) ? "TLSv1.3" : NULL;
	e.client.auth_user = f < e.n_fields ? e.fields[f++] : NULL;
	switch (flags >> 6) {
	case 1:
		e.client.listener = "submission";
		break;
	case 2:
		e.client.listener = "smtps";
		break;
	case 3:
		e.client.listener = f < e.n_fields ? e.fields[f++] : NULL;
		break;
	}
	from = f < e.n_fields ? e.fields[f++] : "<>";

	strbuf_init(&trace);
	dirs[n_dirs++] = conf_static_directory(configs[e.var]);
	if (e.failing_dir) {
		dirs[n_dirs] = xcalloc(1, sizeof *dirs[n_dirs]);
		dir_init(dirs[n_dirs++], &failing_ops);
	}
	pol = policy_create(&configs[e.var]->policy, dirs, n_dirs);

	policy_check_sender(pol, &e.client, from, &v, &trace);
	if (v.action != VERDICT_ACCEPT)
		check_reply(&v);
	if (strcmp(from, "<>") == 0)
		CHECK(v.action == VERDICT_ACCEPT);
	for (size_t i = 0; f < e.n_fields; f++, i++)
		check_recipient(pol, &e, from, e.fields[f], (i & 1) ? &trace : NULL);

	policy_free(pol);
	strbuf_free(&trace);
	free(arena);
	return 0;
}
