/*
 * dumpkeys: print the configuration key table (conf/keys.c), so that the
 * man page can be checked against it and never drift. Entry point: main.
 *   dumpkeys       one line per key: PATH TAB TAG, where TAG is the text the
 *                  man page shows after the key's name, e.g.
 *                  "policy.match_subdomains (boolean, default false)"
 *   dumpkeys -d    PATH TAB DESCRIPTION
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf/keys.h"
#include "lib/strbuf.h"

static void tag(struct strbuf *out, const struct conf_key *k)
{
	strbuf_appendf(out, "%s (", k->path);
	switch (k->type) {
	case CT_ENUM:
		for (size_t i = 0; k->words[i]; i++)
			strbuf_appendf(out, "%s%s", i ? " | " : "", k->words[i]);
		break;
	case CT_INT:
	case CT_FLOAT:
		strbuf_appendf(out, "%s %.10g..%.10g", conf_type_name(k->type), k->min,
		               k->max);
		break;
	default:
		strbuf_puts(out, conf_type_name(k->type));
	}
	if (k->type == CT_GROUP || k->type == CT_GROUP_LIST) {
		strbuf_puts(out, ")");
		return;
	}
	if (k->type == CT_STRING_LIST && k->def_list) {
		strbuf_puts(out, ", default [");
		for (size_t i = 0; k->def_list[i]; i++)
			strbuf_appendf(out, "%s \"%s\"", i ? "," : "", k->def_list[i]);
		strbuf_puts(out, " ])");
	} else if (k->def && (k->type == CT_STRING || k->type == CT_ENUM)) {
		strbuf_appendf(out, ", default \"%s\")", k->def);
	} else if (k->def) {
		strbuf_appendf(out, ", default %s)", k->def);
	} else if (k->flags & KF_REQUIRED) {
		strbuf_puts(out, ", required)");
	} else {
		strbuf_puts(out, ", no default)");
	}
}

int main(int argc, char **argv)
{
	int describe = argc > 1 && strcmp(argv[1], "-d") == 0;

	for (size_t i = 0; i < conf_n_keys; i++) {
		struct strbuf line = STRBUF_INIT;

		strbuf_init(&line);
		if (describe)
			strbuf_puts(&line, conf_keys[i].doc ? conf_keys[i].doc : "");
		else
			tag(&line, &conf_keys[i]);
		printf("%s\t%s\n", conf_keys[i].path, line.data);
		strbuf_free(&line);
	}
	return 0;
}
