/*
 * macros: the MTA's macros, read safely. Entry point: macros_get.
 *
 * Why not smfi_getsymval: libmilter (8.17.1, smfi.c) walks a stage's macro
 * list two pointers at a time, checking only the name slot for the NULL that
 * ends the list. The list is built from the MTA's macro packet (engine.c,
 * dec_argv) with one pointer per string, so a packet whose strings end in a
 * name with no value ("j\0mx\0k\0": odd count) makes every lookup that does
 * not match before the end step over the NULL and follow whatever word lies
 * past the array: malloc slack, left over from the chunk's previous use. The
 * daemon died that way under milterfuzz (tests/fuzz/milterfuzz.c,
 * probe_odd_macro_list, reproduces it). No MTA sends such a packet; anything
 * that can connect to the socket can.
 *
 * So this module walks the lists itself, stopping at the NULL in either slot.
 * The lists are not reachable through libmilter's API: it reads them through
 * a copy of the head of libmilter's private struct smfi_str (libmilter.h of
 * 8.17.1.9, Debian 12; these fields are outside every #if there). Each lookup
 * first checks that the copy's ctx_privdata is the pointer the session gave
 * smfi_setpriv; if not (another layout), it warns once and falls back to
 * smfi_getsymval.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "milter/macros.h"

/* One list per stage: connect, helo, mail, rcpt, data, eoh, eom. */
#define LM_MACRO_STAGES 7

/* The head of libmilter's struct smfi_str, field for field, up to the
 * private data pointer (sthread_t is pthread_t, socket_t an int). */
struct lm_ctx_head {
	pthread_t id;
	int sd;
	int dbg;
	time_t timeout;
	int state;
	void *smfi;
	int prot_vers;
	unsigned long aflags;
	unsigned long pflags;
	unsigned long pflags2mta;
	int prot_vers2mta;
	char **mac_ptr[LM_MACRO_STAGES];
	char *mac_buf[LM_MACRO_STAGES];
	char *mac_list[LM_MACRO_STAGES];
	char *reply;
	void *privdata;
};

static bool warned_layout;

/* Is list entry ENTRY the macro NAME, also written as ALIAS ("" if none)? */
static bool same_macro(const char *entry, const char *name, const char *alias)
{
	return strcmp(entry, name) == 0 ||
	       (alias[0] != '\0' && strcmp(entry, alias) == 0);
}

const char *macros_get(SMFICTX *ctx, const void *priv, const char *name)
{
	const struct lm_ctx_head *head = (const struct lm_ctx_head *)ctx;
	size_t len = strlen(name);
	char alias[4] = "";

	if (priv == NULL || head->privdata != priv) {
		if (!__atomic_exchange_n(&warned_layout, true, __ATOMIC_RELAXED))
			msg_warn("libmilter's context layout is not the one expected; "
			         "using smfi_getsymval (a malformed macro packet can "
			         "crash it)");
		return smfi_getsymval(ctx, (char *)name);
	}
	/* smfi_getsymval's aliases: "{x}" also finds "x", and "x" finds "{x}" */
	if (len == 3 && name[0] == '{' && name[2] == '}') {
		alias[0] = name[1];
		alias[1] = '\0';
	} else if (len == 1) {
		alias[0] = '{';
		alias[1] = name[0];
		alias[2] = '}';
		alias[3] = '\0';
	}
	/* the latest stage first, as libmilter searches */
	for (int i = LM_MACRO_STAGES - 1; i >= 0; i--) {
		char **s = head->mac_ptr[i];

		if (s == NULL || head->mac_buf[i] == NULL)
			continue;
		for (; s[0] != NULL; s += 2) {
			if (same_macro(s[0], name, alias))
				return s[1];
			if (s[1] == NULL) /* a name with no value ends the list */
				break;
		}
	}
	return NULL;
}
