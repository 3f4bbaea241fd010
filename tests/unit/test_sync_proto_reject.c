/* Unit tests for policy/ldap/sync_proto.c, the RFC 4533 codec: what it
 * must refuse, since its input comes from the network: every truncation of
 * a valid value, trailing bytes, wrong tags, bad sizes, unknown states and
 * kinds; decoded from exact-size copies so that valgrind sees any read
 * past the value. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/ldap/sync_proto.h"
#include "tests/unit/sync_proto_hex.h"
#include "tests/unit/tap.h"

/* ---- rejects ---- */

enum decoder { D_STATE, D_DONE, D_INFO };

/* Decode V with WHICH from an exact-size copy (so valgrind sees any read
 * past it), which must not be written; on failure the outputs must be
 * untouched. */
static int decode_exact(enum decoder which, const struct berval *v);

static int decode(enum decoder which, const struct berval *v)
{
	struct berval exact = {v->bv_len, NULL};
	int rc;

	if (v->bv_val == NULL)
		return decode_exact(which, v);
	exact.bv_val = malloc(v->bv_len ? v->bv_len : 1);
	ck_assert_ptr_nonnull(exact.bv_val);
	memcpy(exact.bv_val, v->bv_val, v->bv_len);
	rc = decode_exact(which, &exact);
	ck_assert_mem_eq(exact.bv_val, v->bv_val, v->bv_len);
	free(exact.bv_val);
	return rc;
}

static int decode_exact(enum decoder which, const struct berval *v)
{
	static unsigned char mark;
	struct sync_cookie c = {&mark, 99};
	enum sync_state state = (enum sync_state)77;
	struct sync_uuid u;
	struct sync_info in = {.kind = (enum sync_info_kind)77, .n_uuids = 99};
	bool b = true;
	int rc = -1;

	memset(u.b, 0xa5, sizeof u.b);
	switch (which) {
	case D_STATE:
		rc = sync_state_decode(v, &state, &u, &c);
		break;
	case D_DONE:
		rc = sync_done_decode(v, &c, &b);
		break;
	case D_INFO:
		rc = sync_info_decode(v, &in);
		break;
	}
	if (rc == 0) {
		if (which == D_INFO)
			sync_info_free(&in);
		else
			sync_cookie_free(&c);
		return 0;
	}
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_eq(c.data, &mark);
	ck_assert_uint_eq(c.len, 99);
	ck_assert_int_eq(state, 77);
	ck_assert_uint_eq(u.b[0], 0xa5);
	ck_assert_int_eq(b, true);
	ck_assert_int_eq(in.kind, 77);
	ck_assert_uint_eq(in.n_uuids, 99);
	return rc;
}

static const struct {
	enum decoder which;
	const char *hex;
	const char *why;
} reject_rows[] = {
    {D_STATE, "", "empty value"},
    {D_STATE, "31 15 0a 01 00 04 10 " U1, "a SET, not a SEQUENCE"},
    {D_STATE, "a0 15 0a 01 00 04 10 " U1, "a context tag, not a SEQUENCE"},
    {D_STATE, "30 15 0a 01 04 04 10 " U1, "unknown state 4"},
    {D_STATE, "30 15 0a 01 ff 04 10 " U1, "state -1"},
    {D_STATE, "30 18 0a 04 00 00 01 00 04 10 " U1, "state 256"},
    {D_STATE, "30 14 0a 00 04 10 " U1, "an empty enumeration"},
    {D_STATE, "30 19 0a 05 00 00 00 00 01 04 10 " U1, "an enumeration of 5 bytes"},
    {D_STATE, "30 15 02 01 00 04 10 " U1, "an INTEGER, not ENUMERATED"},
    {D_STATE, "30 14 0a 01 00 04 0f 00112233445566778899aabbccddee", "a 15-byte UUID"},
    {D_STATE, "30 16 0a 01 00 04 11 " U1 "00", "a 17-byte UUID"},
    {D_STATE, "30 05 0a 01 00 04 00", "an empty UUID"},
    {D_STATE, "30 03 0a 01 00", "no UUID"},
    {D_STATE, "30 15 0a 01 00 80 10 " U1, "a UUID with a context tag"},
    {D_STATE, "30 17 0a 01 00 04 10 " U1 " 05 00", "a NULL after the UUID"},
    {D_STATE, "30 1f 0a 01 01 04 10 " U1 " 04 07 " RID " 00",
     "a stray byte after the cookie"},
    {D_STATE, "30 20 0a 01 01 04 10 " U1 " 04 07 " RID " 04 00", "two cookies"},
    {D_STATE, "30 15 0a 01 00 04 10 " U1 " 00", "a byte after the SEQUENCE"},
    {D_STATE, "30 15 0a 01 00 04 10 " U1 " 30 00", "a second SEQUENCE"},
    {D_STATE, "30 16 0a 01 00 04 10 " U1, "the SEQUENCE longer than the value"},
    {D_STATE, "30 14 0a 01 00 04 10 " U1, "the SEQUENCE shorter than its contents"},
    {D_STATE, "30 15 0a 01 00 04 12 " U1, "the UUID longer than the SEQUENCE"},
    {D_STATE, "30 80 0a 01 00 04 10 " U1 " 00 00", "an indefinite length"},
    {D_STATE, "30 84 ff ff ff ff 0a 01 00 04 10 " U1, "a 4 GB length"},
    {D_STATE, "30 1e 0a 01 01 04 10 " U1 " 04 08 " RID, "the cookie overruns"},
    {D_STATE, "1f 30 15 0a 01 00 04 10 " U1, "a multi-byte tag"},
    {D_DONE, "", "empty value"},
    {D_DONE, "31 00", "a SET"},
    {D_DONE, "a3 00", "a syncInfo in a done control"},
    {D_DONE, "30 04 01 02 00 ff", "a BOOLEAN of 2 bytes"},
    {D_DONE, "30 02 01 00", "a BOOLEAN of 0 bytes"},
    {D_DONE, "30 0c 01 01 ff 04 07 " RID, "the cookie after the BOOLEAN"},
    {D_DONE, "30 06 01 01 ff 01 01 ff", "two BOOLEANs"},
    {D_DONE, "30 03 02 01 01", "an INTEGER for the BOOLEAN"},
    {D_DONE, "30 02 05 00", "a NULL inside"},
    {D_DONE, "30 00 00", "a byte after the SEQUENCE"},
    {D_DONE, "30 01", "a SEQUENCE that overruns"},
    {D_INFO, "", "empty value"},
    {D_INFO, "a4 00", "unknown tag [4]"},
    {D_INFO, "a0 00", "[0] constructed"},
    {D_INFO, "81 00", "[1] primitive"},
    {D_INFO, "83 00", "[3] primitive"},
    {D_INFO, "30 00", "a universal SEQUENCE"},
    {D_INFO, "04 07 " RID, "a bare OCTET STRING"},
    {D_INFO, "80 07 " RID " 00", "a byte after newcookie"},
    {D_INFO, "80 08 " RID, "newcookie overruns"},
    {D_INFO, "a1 00 00", "a byte after refreshDelete"},
    {D_INFO, "a1 02 05 00", "a NULL inside refreshDelete"},
    {D_INFO, "a1 0c 01 01 00 04 07 " RID, "refreshDone before the cookie"},
    {D_INFO, "a2 04 31 02 04 00", "a UUID set in refreshPresent"},
    {D_INFO, "a2 06 01 01 00 01 01 00", "two refreshDone"},
    {D_INFO, "a3 00", "syncIdSet without its SET"},
    {D_INFO, "a3 03 01 01 ff", "syncIdSet with refreshDeletes but no SET"},
    {D_INFO, "a3 14 30 12 04 10 " U1, "a SEQUENCE for the SET"},
    {D_INFO, "a3 13 31 11 04 0f 00112233445566778899aabbccddee",
     "a 15-byte UUID in the SET"},
    {D_INFO, "a3 15 31 13 04 11 " U1 "00", "a 17-byte UUID in the SET"},
    {D_INFO, "a3 14 31 12 80 10 " U1, "a SET element with a context tag"},
    {D_INFO, "a3 16 31 14 04 10 " U1 " 05 00", "a NULL in the SET"},
    {D_INFO, "a3 15 31 13 04 10 " U1 " 00", "a stray byte in the SET"},
    {D_INFO, "a3 16 31 12 04 10 " U1 " 05 00", "a NULL after the SET"},
    {D_INFO, "a3 04 31 00 31 00", "two SETs"},
    {D_INFO, "a3 05 31 00 01 01 ff", "refreshDeletes after the SET"},
    {D_INFO, "a3 14 31 13 04 10 " U1, "the SET longer than syncIdSet"},
    {D_INFO, "a3 14 31 12 04 10 " U1 " 00", "a byte after syncIdSet"},
};

START_TEST(test_reject)
{
	struct hex h;

	hex_parse(&h, reject_rows[_i].hex);
	ck_assert_msg(decode(reject_rows[_i].which, &h.bv) == -1, "accepted: %s",
	              reject_rows[_i].why);
}
END_TEST

START_TEST(test_reject_null)
{
	struct berval null = {0, NULL}, len_only = {5, NULL};

	ck_assert_int_eq(decode(D_STATE, &null), -1);
	ck_assert_int_eq(decode(D_DONE, &null), -1);
	ck_assert_int_eq(decode(D_INFO, &null), -1);
	ck_assert_int_eq(decode(D_STATE, &len_only), -1);
	ck_assert_int_eq(decode(D_INFO, &len_only), -1);
}
END_TEST

/* Valid encodings with every optional part present: each must decode, and
 * so must no prefix of it, nor it with a byte added. */
static const struct {
	enum decoder which;
	const char *hex;
} whole_rows[] = {
    {D_STATE, "30 1e 0a 01 01 04 10 " U1 " 04 07 " RID},
    {D_DONE, "30 0c 04 07 " RID " 01 01 ff"},
    {D_INFO, "80 07 " RID},
    {D_INFO, "a1 0c 04 07 " RID " 01 01 00"},
    {D_INFO, "a2 0c 04 07 " RID " 01 01 00"},
    {D_INFO, "a3 32 04 07 " RID " 01 01 ff 31 24 04 10 " U1 " 04 10 " U2},
};

START_TEST(test_truncated)
{
	struct hex h;
	size_t len;

	hex_parse(&h, whole_rows[_i].hex);
	len = h.bv.bv_len;
	ck_assert_int_eq(decode(whole_rows[_i].which, &h.bv), 0);
	for (size_t cut = 0; cut < len; cut++) {
		struct berval part = {cut, (char *)h.buf};

		ck_assert_msg(decode(whole_rows[_i].which, &part) == -1,
		              "a prefix of %zu bytes was accepted", cut);
	}
	for (unsigned int extra = 0; extra < 256; extra += 0x55) {
		h.buf[len] = (unsigned char)extra;
		h.bv.bv_len = len + 1;
		ck_assert_int_eq(decode(whole_rows[_i].which, &h.bv), -1);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sync_proto_reject");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_reject, 0, N_ROWS(reject_rows));
	tcase_add_test(tc, test_reject_null);
	tcase_add_loop_test(tc, test_truncated, 0, N_ROWS(whole_rows));
	suite_add_tcase(s, tc);
	return tap_run(s);
}
