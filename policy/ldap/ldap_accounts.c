/*
 * ldap_accounts: the LDAP side of accounts (see ldap_accounts.h). Entry
 * points: ldap_accounts_attrs, _keep, _parse, _fetch. Every value that
 * comes back from the directory is checked: senders must normalise, a
 * suspension is only the BOOLEAN "TRUE", limits are kept only as
 * NAME=MAX text without control characters.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/login.h"
#include "lib/xalloc.h"
#include "policy/cache.h"
#include "policy/ldap/ldap_accounts.h"
#include "policy/ldap/ldap_filter.h"

#define ACCOUNT_SIZELIMIT 2 /* one entry is the answer; two are ambiguous */
#define MAX_VALUE 512

void ldap_accounts_attrs(const struct ldap_accounts_params *p, char **attrs_r)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_senders; i++)
		attrs_r[n++] = p->senders[i];
	if (p->suspended != NULL)
		attrs_r[n++] = p->suspended;
	if (p->limits != NULL)
		attrs_r[n++] = p->limits;
	attrs_r[n] = NULL;
}

/* VAL as a C string into BUF, or false when it holds NUL, CR or LF or is
 * too long to be a value we keep. */
static bool value_text(const struct berval *val, char *buf, size_t size)
{
	if (val->bv_len == 0 || val->bv_len >= size)
		return false;
	for (size_t i = 0; i < val->bv_len; i++)
		if (val->bv_val[i] == '\0' || val->bv_val[i] == '\n' ||
		    val->bv_val[i] == '\r')
			return false;
	memcpy(buf, val->bv_val, val->bv_len);
	buf[val->bv_len] = '\0';
	return true;
}

static bool is_suspended(const struct ldap_accounts_params *p, LDAP *ld, LDAPMessage *e)
{
	struct berval **vals =
	    p->suspended != NULL ? ldap_get_values_len(ld, e, p->suspended) : NULL;
	bool yes = false;
	char text[16];

	for (size_t i = 0; vals != NULL && vals[i] != NULL; i++)
		if (value_text(vals[i], text, sizeof text) &&
		    strcasecmp(text, "TRUE") == 0)
			yes = true;
	ldap_value_free_len(vals);
	return yes;
}

static void keep_senders(const struct ldap_accounts_params *p, LDAP *ld, LDAPMessage *e,
                         struct strbuf *data)
{
	for (size_t a = 0; a < p->n_senders; a++) {
		struct berval **vals = ldap_get_values_len(ld, e, p->senders[a]);

		for (size_t i = 0; vals != NULL && vals[i] != NULL; i++) {
			char text[MAX_VALUE];
			const char *why = NULL;
			char *owned;

			if (!value_text(vals[i], text, sizeof text) ||
			    (owned = account_sender_normalize(text, &why)) == NULL)
				continue; /* not an address: owns nothing */
			strbuf_appendf(data, "sender=%s\n", owned);
			free(owned);
		}
		ldap_value_free_len(vals);
	}
}

static void keep_limits(const struct ldap_accounts_params *p, LDAP *ld, LDAPMessage *e,
                        struct strbuf *data)
{
	struct berval **vals =
	    p->limits != NULL ? ldap_get_values_len(ld, e, p->limits) : NULL;

	for (size_t i = 0; vals != NULL && vals[i] != NULL; i++) {
		char text[MAX_VALUE];
		bool ok;

		if (!value_text(vals[i], text, sizeof text) || strchr(text, '=') == NULL)
			continue;
		ok = true;
		for (const char *c = text; *c; c++)
			if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e)
				ok = false;
		if (ok)
			strbuf_appendf(data, "limit=%s\n", text);
	}
	ldap_value_free_len(vals);
}

void ldap_accounts_keep(const struct ldap_accounts_params *p, LDAP *ld,
                        LDAPMessage *entry, struct strbuf *data)
{
	strbuf_appendf(data, "suspended=%d\n", is_suspended(p, ld, entry) ? 1 : 0);
	keep_senders(p, ld, entry, data);
	keep_limits(p, ld, entry, data);
}

struct account *ldap_accounts_parse(const char *login, const char *data)
{
	struct account *a = account_new(login);
	const char *line = data != NULL ? data : "";

	while (*line != '\0') {
		size_t len = strcspn(line, "\n");
		char buf[MAX_VALUE + 16];

		snprintf(buf, sizeof buf, "%.*s",
		         (int)(len < sizeof buf ? len : sizeof buf - 1), line);
		if (strcmp(buf, "suspended=1") == 0)
			a->suspended = true;
		else if (strncmp(buf, "sender=", 7) == 0)
			account_add_sender(a, buf + 7);
		else if (strncmp(buf, "limit=", 6) == 0)
			account_add_limit(a, buf + 6);
		line += len;
		if (*line == '\n')
			line++;
	}
	return a;
}

/* The entries of one account search. */
struct fetch_state {
	const struct ldap_accounts_params *p;
	struct strbuf *data;
	int n;
	bool suspended;
};

static void on_entry(void *ctx, LDAP *ld, LDAPMessage *entry)
{
	struct fetch_state *fs = ctx;

	if (fs->n++ == 0)
		ldap_accounts_keep(fs->p, ld, entry, fs->data);
	if (is_suspended(fs->p, ld, entry))
		fs->suspended = true;
}

int ldap_accounts_fetch(struct ldap_pool *pool, const struct ldap_accounts_params *p,
                        int scope, const char *login, double deadline, char *detail,
                        size_t size, struct strbuf *data)
{
	char **attrs = xcalloc(p->n_senders + 3, sizeof *attrs);
	struct fetch_state fs = {p, data, 0, false};
	char local[LOGIN_MAX + 1];
	const char *domain, *uri = NULL, *error = NULL;
	struct strbuf filter;
	int n = 0, rc, status;

	ldap_accounts_attrs(p, attrs);
	login_split(login, local, sizeof local, &domain);
	strbuf_init(&filter);
	ldap_filter_expand_login(&filter, p->filter, login, local, domain);
	rc = ldap_pool_search(pool, p->base, scope, filter.data, attrs, ACCOUNT_SIZELIMIT,
	                      deadline, on_entry, &fs, &n, &uri, &error);
	if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED) {
		if (fs.n > 1) { /* ambiguous: owns nothing extra, keeps a suspension */
			strbuf_reset(data);
			strbuf_appendf(data, "suspended=%d\n", fs.suspended ? 1 : 0);
		}
		status = fs.n > 0 ? CACHE_FOUND : CACHE_NOTFOUND;
		snprintf(detail, size, "%s %.160s -> %d entr%s%s", uri, filter.data, fs.n,
		         fs.n == 1 ? "y" : "ies",
		         fs.n > 1 ? " (ambiguous: only a suspension counts)" : "");
	} else {
		status = CACHE_ERROR;
		strbuf_reset(data);
		snprintf(detail, size, "%s %.160s: %s", uri != NULL ? uri : "ldap",
		         filter.data, error != NULL ? error : "failed");
	}
	strbuf_free(&filter);
	free(attrs);
	return status;
}

/* --- sync mode ------------------------------------------------------- */

void ldap_accounts_key_attrs(const char *filter, struct ldap_account_keys *k_r)
{
	memset(k_r, 0, sizeof *k_r);
	for (const char *p = filter; *p != '\0'; p++) {
		const char *start;

		/* "(ATTR=%s)" or "(ATTR=%u)": an equality on the placeholder alone. */
		if (p[0] != '=' || p[1] != '%' || (p[2] != 's' && p[2] != 'u') ||
		    p[3] != ')')
			continue;
		for (start = p; start > filter && start[-1] != '('; start--)
			;
		if (start == filter || start == p || k_r->n == LDAP_ACCOUNT_KEYS_MAX)
			continue;
		k_r->attr[k_r->n] = xmalloc((size_t)(p - start) + 1);
		memcpy(k_r->attr[k_r->n], start, (size_t)(p - start));
		k_r->attr[k_r->n][p - start] = '\0';
		k_r->kind[k_r->n++] = p[2];
	}
}

void ldap_accounts_key_attrs_free(struct ldap_account_keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->attr[i]);
	memset(k, 0, sizeof *k);
}

void ldap_accounts_keep_synced(const struct ldap_accounts_params *p,
                               const struct ldap_account_keys *k, LDAP *ld,
                               LDAPMessage *entry, struct strbuf *data)
{
	for (size_t i = 0; i < k->n; i++) {
		struct berval **vals = ldap_get_values_len(ld, entry, k->attr[i]);

		for (size_t j = 0; vals != NULL && vals[j] != NULL; j++) {
			char text[MAX_VALUE];
			const char *why = NULL;
			char *key;

			if (!value_text(vals[j], text, sizeof text))
				continue;
			/* The value as a login would be canonicalised (no default
			 * domain: %s values are full addresses, %u bare names). */
			if ((key = login_canonical(text, NULL, &why)) == NULL)
				continue;
			if (k->kind[i] == 'u' && strchr(key, '@') != NULL) {
				free(key);
				continue;
			}
			strbuf_appendf(data, "key=%c:%s\n", k->kind[i], key);
			free(key);
		}
		ldap_value_free_len(vals);
	}
	ldap_accounts_keep(p, ld, entry, data);
}

void ldap_accounts_build_add(struct accountset_builder *b, const char *data)
{
	const char *line = data;
	bool added = false;

	while (strncmp(line, "key=", 4) == 0) {
		size_t len = strcspn(line, "\n");
		char key[LOGIN_MAX + 4];

		snprintf(key, sizeof key, "%.*s", (int)(len - 4), line + 4);
		if (!added) {
			accountset_builder_add(b, key,
			                       ldap_accounts_parse(key + 2, line + len));
			added = true;
		} else {
			accountset_builder_alias(b, key);
		}
		line += len + (line[len] == '\n');
	}
}

size_t ldap_accounts_lookup_keys(const char *login, char (*keys)[LOGIN_MAX + 4],
                                 size_t max)
{
	char local[LOGIN_MAX + 1];
	const char *domain;
	size_t n = 0;

	if (max > n)
		snprintf(keys[n++], LOGIN_MAX + 4, "s:%s", login);
	login_split(login, local, sizeof local, &domain);
	if (max > n)
		snprintf(keys[n++], LOGIN_MAX + 4, "u:%s", local);
	return n;
}
