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
	};
	struct dir_set_params sp = set_params;
	struct domainset_builder *b = domainset_builder_create();
	struct netlist *nets = netlist_create();
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
	sp.match_subdomains = p->match_subdomains;
	sets = policy_sets_create(domainset_build(b), nets);
	dir = dir_set_create(&sp, sets);
	policy_sets_unref(sets);
	return dir;
}
