/*
 * test_config: the config loader, table-driven. Each row is a config text
 * (written to a temporary file; @TMP@ stands for the test's temporary
 * directory) and either the value one key must have after loading, or the
 * error substrings (with their LINE) the load must report. Further tables:
 * every key's default, data files (the shipped example, an @include), and
 * the bind password file's permissions.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/keys.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "tests/unit/tap.h"

#include "tests/unit/config_rows.h"

static char tmpdir[] = "/tmp/test_config.XXXXXX";

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	fputs(text, fp);
	fclose(fp);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static void setup(void)
{
	char path[512];

	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	write_file("pw600", "s3cret\n", 0600);
	write_file("pw400", "s3cret", 0400);
	write_file("pwcrlf", "s3cret\r\n", 0600);
	write_file("pw644", "s3cret\n", 0644);
	write_file("pw640", "s3cret\n", 0640);
	write_file("pw604", "s3cret\n", 0604);
	write_file("pw620", "s3cret\n", 0620);
	write_file("pwempty", "\n", 0600);
	write_file("ca.pem", "-----BEGIN CERTIFICATE-----\n", 0644);
	snprintf(path, sizeof path, "%s/adir", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
}

static void teardown(void)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

/* TEXT with @TMP@ replaced, written to a fresh file; returns its path. */
static char *write_config(const char *text, int i)
{
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	const char *p, *at;
	FILE *fp;

	strbuf_init(&sb);
	for (p = text; (at = strstr(p, "@TMP@")) != NULL; p = at + 5) {
		strbuf_add(&sb, p, (size_t)(at - p));
		strbuf_puts(&sb, tmpdir);
	}
	strbuf_puts(&sb, p);
	strbuf_init(&path);
	strbuf_appendf(&path, "%s/row%d.conf", tmpdir, i);
	fp = fopen(path.data, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(sb.data, fp);
	fclose(fp);
	strbuf_free(&sb);
	return strbuf_detach(&path);
}

static const char *facility_name(int f)
{
	static const struct {
		int value;
		const char *name;
	} names[] = {{LOG_MAIL, "mail"},     {LOG_DAEMON, "daemon"},
	             {LOG_USER, "user"},     {LOG_LOCAL0, "local0"},
	             {LOG_LOCAL3, "local3"}, {LOG_LOCAL7, "local7"}};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].value == f)
			return names[i].name;
	return "?";
}

static void format_list(struct strbuf *sb, char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strbuf_appendf(sb, "%s%s", i ? "," : "", items[i]);
}

/* Pseudo keys for what the table does not describe directly. */
static bool format_special(const struct config *cf, const char *key, struct strbuf *sb)
{
	if (strcmp(key, "ldap.enabled") == 0)
		strbuf_puts(sb, cf->ldap.enabled ? "true" : "false");
	else if (strcmp(key, "ldap.bind_password") == 0)
		strbuf_puts(sb,
		            cf->ldap.bind_password ? cf->ldap.bind_password : "(null)");
	else if (strcmp(key, "policy.allow_networks.count") == 0)
		strbuf_appendf(sb, "%zu", netlist_count(cf->lists.allow_networks));
	else if (strcmp(key, "path") == 0)
		strbuf_puts(sb, cf->path);
	else if (strcmp(key, "policy.listeners") == 0) {
		for (size_t i = 0; i < cf->policy.n_listeners; i++) {
			const struct listener_params *l = &cf->policy.listeners[i];

			strbuf_appendf(sb, "%s%s:%d:%d", i ? "," : "", l->name,
			               l->require_auth, l->require_tls_auth);
		}
	} else if (strcmp(key, "limits.rules") == 0) {
		for (size_t i = 0; i < cf->limits.n_rules; i++) {
			const struct limit_rule *r = &cf->limits.rules[i];

			strbuf_appendf(sb, "%s%s:%d:%d:%ld/%g:%d:%g", i ? "," : "",
			               r->name, r->key, r->count, r->max, r->per,
			               r->action, r->suspend);
		}
	} else if (strcmp(key, "policy.accounts") == 0) {
		/* login:suspended:senders(+):limits(+) per canonical account */
		for (size_t i = 0; i < cf->lists.n_accounts; i++) {
			const struct account *a = cf->lists.canon[i];

			strbuf_appendf(sb, "%s%s:%d:", i ? "," : "", a->login,
			               a->suspended);
			for (size_t j = 0; j < a->n_senders; j++)
				strbuf_appendf(sb, "%s%s", j ? "+" : "", a->senders[j]);
			strbuf_putc(sb, ':');
			for (size_t j = 0; j < a->n_limits; j++)
				strbuf_appendf(sb, "%s%s", j ? "+" : "", a->limits[j]);
		}
	} else
		return false;
	return true;
}

/* The value of KEY in CF as text, the way the rows write it. */
static void format_key(const struct config *cf, const char *key, struct strbuf *sb)
{
	const struct conf_key *k = conf_key_find(key);
	const char *field;

	if (format_special(cf, key, sb))
		return;
	ck_assert_msg(k != NULL, "no key %s", key);
	field = (const char *)cf + k->offset;
	if (strcmp(key, "socket_mode") == 0)
		strbuf_appendf(sb, "%04o", *(const int *)field);
	else if (strcmp(key, "log.facility") == 0)
		strbuf_puts(sb, facility_name(*(const int *)field));
	else if (k->type == CT_STRING)
		strbuf_puts(sb, *(char *const *)field ? *(char *const *)field : "(null)");
	else if (k->type == CT_BOOL)
		strbuf_puts(sb, *(const bool *)field ? "true" : "false");
	else if (k->type == CT_ENUM)
		strbuf_puts(sb, k->words[k->size == sizeof(bool) ? *(const bool *)field
		                                                 : *(const int *)field]);
	else if (k->type == CT_INT)
		strbuf_appendf(sb, "%ld",
		               k->size == sizeof(int) ? (long)*(const int *)field
		                                      : *(const long *)field);
	else if (k->type == CT_FLOAT)
		strbuf_appendf(sb, "%g", *(const double *)field);
	else if (k->type == CT_STRING_LIST)
		format_list(sb, *(char **const *)field,
		            *(const size_t *)((const char *)cf + k->offset_n));
}

/* Every '|'-separated piece of EXPECT must be in ERRORS. */
static void assert_errors(const char *errors, const char *expect, const char *text)
{
	char *copy = xstrdup(expect), *save = NULL;

	for (char *piece = strtok_r(copy, "|", &save); piece;
	     piece = strtok_r(NULL, "|", &save))
		ck_assert_msg(strstr(errors, piece) != NULL,
		              "expected error \"%s\" for:\n%s\ngot:\n%s", piece, text,
		              errors);
	free(copy);
}

static void check_row(const struct row *r, int i)
{
	const char *errors = "";
	struct strbuf got = STRBUF_INIT;
	char *path = write_config(r->text, i);
	struct config *cf = config_load(path, &errors);

	if (r->expect != NULL) {
		ck_assert_msg(cf == NULL, "row %d loaded, expected \"%s\":\n%s", i,
		              r->expect, r->text);
		assert_errors(errors, r->expect, r->text);
		if (r->n_errors > 0) {
			int n = 1; /* lines: one more than the newlines between them */

			for (const char *p = errors; (p = strchr(p, '\n')); p++)
				n++;
			ck_assert_msg(n == r->n_errors,
			              "row %d: %d errors, expected %d:\n%s", i, n,
			              r->n_errors, errors);
		}
	} else {
		ck_assert_msg(cf != NULL, "row %d failed:\n%s\n%s", i, r->text, errors);
		if (r->key != NULL) {
			strbuf_init(&got);
			format_key(cf, r->key, &got);
			ck_assert_msg(strcmp(got.data, r->value) == 0,
			              "row %d: %s is \"%s\", expected \"%s\"", i, r->key,
			              got.data, r->value);
		}
	}
	config_free(cf);
	strbuf_free(&got);
	free(path);
}

START_TEST(test_rows)
{
	check_row(&rows[_i], _i);
}
END_TEST

/* Every key with a default has it after loading an empty file. */
START_TEST(test_defaults)
{
	const struct conf_key *k = &conf_keys[_i];
	const char *errors = "";
	struct strbuf got = STRBUF_INIT, want = STRBUF_INIT;
	char *path = write_config("// nothing\n", 1000 + _i);
	struct config *cf = config_load(path, &errors);

	ck_assert_msg(cf != NULL, "%s", errors);
	strbuf_init(&got);
	strbuf_init(&want);
	if (k->def == NULL && k->def_list == NULL) {
		if (k->type == CT_STRING && !(k->flags & KF_ELEMENT)) {
			format_key(cf, k->path, &got);
			ck_assert_str_eq(got.data, "(null)");
		}
	} else if (!(k->flags & KF_ELEMENT)) {
		format_key(cf, k->path, &got);
		if (k->def_list)
			for (size_t j = 0; k->def_list[j]; j++)
				strbuf_appendf(&want, "%s%s", j ? "," : "",
				               k->def_list[j]);
		else if (k->type == CT_FLOAT)
			strbuf_appendf(&want, "%g", strtod(k->def, NULL));
		else
			strbuf_puts(&want, k->def[0] || !(k->flags & KF_EMPTY_NULL)
			                       ? k->def
			                       : "(null)");
		ck_assert_msg(strcmp(got.data, want.data) == 0, "%s: \"%s\" vs \"%s\"",
		              k->path, got.data, want.data);
	}
	ck_assert_msg(k->doc != NULL && k->doc[0] != '\0', "%s has no description",
	              k->path);
	config_free(cf);
	strbuf_free(&got);
	strbuf_free(&want);
	free(path);
}
END_TEST

/* Data files, loaded where they are (an @include is relative to them). */
START_TEST(test_files)
{
	const struct file_row *r = &file_rows[_i];
	const char *top = getenv("top_srcdir");
	struct strbuf path = STRBUF_INIT;
	const char *errors = "";
	struct config *cf;

	strbuf_init(&path);
	strbuf_appendf(&path, "%s/%s", top ? top : ".", r->file);
	cf = config_load(path.data, &errors);
	if (r->expect == NULL)
		ck_assert_msg(cf != NULL, "%s:\n%s", path.data, errors);
	else {
		ck_assert_ptr_null(cf);
		assert_errors(errors, r->expect, path.data);
	}
	config_free(cf);
	strbuf_free(&path);
}
END_TEST

/* The example's commented-out ldap group, uncommented (but for the bind
 * lines, which need a password file), loads and enables LDAP. */
START_TEST(test_example_ldap)
{
	const char *top = getenv("top_srcdir");
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	const char *errors = "";
	char line[512], *path;
	bool inside = false;
	struct config *cf;
	FILE *fp;

	strbuf_init(&in);
	strbuf_appendf(&in, "%s/conf/relaymilter.conf", top ? top : ".");
	ck_assert_ptr_nonnull(fp = fopen(in.data, "r"));
	strbuf_init(&out);
	while (fgets(line, sizeof line, fp) != NULL) {
		if (strncmp(line, "// ldap = {", 11) == 0)
			inside = true;
		if (inside && strstr(line, "bind_") == NULL)
			strbuf_puts(&out, line + 3);
		else
			strbuf_puts(&out, line);
		if (strncmp(line, "// };", 5) == 0)
			inside = false;
	}
	fclose(fp);
	path = write_config(out.data, 2000);
	cf = config_load(path, &errors);
	ck_assert_msg(cf != NULL, "%s", errors);
	ck_assert(cf->ldap.enabled);
	ck_assert_uint_eq(cf->ldap.n_uris, 2);
	ck_assert_str_eq(cf->ldap.networks.attribute, "relayClientNetwork");
	config_free(cf);
	free(path);
	strbuf_free(&in);
	strbuf_free(&out);
}
END_TEST

/* A relative config path is named as given in errors. */
START_TEST(test_relative)
{
	const char *errors = "";
	char cwd[512];
	struct config *cf;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(tmpdir), 0);
	write_file("rel.conf", "\n\nbogus = 1;\n", 0644);
	cf = config_load("rel.conf", &errors);
	ck_assert_ptr_null(cf);
	ck_assert_msg(strncmp(errors, "rel.conf:3: unknown key 'bogus'", 31) == 0, "%s",
	              errors);
	errors = "";
	cf = config_load("missing.conf", &errors);
	ck_assert_ptr_null(cf);
	ck_assert_msg(strstr(errors, "missing.conf: cannot open: No such file") != NULL,
	              "%s", errors);
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

START_TEST(test_default_path)
{
	const char *p = config_default_path();

	ck_assert_msg(strstr(p, "/relaymilter/relaymilter.conf") != NULL, "%s", p);
	ck_assert_int_eq(p[0], '/');
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_rows, 0, N_ROWS(rows));
	tcase_add_loop_test(tc, test_defaults, 0, (int)conf_n_keys);
	tcase_add_loop_test(tc, test_files, 0, N_ROWS(file_rows));
	tcase_add_test(tc, test_example_ldap);
	tcase_add_test(tc, test_relative);
	tcase_add_test(tc, test_default_path);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
