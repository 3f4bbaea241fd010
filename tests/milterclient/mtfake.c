/*
 * mtfake: a misbehaving milter for mtclient's error paths. Listens on a
 * unix socket, serves connections one after another, answers the option
 * negotiation sanely (v6, no flags), then misbehaves at the first command
 * after it according to MODE:
 *   hang     read everything, never answer (client must time out)
 *   huge     answer with a packet length of 0x7fffffff
 *   close    close the connection
 *   badcode  answer SMFIR_REPLYCODE "999 nonsense"
 *   garbage  answer with the unknown reply 'Z'
 *   modify   answer SMFIR_ADDHEADER outside end of message
 *   progress answer SMFIR_PROGRESS twice, then SMFIR_CONTINUE (legal)
 *
 *   mtfake SOCKET MODE
 *
 * No libmilter here: it has to say what libmilter never would.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read one packet; returns its command or -1 at EOF. */
static int read_packet(int fd)
{
	uint32_t len;
	unsigned char cmd;
	char buf[4096];

	if (read_full(fd, &len, 4) < 0 || (len = ntohl(len)) < 1 ||
	    read_full(fd, &cmd, 1) < 0)
		return -1;
	for (len--; len > 0;) {
		uint32_t n = len > sizeof(buf) ? sizeof(buf) : len;

		if (read_full(fd, buf, n) < 0)
			return -1;
		len -= n;
	}
	return cmd;
}

static void send_packet(int fd, char cmd, const void *data, uint32_t len)
{
	uint32_t net = htonl(len + 1);

	(void)!write(fd, &net, 4);
	(void)!write(fd, &cmd, 1);
	if (len > 0)
		(void)!write(fd, data, len);
}

static void serve(int fd, const char *mode)
{
	uint32_t neg[3] = {htonl(6), 0, 0};
	int cmd;

	if (read_packet(fd) != 'O')
		return;
	send_packet(fd, 'O', neg, sizeof(neg));
	/* Macros are not commands; misbehave at the first real one. */
	while ((cmd = read_packet(fd)) == 'D')
		;
	if (cmd < 0)
		return;
	if (strcmp(mode, "hang") == 0) {
		while (read_packet(fd) >= 0)
			;
	} else if (strcmp(mode, "huge") == 0) {
		uint32_t net = htonl(0x7fffffffu);

		(void)!write(fd, &net, 4);
		(void)!write(fd, "c", 1);
		sleep(2);
	} else if (strcmp(mode, "badcode") == 0) {
		send_packet(fd, 'y', "999 nonsense", 13);
	} else if (strcmp(mode, "garbage") == 0) {
		send_packet(fd, 'Z', NULL, 0);
	} else if (strcmp(mode, "modify") == 0) {
		send_packet(fd, 'h', "X-A\0b", 6);
	} else if (strcmp(mode, "progress") == 0) {
		send_packet(fd, 'p', NULL, 0);
		send_packet(fd, 'p', NULL, 0);
		send_packet(fd, 'c', NULL, 0);
		while ((cmd = read_packet(fd)) >= 0)
			if (cmd != 'D' && cmd != 'A' && cmd != 'Q')
				send_packet(fd, 'c', NULL, 0);
	}
	/* "close" and everything else: just hang up. */
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun;
	int lfd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: mtfake SOCKET MODE\n");
		return 2;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, argv[1]);
	(void)unlink(argv[1]);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(lfd, 8) < 0) {
		perror("mtfake");
		return 2;
	}
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			continue;
		serve(fd, argv[2]);
		close(fd);
	}
}
