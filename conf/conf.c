/*
 * config: load relaymilter.conf (libconfig syntax) into an immutable struct
 * config. Entry points: config_load, config_load_string, config_free,
 * config_default_path.
 *
 * The table's defaults are applied first (conf/store.c); then the libconfig
 * tree is walked: every setting must match a row of the key table
 * (conf/keys.c), with the right type, checked here since libconfig silently
 * ignores wrong types. Last come the checks that involve several keys.
 * Problems are collected, never just the first, as "FILE:LINE: message"
 * lines. The caller owns the returned config; libconfig is not used after
 * config_load returns (it is not thread-safe).
 */
#include "config.h"

#include <errno.h>
#include <libconfig.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "conf/conf.h"
#include "conf/keys.h"
#include "conf/loader.h"
#include "lib/error.h"
#include "lib/login.h"
#include "lib/xalloc.h"
#include "policy/account.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* A key path longer than this cannot be in the table. */
#define PATH_MAX_KEY 128

static const char *article(const char *noun)
{
	return strchr("aeiou", noun[0]) ? "an" : "a";
}

static const char *setting_type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "integer";
	case CONFIG_TYPE_FLOAT:
		return "float";
	case CONFIG_TYPE_STRING:
		return "string";
	case CONFIG_TYPE_BOOL:
		return "boolean";
	case CONFIG_TYPE_ARRAY:
		return "array";
	case CONFIG_TYPE_LIST:
		return "list";
	}
	return "setting";
}

static const char *setting_file(struct conf_ctx *ctx, const config_setting_t *s)
{
	const char *file = config_setting_source_file(s);

	return file ? file : ctx->path;
}

static size_t key_index(const struct conf_key *k)
{
	return (size_t)(k - conf_keys);
}

static int seen_line(struct conf_ctx *ctx, const char *path)
{
	const struct conf_key *k = conf_key_find(path);

	return k ? ctx->seen[key_index(k)] : 0;
}

/* Levenshtein distance, for "did you mean"; long names are not compared. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[PATH_MAX_KEY + 1];

	if (la > PATH_MAX_KEY || lb > PATH_MAX_KEY)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The closest known key to the unknown PATH: a sibling with a similar name,
 * else a key of the same name elsewhere ("timeout" -> "ldap.timeout"). */
static const struct conf_key *suggest(const char *path)
{
	size_t plen = conf_path_parent_len(path), best_d = (size_t)-1;
	const char *leaf = path + plen + (plen ? 1 : 0);
	const struct conf_key *best = NULL;

	for (size_t i = 0; i < conf_n_keys; i++) {
		const struct conf_key *k = &conf_keys[i];
		size_t d;

		if (conf_path_parent_len(k->path) != plen ||
		    strncmp(k->path, path, plen) != 0)
			continue;
		d = edit_distance(leaf, conf_key_leaf(k));
		if (d < best_d && d <= 1 + strlen(leaf) / 4) {
			best_d = d;
			best = k;
		}
	}
	for (size_t i = 0; best == NULL && i < conf_n_keys; i++)
		if (strcmp(conf_key_leaf(&conf_keys[i]), leaf) == 0)
			best = &conf_keys[i];
	return best;
}

static void unknown_key(struct conf_ctx *ctx, const config_setting_t *s, const char *path)
{
	const struct conf_key *hint = suggest(path);

	if (hint)
		conf_error(ctx, setting_file(ctx, s), config_setting_source_line(s),
		           "unknown key '%s' (did you mean '%s'?)", path, hint->path);
	else
		conf_error(ctx, setting_file(ctx, s), config_setting_source_line(s),
		           "unknown key '%s'", path);
}

static void wrong_type(struct conf_ctx *ctx, const struct conf_key *k,
                       const config_setting_t *s)
{
	const char *want = conf_type_name(k->type), *got = setting_type_name(s);

	conf_error(ctx, setting_file(ctx, s), config_setting_source_line(s),
	           "'%s' must be %s %s, not %s %s%s%s", k->path, article(want), want,
	           article(got), got, k->type_hint ? "; " : "",
	           k->type_hint ? k->type_hint : "");
}

static bool is_string_list(const config_setting_t *s)
{
	int t = config_setting_type(s);

	return t == CONFIG_TYPE_STRING || t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST;
}

/* A lone string stands for a list of one. */
static bool list_from_setting(struct conf_ctx *ctx, const struct conf_key *k,
                              const config_setting_t *s, struct conf_value *v)
{
	int n =
	    config_setting_type(s) == CONFIG_TYPE_STRING ? 1 : config_setting_length(s);
	const char **items = xcalloc((size_t)n + 1, sizeof *items);
	int *lines = xcalloc((size_t)n + 1, sizeof *lines);
	bool ok = true;

	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_type(s) == CONFIG_TYPE_STRING
		                                ? s
		                                : config_setting_get_elem(s, (unsigned)i);

		lines[i] = config_setting_source_line(e);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_error(ctx, setting_file(ctx, e), lines[i],
			           "'%s' must be a list of strings; item %d is %s %s",
			           k->path, i + 1, article(setting_type_name(e)),
			           setting_type_name(e));
			ok = false;
			continue;
		}
		items[i] = config_setting_get_string(e);
	}
	if (!ok) {
		free(items);
		free(lines);
		return false;
	}
	v->items = items;
	v->lines = lines;
	v->n_items = (size_t)n;
	return true;
}

/* Check S's type against K; fill V. Returns false (reported) on mismatch.
 * V's items and lines are allocated for lists: the caller frees them. */
static bool value_from_setting(struct conf_ctx *ctx, const struct conf_key *k,
                               const config_setting_t *s, struct conf_value *v)
{
	int t = config_setting_type(s);
	bool is_int = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;

	v->file = setting_file(ctx, s);
	v->line = config_setting_source_line(s);
	switch (k->type) {
	case CT_STRING:
	case CT_ENUM:
		if (t != CONFIG_TYPE_STRING)
			break;
		v->str = config_setting_get_string(s);
		return true;
	case CT_BOOL:
		if (t != CONFIG_TYPE_BOOL)
			break;
		v->boolean = config_setting_get_bool(s);
		return true;
	case CT_INT:
		if (!is_int)
			break;
		v->num = (double)config_setting_get_int64(s);
		return true;
	case CT_FLOAT:
		if (!is_int && t != CONFIG_TYPE_FLOAT)
			break;
		v->num = is_int ? (double)config_setting_get_int64(s)
		                : config_setting_get_float(s);
		return true;
	case CT_STRING_LIST:
		if (!is_string_list(s))
			break;
		return list_from_setting(ctx, k, s, v);
	case CT_GROUP:
	case CT_GROUP_LIST:
		break;
	}
	wrong_type(ctx, k, s);
	return false;
}

static void walk_group(struct conf_ctx *ctx, const config_setting_t *group,
                       const char *prefix, void *base);

/* Every KF_REQUIRED key under PARENT that is not set: reported at LINE. */
static void check_required(struct conf_ctx *ctx, const char *parent, const char *file,
                           int line)
{
	size_t plen = strlen(parent);

	for (size_t i = 0; i < conf_n_keys; i++) {
		const struct conf_key *k = &conf_keys[i];

		if (!(k->flags & KF_REQUIRED) || ctx->seen[i] != 0 ||
		    conf_path_parent_len(k->path) != plen ||
		    strncmp(k->path, parent, plen) != 0)
			continue;
		conf_error(ctx, file, line, "'%s' needs '%s'", parent, conf_key_leaf(k));
	}
}

/* A KF_UNIQUE string of element I must differ from the earlier elements'. */
static void check_unique(struct conf_ctx *ctx, const struct conf_key *list,
                         const config_setting_t *e, char *elems, size_t i)
{
	for (size_t r = 0; r < conf_n_keys; r++) {
		const struct conf_key *k = &conf_keys[r];
		const char *mine;

		if (!(k->flags & KF_UNIQUE) ||
		    strncmp(k->path, list->path, strlen(list->path)) != 0)
			continue;
		if ((mine = *(char **)(elems + i * list->elem_size + k->offset)) == NULL)
			continue;
		for (size_t j = 0; j < i; j++) {
			const char *other =
			    *(char **)(elems + j * list->elem_size + k->offset);

			if (other && strcmp(mine, other) == 0)
				conf_error(ctx, setting_file(ctx, e), ctx->seen[r],
				           "'%s': \"%s\" is used twice", k->path, mine);
		}
	}
}

static void walk_element(struct conf_ctx *ctx, const struct conf_key *list,
                         const config_setting_t *e, void *elem)
{
	size_t plen = strlen(list->path);

	for (size_t r = 0; r < conf_n_keys; r++)
		if (strncmp(conf_keys[r].path, list->path, plen) == 0 &&
		    conf_keys[r].path[plen] == '.')
			ctx->seen[r] = 0;
	conf_apply_defaults(ctx, elem, list->path);
	walk_group(ctx, e, list->path, elem);
	check_required(ctx, list->path, setting_file(ctx, e),
	               config_setting_source_line(e));
}

static void walk_group_list(struct conf_ctx *ctx, const struct conf_key *k,
                            const config_setting_t *s, void *base)
{
	int t = config_setting_type(s);
	int n = config_setting_length(s);
	char *elems;

	if (!(t == CONFIG_TYPE_LIST || (t == CONFIG_TYPE_ARRAY && n == 0))) {
		wrong_type(ctx, k, s);
		return;
	}
	elems = xcalloc((size_t)n + 1, k->elem_size);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			conf_error(
			    ctx, setting_file(ctx, e), config_setting_source_line(e),
			    "'%s' must be a list of groups; item %d is %s %s", k->path,
			    i + 1, article(setting_type_name(e)), setting_type_name(e));
			continue;
		}
		walk_element(ctx, k, e, elems + (size_t)i * k->elem_size);
		check_unique(ctx, k, e, elems, (size_t)i);
	}
	/* No group list has a default, and libconfig refuses a key twice. */
	*(void **)((char *)base + k->offset) = elems;
	*(size_t *)((char *)base + k->offset_n) = (size_t)n;
}

static void walk_setting(struct conf_ctx *ctx, const config_setting_t *s,
                         const char *path, void *base)
{
	const struct conf_key *k = conf_key_find(path);
	struct conf_value v = {0};

	if (k == NULL) {
		unknown_key(ctx, s, path);
		return;
	}
	ctx->seen[key_index(k)] = config_setting_source_line(s);
	if (k->type == CT_GROUP) {
		if (config_setting_type(s) != CONFIG_TYPE_GROUP)
			wrong_type(ctx, k, s);
		else
			walk_group(ctx, s, path, base);
	} else if (k->type == CT_GROUP_LIST) {
		walk_group_list(ctx, k, s, base);
	} else if (value_from_setting(ctx, k, s, &v)) {
		conf_store(ctx, k, &v, base);
		free((void *)v.items);
		free((void *)v.lines);
	}
}

static void walk_group(struct conf_ctx *ctx, const config_setting_t *group,
                       const char *prefix, void *base)
{
	int n = config_setting_length(group);
	struct strbuf path = STRBUF_INIT;

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);

		strbuf_reset(&path);
		if (prefix[0] != '\0')
			strbuf_appendf(&path, "%s.", prefix);
		strbuf_puts(&path, config_setting_name(s));
		walk_setting(ctx, s, path.data, base);
	}
	strbuf_free(&path);
}

/* Required keys of the groups that are present (element keys are checked
 * per element). */
static void check_required_groups(struct conf_ctx *ctx)
{
	for (size_t i = 0; i < conf_n_keys; i++) {
		const struct conf_key *g = &conf_keys[i];

		if (g->type == CT_GROUP && ctx->seen[i] != 0)
			check_required(ctx, g->path, NULL, ctx->seen[i]);
	}
	check_required(ctx, "", NULL, 0);
}

static bool has_ldaps_uri(const struct dir_ldap_params *l)
{
	for (size_t i = 0; i < l->n_uris; i++)
		if (strncasecmp(l->uris[i], "ldaps://", 8) == 0)
			return true;
	return false;
}

/* Checks that involve several keys; reported at the line of the later. */
static void check_ldap(struct conf_ctx *ctx, struct dir_ldap_params *l)
{
	int budget_line = seen_line(ctx, "ldap.budget");
	int line = seen_line(ctx, "ldap");

	l->enabled = line != 0;
	if (!l->enabled)
		return;
	if (l->n_uris == 0 && seen_line(ctx, "ldap.uri") != 0)
		conf_error(ctx, NULL, seen_line(ctx, "ldap.uri"),
		           "'ldap.uri' lists no server");
	if (l->budget < l->timeout)
		conf_error(ctx, NULL,
		           budget_line ? budget_line : seen_line(ctx, "ldap.timeout"),
		           "'ldap.budget' (%g s) is less than 'ldap.timeout' (%g s): "
		           "not even one lookup would fit",
		           l->budget, l->timeout);
	if (l->starttls && has_ldaps_uri(l))
		conf_error(ctx, NULL, seen_line(ctx, "ldap.starttls"),
		           "'ldap.starttls' with an ldaps:// URI: that connection is TLS "
		           "already; use ldap:// with starttls, or ldaps:// without");
	if (l->bind_password_file && !l->bind_dn)
		conf_error(ctx, NULL, seen_line(ctx, "ldap.bind_password_file"),
		           "'ldap.bind_password_file' without 'ldap.bind_dn'");
	if (l->bind_dn && !l->bind_password_file)
		conf_error(
		    ctx, NULL, seen_line(ctx, "ldap.bind_dn"),
		    "'ldap.bind_dn' without 'ldap.bind_password_file': a bind with an "
		    "empty password is an unauthenticated (anonymous) bind");
}

/* The static accounts, canonical: a login that does not canonicalise or
 * names an account twice is an error at its line; sender_login with no
 * account anywhere is one too. */
static void check_accounts(struct conf_ctx *ctx, struct config *cf)
{
	struct lists_conf *l = &cf->lists;
	int sl_line = seen_line(ctx, "policy.sender_login");

	l->canon = xcalloc(l->n_accounts + 1, sizeof *l->canon);
	for (size_t i = 0; i < l->n_accounts; i++) {
		const struct account_conf *ac = &l->accounts[i];
		const char *why = NULL;
		char *login = login_canonical(ac->login, cf->policy.default_domain, &why);
		struct account *a;

		if (login == NULL) {
			conf_error(ctx, NULL, ac->line,
			           "'policy.accounts.login' \"%s\": %s", ac->login, why);
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (l->canon[j] != NULL && strcmp(l->canon[j]->login, login) == 0)
				conf_error(ctx, NULL, ac->line,
				           "'policy.accounts.login' \"%s\" is the "
				           "account \"%s\" "
				           "again (listed at line %d)",
				           ac->login, login, l->accounts[j].line);
		a = account_new(login);
		free(login);
		a->suspended = ac->suspended;
		for (size_t s = 0; s < ac->n_senders; s++) {
			char *owned = account_sender_normalize(ac->senders[s], &why);

			if (owned != NULL) /* checked when stored */
				account_add_sender(a, owned);
			free(owned);
		}
		for (size_t s = 0; s < ac->n_limits; s++)
			account_add_limit(a, ac->limits[s]);
		l->canon[i] = a;
	}
	if (cf->policy.sender_login != SENDER_LOGIN_OFF && l->n_accounts == 0 &&
	    cf->ldap.accounts.base == NULL)
		conf_error(
		    ctx, NULL, sl_line,
		    "'policy.sender_login' is \"%s\" but no accounts are configured "
		    "(policy.accounts or ldap.accounts): every login would own only "
		    "its own address",
		    cf->policy.sender_login == SENDER_LOGIN_LOG ? "log" : "reject");
}

/* Does OVERRIDE ("NAME=MAX") name a rule of L? */
static bool rule_named(const struct limits_params *l, const char *override)
{
	size_t n = strcspn(override, "=");

	for (size_t i = 0; i < l->n_rules; i++)
		if (l->rules[i].name != NULL && strlen(l->rules[i].name) == n &&
		    strncmp(l->rules[i].name, override, n) == 0)
			return true;
	return false;
}

/* limits: a shared store needs its server; suspend only makes sense for
 * a login (there is no account to suspend otherwise). */
static void check_limits(struct conf_ctx *ctx, const struct config *cf)
{
	const struct limits_params *l = &cf->limits;

	if (l->store == LIMIT_STORE_REDIS && seen_line(ctx, "limits.redis") == 0)
		conf_error(
		    ctx, NULL, seen_line(ctx, "limits.store"),
		    "'limits.store' is \"redis\" but there is no 'limits.redis' group");
	for (size_t i = 0; i < l->n_rules; i++)
		if (l->rules[i].action == LIMIT_SUSPEND &&
		    l->rules[i].key != LIMIT_KEY_LOGIN)
			conf_error(ctx, NULL, l->rules[i].line,
			           "'limits.rules' \"%s\": action \"suspend\" needs key "
			           "\"login\" (only a login can be suspended)",
			           l->rules[i].name ? l->rules[i].name : "?");
	/* A static account's override must name a rule: a typo would
	 * silently leave the account on the rule's own max. */
	for (size_t i = 0; i < cf->lists.n_accounts; i++)
		for (size_t j = 0; j < cf->lists.accounts[i].n_limits; j++)
			if (!rule_named(l, cf->lists.accounts[i].limits[j]))
				conf_error(
				    ctx, NULL, cf->lists.accounts[i].line,
				    "'policy.accounts.limits' \"%s\" of \"%s\" names no "
				    "rule of 'limits.rules'",
				    cf->lists.accounts[i].limits[j],
				    cf->lists.accounts[i].login);
}

/* Open PATH into LC; false (reported) if it cannot be read or parsed. */
static bool read_file(struct conf_ctx *ctx, config_t *lc, const char *path)
{
	char *copy = xstrdup(path);
	struct stat st;
	FILE *fp;

	config_set_options(lc, config_get_options(lc) & ~CONFIG_OPTION_AUTOCONVERT);
	/* @include "x" is relative to the config file, as an admin expects. */
	config_set_include_dir(lc, dirname(copy));
	free(copy);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		conf_error(ctx, path, 0, "is a directory");
		return false;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		conf_error(ctx, path, 0, "cannot open: %s", strerror(errno));
		return false;
	}
	fclose(fp);
	if (config_read_file(lc, path) == CONFIG_TRUE)
		return true;
	if (config_error_type(lc) == CONFIG_ERR_PARSE)
		conf_error(ctx, config_error_file(lc) ? config_error_file(lc) : path,
		           config_error_line(lc), "%s", config_error_text(lc));
	else
		conf_error(ctx, config_error_file(lc) ? config_error_file(lc) : path, 0,
		           "cannot read: %s", config_error_text(lc));
	return false;
}

/* Parse TEXT (already in memory) into LC, reported under the name PATH. */
static bool read_string(struct conf_ctx *ctx, config_t *lc, const char *path,
                        const char *text)
{
	config_set_options(lc, config_get_options(lc) & ~CONFIG_OPTION_AUTOCONVERT);
	if (config_read_string(lc, text) == CONFIG_TRUE)
		return true;
	conf_error(ctx, config_error_file(lc) ? config_error_file(lc) : path,
	           config_error_line(lc), "%s", config_error_text(lc));
	return false;
}

/* The loader behind config_load and config_load_string: TEXT NULL reads
 * the file PATH, else TEXT is the file's content and PATH only its name. */
static struct config *load(const char *path, const char *text, const char **error_r)
{
	struct config *cf = xcalloc(1, sizeof *cf);
	struct strbuf errors;
	struct conf_ctx ctx = {.path = path, .errors = &errors};
	config_t lc;
	bool parsed;

	strbuf_init(&errors);
	ctx.seen = xcalloc(conf_n_keys, sizeof *ctx.seen);
	cf->path = xstrdup(path);
	cf->lists.allow_networks = netlist_create();
	conf_apply_defaults(&ctx, cf, NULL);
	config_init(&lc);
	parsed = text ? read_string(&ctx, &lc, path, text) : read_file(&ctx, &lc, path);
	if (parsed) {
		walk_group(&ctx, config_root_setting(&lc), "", cf);
		check_required_groups(&ctx);
		check_ldap(&ctx, &cf->ldap);
		check_accounts(&ctx, cf);
		check_limits(&ctx, cf);
	}
	config_destroy(&lc);
	free(ctx.seen);
	if (ctx.n_errors > 0) {
		/* One line per problem, without the last newline. */
		while (errors.len > 0 && errors.data[errors.len - 1] == '\n')
			errors.data[--errors.len] = '\0';
		*error_r = error_copy(errors.data);
		strbuf_free(&errors);
		config_free(cf);
		return NULL;
	}
	strbuf_free(&errors);
	return cf;
}

struct config *config_load(const char *path, const char **error_r)
{
	return load(path, NULL, error_r);
}

struct config *config_load_string(const char *name, const char *text,
                                  const char **error_r)
{
	return load(name, text, error_r);
}

/* Free what the keys under PREFIX (a group-list's "path." or "" for the top)
 * stored in BASE: strings and string lists, and group-list elements with
 * their own members. The key table knows every field; nothing is listed
 * twice. */
static void free_keys(void *base, const char *prefix, bool elements)
{
	size_t plen = strlen(prefix);

	for (size_t i = 0; i < conf_n_keys; i++) {
		const struct conf_key *k = &conf_keys[i];
		char *field = (char *)base + k->offset;

		if (((k->flags & KF_ELEMENT) != 0) != elements ||
		    strncmp(k->path, prefix, plen) != 0)
			continue;
		switch (k->type) {
		case CT_STRING:
			if ((k->flags & KF_CONVERTED) == 0)
				free(*(char **)field);
			break;
		case CT_STRING_LIST:
			conf_free_strings(*(char ***)field,
			                  *(size_t *)((char *)base + k->offset_n));
			break;
		case CT_GROUP_LIST: {
			char *elems = *(char **)field;
			size_t n = *(size_t *)((char *)base + k->offset_n);
			char sub[PATH_MAX_KEY];

			snprintf(sub, sizeof sub, "%s.", k->path);
			for (size_t e = 0; e < n; e++)
				free_keys(elems + e * k->elem_size, sub, true);
			free(elems);
			break;
		}
		default:
			break;
		}
	}
}

void config_free(struct config *cf)
{
	if (cf == NULL)
		return;
	if (cf->ldap.bind_password) {
		explicit_bzero(cf->ldap.bind_password, strlen(cf->ldap.bind_password));
		free(cf->ldap.bind_password);
	}
	if (cf->limits.redis_password) {
		explicit_bzero(cf->limits.redis_password,
		               strlen(cf->limits.redis_password));
		free(cf->limits.redis_password);
	}
	/* Not keys: the file's name, and the networks parsed from their text. */
	free(cf->path);
	netlist_free(cf->lists.allow_networks);
	for (size_t i = 0; cf->lists.canon != NULL && i < cf->lists.n_accounts; i++)
		account_free(cf->lists.canon[i]);
	free(cf->lists.canon);
	free_keys(cf, "", false);
	free(cf);
}

const char *config_default_path(void)
{
	return SYSCONFDIR "/relaymilter/relaymilter.conf";
}
