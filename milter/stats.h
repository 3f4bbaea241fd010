/*
 * stats: process-wide counters of decisions (by action and reason), answer
 * sources, and decision latency, updated lock-free with atomics. Logged on
 * SIGUSR2 and written as Prometheus text by stats_format_prometheus.
 */
#ifndef RM_STATS_H
#define RM_STATS_H

#include "lib/strbuf.h"
#include "policy/directory.h"
#include "policy/limits/limiter.h"
#include "policy/engine.h"

enum stats_action {
	STATS_ACCEPT,
	STATS_REJECT,
	STATS_TEMPFAIL,
	STATS_WOULD_REJECT,
	STATS_WOULD_TEMPFAIL,
	STATS_N_ACTIONS
};

/* Count one decision. */
void stats_record(enum stats_action action, enum verdict_reason reason,
                  enum dir_source source, double ms);
/* Count milter sessions (connections). */
void stats_session(void);
/* Decisions recorded so far (a cheap sign of load, for milter/kick.c). */
uint64_t stats_decisions(void);
/* Append the counters as one human log line (SIGUSR2). */
void stats_format_line(struct strbuf *out);
/* Append the counters in Prometheus text exposition format. */
void stats_format_prometheus(struct strbuf *out);
struct dir_stats;
/* Append the directory's cache and LDAP counters to the SIGUSR2 line. */
void stats_format_dir_line(struct strbuf *out, const struct dir_stats *st);
/* ... and in Prometheus text format. */
void stats_format_dir_prometheus(struct strbuf *out, const struct dir_stats *st);
/* The rate limits' counters (SPEC §9), on the line and as Prometheus text. */
void stats_format_limits_line(struct strbuf *out, const struct limiter_stats *st);
void stats_format_limits_prometheus(struct strbuf *out, const struct limiter_stats *st);
/* The name of an action for logs. */
const char *stats_action_name(enum stats_action action);

#endif
