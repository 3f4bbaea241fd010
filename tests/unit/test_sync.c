/*
 * test_sync: the sync consumer's data flow without a network: the working
 * set keyed by entryUUID (sync_store: upserts, marks, deletes, removal of
 * the unseen, a large set with deletions that must leave every other entry
 * findable) and the session rules (sync_session: which refreshes remove
 * the unseen, when cookies are adopted, what completes a refresh). Each
 * session row is a script of protocol events and expectations.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "policy/ldap/sync_session.h"
#include "policy/ldap/sync_store.h"
#include "tests/unit/tap.h"

/* UUID number N: N in the last bytes, a version-1-like constant first. */
static struct sync_uuid uuid_n(unsigned n)
{
	struct sync_uuid u;

	memset(&u, 0x11, sizeof u);
	u.b[12] = (unsigned char)(n >> 24);
	u.b[13] = (unsigned char)(n >> 16);
	u.b[14] = (unsigned char)(n >> 8);
	u.b[15] = (unsigned char)n;
	return u;
}

/* --- the store ------------------------------------------------------ */

START_TEST(t_store_basic)
{
	struct sync_store *s = sync_store_create();
	struct sync_uuid a = uuid_n(1), b = uuid_n(2), c = uuid_n(3);
	size_t len = 0;

	sync_store_put(s, &a, "a.example", 9);
	sync_store_put(s, &b, "b.example", 9);
	ck_assert_uint_eq(sync_store_count(s), 2);
	sync_store_put(s, &a, "a2.example", 10); /* an upsert replaces */
	ck_assert_uint_eq(sync_store_count(s), 2);
	ck_assert_str_eq(sync_store_get(s, &a, &len), "a2.example");
	ck_assert_uint_eq(len, 10);
	ck_assert_ptr_null(sync_store_get(s, &c, &len));
	ck_assert(!sync_store_mark(s, &c));
	ck_assert(!sync_store_remove(s, &c));
	sync_store_unmark_all(s);
	ck_assert(sync_store_mark(s, &b));
	ck_assert_uint_eq(sync_store_remove_unseen(s), 1);
	ck_assert_ptr_null(sync_store_get(s, &a, &len));
	ck_assert_ptr_nonnull(sync_store_get(s, &b, &len));
	ck_assert(sync_store_remove(s, &b));
	ck_assert_uint_eq(sync_store_count(s), 0);
	sync_store_put(s, &c, NULL, 0); /* an entry that keeps nothing */
	ck_assert_str_eq(sync_store_get(s, &c, &len), "");
	sync_store_free(s);
}
END_TEST

static void count_bytes(void *ctx, const char *data, size_t len)
{
	(void)data;
	*(size_t *)ctx += len + 1;
}

/* Many entries, every third deleted one by one (backward-shift deletion
 * must keep every probe chain intact), then every other unseen removed. */
START_TEST(t_store_large)
{
	enum { N = 200000 };
	struct sync_store *s = sync_store_create();
	char name[32];
	size_t len, bytes = 0, want = 0, unseen = 0;

	for (unsigned i = 0; i < N; i++) {
		struct sync_uuid u = uuid_n(i);
		int n = snprintf(name, sizeof name, "d%u.example", i);

		sync_store_put(s, &u, name, (size_t)n);
	}
	for (unsigned i = 0; i < N; i += 3) {
		struct sync_uuid u = uuid_n(i);

		ck_assert(sync_store_remove(s, &u));
	}
	sync_store_unmark_all(s);
	for (unsigned i = 0; i < N; i++) {
		struct sync_uuid u = uuid_n(i);
		const char *d = sync_store_get(s, &u, &len);

		if (i % 3 == 0) {
			ck_assert_ptr_null(d);
			continue;
		}
		snprintf(name, sizeof name, "d%u.example", i);
		ck_assert_ptr_nonnull(d);
		ck_assert_str_eq(d, name);
		if (i % 2 == 0) {
			ck_assert(sync_store_mark(s, &u));
			want += strlen(name) + 1;
		} else {
			unseen++;
		}
	}
	ck_assert_uint_eq(sync_store_remove_unseen(s), unseen);
	ck_assert_uint_eq(sync_store_count(s), N - (N + 2) / 3 - unseen);
	sync_store_foreach(s, count_bytes, &bytes);
	ck_assert_uint_eq(bytes, want);
	sync_store_free(s);
}
END_TEST

/* --- the session: scripted ------------------------------------------ */

/*
 * A script: steps separated by ";". Events:
 *   begin                       a search starts
 *   add N DATA / mod N DATA     an entry (state add, modify); "@C" after
 *   present N / del N           the data gives the state control a cookie
 *   newcookie C                 syncInfo newcookie
 *   rpresent done|more [C]      syncInfo refreshPresent
 *   rdelete done|more [C]       syncInfo refreshDelete
 *   idpresent N,N.. / iddel N,N..   syncInfo syncIdSet
 *   done present|deletes [C]    the search result's syncDone control
 *   restart [C] / reset
 * Expectations:
 *   =DATA,DATA..  the store holds exactly these (sorted); "=" alone: empty
 *   cookie C / cookie -         the adopted cookie
 *   ret 1|0                     what the last info/done returned
 *   complete 1|0
 */
static const struct {
	const char *name;
	const char *script;
} session_rows[] = {
    {"initial refresh, present phase end", "begin; add 1 a; add 2 b; ret 0; rpresent "
                                           "done c1; ret 1; complete 1; =a,b; cookie c1"},
    {"initial refresh ended by a delete phase still removes the unseen (no cookie)",
     "begin; add 1 a; rdelete done c1; ret 1; =a; cookie c1;"
     "begin; add 2 b; rdelete done c2; =a,b; cookie c2"},
    {"delta refresh with a delete phase keeps the unseen",
     "begin; add 1 a; add 2 b; rpresent done c1;"
     "begin; del 1; add 3 c; rdelete done c2; =b,c; cookie c2"},
    {"delta refresh with a present phase removes the unseen",
     "begin; add 1 a; add 2 b; add 3 c; rpresent done c1;"
     "begin; present 1; mod 3 c2; rpresent done c2; =a,c2; cookie c2"},
    {"present phase then delete phase: the unseen go",
     "begin; add 1 a; add 2 b; rpresent done c1;"
     "begin; present 2; rpresent more; del 5; rdelete done c3; =b; cookie c3"},
    {"present ID set marks, delete ID set removes",
     "begin; add 1 a; add 2 b; add 3 c; add 4 d; rpresent done c1;"
     "begin; idpresent 1,2,3; rpresent done c2; =a,b,c;"
     "begin; iddel 1,3; rdelete done c3; =b"},
    {"persist stage: changes apply at once, cookies adopted at once",
     "begin; add 1 a; rpresent done c1; add 2 b @c2; cookie c2; mod 1 a2 @c3; del 2 @c4;"
     "=a2; cookie c4; newcookie c5; cookie c5"},
    {"refresh cookies are held until the refresh ends",
     "begin; add 1 a @x1; newcookie x2; cookie -; add 2 b; rpresent done; cookie x2; "
     "=a,b"},
    {"a refresh cut short keeps the old cookie and replays",
     "begin; add 1 a; add 2 b; rpresent done c1;"
     "begin; del 1 @c2; newcookie c3; cookie c1;"
     "begin; del 1; add 4 d; rdelete done c4; =b,d; cookie c4"},
    {"refreshOnly: done without deletes is a present phase",
     "begin; add 1 a; add 2 b; done present c1; ret 1;"
     "begin; present 2; done present c2; =b; cookie c2"},
    {"refreshOnly: done with deletes keeps the unseen",
     "begin; add 1 a; add 2 b; done present c1;"
     "begin; del 1; done deletes c2; ret 1; =b"},
    {"restart without a cookie: the next refresh is full",
     "begin; add 1 a; add 2 b; rpresent done c1; restart; cookie -; =a,b;"
     "begin; add 2 b; rdelete done c9; =b; cookie c9"},
    {"restart with the server's cookie: still full",
     "begin; add 1 a; add 2 b; rpresent done c1; restart c7; cookie c7;"
     "begin; add 1 a; rdelete done c8; =a; cookie c8"},
    {"reset forgets everything",
     "begin; add 1 a; rpresent done c1; reset; =; cookie -; complete 0"},
    {"a refresh not yet done is not complete",
     "begin; add 1 a; rpresent more; ret 0; complete 0"},
    {"delete of an unknown entry is harmless",
     "begin; del 9; rpresent done; =; complete 1"},
    {"a second refreshDone is not a second completion",
     "begin; add 1 a; rpresent done c1; ret 1; rdelete done c2; ret 0; cookie c2"},
};

struct script_ctx {
	struct sync_session s;
	int ret;
};

static struct sync_cookie cookie_of(const char *text)
{
	struct sync_cookie c = {(unsigned char *)text, text != NULL ? strlen(text) : 0};

	return c;
}

static void collect(void *ctx, const char *data, size_t len)
{
	struct strbuf *sb = ctx;

	(void)len;
	if (sb->len > 0)
		strbuf_putc(sb, '\n');
	strbuf_puts(sb, data);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The store's data, sorted, comma-separated. */
static void store_text(struct sync_store *st, struct strbuf *out)
{
	struct strbuf all = STRBUF_INIT;
	char *v[64], *save = NULL;
	size_t n = 0;

	strbuf_init(&all);
	sync_store_foreach(st, collect, &all);
	for (char *t = strtok_r(all.data, "\n", &save); t != NULL && n < 64;
	     t = strtok_r(NULL, "\n", &save))
		v[n++] = t;
	qsort(v, n, sizeof v[0], cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strbuf_putc(out, ',');
		strbuf_puts(out, v[i]);
	}
	strbuf_free(&all);
}

static void id_set(struct script_ctx *c, const char *list, bool deletes)
{
	struct sync_uuid ids[16];
	struct sync_info info;
	char *copy = strdup(list), *save = NULL;
	size_t n = 0;

	for (char *t = strtok_r(copy, ",", &save); t != NULL && n < 16;
	     t = strtok_r(NULL, ",", &save))
		ids[n++] = uuid_n((unsigned)atoi(t));
	free(copy);
	memset(&info, 0, sizeof info);
	info.kind = SYNC_INFO_ID_SET;
	info.refresh_deletes = deletes;
	info.uuids = ids;
	info.n_uuids = n;
	c->ret = sync_session_info(&c->s, &info);
}

static void info_refresh(struct script_ctx *c, enum sync_info_kind kind, const char *done,
                         const char *cookie)
{
	struct sync_info info;

	memset(&info, 0, sizeof info);
	info.kind = kind;
	info.refresh_done = strcmp(done, "done") == 0;
	info.cookie = cookie_of(cookie);
	c->ret = sync_session_info(&c->s, &info);
}

static void entry(struct script_ctx *c, enum sync_state state, const char *n,
                  const char *data, const char *cookie)
{
	struct sync_uuid u = uuid_n((unsigned)atoi(n));
	struct sync_cookie ck = cookie_of(cookie);

	sync_session_entry(&c->s, state, &u, data, data != NULL ? strlen(data) : 0, &ck);
}

/* Run one step (W: its N words); a failed expectation fails the test. */
static void step(struct script_ctx *c, char **w, int n, const char *row, int i)
{
	const char *at = NULL;

	for (int k = 1; k < n; k++)
		if (w[k][0] == '@')
			at = w[k] + 1;
	if (strcmp(w[0], "begin") == 0) {
		sync_session_begin(&c->s);
	} else if (strcmp(w[0], "add") == 0 || strcmp(w[0], "mod") == 0) {
		entry(c, w[0][0] == 'a' ? SYNC_STATE_ADD : SYNC_STATE_MODIFY, w[1], w[2],
		      at);
	} else if (strcmp(w[0], "present") == 0 || strcmp(w[0], "del") == 0) {
		entry(c, w[0][0] == 'p' ? SYNC_STATE_PRESENT : SYNC_STATE_DELETE, w[1],
		      NULL, at);
	} else if (strcmp(w[0], "newcookie") == 0) {
		struct sync_info info;

		memset(&info, 0, sizeof info);
		info.kind = SYNC_INFO_NEW_COOKIE;
		info.cookie = cookie_of(w[1]);
		c->ret = sync_session_info(&c->s, &info);
	} else if (strcmp(w[0], "rpresent") == 0 || strcmp(w[0], "rdelete") == 0) {
		info_refresh(c,
		             w[0][1] == 'p' ? SYNC_INFO_REFRESH_PRESENT
		                            : SYNC_INFO_REFRESH_DELETE,
		             w[1], n > 2 ? w[2] : NULL);
	} else if (strcmp(w[0], "idpresent") == 0 || strcmp(w[0], "iddel") == 0) {
		id_set(c, w[1], w[0][2] == 'd');
	} else if (strcmp(w[0], "done") == 0) {
		struct sync_cookie ck = cookie_of(n > 2 ? w[2] : NULL);

		c->ret = sync_session_done(&c->s, &ck, strcmp(w[1], "deletes") == 0);
	} else if (strcmp(w[0], "restart") == 0) {
		struct sync_cookie ck = cookie_of(n > 1 ? w[1] : NULL);

		sync_session_restart(&c->s, &ck);
	} else if (strcmp(w[0], "reset") == 0) {
		sync_session_reset(&c->s);
	} else if (w[0][0] == '=') {
		struct strbuf got = STRBUF_INIT;

		strbuf_init(&got);
		store_text(c->s.store, &got);
		ck_assert_msg(strcmp(got.data, w[0] + 1) == 0,
		              "%s, step %d: store %s, want %s", row, i, got.data,
		              w[0] + 1);
		strbuf_free(&got);
	} else if (strcmp(w[0], "cookie") == 0) {
		char got[64] = "-";

		if (c->s.cookie.len > 0)
			snprintf(got, sizeof got, "%.*s", (int)c->s.cookie.len,
			         (const char *)c->s.cookie.data);
		ck_assert_msg(strcmp(got, w[1]) == 0, "%s, step %d: cookie %s, want %s",
		              row, i, got, w[1]);
	} else if (strcmp(w[0], "ret") == 0) {
		ck_assert_msg(c->ret == atoi(w[1]), "%s, step %d: returned %d", row, i,
		              c->ret);
	} else if (strcmp(w[0], "complete") == 0) {
		ck_assert_msg(c->s.complete == (atoi(w[1]) != 0),
		              "%s, step %d: complete %d", row, i, c->s.complete);
	} else {
		ck_abort_msg("%s: unknown step %s", row, w[0]);
	}
}

START_TEST(t_session)
{
	struct script_ctx c;
	char *script = strdup(session_rows[_i].script), *save = NULL;
	int i = 0;

	memset(&c, 0, sizeof c);
	sync_session_init(&c.s);
	for (char *st = strtok_r(script, ";", &save); st != NULL;
	     st = strtok_r(NULL, ";", &save), i++) {
		char *w[8], *ws = NULL;
		int n = 0;

		for (char *t = strtok_r(st, " ", &ws); t != NULL && n < 8;
		     t = strtok_r(NULL, " ", &ws))
			w[n++] = t;
		if (n > 0)
			step(&c, w, n, session_rows[_i].name, i);
	}
	sync_session_destroy(&c.s);
	free(script);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sync");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t_store_basic);
	tcase_add_test(tc, t_store_large);
	tcase_add_loop_test(tc, t_session, 0, N_ROWS(session_rows));
	suite_add_tcase(s, tc);
	return tap_run(s);
}
