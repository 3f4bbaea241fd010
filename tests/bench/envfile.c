/*
 * envfile: parse the load generator's envelope file, expand "{n}" in
 * addresses, and say whether a reply is right for an envelope's category.
 * See envfile.h for the format. Allocation failure ends the process.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "tests/bench/envfile.h"

#define MAX_FIELDS 64
#define SEPS " \t\r\n"

static const char *const cat_names[CAT_N] = {
    [CAT_ALLOWLISTED] = "allowlisted",
    [CAT_AUTHENTICATED] = "authenticated",
    [CAT_LOCAL] = "local",
    [CAT_REMOTE] = "remote",
    [CAT_SUBDOMAIN] = "subdomain",
    [CAT_ROUTED] = "routed",
    [CAT_MALFORMED] = "malformed",
};

const char *env_category_name(enum env_category cat)
{
	return (unsigned)cat < CAT_N ? cat_names[cat] : "?";
}

void envelope_free(struct envelope *e)
{
	free(e->client);
	free(e->auth);
	free(e->from);
	for (size_t i = 0; i < e->n_rcpts; i++)
		free(e->rcpts[i]);
	free(e->rcpts);
	memset(e, 0, sizeof *e);
}

int envelope_parse(const char *line, struct envelope *e, char *err, size_t errlen)
{
	char *copy = xstrdup(line), *save = NULL, *f[MAX_FIELDS];
	size_t n = 0;
	int ret = -1, cat;

	memset(e, 0, sizeof *e);
	for (char *t = strtok_r(copy, SEPS, &save); t != NULL;
	     t = strtok_r(NULL, SEPS, &save)) {
		if (n == MAX_FIELDS) {
			snprintf(err, errlen, "more than %d fields", MAX_FIELDS);
			goto out;
		}
		f[n++] = t;
	}
	if (n == 0 || f[0][0] == '#') {
		ret = 0;
		goto out;
	}
	if (n < 5) {
		snprintf(err, errlen,
		         "want CATEGORY CLIENT AUTH SENDER RCPT..., got %zu field(s)", n);
		goto out;
	}
	for (cat = 0; cat < CAT_N && strcmp(f[0], cat_names[cat]) != 0; cat++)
		;
	if (cat == CAT_N) {
		snprintf(err, errlen, "unknown category '%s'", f[0]);
		goto out;
	}
	e->cat = (enum env_category)cat;
	e->client = xstrdup(f[1]);
	e->family = strchr(f[1], ':') ? '6' : '4';
	e->auth = strcmp(f[2], "-") == 0 ? NULL : xstrdup(f[2]);
	e->from = xstrdup(f[3]);
	e->n_rcpts = n - 4;
	e->rcpts = xmalloc(e->n_rcpts * sizeof *e->rcpts);
	for (size_t i = 0; i < e->n_rcpts; i++)
		e->rcpts[i] = xstrdup(f[4 + i]);
	ret = 1;
out:
	free(copy);
	if (ret < 0)
		envelope_free(e);
	return ret;
}

int envset_load(struct envset *set, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, msg[256];
	size_t cap = 0, lineno = 0, alloc = 0;
	int ret = 0;

	memset(set, 0, sizeof *set);
	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, fp) >= 0) {
		struct envelope e;
		int r;

		lineno++;
		if ((r = envelope_parse(line, &e, msg, sizeof msg)) < 0) {
			snprintf(err, errlen, "%s:%zu: %s", path, lineno, msg);
			ret = -1;
			break;
		}
		if (r == 0)
			continue;
		if (set->n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			set->v = xrealloc(set->v, alloc * sizeof *set->v);
		}
		set->v[set->n++] = e;
	}
	free(line);
	fclose(fp);
	if (ret == 0 && set->n == 0) {
		snprintf(err, errlen, "%s: no envelopes", path);
		ret = -1;
	}
	if (ret < 0)
		envset_free(set);
	return ret;
}

void envset_free(struct envset *set)
{
	for (size_t i = 0; i < set->n; i++)
		envelope_free(&set->v[i]);
	free(set->v);
	memset(set, 0, sizeof *set);
}

static bool expand(const char *tmpl, unsigned long n, bool with_s, unsigned long s,
                   char *out, size_t outlen)
{
	size_t j = 0;

	for (const char *p = tmpl; *p != '\0';) {
		bool is_n = strncmp(p, "{n}", 3) == 0;

		if (is_n || (with_s && strncmp(p, "{s}", 3) == 0)) {
			int w = snprintf(out + j, outlen - j, "%lu", is_n ? n : s);

			if (w < 0 || (size_t)w >= outlen - j)
				return false;
			j += (size_t)w;
			p += 3;
			continue;
		}
		if (j + 1 >= outlen)
			return false;
		out[j++] = *p++;
	}
	if (j >= outlen)
		return false;
	out[j] = '\0';
	return true;
}

bool env_expand(const char *tmpl, unsigned long n, char *out, size_t outlen)
{
	return expand(tmpl, n, false, 0, out, outlen);
}

bool env_expand_session(const char *tmpl, unsigned long n, unsigned long s, char *out,
                        size_t outlen)
{
	return expand(tmpl, n, true, s, out, outlen);
}

bool env_has_session(const struct envelope *e)
{
	if ((e->auth && strstr(e->auth, "{s}")) || strstr(e->from, "{s}"))
		return true;
	for (size_t i = 0; i < e->n_rcpts; i++)
		if (strstr(e->rcpts[i], "{s}"))
			return true;
	return false;
}

bool env_reply_ok(enum env_category cat, enum env_stage stage, const char *reply,
                  bool outage)
{
	bool cont = strcmp(reply, "continue") == 0;
	bool tempfail = strcmp(reply, "451") == 0;

	if (stage == ENV_MAIL)
		/* A malformed envelope may be refused already at MAIL. */
		return cont || (cat == CAT_MALFORMED && strcmp(reply, "553") == 0) ||
		       (outage && tempfail && cat != CAT_ALLOWLISTED &&
		        cat != CAT_AUTHENTICATED);
	switch (cat) {
	case CAT_ALLOWLISTED:
	case CAT_AUTHENTICATED:
		/* never depend on the directory */
		return cont;
	case CAT_LOCAL:
	case CAT_SUBDOMAIN:
		return cont || (outage && tempfail);
	case CAT_REMOTE:
	case CAT_ROUTED:
		return strcmp(reply, "550") == 0 || (outage && tempfail);
	case CAT_MALFORMED:
		return strcmp(reply, "501") == 0;
	}
	return false;
}
