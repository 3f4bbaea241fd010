/*
 * kick: work around a lost dispatch in libmilter's worker pool (Debian's
 * libmilter is built with _FFR_WORKERS_POOL) by connecting to our own
 * milter socket a few times a second. See kick.c for the libmilter lines.
 */
#ifndef RM_KICK_H
#define RM_KICK_H

/* Find our listening milter socket (opened by socket_open) and start the
 * kicker thread. Returns 0, or -1 (nothing started: the daemon serves as
 * before, unprotected) with a warning logged. */
int kick_start(void);
/* Stop and join the thread; harmless when kick_start failed or was not
 * called. */
void kick_stop(void);

#endif
