/*
 * netlist: client addresses and CIDR network lists (Postfix's cidr_match).
 * IPv4, IPv6, and IPv4-mapped IPv6 (::ffff:a.b.c.d is held as plain IPv4, so
 * it matches IPv4 networks). Parsing is strict: no classful or octal forms,
 * no host bits set, and never a catch-all /0 (that is an open relay).
 */
#ifndef RM_NETLIST_H
#define RM_NETLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* A client address. FAMILY is AF_INET (first 4 bytes used) or AF_INET6. */
struct netaddr {
	int family;
	uint8_t bytes[16];
};

/* Longest text form of a netaddr or CIDR, with NUL. */
#define NETADDR_STRLEN 64

/* Fill ADDR_R from a socket address; IPv4-mapped IPv6 becomes IPv4.
 * Returns 0, or -1 for NULL or an unsupported family (client unknown). */
int netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *addr_r);
/* Parse a textual address strictly (inet_pton rules, no leading zeros in
 * IPv4 octets); IPv4-mapped IPv6 becomes IPv4. Returns 0 or -1. */
int netaddr_parse(const char *text, struct netaddr *addr_r);
/* The strict dotted quad alone: exactly four decimal octets 0-255 without
 * leading zeros, nothing before or after. True with OCTETS_R filled. */
bool netaddr_parse_ipv4(const char *text, uint8_t octets_r[4]);
/* Write ADDR's canonical text form into BUF (SIZE >= NETADDR_STRLEN). */
void netaddr_format(const struct netaddr *addr, char *buf, size_t size);

struct netlist;

/* An empty list. */
struct netlist *netlist_create(void);
/*
 * Add one network, "192.0.2.0/24", "2001:db8::/32", "::ffff:192.0.2.0/120" or
 * a bare host address (= /32 or /128). Returns 0, or -1 with *ERROR_R set to a
 * static English message ("host bits set", "prefix length out of range",
 * "matches every address: an open relay", ...).
 */
int netlist_add(struct netlist *list, const char *cidr, const char **error_r);
/* True if ADDR is inside any network of LIST. When MATCHED_R is not NULL,
 * the matching network's canonical text is written there (SIZE bytes). */
bool netlist_match(const struct netlist *list, const struct netaddr *addr,
                   char *matched_r, size_t size);
/* A copy of LIST that shares nothing with it. */
struct netlist *netlist_copy(const struct netlist *list);
/* Number of networks in LIST. */
size_t netlist_count(const struct netlist *list);
/* Free LIST (NULL is fine). */
void netlist_free(struct netlist *list);

#endif
