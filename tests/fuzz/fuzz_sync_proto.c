/*
 * fuzz_sync_proto: libFuzzer target for policy/ldap/sync_proto.c, the BER
 * codec of LDAP Content Synchronization (RFC 4533).
 *
 * Input: byte 0 modulo 4 chooses what the rest is: 0 a syncState control
 * value, 1 a syncDone control value, 2 a syncInfo value (each fed to its
 * decoder), 3 a request: bit 2 of byte 0 picks refreshAndPersist, bit 3 the
 * reloadHint, and the rest is the cookie to encode.
 *
 * Invariants, checked with abort():
 *   - a decoder returns 0 or -1, and on -1 leaves its outputs untouched;
 *   - a decoded value is in range: a state of 0-3, a known syncInfo kind
 *     whose fields not carried by that kind hold their defaults, n_uuids 0
 *     exactly when uuids is NULL, no cookie or UUID array larger than the
 *     input could hold (a UUID takes at least 18 bytes);
 *   - re-encoded here the way slapd's syncprov does (DER), the result is
 *     no longer than the input and decodes to the same value;
 *   - an encoded request parses back, with slapd's own ber_scanf calls, to
 *     the mode, cookie and reloadHint it was made from;
 *   - every UUID formats as 36 characters of 8-4-4-4-12 lower-case hex.
 * Leaks are for ASan/valgrind to find.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/ldap/sync_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond))                                                             \
			abort();                                                         \
	} while (0)

static bool cookie_eq(const struct sync_cookie *a, const struct sync_cookie *b)
{
	return a->len == b->len && (a->data == NULL) == (b->data == NULL) &&
	       (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static void check_cookie(const struct sync_cookie *c, size_t size)
{
	CHECK((c->data == NULL) == (c->len == 0));
	CHECK(c->len < size);
}

static void check_uuid(const struct sync_uuid *u)
{
	char buf[37];

	memset(buf, 'z', sizeof buf);
	sync_uuid_format(u, buf);
	CHECK(buf[36] == '\0');
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			CHECK(buf[i] == '-');
		else
			CHECK((buf[i] >= '0' && buf[i] <= '9') ||
			      (buf[i] >= 'a' && buf[i] <= 'f'));
	}
}

/* The encoder side, as slapd's syncprov builds these values (DER: a
 * DEFAULT is never sent); OUT is freed with ber_memfree. */
static BerElement *encode_begin(void)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);

	CHECK(ber != NULL);
	return ber;
}

static void encode_end(BerElement *ber, struct berval *out)
{
	CHECK(ber_flatten2(ber, out, 1) == 0);
	ber_free(ber, 1);
}

static void put_cookie(BerElement *ber, const struct sync_cookie *c)
{
	struct berval bv = {c->len, (char *)c->data};

	if (c->len > 0)
		CHECK(ber_printf(ber, "O", &bv) != -1);
}

static void encode_state(struct berval *out, enum sync_state state,
                         const struct sync_uuid *u, const struct sync_cookie *c)
{
	BerElement *ber = encode_begin();
	struct berval ubv = {16, (char *)u->b};

	CHECK(ber_printf(ber, "{eO", (ber_int_t)state, &ubv) != -1);
	put_cookie(ber, c);
	CHECK(ber_printf(ber, "}") != -1);
	encode_end(ber, out);
}

static void encode_done(struct berval *out, const struct sync_cookie *c, bool deletes)
{
	BerElement *ber = encode_begin();

	CHECK(ber_printf(ber, "{") != -1);
	put_cookie(ber, c);
	if (deletes)
		CHECK(ber_printf(ber, "b", (ber_int_t)1) != -1);
	CHECK(ber_printf(ber, "}") != -1);
	encode_end(ber, out);
}

static void encode_info(struct berval *out, const struct sync_info *in)
{
	static const ber_tag_t tags[] = {0x80, 0xa1, 0xa2, 0xa3};
	BerElement *ber = encode_begin();
	struct berval c = {in->cookie.len, (char *)in->cookie.data};

	if (in->kind == SYNC_INFO_NEW_COOKIE) {
		CHECK(ber_printf(ber, "tO", tags[in->kind], &c) != -1);
		encode_end(ber, out);
		return;
	}
	CHECK(ber_printf(ber, "t{", tags[in->kind]) != -1);
	put_cookie(ber, &in->cookie);
	if (in->kind == SYNC_INFO_ID_SET) {
		if (in->refresh_deletes)
			CHECK(ber_printf(ber, "b", (ber_int_t)1) != -1);
		CHECK(ber_printf(ber, "[") != -1);
		for (size_t i = 0; i < in->n_uuids; i++)
			CHECK(ber_printf(ber, "o", (char *)in->uuids[i].b,
			                 (ber_len_t)16) != -1);
		CHECK(ber_printf(ber, "]") != -1);
	} else if (!in->refresh_done) {
		CHECK(ber_printf(ber, "b", (ber_int_t)0) != -1);
	}
	CHECK(ber_printf(ber, "}") != -1);
	encode_end(ber, out);
}

static void fuzz_state(const struct berval *v)
{
	static unsigned char mark;
	struct sync_cookie c = {&mark, 1}, c2;
	struct sync_uuid u, u2;
	enum sync_state st = (enum sync_state)99, st2;
	struct berval re;
	int rc;

	memset(u.b, 0x5a, sizeof u.b);
	rc = sync_state_decode(v, &st, &u, &c);
	CHECK(rc == 0 || rc == -1);
	if (rc < 0) {
		CHECK(c.data == &mark && c.len == 1 && st == 99 && u.b[0] == 0x5a);
		return;
	}
	CHECK(st >= SYNC_STATE_PRESENT && st <= SYNC_STATE_DELETE);
	check_cookie(&c, v->bv_len);
	check_uuid(&u);
	encode_state(&re, st, &u, &c);
	CHECK(re.bv_len <= v->bv_len);
	CHECK(sync_state_decode(&re, &st2, &u2, &c2) == 0);
	CHECK(st2 == st && memcmp(u2.b, u.b, 16) == 0 && cookie_eq(&c2, &c));
	sync_cookie_free(&c2);
	/* Copies are equal and independent. */
	c2.data = NULL;
	c2.len = 0;
	sync_cookie_copy(&c2, &c);
	CHECK(cookie_eq(&c2, &c) && (c.len == 0 || c2.data != c.data));
	sync_cookie_free(&c2);
	sync_cookie_free(&c);
	ber_memfree(re.bv_val);
}

static void fuzz_done(const struct berval *v)
{
	static unsigned char mark;
	struct sync_cookie c = {&mark, 1}, c2;
	bool deletes = true, deletes2;
	struct berval re;
	int rc;

	rc = sync_done_decode(v, &c, &deletes);
	CHECK(rc == 0 || rc == -1);
	if (rc < 0) {
		CHECK(c.data == &mark && c.len == 1 && deletes);
		return;
	}
	check_cookie(&c, v->bv_len);
	encode_done(&re, &c, deletes);
	CHECK(re.bv_len <= v->bv_len);
	CHECK(sync_done_decode(&re, &c2, &deletes2) == 0);
	CHECK(deletes2 == deletes && cookie_eq(&c2, &c));
	sync_cookie_free(&c2);
	sync_cookie_free(&c);
	ber_memfree(re.bv_val);
}

static void fuzz_info(const struct berval *v)
{
	struct sync_info in = {.kind = (enum sync_info_kind)99, .n_uuids = 7}, in2;
	struct berval re;
	int rc;

	rc = sync_info_decode(v, &in);
	CHECK(rc == 0 || rc == -1);
	if (rc < 0) {
		CHECK(in.kind == 99 && in.n_uuids == 7 && in.uuids == NULL);
		return;
	}
	CHECK(in.kind >= SYNC_INFO_NEW_COOKIE && in.kind <= SYNC_INFO_ID_SET);
	check_cookie(&in.cookie, v->bv_len);
	CHECK((in.uuids == NULL) == (in.n_uuids == 0));
	CHECK(in.n_uuids <= SYNC_UUIDS_MAX && in.n_uuids <= v->bv_len / 18);
	if (in.kind != SYNC_INFO_ID_SET)
		CHECK(in.n_uuids == 0 && !in.refresh_deletes);
	if (in.kind != SYNC_INFO_REFRESH_DELETE && in.kind != SYNC_INFO_REFRESH_PRESENT)
		CHECK(in.refresh_done);
	for (size_t i = 0; i < in.n_uuids; i++)
		check_uuid(&in.uuids[i]);

	encode_info(&re, &in);
	CHECK(re.bv_len <= v->bv_len);
	CHECK(sync_info_decode(&re, &in2) == 0);
	CHECK(in2.kind == in.kind && cookie_eq(&in2.cookie, &in.cookie) &&
	      in2.refresh_done == in.refresh_done &&
	      in2.refresh_deletes == in.refresh_deletes && in2.n_uuids == in.n_uuids);
	CHECK(in.n_uuids == 0 ||
	      memcmp(in2.uuids, in.uuids, in.n_uuids * sizeof *in.uuids) == 0);
	sync_info_free(&in2);
	sync_info_free(&in);
	CHECK(in.uuids == NULL && in.n_uuids == 0 && in.cookie.data == NULL);
	ber_memfree(re.bv_val);
}

/* The request, parsed back as slapd's syncprov_parseCtrl does. */
static void fuzz_request(uint8_t flags, const uint8_t *cookie, size_t len)
{
	enum sync_mode mode =
	    flags & 4 ? SYNC_MODE_REFRESH_AND_PERSIST : SYNC_MODE_REFRESH_ONLY;
	bool reload = flags & 8;
	struct sync_cookie c = {(unsigned char *)cookie, len};
	BerElement *ber = ber_alloc_t(0);
	struct berval v, got = {0, NULL};
	LDAPControl *ctrl;
	ber_int_t m = -1, rhint = 0;
	ber_len_t l;
	ber_tag_t tag;

	CHECK(ber != NULL && sync_request_encode(mode, &c, reload, &v) == 0);
	CHECK(sync_request_control(mode, &c, reload, &ctrl) == 0);
	CHECK(strcmp(ctrl->ldctl_oid, SYNC_REQUEST_OID) == 0 && ctrl->ldctl_iscritical);
	CHECK(ctrl->ldctl_value.bv_len == v.bv_len &&
	      memcmp(ctrl->ldctl_value.bv_val, v.bv_val, v.bv_len) == 0);
	sync_control_free(ctrl);

	/* As slapd does, on a BerElement of its own over the value (this
	 * writes into it: an in-place "m" NUL-terminates the cookie). */
	ber_init2(ber, &v, 0);
	CHECK(ber_scanf(ber, "{i", &m) != LBER_ERROR && m == (ber_int_t)mode);
	tag = ber_peek_tag(ber, &l);
	if (tag == LBER_OCTETSTRING) {
		CHECK(ber_scanf(ber, "m", &got) != LBER_ERROR);
		tag = ber_peek_tag(ber, &l);
	}
	if (tag == LBER_BOOLEAN)
		CHECK(ber_scanf(ber, "b", &rhint) != LBER_ERROR);
	CHECK(ber_scanf(ber, "}") != LBER_ERROR);
	CHECK((rhint != 0) == reload && got.bv_len == len);
	CHECK(len == 0 || memcmp(got.bv_val, cookie, len) == 0);
	ber_free(ber, 0); /* the bytes are v's */
	sync_request_free(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berval v;

	if (size < 1)
		return 0;
	v.bv_val = (char *)data + 1;
	v.bv_len = size - 1;
	switch (data[0] % 4) {
	case 0:
		fuzz_state(&v);
		break;
	case 1:
		fuzz_done(&v);
		break;
	case 2:
		fuzz_info(&v);
		break;
	default:
		fuzz_request(data[0], data + 1, size - 1);
		break;
	}
	return 0;
}
