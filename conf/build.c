/*
 * build: config -> policy (see build.h). Entry points: conf_static_directory,
 * conf_policy_create. Owns nothing: the result belongs to the caller.
 */
#include "config.h"

#include "conf/build.h"
#include "policy/limits/limiter.h"
#include "lib/log.h"
#include "policy/dir_static.h"
#include "policy/ldap/dir_ldap.h"

#define MAX_DIRS 2

struct directory *conf_static_directory(const struct config *cf)
{
	const struct dir_static_params p = {
	    .local_domains = (const char *const *)cf->lists.local_domains,
	    .n_local_domains = cf->lists.n_local_domains,
	    .allow_networks = (const char *const *)cf->lists.allow_networks_text,
	    .n_allow_networks = cf->lists.n_allow_networks,
	    .match_subdomains = cf->lists.match_subdomains,
	    .accounts = (const struct account *const *)cf->lists.canon,
	    .n_accounts = cf->lists.n_accounts,
	};
	struct directory *dir = dir_static_create(&p);
	const char *error = NULL;

	if (dir_start(dir, &error) != 0) /* in memory: nothing to start */
		msg_panic("the static directory failed to start: %s", error);
	return dir;
}

struct policy *conf_policy_create(const struct config *cf, const struct policy *prev,
                                  const char **error_r)
{
	struct directory *dirs[MAX_DIRS];
	size_t n = 0;
	struct policy *pol;
	struct limiter *lim;

	dirs[n++] = conf_static_directory(cf);
	if (cf->ldap.enabled) {
		struct dir_ldap_params lp = cf->ldap;
		struct directory *next;

		lp.match_subdomains = cf->lists.match_subdomains;
		if ((next = dir_ldap_create(&lp, error_r)) == NULL) {
			dir_free(dirs[0]);
			return NULL;
		}
		dirs[n] = dir_handover(policy_directory(prev, "ldap"), next, error_r);
		if (dirs[n] == NULL) {
			dir_free(dirs[0]);
			return NULL;
		}
		n++;
	}
	pol = policy_create(&cf->policy, dirs, n);
	lim = limiter_create(&cf->limits, policy_limiter(prev), error_r);
	if (lim == NULL) {
		policy_free(pol);
		return NULL;
	}
	policy_set_limiter(pol, lim);
	return pol;
}
