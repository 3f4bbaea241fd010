/*
 * mfwire: the milter wire side of milterfuzz: packet buffers, the socket
 * with bounded reads and writes, and the correct Postfix-style sessions whose
 * answers are asserted (never a relay for the unauthenticated). Shared by
 * the fuzzer's main file (milterfuzz.c: fuzz kinds, regression probes).
 */
#ifndef RM_MFWIRE_H
#define RM_MFWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmilter/mfdef.h>

#define REPLY_TIMEOUT_MS 10000
#define SEND_TIMEOUT_S 2
/* What Postfix 3.x offers: every action, every protocol step flag. */
#define OFFER_ACTIONS 0x1ffUL
#define OFFER_PROTO                                                                      \
	(SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOBODY |   \
	 SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NR_HDR | SMFIP_NOUNKNOWN | SMFIP_NODATA |    \
	 SMFIP_SKIP | SMFIP_RCPT_REJ | SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL |   \
	 SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_EOH | SMFIP_NR_BODY |  \
	 SMFIP_HDR_LEADSPC)

/* Run-wide settings and counters (one fuzzer process, one thread). */
extern const char *sock_path;
extern bool verbose;
extern struct mf_stats {
	unsigned long fuzz_conns, checks, check_sessions, connect_fail, bytes;
	unsigned long replies, closed_by_peer, dangling, send_stalls;
	unsigned long kinds[16];
} st;

struct buf {
	uint8_t *p;
	size_t len, cap;
};

struct reply {
	char cmd;
	char text[1024]; /* data as text (NULs cut it) */
	uint8_t raw[64];
	size_t len;
};

void buf_add(struct buf *b, const void *data, size_t n);
void buf_str(struct buf *b, const char *s); /* with its NUL */
void buf_u32(struct buf *b, uint32_t v);
double now_s(void);
/* Connect to sock_path; the fd or -1. */
int conn_open(void);
bool send_all(int fd, const void *data, size_t n);
bool send_pkt(int fd, char cmd, const void *data, size_t len);
int read_n(int fd, uint8_t *p, size_t n, int ms);
/* Read one reply packet: 1, 0 timeout, -1 closed or insane. */
int read_reply(int fd, struct reply *r, int ms);
bool drain(int fd, int ms);
/* Run the asserted correct sessions; the number of failures. */
int check_sessions(void);
void probe_stale_macros(void);
/* libmilter's worker pool stranding a session (milter/kick.c): the
 * asserted RCPT must be answered within LOST_DISPATCH_MS although sessions
 * that became readable with it hold the woken workers. Failures. */
#define LOST_DISPATCH_MS 5000
int probe_lost_dispatch(void);

#endif
