/*
 * dirprobe: drive the LDAP directory backend from a test script, one
 * command per line on stdin, one answer line on stdout:
 *   domain NAME   -> "found|notfound|error SOURCE MS DETAIL"
 *   client ADDR   -> same, from the in-memory networks
 *   check         -> the -n -n report, then "check 0" or "check -1"
 *   stats         -> "stats key=value ..."
 *   sync SET      -> "sync SET key=value ..." (sync mode), or "sync SET none"
 *   account LOGIN -> "found|notfound|error SOURCE MS suspended=0|1
 *                     senders=a,b limits=x,y DETAIL" (LOGIN canonical)
 *   flush         -> "flushed"
 * Usage: dirprobe CONFIG. Warnings go to stderr. A long-lived process, so
 * the cache, stale answers and reconnection can be observed across steps.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf/conf.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "policy/ldap/dir_ldap.h"
#include "lib/monotime.h"

static const char *status_name(enum dir_status st)
{
	return st == DIR_FOUND ? "found" : st == DIR_NOTFOUND ? "notfound" : "error";
}

static void print_answer(const struct dir_answer *ans, double ms)
{
	printf("%s %s %.1f %s\n", status_name(ans->status), dir_source_name(ans->source),
	       ms, ans->detail);
}

static void print_stats(struct directory *dir)
{
	struct dir_stats st = {0};

	dir_stats(dir, &st);
	printf("stats hits=%lu misses=%lu coalesced=%lu stale=%lu errors=%lu entries=%lu "
	       "queries=%lu ldap_errors=%lu timeouts=%lu connects=%lu "
	       "connect_failures=%lu fast_failures=%lu servers_up=%d networks=%lu "
	       "network_loads=%lu network_failures=%lu\n",
	       st.cache_hits, st.cache_misses, st.cache_coalesced, st.cache_stale,
	       st.cache_errors, st.cache_entries, st.ldap_queries, st.ldap_errors,
	       st.ldap_timeouts, st.ldap_connects, st.ldap_connect_failures,
	       st.ldap_fast_failures, st.ldap_servers_up, st.networks, st.network_loads,
	       st.network_failures);
}

/* One line on the sync set NAME. */
static void print_sync(struct directory *dir, const char *name)
{
	struct dir_stats st = {0};

	dir_stats(dir, &st);
	for (size_t i = 0; i < st.n_sync; i++) {
		if (strcmp(st.sync[i].set, name) != 0)
			continue;
		printf(
		    "sync %s entries=%lu complete=%d syncprov=%d cookie=%d refreshes=%lu "
		    "reconnects=%lu changes=%lu errors=%lu age=%.1f last_error=%s\n",
		    st.sync[i].set, st.sync[i].entries, st.sync[i].complete,
		    st.sync[i].syncprov, st.sync[i].cookie, st.sync[i].refreshes,
		    st.sync[i].reconnects, st.sync[i].changes, st.sync[i].errors,
		    st.sync[i].age, *st.sync[i].last_error ? st.sync[i].last_error : "-");
		return;
	}
	printf("sync %s none\n", name);
}

static void run_command(struct directory *dir, char *cmd, char *arg)
{
	struct dir_answer ans;
	struct netaddr addr;
	double t0 = monotime_now();

	memset(&ans, 0, sizeof ans);
	ans.want_detail = true;
	if (strcmp(cmd, "domain") == 0) {
		dir_lookup_domain(dir, arg, &ans);
		print_answer(&ans, (monotime_now() - t0) * 1000);
	} else if (strcmp(cmd, "client") == 0) {
		if (netaddr_parse(arg, &addr) != 0) {
			printf("badaddr\n");
			return;
		}
		dir_match_client(dir, &addr, &ans);
		print_answer(&ans, (monotime_now() - t0) * 1000);
	} else if (strcmp(cmd, "check") == 0) {
		struct strbuf report;
		static const char *const verdict[] = {"ok", "degraded", "failed"};

		enum dir_check c;

		strbuf_init(&report);
		c = dir_check(dir, &report); /* before report.data is read: it grows */
		printf("%scheck %s\n", report.data, verdict[c]);
		strbuf_free(&report);
	} else if (strcmp(cmd, "stats") == 0) {
		print_stats(dir);
	} else if (strcmp(cmd, "account") == 0) {
		struct dir_account_answer aa;

		memset(&aa, 0, sizeof aa);
		aa.want_detail = true;
		dir_lookup_account(dir, arg, &aa);
		printf("%s %s %.1f suspended=%d senders=", status_name(aa.status),
		       dir_source_name(aa.source), (monotime_now() - t0) * 1000,
		       aa.account != NULL && aa.account->suspended);
		for (size_t i = 0; aa.account != NULL && i < aa.account->n_senders; i++)
			printf("%s%s", i ? "," : "", aa.account->senders[i]);
		printf(" limits=");
		for (size_t i = 0; aa.account != NULL && i < aa.account->n_limits; i++)
			printf("%s%s", i ? "," : "", aa.account->limits[i]);
		printf(" %s\n", aa.detail);
		account_free(aa.account);
	} else if (strcmp(cmd, "sync") == 0) {
		print_sync(dir, arg);
	} else if (strcmp(cmd, "expire") == 0) {
		dir_expire(dir);
		printf("expired\n");
	} else {
		printf("unknown command\n");
	}
}

int main(int argc, char **argv)
{
	const char *errors = "";
	struct config *cf;
	struct directory *dir;
	struct dir_ldap_params lp;
	char line[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: dirprobe CONFIG\n");
		return 2;
	}
	log_setup("dirprobe", LOG_MAIL, false, true);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((cf = config_load(argv[1], &errors)) == NULL) {
		fprintf(stderr, "%s\n", errors);
		return 78;
	}
	lp = cf->ldap;
	lp.match_subdomains = cf->lists.match_subdomains;
	if ((dir = dir_ldap_create(&lp, &errors)) == NULL) {
		fprintf(stderr, "dir_ldap_create: %s\n", errors);
		return 78;
	}
	if (dir_start(dir, &errors) != 0) {
		fprintf(stderr, "dir_start: %s\n", errors);
		return 70;
	}
	printf("ready\n");
	while (fgets(line, sizeof line, stdin) != NULL) {
		char *arg, *cmd = line;

		line[strcspn(line, "\n")] = '\0';
		if (strcmp(cmd, "quit") == 0)
			break;
		arg = strchr(cmd, ' ');
		if (arg != NULL)
			*arg++ = '\0';
		run_command(dir, cmd, arg != NULL ? arg : "");
	}
	dir_free(dir);
	config_free(cf);
	return 0;
}
