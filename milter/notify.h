/*
 * notify: tell the service manager what the daemon is doing (systemd's
 * sd_notify protocol: READY=1, RELOADING=1, STOPPING=1, STATUS=...). Built
 * on libsystemd when configure found it, no-ops otherwise: this is the one
 * file that knows. Every call is harmless when not started by systemd
 * (NOTIFY_SOCKET unset).
 */
#ifndef RM_NOTIFY_H
#define RM_NOTIFY_H

#include <stdbool.h>

/* The socket is open, privileges dropped, the policy built: serving. */
void notify_ready(const char *status);
/* A reload (SIGUSR1) started. Follow with notify_ready when done. */
void notify_reloading(void);
/* Shutting down. */
void notify_stopping(void);
/* True if our stderr is connected to the systemd journal (JOURNAL_STREAM),
 * so that copying messages there would duplicate what syslog already sends. */
bool notify_stderr_is_journal(void);

#endif
