/*
 * sync_store: an open-addressing hash table (linear probing, backward-shift
 * deletion, load at most 3/4) of pointers to one allocation per entry:
 * UUID, mark, length and data together, so a million domains cost about
 * 50 bytes each here. The hash mixes all 16 bytes of the UUID: OpenLDAP's
 * entryUUIDs are time-based (version 1), so their leading bytes alone would
 * cluster. UUIDs come from the directory the admin configured.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "policy/ldap/sync_store.h"

struct rec {
	struct sync_uuid uuid;
	uint32_t len;
	bool seen;
	char data[]; /* LEN bytes and a NUL */
};

struct sync_store {
	struct rec **slots;
	size_t mask; /* slots - 1 */
	size_t count;
};

#define MIN_SLOTS 64

static size_t hash_uuid(const struct sync_uuid *u)
{
	uint64_t a, b;

	memcpy(&a, u->b, 8);
	memcpy(&b, u->b + 8, 8);
	a ^= b * 0x9e3779b97f4a7c15ull;
	a ^= a >> 33;
	a *= 0xff51afd7ed558ccdull;
	a ^= a >> 33;
	a *= 0xc4ceb9fe1a85ec53ull;
	a ^= a >> 33;
	return (size_t)a;
}

struct sync_store *sync_store_create(void)
{
	struct sync_store *s = xcalloc(1, sizeof *s);

	s->slots = xcalloc(MIN_SLOTS, sizeof *s->slots);
	s->mask = MIN_SLOTS - 1;
	return s;
}

/* The index of UUID's slot, or of the empty slot where it would go. */
static size_t find(const struct sync_store *s, const struct sync_uuid *uuid)
{
	size_t i = hash_uuid(uuid) & s->mask;

	while (s->slots[i] != NULL && memcmp(s->slots[i]->uuid.b, uuid->b, 16) != 0)
		i = (i + 1) & s->mask;
	return i;
}

static void insert_rec(struct sync_store *s, struct rec *r)
{
	s->slots[find(s, &r->uuid)] = r;
}

static void resize(struct sync_store *s, size_t n_slots)
{
	struct rec **old = s->slots;
	size_t old_n = s->mask + 1;

	s->slots = xcalloc(n_slots, sizeof *s->slots);
	s->mask = n_slots - 1;
	for (size_t i = 0; i < old_n; i++)
		if (old[i] != NULL)
			insert_rec(s, old[i]);
	free(old);
}

void sync_store_clear(struct sync_store *s)
{
	for (size_t i = 0; i <= s->mask; i++) {
		free(s->slots[i]);
		s->slots[i] = NULL;
	}
	s->count = 0;
	if (s->mask + 1 > MIN_SLOTS)
		resize(s, MIN_SLOTS);
}

void sync_store_free(struct sync_store *s)
{
	if (s == NULL)
		return;
	sync_store_clear(s);
	free(s->slots);
	free(s);
}

void sync_store_put(struct sync_store *s, const struct sync_uuid *uuid, const void *data,
                    size_t len)
{
	struct rec *r;
	size_t i;

	if (len > UINT32_MAX - 1)
		len = UINT32_MAX - 1; /* a kind keeps a few names, never 4 GB */
	r = xmalloc(sizeof *r + len + 1);
	r->uuid = *uuid;
	r->len = (uint32_t)len;
	r->seen = true;
	if (len > 0)
		memcpy(r->data, data, len);
	r->data[len] = '\0';
	i = find(s, uuid);
	if (s->slots[i] != NULL) {
		free(s->slots[i]);
		s->slots[i] = r;
		return;
	}
	s->slots[i] = r;
	s->count++;
	if (s->count * 4 > (s->mask + 1) * 3)
		resize(s, (s->mask + 1) * 2);
}

bool sync_store_mark(struct sync_store *s, const struct sync_uuid *uuid)
{
	struct rec *r = s->slots[find(s, uuid)];

	if (r == NULL)
		return false;
	r->seen = true;
	return true;
}

/* Empty slot I and move later members of its probe run back (Knuth's
 * algorithm R), so that lookups need no tombstones. */
static void delete_at(struct sync_store *s, size_t i)
{
	size_t j = i;

	free(s->slots[i]);
	s->slots[i] = NULL;
	s->count--;
	for (;;) {
		size_t home;

		j = (j + 1) & s->mask;
		if (s->slots[j] == NULL)
			return;
		home = hash_uuid(&s->slots[j]->uuid) & s->mask;
		/* Move J back to I unless its home lies cyclically in (I, J]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		s->slots[i] = s->slots[j];
		s->slots[j] = NULL;
		i = j;
	}
}

bool sync_store_remove(struct sync_store *s, const struct sync_uuid *uuid)
{
	size_t i = find(s, uuid);

	if (s->slots[i] == NULL)
		return false;
	delete_at(s, i);
	return true;
}

void sync_store_unmark_all(struct sync_store *s)
{
	for (size_t i = 0; i <= s->mask; i++)
		if (s->slots[i] != NULL)
			s->slots[i]->seen = false;
}

size_t sync_store_remove_unseen(struct sync_store *s)
{
	size_t removed = 0, n = s->mask + 1;

	/* Free in one pass, then rebuild the table: cheaper than a backward
	 * shift per removal when a refresh removes many. */
	for (size_t i = 0; i < n; i++)
		if (s->slots[i] != NULL && !s->slots[i]->seen) {
			free(s->slots[i]);
			s->slots[i] = NULL;
			removed++;
		}
	if (removed > 0) {
		s->count -= removed;
		resize(s, n);
	}
	return removed;
}

size_t sync_store_count(const struct sync_store *s)
{
	return s->count;
}

const char *sync_store_get(const struct sync_store *s, const struct sync_uuid *uuid,
                           size_t *len_r)
{
	const struct rec *r = s->slots[find(s, uuid)];

	if (r == NULL)
		return NULL;
	*len_r = r->len;
	return r->data;
}

void sync_store_foreach(const struct sync_store *s,
                        void (*fn)(void *ctx, const char *data, size_t len), void *ctx)
{
	for (size_t i = 0; i <= s->mask; i++)
		if (s->slots[i] != NULL)
			fn(ctx, s->slots[i]->data, s->slots[i]->len);
}
