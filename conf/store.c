/*
 * store: putting one value into struct config according to its key row
 * (conf/keys.h), and the error sink of the loader (conf/loader.h). Entry
 * points: conf_error, conf_value_error, conf_store_generic, conf_store,
 * conf_apply_defaults. Defaults go through the same stores as the file's
 * values, so they are validated like anything an admin writes. A value that
 * fails validation is reported and leaves the field as it was.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf/keys.h"
#include "conf/loader.h"
#include "lib/xalloc.h"

void conf_error(struct conf_ctx *ctx, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	strbuf_puts(ctx->errors, file ? file : ctx->path);
	if (line > 0)
		strbuf_appendf(ctx->errors, ":%d", line);
	strbuf_puts(ctx->errors, ": ");
	va_start(ap, fmt);
	strbuf_vappendf(ctx->errors, fmt, ap);
	va_end(ap);
	strbuf_putc(ctx->errors, '\n');
	ctx->n_errors++;
}

void conf_value_error(struct conf_ctx *ctx, const struct conf_key *k,
                      const struct conf_value *v, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	strbuf_init(&msg);
	va_start(ap, fmt);
	strbuf_vappendf(&msg, fmt, ap);
	va_end(ap);
	if (v->file == NULL)
		conf_error(ctx, NULL, 0, "default of '%s': %s", k->path, msg.data);
	else
		conf_error(ctx, v->file, v->line, "'%s': %s", k->path, msg.data);
	strbuf_free(&msg);
}

void conf_free_strings(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

static void store_string(struct conf_ctx *ctx, const struct conf_key *k,
                         const struct conf_value *v, void *base)
{
	char **field = (char **)((char *)base + k->offset);
	const char *why;
	char buf[256];

	if (v->str[0] == '\0' && (k->flags & KF_EMPTY_NULL)) {
		free(*field);
		*field = NULL;
		return;
	}
	if (k->check && (why = k->check(v->str, buf, sizeof buf)) != NULL) {
		conf_value_error(ctx, k, v, "%s", why);
		return;
	}
	free(*field);
	*field = xstrdup(v->str);
}

static void store_int_field(const struct conf_key *k, void *base, long value)
{
	void *field = (char *)base + k->offset;

	if (k->size == sizeof(bool))
		*(bool *)field = value != 0;
	else if (k->size == sizeof(int))
		*(int *)field = (int)value;
	else if (k->size == sizeof(long))
		*(long *)field = value;
	else
		msg_panic("config key %s: field of size %zu", k->path, k->size);
}

static void store_enum(struct conf_ctx *ctx, const struct conf_key *k,
                       const struct conf_value *v, void *base)
{
	struct strbuf words = STRBUF_INIT;

	for (long i = 0; k->words[i] != NULL; i++) {
		if (strcmp(v->str, k->words[i]) == 0) {
			store_int_field(k, base, i);
			return;
		}
	}
	strbuf_init(&words);
	for (size_t i = 0; k->words[i] != NULL; i++)
		strbuf_appendf(&words, "%s\"%s\"", i ? ", " : "", k->words[i]);
	conf_value_error(ctx, k, v, "\"%s\" is not one of %s", v->str, words.data);
	strbuf_free(&words);
}

static bool in_bounds(struct conf_ctx *ctx, const struct conf_key *k,
                      const struct conf_value *v)
{
	if (v->num >= k->min && v->num <= k->max)
		return true;
	conf_value_error(ctx, k, v, "must be between %g and %g, not %g", k->min, k->max,
	                 v->num);
	return false;
}

static void store_strings(struct conf_ctx *ctx, const struct conf_key *k,
                          const struct conf_value *v, void *base)
{
	char ***field = (char ***)((char *)base + k->offset);
	size_t *count = (size_t *)((char *)base + k->offset_n);
	char **items = xcalloc(v->n_items + 1, sizeof *items);
	bool ok = true;
	char buf[256];

	for (size_t i = 0; i < v->n_items; i++) {
		const char *why =
		    k->check ? k->check(v->items[i], buf, sizeof buf) : NULL;

		if (why != NULL) {
			struct conf_value item = *v;

			item.line = v->lines[i] ? v->lines[i] : v->line;
			conf_value_error(ctx, k, &item, "\"%s\": %s", v->items[i], why);
			ok = false;
		}
		items[i] = xstrdup(v->items[i]);
	}
	if (!ok) {
		conf_free_strings(items, v->n_items);
		return;
	}
	conf_free_strings(*field, *count);
	*field = items;
	*count = v->n_items;
}

void conf_store_generic(struct conf_ctx *ctx, const struct conf_key *k,
                        const struct conf_value *v, void *base)
{
	switch (k->type) {
	case CT_STRING:
		store_string(ctx, k, v, base);
		break;
	case CT_ENUM:
		store_enum(ctx, k, v, base);
		break;
	case CT_STRING_LIST:
		store_strings(ctx, k, v, base);
		break;
	case CT_BOOL:
		store_int_field(k, base, v->boolean);
		break;
	case CT_INT:
		if (in_bounds(ctx, k, v))
			store_int_field(k, base, (long)v->num);
		break;
	case CT_FLOAT:
		if (in_bounds(ctx, k, v))
			*(double *)((char *)base + k->offset) = v->num;
		break;
	case CT_GROUP:
	case CT_GROUP_LIST:
		msg_panic("config key %s: a group has no value", k->path);
	}
}

void conf_store(struct conf_ctx *ctx, const struct conf_key *k,
                const struct conf_value *v, void *base)
{
	if (k->store)
		k->store(ctx, k, v, base);
	else
		conf_store_generic(ctx, k, v, base);
}

void conf_apply_defaults(struct conf_ctx *ctx, void *base, const char *list)
{
	size_t llen = list != NULL ? strlen(list) : 0;
	bool element = list != NULL;

	for (size_t i = 0; i < conf_n_keys; i++) {
		const struct conf_key *k = &conf_keys[i];
		struct conf_value v = {0};
		size_t n = 0;

		if (((k->flags & KF_ELEMENT) != 0) != element)
			continue;
		/* An element's defaults are its own list's keys, not another's. */
		if (element &&
		    (strncmp(k->path, list, llen) != 0 || k->path[llen] != '.'))
			continue;
		if (k->type == CT_STRING_LIST && k->def_list) {
			while (k->def_list[n] != NULL)
				n++;
			v.items = (const char **)k->def_list;
			v.lines = xcalloc(n + 1, sizeof *v.lines);
			v.n_items = n;
		} else if (k->def != NULL) {
			v.str = k->def;
			v.boolean = strcmp(k->def, "true") == 0;
			v.num = strtod(k->def, NULL);
		} else {
			continue;
		}
		conf_store(ctx, k, &v, base);
		free((void *)v.lines);
	}
}
