/*
 * callbacks: the libmilter side of relaymilter: the xxfi_* callbacks and the
 * per-connection context they share through smfi_setpriv. The policy itself
 * lives in policy/; this module turns MTA events into engine calls, replies
 * and decision log lines.
 */
#ifndef RM_CALLBACKS_H
#define RM_CALLBACKS_H

#include <libmilter/mfapi.h>

/* The filter description to hand to smfi_register. */
extern struct smfiDesc callbacks_desc;
/* Set once at start: the per-process part of session ids. */
void callbacks_init(void);

#endif
