/*
 * log: the one logging module. A severity ladder (info, warn, error, fatal
 * for a broken environment, panic for a broken invariant) to syslog and/or
 * stderr. Thread-safe. Never format a secret into a message; escape anything
 * that came from the network first (lib/escape.h).
 */
#ifndef RM_LOG_H
#define RM_LOG_H

#include <stdbool.h>

#define RM_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Route messages: IDENT and FACILITY for syslog; either sink may be off. */
void log_setup(const char *ident, int facility, bool to_syslog, bool to_stderr);
/* Change sinks at run time (reload); the ident stays. */
void log_set_sinks(int facility, bool to_syslog, bool to_stderr);
/* Change only the syslog sink (reload). */
void log_set_syslog(int facility, bool to_syslog);
/* Map a facility name ("mail", "local0".."local7", "daemon") to LOG_*; -1 if unknown. */
int log_facility_by_name(const char *name);

void msg_debug(const char *fmt, ...) RM_PRINTF(1, 2);
void msg_info(const char *fmt, ...) RM_PRINTF(1, 2);
void msg_warn(const char *fmt, ...) RM_PRINTF(1, 2);
void msg_error(const char *fmt, ...) RM_PRINTF(1, 2);
/* Log and exit(1): the environment is broken (cannot bind, cannot read...). */
void msg_fatal(const char *fmt, ...) RM_PRINTF(1, 2) __attribute__((noreturn));
/* Log and exit(STATUS), e.g. EX_CONFIG. */
void msg_fatal_status(int status, const char *fmt, ...) RM_PRINTF(2, 3)
    __attribute__((noreturn));
/* Log and abort(): an invariant of our own code is broken. */
void msg_panic(const char *fmt, ...) RM_PRINTF(1, 2) __attribute__((noreturn));
/* Emit an already formatted decision line at info level, without prefix. */
void log_raw_info(const char *line);
/* Enable msg_debug output. */
void log_set_debug(bool on);

#endif
