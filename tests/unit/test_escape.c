/*
 * test_escape: log and JSON escaping of untrusted strings, one row per case.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "lib/escape.h"
#include "tests/unit/tap.h"

struct row {
	const char *in;
	const char *log;  /* escape_log_value */
	const char *json; /* escape_json */
};

static const struct row rows[] = {
    {"plain@example.org", "plain@example.org", "plain@example.org"},
    {"", "-", ""},
    {"a b", "\"a b\"", "a b"},
    {"x=y", "\"x=y\"", "x=y"},
    {"a\r\nsession=forged", "\"a\\x0d\\x0asession=forged\"",
     "a\\u000d\\u000asession=forged"},
    {"tab\there", "\"tab\\x09here\"", "tab\\u0009here"},
    {"quote\"d", "\"quote\\\"d\"", "quote\\\"d"},
    {"back\\slash", "back\\\\slash", "back\\\\slash"},
    {"del\x7f", "del\\x7f", "del\\u007f"},
    {"esc\x1b[31m", "esc\\x1b[31m", "esc\\u001b[31m"},
    {"b\xc3\xbc"
     "cher",
     "b\xc3\xbc"
     "cher",
     "b\xc3\xbc"
     "cher"},
    {"bad\xff", "bad\\xff", "bad\\\\xff"},
    {"trunc\xc3", "trunc\\xc3", "trunc\\\\xc3"},
    {"overlong\xc0\xaf", "overlong\\xc0\\xaf", "overlong\\\\xc0\\\\xaf"},
    {"surrogate\xed\xa0\x80", "surrogate\\xed\\xa0\\x80",
     "surrogate\\\\xed\\\\xa0\\\\x80"},
    /* C1 controls (U+0085 NEL, U+009B CSI) are controls too: escaped */
    {"nel\xc2\x85x", "nel\\xc2\\x85x", "nel\\\\xc2\\\\x85x"},
    {"csi\xc2\x9b"
     "31m",
     "csi\\xc2\\x9b31m", "csi\\\\xc2\\\\x9b31m"},
    {"nbsp\xc2\xa0ok", "nbsp\xc2\xa0ok", "nbsp\xc2\xa0ok"},
    {"\xf0\x9f\x93\xa7", "\xf0\x9f\x93\xa7", "\xf0\x9f\x93\xa7"},
};

START_TEST(t_rows)
{
	const struct row *r = &rows[_i];
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	strbuf_init(&a);
	strbuf_init(&b);
	escape_log_value(&a, r->in);
	escape_json(&b, r->in);
	ck_assert_str_eq(a.data, r->log);
	ck_assert_str_eq(b.data, r->json);
	/* No escaped form may contain a raw control character. */
	for (size_t i = 0; i < a.len; i++)
		ck_assert_int_ge((unsigned char)a.data[i], 0x20);
	strbuf_free(&a);
	strbuf_free(&b);
}
END_TEST

START_TEST(t_null_and_bytes)
{
	struct strbuf a = STRBUF_INIT;

	strbuf_init(&a);
	escape_log_value(&a, NULL);
	ck_assert_str_eq(a.data, "-");
	strbuf_reset(&a);
	escape_bytes(&a, "a\0b", 3);
	ck_assert_str_eq(a.data, "a\\x00b");
	strbuf_free(&a);
}
END_TEST

START_TEST(t_strbuf_growth)
{
	struct strbuf a = STRBUF_INIT;
	char *s;

	strbuf_init(&a);
	for (int i = 0; i < 1000; i++)
		strbuf_appendf(&a, "%04d", i);
	ck_assert_uint_eq(a.len, 4000);
	ck_assert(strncmp(a.data + 3996, "0999", 4) == 0);
	s = strbuf_detach(&a);
	ck_assert_uint_eq(strlen(s), 4000);
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("rows");

	tcase_add_loop_test(tc, t_rows, 0, N_ROWS(rows));
	tcase_add_test(tc, t_null_and_bytes);
	tcase_add_test(tc, t_strbuf_growth);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
