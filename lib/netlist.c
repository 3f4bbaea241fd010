/*
 * netlist: client addresses and CIDR network lists (after Postfix's
 * util/cidr_match.c).
 *
 * Entry points: netaddr_from_sockaddr, netaddr_parse, netaddr_format for
 * single addresses; netlist_create, netlist_add, netlist_match,
 * netlist_count, netlist_free for lists of networks.
 *
 * Parsing is strict, because a network list is an allowlist and any
 * leniency widens it: IPv4 is exactly four decimal octets without leading
 * zeros (inet_aton would read "010.0.0.1" as octal and "10.1" as 10.0.0.1);
 * IPv6 goes through inet_pton (no zone ids); an IPv4-mapped address
 * (::ffff:a.b.c.d) is held as plain IPv4 everywhere, so mapped clients match
 * IPv4 networks and "::ffff:192.0.2.0/120" is stored as 192.0.2.0/24. A
 * network with host bits set or a prefix of /0 (an open relay) is refused;
 * any other prefix length, even /1, is accepted.
 *
 * Structure: per family, one bucket per prefix length, each bucket a sorted
 * array of network addresses (4 or 16 bytes each). A match masks the client
 * address to each non-empty prefix length, longest first, and binary-searches
 * that bucket: O(lengths x log n), and the most specific network is the one
 * reported. An add is a binary search plus a memmove inside one bucket, which
 * stays cheap for the tens of thousands of networks LDAP could hold. A
 * network added twice is stored once.
 *
 * Ownership: the caller owns the list and frees it with netlist_free. Once
 * built it is not modified, and netlist_match touches only the stack, so any
 * number of threads may match against one list concurrently.
 *
 * Failure: bad input gives -1 (netlist_add also a static English message for
 * "FILE:LINE: message" errors); allocation failure exits (lib/xalloc.h); an
 * output buffer too small for a canonical text is a caller bug (msg_panic).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "lib/netlist.h"

#define V4_LEN 4
#define V6_LEN 16
#define V4_BITS 32
#define V6_BITS 128
/* First 12 bytes of an IPv4-mapped IPv6 address, ::ffff:0:0/96. */
#define MAPPED_PREFIX_BITS 96
static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Networks of one prefix length: COUNT sorted keys of the family's width. */
struct netbucket {
	uint8_t *keys;
	size_t count;
	size_t cap;
};

struct netlist {
	struct netbucket v4[V4_BITS + 1]; /* index = prefix length; 0 stays empty */
	struct netbucket v6[V6_BITS + 1];
	size_t count;
};

/* Address width in bytes and longest prefix of FAMILY; false if unsupported. */
static bool family_geometry(int family, size_t *width_r, unsigned *bits_r)
{
	if (family == AF_INET) {
		*width_r = V4_LEN;
		*bits_r = V4_BITS;
		return true;
	}
	if (family == AF_INET6) {
		*width_r = V6_LEN;
		*bits_r = V6_BITS;
		return true;
	}
	return false;
}

/* --- single addresses ------------------------------------------------- */

/* If ADDR is IPv6 ::ffff:a.b.c.d, make it IPv4 a.b.c.d. */
static bool unmap(struct netaddr *addr)
{
	if (addr->family != AF_INET6 ||
	    memcmp(addr->bytes, mapped_prefix, sizeof mapped_prefix) != 0)
		return false;
	addr->family = AF_INET;
	memmove(addr->bytes, addr->bytes + sizeof mapped_prefix, V4_LEN);
	memset(addr->bytes + V4_LEN, 0, V6_LEN - V4_LEN);
	return true;
}

int netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *addr_r)
{
	memset(addr_r, 0, sizeof *addr_r);
	addr_r->family = AF_UNSPEC;
	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		addr_r->family = AF_INET;
		memcpy(addr_r->bytes, &sin->sin_addr, V4_LEN);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		addr_r->family = AF_INET6;
		memcpy(addr_r->bytes, &sin6->sin6_addr, V6_LEN);
		unmap(addr_r);
		return 0;
	}
	return -1;
}

/*
 * Exactly four decimal octets 0-255, no leading zeros, nothing else: what
 * inet_pton promises on glibc, enforced here so no libc (or inet_aton habit)
 * can widen it.
 */
bool netaddr_parse_ipv4(const char *text, uint8_t out[4])
{
	const char *p = text;

	for (int i = 0; i < V4_LEN; i++) {
		unsigned value = 0;
		int digits = 0;

		while (*p >= '0' && *p <= '9') {
			if (digits == 1 && value == 0)
				return false; /* leading zero: octal ambiguity */
			value = value * 10 + (unsigned)(*p - '0');
			if (++digits > 3 || value > 255)
				return false;
			p++;
		}
		if (digits == 0)
			return false;
		out[i] = (uint8_t)value;
		if (i < V4_LEN - 1 && *p++ != '.')
			return false;
	}
	return *p == '\0';
}

/*
 * IPv6 through inet_pton, after refusing anything that is not hex digits,
 * colons and dots (zone ids "%eth0", spaces, brackets). An embedded IPv4
 * tail ("::ffff:192.0.2.1") must pass netaddr_parse_ipv4 too.
 */
static bool parse_v6(const char *text, uint8_t out[V6_LEN])
{
	const char *colon;
	uint8_t tail[V4_LEN];

	if (strlen(text) >= INET6_ADDRSTRLEN ||
	    text[strspn(text, "0123456789abcdefABCDEF:.")] != '\0')
		return false;
	colon = strrchr(text, ':');
	if (colon == NULL)
		return false;
	if (strchr(colon, '.') != NULL && !netaddr_parse_ipv4(colon + 1, tail))
		return false;
	return inet_pton(AF_INET6, text, out) == 1;
}

/* Parse TEXT without unmapping; mapped addresses stay AF_INET6 here. */
static int parse_raw(const char *text, struct netaddr *addr_r)
{
	memset(addr_r, 0, sizeof *addr_r);
	addr_r->family = AF_UNSPEC;
	if (text == NULL)
		return -1;
	if (strchr(text, ':') != NULL) {
		if (!parse_v6(text, addr_r->bytes))
			goto fail;
		addr_r->family = AF_INET6;
		return 0;
	}
	if (!netaddr_parse_ipv4(text, addr_r->bytes))
		goto fail;
	addr_r->family = AF_INET;
	return 0;
fail:
	memset(addr_r->bytes, 0, sizeof addr_r->bytes);
	return -1;
}

int netaddr_parse(const char *text, struct netaddr *addr_r)
{
	if (parse_raw(text, addr_r) < 0)
		return -1;
	unmap(addr_r);
	return 0;
}

/* Canonical text of ADDR, then "/PLEN" unless PLEN < 0, into BUF. */
static void format_net(const struct netaddr *addr, int plen, char *buf, size_t size)
{
	char text[INET6_ADDRSTRLEN];
	int n;

	if ((addr->family != AF_INET && addr->family != AF_INET6) ||
	    inet_ntop(addr->family, addr->bytes, text, sizeof text) == NULL)
		snprintf(text, sizeof text, "unknown");
	if (plen < 0)
		n = snprintf(buf, size, "%s", text);
	else
		n = snprintf(buf, size, "%s/%d", text, plen);
	if (n < 0 || (size_t)n >= size)
		msg_panic("netlist: buffer of %zu bytes too small for %s", size, text);
}

void netaddr_format(const struct netaddr *addr, char *buf, size_t size)
{
	format_net(addr, -1, buf, size);
}

/* --- masks and buckets ------------------------------------------------ */

/* DST = SRC with every bit past PLEN cleared (WIDTH bytes). */
static void mask_copy(uint8_t *dst, const uint8_t *src, size_t width, unsigned plen)
{
	for (size_t i = 0; i < width; i++) {
		unsigned bits = plen >= 8 * (i + 1) ? 8 : plen > 8 * i ? plen - 8 * i : 0;

		dst[i] = src[i] & (uint8_t)(0xff00u >> bits);
	}
}

/* Index of the first key >= KEY in B; *FOUND_R tells whether it is equal. */
static size_t bucket_search(const struct netbucket *b, size_t width, const uint8_t *key,
                            bool *found_r)
{
	size_t lo = 0, hi = b->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = memcmp(b->keys + mid * width, key, width);

		if (cmp == 0) {
			*found_r = true;
			return mid;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found_r = false;
	return lo;
}

/* Insert KEY into B, keeping it sorted; false if it was already there. */
static bool bucket_insert(struct netbucket *b, size_t width, const uint8_t *key)
{
	bool found;
	size_t at = bucket_search(b, width, key, &found);

	if (found)
		return false;
	if (b->count == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 8;
		b->keys = xrealloc(b->keys, b->cap * width);
	}
	memmove(b->keys + (at + 1) * width, b->keys + at * width,
	        (b->count - at) * width);
	memcpy(b->keys + at * width, key, width);
	b->count++;
	return true;
}

/* --- lists ------------------------------------------------------------ */

struct netlist *netlist_create(void)
{
	return xcalloc(1, sizeof(struct netlist));
}

/*
 * Read the "/len" part of a network (TEXT points past the slash): decimal,
 * no sign, no leading zero, at most MAX. Returns the length, or -1 with
 * *ERROR_R set.
 */
static int parse_prefix(const char *text, unsigned max, const char **error_r)
{
	unsigned value = 0;
	size_t digits = strspn(text, "0123456789");

	if (*text == '\0') {
		*error_r = "prefix length missing after '/'";
		return -1;
	}
	if (digits == 0 || text[digits] != '\0') {
		*error_r = "prefix length is not a decimal number";
		return -1;
	}
	if (digits > 1 && text[0] == '0') {
		*error_r = "prefix length has a leading zero";
		return -1;
	}
	if (digits > 3) {
		*error_r = "prefix length out of range";
		return -1;
	}
	for (size_t i = 0; i < digits; i++)
		value = value * 10 + (unsigned)(text[i] - '0');
	if (value > max) {
		*error_r = "prefix length out of range";
		return -1;
	}
	return (int)value;
}

/*
 * Split CIDR into a network address and prefix length, unmapping
 * ::ffff:a.b.c.d/96+n into a.b.c.d/n. Returns 0, or -1 with *ERROR_R set.
 */
static int parse_network(const char *cidr, struct netaddr *net_r, unsigned *plen_r,
                         const char **error_r)
{
	char text[INET6_ADDRSTRLEN];
	const char *slash = strchr(cidr, '/');
	size_t len = slash ? (size_t)(slash - cidr) : strlen(cidr);
	int plen;

	if (len >= sizeof text) {
		*error_r = "not an IPv4 or IPv6 address";
		return -1;
	}
	memcpy(text, cidr, len);
	text[len] = '\0';
	if (parse_raw(text, net_r) < 0) {
		*error_r = "not an IPv4 or IPv6 address";
		return -1;
	}
	plen = net_r->family == AF_INET ? V4_BITS : V6_BITS;
	if (slash != NULL &&
	    (plen = parse_prefix(slash + 1, (unsigned)plen, error_r)) < 0)
		return -1;
	if (unmap(net_r)) {
		if (plen < MAPPED_PREFIX_BITS) {
			*error_r = "IPv4-mapped network needs a prefix of /96 or longer";
			return -1;
		}
		plen -= MAPPED_PREFIX_BITS;
	}
	*plen_r = (unsigned)plen;
	return 0;
}

int netlist_add(struct netlist *list, const char *cidr, const char **error_r)
{
	const char *dummy;
	struct netaddr net;
	struct netbucket *b;
	uint8_t key[V6_LEN];
	unsigned plen, bits;
	size_t width;

	if (error_r == NULL)
		error_r = &dummy;
	if (cidr == NULL) {
		*error_r = "not an IPv4 or IPv6 address";
		return -1;
	}
	if (parse_network(cidr, &net, &plen, error_r) < 0)
		return -1;
	if (!family_geometry(net.family, &width, &bits))
		msg_panic("netlist_add: parsed address of family %d", net.family);
	/* Before host bits, so "10.0.0.0/0" is named as the catch-all it is. */
	if (plen == 0) {
		*error_r = "matches every address: an open relay";
		return -1;
	}
	mask_copy(key, net.bytes, width, plen);
	if (memcmp(key, net.bytes, width) != 0) {
		*error_r = "host bits set (the address is not the start of its network)";
		return -1;
	}
	b = net.family == AF_INET ? &list->v4[plen] : &list->v6[plen];
	if (bucket_insert(b, width, key))
		list->count++;
	return 0;
}

bool netlist_match(const struct netlist *list, const struct netaddr *addr,
                   char *matched_r, size_t size)
{
	const struct netbucket *buckets;
	struct netaddr client;
	unsigned bits;
	size_t width;
	bool found;

	if (list == NULL || addr == NULL)
		return false;
	/* Callers may build a netaddr by hand: a mapped one is still IPv4. */
	client = *addr;
	unmap(&client);
	if (!family_geometry(client.family, &width, &bits))
		return false;
	buckets = client.family == AF_INET ? list->v4 : list->v6;
	/* Longest prefix first: the most specific network is the one reported. */
	for (unsigned plen = bits; plen > 0; plen--) {
		const struct netbucket *b = &buckets[plen];
		struct netaddr net = {.family = client.family};

		if (b->count == 0)
			continue;
		mask_copy(net.bytes, client.bytes, width, plen);
		bucket_search(b, width, net.bytes, &found);
		if (!found)
			continue;
		if (matched_r != NULL)
			format_net(&net, (int)plen, matched_r, size);
		return true;
	}
	return false;
}

static void bucket_copy(struct netbucket *dst, const struct netbucket *src, size_t width)
{
	dst->count = dst->cap = src->count;
	dst->keys = NULL;
	if (src->count > 0) {
		dst->keys = xmalloc(src->count * width);
		memcpy(dst->keys, src->keys, src->count * width);
	}
}

struct netlist *netlist_copy(const struct netlist *list)
{
	struct netlist *copy = netlist_create();

	for (size_t i = 0; i <= V4_BITS; i++)
		bucket_copy(&copy->v4[i], &list->v4[i], V4_LEN);
	for (size_t i = 0; i <= V6_BITS; i++)
		bucket_copy(&copy->v6[i], &list->v6[i], V6_LEN);
	copy->count = list->count;
	return copy;
}

size_t netlist_count(const struct netlist *list)
{
	return list ? list->count : 0;
}

void netlist_free(struct netlist *list)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i <= V4_BITS; i++)
		free(list->v4[i].keys);
	for (size_t i = 0; i <= V6_BITS; i++)
		free(list->v6[i].keys);
	free(list);
}
