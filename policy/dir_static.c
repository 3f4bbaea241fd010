/*
 * dir_static: the config file's lists (lists.local_domains,
 * lists.allow_networks) as a dir_set (policy/dir_set.h) whose sets are
 * built once, here, and never replaced. Entry point: dir_static_create;
 * the rest is reached through the directory table. Always answers; never errs.
 */
#include "config.h"

#include "lib/log.h"
#include "policy/dir_set.h"
#include "policy/dir_static.h"

struct directory *dir_static_create(const struct dir_static_params *p)
{
	static const struct dir_set_params set_params = {
	    .name = "static",
	    .source = SRC_STATIC,
	    .domains_label = "static local_domains",
	    .networks_label = "static allow_networks",
	    .accounts_label = "static accounts",
	};
	struct dir_set_params sp = set_params;
	struct domainset_builder *b = domainset_builder_create();
	struct netlist *nets = netlist_create();
	struct accountset_builder *ab = accountset_builder_create();
	struct policy_sets *sets;
	struct directory *dir;
	const char *why = NULL;

	for (size_t i = 0; i < p->n_local_domains; i++)
		domainset_builder_add(b, p->local_domains[i]);
	for (size_t i = 0; i < p->n_allow_networks; i++)
		if (netlist_add(nets, p->allow_networks[i], &why) != 0)
			msg_panic(
			    "dir_static: network %s passed the config check but not "
			    "netlist_add: %s",
			    p->allow_networks[i], why);
	for (size_t i = 0; i < p->n_accounts; i++)
		accountset_builder_add(ab, p->accounts[i]->login,
		                       account_copy(p->accounts[i]));
	sp.match_subdomains = p->match_subdomains;
	sets = policy_sets_create(domainset_build(b), nets);
	policy_sets_publish_accounts(sets, accountset_build(ab));
	dir = dir_set_create(&sp, sets);
	policy_sets_unref(sets);
	return dir;
}
