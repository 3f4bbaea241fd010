/*
 * mcmacro: the macro table of one milter client connection (internal to
 * mclient). Values by name, a list of names per stage, the MTA presets, and
 * the encoding of one SMFIC_MACRO payload. Knows nothing of sockets.
 */
#ifndef RM_MCMACRO_H
#define RM_MCMACRO_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"
#include "tests/milterclient/mclient.h"

struct mc_macro {
	char *name; /* without braces: "i", "daemon_name" */
	char *value;
};

struct mc_macros {
	struct mc_macro *v;
	size_t n;
	size_t cap;
	char *lists[MC_NSTAGES]; /* names as the MTA spells them, or NULL */
	bool content;            /* header/body events carry eoh/eom macros */
};

/* Empty table, no lists. */
void mc_macros_init(struct mc_macros *m);
/* Release everything M holds. */
void mc_macros_free(struct mc_macros *m);
/* Load PRESET's stage lists and default values. */
void mc_macros_preset(struct mc_macros *m, enum mclient_preset preset);
/* Set or (VALUE NULL) unset NAME; braces around NAME are optional. */
void mc_macros_set(struct mc_macros *m, const char *name, const char *value);
/* Value of NAME or NULL. */
const char *mc_macros_get(const struct mc_macros *m, const char *name);
/* Replace STAGE's list (NULL or "" clears it). */
void mc_macros_list(struct mc_macros *m, enum mclient_stage stage, const char *names);
/*
 * Append "name\0value\0" to OUT for each name in LIST (space or comma
 * separated) that has a value, spelled as in LIST. Returns the pair count.
 */
size_t mc_macros_encode(const struct mc_macros *m, const char *list, struct strbuf *out);

#endif
