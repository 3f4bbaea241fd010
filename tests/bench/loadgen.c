/*
 * loadgen: a milter-protocol load generator. N connections, one thread
 * each, speak the MTA side of the protocol as Postfix does (libmclient:
 * v6 negotiation, Postfix macro preset, the filter's setsymlist honoured)
 * and run SMTP sessions from an envelope file (see envfile.h):
 *
 *   per session:      CONNECT (client address of the envelope), HELO,
 *   T transactions:   MAIL, RCPT..., ABORT
 *   then              QUIT_NC (the socket is reused for the next session;
 *                     libmilter honours it at this message boundary), or
 *                     QUIT and a new socket every S sessions (-S).
 *
 *   loadgen -s SOCKET -e ENVFILE [-c CONNS] [-d SECONDS | -n TXNS]
 *           [-t TXNS_PER_SESSION] [-S SESSIONS_PER_SOCKET] [-r RANGE]
 *           [-p seq|random] [-T TIMEOUT_MS] [-L SLOW_MS] [-o] [-N] [-l LABEL] [-q]
 *
 * Every recipient reply is timed (the RCPT round trip: macros, command,
 * reply) and checked against the envelope's category (-o: a directory
 * outage is under way, 451 is acceptable where a lookup is needed; -N:
 * check nothing, for the null milter).
 * Output: a human summary on stdout, then one machine-readable line
 * "RESULT key=value ..." (see print_result). Exit 0 when every reply was
 * right and no request failed, 1 when some reply was wrong, 2 on request
 * errors (timeouts, lost connections), 64 on usage errors.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "tests/bench/envfile.h"
#include "tests/bench/latency.h"
#include "tests/milterclient/mclient.h"

#define EXIT_WRONG 1
#define EXIT_ERRORS 2
#define EXIT_USAGE 64
#define MAX_CONNS 1024
#define MAX_REPLY_KINDS 16
#define ADDR_MAX 512
#define MAX_SECONDS 3600
#define RECONNECT_PAUSE_NS 10000000L /* after a failed request, before retrying */
#define N_ERRCODES (MC_ERR_STATE + 1)

struct lg {
	const char *spec;
	struct envset envs;
	int conns;
	double seconds; /* duration mode, or the time limit in count mode */
	long txns;      /* count mode: transactions in all, else 0 */
	int txn_per_session;
	int sessions_per_socket; /* 0: reuse the socket forever */
	unsigned long range;
	bool seq;
	bool outage;
	bool nocheck; /* -N: the filter decides nothing (the null milter) */
	bool quiet;
	int timeout_ms;
	int slow_ms; /* -L: print each RCPT slower than this (0: none) */
	const char *label;
	atomic_long remaining; /* count mode */
	atomic_ulong seq_next;
	atomic_ulong seq_s_next; /* -p seq: "{s}" has a sequence of its own */
	atomic_int stop;
	pthread_barrier_t ready;
};

struct reply_count {
	char name[12];
	unsigned long n;
};

struct worker {
	struct lg *lg;
	int id;
	pthread_t tid;
	uint64_t rng;
	struct latvec lat;
	unsigned long txns, decisions, sessions, sockets, wrong;
	unsigned long errors[N_ERRCODES];
	struct reply_count replies[MAX_REPLY_KINDS];
	size_t n_replies;
	char first_wrong[300];
	char first_error[300];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: cheap, per thread, good enough to pick envelopes */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static unsigned long draw_n(struct worker *w)
{
	struct lg *lg = w->lg;

	if (lg->seq)
		return atomic_fetch_add_explicit(&lg->seq_next, 1, memory_order_relaxed) %
		       lg->range;
	return (unsigned long)(rng_next(&w->rng) % lg->range);
}

/* "{s}": one number per session; with -p seq, from its own sequence, so
 * that -p seq -t 1 -n N gives N sessions the numbers 0..N-1 once each. */
static unsigned long draw_s(struct worker *w)
{
	struct lg *lg = w->lg;

	if (lg->seq)
		return atomic_fetch_add_explicit(&lg->seq_s_next, 1,
		                                 memory_order_relaxed) %
		       lg->range;
	return (unsigned long)(rng_next(&w->rng) % lg->range);
}

/* The reply's short name: "continue", "550", "451", "reject", "noreply"... */
static const char *reply_name(const struct mclient_result *r)
{
	if (r->kind == MC_REPLYCODE)
		return r->code;
	return mclient_kind_name(r->kind);
}

static void count_reply(struct worker *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->n_replies; i++)
		if (strcmp(w->replies[i].name, name) == 0)
			break;
	if (i == w->n_replies) {
		if (i == MAX_REPLY_KINDS)
			name = "other", i = MAX_REPLY_KINDS - 1;
		else
			w->n_replies++;
		snprintf(w->replies[i].name, sizeof w->replies[i].name, "%s", name);
	}
	w->replies[i].n++;
}

static void check_reply(struct worker *w, const struct envelope *e, enum env_stage stage,
                        const char *addr, const struct mclient_result *r)
{
	const char *name = reply_name(r);

	if (w->lg->nocheck || env_reply_ok(e->cat, stage, name, w->lg->outage))
		return;
	if (w->wrong++ == 0)
		snprintf(w->first_wrong, sizeof w->first_wrong,
		         "%s client=%s auth=%s %s %s -> %s%s%s",
		         env_category_name(e->cat), e->client, e->auth ? e->auth : "-",
		         stage == ENV_MAIL ? "mail" : "rcpt", addr, name,
		         r->text ? " " : "", r->text ? r->text : "");
}

static void note_error(struct worker *w, struct mclient *mc, const char *what)
{
	enum mclient_errcode code = mclient_errcode(mc);

	if ((unsigned)code >= N_ERRCODES)
		code = MC_ERR_STATE;
	if (w->errors[code]++ == 0 && w->first_error[0] == '\0')
		snprintf(w->first_error, sizeof w->first_error, "%s: %s", what,
		         mclient_error(mc));
	mclient_close(mc);
}

/* Claim one transaction; false when the run is over. */
static bool claim_txn(struct lg *lg)
{
	if (atomic_load_explicit(&lg->stop, memory_order_relaxed))
		return false;
	if (lg->txns > 0 && atomic_fetch_sub(&lg->remaining, 1) <= 0) {
		atomic_store(&lg->stop, 1);
		return false;
	}
	return true;
}

static bool lg_slow(const struct lg *lg, uint64_t ns)
{
	return lg->slow_ms > 0 && ns >= (uint64_t)lg->slow_ms * 1000000u;
}

/* -L: one line per slow RCPT, with the wall-clock time it was sent (to
 * find the decision in the daemon's log) and how long the reply took. */
static void print_slow(const struct worker *w, const char *rcpt, uint64_t t0,
                       const struct mclient_result *r)
{
	struct timespec wall;
	double sent;

	clock_gettime(CLOCK_REALTIME, &wall);
	sent = wall.tv_sec + wall.tv_nsec / 1e9 - (now_ns() - t0) / 1e9;
	printf("SLOW conn=%d sent=%.6f us=%.0f rcpt=%s reply=%s\n", w->id, sent,
	       (now_ns() - t0) / 1e3, rcpt, reply_name(r));
	fflush(stdout);
}

/* One transaction: MAIL, RCPT..., ABORT. -1 on a request error. */
static int run_txn(struct worker *w, struct mclient *mc, const struct envelope *e,
                   unsigned long s)
{
	struct mclient_result res;
	char from[ADDR_MAX], rcpt[ADDR_MAX], bare[ADDR_MAX], auth[ADDR_MAX];
	const char *argv[2] = {NULL, NULL};
	int ret = -1;

	mclient_result_init(&res);
	if (!env_expand_session(e->from, draw_n(w), s, from, sizeof from))
		snprintf(from, sizeof from, "<>");
	if (e->auth && !env_expand_session(e->auth, 0, s, auth, sizeof auth))
		snprintf(auth, sizeof auth, "%s", e->auth);
	mclient_macro_set(mc, "{auth_authen}", e->auth ? auth : NULL);
	mclient_macro_set(mc, "{auth_type}", e->auth ? "PLAIN" : NULL);
	argv[0] = from;
	if (mclient_mail(mc, argv, &res) < 0) {
		note_error(w, mc, "mail");
		goto out;
	}
	if (res.kind != MC_CONTINUE) {
		count_reply(w, reply_name(&res));
		check_reply(w, e, ENV_MAIL, from, &res);
	} else {
		for (size_t i = 0; i < e->n_rcpts; i++) {
			uint64_t t0;
			size_t len;

			if (!env_expand_session(e->rcpts[i], draw_n(w), s, rcpt,
			                        sizeof rcpt))
				continue;
			/* {rcpt_addr} as Postfix sends it: the address without <> */
			len = strlen(rcpt);
			if (len >= 2 && rcpt[0] == '<' && rcpt[len - 1] == '>')
				snprintf(bare, sizeof bare, "%.*s", (int)(len - 2),
				         rcpt + 1);
			else
				snprintf(bare, sizeof bare, "%s", rcpt);
			mclient_macro_set(mc, "{rcpt_addr}", bare);
			argv[0] = rcpt;
			mclient_result_clear(&res);
			t0 = now_ns();
			if (mclient_rcpt(mc, argv, &res) < 0) {
				note_error(w, mc, "rcpt");
				goto out;
			}
			latvec_push(&w->lat, now_ns() - t0);
			if (lg_slow(w->lg, now_ns() - t0))
				print_slow(w, rcpt, t0, &res);
			w->decisions++;
			count_reply(w, reply_name(&res));
			check_reply(w, e, ENV_RCPT, rcpt, &res);
		}
	}
	mclient_result_clear(&res);
	if (mclient_abort(mc, &res) < 0) {
		note_error(w, mc, "abort");
		goto out;
	}
	w->txns++;
	ret = 0;
out:
	mclient_result_clear(&res);
	return ret;
}

/* One session on an open socket. -1 on a request error (socket closed). */
static int run_session(struct worker *w, struct mclient *mc, const struct envelope *e,
                       bool last_on_socket)
{
	struct lg *lg = w->lg;
	struct mclient_result res;
	char hostname[] = "client.bench.test";
	int ret = -1, t;
	unsigned long s = 0;

	mclient_result_init(&res);
	mclient_macro_set(mc, "_", "client.bench.test [unknown]");
	if (mclient_connect(mc, hostname, e->family, 40000, e->client, &res) < 0) {
		note_error(w, mc, "connect");
		goto out;
	}
	mclient_result_clear(&res);
	if (mclient_helo(mc, hostname, &res) < 0) {
		note_error(w, mc, "helo");
		goto out;
	}
	w->sessions++;
	for (t = 0; t < lg->txn_per_session && claim_txn(lg); t++) {
		/* drawn with the first claimed transaction: a session the end of
		 * the run leaves empty uses up no number of -p seq */
		if (t == 0 && env_has_session(e))
			s = draw_s(w);
		if (run_txn(w, mc, e, s) < 0)
			goto out;
	}
	mclient_result_clear(&res);
	/*
	 * QUIT_NC only at a message boundary: a session that ran no transaction
	 * (the run ended first) is closed with a plain QUIT instead.
	 */
	if (last_on_socket || t == 0 || atomic_load(&lg->stop)) {
		if (mclient_quit(mc, &res) < 0)
			note_error(w, mc, "quit");
		mclient_close(mc);
	} else if (mclient_quit_nc(mc, &res) < 0) {
		note_error(w, mc, "quit_nc");
		goto out;
	}
	ret = 0;
out:
	mclient_result_clear(&res);
	return ret;
}

static struct mclient *client_new(const struct lg *lg)
{
	struct mclient_options o;

	mclient_options_init(&o);
	o.connect_timeout_ms = lg->timeout_ms;
	o.command_timeout_ms = lg->timeout_ms;
	o.preset = MC_PRESET_POSTFIX;
	return mclient_new(&o);
}

static void pause_briefly(void)
{
	struct timespec ts = {0, RECONNECT_PAUSE_NS};

	nanosleep(&ts, NULL);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct lg *lg = w->lg;
	struct mclient *mc = client_new(lg);
	int on_socket = 0;

	/* Open before the barrier, so the clock starts with every socket up. */
	if (mclient_open(mc, lg->spec) < 0)
		note_error(w, mc, "open");
	else
		w->sockets++;
	pthread_barrier_wait(&lg->ready);
	while (!atomic_load_explicit(&lg->stop, memory_order_relaxed)) {
		const struct envelope *e = &lg->envs.v[rng_next(&w->rng) % lg->envs.n];
		bool last;

		if (!mclient_is_open(mc)) {
			if (mclient_open(mc, lg->spec) < 0) {
				note_error(w, mc, "open");
				pause_briefly();
				continue;
			}
			w->sockets++;
			on_socket = 0;
		}
		last =
		    lg->sessions_per_socket > 0 && ++on_socket >= lg->sessions_per_socket;
		if (run_session(w, mc, e, last) < 0)
			pause_briefly();
	}
	if (mclient_is_open(mc)) {
		struct mclient_result res;

		mclient_result_init(&res);
		(void)mclient_quit(mc, &res);
		mclient_result_clear(&res);
	}
	mclient_free(mc);
	return NULL;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void merge_replies(struct worker *all, struct reply_count *out, size_t *n_out,
                          const struct worker *w)
{
	(void)all;
	for (size_t i = 0; i < w->n_replies; i++) {
		size_t j;

		for (j = 0; j < *n_out && strcmp(out[j].name, w->replies[i].name) != 0;
		     j++)
			;
		if (j == *n_out) {
			if (j == MAX_REPLY_KINDS)
				continue;
			out[(*n_out)++] = w->replies[i];
		} else {
			out[j].n += w->replies[i].n;
		}
	}
}

static const char *const errcode_names[N_ERRCODES] = {
    "none", "connect", "timeout", "closed", "io", "protocol", "state",
};

/* Sum up, print the human summary and the RESULT line; the exit status. */
static int report(struct lg *lg, struct worker *ws, double elapsed, double cpu)
{
	struct latvec all = {0};
	struct reply_count replies[MAX_REPLY_KINDS];
	size_t n_replies = 0;
	unsigned long txns = 0, decisions = 0, sessions = 0, sockets = 0, wrong = 0;
	unsigned long errors[N_ERRCODES] = {0}, n_err = 0;
	const char *first_wrong = NULL, *first_error = NULL;
	double us[4], sum = 0;

	for (int i = 0; i < lg->conns; i++) {
		struct worker *w = &ws[i];

		txns += w->txns;
		decisions += w->decisions;
		sessions += w->sessions;
		sockets += w->sockets;
		wrong += w->wrong;
		for (int k = 1; k < N_ERRCODES; k++) {
			errors[k] += w->errors[k];
			n_err += w->errors[k];
		}
		if (first_wrong == NULL && w->first_wrong[0])
			first_wrong = w->first_wrong;
		if (first_error == NULL && w->first_error[0])
			first_error = w->first_error;
		latvec_merge(&all, &w->lat);
		merge_replies(ws, replies, &n_replies, w);
	}
	for (size_t i = 0; i < all.n; i++)
		sum += (double)all.ns[i];
	latvec_sort(&all);
	us[0] = latvec_percentile(&all, 50) / 1e3;
	us[1] = latvec_percentile(&all, 99) / 1e3;
	us[2] = latvec_percentile(&all, 99.9) / 1e3;
	us[3] = all.n ? all.ns[all.n - 1] / 1e3 : 0;
	if (elapsed <= 0)
		elapsed = 1e-9;
	if (!lg->quiet) {
		printf("%s: %d connection(s), %.2f s: %lu transactions (%.0f/s), %lu "
		       "sessions, "
		       "%lu sockets\n",
		       lg->label, lg->conns, elapsed, txns, txns / elapsed, sessions,
		       sockets);
		printf("  recipient decisions: %lu (%.0f/s); latency p50 %.1f us, p99 "
		       "%.1f us, "
		       "p99.9 %.1f us, max %.1f us\n",
		       decisions, decisions / elapsed, us[0], us[1], us[2], us[3]);
		printf("  replies:");
		for (size_t i = 0; i < n_replies; i++)
			printf(" %s=%lu", replies[i].name, replies[i].n);
		printf("\n  wrong replies: %lu%s%s\n", wrong,
		       first_wrong ? "; first: " : "", first_wrong ? first_wrong : "");
		printf("  request errors: %lu", n_err);
		for (int k = 1; k < N_ERRCODES; k++)
			if (errors[k])
				printf(" %s=%lu", errcode_names[k], errors[k]);
		printf("%s%s\n", first_error ? "; first: " : "",
		       first_error ? first_error : "");
		printf("  generator CPU: %.2f s (%.0f%% of one core)\n", cpu,
		       100 * cpu / elapsed);
	}
	printf(
	    "RESULT label=%s conns=%d seconds=%.3f txns=%lu txn_per_s=%.1f decisions=%lu "
	    "dec_per_s=%.1f mean_us=%.1f p50_us=%.1f p99_us=%.1f p999_us=%.1f "
	    "max_us=%.1f "
	    "sessions=%lu "
	    "sockets=%lu wrong=%lu errors=%lu",
	    lg->label, lg->conns, elapsed, txns, txns / elapsed, decisions,
	    decisions / elapsed, all.n ? sum / (double)all.n / 1e3 : 0, us[0], us[1],
	    us[2], us[3], sessions, sockets, wrong, n_err);
	for (int k = 1; k < N_ERRCODES; k++)
		if (errors[k])
			printf(" err_%s=%lu", errcode_names[k], errors[k]);
	for (size_t i = 0; i < n_replies; i++)
		printf(" reply_%s=%lu", replies[i].name, replies[i].n);
	printf(" gen_cpu_pct=%.0f\n", 100 * cpu / elapsed);
	fflush(stdout);
	latvec_free(&all);
	if (wrong)
		return EXIT_WRONG;
	return n_err ? EXIT_ERRORS : 0;
}

static void usage(FILE *fp)
{
	fprintf(
	    fp,
	    "usage: loadgen -s SOCKET -e ENVFILE [-c CONNS] [-d SECONDS | -n TXNS]\n"
	    "               [-t TXNS_PER_SESSION] [-S SESSIONS_PER_SOCKET] [-r RANGE]\n"
	    "               [-p seq|random] [-T TIMEOUT_MS] [-L SLOW_MS] [-o] [-N]\n"
	    "               [-l LABEL] [-q]\n");
}

static long num_arg(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "loadgen: bad %s '%s' (%ld..%ld)\n", what, s, min, max);
		exit(EXIT_USAGE);
	}
	return v;
}

static void parse_args(struct lg *lg, int argc, char **argv)
{
	const char *envfile = NULL;
	char err[512];
	int ch;

	lg->conns = 1;
	lg->seconds = 0;
	lg->txn_per_session = 5;
	lg->range = 1000;
	lg->timeout_ms = 10000;
	lg->label = "run";
	while ((ch = getopt(argc, argv, "s:e:c:d:n:t:S:r:p:T:L:oNl:qh")) != -1) {
		switch (ch) {
		case 's':
			lg->spec = optarg;
			break;
		case 'e':
			envfile = optarg;
			break;
		case 'c':
			lg->conns =
			    (int)num_arg(optarg, 1, MAX_CONNS, "connection count");
			break;
		case 'd':
			lg->seconds = (double)num_arg(optarg, 1, MAX_SECONDS, "duration");
			break;
		case 'n':
			lg->txns = num_arg(optarg, 1, 1000000000L, "transaction count");
			break;
		case 't':
			lg->txn_per_session =
			    (int)num_arg(optarg, 1, 1000000, "transactions per session");
			break;
		case 'S':
			lg->sessions_per_socket =
			    (int)num_arg(optarg, 0, 1000000, "sessions per socket");
			break;
		case 'r':
			lg->range =
			    (unsigned long)num_arg(optarg, 1, 1000000000L, "range");
			break;
		case 'p':
			if (strcmp(optarg, "seq") != 0 && strcmp(optarg, "random") != 0) {
				usage(stderr);
				exit(EXIT_USAGE);
			}
			lg->seq = strcmp(optarg, "seq") == 0;
			break;
		case 'T':
			lg->timeout_ms = (int)num_arg(optarg, 10, 600000, "timeout");
			break;
		case 'L':
			lg->slow_ms = (int)num_arg(optarg, 1, 600000, "slow threshold");
			break;
		case 'o':
			lg->outage = true;
			break;
		case 'N':
			lg->nocheck = true;
			break;
		case 'l':
			lg->label = optarg;
			break;
		case 'q':
			lg->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	if (lg->spec == NULL || envfile == NULL || optind != argc) {
		usage(stderr);
		exit(EXIT_USAGE);
	}
	if (lg->seconds == 0 && lg->txns == 0)
		lg->seconds = 10;
	if (lg->seconds == 0)
		lg->seconds = MAX_SECONDS; /* count mode: still bounded in time */
	if (envset_load(&lg->envs, envfile, err, sizeof err) < 0) {
		fprintf(stderr, "loadgen: %s\n", err);
		exit(EXIT_USAGE);
	}
}

int main(int argc, char **argv)
{
	struct lg lg;
	struct worker *ws;
	uint64_t t0, deadline;
	double cpu0;
	int rc;

	memset(&lg, 0, sizeof lg);
	parse_args(&lg, argc, argv);
	atomic_init(&lg.remaining, lg.txns);
	atomic_init(&lg.seq_next, 0);
	atomic_init(&lg.seq_s_next, 0);
	atomic_init(&lg.stop, 0);
	pthread_barrier_init(&lg.ready, NULL, (unsigned)lg.conns + 1);
	ws = xcalloc((size_t)lg.conns, sizeof *ws);
	for (int i = 0; i < lg.conns; i++) {
		ws[i].lg = &lg;
		ws[i].id = i;
		ws[i].rng =
		    0x9e3779b97f4a7c15ull * (uint64_t)(i + 1) ^ (uint64_t)getpid();
		if (pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]) != 0) {
			fprintf(stderr, "loadgen: pthread_create failed\n");
			exit(EXIT_ERRORS);
		}
	}
	pthread_barrier_wait(&lg.ready);
	t0 = now_ns();
	cpu0 = cpu_seconds();
	deadline = t0 + (uint64_t)(lg.seconds * 1e9);
	/* Sleep in short steps: count mode ends when the workers say so. */
	while (!atomic_load(&lg.stop) && now_ns() < deadline) {
		struct timespec ts = {0, 5000000};

		nanosleep(&ts, NULL);
	}
	atomic_store(&lg.stop, 1);
	for (int i = 0; i < lg.conns; i++)
		pthread_join(ws[i].tid, NULL);
	rc = report(&lg, ws, (now_ns() - t0) / 1e9, cpu_seconds() - cpu0);
	for (int i = 0; i < lg.conns; i++)
		latvec_free(&ws[i].lat);
	free(ws);
	envset_free(&lg.envs);
	pthread_barrier_destroy(&lg.ready);
	return rc;
}
