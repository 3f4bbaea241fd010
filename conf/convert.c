/*
 * convert: the key table's stores that turn a value into something other
 * than a copy of it: the unix socket mode, the syslog facility, the lookup
 * error action, normalised local domains, the allowlist (a struct netlist),
 * and the LDAP bind password read from its file. Each reports through
 * conf_value_error and leaves the field as it was when the value is bad.
 * The bind password is never formatted into a message.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/keys.h"
#include "conf/loader.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "lib/address.h"
#include "lib/netlist.h"

/* Largest bind password file we read. */
#define PASSWORD_MAX 4096

#define FIELD_AT(base, k, type) ((type *)((char *)(base) + (k)->offset))

void conf_store_socket_mode(struct conf_ctx *ctx, const struct conf_key *k,
                            const struct conf_value *v, void *base)
{
	size_t n = strlen(v->str);
	long mode;

	if (n == 0 || n > 4 || strspn(v->str, "01234567") != n) {
		conf_value_error(ctx, k, v, "\"%s\" is not an octal mode like \"0660\"",
		                 v->str);
		return;
	}
	mode = strtol(v->str, NULL, 8);
	if (mode < k->min || mode > k->max) {
		conf_value_error(ctx, k, v, "\"%s\" is beyond 0777", v->str);
		return;
	}
	*FIELD_AT(base, k, int) = (int)mode;
}

void conf_store_facility(struct conf_ctx *ctx, const struct conf_key *k,
                         const struct conf_value *v, void *base)
{
	int facility = log_facility_by_name(v->str);

	if (facility < 0) {
		conf_value_error(
		    ctx, k, v,
		    "unknown syslog facility \"%s\" (known: mail, daemon, user, "
		    "local0 ... local7)",
		    v->str);
		return;
	}
	*FIELD_AT(base, k, int) = facility;
}

void conf_store_lookup_error(struct conf_ctx *ctx, const struct conf_key *k,
                             const struct conf_value *v, void *base)
{
	if (strcmp(v->str, "accept") == 0) {
		conf_value_error(
		    ctx, k, v,
		    "\"accept\" is refused: a directory outage would turn this "
		    "into an open relay; use \"tempfail\" (the client retries) or "
		    "\"reject\"");
		return;
	}
	conf_store_generic(ctx, k, v, base);
}

/* Item I of V as its own value, for an error at the item's line. */
static struct conf_value item_value(const struct conf_value *v, size_t i)
{
	struct conf_value item = *v;

	if (v->lines[i] != 0)
		item.line = v->lines[i];
	return item;
}

void conf_store_local_domains(struct conf_ctx *ctx, const struct conf_key *k,
                              const struct conf_value *v, void *base)
{
	char **doms = xcalloc(v->n_items + 1, sizeof *doms);
	size_t n = 0;
	bool ok = true;

	for (size_t i = 0; i < v->n_items; i++) {
		struct conf_value item = item_value(v, i);
		const char *why = NULL;
		char *dom = address_normalize_domain(v->items[i], &why);
		size_t j;

		if (dom == NULL) {
			conf_value_error(ctx, k, &item, "\"%s\": %s", v->items[i],
			                 why ? why : "not a domain");
			ok = false;
			continue;
		}
		for (j = 0; j < n && strcmp(doms[j], dom) != 0; j++)
			;
		if (j < n) {
			conf_value_error(ctx, k, &item, "\"%s\" is listed twice",
			                 v->items[i]);
			free(dom);
			ok = false;
			continue;
		}
		doms[n++] = dom;
	}
	if (!ok) {
		conf_free_strings(doms, n);
		return;
	}
	conf_free_strings(*FIELD_AT(base, k, char **),
	                  *(size_t *)((char *)base + k->offset_n));
	*FIELD_AT(base, k, char **) = doms;
	*(size_t *)((char *)base + k->offset_n) = n;
}

/* The netlist lives next to the text list, in struct policy_params. */
void conf_store_allow_networks(struct conf_ctx *ctx, const struct conf_key *k,
                               const struct conf_value *v, void *base)
{
	struct lists_conf *pol = &((struct config *)base)->lists;
	struct netlist *list = netlist_create();
	bool ok = true;

	for (size_t i = 0; i < v->n_items; i++) {
		struct conf_value item = item_value(v, i);
		const char *why = NULL;

		if (netlist_add(list, v->items[i], &why) != 0) {
			conf_value_error(ctx, k, &item, "\"%s\": %s", v->items[i],
			                 why ? why : "not a network");
			ok = false;
		}
	}
	if (!ok) {
		netlist_free(list);
		return;
	}
	netlist_free(pol->allow_networks);
	pol->allow_networks = list;
	conf_store_generic(ctx, k, v, base); /* the text, for traces */
}

/* Read the password from an open FD; NULL (reported) if unusable. */
static char *read_password(struct conf_ctx *ctx, const struct conf_key *k,
                           const struct conf_value *v, int fd)
{
	char buf[PASSWORD_MAX + 1], *pw = NULL;
	ssize_t n, len = 0;

	while ((n = read(fd, buf + len, sizeof buf - 1 - (size_t)len)) > 0)
		len += n;
	if (n < 0)
		conf_value_error(ctx, k, v, "%s: %s", v->str, strerror(errno));
	else if (len >= PASSWORD_MAX)
		conf_value_error(ctx, k, v, "%s: larger than %d bytes", v->str,
		                 PASSWORD_MAX);
	else {
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			len--;
		if (len == 0)
			conf_value_error(ctx, k, v, "%s: the file is empty", v->str);
		else if (memchr(buf, '\0', (size_t)len) != NULL)
			conf_value_error(ctx, k, v,
			                 "%s: the password contains a NUL byte", v->str);
		else
			pw = xstrndup(buf, (size_t)len);
	}
	explicit_bzero(buf, sizeof buf);
	return pw;
}

/* The password in the file V names (absolute, a regular file nobody but
 * its owner may read); NULL when "" (none) or when unusable (reported). */
static char *password_from_file(struct conf_ctx *ctx, const struct conf_key *k,
                                const struct conf_value *v)
{
	struct stat st;
	char *pw = NULL;
	int fd;

	if (v->str[0] == '\0')
		return NULL; /* "" means none */
	if (v->str[0] != '/') {
		conf_value_error(ctx, k, v, "must be an absolute path");
		return NULL;
	}
	/* O_NONBLOCK: a FIFO planted there must not hang the load. */
	if ((fd = open(v->str, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		conf_value_error(ctx, k, v, "%s: %s", v->str, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		conf_value_error(ctx, k, v, "%s: not a regular file", v->str);
	else if (st.st_mode & 077)
		conf_value_error(
		    ctx, k, v,
		    "%s: group or others have access (mode %04o): chmod 600 it", v->str,
		    (unsigned)(st.st_mode & 07777));
	else
		pw = read_password(ctx, k, v, fd);
	close(fd);
	return pw;
}

static void replace_secret(char **dst, char *pw)
{
	if (*dst != NULL) {
		explicit_bzero(*dst, strlen(*dst));
		free(*dst);
	}
	*dst = pw;
}

void conf_store_password_file(struct conf_ctx *ctx, const struct conf_key *k,
                              const struct conf_value *v, void *base)
{
	struct dir_ldap_params *l = &((struct config *)base)->ldap;
	char *pw = password_from_file(ctx, k, v);

	if (pw == NULL)
		return;
	replace_secret(&l->bind_password, pw);
	free(l->bind_password_file);
	l->bind_password_file = xstrdup(v->str);
}

/* limits.redis.password_file: as ldap.bind_password_file. */
void conf_store_redis_password_file(struct conf_ctx *ctx, const struct conf_key *k,
                                    const struct conf_value *v, void *base)
{
	struct limits_params *l = &((struct config *)base)->limits;
	char *pw = password_from_file(ctx, k, v);

	if (pw == NULL)
		return;
	replace_secret(&l->redis_password, pw);
	free(l->redis_password_file);
	l->redis_password_file = xstrdup(v->str);
}

/* policy.accounts.login: stored as written, with its line, for the
 * canonical check once accounts.default_domain is known (conf.c). */
void conf_store_account_login(struct conf_ctx *ctx, const struct conf_key *k,
                              const struct conf_value *v, void *base)
{
	conf_store_generic(ctx, k, v, base);
	((struct account_conf *)base)->line = v->line;
}

/* accounts.default_domain: a domain, normalised like local_domains. */
void conf_store_default_domain(struct conf_ctx *ctx, const struct conf_key *k,
                               const struct conf_value *v, void *base)
{
	const char *why = NULL;
	char *dom;

	if (v->str == NULL || *v->str == '\0') {
		conf_store_generic(ctx, k, v, base);
		return;
	}
	if ((dom = address_normalize_domain(v->str, &why)) == NULL) {
		conf_value_error(ctx, k, v, "\"%s\": %s", v->str,
		                 why ? why : "not a domain");
		return;
	}
	free(*(char **)((char *)base + k->offset));
	*(char **)((char *)base + k->offset) = dom;
}

/* limits.rules.name: a name as overrides write it (letters, digits, '-',
 * '_'), stored with its line for the rules' cross checks (conf.c). */
void conf_store_rule_name(struct conf_ctx *ctx, const struct conf_key *k,
                          const struct conf_value *v, void *base)
{
	for (const char *c = v->str; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_')) {
			conf_value_error(ctx, k, v,
			                 "\"%s\": letters, digits, '-' and '_' only",
			                 v->str);
			return;
		}
	if (*v->str == '\0') {
		conf_value_error(ctx, k, v, "must not be empty");
		return;
	}
	if (strlen(v->str) > LIMIT_NAME_MAX) {
		conf_value_error(ctx, k, v, "longer than %d characters", LIMIT_NAME_MAX);
		return;
	}
	conf_store_generic(ctx, k, v, base);
	((struct limit_rule *)base)->line = v->line;
}
