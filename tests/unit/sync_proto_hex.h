/*
 * sync_proto_hex: what the two test files of policy/ldap/sync_proto.c
 * share (test_sync_proto.c: encodings; test_sync_proto_reject.c: what
 * must be refused): hex rows, a UUID, cookies, byte assertions.
 */
#ifndef RM_TEST_SYNC_PROTO_HEX_H
#define RM_TEST_SYNC_PROTO_HEX_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "policy/ldap/sync_proto.h"

/* A UUID and two cookies, as hex for the hand-written rows. */
#define U1 "00112233445566778899aabbccddeeff"
#define U2 "f0e1d2c3b4a5968778695a4b3c2d1e0f"
#define RID "72 69 64 3d 30 30 30" /* "rid=000", 7 bytes */
#define CSN_COOKIE "rid=000,csn=20240501120000.000000Z#000000#000#000000"

static const unsigned char uuid1[16]
    __attribute__((unused)) = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                               0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

/* Hex (spaces ignored) to bytes; the test fails on a bad digit. */
struct hex {
	unsigned char buf[1024];
	struct berval bv;
};

static inline void hex_parse(struct hex *h, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned int byte;

		if (*s == ' ')
			continue;
		ck_assert_msg(sscanf(s, "%2x", &byte) == 1 && s[1] != '\0',
		              "bad hex at %s", s);
		ck_assert_uint_lt(n, sizeof h->buf);
		h->buf[n++] = (unsigned char)byte;
		s++;
	}
	h->bv.bv_val = (char *)h->buf;
	h->bv.bv_len = n;
}

static inline void assert_bytes(const struct berval *got, const char *want_hex)
{
	struct hex want;

	hex_parse(&want, want_hex);
	ck_assert_uint_eq(got->bv_len, want.bv.bv_len);
	ck_assert_mem_eq(got->bv_val, want.buf, want.bv.bv_len);
}

static inline void assert_cookie(const struct sync_cookie *c, const char *want,
                                 size_t len)
{
	if (want == NULL) {
		ck_assert_ptr_null(c->data);
		ck_assert_uint_eq(c->len, 0);
		return;
	}
	ck_assert_uint_eq(c->len, len);
	ck_assert_mem_eq(c->data, want, len);
}

#endif
