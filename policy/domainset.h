/*
 * domainset: an immutable set of normalised domain names (see
 * address_normalize_domain), built once and then only read, by any number
 * of threads without locks. A backend publishes one (lib/publish.h) and
 * swaps in a new one when its source changes: the config's local_domains
 * (dir_static), the whole directory in memory (sync mode, to come).
 */
#ifndef RM_DOMAINSET_H
#define RM_DOMAINSET_H

#include <stdbool.h>
#include <stddef.h>

struct domainset;
struct domainset_builder;

/* An empty builder. */
struct domainset_builder *domainset_builder_create(void);
/* An empty builder with room for about EXPECT names (it still grows). */
struct domainset_builder *domainset_builder_create_sized(size_t expect);
/* Add DOMAIN (copied; a duplicate is kept once). */
void domainset_builder_add(struct domainset_builder *b, const char *domain);
/* The set of everything added; B is consumed. Never fails. */
struct domainset *domainset_build(struct domainset_builder *b);

/* Is DOMAIN in S? */
bool domainset_has(const struct domainset *s, const char *domain);
/*
 * Is DOMAIN, or with SUBDOMAINS a parent of it, in S? The parents of
 * "a.b.example.org" are "b.example.org", "example.org" and "org"; an
 * address literal ("[192.0.2.1]") has none. Returns the name that matched
 * (DOMAIN itself or a suffix of it), or NULL.
 */
const char *domainset_match(const struct domainset *s, const char *domain,
                            bool subdomains);
/* A copy of S (two allocations, no rehashing). */
struct domainset *domainset_copy(const struct domainset *s);
/* Number of domains in S. */
size_t domainset_count(const struct domainset *s);
/* Free S (NULL is fine). */
void domainset_free(struct domainset *s);

#endif
