/*
 * macros: reading the MTA's macros ({auth_authen}, i, {daemon_name}, ...)
 * without libmilter's smfi_getsymval, which reads past the end of a macro
 * list that ends in a name with no value (see macros.c).
 */
#ifndef RM_MACROS_H
#define RM_MACROS_H

#include <libmilter/mfapi.h>

/*
 * The value of macro NAME ("i", "{auth_authen}"; "{x}" and "x" name the same
 * macro) in CTX, as smfi_getsymval would return it, or NULL if it is not set.
 * PRIV is the session's smfi_setpriv pointer (never NULL): it proves that
 * libmilter's context has the layout this module reads. The result points
 * into libmilter's buffers: valid until the next command of the session.
 */
const char *macros_get(SMFICTX *ctx, const void *priv, const char *name);

#endif
