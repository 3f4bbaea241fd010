/* Unit tests for policy/ldap/ldap_filter.c: RFC 4515 escaping with injection
 * shaped values, template checks, and the single-query subdomain filter. */
#include "config.h"

#include <string.h>

#include "policy/ldap/ldap_filter.h"
#include "tests/unit/tap.h"

#define T_DOM "(&(objectClass=domainRelatedObject)(associatedDomain=%s))"

static const struct {
	const char *value;
	size_t len; /* 0: strlen(value) */
	const char *want;
} escape_rows[] = {
    {"example.org", 0, "example.org"},
    {"*", 0, "\\2a"},
    {"a*b", 0, "a\\2ab"},
    {")(", 0, "\\29\\28"},
    {"\\", 0, "\\5c"},
    {"*)(|(objectClass=*", 0, "\\2a\\29\\28|\\28objectClass=\\2a"},
    {"a\0b", 3, "a\\00b"},
    {"\0", 1, "\\00"},
    {"x\r\ny", 0, "x\\0d\\0ay"},
    {"\x7f", 0, "\\7f"},
    {"caf\xc3\xa9.example", 0, "caf\\c3\\a9.example"},
    {"\\2a", 0, "\\5c2a"},
    {"a=b&c|d!e~f<g>h", 0, "a=b&c|d!e~f<g>h"},
    {"", 0, ""},
    {"%s", 0, "%s"},
};

START_TEST(test_escape)
{
	struct strbuf sb;
	size_t len =
	    escape_rows[_i].len ? escape_rows[_i].len : strlen(escape_rows[_i].value);

	strbuf_init(&sb);
	ldap_filter_escape(&sb, escape_rows[_i].value, len);
	ck_assert_str_eq(sb.data, escape_rows[_i].want);
	strbuf_free(&sb);
}
END_TEST

static const struct {
	const char *tmpl;
	const char *value;
	const char *want;
} expand_rows[] = {
    {T_DOM, "example.org",
     "(&(objectClass=domainRelatedObject)(associatedDomain=example.org))"},
    {T_DOM, "*", "(&(objectClass=domainRelatedObject)(associatedDomain=\\2a))"},
    {T_DOM, "x)(objectClass=*",
     "(&(objectClass=domainRelatedObject)(associatedDomain=x\\29\\28objectClass=\\2a))"},
    {"(|(mail=%s)(alias=%s))", "a*", "(|(mail=a\\2a)(alias=a\\2a))"},
    {"(&(cn=100%%)(x=%s))", "y", "(&(cn=100%)(x=y))"},
    {"(objectClass=relayClient)", "ignored", "(objectClass=relayClient)"},
};

START_TEST(test_expand)
{
	struct strbuf sb;

	strbuf_init(&sb);
	ldap_filter_expand(&sb, expand_rows[_i].tmpl, expand_rows[_i].value,
	                   strlen(expand_rows[_i].value));
	ck_assert_str_eq(sb.data, expand_rows[_i].want);
	strbuf_free(&sb);
}
END_TEST

static const struct {
	const char *domain;
	const char *want;
} parent_rows[] = {
    {"example.org", "(d=example.org)"},
    {"localhost", "(d=localhost)"},
    {"b.example.org", "(|(d=b.example.org)(d=example.org))"},
    {"a.b.example.org", "(|(d=a.b.example.org)(d=b.example.org)(d=example.org))"},
    {"*.example.org", "(|(d=\\2a.example.org)(d=example.org))"},
    {"x)(d=*.example.org", "(|(d=x\\29\\28d=\\2a.example.org)(d=example.org))"},
};

START_TEST(test_parents)
{
	struct strbuf sb;

	strbuf_init(&sb);
	ldap_filter_expand_parents(&sb, "(d=%s)", parent_rows[_i].domain);
	ck_assert_str_eq(sb.data, parent_rows[_i].want);
	strbuf_free(&sb);
}
END_TEST

START_TEST(test_expand_any)
{
	struct strbuf sb;

	strbuf_init(&sb);
	ldap_filter_expand_any(&sb, T_DOM);
	ck_assert_str_eq(sb.data,
	                 "(&(objectClass=domainRelatedObject)(associatedDomain=*))");
	strbuf_free(&sb);
}
END_TEST

static const struct {
	const char *tmpl;
	enum ldap_filter_kind kind;
	const char *want; /* NULL ok, else the message */
} check_rows[] = {
    {T_DOM, LDAP_FILTER_LOOKUP, NULL},
    {"(&(dc=%s)(note=100%%))", LDAP_FILTER_LOOKUP, NULL},
    {"(cn=a\\2a%s)", LDAP_FILTER_LOOKUP, NULL},
    {"(objectClass=relayClient)", LDAP_FILTER_BULK, NULL},
    {"(cn=50\\25)", LDAP_FILTER_BULK, NULL},
    {"(cn=50%%)", LDAP_FILTER_LOOKUP,
     "must contain exactly one %s (the looked-up value)"},
    {"(cn=50%%)", LDAP_FILTER_BULK,
     "is used as is and takes no %s; write \\25 for a percent sign"},
    {"(cn=%s)", LDAP_FILTER_BULK,
     "is used as is and takes no %s; write \\25 for a percent sign"},
    {"(&(cn=%s)(sn=%s))", LDAP_FILTER_LOOKUP,
     "must contain exactly one %s (the looked-up value)"},
    {"(objectClass=x)", LDAP_FILTER_LOOKUP,
     "must contain exactly one %s (the looked-up value)"},
    {"", LDAP_FILTER_LOOKUP, "must be enclosed in parentheses"},
    {"(cn=%d)", LDAP_FILTER_LOOKUP,
     "'%' must be followed by 's' (the value) or '%' (a percent sign)"},
    {"(cn=%s", LDAP_FILTER_LOOKUP, "unbalanced parentheses"},
    {"(cn=%s))", LDAP_FILTER_LOOKUP,
     "must be one filter: text follows its closing parenthesis"},
    {"(cn=%s)(x=y)", LDAP_FILTER_LOOKUP,
     "must be one filter: text follows its closing parenthesis"},
    {")(cn=%s(", LDAP_FILTER_LOOKUP, "must be enclosed in parentheses"},
    {"cn=%s", LDAP_FILTER_LOOKUP, "must be enclosed in parentheses"},
    {"(cn=%)", LDAP_FILTER_LOOKUP,
     "'%' must be followed by 's' (the value) or '%' (a percent sign)"},
    {"(cn=%", LDAP_FILTER_LOOKUP, "unbalanced parentheses"},
    {"(cn=\\zz%s)", LDAP_FILTER_LOOKUP,
     "a backslash must be followed by two hex digits (RFC 4515)"},
};

START_TEST(test_check)
{
	const char *err = NULL;
	int rc = ldap_filter_check(check_rows[_i].tmpl, check_rows[_i].kind, &err);

	if (check_rows[_i].want == NULL) {
		ck_assert_int_eq(rc, 0);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_str_eq(err, check_rows[_i].want);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ldap_filter");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_escape, 0, N_ROWS(escape_rows));
	tcase_add_loop_test(tc, test_expand, 0, N_ROWS(expand_rows));
	tcase_add_loop_test(tc, test_parents, 0, N_ROWS(parent_rows));
	tcase_add_test(tc, test_expand_any);
	tcase_add_loop_test(tc, test_check, 0, N_ROWS(check_rows));
	suite_add_tcase(s, tc);
	return tap_run(s);
}
