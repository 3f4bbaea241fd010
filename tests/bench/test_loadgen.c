/*
 * test_loadgen: the load generator's own logic, table-driven: envelope
 * line parsing, "{n}" expansion, which replies are right for a category,
 * and nearest-rank percentiles.
 */
#include "config.h"

#include <string.h>

#include "tests/bench/envfile.h"
#include "tests/bench/latency.h"
#include "tests/unit/tap.h"

static const struct parse_row {
	const char *line;
	int ret;
	int cat;
	char family;
	const char *auth;
	const char *from;
	size_t n_rcpts;
} parse_rows[] = {
    {"local 203.0.113.9 - <a@x.test> <b@d1.test>", 1, CAT_LOCAL, '4', NULL, "<a@x.test>",
     1},
    {"authenticated 2001:db8::9 alice <> <a@r.test> <b@r.test>", 1, CAT_AUTHENTICATED,
     '6', "alice", "<>", 2},
    {"  remote\t203.0.113.9 - <a@x.test> <b@{n}.r.test>\n", 1, CAT_REMOTE, '4', NULL,
     "<a@x.test>", 1},
    {"# a comment", 0, 0, 0, NULL, NULL, 0},
    {"   \n", 0, 0, 0, NULL, NULL, 0},
    {"local 203.0.113.9 - <a@x.test>", -1, 0, 0, NULL, NULL, 0},
    {"bogus 203.0.113.9 - <a@x.test> <b@y.test>", -1, 0, 0, NULL, NULL, 0},
};

START_TEST(test_parse)
{
	const struct parse_row *r = &parse_rows[_i];
	struct envelope e;
	char err[200];
	int ret = envelope_parse(r->line, &e, err, sizeof err);

	ck_assert_int_eq(ret, r->ret);
	if (ret != 1)
		return;
	ck_assert_int_eq(e.cat, r->cat);
	ck_assert_int_eq(e.family, r->family);
	if (r->auth)
		ck_assert_str_eq(e.auth, r->auth);
	else
		ck_assert_ptr_null(e.auth);
	ck_assert_str_eq(e.from, r->from);
	ck_assert_uint_eq(e.n_rcpts, r->n_rcpts);
	envelope_free(&e);
}
END_TEST

static const struct expand_row {
	const char *tmpl;
	unsigned long n;
	size_t outlen;
	bool ok;
	const char *out;
} expand_rows[] = {
    {"<u@d{n}.test>", 42, 64, true, "<u@d42.test>"},
    {"<u@plain.test>", 7, 64, true, "<u@plain.test>"},
    {"{n}{n}", 12, 64, true, "1212"},
    {"<u@d{n}.test>", 12345, 8, false, NULL},
    {"abcdef", 0, 6, false, NULL},
    {"abcde", 0, 6, true, "abcde"},
};

START_TEST(test_expand)
{
	const struct expand_row *r = &expand_rows[_i];
	char out[64];

	ck_assert(env_expand(r->tmpl, r->n, out, r->outlen) == r->ok);
	if (r->ok)
		ck_assert_str_eq(out, r->out);
}
END_TEST

/* "{s}": the session's number, in every field that has it; env_expand
 * leaves it alone. */
START_TEST(test_expand_session)
{
	char out[64];
	struct envelope e;
	char err[128];

	ck_assert(env_expand_session("u{s}", 7, 42, out, sizeof out));
	ck_assert_str_eq(out, "u42");
	ck_assert(env_expand_session("<u{s}@r{n}.test>", 7, 42, out, sizeof out));
	ck_assert_str_eq(out, "<u42@r7.test>");
	ck_assert(env_expand("<u{s}@r{n}.test>", 7, out, sizeof out));
	ck_assert_str_eq(out, "<u{s}@r7.test>");
	ck_assert(!env_expand_session("u{s}", 0, 12345, out, 5));
	ck_assert_int_eq(
	    envelope_parse(
	        "authenticated 203.0.113.9 u{s} <u{s}@example.org> <a@r{n}.test>", &e,
	        err, sizeof err),
	    1);
	ck_assert(env_has_session(&e));
	envelope_free(&e);
	ck_assert_int_eq(
	    envelope_parse("local 203.0.113.9 - <> <u@d{n}.test>", &e, err, sizeof err),
	    1);
	ck_assert(!env_has_session(&e));
	envelope_free(&e);
}
END_TEST

static const struct reply_row {
	int cat;
	enum env_stage stage;
	const char *reply;
	bool outage;
	bool ok;
} reply_rows[] = {
    {CAT_ALLOWLISTED, ENV_RCPT, "continue", false, true},
    {CAT_ALLOWLISTED, ENV_RCPT, "451", true, false},
    {CAT_AUTHENTICATED, ENV_RCPT, "550", false, false},
    {CAT_LOCAL, ENV_RCPT, "continue", false, true},
    {CAT_LOCAL, ENV_RCPT, "451", false, false},
    {CAT_LOCAL, ENV_RCPT, "451", true, true},
    {CAT_SUBDOMAIN, ENV_RCPT, "550", false, false},
    {CAT_REMOTE, ENV_RCPT, "550", false, true},
    {CAT_REMOTE, ENV_RCPT, "continue", false, false},
    {CAT_REMOTE, ENV_RCPT, "continue", true, false},
    {CAT_REMOTE, ENV_RCPT, "451", true, true},
    {CAT_ROUTED, ENV_RCPT, "continue", false, false},
    {CAT_MALFORMED, ENV_RCPT, "501", false, true},
    {CAT_MALFORMED, ENV_RCPT, "continue", false, false},
    {CAT_MALFORMED, ENV_MAIL, "553", false, true},
    {CAT_LOCAL, ENV_MAIL, "553", false, false},
    {CAT_LOCAL, ENV_MAIL, "continue", false, true},
    {CAT_AUTHENTICATED, ENV_MAIL, "451", true, false},
};

START_TEST(test_reply)
{
	const struct reply_row *r = &reply_rows[_i];

	ck_assert(env_reply_ok((enum env_category)r->cat, r->stage, r->reply,
	                       r->outage) == r->ok);
}
END_TEST

static const struct pct_row {
	size_t n; /* samples 1..n, pushed in reverse */
	double p;
	uint64_t want;
} pct_rows[] = {
    {0, 50, 0},    {1, 99.9, 1},      {10, 50, 5},     {10, 99, 10},       {100, 50, 50},
    {100, 99, 99}, {1000, 99.9, 999}, {1000, 99, 990}, {1001, 99.9, 1000}, {3, 100, 3},
};

START_TEST(test_percentile)
{
	const struct pct_row *r = &pct_rows[_i];
	struct latvec v = {0}, w = {0};

	for (size_t i = r->n; i > r->n / 2; i--)
		latvec_push(&v, i);
	for (size_t i = r->n / 2; i >= 1; i--)
		latvec_push(&w, i);
	latvec_merge(&v, &w);
	latvec_sort(&v);
	ck_assert_uint_eq(latvec_percentile(&v, r->p), r->want);
	latvec_free(&v);
	latvec_free(&w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loadgen");
	TCase *tc = tcase_create("logic");

	tcase_add_loop_test(tc, test_parse, 0, N_ROWS(parse_rows));
	tcase_add_loop_test(tc, test_expand, 0, N_ROWS(expand_rows));
	tcase_add_test(tc, test_expand_session);
	tcase_add_loop_test(tc, test_reply, 0, N_ROWS(reply_rows));
	tcase_add_loop_test(tc, test_percentile, 0, N_ROWS(pct_rows));
	suite_add_tcase(s, tc);
	return tap_run(s);
}
