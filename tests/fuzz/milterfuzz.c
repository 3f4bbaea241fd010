/*
 * milterfuzz: a milter-protocol fuzzer against a running relaymilter, our
 * own code (libmilter's <libmilter/mfdef.h> only for the wire constants).
 * It connects to the daemon's unix socket over and over and sends, chosen
 * by a seeded PRNG: random byte streams; absurd packet lengths (0, 1, 2,
 * 2^31-1, 2^32-1, just over the 64 KiB limit); truncated packets; unknown
 * command bytes; macro floods (thousands of macros, huge values, every
 * stage); out-of-order commands (RCPT before MAIL, MAIL before CONNECT,
 * commands after QUIT); negotiation with bogus versions, actions and
 * protocol flags; connects with bogus families, ports and addresses;
 * embedded NULs and missing terminators; macro names with no value; some
 * connections left dangling.
 *
 * Every CHECK_EVERY fuzz connections it runs correct sessions, as Postfix
 * would speak them, and asserts the answers: an unauthenticated client's
 * remote and routed recipients are refused 550 5.7.1 every time, a local
 * one is accepted (continue), an authenticated transaction is accepted and
 * the next unauthenticated one on the same connection is refused again,
 * and SMFIR_ACCEPT is never sent. So the daemon must be up, sane, and never
 * accept a relay, however it was hammered.
 *
 * Before the fuzzing it sends the regression probes: the exact packet
 * sequences of past crashes (-P: those and the asserted sessions only).
 *
 * Usage: milterfuzz -s SOCKET [-t SECONDS] [-n ITERATIONS] [-S SEED] [-P] [-v]
 * Prints "# ..." statistics; exits 0 if every check passed, 1 if a check
 * failed (a relay was accepted, a wrong answer), 2 if the daemon stopped
 * answering, 64 on bad usage.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmilter/mfdef.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tests/fuzz/mfwire.h"

#define CHECK_EVERY 25
#define MAX_DANGLING 8

static uint64_t rng_state;

/* ---- PRNG: xorshift64*, seeded, reproducible ---- */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint32_t rnd_below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static void rnd_bytes(uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)rnd();
}
/* ---- fuzz connections ---- */
static const char known_cmds[] = "ABCDEHKLMNOQRTU";

static char rnd_cmd(void)
{
	if (rnd_below(8) == 0)
		return (char)rnd();
	return known_cmds[rnd_below(sizeof known_cmds - 1)];
}

/* A payload for CMD: often plausible, sometimes noise; NULs anywhere. */
static void rnd_payload(struct buf *b, char cmd)
{
	static const char *const addrs[] = {"<b@example.net>",
	                                    "<c@example.org>",
	                                    "<>",
	                                    "<postmaster>",
	                                    "<b%x@example.org>",
	                                    "<@a,@b:c@example.net>",
	                                    "<\"a\\\"@b\"@example.org>",
	                                    "<b@[IPv6:::1]>",
	                                    "b@example.org\r\nX",
	                                    "<" /* unterminated */,
	                                    ""};
	static const char fams[] = "46LUX\0";
	size_t n;

	switch (rnd_below(4) == 0 ? 0 : cmd) {
	case SMFIC_OPTNEG:
		buf_u32(b, (uint32_t)(rnd_below(3) ? rnd_below(8) : rnd()));
		buf_u32(b, (uint32_t)rnd());
		buf_u32(b, (uint32_t)rnd());
		return;
	case SMFIC_CONNECT: {
		char f = fams[rnd_below(sizeof fams)];
		uint16_t port = (uint16_t)rnd();
		const char *const ips[] = {
		    "203.0.113.5",      "::1",    "127.0.0.1", "999.1.1.1",
		    "::ffff:192.0.2.1", "/tmp/x", "",          "1.2.3.4.5"};

		buf_str(b, rnd_below(2) ? "host" : "");
		buf_add(b, &f, 1);
		if (rnd_below(4))
			buf_add(b, &port, 2);
		if (rnd_below(4))
			buf_str(b, ips[rnd_below(8)]);
		return;
	}
	case SMFIC_MAIL:
	case SMFIC_RCPT:
		for (n = 1 + rnd_below(4); n > 0; n--)
			buf_str(b, addrs[rnd_below(sizeof addrs / sizeof addrs[0])]);
		if (rnd_below(3) == 0)
			b->len--; /* no final NUL */
		return;
	case SMFIC_MACRO: {
		char stage = rnd_below(4) ? known_cmds[rnd_below(sizeof known_cmds - 1)]
		                          : (char)rnd();

		buf_add(b, &stage, 1);
		for (n = rnd_below(20); n > 0; n--) {
			buf_str(b, rnd_below(2) ? "{auth_authen}" : "i");
			buf_str(b, "x");
		}
		if (rnd_below(3) == 0) /* unterminated, or a name with no value */
			buf_add(b, "{dangling", rnd_below(2) ? 9 : 10);
		return;
	}
	default:
		n = rnd_below(4) ? rnd_below(64) : rnd_below(70000);
		if (b->cap < n) {
			b->cap = n;
			if ((b->p = realloc(b->p, n ? n : 1)) == NULL)
				abort();
		}
		rnd_bytes(b->p, n);
		b->len = n;
	}
}

static void neg_valid(int fd)
{
	struct buf b = {0};

	buf_u32(&b, SMFI_PROT_VERSION);
	buf_u32(&b, OFFER_ACTIONS);
	buf_u32(&b, OFFER_PROTO);
	send_pkt(fd, SMFIC_OPTNEG, b.p, b.len);
	free(b.p);
}

/* Each kind sends one sort of nonsense on a fresh connection FD. */
static void fz_random_stream(int fd)
{
	uint8_t data[4096];
	size_t n = rnd_below(sizeof data);

	if (rnd_below(2))
		neg_valid(fd);
	rnd_bytes(data, n);
	send_all(fd, data, n);
}

static void fz_absurd_length(int fd)
{
	static const uint32_t lens[] = {
	    0,     1,      2,       3,           12,          65535,       65536,
	    65537, 262145, 1048577, 0x7fffffffU, 0x80000000U, 0xfffffffeU, 0xffffffffU};
	uint32_t len = htonl(lens[rnd_below(sizeof lens / sizeof lens[0])]);
	uint8_t tail[256];
	size_t n = rnd_below(sizeof tail);

	if (rnd_below(2))
		neg_valid(fd);
	send_all(fd, &len, 4);
	rnd_bytes(tail, n);
	if (n > 0 && rnd_below(2))
		tail[0] = (uint8_t)rnd_cmd();
	send_all(fd, tail, n);
}

static void fz_truncated(int fd)
{
	struct buf b = {0}, p = {0};
	char cmd = rnd_cmd();

	neg_valid(fd);
	rnd_payload(&p, cmd);
	buf_u32(&b, (uint32_t)p.len + 1);
	buf_add(&b, &cmd, 1);
	buf_add(&b, p.p, p.len);
	send_all(fd, b.p, rnd_below((uint32_t)b.len));
	free(b.p);
	free(p.p);
}

static void fz_unknown_cmds(int fd)
{
	uint8_t data[32];

	if (rnd_below(4))
		neg_valid(fd);
	for (int i = 1 + (int)rnd_below(10); i > 0; i--) {
		char cmd;

		do
			cmd = (char)rnd();
		while (strchr(known_cmds, cmd) && cmd != '\0');
		rnd_bytes(data, sizeof data);
		if (!send_pkt(fd, cmd, data, rnd_below(sizeof data)))
			return;
	}
}

/* Thousands of macros, huge values, every stage; then a real RCPT. */
static void fz_macro_flood(int fd)
{
	struct buf b = {0};
	char name[32], stage;
	int packets = 1 + (int)rnd_below(40);

	neg_valid(fd);
	for (int p = 0; p < packets; p++) {
		stage = rnd_below(8) ? known_cmds[rnd_below(sizeof known_cmds - 1)]
		                     : (char)rnd();
		b.len = 0;
		buf_add(&b, &stage, 1);
		if (rnd_below(3) == 0) {
			/* one huge value, near (or past) the 64 KiB limit */
			size_t v = 60000 + rnd_below(8000);
			char *val = malloc(v + 1);

			if (val == NULL)
				abort();
			memset(val, 'v', v);
			val[v] = '\0';
			buf_str(&b, "{auth_authen}");
			buf_str(&b, val);
			free(val);
		} else {
			for (int i = 0; i < 3000 + (int)rnd_below(2000); i++) {
				snprintf(name, sizeof name, "{m%d}", i);
				buf_str(&b, name);
				buf_str(&b, i % 100 ? "x" : "");
			}
		}
		if (!send_pkt(fd, SMFIC_MACRO, b.p, b.len))
			break;
	}
	free(b.p);
}

static void fz_out_of_order(int fd)
{
	static const char orders[][8] = {"RMCHQ", "MCRR", "HHHH",  "CCCC", "RRRE", "EEAA",
	                                 "QRM",   "KCMR", "TBNLE", "OOOO", "AQA",  "UUR"};
	const char *seq = orders[rnd_below(sizeof orders / sizeof orders[0])];
	struct buf p = {0};

	if (rnd_below(4))
		neg_valid(fd);
	for (; *seq; seq++) {
		p.len = 0;
		rnd_payload(&p, *seq);
		if (!send_pkt(fd, *seq, p.p, p.len))
			break;
		if (rnd_below(2) && !drain(fd, 5))
			break;
	}
	free(p.p);
}

static void fz_bogus_negotiation(int fd)
{
	struct buf b = {0};
	static const uint32_t versions[] = {0, 1, 2, 3,           4,
	                                    5, 6, 7, 0x7fffffffU, 0xffffffffU};

	buf_u32(&b, versions[rnd_below(sizeof versions / sizeof versions[0])]);
	if (rnd_below(4))
		buf_u32(&b, (uint32_t)rnd());
	if (rnd_below(4))
		buf_u32(&b, (uint32_t)(rnd_below(2) ? rnd() : OFFER_PROTO | 0xc0000000U));
	if (rnd_below(4) == 0)
		buf_u32(&b, (uint32_t)rnd());
	send_pkt(fd, SMFIC_OPTNEG, b.p, b.len);
	free(b.p);
	/* and something after it, if the daemon is still listening */
	if (drain(fd, 5)) {
		struct buf p = {0};

		rnd_payload(&p, SMFIC_CONNECT);
		send_pkt(fd, SMFIC_CONNECT, p.p, p.len);
		free(p.p);
	}
}

/* A plausible command sequence with random payloads. */
static void fz_structured(int fd)
{
	struct buf p = {0};

	neg_valid(fd);
	for (int i = 1 + (int)rnd_below(30); i > 0; i--) {
		char cmd = rnd_cmd();

		p.len = 0;
		rnd_payload(&p, cmd);
		if (!send_pkt(fd, cmd, p.p, p.len))
			break;
		if (rnd_below(3) == 0 && !drain(fd, 2))
			break;
	}
	free(p.p);
}

typedef void fuzz_fn(int fd);
static fuzz_fn *const kinds[] = {fz_random_stream,     fz_absurd_length, fz_truncated,
                                 fz_unknown_cmds,      fz_macro_flood,   fz_out_of_order,
                                 fz_bogus_negotiation, fz_structured};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

/* ---- regression probes: the exact packet sequences of past crashes ---- */

/*
 * A macro packet whose list ends in a name with no value ("j\0mx\0k\0").
 * libmilter 8.17 (smfi.c, smfi_getsymval) steps through a stage's list two
 * pointers at a time and tests only the name slot for the terminating NULL:
 * with an odd count it steps over the NULL and reads one pointer past the
 * array dec_argv() allocated, then follows it. That word is malloc slack,
 * left over from whatever the chunk held before. Here it held a macro buffer
 * full of 'A's (a HELO macro packet of the same size class, freed by the
 * next HELO macro packet on the same worker thread), so a daemon that asks
 * libmilter for a macro not in the list (relaymilter's connect callback
 * reads {daemon_name}) follows 0x...414141 and dies. K picks the size class:
 * the list has 2K+1 strings, its pointer array 16(K+1) bytes.
 */
static void probe_odd_macro_list(unsigned k)
{
	struct buf p = {0};
	size_t slack_class = 16 * (k + 2) - 8; /* usable size of the array's chunk */
	char stage = SMFIC_HELO, name[16];
	uint16_t port = htons(25);
	int fd;

	if ((fd = conn_open()) < 0)
		return;
	neg_valid(fd);
	/* the bait: a HELO macro buffer of the array's size class, 'A's to its end */
	buf_add(&p, &stage, 1);
	for (size_t i = 1; i < slack_class - 3; i++)
		buf_add(&p, "A", 1);
	buf_add(&p, "\0y", 3);
	send_pkt(fd, SMFIC_MACRO, p.p, p.len);
	/* frees it: libmilter replaces a stage's macros */
	p.len = 0;
	buf_add(&p, &stage, 1);
	buf_add(&p, "x\0y", 4);
	send_pkt(fd, SMFIC_MACRO, p.p, p.len);
	/* the odd list: its first name padded so that the packet buffer itself
	 * falls into a bigger size class and the bait goes to the array */
	p.len = 0;
	stage = SMFIC_CONNECT;
	buf_add(&p, &stage, 1);
	for (size_t i = 0; i < slack_class + 40; i++)
		buf_add(&p, "j", 1);
	buf_add(&p, "", 1);
	for (unsigned i = 0; i < k; i++) {
		snprintf(name, sizeof name, "{n%u}", i);
		buf_str(&p, "v");
		buf_str(&p, name);
	}
	send_pkt(fd, SMFIC_MACRO, p.p, p.len);
	p.len = 0;
	buf_str(&p, "probe.example.net");
	stage = SMFIA_INET;
	buf_add(&p, &stage, 1);
	buf_add(&p, &port, 2);
	buf_str(&p, "203.0.113.5");
	send_pkt(fd, SMFIC_CONNECT, p.p, p.len);
	send_pkt(fd, SMFIC_QUIT, NULL, 0);
	drain(fd, 200);
	close(fd);
	free(p.p);
}

/* Every probe, then the asserted sessions; returns their failures. */
static int regression_probes(void)
{
	int failures;

	for (unsigned k = 0; k < 6; k++)
		probe_odd_macro_list(k);
	failures = probe_lost_dispatch();
	return failures + check_sessions();
}

static int dangling[MAX_DANGLING];
static size_t n_dangling;

/* One fuzz connection; false if the daemon does not answer any more. */
static bool fuzz_one(void)
{
	size_t k = rnd_below(N_KINDS);
	int fd = conn_open();

	if (fd < 0)
		return false;
	st.fuzz_conns++;
	st.kinds[k]++;
	kinds[k](fd);
	if (rnd_below(40) == 0 && n_dangling < MAX_DANGLING) {
		dangling[n_dangling++] = fd; /* left open, mid-packet maybe */
		st.dangling++;
		return true;
	}
	drain(fd, 5);
	close(fd);
	return true;
}

static void usage(void)
{
	fprintf(stderr, "usage: milterfuzz -s SOCKET [-t SECONDS] [-n ITERATIONS] [-S "
	                "SEED] [-P] [-v]\n");
	exit(64);
}

int main(int argc, char **argv)
{
	double seconds = 20, start;
	unsigned long iterations = 1000000, i;
	unsigned long long seed = 1;
	int c, failures = 0;
	bool probes_only = false;

	while ((c = getopt(argc, argv, "s:t:n:S:Pv")) != -1) {
		switch (c) {
		case 's':
			sock_path = optarg;
			break;
		case 't':
			seconds = atof(optarg);
			break;
		case 'n':
			iterations = strtoul(optarg, NULL, 10);
			break;
		case 'S':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'P':
			probes_only = true;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	if (sock_path == NULL || optind != argc)
		usage();
	signal(SIGPIPE, SIG_IGN);
	rng_state = seed ? seed : 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# milterfuzz: socket %s, seed %llu, %.0f s, at most %lu connections\n",
	       sock_path, seed, seconds, iterations);
	start = now_s();
	if (verbose)
		probe_stale_macros();
	failures += regression_probes();
	if (probes_only) {
		printf("# regression probes: %d failures\n", failures);
		return failures ? 1 : 0;
	}
	for (i = 0; i < iterations && now_s() - start < seconds && failures == 0; i++) {
		if (!fuzz_one()) {
			printf(
			    "# FAIL the daemon stopped accepting connections after %lu\n",
			    i);
			return 2;
		}
		if (n_dangling == MAX_DANGLING && rnd_below(10) == 0) {
			while (n_dangling > 0)
				close(dangling[--n_dangling]);
		}
		if (i % CHECK_EVERY == CHECK_EVERY - 1)
			failures += check_sessions();
	}
	while (n_dangling > 0)
		close(dangling[--n_dangling]);
	failures += check_sessions();
	printf("# %lu fuzz connections in %.1f s (%.0f/s), %lu bytes sent, %lu replies "
	       "read, "
	       "%lu closed by the daemon, %lu left dangling, %lu connect retries, "
	       "%lu sends stalled %d s (the daemon stopped reading)\n",
	       st.fuzz_conns, now_s() - start, st.fuzz_conns / (now_s() - start),
	       st.bytes, st.replies, st.closed_by_peer, st.dangling, st.connect_fail,
	       st.send_stalls, SEND_TIMEOUT_S);
	printf(
	    "# kinds: random %lu, absurd-length %lu, truncated %lu, unknown-cmd %lu, "
	    "macro-flood %lu, out-of-order %lu, bogus-negotiation %lu, structured %lu\n",
	    st.kinds[0], st.kinds[1], st.kinds[2], st.kinds[3], st.kinds[4], st.kinds[5],
	    st.kinds[6], st.kinds[7]);
	printf("# %lu checked sessions, %lu recipient checks, %d failures\n",
	       st.check_sessions, st.checks, failures);
	return failures ? 1 : 0;
}
