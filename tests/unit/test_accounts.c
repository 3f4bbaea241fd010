/*
 * test_accounts: canonical logins (lib/login.c: case, IDN domains, the
 * default domain, "+ext" kept, and every refusal: empty, "@" alone, two
 * "@", controls, spaces, invalid UTF-8, over-long), owner matching
 * (policy/account.c, Postfix's sender_login semantics: own address, listed
 * addresses, "@domain", "+ext" and case ignored, the null sender) and the
 * account map (ambiguous keys never answer).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/login.h"
#include "policy/account.h"
#include "tests/unit/tap.h"

static const struct {
	const char *typed;
	const char *def;  /* accounts.default_domain (normalised), NULL: none */
	const char *want; /* NULL: refused */
} login_rows[] = {
    {"alice", "example.org", "alice@example.org"},
    {"Alice", "example.org", "alice@example.org"},
    {"alice@example.org", "example.org", "alice@example.org"},
    {"ALICE@EXAMPLE.ORG", NULL, "alice@example.org"},
    {"alice", NULL, "alice"},
    {"alice", "", "alice"},
    {"alice@other.example", "example.org", "alice@other.example"},
    {"alice+tag@example.org", NULL, "alice+tag@example.org"},
    {"bob@B\xc3\xbc"
     "cher.example",
     NULL, "bob@xn--bcher-kva.example"},
    {"bob@example.org.", NULL, "bob@example.org"},
    {"j\xc3\xb6rg@example.org", NULL, "j\xc3\xb6rg@example.org"},
    {"", "example.org", NULL},
    {"@", NULL, NULL},
    {"@example.org", NULL, NULL},
    {"alice@", NULL, NULL},
    {"a@b@example.org", NULL, NULL},
    {"alice bob", NULL, NULL},
    {"alice\r\n", NULL, NULL},
    {"alice\x01", NULL, NULL},
    {"alice\x7f", NULL, NULL},
    {"al\xffice", NULL, NULL},
    {"al\xc3", NULL, NULL},
    {"alice@exa mple.org", NULL, NULL},
    {"alice@a..b", NULL, NULL},
    {"*", NULL, "*"},
    {")(uid=*", NULL, ")(uid=*"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaa",
     NULL, NULL},
    /* 310 bytes: fine alone, too long with the default domain appended */
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaa"
     "aaaaaaaaaa",
     "example.org", NULL},
};

START_TEST(t_login)
{
	const char *why = NULL;
	char *got = login_canonical(login_rows[_i].typed, login_rows[_i].def, &why);

	if (login_rows[_i].want == NULL) {
		ck_assert_msg(got == NULL, "row %d: \"%s\" accepted as \"%s\"", _i,
		              login_rows[_i].typed, got);
		ck_assert_ptr_nonnull(why);
	} else {
		ck_assert_msg(got != NULL, "row %d: refused: %s", _i, why);
		ck_assert_str_eq(got, login_rows[_i].want);
	}
	free(got);
}
END_TEST

static const struct {
	const char *login;   /* canonical */
	const char *senders; /* the account's, ","-separated; NULL: no account */
	const char *sender;  /* MAIL FROM */
	bool owned;
} owner_rows[] = {
    {"alice@example.org", NULL, "<alice@example.org>", true},
    {"alice@example.org", NULL, "<Alice@Example.ORG>", true},
    {"alice@example.org", NULL, "<alice+lists@example.org>", true},
    {"alice@example.org", NULL, "<bob@example.org>", false},
    {"alice@example.org", NULL, "<alice@example.net>", false},
    {"alice@example.org", NULL, "<>", true},
    {"alice", NULL, "<alice@example.org>", false}, /* a bare login owns no address */
    {"alice@example.org", "@example.net", "<anyone@example.net>", true},
    {"alice@example.org", "@example.net", "<anyone@sub.example.net>", false},
    {"alice@example.org", "alias@example.org", "<Alias+x@EXAMPLE.org>", true},
    {"alice@example.org", "alias@example.org", "<aliases@example.org>", false},
    {"alice@example.org", "alias+tag@example.org", "<alias@example.org>", true},
    {"alice@example.org", "@xn--bcher-kva.example",
     "<x@b\xc3\xbc"
     "cher.example>",
     true},
    {"alice@example.org", "bob@example.org,@example.com", "<carol@example.com>", true},
    {"alice@example.org", "bob@example.org,@example.com", "<carol@example.org>", false},
    {"alice@example.org", "", "<+@example.org>", false},
    {"*", NULL, "<anyone@example.org>", false},
};

START_TEST(t_owner)
{
	struct account *a = NULL;
	struct address addr;
	const char *err = NULL;

	if (owner_rows[_i].senders != NULL) {
		char *copy = strdup(owner_rows[_i].senders), *save = NULL;

		a = account_new(owner_rows[_i].login);
		for (char *t = strtok_r(copy, ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			char *n = account_sender_normalize(t, &err);

			ck_assert_msg(n != NULL, "row %d: %s: %s", _i, t, err);
			account_add_sender(a, n);
			free(n);
		}
		free(copy);
	}
	ck_assert_int_eq(
	    address_parse(owner_rows[_i].sender, ADDRESS_SENDER, &addr, &err), 0);
	ck_assert_msg(account_owns(a, owner_rows[_i].login, &addr) ==
	                  owner_rows[_i].owned,
	              "row %d: %s owns %s: want %d", _i, owner_rows[_i].login,
	              owner_rows[_i].sender, owner_rows[_i].owned);
	address_clear(&addr);
	account_free(a);
}
END_TEST

START_TEST(t_accountset)
{
	struct accountset_builder *b = accountset_builder_create();
	struct accountset *s;
	const struct account *a = NULL;
	struct account *x = account_new("x@example.org"),
	               *y = account_new("y@example.org"), *z;

	y->suspended = true;
	accountset_builder_add(b, "s:x@example.org", x);
	accountset_builder_alias(b, "u:x");
	accountset_builder_alias(b, "u:x"); /* the same account twice: not ambiguous */
	accountset_builder_add(b, "s:y@example.org", y);
	accountset_builder_alias(b, "u:shared");
	z = account_new("z@example.org");
	account_add_sender(z, "@example.net");
	accountset_builder_add(b, "u:shared", z);
	s = accountset_build(b);
	ck_assert_uint_eq(accountset_count(s), 3);
	ck_assert_int_eq(accountset_find(s, "s:x@example.org", &a), ACCOUNTSET_FOUND);
	ck_assert_str_eq(a->login, "x@example.org");
	ck_assert_int_eq(accountset_find(s, "u:x", &a), ACCOUNTSET_FOUND);
	ck_assert_str_eq(a->login, "x@example.org");
	ck_assert_int_eq(accountset_find(s, "s:y@example.org", &a), ACCOUNTSET_FOUND);
	ck_assert(a->suspended);
	/* Claimed by y (suspended) and z (owns @example.net): merged. */
	ck_assert_int_eq(accountset_find(s, "u:shared", &a), ACCOUNTSET_FOUND);
	ck_assert(a->suspended);
	ck_assert_uint_eq(a->n_senders, 0);
	ck_assert_int_eq(accountset_find(s, "u:nobody", &a), ACCOUNTSET_NONE);
	accountset_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("accounts");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_login, 0, N_ROWS(login_rows));
	tcase_add_loop_test(tc, t_owner, 0, N_ROWS(owner_rows));
	tcase_add_test(tc, t_accountset);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
