/*
 * test_address: table-driven tests of lib/address.c. One row per case,
 * the input and the expected result side by side; every row is one TAP line.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/escape.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "lib/address.h"
#include "tests/unit/tap.h"

#define S ADDRESS_SENDER
#define R ADDRESS_RECIPIENT
#define BOTH 2 /* run the row once per role, same expectation */

/* Flags expected on a parsed address. */
#define F_NULL 0x1
#define F_LIT 0x2
#define F_PM 0x4

struct parse_case {
	const char *in;
	int role; /* S, R or BOTH */
	int rc;
	const char *local;   /* expected local part (rc 0) */
	const char *domain;  /* expected domain, NULL for none (rc 0) */
	unsigned flags;      /* F_* (rc 0) */
	const char *routing; /* expected routing reason, NULL when not routed */
	const char *err;     /* substring of the error (rc -1) */
};

/* One row per line reads better than any reflow. */
/* clang-format off */
#define OK(in, role, local, domain, flags) {in, role, 0, local, domain, flags, NULL, NULL}
#define ROUTED(in, local, domain, why) {in, BOTH, 0, local, domain, 0, why, NULL}
#define BAD(in, role, err) {in, role, -1, NULL, NULL, 0, NULL, err}

static const struct parse_case parse_cases[] = {
	/* Plain forms, case, trailing dot, brackets optional. */
	OK("<user@example.org>", BOTH, "user", "example.org", 0),
	OK("user@example.org", BOTH, "user", "example.org", 0),
	OK("<User@Example.ORG>", BOTH, "User", "example.org", 0),
	OK("<USER@EXAMPLE.ORG.>", BOTH, "USER", "example.org", 0),
	OK("user@example.org.", BOTH, "user", "example.org", 0),
	OK("<first.last@sub.example.org>", BOTH, "first.last", "sub.example.org", 0),
	OK("<a+tag@example.org>", BOTH, "a+tag", "example.org", 0),
	OK("<#$&'*+-/=?^_`{|}~@example.org>", BOTH, "#$&'*+-/=?^_`{|}~", "example.org", 0),
	OK("<a.b.c.d@example.org>", BOTH, "a.b.c.d", "example.org", 0),
	OK("<1@example.org>", BOTH, "1", "example.org", 0),
	OK("<user@localhost>", BOTH, "user", "localhost", 0),
	OK("<user@a-b--c.example>", BOTH, "user", "a-b--c.example", 0),
	/* Reserved R-LDH labels ("ab--") other than xn-- are plain LDH here. */
	OK("<user@ab--cd.example>", BOTH, "user", "ab--cd.example", 0),
	OK("<user@123.example>", BOTH, "user", "123.example", 0),
	OK("<user@example.a1>", BOTH, "user", "example.a1", 0),
	OK("<Postmaster@Example.ORG>", BOTH, "Postmaster", "example.org", 0),
	/* Quoted local parts, kept as written. */
	OK("<\"john doe\"@example.org>", BOTH, "\"john doe\"", "example.org", 0),
	OK("<\"a\\\"b\"@example.org>", BOTH, "\"a\\\"b\"", "example.org", 0),
	OK("<\"a\\\\b\"@example.org>", BOTH, "\"a\\\\b\"", "example.org", 0),
	OK("<\"a\\b\"@example.org>", BOTH, "\"a\\b\"", "example.org", 0),
	OK("<\"a..b.\"@example.org>", BOTH, "\"a..b.\"", "example.org", 0),
	OK("<\".a\"@example.org>", BOTH, "\".a\"", "example.org", 0),
	OK("<\"<a>\"@example.org>", BOTH, "\"<a>\"", "example.org", 0),
	OK("<\"a,b:c;d\"@example.org>", BOTH, "\"a,b:c;d\"", "example.org", 0),
	OK("<\"user\"@example.org>", BOTH, "\"user\"", "example.org", 0),
	OK("<\"a\\ b\"@example.org>", BOTH, "\"a\\ b\"", "example.org", 0),
	/* Address literals, canonical form. */
	OK("<user@[192.0.2.1]>", BOTH, "user", "[192.0.2.1]", F_LIT),
	OK("<user@[0.0.0.0]>", BOTH, "user", "[0.0.0.0]", F_LIT),
	OK("<user@[255.255.255.255]>", BOTH, "user", "[255.255.255.255]", F_LIT),
	OK("<user@[IPv6:2001:db8::1]>", BOTH, "user", "[ipv6:2001:db8::1]", F_LIT),
	OK("<user@[ipv6:2001:DB8:0:0:0:0:0:1]>", BOTH, "user", "[ipv6:2001:db8::1]", F_LIT),
	OK("<user@[IPV6:2001:0db8:0000::0001]>", BOTH, "user", "[ipv6:2001:db8::1]", F_LIT),
	OK("<user@[IPv6:::1]>", BOTH, "user", "[ipv6:::1]", F_LIT),
	OK("<user@[IPv6:::ffff:192.0.2.1]>", BOTH, "user", "[ipv6:::ffff:192.0.2.1]", F_LIT),
	OK("<user@[IPv6:::FFFF:c000:201]>", BOTH, "user", "[ipv6:::ffff:192.0.2.1]", F_LIT),
	/* Internationalised domains: U-label and A-label compare equal. */
	OK("<user@bücher.example>", BOTH, "user", "xn--bcher-kva.example", 0),
	OK("<user@xn--bcher-kva.example>", BOTH, "user", "xn--bcher-kva.example", 0),
	OK("<user@XN--BCHER-KVA.EXAMPLE.>", BOTH, "user", "xn--bcher-kva.example", 0),
	OK("<user@BÜCHER.example>", BOTH, "user", "xn--bcher-kva.example", 0),
	OK("<user@faß.de>", BOTH, "user", "xn--fa-hia.de", 0),
	OK("<user@xn--fa-hia.de>", BOTH, "user", "xn--fa-hia.de", 0),
	OK("<user@日本語.jp>", BOTH, "user", "xn--wgv71a119e.jp", 0),
	OK("<user@ｅｘａｍｐｌｅ.com>", BOTH, "user", "example.com", 0),
	OK("<user@mail.bücher.xn--bcher-kva.example>", BOTH, "user",
	   "mail.xn--bcher-kva.xn--bcher-kva.example", 0),
	/* UTF-8 local parts (SMTPUTF8). */
	OK("<jörg@example.org>", BOTH, "jörg", "example.org", 0),
	OK("<\"jörg x\"@example.org>", BOTH, "\"jörg x\"", "example.org", 0),
	OK("<用户@例子.广告>", BOTH, "用户", "xn--fsqu00a.xn--4rr70v", 0),
	OK("<😀.x@example.org>", BOTH, "😀.x", "example.org", 0),
	/* Null sender, bare postmaster. */
	OK("<>", S, "", NULL, F_NULL),
	OK("<postmaster>", R, "postmaster", NULL, F_PM),
	OK("<PostMaster>", R, "PostMaster", NULL, F_PM),
	OK("postmaster", R, "postmaster", NULL, F_PM),

	/* Sender-specified routing: parsed, flagged. */
	ROUTED("<a%b@example.org>", "a%b", "example.org", "% in local part"),
	ROUTED("<user%example.net@example.org>", "user%example.net", "example.org",
	       "% in local part"),
	ROUTED("<a!b@example.org>", "a!b", "example.org", "! in local part"),
	ROUTED("<example.net!user@example.org>", "example.net!user", "example.org",
	       "! in local part"),
	ROUTED("<b!a%c@example.org>", "b!a%c", "example.org", "! in local part"),
	ROUTED("<%@example.org>", "%", "example.org", "% in local part"),
	{"<a%b@[192.0.2.1]>", BOTH, 0, "a%b", "[192.0.2.1]", F_LIT, "% in local part", NULL},
	ROUTED("<\"a@b\"@example.org>", "\"a@b\"", "example.org", "@ in quoted local part"),
	ROUTED("<\"user@example.net\"@example.org>", "\"user@example.net\"", "example.org",
	       "@ in quoted local part"),
	ROUTED("<\"a%b\"@example.org>", "\"a%b\"", "example.org", "% in quoted local part"),
	ROUTED("<\"a!b\"@example.org>", "\"a!b\"", "example.org", "! in quoted local part"),
	ROUTED("<\"a\\@b\"@example.org>", "\"a\\@b\"", "example.org",
	       "@ in quoted local part"),
	ROUTED("<\"a\\%b\"@example.org>", "\"a\\%b\"", "example.org",
	       "% in quoted local part"),
	ROUTED("<\"a\\!b\"@example.org>", "\"a\\!b\"", "example.org",
	       "! in quoted local part"),
	ROUTED("<\"@\"@example.org>", "\"@\"", "example.org", "@ in quoted local part"),
	ROUTED("<@a.example:user@c.example>", "user", "c.example", "source route"),
	ROUTED("<@a.example,@b.example:user@c.example>", "user", "c.example", "source route"),
	ROUTED("<@a.example,@b.example,@d.example:user@c.example>", "user", "c.example",
	       "source route"),
	ROUTED("<@A.Example.,@bücher.example:User@C.Example>", "User", "c.example",
	       "source route"),
	ROUTED("<@a.example:a%b@c.example>", "a%b", "c.example", "source route"),
	ROUTED("<@a.example:\"x@y\"@c.example>", "\"x@y\"", "c.example", "source route"),
	{"<@a.example:user@[192.0.2.1]>", BOTH, 0, "user", "[192.0.2.1]", F_LIT, "source route", NULL},
	ROUTED("@a.example:user@c.example", "user", "c.example", "source route"),

	/* Brackets and whitespace. */
	BAD("", BOTH, "empty address"),
	BAD("<", BOTH, "unbalanced"),
	BAD(">", BOTH, "unbalanced"),
	BAD("a>", BOTH, "unbalanced"),
	BAD("<>", R, "null address"),
	BAD("<a@example.org", BOTH, "unbalanced"),
	BAD("a@example.org>", BOTH, "unbalanced"),
	BAD("<<a@example.org>>", BOTH, "nested"),
	BAD("<<a@example.org>", BOTH, "nested"),
	BAD("<a@example.org>>", BOTH, "nested"),
	BAD("<<>>", BOTH, "nested"),
	BAD("<a@example.org><b@example.org>", BOTH, "more than one @"),
	BAD(" <a@example.org>", BOTH, "space around"),
	BAD("<a@example.org> ", BOTH, "space around"),
	BAD("\t<a@example.org>", BOTH, "space around"),
	BAD("< a@example.org>", BOTH, "space in local part"),
	BAD("<a@example.org >", BOTH, "invalid character in domain"),
	BAD("<a @example.org>", BOTH, "space in local part"),
	BAD("<a@ example.org>", BOTH, "invalid character in domain"),
	BAD("<a@example.org>\r\n", BOTH, "unbalanced"),
	BAD("< >", S, "space in local part"),
	/* Empty parts, @ count. */
	BAD("@", BOTH, "empty local part"),
	BAD("<@>", BOTH, "empty local part"),
	BAD("<@example.org>", BOTH, "empty local part"),
	BAD("<a@>", BOTH, "empty domain"),
	BAD("<postmaster@>", R, "empty domain"),
	BAD("<a@b@example.org>", BOTH, "more than one @"),
	BAD("<a@@example.org>", BOTH, "more than one @"),
	BAD("<a@example.org@>", BOTH, "more than one @"),
	BAD("<\"a\"@b@example.org>", BOTH, "more than one @"),
	/* Local part syntax. */
	BAD("<a..b@example.org>", BOTH, "double dot"),
	BAD("<.a@example.org>", BOTH, "starts with a dot"),
	BAD("<a.@example.org>", BOTH, "ends with a dot"),
	BAD("<.@example.org>", BOTH, "starts with a dot"),
	BAD("<\"\"@example.org>", BOTH, "empty local part"),
	BAD("<\"a@example.org>", BOTH, "unterminated"),
	BAD("<\"a\\\"@example.org>", BOTH, "unterminated"),
	BAD("<\"a\"b@example.org>", BOTH, "after quoted local part"),
	BAD("<\"a\".b@example.org>", BOTH, "after quoted local part"),
	BAD("<a\"b\"@example.org>", BOTH, "invalid character in local part"),
	BAD("<a.\"b\"@example.org>", BOTH, "invalid character in local part"),
	BAD("<a(comment)@example.org>", BOTH, "invalid character in local part"),
	BAD("<a,b@example.org>", BOTH, "invalid character in local part"),
	BAD("<a:b@example.org>", BOTH, "invalid character in local part"),
	BAD("<a;b@example.org>", BOTH, "invalid character in local part"),
	BAD("<a[b]@example.org>", BOTH, "invalid character in local part"),
	BAD("<a\\b@example.org>", BOTH, "invalid character in local part"),
	BAD("<a\\@b@example.org>", BOTH, "invalid character in local part"),
	/* Control bytes, NUL, invalid UTF-8. */
	BAD("<a\rb@example.org>", BOTH, "control character"),
	BAD("<a\nb@example.org>", BOTH, "control character"),
	BAD("<a\r\n@example.org>", BOTH, "control character"),
	BAD("<a\tb@example.org>", BOTH, "control character"),
	BAD("<a\x01@example.org>", BOTH, "control character"),
	BAD("<a\x1b@example.org>", BOTH, "control character"),
	BAD("<a\x7f@example.org>", BOTH, "control character"),
	BAD("<\"a\rb\"@example.org>", BOTH, "control character"),
	BAD("<\"a\tb\"@example.org>", BOTH, "control character"),
	BAD("<\"a\x7f\"@example.org>", BOTH, "control character"),
	BAD("<\"a\\\r\"@example.org>", BOTH, "invalid quoted pair"),
	BAD("<\"a\\\xc3\xa9\"@example.org>", BOTH, "invalid quoted pair"),
	BAD("<a\0b@example.org>", BOTH, "unbalanced"), /* NUL ends the C string */
	BAD("<a@example.org\0>", BOTH, "unbalanced"),
	BAD("<a\x80@example.org>", BOTH, "invalid UTF-8"),
	BAD("<a\xc3@example.org>", BOTH, "invalid UTF-8"),
	BAD("<\xc3\x28@example.org>", BOTH, "invalid UTF-8"),
	BAD("<\xc0\xaf@example.org>", BOTH, "invalid UTF-8"),
	BAD("<\xe0\x80\xaf@example.org>", BOTH, "invalid UTF-8"),
	BAD("<\xed\xa0\x80@example.org>", BOTH, "invalid UTF-8"),
	BAD("<\xf4\x90\x80\x80@example.org>", BOTH, "invalid UTF-8"),
	BAD("<\xf8\x88\x80\x80\x80@example.org>", BOTH, "invalid UTF-8"),
	BAD("<\xc2\x85@example.org>", BOTH, "invalid UTF-8"), /* C1 control NEL */
	BAD("<\xff@example.org>", BOTH, "invalid UTF-8"),
	BAD("<j\xf6rg@example.org>", BOTH, "invalid UTF-8"), /* Latin-1 */
	BAD("<\"j\xf6rg\"@example.org>", BOTH, "invalid UTF-8"),
	BAD("<\"\xe2\x82\"@example.org>", BOTH, "invalid UTF-8"),
	/* Domain syntax. */
	BAD("<user@exa_mple.org>", BOTH, "invalid character in domain"),
	BAD("<user@exa mple.org>", BOTH, "invalid character in domain"),
	BAD("<user@exa\rmple.org>", BOTH, "invalid character in domain"),
	BAD("<user@example.org\n>", BOTH, "invalid character in domain"),
	BAD("<user@example/org>", BOTH, "invalid character in domain"),
	BAD("<user@-example.org>", BOTH, "hyphen"),
	BAD("<user@example-.org>", BOTH, "hyphen"),
	BAD("<user@example.-org>", BOTH, "hyphen"),
	BAD("<user@a..b>", BOTH, "empty label"),
	BAD("<user@.>", BOTH, "empty domain"),
	BAD("<user@..>", BOTH, "empty label"),
	BAD("<user@.example.org>", BOTH, "empty label"),
	BAD("<user@example.org..>", BOTH, "empty label"),
	BAD("<user@1.2.3.4>", BOTH, "numeric top-level"),
	BAD("<user@example.123>", BOTH, "numeric top-level"),
	BAD("<user@123>", BOTH, "numeric top-level"),
	/* IDN: bogus A-labels, invalid U-labels. */
	BAD("<user@xn--zz.example>", BOTH, "invalid A-label"),
	BAD("<user@xn--.example>", BOTH, "hyphen"),
	BAD("<user@xn--x.example>", BOTH, "invalid A-label"),
	BAD("<user@xn--a.example>", BOTH, "invalid A-label"),
	BAD("<user@xn--abc-.example>", BOTH, "hyphen"),
	BAD("<user@xn--bcher-kva-.example>", BOTH, "hyphen"),
	BAD("<user@xn--ls8h.la>", BOTH, "invalid A-label"), /* emoji: IDNA2008 no */
	BAD("<user@💩.la>", BOTH, "invalid internationalised"),
	BAD("<user@bücher.xn--zz>", BOTH, "invalid A-label"),
	BAD("<user@b\xfc"
	    "cher.example>",
	    BOTH, "invalid UTF-8 in domain"),
	BAD("<user@b\xc3\xbc\xc3"
	    "cher.example>",
	    BOTH, "invalid UTF-8 in domain"),
	BAD("<user@\xc2\x85.example>", BOTH, "invalid UTF-8 in domain"),
	BAD("<user@a\xe3\x80\x82"
	    "example>",
	    BOTH, "invalid character in domain"), /* U+3002 maps to a dot */
	BAD("<user@\xc2\xad.example>", BOTH, "empty label"), /* soft hyphen maps to "" */
	/* Address literals. */
	BAD("<user@[1.2.3]>", BOTH, "invalid IPv4"),
	BAD("<user@[010.0.0.1]>", BOTH, "invalid IPv4"),
	BAD("<user@[1.2.3.04]>", BOTH, "invalid IPv4"),
	BAD("<user@[1.2.3.256]>", BOTH, "invalid IPv4"),
	BAD("<user@[1.2.3.4.5]>", BOTH, "invalid IPv4"),
	BAD("<user@[1.2.3.0004]>", BOTH, "invalid IPv4"),
	BAD("<user@[0x7f.0.0.1]>", BOTH, "invalid IPv4"),
	BAD("<user@[2130706433]>", BOTH, "invalid IPv4"),
	BAD("<user@[1.2.3.4.]>", BOTH, "invalid IPv4"),
	BAD("<user@[ 1.2.3.4]>", BOTH, "invalid IPv4"),
	BAD("<user@[1.2.3.-4]>", BOTH, "invalid IPv4"),
	BAD("<user@[]>", BOTH, "malformed address literal"),
	BAD("<user@[1.2.3.4]x>", BOTH, "malformed address literal"),
	BAD("<user@[1.2.3.4>", BOTH, "malformed address literal"),
	BAD("<user@[192.0.2.1].>", BOTH, "malformed address literal"),
	BAD("<user@x[192.0.2.1]>", BOTH, "invalid character in domain"),
	BAD("<user@[IPv6:zz]>", BOTH, "invalid IPv6"),
	BAD("<user@[IPv6:1.2.3.4]>", BOTH, "invalid IPv6"),
	BAD("<user@[IPv6:]>", BOTH, "invalid IPv6"),
	BAD("<user@[IPv6:2001:db8::1%eth0]>", BOTH, "invalid IPv6"),
	BAD("<user@[IPv6:2001:db8:::1]>", BOTH, "invalid IPv6"),
	BAD("<user@[IPv6:1:2:3:4:5:6:7:8:9]>", BOTH, "invalid IPv6"),
	BAD("<user@[IPv6: ::1]>", BOTH, "invalid IPv6"),
	BAD("<user@[IPv6:::ffff:010.0.0.1]>", BOTH, "invalid IPv6"),
	BAD("<user@[foo:bar]>", BOTH, "unsupported address literal"),
	BAD("<user@[2001:db8::1]>", BOTH, "unsupported address literal"),
	BAD("<user@[IPv4:192.0.2.1]>", BOTH, "unsupported address literal"),
	/* No domain. */
	BAD("<user>", BOTH, "no domain"),
	BAD("user", BOTH, "no domain"),
	BAD("<postmaster>", S, "no domain"),
	BAD("<\"postmaster\">", R, "no domain"),
	BAD("<postmaster.>", R, "ends with a dot"),
	BAD("<a%b>", R, "no domain"),
	/* Source routes. */
	BAD("<@a.example:>", BOTH, "empty local part"),
	BAD("<@a.example:postmaster>", R, "no domain after source route"),
	BAD("<@a.example,b.example:u@c.example>", BOTH, "malformed source route"),
	BAD("<@a.example,:u@c.example>", BOTH, "malformed source route"),
	BAD("<@a.example,@:u@c.example>", BOTH, "malformed source route"),
	BAD("<@:u@c.example>", BOTH, "malformed source route"),
	BAD("<@a.example:@b.example:u@c.example>", BOTH, "empty local part"),
	BAD("<@a.example;@b.example:u@c.example>", BOTH, "invalid character in domain"),
	BAD("<@[192.0.2.1]:u@c.example>", BOTH, "literal not allowed"),
	BAD("<@a_b.example:u@c.example>", BOTH, "invalid character in domain"),
	BAD("<@a..example:u@c.example>", BOTH, "empty label"),
	BAD("<@a.example :u@c.example>", BOTH, "invalid character in domain"),
	BAD("<@a.example: u@c.example>", BOTH, "space in local part"),
	BAD("<@a.example:u@c.example:>", BOTH, "invalid character in domain"),
	BAD("<@a.example>", BOTH, "empty local part"),
};
/* clang-format on */

/* Escape S for a TAP message line. */
static char *show(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	escape_bytes(&sb, s, strlen(s));
	return strbuf_detach(&sb);
}

static bool has_upper_or_trailing_dot(const char *d)
{
	size_t len = strlen(d);

	if (len > 0 && d[len - 1] == '.')
		return true;
	for (; *d; d++)
		if (*d >= 'A' && *d <= 'Z')
			return true;
	return false;
}

static void check_parse(const struct parse_case *c, enum address_role role)
{
	struct address a, zero;
	const char *err = NULL;
	char *in = show(c->in);
	int rc;

	memset(&a, 0x5a, sizeof(a)); /* address_parse must not rely on a clean struct */
	memset(&zero, 0, sizeof(zero));
	rc = address_parse(c->in, role, &a, &err);
	ck_assert_msg(rc == c->rc, "%s role %d: rc %d, want %d (%s)", in, role, rc, c->rc,
	              err ? err : "-");
	if (rc < 0) {
		ck_assert_msg(err != NULL, "%s: no error text", in);
		ck_assert_msg(strstr(err, c->err) != NULL,
		              "%s: error \"%s\", want \"%s\"", in, err, c->err);
		ck_assert_msg(memcmp(&a, &zero, sizeof(a)) == 0, "%s: not zeroed", in);
		goto out;
	}
	ck_assert_msg(a.local && strcmp(a.local, c->local) == 0, "%s: local", in);
	if (c->domain == NULL) {
		ck_assert_msg(a.domain == NULL, "%s: domain %s, want none", in, a.domain);
	} else {
		ck_assert_msg(a.domain && strcmp(a.domain, c->domain) == 0,
		              "%s: domain \"%s\", want \"%s\"", in,
		              a.domain ? a.domain : "(null)", c->domain);
		ck_assert(!has_upper_or_trailing_dot(a.domain));
	}
	ck_assert_msg(a.is_null == !!(c->flags & F_NULL), "%s: is_null", in);
	ck_assert_msg(a.is_literal == !!(c->flags & F_LIT), "%s: is_literal", in);
	ck_assert_msg(a.is_postmaster == !!(c->flags & F_PM), "%s: is_postmaster", in);
	ck_assert_msg(a.routed == (c->routing != NULL), "%s: routed %d", in, a.routed);
	if (c->routing)
		ck_assert_msg(a.routing && strcmp(a.routing, c->routing) == 0,
		              "%s: routing \"%s\", want \"%s\"", in,
		              a.routing ? a.routing : "", c->routing);
	else
		ck_assert_msg(a.routing == NULL, "%s: routing %s", in, a.routing);
	address_clear(&a);
	ck_assert_msg(memcmp(&a, &zero, sizeof(a)) == 0, "%s: not cleared", in);
out:
	free(in);
}

START_TEST(test_parse)
{
	const struct parse_case *c = &parse_cases[_i];

	if (c->role == BOTH) {
		check_parse(c, ADDRESS_SENDER);
		check_parse(c, ADDRESS_RECIPIENT);
	} else {
		check_parse(c, (enum address_role)c->role);
	}
}
END_TEST

/* Length limits, on generated input. */
enum len_kind {
	L_LOCAL,   /* <a...a@example.org>, N = local part length */
	L_QLOCAL,  /* <"a...a"@example.org>, N = local part length with quotes */
	L_LABEL,   /* <u@a...a.example>, N = first label length */
	L_PATH,    /* <u@aaa.aaa...>, N = whole path with brackets */
	L_NOBRACK, /* u@aaa.aaa..., N = path without brackets */
	L_DOMAIN,  /* address_normalize_domain, N = domain length */
	L_DOMDOT,  /* address_normalize_domain, N = domain length, plus a dot */
	L_ULABEL,  /* <u@ü...ü.example>, N = number of ü (A-label grows) */
};

struct len_case {
	enum len_kind kind;
	size_t n;
	int rc;
	const char *err;
};

static const struct len_case len_cases[] = {
    {L_LOCAL, 64, 0, NULL},
    {L_LOCAL, 65, -1, "local part longer than 64"},
    {L_QLOCAL, 64, 0, NULL},
    {L_QLOCAL, 65, -1, "local part longer than 64"},
    {L_LABEL, 63, 0, NULL},
    {L_LABEL, 64, -1, "longer than 63"},
    {L_PATH, 256, 0, NULL},
    {L_PATH, 257, -1, "longer than 256"},
    {L_NOBRACK, 254, 0, NULL},
    {L_NOBRACK, 255, -1, "longer than 256"},
    {L_DOMAIN, 253, 0, NULL},
    {L_DOMAIN, 254, -1, "domain too long"},
    {L_DOMDOT, 253, 0, NULL},
    {L_DOMDOT, 254, -1, "domain too long"},
    {L_DOMAIN, 5000, -1, "domain too long"},
    {L_ULABEL, 10, 0, NULL},
    {L_ULABEL, 57, 0, NULL},                         /* A-label of exactly 63 */
    {L_ULABEL, 60, -1, "invalid internationalised"}, /* A-label > 63 */
};

/* A domain of LEN octets: labels of 63 'a' separated by dots. */
static void put_domain(struct strbuf *sb, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		strbuf_putc(sb, (i % 64 == 63 && i + 1 < len) ? '.' : 'a');
}

static void put_n(struct strbuf *sb, const char *s, size_t n)
{
	while (n-- > 0)
		strbuf_puts(sb, s);
}

START_TEST(test_length)
{
	const struct len_case *c = &len_cases[_i];
	struct strbuf sb = STRBUF_INIT;
	struct address a;
	const char *err = NULL;
	char *norm = NULL;
	int rc;

	strbuf_init(&sb);
	switch (c->kind) {
	case L_LOCAL:
		strbuf_putc(&sb, '<');
		put_n(&sb, "a", c->n);
		strbuf_puts(&sb, "@example.org>");
		break;
	case L_QLOCAL:
		strbuf_puts(&sb, "<\"");
		put_n(&sb, "a", c->n - 2);
		strbuf_puts(&sb, "\"@example.org>");
		break;
	case L_LABEL:
		strbuf_puts(&sb, "<u@");
		put_n(&sb, "a", c->n);
		strbuf_puts(&sb, ".example>");
		break;
	case L_PATH:
		strbuf_puts(&sb, "<u@");
		put_domain(&sb, c->n - 4);
		strbuf_putc(&sb, '>');
		break;
	case L_NOBRACK:
		strbuf_puts(&sb, "u@");
		put_domain(&sb, c->n - 2);
		break;
	case L_DOMAIN:
	case L_DOMDOT:
		put_domain(&sb, c->n);
		if (c->kind == L_DOMDOT)
			strbuf_putc(&sb, '.');
		break;
	case L_ULABEL:
		strbuf_puts(&sb, "<u@");
		put_n(&sb, "ü", c->n);
		strbuf_puts(&sb, ".example>");
		break;
	}
	if (c->kind == L_DOMAIN || c->kind == L_DOMDOT) {
		norm = address_normalize_domain(sb.data, &err);
		rc = norm ? 0 : -1;
		if (norm)
			ck_assert_uint_eq(strlen(norm), c->n);
	} else {
		rc = address_parse(sb.data, ADDRESS_RECIPIENT, &a, &err);
		if (rc == 0)
			address_clear(&a);
	}
	ck_assert_msg(rc == c->rc, "kind %d n %zu: rc %d (%s)", c->kind, c->n, rc,
	              err ? err : "-");
	if (rc < 0)
		ck_assert_msg(strstr(err, c->err) != NULL, "kind %d n %zu: error %s",
		              c->kind, c->n, err);
	free(norm);
	strbuf_free(&sb);
}
END_TEST

struct norm_case {
	const char *in;
	const char *out; /* NULL: refused */
};

static const struct norm_case norm_cases[] = {
    {"example.org", "example.org"},
    {"Example.ORG", "example.org"},
    {"example.org.", "example.org"},
    {"localhost", "localhost"},
    {"bücher.example", "xn--bcher-kva.example"},
    {"XN--BCHER-KVA.example.", "xn--bcher-kva.example"},
    {"faß.de", "xn--fa-hia.de"}, /* IDNA2008: not fass.de */
    {"fass.de", "fass.de"},
    {"[192.0.2.1]", "[192.0.2.1]"},
    {"[IPv6:2001:DB8::1]", "[ipv6:2001:db8::1]"},
    {"[IPv6:::ffff:192.0.2.1]", "[ipv6:::ffff:192.0.2.1]"},
    {"", NULL},
    {".", NULL},
    {"..", NULL},
    {"a..b", NULL},
    {"example.org..", NULL},
    {".example.org", NULL},
    {"exa_mple.org", NULL},
    {" example.org", NULL},
    {"example.org ", NULL},
    {"@example.org", NULL},
    {"user@example.org", NULL},
    {"<example.org>", NULL},
    {"xn--zz.example", NULL},
    {"-a.example", NULL},
    {"192.0.2.1", NULL},
    {"[010.0.0.1]", NULL},
    {"[IPv6:zz]", NULL},
    {"[foo:bar]", NULL},
    {"b\xfc"
     "cher.example",
     NULL},
    {NULL, NULL},
};

START_TEST(test_normalize)
{
	const struct norm_case *c = &norm_cases[_i];
	const char *err = NULL;
	char *out = address_normalize_domain(c->in, &err);
	char *in = show(c->in ? c->in : "(null)");

	if (c->out == NULL) {
		ck_assert_msg(out == NULL, "%s: accepted as %s", in, out);
		ck_assert_msg(err != NULL, "%s: no error text", in);
	} else {
		ck_assert_msg(out != NULL, "%s: refused (%s)", in, err ? err : "-");
		ck_assert_msg(strcmp(out, c->out) == 0, "%s: got %s want %s", in, out,
		              c->out);
	}
	free(out);
	free(in);
}
END_TEST

/* Spellings that must give the same domain from an address and from config. */
struct equal_case {
	const char *address;
	const char *config;
};

static const struct equal_case equal_cases[] = {
    {"<u@bücher.example>", "xn--bcher-kva.example"},
    {"<u@xn--bcher-kva.example>", "Bücher.Example."},
    {"<u@BÜCHER.EXAMPLE.>", "bücher.example"},
    {"<u@Example.Org.>", "example.org"},
    {"<u@[IPv6:2001:DB8:0::1]>", "[ipv6:2001:db8::0:1]"},
    {"<u@[IPv6:::ffff:c000:0201]>", "[IPv6:::FFFF:192.0.2.1]"},
    {"<@relay.example:u@b\xc3\xbc"
     "cher.example>",
     "XN--BCHER-KVA.EXAMPLE"},
};

START_TEST(test_equal)
{
	const struct equal_case *c = &equal_cases[_i];
	struct address a;
	const char *err = NULL;
	char *norm;

	ck_assert_msg(address_parse(c->address, ADDRESS_RECIPIENT, &a, &err) == 0,
	              "%s: %s", c->address, err);
	norm = address_normalize_domain(c->config, &err);
	ck_assert_msg(norm != NULL, "%s: %s", c->config, err);
	ck_assert_str_eq(a.domain, norm);
	free(norm);
	address_clear(&a);
}
END_TEST

START_TEST(test_misc)
{
	struct address a;
	const char *err = NULL;

	/* NULL input and NULL error pointer are survivable. */
	ck_assert_int_eq(address_parse(NULL, ADDRESS_SENDER, &a, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(address_parse("<a@@b>", ADDRESS_SENDER, &a, NULL), -1);
	ck_assert_ptr_null(address_normalize_domain(NULL, NULL));
	/* address_clear on a cleared struct and on NULL. */
	address_clear(&a);
	address_clear(NULL);
	/* Reuse of one struct. */
	ck_assert_int_eq(address_parse("<a@b.example>", ADDRESS_SENDER, &a, &err), 0);
	address_clear(&a);
	ck_assert_int_eq(address_parse("<>", ADDRESS_SENDER, &a, &err), 0);
	ck_assert(a.is_null);
	ck_assert_ptr_null(a.domain);
	address_clear(&a);
}
END_TEST

static Suite *address_suite(void)
{
	Suite *s = suite_create("address");
	TCase *tc = tcase_create("address");

	tcase_add_loop_test(tc, test_parse, 0, N_ROWS(parse_cases));
	tcase_add_loop_test(tc, test_length, 0, N_ROWS(len_cases));
	tcase_add_loop_test(tc, test_normalize, 0, N_ROWS(norm_cases));
	tcase_add_loop_test(tc, test_equal, 0, N_ROWS(equal_cases));
	tcase_add_test(tc, test_misc);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tap_run(address_suite());
}
