/*
 * declogline: print one decision-log line made by the daemon's own
 * formatter (milter/declog.c), for testing log consumers (fail2ban, jq
 * recipes) without an MTA. Entry point: main.
 *   declogline [-j TIME] field=value ...
 * Fields: session qid client_addr client_name helo auth from rcpt action
 * reason source ms login limit. -j prints the JSON form with TIME instead of key=value.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milter/declog.h"

static const char **field(struct declog_entry *e, const char *name)
{
	static const struct {
		const char *name;
		size_t offset;
	} fields[] = {
#define F(m) {#m, offsetof(struct declog_entry, m)}
	    F(session), F(qid),   F(client_addr), F(client_name), F(helo),
	    F(auth),    F(from),  F(rcpt),        F(action),      F(reason),
	    F(source),  F(login), F(limit),
#undef F
	};

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (strcmp(fields[i].name, name) == 0)
			return (const char **)((char *)e + fields[i].offset);
	return NULL;
}

int main(int argc, char **argv)
{
	struct declog_entry e = {"S1",     "-", "192.0.2.1", "-",      "-",
	                         NULL,     "",  "",          "accept", "local-recipient",
	                         "static", 0.1, NULL,        NULL};
	struct strbuf out = STRBUF_INIT;
	const char *json_time = NULL;
	int i = 1;

	if (argc > 2 && strcmp(argv[1], "-j") == 0) {
		json_time = argv[2];
		i = 3;
	}
	for (; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		const char **slot;

		if (eq == NULL) {
			fprintf(stderr, "declogline: %s: want field=value\n", argv[i]);
			return 64;
		}
		*eq = '\0';
		if (strcmp(argv[i], "ms") == 0) {
			e.ms = atof(eq + 1);
		} else if ((slot = field(&e, argv[i])) != NULL) {
			*slot = eq + 1;
		} else {
			fprintf(stderr, "declogline: unknown field %s\n", argv[i]);
			return 64;
		}
	}
	strbuf_init(&out);
	if (json_time)
		declog_format_json(&out, &e, json_time);
	else
		declog_format_kv(&out, &e);
	puts(out.data);
	strbuf_free(&out);
	return 0;
}
