/*
 * test_sets: the in-memory sets a backend answers from: the domain set
 * (rows of members, parents and non-members; a large set), the publish
 * primitive (readers never see a freed or an older value while a writer
 * swaps), and the dir_set backend (unpublished sets are an error, never
 * "not found").
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/publish.h"
#include "lib/xalloc.h"
#include "policy/dir_set.h"
#include "policy/domainset.h"
#include "tests/unit/tap.h"

static const char *const members[] = {"example.org", "b\xc3\xbc\x63her.example",
                                      "[192.0.2.10]", "xn--bcher-kva.example",
                                      "a.b.c.example.net"};

static const struct {
	const char *domain;
	bool subdomains;
	const char *want; /* the matching name, NULL: none */
} match_rows[] = {
    {"example.org", false, "example.org"},
    {"example.org", true, "example.org"},
    {"sub.example.org", false, NULL},
    {"sub.example.org", true, "example.org"},
    {"x.y.sub.example.org", true, "example.org"},
    {"notexample.org", true, NULL},
    {"org", true, NULL},
    {"example.org.", true, NULL},
    {"[192.0.2.10]", true, "[192.0.2.10]"},
    {"x.[192.0.2.10]", true, "[192.0.2.10]"},
    {"[192.0.2.11]", true, NULL},
    {"b.c.example.net", true, NULL},
    {"z.a.b.c.example.net", true, "a.b.c.example.net"},
    {"xn--bcher-kva.example", false, "xn--bcher-kva.example"},
    {"", true, NULL},
    {".", true, NULL},
};

static struct domainset *members_set(void)
{
	struct domainset_builder *b = domainset_builder_create();

	for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
		domainset_builder_add(b, members[i]);
		domainset_builder_add(b, members[i]); /* duplicates kept once */
	}
	return domainset_build(b);
}

START_TEST(t_match)
{
	struct domainset *s = members_set();
	const char *got =
	    domainset_match(s, match_rows[_i].domain, match_rows[_i].subdomains);

	ck_assert_uint_eq(domainset_count(s), sizeof members / sizeof members[0]);
	if (match_rows[_i].want == NULL)
		ck_assert_ptr_null(got);
	else
		ck_assert_str_eq(got, match_rows[_i].want);
	domainset_free(s);
}
END_TEST

START_TEST(t_large)
{
	struct domainset_builder *b = domainset_builder_create();
	struct domainset *s;
	char name[64];

	for (int i = 0; i < 200000; i++) {
		snprintf(name, sizeof name, "d%d.example", i);
		domainset_builder_add(b, name);
	}
	s = domainset_build(b);
	ck_assert_uint_eq(domainset_count(s), 200000);
	for (int i = 0; i < 200000; i++) {
		snprintf(name, sizeof name, "d%d.example", i);
		ck_assert_msg(domainset_has(s, name), "%s missing", name);
		snprintf(name, sizeof name, "e%d.example", i);
		ck_assert_msg(!domainset_has(s, name), "%s present", name);
	}
	domainset_free(s);
	s = domainset_build(domainset_builder_create());
	ck_assert_uint_eq(domainset_count(s), 0);
	ck_assert(!domainset_has(s, "example.org"));
	domainset_free(s);
}
END_TEST

/* ---- publish: readers against a swapping writer ---- */
#define MAGIC 0x5e75e7u

struct value {
	unsigned magic;
	unsigned long version;
};

static unsigned long freed;

static void free_value(void *p)
{
	struct value *v = p;

	v->magic = 0; /* a reader that still saw it would notice */
	__atomic_fetch_add(&freed, 1, __ATOMIC_RELAXED);
	free(v);
}

struct reader {
	struct publish *pub;
	bool *stop;
	unsigned long reads, bad, backwards;
};

static void *read_loop(void *arg)
{
	struct reader *r = arg;
	unsigned long last = 0;

	while (!__atomic_load_n(r->stop, __ATOMIC_ACQUIRE)) {
		struct publish_ref ref;
		const struct value *v = publish_enter(r->pub, &ref);

		if (v->magic != MAGIC)
			r->bad++;
		if (v->version < last)
			r->backwards++;
		last = v->version;
		__atomic_fetch_add(&r->reads, 1, __ATOMIC_RELAXED);
		publish_leave(r->pub, &ref);
	}
	return NULL;
}

static struct value *new_value(unsigned long version)
{
	struct value *v = xmalloc(sizeof *v);

	v->magic = MAGIC;
	v->version = version;
	return v;
}

START_TEST(t_publish)
{
	enum { READERS = 4, SWAPS = 2000 };
	struct publish pub;
	struct reader rd[READERS];
	pthread_t th[READERS];
	bool stop = false;

	freed = 0;
	publish_init(&pub, new_value(0), free_value);
	for (int i = 0; i < READERS; i++) {
		rd[i] = (struct reader){.pub = &pub, .stop = &stop};
		ck_assert_int_eq(pthread_create(&th[i], NULL, read_loop, &rd[i]), 0);
	}
	/* Every reader is inside the loop before the first swap. */
	for (int i = 0; i < READERS; i++)
		while (__atomic_load_n(&rd[i].reads, __ATOMIC_RELAXED) == 0)
			sched_yield();
	for (unsigned long v = 1; v <= SWAPS; v++)
		publish_swap(&pub, new_value(v));
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	for (int i = 0; i < READERS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_uint_eq(rd[i].bad, 0);
		ck_assert_uint_eq(rd[i].backwards, 0);
		ck_assert_uint_gt(rd[i].reads, 0);
	}
	ck_assert_uint_eq(freed, SWAPS); /* every replaced value, once */
	ck_assert_uint_eq(((struct value *)publish_peek(&pub))->version, SWAPS);
	publish_destroy(&pub);
	ck_assert_uint_eq(freed, SWAPS + 1);
}
END_TEST

/* ---- dir_set: what a backend over published sets answers ---- */
START_TEST(t_dir_set)
{
	static const struct dir_set_params params = {.name = "mem",
	                                             .source = SRC_STATIC,
	                                             .domains_label = "mem domains",
	                                             .networks_label = "mem networks",
	                                             .match_subdomains = true};
	struct policy_sets *sets = policy_sets_create(NULL, NULL);
	struct directory *dir = dir_set_create(&params, sets);
	struct dir_answer a = {.want_detail = true};
	struct netaddr addr;
	struct netlist *nets = netlist_create();
	const char *why;

	ck_assert_str_eq(dir->ops->name, "mem");
	ck_assert_int_eq(netaddr_parse("192.0.2.7", &addr), 0);
	/* Nothing published yet: an error, never "not local". */
	dir_lookup_domain(dir, "example.org", &a);
	ck_assert_int_eq(a.status, DIR_ERROR);
	ck_assert_str_eq(a.detail, "mem domains: not loaded yet");
	dir_match_client(dir, &addr, &a);
	ck_assert_int_eq(a.status, DIR_ERROR);
	/* Published: answered from the new sets at once. */
	policy_sets_publish_domains(sets, members_set());
	ck_assert_int_eq(netlist_add(nets, "192.0.2.0/24", &why), 0);
	policy_sets_publish_networks(sets, nets);
	dir_lookup_domain(dir, "sub.example.org", &a);
	ck_assert_int_eq(a.status, DIR_FOUND);
	ck_assert_str_eq(a.detail,
	                 "mem domains: example.org (parent of sub.example.org)");
	dir_lookup_domain(dir, "example.com", &a);
	ck_assert_int_eq(a.status, DIR_NOTFOUND);
	dir_match_client(dir, &addr, &a);
	ck_assert_int_eq(a.status, DIR_FOUND);
	ck_assert_str_eq(a.detail, "mem networks: 192.0.2.7 in 192.0.2.0/24");
	/* A new publication replaces the old one whole. */
	policy_sets_publish_domains(sets, domainset_build(domainset_builder_create()));
	dir_lookup_domain(dir, "example.org", &a);
	ck_assert_int_eq(a.status, DIR_NOTFOUND);
	/* The backend holds its own reference. */
	policy_sets_unref(sets);
	dir_match_client(dir, &addr, &a);
	ck_assert_int_eq(a.status, DIR_FOUND);
	dir_free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sets");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, t_match, 0, N_ROWS(match_rows));
	tcase_add_test(tc, t_large);
	tcase_add_test(tc, t_publish);
	tcase_add_test(tc, t_dir_set);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
