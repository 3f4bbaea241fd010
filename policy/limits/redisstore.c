/*
 * redisstore: see redisstore.h. Entry points: redisstore_create, _free,
 * _run, _peek, _reset, _up, _errors. The caller owns the parameters (they
 * are copied) and the checks; the store owns its connections and prober.
 * What a check is on the wire (the Lua script, its arguments, its answer)
 * is redis_script.c's.
 *
 * Failures: a failed call (connect, AUTH, I/O, timeout, an error reply, a
 * malformed reply) frees its connection, counts an error and opens the
 * breaker, logging once per outage. An op out of the script's bounds is an
 * ERROR that asks and opens nothing. hiredis writes with write(2): the
 * process ignores SIGPIPE (milter/main.c does). A TCP host name is looked
 * up by getaddrinfo, outside the timeout: name the server by address.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "lib/escape.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "policy/limits/redis_script.h"
#include "policy/limits/redisstore.h"

#define POOL_MAX 64        /* connections, idle and busy together */
#define PROBE_INTERVAL 0.5 /* seconds between probes while the breaker is open */
#define MIN_WAIT 0.001     /* less time left is a timeout (0 is "none" to hiredis) */

/* How much longer than the time left a socket timeout may stay set. */
#define TIMEOUT_SLACK 0.005

struct rconn {
	redisContext *ctx;
	unsigned gen; /* the pool's generation it was made in */
	bool broken;  /* no reply came: it is freed, never pooled */
	char sha[41]; /* the script's SHA1, as SCRIPT LOAD answered */
	double wait;  /* the socket's timeout now, seconds (0: not set) */
};

/* Why a call failed: WHY for the caller (static text), DETAIL for the log. */
struct fail {
	const char *why;
	char detail[200];
};

struct redisstore {
	char *server, *password, *prefix;
	char *path; /* unix socket, or NULL */
	char *host; /* TCP, or NULL */
	int port;
	double timeout;

	pthread_mutex_t lock; /* the pool, the generation, the breaker's edges */
	pthread_cond_t freed; /* a connection went back or away */
	struct rconn *idle[POOL_MAX];
	size_t n_idle, n_conns;
	unsigned gen; /* bumped when the breaker opens: older connections go */
	double opened_at;
	atomic_bool open;
	atomic_uint_least64_t errors;

	pthread_t prober;
	pthread_cond_t wake; /* for the prober: the breaker opened, or stop */
	bool stopping;
};

static void fail_set(struct fail *f, const char *why, const char *detail)
{
	f->why = why;
	snprintf(f->detail, sizeof f->detail, "%s", detail != NULL ? detail : "-");
}

/* No reply came on CTX: a timeout, a lost connection or garbage. */
static void fail_ctx(struct fail *f, const redisContext *ctx, double deadline)
{
	const char *why = "connection lost";

	if (ctx->err == REDIS_ERR_PROTOCOL)
		why = "protocol error";
	else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ETIMEDOUT ||
	         monotime_now() >= deadline - MIN_WAIT)
		why = "timed out";
	fail_set(f, why, ctx->errstr);
}

/* A reply that is not what the command should answer. */
static void fail_reply(struct fail *f, const char *why, const redisReply *rep)
{
	bool text = rep->type == REDIS_REPLY_ERROR || rep->type == REDIS_REPLY_STATUS ||
	            rep->type == REDIS_REPLY_STRING;

	fail_set(f, why, text ? rep->str : "unexpected reply type");
}

static void conn_free(struct rconn *k)
{
	if (k == NULL)
		return;
	redisFree(k->ctx);
	free(k);
}

/* Send ARGV on K, waiting until DEADLINE at most. NULL (F set) when no reply
 * came; an error reply is a reply. */
static redisReply *command(struct rconn *k, double deadline, int argc, const char **argv,
                           const size_t *lens, struct fail *f)
{
	double left = deadline - monotime_now();
	redisReply *rep;

	if (left < MIN_WAIT) {
		fail_set(f, "timed out", "no time left");
		return NULL;
	}
	errno = 0;
	/* Two setsockopt calls per command otherwise: the timeout set stays
	 * while it is at most TIMEOUT_SLACK longer than the time left. */
	if (!(k->wait >= left && k->wait - left <= TIMEOUT_SLACK)) {
		if (redisSetTimeout(k->ctx, monotime_timeval(left)) != REDIS_OK) {
			k->broken = true;
			fail_ctx(f, k->ctx, deadline);
			return NULL;
		}
		k->wait = left;
	}
	if ((rep = redisCommandArgv(k->ctx, argc, argv, lens)) == NULL) {
		k->broken = true;
		fail_ctx(f, k->ctx, deadline);
		return NULL;
	}
	return rep;
}

/* Send ARGV (NULL-terminated, three at most); true when the reply is of
 * TYPE, else F says WHY (the server never echoes AUTH's password). */
static bool expect(struct rconn *k, double deadline, const char **argv, int type,
                   const char *why, struct fail *f)
{
	size_t lens[3];
	int n = 0;
	redisReply *rep;
	bool ok;

	for (; argv[n] != NULL && n < 3; n++)
		lens[n] = strlen(argv[n]);
	rep = command(k, deadline, n, argv, lens, f);
	ok = rep != NULL && rep->type == type;
	if (rep != NULL && !ok)
		fail_reply(f, why, rep);
	freeReplyObject(rep);
	return ok;
}

/* Load the script on K's server and remember its SHA1. */
static bool script_load(struct rconn *k, double deadline, struct fail *f)
{
	const char *argv[3] = {"SCRIPT", "LOAD", redis_script_text};
	size_t lens[3] = {6, 4, strlen(redis_script_text)};
	redisReply *rep = command(k, deadline, 3, argv, lens, f);
	bool ok = rep != NULL && rep->type == REDIS_REPLY_STRING &&
	          rep->len == sizeof k->sha - 1;

	if (ok)
		memcpy(k->sha, rep->str, sizeof k->sha);
	else if (rep != NULL)
		fail_reply(f, "SCRIPT LOAD failed", rep);
	freeReplyObject(rep);
	return ok;
}

/* A new connection, authenticated, the script loaded, before DEADLINE. */
static struct rconn *conn_open(const struct redisstore *rs, double deadline,
                               struct fail *f)
{
	const char *auth[] = {"AUTH", rs->password, NULL};
	double left = deadline - monotime_now();
	struct timeval tv = monotime_timeval(left);
	redisContext *ctx;
	struct rconn *k;

	if (left < MIN_WAIT) {
		fail_set(f, "timed out", "no time left to connect");
		return NULL;
	}
	errno = 0;
	ctx = rs->path != NULL ? redisConnectUnixWithTimeout(rs->path, tv)
	                       : redisConnectWithTimeout(rs->host, rs->port, tv);
	if (ctx == NULL || ctx->err) {
		fail_set(f,
		         monotime_now() >= deadline - MIN_WAIT ? "timed out"
		                                               : "cannot connect",
		         ctx != NULL ? ctx->errstr : "out of memory");
		redisFree(ctx);
		return NULL;
	}
	k = xcalloc(1, sizeof *k);
	k->ctx = ctx;
	if ((rs->password == NULL ||
	     expect(k, deadline, auth, REDIS_REPLY_STATUS, "AUTH refused", f)) &&
	    script_load(k, deadline, f))
		return k;
	conn_free(k);
	return NULL;
}

/* A connection for one call: an idle one, a new one or, at the cap, one
 * given back before DEADLINE. *GEN_R: the generation the call belongs to. */
static struct rconn *pool_take(struct redisstore *rs, double deadline, unsigned *gen_r,
                               struct fail *f)
{
	struct timespec ts = monotime_timespec(deadline);
	struct rconn *k = NULL;
	bool make = false;
	int rc = 0;

	pthread_mutex_lock(&rs->lock);
	while (rs->n_idle == 0 && rs->n_conns >= POOL_MAX && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&rs->freed, &rs->lock, &ts);
	if (rs->n_idle > 0)
		k = rs->idle[--rs->n_idle];
	else if (rs->n_conns < POOL_MAX) {
		rs->n_conns++;
		make = true;
	}
	*gen_r = k != NULL ? k->gen : rs->gen;
	pthread_mutex_unlock(&rs->lock);
	if (make && (k = conn_open(rs, deadline, f)) == NULL) {
		pthread_mutex_lock(&rs->lock);
		rs->n_conns--;
		pthread_cond_signal(&rs->freed);
		pthread_mutex_unlock(&rs->lock);
	} else if (make) {
		k->gen = *gen_r;
	} else if (k == NULL) {
		fail_set(f, "timed out", "every connection busy");
	}
	return k;
}

/* Give K back: pooled when sound and of the current generation. */
static void pool_give(struct redisstore *rs, struct rconn *k)
{
	pthread_mutex_lock(&rs->lock);
	if (!k->broken && k->gen == rs->gen) {
		rs->idle[rs->n_idle++] = k;
		k = NULL;
	} else {
		rs->n_conns--;
	}
	pthread_cond_signal(&rs->freed);
	pthread_mutex_unlock(&rs->lock);
	conn_free(k);
}

/* A call of generation GEN failed. The first failure of an outage opens
 * the breaker, drops the idle connections and wakes the prober; a late
 * failure of an older generation only counts. */
static void breaker_trip(struct redisstore *rs, unsigned gen, const struct fail *f)
{
	struct rconn *drop[POOL_MAX];
	struct strbuf detail;
	size_t n = 0;
	bool opened = false;

	atomic_fetch_add(&rs->errors, 1);
	pthread_mutex_lock(&rs->lock);
	if (gen == rs->gen && !atomic_load(&rs->open)) {
		atomic_store(&rs->open, true);
		opened = true;
		rs->gen++;
		rs->opened_at = monotime_now();
		n = rs->n_idle;
		memcpy(drop, rs->idle, n * sizeof *drop);
		rs->n_conns -= n;
		rs->n_idle = 0;
		pthread_cond_signal(&rs->wake);
		pthread_cond_broadcast(&rs->freed); /* room for new connections */
	}
	pthread_mutex_unlock(&rs->lock);
	for (size_t i = 0; i < n; i++)
		conn_free(drop[i]);
	if (!opened)
		return;
	strbuf_init(&detail);
	escape_log_value(&detail, f->detail); /* error replies come from the network */
	msg_warn("limits: redis store %s: %s: %s; not asked until it answers again",
	         rs->server, f->why, detail.data);
	strbuf_free(&detail);
}

/* The prober's connection K answered: close the breaker, pool K. */
static void breaker_close(struct redisstore *rs, struct rconn *k)
{
	double down;

	pthread_mutex_lock(&rs->lock);
	down = monotime_now() - rs->opened_at;
	k->gen = rs->gen;
	if (rs->n_conns < POOL_MAX) {
		rs->idle[rs->n_idle++] = k;
		rs->n_conns++;
		k = NULL;
	}
	atomic_store(&rs->open, false);
	pthread_mutex_unlock(&rs->lock);
	conn_free(k);
	msg_info("limits: redis store %s: answering again after %.1fs", rs->server, down);
}

/* Connect, AUTH, SCRIPT LOAD and PING within the timeout. */
static void probe_once(struct redisstore *rs)
{
	double deadline = monotime_now() + rs->timeout;
	const char *ping[] = {"PING", NULL};
	struct fail f;
	struct rconn *k = conn_open(rs, deadline, &f);

	if (k != NULL && expect(k, deadline, ping, REDIS_REPLY_STATUS, "PING failed", &f))
		breaker_close(rs, k);
	else
		conn_free(k);
}

static void *prober_main(void *arg)
{
	struct redisstore *rs = arg;
	double next;

	pthread_mutex_lock(&rs->lock);
	while (!rs->stopping) {
		if (!atomic_load(&rs->open)) {
			pthread_cond_wait(&rs->wake, &rs->lock);
			continue;
		}
		next = monotime_now() + PROBE_INTERVAL;
		while (!rs->stopping && monotime_now() < next) {
			struct timespec ts = monotime_timespec(next);

			pthread_cond_timedwait(&rs->wake, &rs->lock, &ts);
		}
		if (rs->stopping)
			break;
		/* never hold the lock across network I/O */
		pthread_mutex_unlock(&rs->lock);
		probe_once(rs);
		pthread_mutex_lock(&rs->lock);
	}
	pthread_mutex_unlock(&rs->lock);
	return NULL;
}

/* EVALSHA on K; after NOSCRIPT (a restarted or flushed server), load the
 * script again and retry once. An error reply is a failure. */
static redisReply *script_eval(struct rconn *k, double deadline, struct redis_args *a,
                               struct fail *f)
{
	redisReply *rep = NULL;

	for (int try = 0; try < 2; try++) {
		a->argv[1] = k->sha;
		a->lens[1] = strlen(k->sha);
		rep = command(k, deadline, a->argc, a->argv, a->lens, f);
		if (rep == NULL || rep->type != REDIS_REPLY_ERROR)
			return rep;
		if (try > 0 || strncmp(rep->str, "NOSCRIPT", 8) != 0)
			break;
		freeReplyObject(rep);
		rep = NULL;
		if (!script_load(k, deadline, f))
			return NULL;
	}
	if (rep != NULL)
		fail_reply(f, "script failed", rep);
	freeReplyObject(rep);
	return NULL;
}

struct check_call {
	struct limit_check *c;
	bool peek;
};

static bool do_check(struct rconn *k, double deadline, struct redis_args *a, void *arg,
                     struct fail *f)
{
	struct check_call *cc = arg;
	redisReply *rep = script_eval(k, deadline, a, f);
	bool ok = rep != NULL && redis_script_parse(rep, cc->c, cc->peek);

	if (rep != NULL && !ok)
		fail_set(f, "unexpected reply", "malformed answer of the script");
	freeReplyObject(rep);
	return ok;
}

static bool do_del(struct rconn *k, double deadline, struct redis_args *a, void *arg,
                   struct fail *f)
{
	redisReply *rep = command(k, deadline, a->argc, a->argv, a->lens, f);
	bool ok = rep != NULL && rep->type == REDIS_REPLY_INTEGER;

	(void)arg;
	if (rep != NULL && !ok)
		fail_reply(f, "DEL failed", rep);
	freeReplyObject(rep);
	return ok;
}

/* One call: a connection, DO with A (freed) on it, the connection back; a
 * failure counts and trips the breaker. */
static enum redisstore_status
call(struct redisstore *rs, struct redis_args *a,
     bool (*do_fn)(struct rconn *, double, struct redis_args *, void *, struct fail *),
     void *arg, const char **error_r)
{
	double deadline = monotime_now() + rs->timeout;
	struct fail f = {"failed", ""};
	unsigned gen;
	struct rconn *k = pool_take(rs, deadline, &gen, &f);
	bool ok = k != NULL && do_fn(k, deadline, a, arg, &f);

	redis_args_free(a);
	if (k != NULL) {
		k->broken |= !ok;
		pool_give(rs, k);
	}
	if (ok)
		return REDISSTORE_OK;
	breaker_trip(rs, gen, &f);
	*error_r = f.why;
	return REDISSTORE_ERROR;
}

static enum redisstore_status check(struct redisstore *rs, struct limit_check *c,
                                    bool peek, const char **error_r)
{
	struct check_call cc = {c, peek};
	struct redis_args a;

	if (atomic_load(&rs->open)) {
		*error_r = "skipped: the store is not answering";
		return REDISSTORE_SKIPPED;
	}
	if (!redis_script_args(rs->prefix, c, peek, &a)) {
		*error_r = "operation out of bounds";
		return REDISSTORE_ERROR;
	}
	return call(rs, &a, do_check, &cc, error_r);
}

enum redisstore_status redisstore_run(struct redisstore *rs, struct limit_check *c,
                                      const char **error_r)
{
	return check(rs, c, false, error_r);
}

enum redisstore_status redisstore_peek(struct redisstore *rs, struct limit_check *c,
                                       const char **error_r)
{
	return check(rs, c, true, error_r);
}

enum redisstore_status redisstore_reset(struct redisstore *rs, const char *const *keys,
                                        size_t n, const char **error_r)
{
	struct redis_args a;

	if (atomic_load(&rs->open)) {
		*error_r = "skipped: the store is not answering";
		return REDISSTORE_SKIPPED;
	}
	if (n == 0)
		return REDISSTORE_OK;
	if (n > REDIS_SCRIPT_OPS_MAX) {
		*error_r = "too many keys";
		return REDISSTORE_ERROR;
	}
	redis_args_init(&a, 1 + n);
	redis_args_add(&a, "DEL", "");
	for (size_t i = 0; i < n; i++)
		redis_args_add(&a, rs->prefix, keys[i]);
	redis_args_done(&a);
	return call(rs, &a, do_del, NULL, error_r);
}

bool redisstore_up(struct redisstore *rs)
{
	return !atomic_load(&rs->open);
}

uint64_t redisstore_errors(struct redisstore *rs)
{
	return atomic_load(&rs->errors);
}

/* "unix:PATH" or "tcp:HOST:PORT", HOST possibly "[v6]". */
static bool parse_server(struct redisstore *rs, const char *s)
{
	const char *host = s + 4, *colon;
	char *end;
	long port;

	if (strncmp(s, "unix:", 5) == 0) {
		rs->path = xstrdup(s + 5);
		return *rs->path != '\0';
	}
	if (strncmp(s, "tcp:", 4) != 0)
		return false;
	if (*host == '[') {
		colon = strchr(host, ']');
		if (colon == NULL || colon == host + 1 || colon[1] != ':')
			return false;
		rs->host = xstrndup(host + 1, (size_t)(colon - host - 1));
		colon++;
	} else {
		colon = strchr(host, ':');
		if (colon == NULL || colon == host || strchr(colon + 1, ':') != NULL)
			return false;
		rs->host = xstrndup(host, (size_t)(colon - host));
	}
	if (colon[1] < '0' || colon[1] > '9')
		return false;
	port = strtol(colon + 1, &end, 10);
	rs->port = (int)port;
	return *end == '\0' && port >= 1 && port <= 65535;
}

static void destroy(struct redisstore *rs)
{
	if (rs->password != NULL)
		explicit_bzero(rs->password, strlen(rs->password));
	free(rs->password);
	free(rs->server);
	free(rs->prefix);
	free(rs->path);
	free(rs->host);
	free(rs);
}

struct redisstore *redisstore_create(const struct redisstore_params *p,
                                     const char **error_r)
{
	struct redisstore *rs = xcalloc(1, sizeof *rs);

	*error_r = "redis server: expected unix:PATH or tcp:HOST:PORT";
	if (p->server == NULL || !parse_server(rs, p->server))
		goto fail;
	*error_r = "redis timeout: must be positive";
	if (!(p->timeout > 0))
		goto fail;
	rs->server = xstrdup(p->server);
	rs->password = p->password != NULL ? xstrdup(p->password) : NULL;
	rs->prefix = xstrdup(p->prefix != NULL ? p->prefix : "");
	rs->timeout = p->timeout;
	atomic_init(&rs->open, false);
	atomic_init(&rs->errors, 0);
	pthread_mutex_init(&rs->lock, NULL);
	monotime_cond_init(&rs->freed);
	monotime_cond_init(&rs->wake);
	*error_r = "cannot start the redis prober thread";
	if (pthread_create(&rs->prober, NULL, prober_main, rs) == 0)
		return rs;
	pthread_cond_destroy(&rs->wake);
	pthread_cond_destroy(&rs->freed);
	pthread_mutex_destroy(&rs->lock);
fail:
	destroy(rs);
	return NULL;
}

void redisstore_free(struct redisstore *rs)
{
	if (rs == NULL)
		return;
	pthread_mutex_lock(&rs->lock);
	rs->stopping = true;
	pthread_cond_signal(&rs->wake);
	pthread_mutex_unlock(&rs->lock);
	pthread_join(rs->prober, NULL);
	for (size_t i = 0; i < rs->n_idle; i++)
		conn_free(rs->idle[i]);
	pthread_cond_destroy(&rs->wake);
	pthread_cond_destroy(&rs->freed);
	pthread_mutex_destroy(&rs->lock);
	destroy(rs);
}
