/*
 * limits: see limits.h. Entry point: query_limits. The account's overrides
 * come from the directories as the daemon sees them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "lib/login.h"
#include "policy/account.h"
#include "policy/limits/limiter.h"
#include "query/limits.h"

#define MAX_ROWS 256

/* The account of canonical LOGIN from POL's directories (NULL: none). */
static struct account *account_of(struct policy *pol, const char *login)
{
	size_t n;
	struct directory *const *dirs = policy_directories(pol, &n);

	for (size_t i = 0; i < n; i++) {
		struct dir_account_answer ans;

		memset(&ans, 0, sizeof ans);
		dir_lookup_account(dirs[i], login, &ans);
		if (ans.status == DIR_FOUND)
			return ans.account;
	}
	return NULL;
}

static void print_time(const char *label, uint64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s %s\n", label, buf);
}

static int show(struct limiter *lim, const struct limit_subject *s, const char *prefix)
{
	struct limit_row rows[MAX_ROWS];
	uint64_t until = 0;
	const char *err = NULL;
	int n = limiter_peek(lim, s, rows, MAX_ROWS, &until, &err);
	int status = 0;

	if (n < 0) {
		fprintf(stderr, "relaymilter-query: limits: %s\n", err);
		return EX_TEMPFAIL;
	}
	if (until != 0) {
		print_time("suspended until", until);
		status = 1;
	} else if (s->login != NULL) {
		printf("suspended: no\n");
	}
	if (n == 0)
		printf("no rule applies\n");
	for (int i = 0; i < n; i++) {
		printf("%s: %s%s max %llu per %gs: used %llu, remaining %llu",
		       rows[i].rule->name, prefix, rows[i].key,
		       (unsigned long long)rows[i].max, rows[i].rule->per,
		       (unsigned long long)rows[i].used,
		       (unsigned long long)rows[i].remaining);
		if (rows[i].remaining == 0) {
			printf(", retry after %.1fs", rows[i].retry_after / 1e6);
			status = 1;
		}
		printf("\n");
	}
	return status;
}

int query_limits(const struct config *cf, struct policy *pol, const char *login,
                 const char *client, bool reset)
{
	struct limiter *lim = policy_limiter(pol);
	struct limit_subject s;
	struct netaddr addr;
	struct account *a = NULL;
	char *canon = NULL;
	const char *why = NULL;
	int status;

	if (!limiter_active(lim)) {
		fprintf(stderr, "relaymilter-query: %s has no limits.rules\n", cf->path);
		return EX_USAGE;
	}
	memset(&s, 0, sizeof s);
	if (client != NULL) {
		if (netaddr_parse(client, &addr) < 0) {
			fprintf(stderr,
			        "relaymilter-query: --client %s: not an IP address\n",
			        client);
			return EX_USAGE;
		}
		s.client = &addr;
	}
	if (login != NULL) {
		if ((canon = login_canonical(login, cf->policy.default_domain, &why)) ==
		    NULL) {
			fprintf(stderr, "relaymilter-query: --auth %s: %s\n", login, why);
			return EX_USAGE;
		}
		s.login = canon;
		if ((a = account_of(pol, canon)) != NULL) {
			s.overrides = a->limits;
			s.n_overrides = a->n_limits;
		}
		printf("login %s\n", canon);
	}
	if (client != NULL)
		printf("client %s\n", client);
	status = 0;
	if (reset) {
		if (limiter_reset(lim, &s, &why) != 0) {
			fprintf(stderr, "relaymilter-query: --reset: %s\n", why);
			status = EX_TEMPFAIL;
		} else {
			printf("reset: counters cleared%s\n",
			       s.login != NULL ? ", suspension lifted" : "");
		}
	}
	if (status == 0)
		status =
		    show(lim, &s, cf->limits.redis_prefix ? cf->limits.redis_prefix : "");
	account_free(a);
	free(canon);
	return status;
}
