/*
 * fuzz_cidr: libFuzzer target for lib/netlist.c's parsers. The input,
 * NUL-terminated, goes through netaddr_parse and netlist_add; whatever is
 * accepted must hold the module's invariants, checked with abort():
 *   - a parsed address is IPv4 or IPv6 (never IPv4-mapped IPv6), its
 *     canonical text parses back to the same bytes, and as a host network
 *     it matches itself;
 *   - an added network is counted once, is never a /0, contains its own
 *     base address (as written and in canonical text), and its canonical
 *     text is accepted again as the same network;
 *   - a refusal comes with a message and leaves the list empty.
 * Build (not wired into make): clang -g -fsanitize=fuzzer,address,undefined
 *   -I$(top_srcdir) -I$(top_builddir) tests/fuzz/fuzz_cidr.c lib/netlist.c lib/[a-z]*.c
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/netlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond))                                                             \
			abort();                                                         \
	} while (0)

static void check_address(const char *text)
{
	struct netaddr a, b;
	struct netlist *list;
	char buf[NETADDR_STRLEN], matched[NETADDR_STRLEN];

	if (netaddr_parse(text, &a) < 0)
		return;
	CHECK(a.family == AF_INET || a.family == AF_INET6);
	CHECK(a.family == AF_INET || memcmp(a.bytes, mapped_prefix, 12) != 0);
	netaddr_format(&a, buf, sizeof buf);
	CHECK(netaddr_parse(buf, &b) == 0);
	CHECK(b.family == a.family && memcmp(a.bytes, b.bytes, sizeof a.bytes) == 0);
	list = netlist_create();
	CHECK(netlist_add(list, buf, NULL) == 0);
	CHECK(netlist_match(list, &a, matched, sizeof matched));
	CHECK(strncmp(matched, buf, strlen(buf)) == 0 && matched[strlen(buf)] == '/');
	netlist_free(list);
}

/* Parse the address part of CIDR (before any '/'). */
static int parse_base(const char *cidr, struct netaddr *addr_r)
{
	char buf[NETADDR_STRLEN];
	size_t len = strcspn(cidr, "/");

	if (len >= sizeof buf)
		return -1;
	memcpy(buf, cidr, len);
	buf[len] = '\0';
	return netaddr_parse(buf, addr_r);
}

static void check_network(const char *text)
{
	struct netlist *list = netlist_create();
	const char *err = NULL;
	struct netaddr base;
	char matched[NETADDR_STRLEN];
	size_t len;

	if (netlist_add(list, text, &err) < 0) {
		CHECK(err != NULL && *err != '\0');
		CHECK(netlist_count(list) == 0);
		goto out;
	}
	CHECK(netlist_count(list) == 1);
	CHECK(parse_base(text, &base) == 0);
	CHECK(netlist_match(list, &base, matched, sizeof matched));
	len = strlen(matched);
	CHECK(len > 2 && strcmp(matched + len - 2, "/0") != 0);
	CHECK(parse_base(matched, &base) == 0);
	CHECK(netlist_match(list, &base, NULL, 0));
	CHECK(netlist_add(list, matched, &err) == 0);
	CHECK(netlist_count(list) == 1);
out:
	netlist_free(list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_address(text);
	check_network(text);
	free(text);
	return 0;
}
