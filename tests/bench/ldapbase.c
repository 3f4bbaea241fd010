/*
 * ldapbase: the baseline for cache-miss decisions. N threads, each with its
 * own libldap handle (bound once, as relaymilter's pool does), run
 * synchronous ldap_search_ext_s() for "%s" = a domain drawn from a
 * template, and time each search round trip.
 *
 *   ldapbase -H URI [-D BINDDN -y PWFILE] -b BASE -f FILTER -x DOMAIN-TEMPLATE
 *            [-x DOMAIN-TEMPLATE ...] [-S] [-c CONNS] [-d SECONDS] [-r RANGE]
 *            [-l LABEL]
 *
 * FILTER holds one "%s"; DOMAIN-TEMPLATE holds "{n}" (0..RANGE-1, random);
 * with several -x, each search draws one of them at random, as the load
 * generator draws the lines of an envelope file. The filter is expanded by
 * relaymilter's own code (policy/ldap/ldap_filter.c), with the same size limit:
 * with -S as relaymilter does with match_subdomains (one OR filter over the
 * domain and its parents), so the baseline sends the very search
 * relaymilter sends and the ratio measures relaymilter, not the query.
 * Prints "RESULT label=... conns=... dec_per_s=... p50_us=... p99_us=...
 * found=... notfound=... errors=..." like the load generator. Exit 0, or 2
 * when a search failed.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>

#include "lib/strbuf.h"
#include "policy/ldap/ldap_filter.h"
#include "tests/bench/latency.h"

#define MAX_CONNS 256
#define MAX_TMPLS 8
#define SIZELIMIT 10 /* relaymilter's DOMAIN_SIZELIMIT */
#define QUERY_MAX 512

struct base {
	const char *uri, *binddn, *base, *filter, *label;
	const char *tmpls[MAX_TMPLS];
	int n_tmpls;
	int subdomains; /* -S */
	char password[256];
	int conns;
	int seconds;
	unsigned long range;
	atomic_int stop;
	pthread_barrier_t ready;
};

struct bworker {
	struct base *b;
	pthread_t tid;
	uint64_t rng;
	struct latvec lat;
	unsigned long found, notfound, errors;
	char first_error[200];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* TMPL with "{n}" replaced by N, into OUT. */
static void expand(const char *tmpl, unsigned long n, char *out, size_t len)
{
	const char *p = strstr(tmpl, "{n}");

	if (p == NULL)
		snprintf(out, len, "%s", tmpl);
	else
		snprintf(out, len, "%.*s%lu%s", (int)(p - tmpl), tmpl, n, p + 3);
}

static LDAP *open_handle(struct base *b, char *err, size_t errlen)
{
	LDAP *ld = NULL;
	int v3 = LDAP_VERSION3, rc;
	struct timeval tv = {2, 0};
	struct berval cred;

	if ((rc = ldap_initialize(&ld, b->uri)) != LDAP_SUCCESS) {
		snprintf(err, errlen, "ldap_initialize: %s", ldap_err2string(rc));
		return NULL;
	}
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
	cred.bv_val = b->password;
	cred.bv_len = strlen(b->password);
	rc = ldap_sasl_bind_s(ld, b->binddn, LDAP_SASL_SIMPLE, b->binddn ? &cred : NULL,
	                      NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		snprintf(err, errlen, "bind: %s", ldap_err2string(rc));
		ldap_unbind_ext_s(ld, NULL, NULL);
		return NULL;
	}
	return ld;
}

static void *bworker_main(void *arg)
{
	struct bworker *w = arg;
	struct base *b = w->b;
	char *attrs[] = {LDAP_NO_ATTRS, NULL};
	LDAP *ld = open_handle(b, w->first_error, sizeof w->first_error);

	if (ld == NULL)
		w->errors++;
	pthread_barrier_wait(&b->ready);
	while (ld != NULL && !atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		char domain[QUERY_MAX];
		struct strbuf filter;
		struct timeval tv = {2, 0};
		LDAPMessage *res = NULL;
		uint64_t t0;
		int rc;

		expand(b->tmpls[rng_next(&w->rng) % (uint64_t)b->n_tmpls],
		       (unsigned long)(rng_next(&w->rng) % b->range), domain,
		       sizeof domain);
		strbuf_init(&filter);
		if (b->subdomains)
			ldap_filter_expand_parents(&filter, b->filter, domain);
		else
			ldap_filter_expand(&filter, b->filter, domain, strlen(domain));
		t0 = now_ns();
		rc = ldap_search_ext_s(ld, b->base, LDAP_SCOPE_SUBTREE, filter.data,
		                       attrs, 0, NULL, NULL, &tv, SIZELIMIT, &res);
		strbuf_free(&filter);
		if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED) {
			latvec_push(&w->lat, now_ns() - t0);
			if (ldap_count_entries(ld, res) > 0)
				w->found++;
			else
				w->notfound++;
		} else if (w->errors++ == 0) {
			snprintf(w->first_error, sizeof w->first_error, "search: %s",
			         ldap_err2string(rc));
		}
		ldap_msgfree(res);
	}
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

static void read_password(struct base *b, const char *path)
{
	FILE *fp = fopen(path, "r");

	if (fp == NULL || fgets(b->password, sizeof b->password, fp) == NULL) {
		fprintf(stderr, "ldapbase: cannot read %s\n", path);
		exit(64);
	}
	fclose(fp);
	b->password[strcspn(b->password, "\r\n")] = '\0';
}

int main(int argc, char **argv)
{
	struct base b = {.conns = 1, .seconds = 5, .range = 1000, .label = "ldapbase"};
	struct bworker *ws;
	struct latvec all = {0};
	unsigned long found = 0, notfound = 0, errors = 0;
	const char *first_error = NULL;
	double elapsed;
	uint64_t t0;
	int ch;

	while ((ch = getopt(argc, argv, "H:D:y:b:f:x:Sc:d:r:l:")) != -1) {
		switch (ch) {
		case 'H':
			b.uri = optarg;
			break;
		case 'D':
			b.binddn = optarg;
			break;
		case 'y':
			read_password(&b, optarg);
			break;
		case 'b':
			b.base = optarg;
			break;
		case 'f':
			b.filter = optarg;
			break;
		case 'x':
			if (b.n_tmpls == MAX_TMPLS)
				goto usage;
			b.tmpls[b.n_tmpls++] = optarg;
			break;
		case 'S':
			b.subdomains = 1;
			break;
		case 'c':
			b.conns = atoi(optarg);
			break;
		case 'd':
			b.seconds = atoi(optarg);
			break;
		case 'r':
			b.range = strtoul(optarg, NULL, 10);
			break;
		case 'l':
			b.label = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (!b.uri || !b.base || !b.filter || b.n_tmpls == 0 || !strstr(b.filter, "%s") ||
	    b.conns < 1 || b.conns > MAX_CONNS || b.seconds < 1 || b.seconds > 3600 ||
	    b.range < 1 || optind != argc)
		goto usage;
	atomic_init(&b.stop, 0);
	pthread_barrier_init(&b.ready, NULL, (unsigned)b.conns + 1);
	ws = calloc((size_t)b.conns, sizeof *ws);
	if (ws == NULL)
		return 71;
	for (int i = 0; i < b.conns; i++) {
		ws[i].b = &b;
		ws[i].rng =
		    0x9e3779b97f4a7c15ull * (uint64_t)(i + 1) ^ (uint64_t)getpid();
		if (pthread_create(&ws[i].tid, NULL, bworker_main, &ws[i]) != 0)
			return 71;
	}
	pthread_barrier_wait(&b.ready);
	t0 = now_ns();
	sleep((unsigned)b.seconds);
	atomic_store(&b.stop, 1);
	for (int i = 0; i < b.conns; i++)
		pthread_join(ws[i].tid, NULL);
	elapsed = (now_ns() - t0) / 1e9;
	for (int i = 0; i < b.conns; i++) {
		latvec_merge(&all, &ws[i].lat);
		found += ws[i].found;
		notfound += ws[i].notfound;
		errors += ws[i].errors;
		if (first_error == NULL && ws[i].first_error[0])
			first_error = ws[i].first_error;
	}
	latvec_sort(&all);
	printf("RESULT label=%s conns=%d seconds=%.3f decisions=%zu dec_per_s=%.1f "
	       "p50_us=%.1f "
	       "p99_us=%.1f p999_us=%.1f found=%lu notfound=%lu errors=%lu\n",
	       b.label, b.conns, elapsed, all.n, all.n / elapsed,
	       latvec_percentile(&all, 50) / 1e3, latvec_percentile(&all, 99) / 1e3,
	       latvec_percentile(&all, 99.9) / 1e3, found, notfound, errors);
	if (first_error)
		fprintf(stderr, "ldapbase: first error: %s\n", first_error);
	for (int i = 0; i < b.conns; i++)
		latvec_free(&ws[i].lat);
	latvec_free(&all);
	free(ws);
	return errors ? 2 : 0;
usage:
	fprintf(stderr,
	        "usage: ldapbase -H URI [-D BINDDN -y PWFILE] -b BASE -f FILTER "
	        "-x DOMAIN-TEMPLATE [-x ...] [-S] [-c CONNS] [-d SECONDS] [-r RANGE] "
	        "[-l LABEL]\n");
	return 64;
}
