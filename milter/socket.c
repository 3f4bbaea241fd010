/*
 * socket: opening the libmilter listening socket. Entry point: socket_open.
 * The socket is created with umask 0177 (never briefly world-writable) and
 * then given its configured mode and owner.
 */
#include "config.h"

#include <errno.h>
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "milter/callbacks.h"
#include "lib/error.h"
#include "milter/socket.h"

static const char *unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	if (spec[0] == '/')
		return spec;
	return NULL;
}

int socket_open(const char *spec, int mode, const struct privs_target *owner,
                const char **error_r)
{
	const char *path = unix_path(spec);
	mode_t old_umask;
	int rc;

	if (smfi_register(callbacks_desc) != MI_SUCCESS) {
		*error_r = "smfi_register failed";
		return -1;
	}
	if (smfi_setconn((char *)spec) != MI_SUCCESS) {
		*error_r = error_printf("bad milter socket \"%s\"", spec);
		return -1;
	}
	old_umask = umask(0177);
	rc = smfi_opensocket(true);
	umask(old_umask);
	if (rc != MI_SUCCESS) {
		*error_r =
		    error_printf("cannot open milter socket %s (in use, or directory "
		                 "missing or not writable?)",
		                 spec);
		return -1;
	}
	if (path == NULL)
		return 0;
	if (chmod(path, (mode_t)mode) < 0) {
		*error_r = error_printf("%s: chmod: %s", path, strerror(errno));
		return -1;
	}
	if (owner->change && geteuid() == 0 && chown(path, owner->uid, owner->gid) < 0) {
		*error_r = error_printf("%s: chown: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
