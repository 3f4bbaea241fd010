/*
 * dir_set: the directory backend over published in-memory sets (see
 * policy/dir_set.h). Entry points: the policy_sets_* functions for the
 * publisher, dir_set_create for the backend; lookups go through the table.
 * A set that was never published answers DIR_ERROR: an empty set is never
 * taken to mean "not local" or "not allowlisted".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "lib/publish.h"
#include "lib/xalloc.h"
#include "policy/dir_set.h"

struct policy_sets {
	unsigned refcnt;
	struct publish domains;  /* struct domainset * */
	struct publish networks; /* struct netlist * */
	struct publish accounts; /* struct accountset * */
};

struct dir_set {
	struct directory dir;     /* must be first */
	struct directory_ops ops; /* set_ops, named after the instance */
	struct dir_set_params params;
	struct policy_sets *sets;
};

static void free_domains(void *p)
{
	domainset_free(p);
}

static void free_networks(void *p)
{
	netlist_free(p);
}

static void free_accounts(void *p)
{
	accountset_free(p);
}

struct policy_sets *policy_sets_create(struct domainset *domains,
                                       struct netlist *networks)
{
	struct policy_sets *sets = xcalloc(1, sizeof *sets);

	sets->refcnt = 1;
	publish_init(&sets->domains, domains, free_domains);
	publish_init(&sets->networks, networks, free_networks);
	publish_init(&sets->accounts, NULL, free_accounts);
	return sets;
}

struct policy_sets *policy_sets_ref(struct policy_sets *sets)
{
	__atomic_add_fetch(&sets->refcnt, 1, __ATOMIC_ACQ_REL);
	return sets;
}

void policy_sets_unref(struct policy_sets *sets)
{
	if (sets == NULL || __atomic_sub_fetch(&sets->refcnt, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	publish_destroy(&sets->domains);
	publish_destroy(&sets->networks);
	publish_destroy(&sets->accounts);
	free(sets);
}

void policy_sets_publish_domains(struct policy_sets *sets, struct domainset *domains)
{
	publish_swap(&sets->domains, domains);
}

void policy_sets_publish_networks(struct policy_sets *sets, struct netlist *networks)
{
	publish_swap(&sets->networks, networks);
}

void policy_sets_publish_accounts(struct policy_sets *sets, struct accountset *accounts)
{
	publish_swap(&sets->accounts, accounts);
}

struct netlist *policy_sets_copy_networks(struct policy_sets *sets)
{
	struct publish_ref ref;
	const struct netlist *cur = publish_enter(&sets->networks, &ref);
	struct netlist *copy = cur != NULL ? netlist_copy(cur) : NULL;

	publish_leave(&sets->networks, &ref);
	return copy;
}

struct domainset *policy_sets_copy_domains(struct policy_sets *sets)
{
	struct publish_ref ref;
	const struct domainset *cur = publish_enter(&sets->domains, &ref);
	struct domainset *copy = cur != NULL ? domainset_copy(cur) : NULL;

	publish_leave(&sets->domains, &ref);
	return copy;
}

static void set_lookup_domain(struct directory *dir, const char *domain,
                              struct dir_answer *ans_r)
{
	struct dir_set *ds = (struct dir_set *)dir;
	const struct dir_set_params *p = &ds->params;
	struct publish_ref ref;
	const struct domainset *set = publish_enter(&ds->sets->domains, &ref);
	const char *match;

	ans_r->source = p->source;
	if (set == NULL) {
		ans_r->status = DIR_ERROR;
		if (ans_r->want_detail)
			snprintf(ans_r->detail, sizeof ans_r->detail,
			         "%s: not loaded yet", p->domains_label);
		goto out;
	}
	match = domainset_match(set, domain, p->match_subdomains);
	ans_r->status = match != NULL ? DIR_FOUND : DIR_NOTFOUND;
	if (!ans_r->want_detail)
		goto out;
	if (match == domain)
		snprintf(ans_r->detail, sizeof ans_r->detail, "%s: %s", p->domains_label,
		         domain);
	else if (match != NULL)
		snprintf(ans_r->detail, sizeof ans_r->detail, "%s: %s (parent of %s)",
		         p->domains_label, match, domain);
	else
		snprintf(ans_r->detail, sizeof ans_r->detail,
		         "%s: %s not among %zu domain(s)%s", p->domains_label, domain,
		         domainset_count(set),
		         p->match_subdomains ? " or their subdomains" : "");
out:
	publish_leave(&ds->sets->domains, &ref);
}

static void set_match_client(struct directory *dir, const struct netaddr *addr,
                             struct dir_answer *ans_r)
{
	struct dir_set *ds = (struct dir_set *)dir;
	const struct dir_set_params *p = &ds->params;
	struct publish_ref ref;
	const struct netlist *set = publish_enter(&ds->sets->networks, &ref);
	char net[NETADDR_STRLEN], text[NETADDR_STRLEN];

	ans_r->source = p->source;
	if (set == NULL) {
		ans_r->status = DIR_ERROR;
		if (ans_r->want_detail)
			snprintf(ans_r->detail, sizeof ans_r->detail,
			         "%s: not loaded yet", p->networks_label);
		goto out;
	}
	/* The matched network is formatted only for a trace. */
	ans_r->status =
	    netlist_match(set, addr, ans_r->want_detail ? net : NULL, sizeof net)
	        ? DIR_FOUND
	        : DIR_NOTFOUND;
	if (!ans_r->want_detail)
		goto out;
	netaddr_format(addr, text, sizeof text);
	if (ans_r->status == DIR_FOUND)
		snprintf(ans_r->detail, sizeof ans_r->detail, "%s: %s in %s",
		         p->networks_label, text, net);
	else
		snprintf(ans_r->detail, sizeof ans_r->detail,
		         "%s: %s not in %zu network(s)", p->networks_label, text,
		         netlist_count(set));
out:
	publish_leave(&ds->sets->networks, &ref);
}

static void set_lookup_account(struct directory *dir, const char *login,
                               struct dir_account_answer *ans_r)
{
	struct dir_set *ds = (struct dir_set *)dir;
	const struct dir_set_params *p = &ds->params;
	struct publish_ref ref;
	const struct accountset *set = publish_enter(&ds->sets->accounts, &ref);
	char keys[4][DIR_SET_KEY_MAX];
	size_t n = 1;

	ans_r->source = p->source;
	ans_r->status = DIR_NOTFOUND;
	if (set == NULL) {
		ans_r->status = DIR_ERROR;
		if (ans_r->want_detail)
			snprintf(ans_r->detail, sizeof ans_r->detail,
			         "%s: not loaded yet", p->accounts_label);
		goto out;
	}
	if (p->account_keys != NULL)
		n = p->account_keys(login, keys, 4);
	else
		snprintf(keys[0], sizeof keys[0], "%s", login);
	for (size_t i = 0; i < n; i++) {
		const struct account *a = NULL;

		switch (accountset_find(set, keys[i], &a)) {
		case ACCOUNTSET_NONE:
			continue;
		case ACCOUNTSET_FOUND:
			ans_r->status = DIR_FOUND;
			ans_r->account = account_copy(a);
			if (ans_r->want_detail)
				snprintf(ans_r->detail, sizeof ans_r->detail,
				         "%s: %.120s found (as %.120s)%s",
				         p->accounts_label, login, keys[i],
				         a->suspended ? ", suspended" : "");
			goto out;
		}
	}
	if (ans_r->want_detail)
		snprintf(ans_r->detail, sizeof ans_r->detail, "%s: no account for %.120s",
		         p->accounts_label, login);
out:
	publish_leave(&ds->sets->accounts, &ref);
}

static void set_free(struct directory *dir)
{
	struct dir_set *ds = (struct dir_set *)dir;

	policy_sets_unref(ds->sets);
	free(ds);
}

static const struct directory_ops set_ops = {
    .name = "set",
    .lookup_domain = set_lookup_domain,
    .match_client = set_match_client,
    .lookup_account = set_lookup_account,
    .free = set_free,
};

struct directory *dir_set_create(const struct dir_set_params *params,
                                 struct policy_sets *sets)
{
	struct dir_set *ds = xcalloc(1, sizeof *ds);

	ds->ops = set_ops;
	ds->ops.name = params->name;
	dir_init(&ds->dir, &ds->ops);
	ds->params = *params;
	ds->sets = policy_sets_ref(sets);
	return &ds->dir;
}
