/*
 * account: accounts, owner matching and the account map (policy/account.h).
 * Entry points: account_*, accountset_*. The map is a sorted array of
 * (key, account) searched with bsearch: built once per publish, read by
 * every session thread without locks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/login.h"
#include "lib/xalloc.h"
#include "policy/account.h"

struct account *account_new(const char *login)
{
	struct account *a = xcalloc(1, sizeof *a);

	a->login = xstrdup(login);
	return a;
}

static void push(char ***list, size_t *n, const char *s)
{
	*list = xrealloc(*list, (*n + 2) * sizeof **list);
	(*list)[(*n)++] = xstrdup(s);
	(*list)[*n] = NULL;
}

void account_add_sender(struct account *a, const char *sender)
{
	push(&a->senders, &a->n_senders, sender);
}

void account_add_limit(struct account *a, const char *limit)
{
	push(&a->limits, &a->n_limits, limit);
}

struct account *account_copy(const struct account *a)
{
	struct account *c = account_new(a->login);

	c->suspended = a->suspended;
	for (size_t i = 0; i < a->n_senders; i++)
		account_add_sender(c, a->senders[i]);
	for (size_t i = 0; i < a->n_limits; i++)
		account_add_limit(c, a->limits[i]);
	return c;
}

void account_free(struct account *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n_senders; i++)
		free(a->senders[i]);
	for (size_t i = 0; i < a->n_limits; i++)
		free(a->limits[i]);
	free(a->senders);
	free(a->limits);
	free(a->login);
	free(a);
}

char *account_sender_normalize(const char *value, const char **error_r)
{
	char *out;

	if (value == NULL || *value == '\0') {
		*error_r = "empty";
		return NULL;
	}
	if (value[0] == '@') {
		const char *why = NULL;
		char *dom = address_normalize_domain(value + 1, &why);

		if (dom == NULL) {
			*error_r = why != NULL ? why : "not a domain";
			return NULL;
		}
		out = xmalloc(strlen(dom) + 2);
		out[0] = '@';
		strcpy(out + 1, dom);
		free(dom);
		return out;
	}
	if (strchr(value, '@') == NULL) {
		*error_r = "neither an address (user@domain) nor \"@domain\"";
		return NULL;
	}
	return login_canonical(value, NULL, error_r);
}

/* LOCAL@DOMAIN lower-cased, without a "+extension" of LOCAL, into BUF. */
static void owner_key(const char *local, size_t llen, const char *domain, char *buf,
                      size_t size)
{
	const char *plus = memchr(local, '+', llen);
	size_t n = plus != NULL && plus != local ? (size_t)(plus - local) : llen;
	size_t j = 0;

	for (size_t i = 0; i < n && j + 1 < size; i++)
		buf[j++] = (local[i] >= 'A' && local[i] <= 'Z') ? (char)(local[i] + 32)
		                                                : local[i];
	if (j + 1 < size)
		buf[j++] = '@';
	for (size_t i = 0; domain[i] && j + 1 < size; i++)
		buf[j++] = domain[i];
	buf[j] = '\0';
}

/* Does owned value OWNED ("l@d" or "@d") cover the sender key SKEY and
 * domain SDOM? */
static bool covers(const char *owned, const char *skey, const char *sdom)
{
	const char *at = strrchr(owned, '@');
	char okey[LOGIN_MAX + 2];

	if (at == NULL)
		return false;
	if (at == owned)
		return strcmp(owned + 1, sdom) == 0;
	owner_key(owned, (size_t)(at - owned), at + 1, okey, sizeof okey);
	return strcmp(okey, skey) == 0;
}

bool account_owns(const struct account *a, const char *login,
                  const struct address *sender)
{
	char skey[LOGIN_MAX * 2 + 2];

	if (sender->is_null)
		return true;
	if (sender->domain == NULL || sender->local == NULL)
		return false;
	owner_key(sender->local, strlen(sender->local), sender->domain, skey,
	          sizeof skey);
	if (strchr(login, '@') != NULL && covers(login, skey, sender->domain))
		return true;
	for (size_t i = 0; a != NULL && i < a->n_senders; i++)
		if (covers(a->senders[i], skey, sender->domain))
			return true;
	return false;
}

/* --- accountset ------------------------------------------------------ */

struct slot {
	char *key;
	struct account *account; /* NULL: ambiguous */
};

struct accountset {
	struct slot *slots;
	size_t n_slots;
	struct account **accounts; /* ... and the merged ones (N_MERGED, last) */
	size_t n_accounts;
	size_t n_merged;
};

struct accountset_builder {
	struct accountset set;
	size_t cap_slots, cap_accounts;
};

struct accountset_builder *accountset_builder_create(void)
{
	return xcalloc(1, sizeof(struct accountset_builder));
}

static void add_slot(struct accountset_builder *b, const char *key, struct account *a)
{
	struct accountset *s = &b->set;

	if (s->n_slots == b->cap_slots) {
		b->cap_slots = b->cap_slots ? b->cap_slots * 2 : 16;
		s->slots = xrealloc(s->slots, b->cap_slots * sizeof *s->slots);
	}
	s->slots[s->n_slots].key = xstrdup(key);
	s->slots[s->n_slots++].account = a;
}

void accountset_builder_add(struct accountset_builder *b, const char *key,
                            struct account *account)
{
	struct accountset *s = &b->set;

	if (s->n_accounts == b->cap_accounts) {
		b->cap_accounts = b->cap_accounts ? b->cap_accounts * 2 : 16;
		s->accounts =
		    xrealloc(s->accounts, b->cap_accounts * sizeof *s->accounts);
	}
	s->accounts[s->n_accounts++] = account;
	add_slot(b, key, account);
}

void accountset_builder_alias(struct accountset_builder *b, const char *key)
{
	if (b->set.n_accounts > 0)
		add_slot(b, key, b->set.accounts[b->set.n_accounts - 1]);
}

static int cmp_slot(const void *x, const void *y)
{
	const struct slot *a = x, *b = y;
	int c = strcmp(a->key, b->key);

	if (c != 0)
		return c;
	return a->account < b->account ? -1 : a->account > b->account;
}

/* The account an ambiguous key answers (kept in S's accounts, freed with
 * it): no senders, no limits, suspended if A or B is. */
static struct account *merge(struct accountset *s, const struct account *a,
                             const struct account *b)
{
	struct account *m = account_new(a->login);

	m->suspended = a->suspended || b->suspended;
	s->accounts = xrealloc(s->accounts, (s->n_accounts + 1) * sizeof *s->accounts);
	s->accounts[s->n_accounts++] = m;
	s->n_merged++;
	return m;
}

struct accountset *accountset_build(struct accountset_builder *b)
{
	struct accountset *s = xmalloc(sizeof *s);
	size_t out = 0;

	*s = b->set;
	free(b);
	if (s->n_slots > 0)
		qsort(s->slots, s->n_slots, sizeof *s->slots, cmp_slot);
	/* One slot per key. A key of two different accounts is ambiguous: it
	 * answers an account that owns nothing beyond the login itself and is
	 * suspended if either is (two entries never add up to more rights). */
	for (size_t i = 0; i < s->n_slots; i++) {
		struct slot *prev = out > 0 ? &s->slots[out - 1] : NULL;

		if (prev != NULL && strcmp(prev->key, s->slots[i].key) == 0) {
			if (prev->account != s->slots[i].account)
				prev->account =
				    merge(s, prev->account, s->slots[i].account);
			free(s->slots[i].key);
			continue;
		}
		s->slots[out++] = s->slots[i];
	}
	s->n_slots = out;
	return s;
}

static int cmp_key(const void *key, const void *slot)
{
	return strcmp(key, ((const struct slot *)slot)->key);
}

enum accountset_result accountset_find(const struct accountset *s, const char *key,
                                       const struct account **account_r)
{
	const struct slot *sl =
	    s->n_slots > 0 ? bsearch(key, s->slots, s->n_slots, sizeof *s->slots, cmp_key)
	                   : NULL;

	if (sl == NULL)
		return ACCOUNTSET_NONE;
	*account_r = sl->account;
	return ACCOUNTSET_FOUND;
}

size_t accountset_count(const struct accountset *s)
{
	return s->n_accounts - s->n_merged;
}

void accountset_free(struct accountset *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_slots; i++)
		free(s->slots[i].key);
	for (size_t i = 0; i < s->n_accounts; i++)
		account_free(s->accounts[i]);
	free(s->slots);
	free(s->accounts);
	free(s);
}
