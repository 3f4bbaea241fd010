/*
 * test_netlist: table-driven tests of lib/netlist.c: strict address
 * parsing, network validation, matching at boundaries, socket addresses,
 * canonical text, plus a randomized cross-check against a linear scan.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "lib/netlist.h"
#include "tests/unit/tap.h"

#define OK 0
#define FAIL (-1)

/* --- netaddr_parse / netaddr_format ----------------------------------- */

static const struct parse_row {
	const char *text;
	int ret;
	int family;
	const char *canon; /* netaddr_format of the result */
} parse_rows[] = {
    {"192.0.2.1", OK, AF_INET, "192.0.2.1"},
    {"0.0.0.0", OK, AF_INET, "0.0.0.0"},
    {"255.255.255.255", OK, AF_INET, "255.255.255.255"},
    {"10.0.0.0", OK, AF_INET, "10.0.0.0"},
    {"127.0.0.1", OK, AF_INET, "127.0.0.1"},
    {"::1", OK, AF_INET6, "::1"},
    {"::", OK, AF_INET6, "::"},
    {"2001:db8::1", OK, AF_INET6, "2001:db8::1"},
    {"2001:DB8:0:0:0:0:0:1", OK, AF_INET6, "2001:db8::1"},
    {"2001:0db8:0000:0000:0000:0000:0000:0001", OK, AF_INET6, "2001:db8::1"},
    {"fe80::1", OK, AF_INET6, "fe80::1"},
    {"::ffff:192.0.2.1", OK, AF_INET, "192.0.2.1"},
    {"::FFFF:192.0.2.1", OK, AF_INET, "192.0.2.1"},
    {"::ffff:c000:201", OK, AF_INET, "192.0.2.1"},
    {"0:0:0:0:0:ffff:192.0.2.1", OK, AF_INET, "192.0.2.1"},
    {"::192.0.2.1", OK, AF_INET6, "::192.0.2.1"}, /* IPv4-compatible: stays v6 */
    {"64:ff9b::192.0.2.1", OK, AF_INET6, "64:ff9b::c000:201"},
    /* IPv4 refusals: octal, classful, hex, junk */
    {"010.0.0.1", FAIL, 0, NULL},
    {"10.0.0.01", FAIL, 0, NULL},
    {"00.0.0.0", FAIL, 0, NULL},
    {"10.1", FAIL, 0, NULL},
    {"10", FAIL, 0, NULL},
    {"10.1.2", FAIL, 0, NULL},
    {"10.1.2.3.4", FAIL, 0, NULL},
    {"0x0a.0.0.1", FAIL, 0, NULL},
    {"0xa000001", FAIL, 0, NULL},
    {"167772161", FAIL, 0, NULL},
    {"256.0.0.1", FAIL, 0, NULL},
    {"1.2.3.1000", FAIL, 0, NULL},
    {"1.2.3.", FAIL, 0, NULL},
    {".1.2.3", FAIL, 0, NULL},
    {"1..2.3", FAIL, 0, NULL},
    {"1.2.3.4.", FAIL, 0, NULL},
    {"-1.2.3.4", FAIL, 0, NULL},
    {"+1.2.3.4", FAIL, 0, NULL},
    {" 192.0.2.1", FAIL, 0, NULL},
    {"192.0.2.1 ", FAIL, 0, NULL},
    {"192.0.2.1\n", FAIL, 0, NULL},
    {"192.0.2 .1", FAIL, 0, NULL},
    {"", FAIL, 0, NULL},
    {"localhost", FAIL, 0, NULL},
    {"192.0.2.1/32", FAIL, 0, NULL},
    /* IPv6 refusals */
    {"fe80::1%eth0", FAIL, 0, NULL},
    {"fe80::1%1", FAIL, 0, NULL},
    {"[::1]", FAIL, 0, NULL},
    {"2001:db8::1::2", FAIL, 0, NULL},
    {"2001:db8:::1", FAIL, 0, NULL},
    {"12345::1", FAIL, 0, NULL},
    {"1:2:3:4:5:6:7:8:9", FAIL, 0, NULL},
    {"1:2:3:4:5:6:7", FAIL, 0, NULL},
    {"::ffff:010.0.0.1", FAIL, 0, NULL},
    {"::ffff:10.1", FAIL, 0, NULL},
    {"::ffff:256.0.0.1", FAIL, 0, NULL},
    {":", FAIL, 0, NULL},
    {"g::1", FAIL, 0, NULL},
    {" ::1", FAIL, 0, NULL},
    {"::1 ", FAIL, 0, NULL},
    {"0000:0000:0000:0000:0000:0000:0000:0000:0", FAIL, 0, NULL},
};

START_TEST(test_parse)
{
	const struct parse_row *r = &parse_rows[_i];
	struct netaddr a, b;
	char buf[NETADDR_STRLEN];

	ck_assert_msg(netaddr_parse(r->text, &a) == r->ret, "netaddr_parse(\"%s\")",
	              r->text);
	if (r->ret != OK)
		return;
	ck_assert_int_eq(a.family, r->family);
	netaddr_format(&a, buf, sizeof buf);
	ck_assert_str_eq(buf, r->canon);
	/* The canonical form parses back to the same address. */
	ck_assert_int_eq(netaddr_parse(buf, &b), OK);
	ck_assert_int_eq(b.family, a.family);
	ck_assert_mem_eq(b.bytes, a.bytes, sizeof a.bytes);
}
END_TEST

/* --- netlist_add ------------------------------------------------------ */

static const struct add_row {
	const char *cidr;
	int ret;
	const char *expect; /* canonical network, or a substring of the message */
} add_rows[] = {
    {"192.0.2.0/24", OK, "192.0.2.0/24"},
    {"10.0.0.0/8", OK, "10.0.0.0/8"},
    {"127.0.0.0/8", OK, "127.0.0.0/8"},
    {"192.0.2.1", OK, "192.0.2.1/32"},
    {"192.0.2.1/32", OK, "192.0.2.1/32"},
    {"192.0.2.0/31", OK, "192.0.2.0/31"},
    {"128.0.0.0/1", OK, "128.0.0.0/1"}, /* legal, alarming, allowed */
    {"0.0.0.0/1", OK, "0.0.0.0/1"},
    {"0.0.0.0/7", OK, "0.0.0.0/7"},
    {"0.0.0.0/32", OK, "0.0.0.0/32"},
    {"255.255.255.255/32", OK, "255.255.255.255/32"},
    {"::1", OK, "::1/128"},
    {"::1/128", OK, "::1/128"},
    {"2001:db8::/32", OK, "2001:db8::/32"},
    {"2001:DB8::/32", OK, "2001:db8::/32"},
    {"2001:db8::/127", OK, "2001:db8::/127"},
    {"8000::/1", OK, "8000::/1"},
    {"::/1", OK, "::/1"},
    {"fe80::/10", OK, "fe80::/10"},
    {"::ffff:192.0.2.0/120", OK, "192.0.2.0/24"},
    {"::ffff:192.0.2.1", OK, "192.0.2.1/32"},
    {"::ffff:192.0.2.1/128", OK, "192.0.2.1/32"},
    {"::ffff:128.0.0.0/97", OK, "128.0.0.0/1"},
    /* refusals */
    {"192.0.2.1/24", FAIL, "host bits set"},
    {"10.0.0.1/8", FAIL, "host bits set"},
    {"192.0.2.1/31", FAIL, "host bits set"},
    {"2001:db8::1/64", FAIL, "host bits set"},
    {"2001:db8::1/127", FAIL, "host bits set"},
    {"::ffff:192.0.2.1/120", FAIL, "host bits set"},
    {"0.0.0.0/0", FAIL, "open relay"},
    {"::/0", FAIL, "open relay"},
    {"10.0.0.0/0", FAIL, "open relay"},
    {"::ffff:0.0.0.0/96", FAIL, "open relay"},
    {"::ffff:192.0.2.0/95", FAIL, "/96 or longer"},
    {"::ffff:0:0/64", FAIL, "/96 or longer"},
    {"192.0.2.0/33", FAIL, "out of range"},
    {"2001:db8::/129", FAIL, "out of range"},
    {"::ffff:192.0.2.0/129", FAIL, "out of range"},
    {"192.0.2.0/4294967320", FAIL, "out of range"},
    {"192.0.2.0/", FAIL, "missing"},
    {"192.0.2.0/024", FAIL, "leading zero"},
    {"192.0.2.0/00", FAIL, "leading zero"},
    {"192.0.2.0/-24", FAIL, "not a decimal"},
    {"192.0.2.0/+24", FAIL, "not a decimal"},
    {"192.0.2.0/24 ", FAIL, "not a decimal"},
    {"192.0.2.0/ 24", FAIL, "not a decimal"},
    {"192.0.2.0/0x18", FAIL, "not a decimal"},
    {"192.0.2.0/24/24", FAIL, "not a decimal"},
    {"192.0.2.0/a", FAIL, "not a decimal"},
    {"10.0/16", FAIL, "not an IPv4 or IPv6"},
    {"010.0.0.0/8", FAIL, "not an IPv4 or IPv6"},
    {"10/8", FAIL, "not an IPv4 or IPv6"},
    {"/24", FAIL, "not an IPv4 or IPv6"},
    {"", FAIL, "not an IPv4 or IPv6"},
    {" 192.0.2.0/24", FAIL, "not an IPv4 or IPv6"},
    {"fe80::%eth0/64", FAIL, "not an IPv4 or IPv6"},
    {"example.org/24", FAIL, "not an IPv4 or IPv6"},
    {"0000:0000:0000:0000:0000:0000:0000:0000:0/64", FAIL, "not an IPv4 or IPv6"},
};

START_TEST(test_add)
{
	const struct add_row *r = &add_rows[_i];
	struct netlist *list = netlist_create();
	const char *err = NULL;
	struct netaddr base;
	char buf[NETADDR_STRLEN];
	int ret = netlist_add(list, r->cidr, &err);

	ck_assert_msg(ret == r->ret, "netlist_add(\"%s\") = %d, err %s", r->cidr, ret,
	              err ? err : "(none)");
	if (ret == OK) {
		ck_assert_uint_eq(netlist_count(list), 1);
		/* The base address, as written and in canonical text, is
		 * inside the network, which is reported canonically. */
		strcpy(buf, r->cidr);
		if (strchr(buf, '/'))
			*strchr(buf, '/') = '\0';
		ck_assert_int_eq(netaddr_parse(buf, &base), OK);
		ck_assert(netlist_match(list, &base, buf, sizeof buf));
		ck_assert_str_eq(buf, r->expect);
		*strchr(strcpy(buf, r->expect), '/') = '\0';
		ck_assert_int_eq(netaddr_parse(buf, &base), OK);
		ck_assert(netlist_match(list, &base, NULL, 0));
		/* The canonical text is itself a valid network, the same one. */
		ck_assert_int_eq(netlist_add(list, r->expect, &err), OK);
		ck_assert_uint_eq(netlist_count(list), 1);
	} else {
		ck_assert_uint_eq(netlist_count(list), 0);
		ck_assert_ptr_nonnull(err);
		ck_assert_msg(strstr(err, r->expect) != NULL, "\"%s\": got \"%s\"",
		              r->cidr, err);
	}
	netlist_free(list);
}
END_TEST

/* --- netlist_match ---------------------------------------------------- */

static const char *const match_list[] = {
    "192.0.2.0/24",  "10.0.0.0/8",    "10.20.0.0/16",    "198.51.100.7", "203.0.113.0/31",
    "172.16.0.0/12", "2001:db8::/32", "2001:db8:1::/48", "::1",          "fd00::/127",
    "100.64.0.0/10",
};

static const struct match_row {
	const char *client;
	const char *matched; /* NULL: no match */
} match_rows[] = {
    {"192.0.2.0", "192.0.2.0/24"},
    {"192.0.2.255", "192.0.2.0/24"},
    {"192.0.2.128", "192.0.2.0/24"},
    {"192.0.1.255", NULL},
    {"192.0.3.0", NULL},
    {"10.0.0.0", "10.0.0.0/8"},
    {"10.255.255.255", "10.0.0.0/8"},
    {"9.255.255.255", NULL},
    {"11.0.0.0", NULL},
    {"10.20.30.40", "10.20.0.0/16"}, /* most specific wins */
    {"10.21.0.0", "10.0.0.0/8"},
    {"198.51.100.7", "198.51.100.7/32"},
    {"198.51.100.6", NULL},
    {"198.51.100.8", NULL},
    {"203.0.113.0", "203.0.113.0/31"},
    {"203.0.113.1", "203.0.113.0/31"},
    {"203.0.113.2", NULL},
    {"203.0.112.255", NULL},
    {"172.16.0.0", "172.16.0.0/12"},
    {"172.31.255.255", "172.16.0.0/12"},
    {"172.32.0.0", NULL},
    {"172.15.255.255", NULL},
    {"100.64.0.1", "100.64.0.0/10"},
    {"100.127.255.255", "100.64.0.0/10"},
    {"100.128.0.0", NULL},
    {"2001:db8::1", "2001:db8::/32"},
    {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::/32"},
    {"2001:db9::", NULL},
    {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", NULL},
    {"2001:db8:1:2::3", "2001:db8:1::/48"},
    {"2001:db8:2::", "2001:db8::/32"},
    {"::1", "::1/128"},
    {"::2", NULL},
    {"::", NULL},
    {"fd00::", "fd00::/127"},
    {"fd00::1", "fd00::/127"},
    {"fd00::2", NULL},
    /* mapped clients are IPv4; v4 and v6 never cross */
    {"::ffff:192.0.2.77", "192.0.2.0/24"},
    {"::ffff:10.1.2.3", "10.0.0.0/8"},
    {"::ffff:192.0.3.1", NULL},
    {"::ffff:127.0.0.1", NULL},
    {"127.0.0.1", NULL},
    {"0.0.0.1", NULL},    /* not ::1 */
    {"::10.1.2.3", NULL}, /* IPv4-compatible is v6: not 10/8 */
    {"::c0:0201", NULL},
    {"32.1.13.184", NULL}, /* 2001:db8 as the first v4 bytes */
};

START_TEST(test_match)
{
	const struct match_row *r = &match_rows[_i];
	struct netlist *list = netlist_create();
	struct netaddr client;
	char buf[NETADDR_STRLEN] = "untouched";
	const char *err;

	for (size_t i = 0; i < sizeof match_list / sizeof match_list[0]; i++)
		ck_assert_msg(netlist_add(list, match_list[i], &err) == OK, "%s",
		              match_list[i]);
	ck_assert_int_eq(netaddr_parse(r->client, &client), OK);
	ck_assert_msg(netlist_match(list, &client, buf, sizeof buf) ==
	                  (r->matched != NULL),
	              "client %s", r->client);
	ck_assert_str_eq(buf, r->matched ? r->matched : "untouched");
	ck_assert(netlist_match(list, &client, NULL, 0) == (r->matched != NULL));
	netlist_free(list);
}
END_TEST

/* --- netaddr_from_sockaddr -------------------------------------------- */

enum sa_kind { SA_NULL, SA_V4, SA_V6, SA_UNIX, SA_UNSPEC };

static const struct sockaddr_row {
	enum sa_kind kind;
	const char *text; /* inet_pton input for SA_V4/SA_V6 */
	int ret;
	int family;
	const char *canon;
	bool allowed; /* matches the list 192.0.2.0/24, 2001:db8::/32 */
} sockaddr_rows[] = {
    {SA_V4, "192.0.2.9", OK, AF_INET, "192.0.2.9", true},
    {SA_V4, "198.51.100.1", OK, AF_INET, "198.51.100.1", false},
    {SA_V4, "0.0.0.0", OK, AF_INET, "0.0.0.0", false},
    {SA_V6, "2001:db8::25", OK, AF_INET6, "2001:db8::25", true},
    {SA_V6, "2001:db9::25", OK, AF_INET6, "2001:db9::25", false},
    {SA_V6, "::1", OK, AF_INET6, "::1", false},
    {SA_V6, "::ffff:192.0.2.9", OK, AF_INET, "192.0.2.9", true},
    {SA_V6, "::ffff:198.51.100.1", OK, AF_INET, "198.51.100.1", false},
    {SA_V6, "::192.0.2.9", OK, AF_INET6, "::192.0.2.9", false},
    {SA_NULL, NULL, FAIL, AF_UNSPEC, "unknown", false},
    {SA_UNIX, NULL, FAIL, AF_UNSPEC, "unknown", false},
    {SA_UNSPEC, NULL, FAIL, AF_UNSPEC, "unknown", false},
};

START_TEST(test_from_sockaddr)
{
	const struct sockaddr_row *r = &sockaddr_rows[_i];
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_un *sun = (struct sockaddr_un *)&ss;
	struct netlist *list = netlist_create();
	struct netaddr a;
	char buf[NETADDR_STRLEN];

	memset(&ss, 0, sizeof ss);
	switch (r->kind) {
	case SA_V4:
		sin->sin_family = AF_INET;
		sin->sin_port = htons(25);
		ck_assert_int_eq(inet_pton(AF_INET, r->text, &sin->sin_addr), 1);
		break;
	case SA_V6:
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(25);
		ck_assert_int_eq(inet_pton(AF_INET6, r->text, &sin6->sin6_addr), 1);
		break;
	case SA_UNIX:
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, "/run/x.sock");
		break;
	case SA_UNSPEC:
	case SA_NULL:
		break;
	}
	ck_assert_int_eq(netlist_add(list, "192.0.2.0/24", NULL), OK);
	ck_assert_int_eq(netlist_add(list, "2001:db8::/32", NULL), OK);
	ck_assert_int_eq(
	    netaddr_from_sockaddr(r->kind == SA_NULL ? NULL : (struct sockaddr *)&ss, &a),
	    r->ret);
	ck_assert_int_eq(a.family, r->family);
	netaddr_format(&a, buf, sizeof buf);
	ck_assert_str_eq(buf, r->canon);
	/* An unknown client is never allowlisted. */
	ck_assert(netlist_match(list, &a, NULL, 0) == r->allowed);
	netlist_free(list);
}
END_TEST

/* --- lists as a whole ------------------------------------------------- */

START_TEST(test_list_basics)
{
	struct netlist *list = netlist_create();
	struct netaddr a;

	ck_assert_uint_eq(netlist_count(list), 0);
	ck_assert_uint_eq(netlist_count(NULL), 0);
	ck_assert_int_eq(netaddr_parse("192.0.2.1", &a), OK);
	ck_assert(!netlist_match(list, &a, NULL, 0));
	ck_assert(!netlist_match(NULL, &a, NULL, 0));
	ck_assert_int_eq(netlist_add(list, "192.0.2.0/24", NULL), OK);
	ck_assert_int_eq(netlist_add(list, "::ffff:192.0.2.0/120", NULL), OK); /* same */
	ck_assert_int_eq(netlist_add(list, "192.0.2.0/25", NULL), OK);
	ck_assert_int_eq(netlist_add(list, "bogus", NULL), FAIL); /* NULL err_r is fine */
	ck_assert_int_eq(netlist_add(list, NULL, NULL), FAIL);
	ck_assert_uint_eq(netlist_count(list), 2);
	ck_assert(!netlist_match(list, NULL, NULL, 0));
	/* A hand-built mapped netaddr still counts as IPv4. */
	memset(&a, 0, sizeof a);
	a.family = AF_INET6;
	a.bytes[10] = a.bytes[11] = 0xff;
	a.bytes[12] = 192, a.bytes[14] = 2, a.bytes[15] = 200;
	ck_assert(netlist_match(list, &a, NULL, 0));
	a.family = AF_UNIX;
	ck_assert(!netlist_match(list, &a, NULL, 0));
	netlist_free(list);
	netlist_free(NULL);
}
END_TEST

/* A copy matches what the original matches and lives on without it. */
START_TEST(test_list_copy)
{
	struct netlist *list = netlist_create(), *copy;
	struct netaddr a;
	char matched[NETADDR_STRLEN];

	ck_assert_int_eq(netlist_add(list, "192.0.2.0/24", NULL), OK);
	ck_assert_int_eq(netlist_add(list, "2001:db8::/32", NULL), OK);
	ck_assert_int_eq(netlist_add(list, "198.51.100.7", NULL), OK);
	copy = netlist_copy(list);
	netlist_free(list);
	ck_assert_uint_eq(netlist_count(copy), 3);
	ck_assert_int_eq(netaddr_parse("2001:db8::5", &a), OK);
	ck_assert(netlist_match(copy, &a, matched, sizeof matched));
	ck_assert_str_eq(matched, "2001:db8::/32");
	ck_assert_int_eq(netaddr_parse("198.51.100.7", &a), OK);
	ck_assert(netlist_match(copy, &a, NULL, 0));
	ck_assert_int_eq(netaddr_parse("198.51.100.8", &a), OK);
	ck_assert(!netlist_match(copy, &a, NULL, 0));
	ck_assert_int_eq(netlist_add(copy, "203.0.113.0/24", NULL),
	                 OK); /* still growable */
	ck_assert_uint_eq(netlist_count(copy), 4);
	netlist_free(copy);
}
END_TEST

/* Deterministic pseudo-random numbers (no global state in libc rand). */
static uint32_t next_rand(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 1;
}

/* Reference: linear scan over (network, prefix) pairs, longest prefix wins. */
static int ref_match(const uint32_t *nets, const int *plens, int n, uint32_t ip)
{
	int best = -1;

	for (int i = 0; i < n; i++) {
		uint32_t mask = plens[i] == 32 ? 0xffffffffu : ~(0xffffffffu >> plens[i]);

		if ((ip & mask) == nets[i] && (best < 0 || plens[i] > plens[best]))
			best = i;
	}
	return best;
}

/* Thousands of random IPv4 networks against a linear scan. */
START_TEST(test_random_against_linear)
{
	enum { NETS = 3000, PROBES = 20000 };
	static uint32_t nets[NETS];
	static int plens[NETS];
	struct netlist *list = netlist_create();
	uint32_t seed = 42;
	char text[NETADDR_STRLEN], got[NETADDR_STRLEN];
	struct netaddr a = {.family = AF_INET};
	int n = 0;

	while (n < NETS) {
		int plen = 8 + (int)(next_rand(&seed) % 25);
		/* Few first octets, so networks overlap and nest. */
		uint32_t net = ((uint32_t)(10 + next_rand(&seed) % 4) << 24) |
		               (next_rand(&seed) & 0x00ffffffu);
		uint32_t be;
		bool dup = false;

		/* plen 32 would shift a 32-bit value by 32: undefined. */
		net &= plen >= 32 ? 0xffffffffu : ~(0xffffffffu >> plen);
		be = htonl(net);
		inet_ntop(AF_INET, &be, text, sizeof text);
		snprintf(text + strlen(text), sizeof text - strlen(text), "/%d", plen);
		ck_assert_int_eq(netlist_add(list, text, NULL), OK);
		for (int i = 0; i < n && !dup; i++)
			dup = nets[i] == net && plens[i] == plen;
		if (dup)
			continue; /* stored once */
		nets[n] = net, plens[n] = plen, n++;
	}
	ck_assert_uint_eq(netlist_count(list), NETS);
	for (int i = 0; i < PROBES; i++) {
		uint32_t ip = next_rand(&seed) ^ (next_rand(&seed) << 16);
		int best;

		ip = (ip & 0x00ffffffu) | ((uint32_t)(9 + next_rand(&seed) % 6) << 24);
		best = ref_match(nets, plens, n, ip);
		a.bytes[0] = ip >> 24, a.bytes[1] = ip >> 16, a.bytes[2] = ip >> 8,
		a.bytes[3] = ip;
		ck_assert(netlist_match(list, &a, got, sizeof got) == (best >= 0));
		if (best >= 0) {
			uint32_t be = htonl(nets[best]);

			inet_ntop(AF_INET, &be, text, sizeof text);
			snprintf(text + strlen(text), sizeof text - strlen(text), "/%d",
			         plens[best]);
			ck_assert_str_eq(got, text);
		}
	}
	netlist_free(list);
}
END_TEST

/* Many threads matching one finished list: the results never differ. */
struct match_job {
	const struct netlist *list;
	int mismatches;
};

static void *match_worker(void *arg)
{
	struct match_job *job = arg;
	char buf[NETADDR_STRLEN];
	struct netaddr a;

	for (int round = 0; round < 200; round++)
		for (int i = 0; i < N_ROWS(match_rows); i++) {
			const struct match_row *r = &match_rows[i];
			bool hit;

			netaddr_parse(r->client, &a);
			hit = netlist_match(job->list, &a, buf, sizeof buf);
			if (hit != (r->matched != NULL) ||
			    (hit && strcmp(buf, r->matched) != 0))
				job->mismatches++;
		}
	return NULL;
}

START_TEST(test_concurrent_match)
{
	enum { THREADS = 8 };
	struct netlist *list = netlist_create();
	struct match_job jobs[THREADS];
	pthread_t tids[THREADS];

	for (size_t i = 0; i < sizeof match_list / sizeof match_list[0]; i++)
		ck_assert_int_eq(netlist_add(list, match_list[i], NULL), OK);
	for (int i = 0; i < THREADS; i++) {
		jobs[i] = (struct match_job){list, 0};
		ck_assert_int_eq(pthread_create(&tids[i], NULL, match_worker, &jobs[i]),
		                 0);
	}
	for (int i = 0; i < THREADS; i++) {
		ck_assert_int_eq(pthread_join(tids[i], NULL), 0);
		ck_assert_int_eq(jobs[i].mismatches, 0);
	}
	netlist_free(list);
}
END_TEST

static Suite *netlist_suite(void)
{
	Suite *s = suite_create("netlist");
	TCase *tc = tcase_create("netlist");

	tcase_add_loop_test(tc, test_parse, 0, N_ROWS(parse_rows));
	tcase_add_loop_test(tc, test_add, 0, N_ROWS(add_rows));
	tcase_add_loop_test(tc, test_match, 0, N_ROWS(match_rows));
	tcase_add_loop_test(tc, test_from_sockaddr, 0, N_ROWS(sockaddr_rows));
	tcase_add_test(tc, test_list_basics);
	tcase_add_test(tc, test_list_copy);
	tcase_add_test(tc, test_random_against_linear);
	tcase_add_test(tc, test_concurrent_match);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tap_run(netlist_suite());
}
