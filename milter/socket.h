/*
 * socket: the milter socket: "unix:/path" (or "local:"), "inet:PORT@HOST",
 * "inet6:PORT@[HOST]". Opened before the privilege drop; a unix socket gets
 * the configured mode and the service user's ownership.
 */
#ifndef RM_SOCKET_H
#define RM_SOCKET_H

#include <stddef.h>

#include "milter/privs.h"

/* Register the filter, open SPEC; 0, or -1 with *ERROR_R set. */
int socket_open(const char *spec, int mode, const struct privs_target *owner,
                const char **error_r);

#endif
