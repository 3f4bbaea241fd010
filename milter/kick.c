/*
 * kick: a thread that connects to our own milter socket and hangs up, every
 * KICK_BUSY seconds while decisions are being made and every KICK_IDLE
 * seconds otherwise, so that an MTA session stranded by libmilter's worker
 * pool (below) waits a fraction of a second instead of seconds.
 *
 * Entry points: kick_start, kick_stop. Failures are logged and leave the
 * daemon serving without the workaround.
 *
 * Why (libmilter 8.17.1.9, Debian 12, built with -D_FFR_WORKERS_POOL=1;
 * sendmail's libmilter/worker.c): when a session's socket becomes readable,
 * the pool controller marks it WKST_READY_TO_RUN and signals the worker
 * condition variable if tm_nb_idle > 0, else it starts a worker for it
 * (lines 588-597; mi_start_session does the same for a new connection,
 * 185-194). A signalled worker decrements tm_nb_idle only when it has woken
 * and taken the mutex again (line 779), so when several sessions become
 * readable at once, every one of them is "given" to the same idle workers:
 * the surplus signals wake nobody. A session marked ready is taken only by a
 * worker that comes back to the pool (lines 744, 782): one that finishes a
 * session's burst of commands (mi_engine keeps a worker on a session as long
 * as its next command arrives within 1 ms), or an idle one whose 10 s wait
 * (COND_TIMEOUT, line 65) expires. The controller never looks at it again.
 * If the workers that were woken are then busy for long (a client that sent
 * half a packet keeps one in mi_rd_cmd for the milter timeout, 7210 s by
 * default; under load a worker stays with its own session), the session
 * waits, with its command unread: milterfuzz saw 10 s (with no end while
 * the half packets stay). Under load it is a crowd: a gdb dump of the
 * daemon during a 4 s stall at 128 connections (libmilter rebuilt from the
 * Debian source with symbols) showed 57 sessions WKST_READY_TO_RUN, 71
 * workers all busy, tm_nb_idle 0, the controller polling its pipe alone.
 *
 * A new connection is a way in from outside: with no idle worker, the
 * listener starts a worker for it, which finds our connection closed (EOF:
 * libmilter calls xxfi_close only, silently) and then takes the oldest
 * session left waiting (line 744); with an idle one, the signal wakes a
 * worker that does the same (line 782). One kick frees one stranded
 * session, so they are sent as long as the daemon runs, often under load.
 * The cost is one accept and one worker wake-up per kick: about 1% of a
 * core at 50 kicks a second, 0.1% at 4 (measured on an idle daemon).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/monotime.h"
#include "milter/kick.h"
#include "milter/stats.h"

#define KICK_IDLE 0.25      /* seconds between kicks while no decision is made */
#define KICK_BUSY 0.02      /* ... and while decisions are being made */
#define KICK_CONNECT_MS 100 /* a loopback connect that takes longer is dropped */
#define KICK_MAX_FD 4096    /* where to look for the listening socket */

static struct kick {
	struct sockaddr_storage addr;
	socklen_t len;
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool started, stop;
} kick = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The address of the first listening socket among our descriptors (the
 * milter socket libmilter opened; it is the only one). */
static int find_listener(struct sockaddr_storage *addr_r, socklen_t *len_r)
{
	int fd, on;
	socklen_t len;

	for (fd = 0; fd < KICK_MAX_FD; fd++) {
		len = sizeof on;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0 || !on)
			continue;
		*len_r = sizeof *addr_r;
		if (getsockname(fd, (struct sockaddr *)addr_r, len_r) == 0)
			return 0;
	}
	return -1;
}

/* A wildcard address is reached through the loopback of its family. */
static void use_loopback(struct sockaddr_storage *addr)
{
	if (addr->ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)addr;

		if (in->sin_addr.s_addr == htonl(INADDR_ANY))
			in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (addr->ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)addr;

		if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
			in6->sin6_addr = in6addr_loopback;
	}
}

/* Connect and hang up; errors do not matter (the next kick tries again). */
static void kick_once(void)
{
	int fd =
	    socket(kick.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&kick.addr, kick.len) < 0 &&
	    errno == EINPROGRESS) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};

		(void)poll(&pfd, 1, KICK_CONNECT_MS);
	}
	close(fd);
}

static void *kick_main(void *arg)
{
	uint64_t seen = stats_decisions(), now_seen;

	(void)arg;
	pthread_mutex_lock(&kick.lock);
	while (!kick.stop) {
		struct timespec ts;

		now_seen = stats_decisions();
		ts = monotime_timespec(monotime_now() +
		                       (now_seen != seen ? KICK_BUSY : KICK_IDLE));
		seen = now_seen;

		if (pthread_cond_timedwait(&kick.wake, &kick.lock, &ts) != ETIMEDOUT ||
		    kick.stop)
			continue;
		pthread_mutex_unlock(&kick.lock);
		kick_once();
		pthread_mutex_lock(&kick.lock);
	}
	pthread_mutex_unlock(&kick.lock);
	return NULL;
}

int kick_start(void)
{
	int rc;

	if (find_listener(&kick.addr, &kick.len) < 0) {
		msg_warn("libmilter worker-pool kicker not started: no listening socket "
		         "found");
		return -1;
	}
	use_loopback(&kick.addr);
	monotime_cond_init(&kick.wake);
	kick.stop = false;
	if ((rc = pthread_create(&kick.tid, NULL, kick_main, NULL)) != 0) {
		msg_warn("libmilter worker-pool kicker not started: %s", strerror(rc));
		pthread_cond_destroy(&kick.wake);
		return -1;
	}
	kick.started = true;
	return 0;
}

void kick_stop(void)
{
	if (!kick.started)
		return;
	pthread_mutex_lock(&kick.lock);
	kick.stop = true;
	pthread_cond_signal(&kick.wake);
	pthread_mutex_unlock(&kick.lock);
	pthread_join(kick.tid, NULL);
	pthread_cond_destroy(&kick.wake);
	kick.started = false;
}
