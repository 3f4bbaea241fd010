/*
 * reply: template expansion for SMTP reply texts. Entry points: reply_set,
 * reply_template_check (used by the config loader). No failure modes: an
 * unknown expansion is kept literally (the loader refuses such templates).
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
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strlen(names[i].name) == len && memcmp(names[i].name, name, len) == 0) {
			const char *val = *(const char *const *)((const char *)v + names[i].off);
			return val && *val ? val : "-";
		}
	}
	return NULL;
}

int reply_template_check(const char *tmpl, const char **err_r)
{
	static const struct reply_vars probe;

	for (const char *p = tmpl; *p; p++) {
		const char *end;

		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		if (p[1] != '{' || (end = strchr(p + 2, '}')) == NULL) {
			*err_r = "a '%' must start %{name} or be written %%";
			return -1;
		}
		if (var_value(&probe, p + 2, (size_t)(end - p - 2)) == NULL) {
			*err_r = "unknown expansion (known: %{rcpt} %{sender} %{client_addr} "
				 "%{client_name} %{auth} %{listener})";
			return -1;
		}
		p = end;
	}
	return 0;
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
		} else if (p[0] == '%' && p[1] == '{' && (end = strchr(p + 2, '}')) != NULL &&
			   (val = var_value(vars, p + 2, (size_t)(end - p - 2))) != NULL) {
			put_safe(r->text, size, &pos, val, strlen(val));
			p = end;
		} else {
			put_safe(r->text, size, &pos, p, 1);
		}
	}
	if (pos + 1 >= size)
		memcpy(r->text + pos, "...", 4);
}
