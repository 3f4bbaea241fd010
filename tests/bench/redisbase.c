/*
 * redisbase: the baseline for Redis rate-limit checks. N threads run the
 * very check relaymilter's Redis store runs for one recipient, and time
 * each one:
 *
 *   redisbase -s SOCKET [-m bare|store] [-c CONNS] [-d SECONDS] [-r RANGE]
 *             [-M LOGIN_MAX] [-C CLIENT_MAX] [-P PREFIX] [-T TIMEOUT] [-l LABEL]
 *
 *   bare   (default) one hiredis context per thread on the unix socket,
 *          SCRIPT LOAD once, then synchronous EVALSHA calls: only the
 *          redisCommandArgv() round trip is timed (hiredis formats the
 *          command, writes it, reads and parses the reply); the answer is
 *          checked afterwards, untimed
 *   store  one store (redisstore_create) shared by the threads, as the
 *          daemon has one: redisstore_run() is timed (its pool, the
 *          arguments, EVALSHA, the reply checked and parsed)
 *
 * The script, its arguments and the reply check are relaymilter's own
 * (policy/limits/redis_script.h): the script text (its SHA1),
 * redis_script_args() and redis_script_parse() are the store's, byte for
 * byte.
 * One check = the RCPT check of an authenticated client under the three
 * rules of tests/bench/limits-bench.sh, in their order:
 *   login-rcpt-hour   login  rcpt  LOGIN_MAX (10000) per 3600 s   tempfail (commit)
 *   login-msg-day     login  msg   LOGIN_MAX per 86400 s          tempfail (asked only)
 *   client-rcpt-hour  client rcpt  CLIENT_MAX (1e9) per 3600 s    tempfail (commit)
 * keys "v1:{u:u<n>@example.org}:RULE" (n random in 0..RANGE-1, as
 * loadgen's "{s}") and "v1:{ip:203.0.113.9}:client-rcpt-hour", PREFIX
 * ("relaymilter:") in front, no suspension key (no suspend rule).
 *
 * Prints "RESULT label=... conns=... seconds=... decisions=... dec_per_s=...
 * mean_us=... p50_us=... p99_us=... p999_us=... max_us=... refused=...
 * errors=... cpu_us_per_dec=..." like the load generator (cpu_us_per_dec:
 * this process's CPU, user and system, per timed check). Exit 0, 2 when a call failed or
 * a check was refused, 64 on usage errors.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "policy/limits/redis_script.h"
#include "policy/limits/redisstore.h"
#include "tests/bench/latency.h"

#define OP_MAX_MAX 1000000000ULL /* the script's bound on max */

/* A bare connection: a context and the SHA1 SCRIPT LOAD answered. */
struct rconn {
	redisContext *ctx;
	char sha[41];
};

static void conn_free(struct rconn *k)
{
	if (k == NULL)
		return;
	if (k->ctx != NULL)
		redisFree(k->ctx);
	free(k);
}

#define BASE_MAX_CONNS 256
#define N_RULES 3

struct base {
	const char *path, *prefix, *label;
	bool store; /* -m store */
	int conns, seconds;
	unsigned long range;
	uint64_t login_max, client_max;
	double timeout;
	struct redisstore *rs; /* -m store: shared */
	atomic_int stop;
	pthread_barrier_t ready;
};

struct bworker {
	struct base *b;
	pthread_t tid;
	uint64_t rng;
	struct latvec lat;
	unsigned long refused, errors;
	char first_error[200];
};

static const struct {
	const char *name;
	bool login;  /* key login (else client) */
	bool commit; /* a rcpt rule takes one at RCPT; a msg rule only asks */
	double per;
} rules[N_RULES] = {
    {"login-rcpt-hour", true, true, 3600},
    {"login-msg-day", true, false, 86400},
    {"client-rcpt-hour", false, true, 3600},
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

/* The ops of one recipient's check for login u<N>@example.org, as
 * policy/limits/limiter.c's build_ops() fills them. */
static void fill_check(const struct base *b, unsigned long n, struct limit_op *ops,
                       struct limit_check *c)
{
	for (size_t i = 0; i < N_RULES; i++) {
		struct limit_op *op = &ops[i];

		memset(op, 0, sizeof *op);
		if (rules[i].login)
			snprintf(op->key, sizeof op->key, "v1:{u:u%lu@example.org}:%s", n,
			         rules[i].name);
		else
			snprintf(op->key, sizeof op->key, "v1:{ip:203.0.113.9}:%s",
			         rules[i].name);
		op->rule.max = rules[i].login ? b->login_max : b->client_max;
		op->rule.per_us = (uint64_t)(rules[i].per * 1e6);
		op->cost = 1;
		op->blocking = true;
		op->commit = rules[i].commit;
	}
	memset(c, 0, sizeof *c);
	c->ops = ops;
	c->n_ops = N_RULES;
}

static void worker_error(struct bworker *w, const char *what, const char *detail)
{
	if (w->errors++ == 0)
		snprintf(w->first_error, sizeof w->first_error, "%s: %s", what,
		         detail != NULL ? detail : "?");
}

/* bare: a context of our own, the script loaded. NULL on failure. */
static struct rconn *bare_open(struct bworker *w)
{
	struct rconn *k = xcalloc(1, sizeof *k);
	struct timeval tv = {2, 0};
	redisReply *rep;

	k->ctx = redisConnectUnixWithTimeout(w->b->path, tv);
	if (k->ctx == NULL || k->ctx->err) {
		worker_error(w, "connect",
		             k->ctx != NULL ? k->ctx->errstr : "out of memory");
		conn_free(k);
		return NULL;
	}
	rep = redisCommand(k->ctx, "SCRIPT LOAD %s", redis_script_text);
	if (rep == NULL || rep->type != REDIS_REPLY_STRING || rep->len != 40) {
		worker_error(w, "SCRIPT LOAD",
		             rep == NULL                      ? k->ctx->errstr
		             : rep->type == REDIS_REPLY_ERROR ? rep->str
		                                              : "malformed reply");
		freeReplyObject(rep);
		conn_free(k);
		return NULL;
	}
	memcpy(k->sha, rep->str, 41);
	freeReplyObject(rep);
	return k;
}

/* One bare check on K: only the EVALSHA round trip timed. */
static bool bare_check(struct bworker *w, struct rconn *k, struct limit_check *c)
{
	struct redis_args a;
	redisReply *rep;
	uint64_t t0, t1;
	bool ok;

	if (!redis_script_args(w->b->prefix, c, false, &a)) {
		worker_error(w, "redis_script_args", "operation out of bounds");
		return false;
	}
	a.argv[1] = k->sha;
	a.lens[1] = strlen(k->sha);
	t0 = now_ns();
	rep = redisCommandArgv(k->ctx, a.argc, a.argv, a.lens);
	t1 = now_ns();
	redis_args_free(&a);
	if (rep == NULL) {
		worker_error(w, "EVALSHA", k->ctx->errstr);
		return false;
	}
	ok = redis_script_parse(rep, c, false);
	if (!ok)
		worker_error(w, "EVALSHA",
		             rep->type == REDIS_REPLY_ERROR ? rep->str
		                                            : "malformed reply");
	freeReplyObject(rep);
	if (ok) {
		latvec_push(&w->lat, t1 - t0);
		w->refused += c->refused;
	}
	return ok;
}

/* One check through the store: redisstore_run() timed. */
static bool store_check(struct bworker *w, struct limit_check *c, bool timed)
{
	const char *err = NULL;
	enum redisstore_status st;
	uint64_t t0 = now_ns(), t1;

	st = redisstore_run(w->b->rs, c, &err);
	t1 = now_ns();
	if (st != REDISSTORE_OK) {
		worker_error(w, st == REDISSTORE_SKIPPED ? "skipped" : "error", err);
		return false;
	}
	if (timed) {
		latvec_push(&w->lat, t1 - t0);
		w->refused += c->refused;
	}
	return true;
}

static void *bworker_main(void *arg)
{
	struct bworker *w = arg;
	struct base *b = w->b;
	struct limit_op ops[N_RULES];
	struct limit_check c;
	struct rconn *k = NULL;
	bool up;

	/* Connected (and the script loaded) before the clock starts. */
	fill_check(b, 0, ops, &c);
	if (b->store)
		up = store_check(w, &c, false);
	else
		up = (k = bare_open(w)) != NULL;
	pthread_barrier_wait(&b->ready);
	while (up && !atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		fill_check(b, (unsigned long)(rng_next(&w->rng) % b->range), ops, &c);
		up = b->store ? store_check(w, &c, true) : bare_check(w, k, &c);
	}
	conn_free(k);
	return NULL;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int usage(void)
{
	fprintf(stderr,
	        "usage: redisbase -s SOCKET [-m bare|store] [-c CONNS] [-d SECONDS] "
	        "[-r RANGE] [-M LOGIN_MAX] [-C CLIENT_MAX] [-P PREFIX] [-T TIMEOUT] "
	        "[-l LABEL]\n");
	return 64;
}

int main(int argc, char **argv)
{
	struct base b = {.conns = 1,
	                 .seconds = 5,
	                 .range = 1000,
	                 .login_max = 10000,
	                 .client_max = 1000000000,
	                 .prefix = "relaymilter:",
	                 .timeout = 0.2,
	                 .label = "redisbase"};
	struct bworker *ws;
	struct latvec all = {0};
	unsigned long refused = 0, errors = 0;
	const char *first_error = NULL, *err = NULL;
	double elapsed, sum = 0, cpu;
	uint64_t t0;
	char server[600];
	int ch;

	while ((ch = getopt(argc, argv, "s:m:c:d:r:M:C:P:T:l:")) != -1) {
		switch (ch) {
		case 's':
			b.path = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "bare") != 0 && strcmp(optarg, "store") != 0)
				return usage();
			b.store = strcmp(optarg, "store") == 0;
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
		case 'M':
			b.login_max = strtoull(optarg, NULL, 10);
			break;
		case 'C':
			b.client_max = strtoull(optarg, NULL, 10);
			break;
		case 'P':
			b.prefix = optarg;
			break;
		case 'T':
			b.timeout = atof(optarg);
			break;
		case 'l':
			b.label = optarg;
			break;
		default:
			return usage();
		}
	}
	if (b.path == NULL || b.conns < 1 || b.conns > BASE_MAX_CONNS || b.seconds < 1 ||
	    b.seconds > 3600 || b.range < 1 || b.login_max < 1 ||
	    b.login_max > OP_MAX_MAX || b.client_max < 1 || b.client_max > OP_MAX_MAX ||
	    !(b.timeout > 0) || optind != argc)
		return usage();
	log_setup("redisbase", LOG_MAIL, false, true);
	if (b.store) {
		struct redisstore_params p = {
		    .server = server, .timeout = b.timeout, .prefix = b.prefix};

		snprintf(server, sizeof server, "unix:%s", b.path);
		if ((b.rs = redisstore_create(&p, &err)) == NULL) {
			fprintf(stderr, "redisbase: %s\n", err);
			return 64;
		}
	}
	atomic_init(&b.stop, 0);
	pthread_barrier_init(&b.ready, NULL, (unsigned)b.conns + 1);
	ws = xcalloc((size_t)b.conns, sizeof *ws);
	for (int i = 0; i < b.conns; i++) {
		ws[i].b = &b;
		ws[i].rng =
		    0x9e3779b97f4a7c15ull * (uint64_t)(i + 1) ^ (uint64_t)getpid();
		if (pthread_create(&ws[i].tid, NULL, bworker_main, &ws[i]) != 0)
			return 71;
	}
	pthread_barrier_wait(&b.ready);
	t0 = now_ns();
	cpu = cpu_seconds();
	sleep((unsigned)b.seconds);
	atomic_store(&b.stop, 1);
	for (int i = 0; i < b.conns; i++)
		pthread_join(ws[i].tid, NULL);
	elapsed = (now_ns() - t0) / 1e9;
	cpu = cpu_seconds() - cpu;
	for (int i = 0; i < b.conns; i++) {
		latvec_merge(&all, &ws[i].lat);
		refused += ws[i].refused;
		errors += ws[i].errors;
		if (first_error == NULL && ws[i].first_error[0])
			first_error = ws[i].first_error;
	}
	for (size_t i = 0; i < all.n; i++)
		sum += (double)all.ns[i];
	latvec_sort(&all);
	printf(
	    "RESULT label=%s conns=%d seconds=%.3f mode=%s decisions=%zu dec_per_s=%.1f "
	    "mean_us=%.1f p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f "
	    "refused=%lu errors=%lu cpu_us_per_dec=%.2f\n",
	    b.label, b.conns, elapsed, b.store ? "store" : "bare", all.n, all.n / elapsed,
	    all.n ? sum / (double)all.n / 1e3 : 0, latvec_percentile(&all, 50) / 1e3,
	    latvec_percentile(&all, 99) / 1e3, latvec_percentile(&all, 99.9) / 1e3,
	    all.n ? all.ns[all.n - 1] / 1e3 : 0, refused, errors,
	    all.n ? cpu * 1e6 / (double)all.n : 0);
	if (first_error)
		fprintf(stderr, "redisbase: first error: %s\n", first_error);
	for (int i = 0; i < b.conns; i++)
		latvec_free(&ws[i].lat);
	latvec_free(&all);
	free(ws);
	redisstore_free(b.rs);
	return errors || refused ? 2 : 0;
}
