/*
 * error: the one way a function reports why it failed (Dovecot's error_r).
 * A function that can fail returns its failure (NULL, -1, false) and, as
 * its last parameter, takes `const char **error_r`, which it sets to an
 * English message without a trailing newline (lines separated by '\n' when
 * there are several problems, as the config loader reports). The message is
 * either a string literal or one made with error_printf/error_copy: those
 * belong to the calling thread and stay valid until that thread has made
 * ERROR_KEEP more of them; a caller that keeps a message longer copies it.
 */
#ifndef RM_ERROR_H
#define RM_ERROR_H

#include <stdarg.h>

#include "lib/log.h"

#define ERROR_KEEP 16

/* A formatted message owned by the calling thread (see above). */
const char *error_printf(const char *fmt, ...) RM_PRINTF(1, 2);
const char *error_vprintf(const char *fmt, va_list ap) RM_PRINTF(1, 0);
/* MSG copied into a message owned by the calling thread. */
const char *error_copy(const char *msg);

#endif
