/*
 * redis_script: see redis_script.h. Entry points: redis_script_text,
 * redis_script_args, redis_script_parse, redis_args_init, _add, _done,
 * _free.
 *
 * KEYS: the suspension key if any, then each op's key, prefixed. ARGV: the
 * mode (REDIS_MODE_PEEK only reads), 0/1 (a suspension key or not), then
 * per op max, per_us, cost, flags (1 commit, 2 blocking), suspend_us. It
 * answers now, refused, suspended_until, suspended_now, then per op
 * allowed, tat, remaining, retry_after (-1: never), expires.
 *
 * Numbers: Lua has doubles, exact on integers below 2^53. An op goes out
 * only with max <= 1e9 and per_us, suspend_us <= 1e14 µs (three years; the
 * config allows 366 days), its cost capped at max + 1 (refused alike).
 * Then every product (max * T, cost * T) is at most 1e14 and every sum at
 * most now + 2e14, below 2^53 while now < 2^52 µs (year 2112); T =
 * floor(per_us / max) is exact as well (a quotient of integers below 2^53
 * never rounds up to the next integer). A stored value that is not an
 * integer below 2^53 is an error of the script.
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "policy/limits/redis_script.h"

#define OP_MAX_MAX 1000000000ULL
#define OP_US_MAX 100000000000000ULL
#define MODE_RUN "0"
#define MODE_PEEK "1"
#define HEAD_FIELDS 4 /* now, refused, suspended_until, suspended_now */
#define OP_FIELDS 5   /* allowed, tat, remaining, retry_after, expires */

const char redis_script_text[] =
    "-- relaymilter rate-limit check (policy/limits/redisstore.c)\n"
    "if redis.replicate_commands then redis.replicate_commands() end\n"
    "local t = redis.call('TIME')\n"
    "local now, hs = tonumber(t[1]) * 1000000 + tonumber(t[2]), tonumber(ARGV[2])\n"
    "local peek, n = ARGV[1] == '" MODE_PEEK "', #KEYS - hs\n"
    "if (hs ~= 0 and hs ~= 1) or n < 0 or #ARGV ~= 2 + 5 * n then\n"
    "  return redis.error_reply('ERR relaymilter: bad arguments') end\n"
    "local function get(k)\n"
    "  local v = tonumber(redis.call('GET', k) or 0)\n"
    "  if not v or v < 0 or v >= 2^53 or v ~= math.floor(v) then\n"
    "    error('relaymilter: ' .. k .. ' does not hold a time') end\n"
    "  return v\n"
    "end\n"
    "local function put(k, v)\n"
    "  if v <= now then redis.call('DEL', k) return end\n"
    "  redis.call('SET', k, string.format('%.0f', v))\n"
    "  redis.call('PEXPIREAT', k, string.format('%.0f', math.ceil(v / 1000)))\n"
    "end\n"
    "local function gcra(max, per, cost, tat)\n" /* lib/gcra.c, line by line */
    "  local t, left, base = 1, 0, math.max(tat, now)\n"
    "  if max > 0 then t = math.max(math.floor(per / max), 1) end\n"
    "  local lim = now + max * t\n"
    "  if max > 0 and lim > base then left = math.floor((lim - base) / t) end\n"
    "  if max == 0 or cost == 0 or cost > max then\n"
    "    if cost == 0 and max > 0 then return 1, tat, left, 0 end\n"
    "    return 0, tat, left, -1\n"
    "  end\n"
    "  local nxt = base + cost * t\n"
    "  if nxt <= lim then return 1, nxt, math.floor((lim - nxt) / t), 0 end\n"
    "  return 0, tat, left, nxt - lim\n"
    "end\n"
    "local susp, refused, snow, out, ops = 0, 0, 0, {now, 0, 0, 0}, {}\n"
    "if hs == 1 then susp = get(KEYS[1]) end\n"
    "if susp > now then refused = 1 else susp = 0 end\n"
    "for i = 1, n do\n"
    "  local a, o = 2 + 5 * (i - 1), 4 + 5 * (i - 1)\n"
    "  local fl = tonumber(ARGV[a + 4])\n"
    "  local ok, tat, left, retry = gcra(tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]),\n"
    "    tonumber(ARGV[a + 3]), get(KEYS[hs + i]))\n"
    "  ops[i] = {ok = ok, tat = tat, commit = fl % 2 == 1, blocking = fl >= 2,\n"
    "    suspend = tonumber(ARGV[a + 5])}\n"
    "  if ok == 0 and fl >= 2 then refused = 1 end\n"
    "  out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] =\n"
    "    ok, tat, left, retry, tat\n"
    "end\n"
    "for i = 1, peek and 0 or n do\n"
    "  if refused == 0 and ops[i].commit and ops[i].ok == 1 then\n"
    "    put(KEYS[hs + i], ops[i].tat) end\n"
    "end\n"
    "for i = 1, peek and 0 or n do\n"
    "  local op = ops[i]\n"
    "  if hs == 1 and susp == 0 and op.ok == 0 and op.blocking and op.suspend > 0 then\n"
    "    susp, snow = now + op.suspend, 1\n"
    "    put(KEYS[1], susp)\n"
    "  end\n"
    "end\n"
    "out[2], out[3], out[4] = refused, susp, snow\n"
    "return out\n";

void redis_args_init(struct redis_args *a, size_t n)
{
	a->argc = 0;
	a->argv = xcalloc(n, sizeof *a->argv);
	a->lens = xcalloc(n, sizeof *a->lens);
	strbuf_init(&a->sb);
}

void redis_args_free(struct redis_args *a)
{
	free(a->argv);
	free(a->lens);
	strbuf_free(&a->sb);
}

/* One more argument, S1 followed by S2; NUL-separated in SB. */
void redis_args_add(struct redis_args *a, const char *s1, const char *s2)
{
	size_t at = a->sb.len;

	strbuf_puts(&a->sb, s1);
	strbuf_puts(&a->sb, s2);
	a->lens[a->argc++] = a->sb.len - at;
	strbuf_putc(&a->sb, '\0');
}

static void args_uint(struct redis_args *a, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof buf, "%" PRIu64, v);
	redis_args_add(a, buf, "");
}

/* Point ARGV into SB, now that it no longer moves. */
void redis_args_done(struct redis_args *a)
{
	const char *p = a->sb.data;

	for (int i = 0; i < a->argc; p += a->lens[i++] + 1)
		a->argv[i] = p;
}

static bool op_in_bounds(const struct limit_op *op)
{
	return strnlen(op->key, LIMIT_KEY_MAX) < LIMIT_KEY_MAX &&
	       op->rule.max <= OP_MAX_MAX && op->rule.per_us <= OP_US_MAX &&
	       op->suspend_us <= OP_US_MAX;
}

/* The EVALSHA arguments for C (argv[1], the SHA, is the connection's). */
bool redis_script_args(const char *prefix, const struct limit_check *c, bool peek,
                       struct redis_args *a)
{
	size_t hs = c->suspend_key != NULL ? 1 : 0;

	if (c->n_ops > REDIS_SCRIPT_OPS_MAX)
		return false;
	for (size_t i = 0; i < c->n_ops; i++)
		if (!op_in_bounds(&c->ops[i]))
			return false;
	redis_args_init(a, 5 + hs + (1 + OP_FIELDS) * c->n_ops);
	redis_args_add(a, "EVALSHA", "");
	redis_args_add(a, "", "");
	args_uint(a, hs + c->n_ops);
	if (hs)
		redis_args_add(a, prefix, c->suspend_key);
	for (size_t i = 0; i < c->n_ops; i++)
		redis_args_add(a, prefix, c->ops[i].key);
	redis_args_add(a, peek ? MODE_PEEK : MODE_RUN, "");
	args_uint(a, hs);
	for (size_t i = 0; i < c->n_ops; i++) {
		const struct limit_op *op = &c->ops[i];
		uint64_t cost = op->cost > op->rule.max ? op->rule.max + 1 : op->cost;

		args_uint(a, op->rule.max);
		args_uint(a, op->rule.per_us);
		args_uint(a, peek ? 1 : cost);
		args_uint(a, (!peek && op->commit ? 1 : 0) | (op->blocking ? 2 : 0));
		args_uint(a, peek ? 0 : op->suspend_us);
	}
	redis_args_done(a);
	return true;
}
/* Fill C from the script's answer, every field checked first. */
bool redis_script_parse(const redisReply *rep, struct limit_check *c, bool peek)
{
	/* the head's fields, then an op's: what each may hold */
	static const long long lo[] = {1, 0, 0, 0, 0, 0, 0, -1, 0};
	static const long long hi[] = {LLONG_MAX, 1,         LLONG_MAX, 1,        1,
	                               LLONG_MAX, LLONG_MAX, LLONG_MAX, LLONG_MAX};
	size_t n = HEAD_FIELDS + OP_FIELDS * c->n_ops;
	redisReply **e = rep->element;

	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		size_t j =
		    i < HEAD_FIELDS ? i : HEAD_FIELDS + (i - HEAD_FIELDS) % OP_FIELDS;

		if (e[i] == NULL || e[i]->type != REDIS_REPLY_INTEGER ||
		    e[i]->integer < lo[j] || e[i]->integer > hi[j])
			return false;
	}
	if (peek && e[3]->integer != 0)
		return false;
	c->now = (uint64_t)e[0]->integer;
	c->refused = e[1]->integer == 1;
	c->suspended_until = (uint64_t)e[2]->integer;
	c->suspended_now = e[3]->integer == 1;
	for (size_t i = 0; i < c->n_ops; i++) {
		struct gcra_result *r = &c->ops[i].r;

		e = rep->element + HEAD_FIELDS + OP_FIELDS * i;
		r->allowed = e[0]->integer == 1;
		r->tat = (uint64_t)e[1]->integer;
		r->remaining = (uint64_t)e[2]->integer;
		r->retry_after = e[3]->integer < 0 ? UINT64_MAX : (uint64_t)e[3]->integer;
		r->expires = (uint64_t)e[4]->integer;
	}
	return true;
}
