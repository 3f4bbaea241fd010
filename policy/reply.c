/*
 * reply: template expansion for SMTP reply texts. Entry points: reply_set,
 * and reply_template_check, the one check of a template, which the config
 * loader runs on every policy.replies key. No failure modes: an unknown
 * expansion is kept literally (the loader refuses such templates).
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "policy/reply.h"

static const char *var_value(const struct reply_vars *v, const char *name, size_t len)
{
	static const struct {
		const char *name;
		size_t off;
	} names[] = {
	    {"rcpt", offsetof(struct reply_vars, rcpt)},
	    {"sender", offsetof(struct reply_vars, sender)},
	    {"client_addr", offsetof(struct reply_vars, client_addr)},
	    {"client_name", offsetof(struct reply_vars, client_name)},
	    {"auth", offsetof(struct reply_vars, auth)},
	    {"listener", offsetof(struct reply_vars, listener)},
	    {"login", offsetof(struct reply_vars, login)},
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strlen(names[i].name) == len &&
		    memcmp(names[i].name, name, len) == 0) {
			const char *val =
			    *(const char *const *)((const char *)v + names[i].off);
			return val && *val ? val : "-";
		}
	}
	return NULL;
}

const char *reply_template_check(const char *tmpl, char *buf, size_t size)
{
	static const struct reply_vars probe;

	if (tmpl[0] == '\0')
		return "must not be empty";
	if (strlen(tmpl) > REPLY_TEMPLATE_MAX) {
		snprintf(buf, size, "longer than %d characters", REPLY_TEMPLATE_MAX);
		return buf;
	}
	for (const char *p = tmpl; *p; p++) {
		const char *close;

		if (*p == '\r' || *p == '\n')
			return "must be one line (no CR or LF)";
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return "must be printable ASCII (SMTP replies are)";
		if (p[0] != '%' || p[1] != '{')
			continue;
		if ((close = strchr(p, '}')) == NULL)
			return "a %{ lacks its closing }";
		if (var_value(&probe, p + 2, (size_t)(close - p - 2)) == NULL) {
			snprintf(buf, size,
			         "unknown expansion %%{%.*s} (known: rcpt, sender, "
			         "client_addr, "
			         "client_name, auth, login, listener)",
			         (int)(close - p - 2 > 40 ? 40 : close - p - 2), p + 2);
			return buf;
		}
		p = close;
	}
	return NULL;
}

/* Append S to BUF at *POS (SIZE bytes), control characters as '?'. */
static void put_safe(char *buf, size_t size, size_t *pos, const char *s, size_t len)
{
	for (size_t i = 0; i < len && *pos + 1 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[(*pos)++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	buf[*pos] = '\0';
}

void reply_set(struct reply *r, const char *code, const char *xcode, const char *addr,
               const char *tmpl, const struct reply_vars *vars)
{
	size_t pos = 0, size = sizeof r->text - 4; /* room for "..." */

	snprintf(r->code, sizeof r->code, "%s", code);
	snprintf(r->xcode, sizeof r->xcode, "%s", xcode);
	r->text[0] = '\0';
	if (addr != NULL) {
		put_safe(r->text, size, &pos, "<", 1);
		put_safe(r->text, size, &pos, addr, strlen(addr));
		put_safe(r->text, size, &pos, ">: ", 3);
	}
	for (const char *p = tmpl; *p; p++) {
		const char *end, *val;

		if (p[0] == '%' && p[1] == '%') {
			put_safe(r->text, size, &pos, "%", 1);
			p++;
		} else if (p[0] == '%' && p[1] == '{' &&
		           (end = strchr(p + 2, '}')) != NULL &&
		           (val = var_value(vars, p + 2, (size_t)(end - p - 2))) !=
		               NULL) {
			put_safe(r->text, size, &pos, val, strlen(val));
			p = end;
		} else {
			put_safe(r->text, size, &pos, p, 1);
		}
	}
	if (pos + 1 >= size)
		memcpy(r->text + pos, "...", 4);
}
