/*
 * redis_script: what one rate-limit check is on the wire of the Redis
 * store (redisstore.c): the server-side Lua script (lib/gcra.c's
 * arithmetic, its clock Redis's own TIME), its EVALSHA arguments from a
 * check (store.h), and the check filled from its answer, every field
 * checked. No I/O here: redisstore.c sends, tests/bench/redisbase.c
 * measures the same bytes.
 */
#ifndef RM_REDIS_SCRIPT_H
#define RM_REDIS_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "lib/strbuf.h"
#include "policy/limits/store.h"

#define REDIS_SCRIPT_OPS_MAX 1000 /* ops (or keys) in one call at most */

/* The script, for SCRIPT LOAD. */
extern const char redis_script_text[];

/* The arguments of one command, NUL-separated in SB. */
struct redis_args {
	int argc;
	const char **argv;
	size_t *lens;
	struct strbuf sb;
};

/* Room for N arguments; then add them (S1 followed by S2 each), then
 * point ARGV into SB once it no longer moves. */
void redis_args_init(struct redis_args *a, size_t n);
void redis_args_add(struct redis_args *a, const char *s1, const char *s2);
void redis_args_done(struct redis_args *a);
void redis_args_free(struct redis_args *a);

/* The EVALSHA arguments for C, keys under PREFIX; argv[1], the SHA, is
 * left for the caller. With PEEK, only reading. False (nothing to free)
 * when an op is out of the script's bounds. */
bool redis_script_args(const char *prefix, const struct limit_check *c, bool peek,
                       struct redis_args *a);
/* Fill C from the script's answer REP; false when it is malformed. */
bool redis_script_parse(const redisReply *rep, struct limit_check *c, bool peek);

#endif
