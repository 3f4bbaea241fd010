/*
 * dir_static: lookups in the config file's lists. Entry point:
 * dir_static_create; the rest is reached through the directory table. The
 * domain list is copied and sorted once so a lookup is a binary search per
 * candidate name (the domain itself, then each parent with
 * match_subdomains). Networks are the config's netlist, read-only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "policy/dir_static.h"

struct dir_static {
	struct directory dir; /* must be first */
	const struct config *cf;
	char **domains; /* sorted copies of the pointers, strings owned by cf */
	size_t n_domains;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_domain(const struct dir_static *ds, const char *name)
{
	return bsearch(&name, ds->domains, ds->n_domains, sizeof ds->domains[0],
		       cmp_str) != NULL;
}

static void static_lookup_domain(struct directory *dir, const char *domain,
				 struct dir_answer *ans_r)
{
	struct dir_static *ds = (struct dir_static *)dir;
	const char *name = domain;

	ans_r->source = SRC_STATIC;
	for (;;) {
		if (has_domain(ds, name)) {
			ans_r->status = DIR_FOUND;
			if (!ans_r->want_detail)
				return;
			if (name == domain)
				snprintf(ans_r->detail, sizeof ans_r->detail,
					 "static local_domains: %s", name);
			else
				snprintf(ans_r->detail, sizeof ans_r->detail,
					 "static local_domains: %s (parent of %s)", name, domain);
			return;
		}
		/* Literals have no parents; without match_subdomains only exact. */
		if (!ds->cf->policy.match_subdomains || domain[0] == '[')
			break;
		name = strchr(name, '.');
		if (name == NULL || name[1] == '\0')
			break;
		name++;
	}
	ans_r->status = DIR_NOTFOUND;
	if (!ans_r->want_detail)
		return;
	snprintf(ans_r->detail, sizeof ans_r->detail,
		 "static local_domains: %s not among %zu domain(s)%s", domain, ds->n_domains,
		 ds->cf->policy.match_subdomains ? " or their subdomains" : "");
}

static void static_match_client(struct directory *dir, const struct netaddr *addr,
				struct dir_answer *ans_r)
{
	struct dir_static *ds = (struct dir_static *)dir;
	char net[NETADDR_STRLEN], text[NETADDR_STRLEN];

	ans_r->source = SRC_STATIC;
	/* The matched network is formatted only for a trace. */
	if (netlist_match(ds->cf->policy.allow_networks, addr,
			  ans_r->want_detail ? net : NULL, sizeof net)) {
		ans_r->status = DIR_FOUND;
		if (!ans_r->want_detail)
			return;
		netaddr_format(addr, text, sizeof text);
		snprintf(ans_r->detail, sizeof ans_r->detail,
			 "static allow_networks: %s in %s", text, net);
		return;
	}
	ans_r->status = DIR_NOTFOUND;
	if (!ans_r->want_detail)
		return;
	netaddr_format(addr, text, sizeof text);
	snprintf(ans_r->detail, sizeof ans_r->detail,
		 "static allow_networks: %s not in %zu network(s)", text,
		 netlist_count(ds->cf->policy.allow_networks));
}

static void static_free(struct directory *dir)
{
	struct dir_static *ds = (struct dir_static *)dir;

	free(ds->domains);
	free(ds);
}

static const struct directory_ops static_ops = {
	.name = "static",
	.lookup_domain = static_lookup_domain,
	.match_client = static_match_client,
	.free = static_free,
};

struct directory *dir_static_create(const struct config *cf)
{
	struct dir_static *ds = xcalloc(1, sizeof *ds);

	ds->dir.ops = &static_ops;
	ds->cf = cf;
	ds->n_domains = cf->policy.n_local_domains;
	ds->domains = xcalloc(ds->n_domains, sizeof ds->domains[0]);
	memcpy(ds->domains, cf->policy.local_domains,
	       ds->n_domains * sizeof ds->domains[0]);
	qsort(ds->domains, ds->n_domains, sizeof ds->domains[0], cmp_str);
	return &ds->dir;
}
