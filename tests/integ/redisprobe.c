/*
 * redisprobe: drive the Redis rate-limit store (policy/limits/redisstore.c)
 * from a test script, one command per line on stdin, one answer line on
 * stdout. An op is KEY,MAX,PER,COST,FLAGS[,SUSPEND]: PER and SUSPEND with a
 * unit (s, the default, ms or us), FLAGS letters c (commit) and b
 * (blocking) or "-"; "s=KEY" names the check's suspension key.
 *   run OPS...      -> "ok|error|skipped ms=M refused=R until=U snow=S now=N
 *                       allowed=a,b rem=r,s retry=x,y tat=t,u" (error: why=...)
 *   peek OPS...     -> the same, through redisstore_peek
 *   cmp OPS...      -> run it, then memstore_run on a shadow memstore at the
 *                      Redis run's now: "same" or "differ WHAT"
 *   fuzz N SEED     -> N random checks on fz:* keys (reset first), each
 *                      compared as cmp: "fuzz same=N allowed=A refused=R
 *                      suspended=S" (ops allowed, checks refused,
 *                      suspensions written) or "fuzz differ at I: WHAT"
 *   hammer T N OP   -> T threads run OP N times each: "hammer allowed=K
 *                      refused=R errors=E skipped=S"
 *   reset KEY...    -> "ok|error|skipped ms=M"
 *   status          -> "status up=0|1 errors=N"
 *   wait_up SECONDS -> "up ms=M" once the breaker closed, or "down ms=M"
 *   parse SERVER    -> "parse ok" or "parse error WHY" (create, free)
 * Usage: redisprobe SERVER TIMEOUT PREFIX [PASSWORD_FILE]. Warnings go to
 * stderr; "ready" once the store is made.
 */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/monotime.h"
#include "policy/limits/memstore.h"
#include "policy/limits/redisstore.h"

#define MAX_OPS 16
#define MS 1000ULL
#define S 1000000ULL

struct spec {
	struct limit_op ops[MAX_OPS];
	char susp[LIMIT_KEY_MAX];
	struct limit_check c;
};

static struct redisstore *rs;
static struct memstore *shadow;

static const char *status_name(enum redisstore_status st)
{
	return st == REDISSTORE_OK        ? "ok"
	       : st == REDISSTORE_SKIPPED ? "skipped"
	                                  : "error";
}

/* "10" or "10s", "250ms", "7us". */
static bool parse_dur(const char *s, uint64_t *us_r)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s)
		return false;
	if (*end == '\0' || strcmp(end, "s") == 0)
		*us_r = v * S;
	else if (strcmp(end, "ms") == 0)
		*us_r = v * MS;
	else if (strcmp(end, "us") == 0)
		*us_r = v;
	else
		return false;
	return true;
}

static bool parse_op(char *tok, struct limit_op *op)
{
	char *f[6] = {NULL};
	int n = 0;

	for (char *save, *p = strtok_r(tok, ",", &save); p != NULL && n < 6;
	     p = strtok_r(NULL, ",", &save))
		f[n++] = p;
	if (n < 5 || strlen(f[0]) >= sizeof op->key)
		return false;
	memset(op, 0, sizeof *op);
	strcpy(op->key, f[0]);
	op->rule.max = strtoull(f[1], NULL, 10);
	op->cost = strtoull(f[3], NULL, 10);
	op->commit = strchr(f[4], 'c') != NULL;
	op->blocking = strchr(f[4], 'b') != NULL;
	return parse_dur(f[2], &op->rule.per_us) &&
	       (n < 6 || parse_dur(f[5], &op->suspend_us));
}

/* Tokens of LINE (after the command) into SP. */
static bool parse_spec(char *line, struct spec *sp)
{
	char *save, *tok;

	memset(sp, 0, sizeof *sp);
	sp->c.ops = sp->ops;
	for (tok = strtok_r(line, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (strncmp(tok, "s=", 2) == 0) {
			snprintf(sp->susp, sizeof sp->susp, "%s", tok + 2);
			sp->c.suspend_key = sp->susp;
		} else if (sp->c.n_ops == MAX_OPS ||
		           !parse_op(tok, &sp->ops[sp->c.n_ops++])) {
			return false;
		}
	}
	return true;
}

static void print_list(const char *name, const struct limit_check *c, int which)
{
	printf(" %s=", name);
	for (size_t i = 0; i < c->n_ops; i++) {
		const struct gcra_result *r = &c->ops[i].r;
		uint64_t v = which == 0   ? r->allowed
		             : which == 1 ? r->remaining
		             : which == 2 ? r->retry_after
		                          : r->tat;

		if (i > 0)
			putchar(',');
		if (v == UINT64_MAX)
			printf("inf");
		else
			printf("%" PRIu64, v);
	}
}

static void print_check(enum redisstore_status st, double ms, const struct limit_check *c,
                        const char *why)
{
	printf("%s ms=%.3f", status_name(st), ms);
	if (st != REDISSTORE_OK) {
		printf(" why=%s\n", why);
		return;
	}
	printf(" refused=%d until=%" PRIu64 " snow=%d now=%" PRIu64, c->refused,
	       c->suspended_until, c->suspended_now, c->now);
	print_list("allowed", c, 0);
	print_list("rem", c, 1);
	print_list("retry", c, 2);
	print_list("tat", c, 3);
	putchar('\n');
}

/* A TAT that has passed means "never seen" (0): Redis lets such a key
 * expire, the memstore keeps it until it needs the room, and either way a
 * check that takes nothing answers it back unchanged. */
static uint64_t past(uint64_t tat, uint64_t now)
{
	return tat <= now ? 0 : tat;
}

/* The first field where A (Redis) and B (memstore) differ, into OUT. */
static bool same_answers(const struct limit_check *a, const struct limit_check *b,
                         char *out, size_t size)
{
#define DIFF(what, x, y)                                                                 \
	if ((x) != (y)) {                                                                \
		snprintf(out, size, "%s redis=%" PRIu64 " memory=%" PRIu64, what,        \
		         (uint64_t)(x), (uint64_t)(y));                                  \
		return false;                                                            \
	}
	DIFF("refused", a->refused, b->refused);
	DIFF("suspended_until", a->suspended_until, b->suspended_until);
	DIFF("suspended_now", a->suspended_now, b->suspended_now);
	DIFF("now", a->now, b->now);
	for (size_t i = 0; i < a->n_ops; i++) {
		const struct gcra_result *x = &a->ops[i].r, *y = &b->ops[i].r;

		DIFF("allowed", x->allowed, y->allowed);
		DIFF("tat", past(x->tat, a->now), past(y->tat, b->now));
		DIFF("remaining", x->remaining, y->remaining);
		DIFF("retry_after", x->retry_after, y->retry_after);
		DIFF("expires", past(x->expires, a->now), past(y->expires, b->now));
	}
	return true;
#undef DIFF
}

/* Run SP in Redis, then on the shadow memstore at the same now. */
static bool compare(struct spec *sp, char *out, size_t size)
{
	struct spec mem = *sp;
	const char *why = "";
	enum redisstore_status st = redisstore_run(rs, &sp->c, &why);

	if (st != REDISSTORE_OK) {
		snprintf(out, size, "redis %s: %s", status_name(st), why);
		return false;
	}
	mem.c.ops = mem.ops;
	if (sp->c.suspend_key != NULL)
		mem.c.suspend_key = mem.susp;
	memstore_run(shadow, &mem.c, sp->c.now);
	return same_answers(&sp->c, &mem.c, out, size);
}

static const char *const fuzz_keys[] = {"fz:0", "fz:1", "fz:2", "fz:3", "fz:susp"};
#define N_FUZZ_KEYS 5

/* A random check on four keys with short periods, so that refills,
 * refusals and suspensions all happen. */
static void random_spec(struct spec *sp, unsigned *seed)
{
	memset(sp, 0, sizeof *sp);
	sp->c.ops = sp->ops;
	sp->c.n_ops = 1 + rand_r(seed) % 3;
	if (rand_r(seed) % 3 == 0) {
		strcpy(sp->susp, fuzz_keys[4]);
		sp->c.suspend_key = sp->susp;
	}
	for (size_t i = 0; i < sp->c.n_ops; i++) {
		struct limit_op *op = &sp->ops[i];

		strcpy(op->key, fuzz_keys[rand_r(seed) % 4]);
		op->rule.max = rand_r(seed) % 6;
		op->rule.per_us =
		    (uint64_t)(1 + rand_r(seed) % 8) * 100 * MS + rand_r(seed) % 7;
		op->cost = rand_r(seed) % 7;
		op->commit = rand_r(seed) % 4 != 0;
		op->blocking = rand_r(seed) % 3 != 0;
		op->suspend_us =
		    rand_r(seed) % 4 == 0 ? 300 * MS + rand_r(seed) % 1000 : 0;
	}
}

static void cmd_fuzz(char *arg)
{
	unsigned n = 0, seed = 0, allowed = 0, refused = 0, suspended = 0;
	const char *err = "";
	char why[200];
	struct spec sp;

	if (sscanf(arg, "%u %u", &n, &seed) != 2) {
		printf("fuzz usage\n");
		return;
	}
	/* both stores start from nothing */
	if (redisstore_reset(rs, fuzz_keys, N_FUZZ_KEYS, &err) != REDISSTORE_OK) {
		printf("fuzz reset %s\n", err);
		return;
	}
	for (int i = 0; i < N_FUZZ_KEYS; i++)
		memstore_reset(shadow, fuzz_keys[i]);
	for (unsigned i = 0; i < n; i++) {
		random_spec(&sp, &seed);
		if (!compare(&sp, why, sizeof why)) {
			printf("fuzz differ at %u: %s\n", i, why);
			return;
		}
		for (size_t j = 0; j < sp.c.n_ops; j++)
			allowed += sp.ops[j].r.allowed;
		refused += sp.c.refused;
		suspended += sp.c.suspended_now;
		if (rand_r(&seed) % 4 == 0)
			usleep((useconds_t)(rand_r(&seed) % 60000));
	}
	printf("fuzz same=%u allowed=%u refused=%u suspended=%u\n", n, allowed, refused,
	       suspended);
}

struct hammer {
	struct spec sp;
	unsigned n;
	unsigned allowed, refused, errors, skipped;
};

static void *hammer_main(void *arg)
{
	struct hammer *h = arg;
	const char *why;

	h->sp.c.ops = h->sp.ops;
	for (unsigned i = 0; i < h->n; i++) {
		enum redisstore_status st = redisstore_run(rs, &h->sp.c, &why);

		h->errors += st == REDISSTORE_ERROR;
		h->skipped += st == REDISSTORE_SKIPPED;
		if (st == REDISSTORE_OK && h->sp.ops[0].r.allowed)
			h->allowed++;
		else if (st == REDISSTORE_OK)
			h->refused++;
	}
	return NULL;
}

static void cmd_hammer(char *arg)
{
	struct hammer h[16];
	unsigned t = 0, n = 0, sum[4] = {0};
	char op[LIMIT_KEY_MAX + 64];
	pthread_t tid[16];

	if (sscanf(arg, "%u %u %400s", &t, &n, op) != 3 || t == 0 || t > 16) {
		printf("hammer usage\n");
		return;
	}
	for (unsigned i = 0; i < t; i++) {
		char copy[sizeof op];

		memset(&h[i], 0, sizeof h[i]);
		strcpy(copy, op);
		h[i].n = n;
		if (!parse_spec(copy, &h[i].sp)) {
			printf("hammer usage\n");
			return;
		}
	}
	for (unsigned i = 0; i < t; i++)
		pthread_create(&tid[i], NULL, hammer_main, &h[i]);
	for (unsigned i = 0; i < t; i++) {
		pthread_join(tid[i], NULL);
		sum[0] += h[i].allowed;
		sum[1] += h[i].refused;
		sum[2] += h[i].errors;
		sum[3] += h[i].skipped;
	}
	printf("hammer allowed=%u refused=%u errors=%u skipped=%u\n", sum[0], sum[1],
	       sum[2], sum[3]);
}

static void cmd_reset(char *arg)
{
	const char *keys[MAX_OPS], *why = "";
	char *save;
	size_t n = 0;
	double t0 = monotime_now();
	enum redisstore_status st;

	for (char *k = strtok_r(arg, " ", &save); k != NULL && n < MAX_OPS;
	     k = strtok_r(NULL, " ", &save))
		keys[n++] = k;
	st = redisstore_reset(rs, keys, n, &why);
	printf("%s ms=%.3f%s%s\n", status_name(st), (monotime_now() - t0) * 1e3,
	       st == REDISSTORE_OK ? "" : " why=", st == REDISSTORE_OK ? "" : why);
}

static void cmd_wait_up(const char *arg)
{
	double t0 = monotime_now(), end = t0 + atof(arg);

	while (!redisstore_up(rs) && monotime_now() < end)
		usleep(10000);
	printf("%s ms=%.1f\n", redisstore_up(rs) ? "up" : "down",
	       (monotime_now() - t0) * 1e3);
}

static void cmd_parse(const char *server)
{
	struct redisstore_params p = {server, NULL, 0.1, ""};
	const char *why = "";
	struct redisstore *r = redisstore_create(&p, &why);

	if (r != NULL)
		printf("parse ok\n");
	else
		printf("parse error %s\n", why);
	redisstore_free(r);
}

static void cmd_check(char *arg, bool peek)
{
	struct spec sp;
	const char *why = "";
	double t0;
	enum redisstore_status st;

	if (!parse_spec(arg, &sp)) {
		printf("usage: bad op\n");
		return;
	}
	t0 = monotime_now();
	st = peek ? redisstore_peek(rs, &sp.c, &why) : redisstore_run(rs, &sp.c, &why);
	print_check(st, (monotime_now() - t0) * 1e3, &sp.c, why);
}

static void run_command(char *cmd, char *arg)
{
	struct spec sp;
	char why[200];

	if (strcmp(cmd, "run") == 0 || strcmp(cmd, "peek") == 0)
		cmd_check(arg, cmd[0] == 'p');
	else if (strcmp(cmd, "cmp") == 0)
		printf("%s\n", !parse_spec(arg, &sp)           ? "usage: bad op"
		               : compare(&sp, why, sizeof why) ? "same"
		                                               : why);
	else if (strcmp(cmd, "fuzz") == 0)
		cmd_fuzz(arg);
	else if (strcmp(cmd, "hammer") == 0)
		cmd_hammer(arg);
	else if (strcmp(cmd, "reset") == 0)
		cmd_reset(arg);
	else if (strcmp(cmd, "status") == 0)
		printf("status up=%d errors=%" PRIu64 "\n", redisstore_up(rs),
		       redisstore_errors(rs));
	else if (strcmp(cmd, "wait_up") == 0)
		cmd_wait_up(arg);
	else if (strcmp(cmd, "parse") == 0)
		cmd_parse(arg);
	else
		printf("unknown command %s\n", cmd);
}

/* The first line of FILE, without its newline, or NULL. */
static char *read_password(const char *file)
{
	static char buf[256];
	FILE *f = fopen(file, "r");

	if (f == NULL || fgets(buf, sizeof buf, f) == NULL) {
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	struct redisstore_params p = {0};
	const char *why = "";
	char line[4096];

	if (argc < 4 || argc > 5) {
		fprintf(stderr,
		        "usage: redisprobe SERVER TIMEOUT PREFIX [PASSWORD_FILE]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN); /* as milter/main.c: hiredis writes with write(2) */
	log_setup("redisprobe", LOG_MAIL, false, true);
	setvbuf(stdout, NULL, _IOLBF, 0);
	p.server = argv[1];
	p.timeout = atof(argv[2]);
	p.prefix = argv[3];
	if (argc == 5 && (p.password = read_password(argv[4])) == NULL) {
		fprintf(stderr, "redisprobe: cannot read %s\n", argv[4]);
		return 2;
	}
	if ((rs = redisstore_create(&p, &why)) == NULL) {
		printf("create-error %s\n", why);
		return 1;
	}
	shadow = memstore_create(100000);
	printf("ready\n");
	while (fgets(line, sizeof line, stdin) != NULL) {
		char *arg, *cmd = line;

		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "quit") == 0)
			break;
		arg = line + strcspn(line, " ");
		if (*arg != '\0')
			*arg++ = '\0';
		run_command(cmd, arg);
	}
	memstore_free(shadow);
	redisstore_free(rs);
	return 0;
}
