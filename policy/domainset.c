/*
 * domainset: an open-addressing hash set over one string arena (see
 * policy/domainset.h). Slots hold a 32-bit hash and the offset of the name
 * in the arena, so a 1M-domain set is two allocations and a lookup touches
 * one slot array and, on a hash hit, one name. The load factor stays at or
 * below one half. The hash is FNV-1a: the names come from the
 * administrator, never from the network, and a lookup (with a name from
 * the network) only follows the probe chains they built.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "policy/domainset.h"

#define EMPTY UINT32_MAX

struct slot {
	uint32_t hash;
	uint32_t off; /* into ARENA; EMPTY: unused */
};

struct domainset {
	struct slot *slots;
	size_t mask; /* slots - 1, a power of two minus one */
	size_t count;
	char *arena; /* NUL-terminated names, back to back */
	size_t arena_len;
};

struct domainset_builder {
	struct domainset set;
	size_t arena_len, arena_cap;
};

static uint32_t hash_name(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The slot holding NAME, or the empty slot where it would go. */
static struct slot *find(const struct domainset *s, const char *name, uint32_t h)
{
	for (size_t i = h & s->mask;; i = (i + 1) & s->mask) {
		struct slot *sl = &s->slots[i];

		if (sl->off == EMPTY ||
		    (sl->hash == h && strcmp(s->arena + sl->off, name) == 0))
			return sl;
	}
}

static void alloc_slots(struct domainset *s, size_t n)
{
	s->slots = xmalloc(n * sizeof *s->slots);
	for (size_t i = 0; i < n; i++)
		s->slots[i].off = EMPTY;
	s->mask = n - 1;
}

struct domainset_builder *domainset_builder_create(void)
{
	return domainset_builder_create_sized(0);
}

struct domainset_builder *domainset_builder_create_sized(size_t expect)
{
	struct domainset_builder *b = xcalloc(1, sizeof *b);
	size_t n = 16;

	/* Room for EXPECT names at a load of at most one half: a rebuild of
	 * a million-name set never rehashes (it used to grow 17 times). */
	while (n / 2 < expect)
		n *= 2;
	alloc_slots(&b->set, n);
	b->arena_cap = expect > 0 ? expect * 24 : 256;
	b->set.arena = xmalloc(b->arena_cap);
	return b;
}

static void grow(struct domainset *s)
{
	struct slot *old = s->slots;
	size_t n = s->mask + 1;

	alloc_slots(s, n * 2);
	for (size_t i = 0; i < n; i++)
		if (old[i].off != EMPTY)
			*find(s, s->arena + old[i].off, old[i].hash) = old[i];
	free(old);
}

void domainset_builder_add(struct domainset_builder *b, const char *domain)
{
	struct domainset *s = &b->set;
	size_t len = strlen(domain) + 1;
	uint32_t h = hash_name(domain);
	struct slot *sl;

	if ((s->count + 1) * 2 > s->mask + 1)
		grow(s);
	sl = find(s, domain, h);
	if (sl->off != EMPTY)
		return; /* already there */
	if (b->arena_len + len >= EMPTY)
		msg_fatal("domainset: more than 4 GiB of domain names");
	while (b->arena_len + len > b->arena_cap) {
		b->arena_cap *= 2;
		s->arena = xrealloc(s->arena, b->arena_cap);
	}
	memcpy(s->arena + b->arena_len, domain, len);
	sl->hash = h;
	sl->off = (uint32_t)b->arena_len;
	b->arena_len += len;
	s->count++;
}

struct domainset *domainset_build(struct domainset_builder *b)
{
	struct domainset *s = xmalloc(sizeof *s);

	*s = b->set;
	s->arena_len = b->arena_len;
	s->arena = xrealloc(s->arena, b->arena_len > 0 ? b->arena_len : 1);
	free(b);
	return s;
}

bool domainset_has(const struct domainset *s, const char *domain)
{
	return find(s, domain, hash_name(domain))->off != EMPTY;
}

const char *domainset_match(const struct domainset *s, const char *domain,
                            bool subdomains)
{
	const char *name = domain;

	for (;;) {
		if (domainset_has(s, name))
			return name;
		/* Literals have no parents; without subdomains only exact. */
		if (!subdomains || domain[0] == '[')
			return NULL;
		name = strchr(name, '.');
		if (name == NULL || name[1] == '\0')
			return NULL;
		name++;
	}
}

struct domainset *domainset_copy(const struct domainset *s)
{
	struct domainset *c = xmalloc(sizeof *c);

	*c = *s;
	c->slots = xmalloc((s->mask + 1) * sizeof *c->slots);
	memcpy(c->slots, s->slots, (s->mask + 1) * sizeof *c->slots);
	c->arena = xmalloc(s->arena_len > 0 ? s->arena_len : 1);
	memcpy(c->arena, s->arena, s->arena_len);
	return c;
}

size_t domainset_count(const struct domainset *s)
{
	return s->count;
}

void domainset_free(struct domainset *s)
{
	if (s == NULL)
		return;
	free(s->slots);
	free(s->arena);
	free(s);
}
