/* Unit tests for policy/ldap/sync_proto.c, the RFC 4533 codec: the request
 * against exact bytes and against slapd's own parser, every provider
 * message both as OpenLDAP 2.5's syncprov builds it (the same ber_printf
 * calls, see slapd_*) and as hand-written hex. The rejects are in
 * test_sync_proto_reject.c. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "policy/ldap/sync_proto.h"
#include "tests/unit/sync_proto_hex.h"
#include "tests/unit/tap.h"

/* ---- the provider side exactly as OpenLDAP 2.5's syncprov.c builds it ----
 * syncprov_state_ctrl, syncprov_done_ctrl and syncprov_sendinfo: the same
 * format strings in the same order, DER ("N" adds nothing unless liblber's
 * debug NULL is switched on). OUT is freed with ber_memfree. */

static void slapd_flatten(BerElement *ber, struct berval *out)
{
	ck_assert_int_eq(ber_flatten2(ber, out, 1), 0);
	ber_free(ber, 1);
}

static void slapd_state(struct berval *out, int state, const unsigned char *uuid,
                        const char *cookie)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	struct berval u = {16, (char *)uuid};
	struct berval c = {cookie ? strlen(cookie) : 0, (char *)cookie};

	if (cookie != NULL)
		ck_assert_int_ne(ber_printf(ber, "{eOON}", (ber_int_t)state, &u, &c), -1);
	else
		ck_assert_int_ne(ber_printf(ber, "{eON}", (ber_int_t)state, &u), -1);
	slapd_flatten(ber, out);
}

static void slapd_done(struct berval *out, const char *cookie, int refresh_deletes)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	struct berval c = {cookie ? strlen(cookie) : 0, (char *)cookie};

	ber_printf(ber, "{");
	if (cookie != NULL)
		ber_printf(ber, "O", &c);
	if (refresh_deletes == 1) /* LDAP_SYNC_REFRESH_DELETES */
		ber_printf(ber, "b", (ber_int_t)refresh_deletes);
	ck_assert_int_ne(ber_printf(ber, "N}"), -1);
	slapd_flatten(ber, out);
}

/* UUIDS: N_UUIDS entries of 16 bytes, or NULL. */
static void slapd_info(struct berval *out, ber_tag_t type, const char *cookie,
                       int refresh_done, int refresh_deletes,
                       const unsigned char (*uuids)[16], size_t n_uuids)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	struct berval c = {cookie ? strlen(cookie) : 0, (char *)cookie};
	struct berval *set = calloc(n_uuids + 1, sizeof *set);

	ck_assert_ptr_nonnull(set);
	for (size_t i = 0; i < n_uuids; i++) {
		set[i].bv_len = 16;
		set[i].bv_val = (char *)uuids[i];
	}
	switch (type) {
	case 0x80: /* LDAP_TAG_SYNC_NEW_COOKIE */
		ber_printf(ber, "tO", type, &c);
		break;
	case 0xa1: /* LDAP_TAG_SYNC_REFRESH_DELETE */
	case 0xa2: /* LDAP_TAG_SYNC_REFRESH_PRESENT */
		ber_printf(ber, "t{", type);
		if (cookie != NULL)
			ber_printf(ber, "O", &c);
		if (refresh_done == 0)
			ber_printf(ber, "b", (ber_int_t)refresh_done);
		ber_printf(ber, "N}");
		break;
	case 0xa3: /* LDAP_TAG_SYNC_ID_SET */
		ber_printf(ber, "t{", type);
		if (cookie != NULL)
			ber_printf(ber, "O", &c);
		if (refresh_deletes == 1)
			ber_printf(ber, "b", (ber_int_t)refresh_deletes);
		ber_printf(ber, "[W]", set);
		ber_printf(ber, "N}");
		break;
	default:
		ck_abort_msg("bad type");
	}
	free(set);
	slapd_flatten(ber, out);
}

/* ---- the request ---- */

static const struct {
	enum sync_mode mode;
	const char *cookie; /* NULL: no cookie */
	size_t cookie_len;  /* 0 with a cookie: strlen */
	bool reload;
	const char *want;
} request_rows[] = {
    {SYNC_MODE_REFRESH_ONLY, NULL, 0, false, "30 03 0a 01 01"},
    {SYNC_MODE_REFRESH_AND_PERSIST, NULL, 0, false, "30 03 0a 01 03"},
    {SYNC_MODE_REFRESH_ONLY, NULL, 0, true, "30 06 0a 01 01 01 01 ff"},
    {SYNC_MODE_REFRESH_AND_PERSIST, NULL, 0, true, "30 06 0a 01 03 01 01 ff"},
    {SYNC_MODE_REFRESH_ONLY, "rid=000", 0, false, "30 0c 0a 01 01 04 07 " RID},
    {SYNC_MODE_REFRESH_AND_PERSIST, "rid=000", 0, false, "30 0c 0a 01 03 04 07 " RID},
    {SYNC_MODE_REFRESH_AND_PERSIST, "rid=000", 0, true,
     "30 0f 0a 01 03 04 07 " RID " 01 01 ff"},
    {SYNC_MODE_REFRESH_ONLY, "a\0b", 3, false, "30 08 0a 01 01 04 03 61 00 62"},
    /* An empty cookie is an absent one. */
    {SYNC_MODE_REFRESH_ONLY, "", 0, false, "30 03 0a 01 01"},
};

START_TEST(test_request_bytes)
{
	struct sync_cookie c = {NULL, 0};
	struct berval v;

	if (request_rows[_i].cookie != NULL) {
		c.data = (unsigned char *)request_rows[_i].cookie;
		c.len = request_rows[_i].cookie_len ? request_rows[_i].cookie_len
		                                    : strlen(request_rows[_i].cookie);
	}
	ck_assert_int_eq(sync_request_encode(request_rows[_i].mode,
	                                     request_rows[_i].cookie ? &c : NULL,
	                                     request_rows[_i].reload, &v),
	                 0);
	assert_bytes(&v, request_rows[_i].want);
	sync_request_free(&v);
	ck_assert_ptr_null(v.bv_val);
}
END_TEST

/* Our request through the parse of slapd's syncprov_parseCtrl (2.5): the
 * same ber_scanf calls. */
START_TEST(test_request_slapd_parse)
{
	static const char cookie[] = CSN_COOKIE;
	struct sync_cookie c = {(unsigned char *)cookie, sizeof cookie - 1};
	BerElement *ber = ber_alloc_t(0);
	struct berval v, got = {0, NULL};
	ber_int_t mode = -1;
	ber_len_t len;
	ber_tag_t tag;
	int rhint = 0;
	bool reload = _i & 1;
	enum sync_mode want_mode =
	    _i & 2 ? SYNC_MODE_REFRESH_AND_PERSIST : SYNC_MODE_REFRESH_ONLY;
	bool with_cookie = _i & 4;

	ck_assert_int_eq(
	    sync_request_encode(want_mode, with_cookie ? &c : NULL, reload, &v), 0);
	/* As slapd does, on a BerElement of its own over the value (an
	 * in-place "m" writes a NUL after the cookie). */
	ck_assert_ptr_nonnull(ber);
	ber_init2(ber, &v, 0);
	ck_assert_uint_ne(ber_scanf(ber, "{i", &mode), LBER_ERROR);
	ck_assert_int_eq(mode, want_mode);
	tag = ber_peek_tag(ber, &len);
	if (tag == LBER_OCTETSTRING) {
		ck_assert_uint_ne(ber_scanf(ber, "m", &got), LBER_ERROR);
		tag = ber_peek_tag(ber, &len);
	}
	if (tag == LBER_BOOLEAN)
		ck_assert_uint_ne(ber_scanf(ber, "b", &rhint), LBER_ERROR);
	ck_assert_uint_ne(ber_scanf(ber, "}"), LBER_ERROR);
	ck_assert_int_eq(rhint != 0, reload);
	if (with_cookie) {
		ck_assert_uint_eq(got.bv_len, sizeof cookie - 1);
		ck_assert_mem_eq(got.bv_val, cookie, got.bv_len);
	} else {
		ck_assert_ptr_null(got.bv_val);
	}
	ber_free(ber, 0); /* the bytes are v's */
	sync_request_free(&v);
}
END_TEST

/* A cookie longer than 127 bytes takes a long-form length. */
START_TEST(test_request_long_cookie)
{
	unsigned char big[200];
	struct sync_cookie c = {big, sizeof big};
	struct berval v;
	const unsigned char head[] = {0x30, 0x81, 0xce, 0x0a, 0x01,
	                              0x01, 0x04, 0x81, 0xc8};

	memset(big, 'x', sizeof big);
	ck_assert_int_eq(sync_request_encode(SYNC_MODE_REFRESH_ONLY, &c, false, &v), 0);
	ck_assert_uint_eq(v.bv_len, sizeof head + sizeof big);
	ck_assert_mem_eq(v.bv_val, head, sizeof head);
	ck_assert_mem_eq(v.bv_val + sizeof head, big, sizeof big);
	sync_request_free(&v);
}
END_TEST

START_TEST(test_request_bad_mode)
{
	struct berval v = {5, (char *)"junk"};
	LDAPControl *ctrl = (LDAPControl *)&v;

	ck_assert_int_eq(sync_request_encode((enum sync_mode)2, NULL, false, &v), -1);
	ck_assert_ptr_null(v.bv_val);
	ck_assert_uint_eq(v.bv_len, 0);
	ck_assert_int_eq(sync_request_encode((enum sync_mode)0, NULL, false, &v), -1);
	ck_assert_int_eq(sync_request_control((enum sync_mode)4, NULL, true, &ctrl), -1);
	ck_assert_ptr_null(ctrl);
}
END_TEST

START_TEST(test_request_control)
{
	struct sync_cookie c = {(unsigned char *)"rid=000", 7};
	LDAPControl *ctrl = NULL;

	ck_assert_int_eq(
	    sync_request_control(SYNC_MODE_REFRESH_AND_PERSIST, &c, true, &ctrl), 0);
	ck_assert_ptr_nonnull(ctrl);
	ck_assert_str_eq(ctrl->ldctl_oid, SYNC_REQUEST_OID);
	ck_assert_str_eq(ctrl->ldctl_oid, LDAP_CONTROL_SYNC);
	ck_assert_int_ne(ctrl->ldctl_iscritical, 0);
	assert_bytes(&ctrl->ldctl_value, "30 0f 0a 01 03 04 07 " RID " 01 01 ff");
	sync_control_free(ctrl);
	sync_control_free(NULL);
}
END_TEST

/* ---- syncState ---- */

/* _i: state in bits 0-1, a cookie in bit 2. */
START_TEST(test_state_slapd)
{
	int want_state = _i & 3;
	const char *cookie = _i & 4 ? CSN_COOKIE : NULL;
	struct berval v;
	enum sync_state state = (enum sync_state) - 1;
	struct sync_uuid u;
	struct sync_cookie c = {NULL, 0};

	slapd_state(&v, want_state, uuid1, cookie);
	ck_assert_int_eq(sync_state_decode(&v, &state, &u, &c), 0);
	ck_assert_int_eq(state, want_state);
	ck_assert_mem_eq(u.b, uuid1, 16);
	assert_cookie(&c, cookie, cookie ? strlen(cookie) : 0);
	sync_cookie_free(&c);
	ber_memfree(v.bv_val);
}
END_TEST

static const struct {
	const char *hex;
	enum sync_state state;
	const char *cookie; /* NULL: absent */
	size_t cookie_len;
} state_rows[] = {
    {"30 15 0a 01 00 04 10 " U1, SYNC_STATE_PRESENT, NULL, 0},
    {"30 15 0a 01 01 04 10 " U1, SYNC_STATE_ADD, NULL, 0},
    {"30 15 0a 01 02 04 10 " U1, SYNC_STATE_MODIFY, NULL, 0},
    {"30 15 0a 01 03 04 10 " U1, SYNC_STATE_DELETE, NULL, 0},
    {"30 1e 0a 01 01 04 10 " U1 " 04 07 " RID, SYNC_STATE_ADD, "rid=000", 7},
    {"30 1a 0a 01 02 04 10 " U1 " 04 03 00 ff 00", SYNC_STATE_MODIFY, "\0\xff\0", 3},
    /* An empty cookie is none. */
    {"30 17 0a 01 03 04 10 " U1 " 04 00", SYNC_STATE_DELETE, NULL, 0},
    /* BER, not DER: long-form lengths, a padded enumeration. */
    {"30 81 17 0a 02 00 02 04 81 10 " U1, SYNC_STATE_MODIFY, NULL, 0},
};

START_TEST(test_state_hex)
{
	struct hex h;
	enum sync_state state = (enum sync_state) - 1;
	struct sync_uuid u;
	struct sync_cookie c = {NULL, 0};

	hex_parse(&h, state_rows[_i].hex);
	ck_assert_int_eq(sync_state_decode(&h.bv, &state, &u, &c), 0);
	ck_assert_int_eq(state, state_rows[_i].state);
	ck_assert_mem_eq(u.b, uuid1, 16);
	assert_cookie(&c, state_rows[_i].cookie, state_rows[_i].cookie_len);
	sync_cookie_free(&c);
}
END_TEST

/* ---- syncDone ---- */

/* _i: a cookie in bit 0, refreshDeletes in bit 1. */
START_TEST(test_done_slapd)
{
	const char *cookie = _i & 1 ? CSN_COOKIE : NULL;
	bool want_deletes = _i & 2;
	struct berval v;
	struct sync_cookie c = {NULL, 0};
	bool deletes = !want_deletes;

	slapd_done(&v, cookie, want_deletes);
	ck_assert_int_eq(sync_done_decode(&v, &c, &deletes), 0);
	ck_assert_int_eq(deletes, want_deletes);
	assert_cookie(&c, cookie, cookie ? strlen(cookie) : 0);
	sync_cookie_free(&c);
	ber_memfree(v.bv_val);
}
END_TEST

static const struct {
	const char *hex;
	const char *cookie;
	bool deletes;
} done_rows[] = {
    {"30 00", NULL, false},
    {"30 03 01 01 ff", NULL, true},
    {"30 09 04 07 " RID, "rid=000", false},
    {"30 0c 04 07 " RID " 01 01 ff", "rid=000", true},
    /* The DEFAULT sent anyway, and a TRUE that is not 0xff (BER). */
    {"30 03 01 01 00", NULL, false},
    {"30 0c 04 07 " RID " 01 01 01", "rid=000", true},
};

START_TEST(test_done_hex)
{
	struct hex h;
	struct sync_cookie c = {NULL, 0};
	bool deletes = !done_rows[_i].deletes;

	hex_parse(&h, done_rows[_i].hex);
	ck_assert_int_eq(sync_done_decode(&h.bv, &c, &deletes), 0);
	ck_assert_int_eq(deletes, done_rows[_i].deletes);
	assert_cookie(&c, done_rows[_i].cookie, 7);
	sync_cookie_free(&c);
}
END_TEST

/* ---- syncInfo ---- */

static void assert_info(const struct sync_info *in, enum sync_info_kind kind,
                        const char *cookie, bool done, bool deletes, size_t n_uuids)
{
	ck_assert_int_eq(in->kind, kind);
	assert_cookie(&in->cookie, cookie, cookie ? strlen(cookie) : 0);
	ck_assert_int_eq(in->refresh_done, done);
	ck_assert_int_eq(in->refresh_deletes, deletes);
	ck_assert_uint_eq(in->n_uuids, n_uuids);
	if (n_uuids == 0)
		ck_assert_ptr_null(in->uuids);
	else
		ck_assert_ptr_nonnull(in->uuids);
}

/* refreshDelete / refreshPresent: _i bit 0 the kind, bit 1 a cookie, bit
 * 2 refreshDone FALSE (the only value slapd sends). */
START_TEST(test_info_refresh_slapd)
{
	bool present = _i & 1;
	const char *cookie = _i & 2 ? CSN_COOKIE : NULL;
	bool done = !(_i & 4);
	struct berval v;
	struct sync_info in;

	slapd_info(&v, present ? 0xa2 : 0xa1, cookie, done, 0, NULL, 0);
	ck_assert_int_eq(sync_info_decode(&v, &in), 0);
	assert_info(&in, present ? SYNC_INFO_REFRESH_PRESENT : SYNC_INFO_REFRESH_DELETE,
	            cookie, done, false, 0);
	sync_info_free(&in);
	ber_memfree(v.bv_val);
}
END_TEST

START_TEST(test_info_newcookie_slapd)
{
	struct berval v;
	struct sync_info in;

	slapd_info(&v, 0x80, CSN_COOKIE, 1, 0, NULL, 0);
	ck_assert_uint_eq((unsigned char)v.bv_val[0], 0x80);
	ck_assert_int_eq(sync_info_decode(&v, &in), 0);
	assert_info(&in, SYNC_INFO_NEW_COOKIE, CSN_COOKIE, true, false, 0);
	sync_info_free(&in);
	ber_memfree(v.bv_val);
}
END_TEST

/* syncIdSet: _i bit 0 a cookie, bit 1 refreshDeletes, bits 2-3 the
 * number of UUIDs (0, 1, 100 as slapd's present phase sends, 5000). */
START_TEST(test_info_idset_slapd)
{
	static const size_t counts[] = {0, 1, 100, 5000};
	const char *cookie = _i & 1 ? CSN_COOKIE : NULL;
	bool deletes = _i & 2;
	size_t n = counts[(_i >> 2) & 3];
	unsigned char(*uuids)[16] = calloc(n + 1, 16);
	struct berval v;
	struct sync_info in;

	ck_assert_ptr_nonnull(uuids);
	for (size_t i = 0; i < n; i++) {
		memcpy(uuids[i], uuid1, 16);
		memcpy(uuids[i], &i, sizeof i); /* all different */
	}
	slapd_info(&v, 0xa3, cookie, 1, deletes, (const unsigned char(*)[16])uuids, n);
	ck_assert_int_eq(sync_info_decode(&v, &in), 0);
	assert_info(&in, SYNC_INFO_ID_SET, cookie, true, deletes, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_mem_eq(in.uuids[i].b, uuids[i], 16);
	sync_info_free(&in);
	ck_assert_ptr_null(in.uuids);
	ck_assert_uint_eq(in.n_uuids, 0);
	ck_assert_ptr_null(in.cookie.data);
	ber_memfree(v.bv_val);
	free(uuids);
}
END_TEST

static const struct {
	const char *hex;
	enum sync_info_kind kind;
	const char *cookie;
	bool done, deletes;
	size_t n_uuids;
} info_rows[] = {
    {"80 07 " RID, SYNC_INFO_NEW_COOKIE, "rid=000", true, false, 0},
    {"80 00", SYNC_INFO_NEW_COOKIE, NULL, true, false, 0},
    {"a1 00", SYNC_INFO_REFRESH_DELETE, NULL, true, false, 0},
    {"a1 09 04 07 " RID, SYNC_INFO_REFRESH_DELETE, "rid=000", true, false, 0},
    {"a1 03 01 01 00", SYNC_INFO_REFRESH_DELETE, NULL, false, false, 0},
    {"a1 0c 04 07 " RID " 01 01 00", SYNC_INFO_REFRESH_DELETE, "rid=000", false, false,
     0},
    {"a1 03 01 01 ff", SYNC_INFO_REFRESH_DELETE, NULL, true, false, 0},
    {"a2 00", SYNC_INFO_REFRESH_PRESENT, NULL, true, false, 0},
    {"a2 09 04 07 " RID, SYNC_INFO_REFRESH_PRESENT, "rid=000", true, false, 0},
    {"a2 03 01 01 00", SYNC_INFO_REFRESH_PRESENT, NULL, false, false, 0},
    {"a2 0c 04 07 " RID " 01 01 00", SYNC_INFO_REFRESH_PRESENT, "rid=000", false, false,
     0},
    {"a3 02 31 00", SYNC_INFO_ID_SET, NULL, true, false, 0},
    {"a3 14 31 12 04 10 " U1, SYNC_INFO_ID_SET, NULL, true, false, 1},
    {"a3 26 31 24 04 10 " U1 " 04 10 " U2, SYNC_INFO_ID_SET, NULL, true, false, 2},
    {"a3 1d 04 07 " RID " 31 12 04 10 " U1, SYNC_INFO_ID_SET, "rid=000", true, false, 1},
    {"a3 05 01 01 ff 31 00", SYNC_INFO_ID_SET, NULL, true, true, 0},
    {"a3 05 01 01 00 31 00", SYNC_INFO_ID_SET, NULL, true, false, 0},
    {"a3 20 04 07 " RID " 01 01 ff 31 12 04 10 " U1, SYNC_INFO_ID_SET, "rid=000", true,
     true, 1},
};

START_TEST(test_info_hex)
{
	struct hex h;
	struct sync_info in;

	hex_parse(&h, info_rows[_i].hex);
	ck_assert_int_eq(sync_info_decode(&h.bv, &in), 0);
	assert_info(&in, info_rows[_i].kind, info_rows[_i].cookie, info_rows[_i].done,
	            info_rows[_i].deletes, info_rows[_i].n_uuids);
	if (in.n_uuids >= 1)
		ck_assert_mem_eq(in.uuids[0].b, uuid1, 16);
	if (in.n_uuids >= 2) {
		struct hex u2;

		hex_parse(&u2, U2);
		ck_assert_mem_eq(in.uuids[1].b, u2.buf, 16);
	}
	sync_info_free(&in);
}
END_TEST

/* ---- helpers ---- */

START_TEST(test_find_control)
{
	LDAPControl a = {(char *)SYNC_STATE_OID, {0, NULL}, 0};
	LDAPControl b = {(char *)SYNC_DONE_OID, {0, NULL}, 0};
	LDAPControl *both[] = {&a, &b, NULL};
	LDAPControl *none[] = {NULL};

	ck_assert_ptr_null(sync_find_control(NULL, SYNC_STATE_OID));
	ck_assert_ptr_null(sync_find_control(none, SYNC_STATE_OID));
	ck_assert_ptr_eq(sync_find_control(both, SYNC_STATE_OID), &a);
	ck_assert_ptr_eq(sync_find_control(both, SYNC_DONE_OID), &b);
	ck_assert_ptr_null(sync_find_control(both, SYNC_REQUEST_OID));
	/* A prefix of an OID is another OID. */
	ck_assert_ptr_null(sync_find_control(both, "1.3.6.1.4.1.4203.1.9.1"));
}
END_TEST

START_TEST(test_uuid_format)
{
	struct sync_uuid u;
	char buf[37];

	memcpy(u.b, uuid1, 16);
	memset(buf, 'z', sizeof buf);
	sync_uuid_format(&u, buf);
	ck_assert_str_eq(buf, "00112233-4455-6677-8899-aabbccddeeff");
	memset(u.b, 0xff, 16);
	sync_uuid_format(&u, buf);
	ck_assert_str_eq(buf, "ffffffff-ffff-ffff-ffff-ffffffffffff");
}
END_TEST

START_TEST(test_cookie_copy)
{
	struct sync_cookie src = {(unsigned char *)"a\0b", 3};
	struct sync_cookie absent = {NULL, 0};
	struct sync_cookie dst = {NULL, 0};

	sync_cookie_copy(&dst, &src);
	ck_assert_ptr_ne(dst.data, src.data);
	assert_cookie(&dst, "a\0b", 3);
	/* The old bytes are freed (valgrind would see a leak), then copied. */
	sync_cookie_copy(&dst, &src);
	assert_cookie(&dst, "a\0b", 3);
	sync_cookie_copy(&dst, &dst);
	assert_cookie(&dst, "a\0b", 3);
	sync_cookie_copy(&dst, &absent);
	assert_cookie(&dst, NULL, 0);
	sync_cookie_copy(&dst, &src);
	sync_cookie_free(&dst);
	assert_cookie(&dst, NULL, 0);
	sync_cookie_free(&dst);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sync_proto");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_request_bytes, 0, N_ROWS(request_rows));
	tcase_add_loop_test(tc, test_request_slapd_parse, 0, 8);
	tcase_add_test(tc, test_request_long_cookie);
	tcase_add_test(tc, test_request_bad_mode);
	tcase_add_test(tc, test_request_control);
	tcase_add_loop_test(tc, test_state_slapd, 0, 8);
	tcase_add_loop_test(tc, test_state_hex, 0, N_ROWS(state_rows));
	tcase_add_loop_test(tc, test_done_slapd, 0, 4);
	tcase_add_loop_test(tc, test_done_hex, 0, N_ROWS(done_rows));
	tcase_add_loop_test(tc, test_info_refresh_slapd, 0, 8);
	tcase_add_test(tc, test_info_newcookie_slapd);
	tcase_add_loop_test(tc, test_info_idset_slapd, 0, 16);
	tcase_add_loop_test(tc, test_info_hex, 0, N_ROWS(info_rows));
	tcase_add_test(tc, test_find_control);
	tcase_add_test(tc, test_uuid_format);
	tcase_add_test(tc, test_cookie_copy);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
