/*
 * fuzz_config: libFuzzer target for the config loader (conf/), fed through
 * config_load_string: the same loader as config_load, without a temp file.
 * Inputs holding "@include" are skipped (an include reads any file, a FIFO
 * would hang the fuzzer). Bind password files are opened O_NONBLOCK by the
 * loader, so naming one is harmless.
 *
 * Invariants, checked with abort():
 *   - a refused config has at least one "NAME:LINE: message" line, and a
 *     loaded one none;
 *   - a loaded config is complete: a socket that passes the socket check,
 *     an allowlist whose count matches its texts, in which no network is a
 *     /0 (none matches both halves of the IPv4 or the IPv6 space) and each
 *     text parses again; local domains that are normalised (a fixed point
 *     of address_normalize_domain); replies set; a mode in 0..07777;
 *     non-negative TTLs; LDAP on implies a URI and budget >= timeout;
 *   - the engine over the loaded config never accepts an unauthenticated
 *     client of unknown address for a recipient the oracle
 *     (tests/fuzz/oracle.h) does not call local, and never for a routed one.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/build.h"
#include "conf/conf.h"
#include "conf/keys.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/address.h"
#include "policy/engine.h"
#include "tests/fuzz/oracle.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK ORACLE_CHECK

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_setup("fuzz_config", 0, false, false);
	return 0;
}

static bool one_network_matches(const char *cidr, const char *a, const char *b)
{
	struct netlist *l = netlist_create();
	struct netaddr x, y;
	bool both;

	CHECK(netlist_add(l, cidr, NULL) == 0);
	CHECK(netaddr_parse(a, &x) == 0 && netaddr_parse(b, &y) == 0);
	both = netlist_match(l, &x, NULL, 0) && netlist_match(l, &y, NULL, 0);
	netlist_free(l);
	return both;
}

static void check_networks(const struct lists_conf *p)
{
	CHECK(p->allow_networks != NULL);
	CHECK(p->n_allow_networks == 0 || p->allow_networks_text != NULL);
	CHECK(netlist_count(p->allow_networks) <= p->n_allow_networks);
	for (size_t i = 0; i < p->n_allow_networks; i++) {
		const char *t = p->allow_networks_text[i];

		CHECK(!one_network_matches(t, "0.0.0.0", "128.0.0.0"));
		CHECK(!one_network_matches(t, "::", "8000::"));
	}
}

static void check_domains(const struct lists_conf *p)
{
	for (size_t i = 0; i < p->n_local_domains; i++) {
		const char *d = p->local_domains[i], *err = NULL;
		char *again = address_normalize_domain(d, &err);

		CHECK(again != NULL && strcmp(again, d) == 0);
		free(again);
	}
}

/* Fixed probes through the engine: unknown client, no AUTH. */
static void check_relay(const struct config *cf)
{
	static const char *const rcpts[] = {
	    "<b@relay-target.invalid>",
	    "<b%relay-target.invalid@example.org>",
	    "<@example.org:b@relay-target.invalid>",
	    "<\"b@x.invalid\"@example.org>",
	    "<b@example.org>",
	    "<b@[192.0.2.10]>",
	    "<postmaster>",
	};
	struct directory *dir = conf_static_directory(cf);
	struct policy *pol = policy_create(&cf->policy, &dir, 1);
	struct policy_client client;
	struct verdict v;

	memset(&client, 0, sizeof client);
	client.addr_text = "unknown";
	for (size_t i = 0; i < sizeof rcpts / sizeof rcpts[0]; i++) {
		policy_check_recipient(pol, &client, "<a@x.invalid>", rcpts[i], &v, NULL);
		if (v.action == VERDICT_ACCEPT)
			CHECK(oracle_rcpt_local(rcpts[i], cf->lists.local_domains,
			                        cf->lists.n_local_domains,
			                        cf->lists.match_subdomains));
	}
	policy_free(pol);
}

static void check_loaded(const struct config *cf)
{
	const struct reply_templates *r = &cf->policy.replies;
	char buf[256];

	CHECK(cf->socket != NULL &&
	      conf_check_socket(cf->socket, buf, sizeof buf) == NULL);
	CHECK(cf->socket_mode >= 0 && cf->socket_mode <= 07777);
	check_networks(&cf->lists);
	check_domains(&cf->lists);
	{
		const char *const texts[] = {r->relay_denied, r->unauth_local_sender,
		                             r->lookup_error, r->bad_recipient,
		                             r->bad_sender,   r->auth_required,
		                             r->tls_required};

		for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
			CHECK(texts[i] != NULL &&
			      conf_check_reply(texts[i], buf, sizeof buf) == NULL);
	}
	CHECK(cf->ldap.cache.positive_ttl >= 0 && cf->ldap.cache.negative_ttl >= 0 &&
	      cf->ldap.cache.stale_ttl >= 0 && cf->ldap.cache.max_entries >= 0);
	if (cf->ldap.enabled) {
		CHECK(cf->ldap.n_uris > 0);
		CHECK(cf->ldap.budget >= cf->ldap.timeout);
		CHECK(cf->ldap.bind_password_file == NULL || cf->ldap.bind_dn != NULL);
		CHECK(cf->ldap.domains.filter != NULL &&
		      conf_check_lookup_filter(cf->ldap.domains.filter, buf,
		                               sizeof buf) == NULL);
	}
	for (size_t i = 0; i < cf->policy.n_listeners; i++)
		CHECK(cf->policy.listeners[i].name != NULL);
	check_relay(cf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *errors = "";
	struct config *cf;
	char *text;

	if (size > 64 * 1024 || memmem(data, size, "@include", 8) != NULL)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	cf = config_load_string("fuzz.conf", text, &errors);
	if (cf == NULL) {
		CHECK(*errors != '\0' && strncmp(errors, "fuzz.conf", 9) == 0);
	} else {
		CHECK(*errors == '\0');
		check_loaded(cf);
		config_free(cf);
	}
	free(text);
	return 0;
}
