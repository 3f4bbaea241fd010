/*
 * ldap_syncsets: the domains and networks kinds of ldap_sync, and the
 * pair of syncs one LDAP directory runs in sync mode.
 *
 * Entry points: ldap_syncsets_start, _free, _wait, _stats, _check. A kind's
 * keep() runs on its sync thread for each added or changed entry, and its
 * publish() builds a fresh immutable set from the whole store and swaps it
 * in; the session threads read the sets lock-free through dir_set.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/address.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/netlist.h"
#include "lib/xalloc.h"
#include "policy/domainset.h"
#include "policy/ldap/ldap_accounts.h"
#include "policy/ldap/ldap_filter.h"
#include "policy/ldap/ldap_sync.h"
#include "policy/ldap/ldap_syncsets.h"

#define WARN_MAX 10 /* invalid values logged per set; later ones only counted */
#define MAX_VALUE 1024

enum set_kind { SET_DOMAINS, SET_NETWORKS, SET_ACCOUNTS };

#define MAX_SETS 3

struct syncset {
	enum set_kind kind;
	struct ldap_syncsets *owner;
	char *attrs[2];
	char **account_attrs;          /* SET_ACCOUNTS: what keep reads */
	struct ldap_account_keys keys; /* SET_ACCOUNTS: the lookup keys */
	const struct ldap_accounts_params *accounts;
	struct strbuf filter;
	struct ldap_sync_params sp;
	struct ldap_sync *sync;
	unsigned long skipped; /* invalid values seen (sync thread only) */
};

struct ldap_syncsets {
	struct policy_sets *sets;
	struct syncset set[MAX_SETS];
	size_t n;
};

static int scope_of(enum ldap_scope scope)
{
	return scope == SCOPE_BASE  ? LDAP_SCOPE_BASE
	       : scope == SCOPE_ONE ? LDAP_SCOPE_ONELEVEL
	                            : LDAP_SCOPE_SUBTREE;
}

static void skip_value(struct syncset *s, const char *what, const char *value,
                       const char *why)
{
	struct strbuf shown;

	if (++s->skipped > WARN_MAX)
		return;
	strbuf_init(&shown);
	ldap_filter_escape(&shown, value, strlen(value)); /* printable */
	msg_warn(
	    "ldap sync %s: skipped %s \"%s\": %s%s", s->sp.name, what, shown.data, why,
	    s->skipped == WARN_MAX ? " (further invalid values are not logged)" : "");
	strbuf_free(&shown);
}

/* Each valid value of the set's attribute, appended NUL-terminated (an
 * account: its payload, policy/ldap/ldap_accounts.h). */
static void keep_values(void *ctx, LDAP *ld, LDAPMessage *entry, struct strbuf *data)
{
	struct syncset *s = ctx;
	struct berval **vals;

	if (s->kind == SET_ACCOUNTS) {
		ldap_accounts_keep_synced(s->accounts, &s->keys, ld, entry, data);
		return;
	}
	vals = ldap_get_values_len(ld, entry, s->attrs[0]);

	for (size_t i = 0; vals != NULL && vals[i] != NULL; i++) {
		const struct berval *v = vals[i];
		char text[MAX_VALUE];
		const char *why = NULL;

		if (v->bv_len == 0 || v->bv_len >= sizeof text ||
		    memchr(v->bv_val, '\0', v->bv_len) != NULL) {
			s->skipped++; /* unprintable as a string: counted only */
			continue;
		}
		memcpy(text, v->bv_val, v->bv_len);
		text[v->bv_len] = '\0';
		if (s->kind == SET_DOMAINS) {
			char *dom = address_normalize_domain(text, &why);

			if (dom == NULL) {
				skip_value(s, "domain", text, why);
				continue;
			}
			strbuf_add(data, dom, strlen(dom) + 1);
			free(dom);
		} else {
			struct netlist *check = netlist_create();

			if (netlist_add(check, text, &why) != 0)
				skip_value(s, "network", text, why);
			else
				strbuf_add(data, text, strlen(text) + 1);
			netlist_free(check);
		}
	}
	ldap_value_free_len(vals);
}

/* Call FN for each NUL-terminated value in DATA. */
static void each_value(const char *data, size_t len, void (*fn)(void *, const char *),
                       void *ctx)
{
	for (size_t off = 0; off < len; off += strlen(data + off) + 1)
		fn(ctx, data + off);
}

static void add_domain(void *b, const char *name)
{
	domainset_builder_add(b, name);
}

static void entry_domains(void *b, const char *data, size_t len)
{
	each_value(data, len, add_domain, b);
}

static void add_network(void *list, const char *cidr)
{
	const char *why;

	if (netlist_add(list, cidr, &why) != 0) /* checked by keep_values */
		msg_panic("ldap sync: a kept network no longer parses: %s", why);
}

static void entry_networks(void *list, const char *data, size_t len)
{
	each_value(data, len, add_network, list);
}

static void entry_account(void *b, const char *data, size_t len)
{
	(void)len;
	ldap_accounts_build_add(b, data);
}

static void publish_set(void *ctx, const struct sync_store *store)
{
	struct syncset *s = ctx;

	if (s->kind == SET_ACCOUNTS) {
		struct accountset_builder *b = accountset_builder_create();

		sync_store_foreach(store, entry_account, b);
		policy_sets_publish_accounts(s->owner->sets, accountset_build(b));
	} else if (s->kind == SET_DOMAINS) {
		struct domainset_builder *b =
		    domainset_builder_create_sized(sync_store_count(store));

		sync_store_foreach(store, entry_domains, b);
		policy_sets_publish_domains(s->owner->sets, domainset_build(b));
	} else {
		struct netlist *list = netlist_create();

		sync_store_foreach(store, entry_networks, list);
		policy_sets_publish_networks(s->owner->sets, list);
	}
}

/* Set up S to sync SEARCH of P (not started). */
static void set_init(struct ldap_syncsets *ss, struct syncset *s, enum set_kind kind,
                     const struct dir_ldap_params *p, const struct ldap_conn_params *conn)
{
	const struct ldap_search_params *search =
	    kind == SET_DOMAINS ? &p->domains : &p->networks;

	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->owner = ss;
	s->attrs[0] = search->attribute;
	strbuf_init(&s->filter);
	/* A lookup filter's placeholders become "*": every entry it could match. */
	if (kind == SET_DOMAINS)
		ldap_filter_expand_any(&s->filter, search->filter);
	else if (kind == SET_NETWORKS)
		strbuf_puts(&s->filter,
		            search->filter != NULL ? search->filter : "(objectClass=*)");
	s->sp.name = kind == SET_DOMAINS ? "domains" : "networks";
	s->sp.uris = p->uris;
	s->sp.n_uris = p->n_uris;
	s->sp.conn = conn;
	s->sp.base = search->base;
	s->sp.scope = scope_of(search->scope);
	s->sp.attrs = s->attrs;
	if (kind == SET_ACCOUNTS) {
		size_t n = 0;

		s->accounts = &p->accounts;
		ldap_filter_expand_any(&s->filter, p->accounts.filter);
		ldap_accounts_key_attrs(p->accounts.filter, &s->keys);
		s->account_attrs =
		    xcalloc(p->accounts.n_senders + 4 + s->keys.n, sizeof(char *));
		ldap_accounts_attrs(&p->accounts, s->account_attrs);
		while (s->account_attrs[n] != NULL)
			n++;
		for (size_t i = 0; i < s->keys.n; i++)
			s->account_attrs[n++] = s->keys.attr[i];
		s->sp.name = "accounts";
		s->sp.base = p->accounts.base;
		s->sp.scope = scope_of(p->accounts.scope);
		s->sp.attrs = s->account_attrs;
	}
	s->sp.filter = s->filter.data;
	s->sp.timeout = conn->timeout;
	s->sp.poll = p->sync_poll > 0 ? p->sync_poll : 60;
	s->sp.kind.keep = keep_values;
	s->sp.kind.publish = publish_set;
	s->sp.kind.ctx = s;
}

static void sets_init(struct ldap_syncsets *ss, const struct dir_ldap_params *p,
                      const struct ldap_conn_params *conn)
{
	set_init(ss, &ss->set[0], SET_DOMAINS, p, conn);
	ss->n = 1;
	if (p->networks.base != NULL && *p->networks.base != '\0')
		set_init(ss, &ss->set[ss->n++], SET_NETWORKS, p, conn);
	if (p->accounts.base != NULL && *p->accounts.base != '\0')
		set_init(ss, &ss->set[ss->n++], SET_ACCOUNTS, p, conn);
}

void ldap_syncsets_free(struct ldap_syncsets *ss)
{
	if (ss == NULL)
		return;
	for (size_t i = 0; i < ss->n; i++) /* all told first: they stop together */
		if (ss->set[i].sync != NULL)
			ldap_sync_stop(ss->set[i].sync);
	for (size_t i = 0; i < ss->n; i++) {
		ldap_sync_free(ss->set[i].sync);
		strbuf_free(&ss->set[i].filter);
		free(ss->set[i].account_attrs);
		ldap_accounts_key_attrs_free(&ss->set[i].keys);
	}
	if (ss->sets != NULL)
		policy_sets_unref(ss->sets);
	free(ss);
}

struct ldap_syncsets *ldap_syncsets_start(const struct dir_ldap_params *p,
                                          const struct ldap_conn_params *conn,
                                          struct policy_sets *sets, const char **error_r)
{
	struct ldap_syncsets *ss = xcalloc(1, sizeof *ss);

	ss->sets = policy_sets_ref(sets);
	sets_init(ss, p, conn);
	for (size_t i = 0; i < ss->n; i++)
		if ((ss->set[i].sync = ldap_sync_start(&ss->set[i].sp, error_r)) ==
		    NULL) {
			ldap_syncsets_free(ss);
			return NULL;
		}
	msg_info("ldap: sync mode: keeping the domains%s%s in memory by content sync "
	         "(RFC 4533)",
	         ss->n > 1 && ss->set[1].kind == SET_NETWORKS ? ", the networks" : "",
	         ss->set[ss->n - 1].kind == SET_ACCOUNTS ? ", the accounts" : "");
	return ss;
}

bool ldap_syncsets_wait(struct ldap_syncsets *ss, double deadline)
{
	bool all = true;

	for (size_t i = 0; i < ss->n; i++)
		all = ldap_sync_wait_complete(ss->set[i].sync, deadline) && all;
	return all;
}

void ldap_syncsets_stats(struct ldap_syncsets *ss, struct dir_stats *st_r)
{
	st_r->n_sync = 0;
	for (size_t i = 0; i < ss->n && i < DIR_SYNC_SETS; i++) {
		struct dir_sync_stats *d = &st_r->sync[st_r->n_sync++];
		struct ldap_sync_stats st;

		ldap_sync_get_stats(ss->set[i].sync, &st);
		d->set = ss->set[i].sp.name;
		d->entries = st.entries;
		d->refreshes = st.refreshes;
		d->reconnects = st.reconnects;
		d->changes = st.changes;
		d->errors = st.errors;
		d->age = st.age;
		d->complete = st.complete;
		d->cookie = st.cookie;
		d->syncprov = st.syncprov;
		memcpy(d->last_error, st.last_error, sizeof d->last_error);
	}
}

bool ldap_syncsets_report(struct ldap_syncsets *ss, struct strbuf *report)
{
	struct dir_stats st;
	bool all = true;

	memset(&st, 0, sizeof st);
	ldap_syncsets_stats(ss, &st);
	strbuf_appendf(report,
	               "  mode: sync (content sync, RFC 4533; a full reload every "
	               "%.0f s where the server has no syncprov)\n",
	               ss->set[0].sp.poll);
	for (size_t i = 0; i < st.n_sync; i++) {
		const struct dir_sync_stats *d = &st.sync[i];
		bool warn = !d->complete || d->syncprov != 1;

		all = all && !warn;
		strbuf_appendf(report, "  %ssync %s: %lu entries, %s; %s; %s%s%s\n",
		               warn ? "warning: " : "", d->set, d->entries,
		               d->complete ? "complete"
		                           : "first refresh not complete yet",
		               d->syncprov == 1   ? "content sync answered"
		               : d->syncprov == 0 ? "no syncprov on the server: polling"
		                                  : "content sync not reached yet",
		               d->cookie ? "cookie held" : "no cookie",
		               *d->last_error ? "; last error: " : "", d->last_error);
	}
	return all;
}
