/*
 * mcint: what mclient.c (life cycle, timed packet I/O), mcdial.c (connect,
 * option negotiation) and mcevent.c (events, replies) share. Not for users
 * of the library: they include mclient.h only.
 */
#ifndef RM_MCINT_H
#define RM_MCINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/log.h"
#include "lib/strbuf.h"
#include "tests/milterclient/mclient.h"
#include "tests/milterclient/mcmacro.h"

/* Postfix's MILTER8_V6_PROTO_MASK: every step and no-reply bit of v6. */
#define MC_PROTO_POSTFIX 0x001FFFFFu
#define MC_DEFAULT_MAX_PACKET (4u * 1024 * 1024)

struct mclient {
	struct mclient_options opts;
	int fd;
	bool have_neg;
	struct mclient_negotiated neg;
	char *symlist[MC_NSTAGES]; /* storage behind neg.symlist */
	struct mc_macros macros;
	char skip_cmd; /* event the filter answered SMFIR_SKIP to, or 0 */
	struct strbuf out;
	char *in; /* data of the last packet read, NUL-terminated */
	size_t inlen;
	size_t incap;
	enum mclient_errcode errcode;
	char err[512];
};

/* Record an error, close the connection, return -1. */
int mc_fail(struct mclient *mc, enum mclient_errcode code, const char *fmt, ...)
    RM_PRINTF(3, 4);
/* Send one packet: command CMD and LEN bytes of DATA. 0 or -1. */
int mc_send(struct mclient *mc, char cmd, const char *data, size_t len);
/* Read one packet within TIMEOUT_MS: command to *CMD_R, data to mc->in. */
int mc_recv(struct mclient *mc, char *cmd_r, int timeout_ms);
/* Next NUL-terminated string of mc->in at *POS (advanced); NULL if none. */
const char *mc_take_string(const struct mclient *mc, size_t *pos);
void mc_put_u32(struct strbuf *sb, uint32_t v);
uint32_t mc_get_u32(const char *p);
/* Drop what the last negotiation recorded. */
void mc_forget_negotiation(struct mclient *mc);

#endif
