/*
 * stats: decision counters. Entry points in stats.h. All counters are
 * relaxed atomics in one static table: counting costs a few atomic adds and
 * never a lock on the decision path. The latency histogram has fixed bucket
 * bounds in milliseconds (Prometheus "le" semantics: cumulative on output).
 */
#include "config.h"

#include <stdint.h>

#include "lib/counter.h"
#include "milter/stats.h"
#include "policy/directory.h"

#define N_REASONS N_VERDICT_REASONS
#define N_SOURCES N_DIR_SOURCES

static const double bucket_ms[] = {0.1, 0.25, 0.5, 1,   2.5,  5,    10,   25,
                                   50,  100,  250, 500, 1000, 2500, 5000, 10000};
#define N_BUCKETS (sizeof bucket_ms / sizeof bucket_ms[0])

static struct {
	uint64_t decisions[STATS_N_ACTIONS][N_REASONS];
	uint64_t sources[N_SOURCES];
	uint64_t buckets[N_BUCKETS + 1]; /* last: +Inf */
	uint64_t sessions;
	uint64_t latency_us_sum;
} counters;

static void add(uint64_t *c, uint64_t n)
{
	counter_add(c, n);
}

static uint64_t get(const uint64_t *c)
{
	return counter_get(c);
}

const char *stats_action_name(enum stats_action action)
{
	static const char *const names[] = {"accept", "reject", "tempfail",
	                                    "would-reject", "would-tempfail"};
	_Static_assert(sizeof names / sizeof names[0] == STATS_N_ACTIONS,
	               "a stats action without a name");

	return (unsigned)action < STATS_N_ACTIONS ? names[action] : "?";
}

void stats_record(enum stats_action action, enum verdict_reason reason,
                  enum dir_source source, double ms)
{
	size_t b = 0;

	if ((unsigned)action >= STATS_N_ACTIONS || (unsigned)reason >= N_REASONS ||
	    (unsigned)source >= N_SOURCES)
		return;
	add(&counters.decisions[action][reason], 1);
	add(&counters.sources[source], 1);
	while (b < N_BUCKETS && ms > bucket_ms[b])
		b++;
	add(&counters.buckets[b], 1);
	add(&counters.latency_us_sum, (uint64_t)(ms * 1000.0));
}

uint64_t stats_decisions(void)
{
	uint64_t n = 0;

	for (size_t b = 0; b <= N_BUCKETS; b++)
		n += get(&counters.buckets[b]);
	return n;
}

void stats_session(void)
{
	add(&counters.sessions, 1);
}

void stats_format_line(struct strbuf *out)
{
	strbuf_appendf(out, "stats: sessions=%llu",
	               (unsigned long long)get(&counters.sessions));
	for (int a = 0; a < STATS_N_ACTIONS; a++)
		for (int r = 0; r < N_REASONS; r++)
			if (get(&counters.decisions[a][r]))
				strbuf_appendf(
				    out, " %s/%s=%llu", stats_action_name(a),
				    verdict_reason_name(r),
				    (unsigned long long)get(&counters.decisions[a][r]));
	for (int s = 0; s < N_SOURCES; s++)
		strbuf_appendf(out, " source_%s=%llu", dir_source_name(s),
		               (unsigned long long)get(&counters.sources[s]));
}

void stats_format_prometheus(struct strbuf *out)
{
	uint64_t cum = 0;

	strbuf_puts(
	    out, "# HELP relaymilter_sessions_total Milter sessions (SMTP connections).\n"
	         "# TYPE relaymilter_sessions_total counter\n");
	strbuf_appendf(out, "relaymilter_sessions_total %llu\n",
	               (unsigned long long)get(&counters.sessions));
	strbuf_puts(out,
	            "# HELP relaymilter_decisions_total Decisions by action and reason.\n"
	            "# TYPE relaymilter_decisions_total counter\n");
	for (int a = 0; a < STATS_N_ACTIONS; a++)
		for (int r = 0; r < N_REASONS; r++)
			if (get(&counters.decisions[a][r]))
				strbuf_appendf(
				    out,
				    "relaymilter_decisions_total{action=\"%s\",reason=\"%"
				    "s\"} "
				    "%llu\n",
				    stats_action_name(a), verdict_reason_name(r),
				    (unsigned long long)get(&counters.decisions[a][r]));
	strbuf_puts(out, "# HELP relaymilter_lookups_total Decisions by data source.\n"
	                 "# TYPE relaymilter_lookups_total counter\n");
	for (int s = 0; s < N_SOURCES; s++)
		strbuf_appendf(out, "relaymilter_lookups_total{source=\"%s\"} %llu\n",
		               dir_source_name(s),
		               (unsigned long long)get(&counters.sources[s]));
	strbuf_puts(out, "# HELP relaymilter_decision_seconds Decision latency.\n"
	                 "# TYPE relaymilter_decision_seconds histogram\n");
	for (size_t b = 0; b <= N_BUCKETS; b++) {
		cum += get(&counters.buckets[b]);
		if (b < N_BUCKETS)
			strbuf_appendf(
			    out, "relaymilter_decision_seconds_bucket{le=\"%g\"} %llu\n",
			    bucket_ms[b] / 1000.0, (unsigned long long)cum);
		else
			strbuf_appendf(
			    out,
			    "relaymilter_decision_seconds_bucket{le=\"+Inf\"} %llu\n",
			    (unsigned long long)cum);
	}
	strbuf_appendf(out, "relaymilter_decision_seconds_sum %.6f\n",
	               get(&counters.latency_us_sum) / 1e6);
	strbuf_appendf(out, "relaymilter_decision_seconds_count %llu\n",
	               (unsigned long long)cum);
}

void stats_format_dir_line(struct strbuf *out, const struct dir_stats *st)
{
	unsigned long asked = st->cache_hits + st->cache_misses;

	strbuf_appendf(
	    out,
	    " cache_entries=%lu cache_hits=%lu cache_misses=%lu cache_hit_ratio=%.3f"
	    " cache_stale=%lu ldap_queries=%lu ldap_errors=%lu ldap_timeouts=%lu"
	    " ldap_servers_up=%d ldap_networks=%lu",
	    st->cache_entries, st->cache_hits, st->cache_misses,
	    asked ? (double)st->cache_hits / asked : 0.0, st->cache_stale,
	    st->ldap_queries, st->ldap_errors, st->ldap_timeouts, st->ldap_servers_up,
	    st->networks);
	for (size_t i = 0; i < st->n_sync; i++) {
		const struct dir_sync_stats *d = &st->sync[i];

		strbuf_appendf(
		    out,
		    " sync_%s=%lu sync_%s_complete=%d sync_%s_age=%.0f"
		    " sync_%s_refreshes=%lu sync_%s_reconnects=%lu sync_%s_errors=%lu",
		    d->set, d->entries, d->set, d->complete, d->set, d->age, d->set,
		    d->refreshes, d->set, d->reconnects, d->set, d->errors);
		if (*d->last_error) /* one printable line (policy/ldap/ldap_sync.c) */
			strbuf_appendf(out, " sync_%s_last_error=\"%s\"", d->set,
			               d->last_error);
	}
}

/* One labelled sample per sync set of ST. */
static void prom_sync(struct strbuf *out, const struct dir_stats *st, const char *name,
                      const char *type, const char *help,
                      double (*value)(const struct dir_sync_stats *))
{
	if (st->n_sync == 0)
		return;
	strbuf_appendf(out, "# HELP relaymilter_%s %s\n# TYPE relaymilter_%s %s\n", name,
	               help, name, type);
	for (size_t i = 0; i < st->n_sync; i++)
		strbuf_appendf(out, "relaymilter_%s{set=\"%s\"} %.17g\n", name,
		               st->sync[i].set, value(&st->sync[i]));
}

static double sync_entries(const struct dir_sync_stats *d)
{
	return (double)d->entries;
}

static double sync_complete(const struct dir_sync_stats *d)
{
	return d->complete;
}

static double sync_age(const struct dir_sync_stats *d)
{
	return d->age;
}

static double sync_refreshes(const struct dir_sync_stats *d)
{
	return (double)d->refreshes;
}

static double sync_reconnects(const struct dir_sync_stats *d)
{
	return (double)d->reconnects;
}

static double sync_changes(const struct dir_sync_stats *d)
{
	return (double)d->changes;
}

static double sync_errors(const struct dir_sync_stats *d)
{
	return (double)d->errors;
}

static double sync_syncprov(const struct dir_sync_stats *d)
{
	return d->syncprov;
}

static void stats_format_sync_prometheus(struct strbuf *out, const struct dir_stats *st)
{
	prom_sync(out, st, "sync_entries", "gauge",
	          "Entries of a set held in memory by content sync.", sync_entries);
	prom_sync(out, st, "sync_complete", "gauge",
	          "1 once a complete refresh of the set is published.", sync_complete);
	prom_sync(out, st, "sync_age_seconds", "gauge",
	          "Seconds since the set last changed (-1: never).", sync_age);
	prom_sync(out, st, "sync_refreshes_total", "counter",
	          "Complete refreshes (or polls) published.", sync_refreshes);
	prom_sync(out, st, "sync_reconnects_total", "counter",
	          "Sync connections opened after the first.", sync_reconnects);
	prom_sync(out, st, "sync_changes_total", "counter",
	          "Entries added, changed or removed by content sync.", sync_changes);
	prom_sync(out, st, "sync_errors_total", "counter",
	          "Failed sync connects, searches and polls (the set is kept).",
	          sync_errors);
	prom_sync(out, st, "sync_syncprov", "gauge",
	          "1: the server answers content sync; 0: polled; -1: not known yet.",
	          sync_syncprov);
}

static void prom(struct strbuf *out, const char *name, const char *type, const char *help,
                 double value)
{
	strbuf_appendf(
	    out,
	    "# HELP relaymilter_%s %s\n# TYPE relaymilter_%s %s\nrelaymilter_%s %.17g\n",
	    name, help, name, type, name, value);
}

void stats_format_dir_prometheus(struct strbuf *out, const struct dir_stats *st)
{
	prom(out, "cache_entries", "gauge", "Directory answers held in the cache.",
	     (double)st->cache_entries);
	prom(out, "cache_hits_total", "counter",
	     "Domain lookups answered by a fresh cache entry.", (double)st->cache_hits);
	prom(out, "cache_misses_total", "counter", "Domain lookups that went to LDAP.",
	     (double)st->cache_misses);
	prom(out, "cache_coalesced_total", "counter",
	     "Lookups that waited for another thread's query for the same key.",
	     (double)st->cache_coalesced);
	prom(out, "cache_stale_total", "counter",
	     "Lookups answered by an expired entry while LDAP was unreachable.",
	     (double)st->cache_stale);
	prom(out, "cache_evictions_total", "counter",
	     "Entries evicted to honour max_entries.", (double)st->cache_evictions);
	prom(out, "ldap_queries_total", "counter", "LDAP searches sent.",
	     (double)st->ldap_queries);
	prom(out, "ldap_errors_total", "counter", "LDAP searches that failed.",
	     (double)st->ldap_errors);
	prom(out, "ldap_timeouts_total", "counter",
	     "LDAP searches timed out and abandoned.", (double)st->ldap_timeouts);
	prom(out, "ldap_connect_failures_total", "counter",
	     "Failed LDAP connections or binds.", (double)st->ldap_connect_failures);
	prom(out, "ldap_servers_up", "gauge", "LDAP servers currently usable.",
	     (double)st->ldap_servers_up);
	prom(out, "ldap_networks", "gauge", "Allowlisted networks loaded from LDAP.",
	     (double)st->networks);
	prom(out, "ldap_network_load_failures_total", "counter",
	     "Failed bulk loads of the networks (the last good set is kept).",
	     (double)st->network_failures);
	stats_format_sync_prometheus(out, st);
}

/* --- the rate limits (SPEC §9) --------------------------------------- */

void stats_format_limits_line(struct strbuf *out, const struct limiter_stats *st)
{
	for (size_t i = 0; i < st->n_rules; i++) {
		const struct limit_rule_stats *r = &st->rules[i];

		strbuf_appendf(out,
		               " limit_%s_checks=%llu limit_%s_exceeded=%llu "
		               "limit_%s_alerts=%llu",
		               r->name, (unsigned long long)r->checks, r->name,
		               (unsigned long long)r->exceeded, r->name,
		               (unsigned long long)r->alerts);
	}
	if (st->shared)
		strbuf_appendf(out,
		               " limit_store_errors=%llu limit_fallback_checks=%llu "
		               "limit_fallback=%d",
		               (unsigned long long)st->store_errors,
		               (unsigned long long)st->fallback_checks,
		               st->fallback_active);
}

static void prom_rules(struct strbuf *out, const struct limiter_stats *st,
                       const char *name, const char *help, size_t field)
{
	strbuf_appendf(out, "# HELP relaymilter_%s %s\n# TYPE relaymilter_%s counter\n",
	               name, help, name);
	for (size_t i = 0; i < st->n_rules; i++) {
		const struct limit_rule_stats *r = &st->rules[i];
		uint64_t v = field == 0   ? r->checks
		             : field == 1 ? r->exceeded
		                          : r->alerts;

		strbuf_appendf(out, "relaymilter_%s{rule=\"%s\"} %llu\n", name, r->name,
		               (unsigned long long)v);
	}
}

void stats_format_limits_prometheus(struct strbuf *out, const struct limiter_stats *st)
{
	if (st->n_rules == 0)
		return;
	prom_rules(out, st, "limit_checks_total", "Checks of a rate limit.", 0);
	prom_rules(out, st, "limit_exceeded_total",
	           "Checks a rate limit refused (or held, or logged).", 1);
	prom_rules(out, st, "limit_alerts_total",
	           "Alerts event=limit-exceeded (once per key, rule and period).", 2);
	if (!st->shared)
		return;
	prom(out, "limit_store_errors_total", "counter",
	     "Rate-limit checks the shared store could not answer.",
	     (double)st->store_errors);
	prom(out, "limit_fallback_checks_total", "counter",
	     "Rate-limit checks decided on this host's memory counters while the "
	     "shared store could not answer.",
	     (double)st->fallback_checks);
	prom(out, "limit_fallback", "gauge",
	     "1 while the shared store is out (checks go to the fallback).",
	     (double)st->fallback_active);
}
