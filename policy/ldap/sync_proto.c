/*
 * sync_proto: the BER codec of LDAP Content Synchronization (RFC 4533).
 *
 * Entry points: sync_request_encode / sync_request_control (what a consumer
 * sends), sync_state_decode, sync_done_decode, sync_info_decode (what the
 * provider sends back), and the small helpers sync_cookie_free,
 * sync_cookie_copy, sync_find_control, sync_uuid_format.
 *
 * The caller owns every output: cookies and UUID arrays are malloc'd here
 * (xmalloc: out of memory ends the process), request values come from
 * liblber's allocator and have their own free functions.
 *
 * Decoding uses liblber on one BerElement over a private copy of the
 * value (struct reader says why a copy). liblber checks that an element's
 * length fits in what remains but does not remember where a SEQUENCE ends,
 * so the cursor is laid over exactly the contents of each constructed
 * element before reading inside it: nothing inside can reach past it, and
 * bytes left at the end of any level are trailing garbage, an error.
 * Malformed input gives -1 and leaves nothing allocated.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "policy/ldap/sync_proto.h"

/* The tags of RFC 4533 (IMPLICIT TAGS), as slapd's ldap.h names them. */
#define TAG_NEW_COOKIE ((ber_tag_t)0x80U)      /* [0] primitive */
#define TAG_REFRESH_DELETE ((ber_tag_t)0xa1U)  /* [1] constructed */
#define TAG_REFRESH_PRESENT ((ber_tag_t)0xa2U) /* [2] constructed */
#define TAG_ID_SET ((ber_tag_t)0xa3U)          /* [3] constructed */

#define UUID_LEN 16

/* A bounded cursor: one BerElement over a private copy of the value.
 * The copy is needed because liblber (2.5) reads the byte after every
 * element it skips (ber_skip_element caches the next tag byte), which at
 * the end of the caller's berval would be one byte past it; the copy has
 * one spare byte for that read. */
struct reader {
	BerElement *ber;
	char *copy;
};

/* Lay R over BV, which lies inside R's copy. ber_init2 only keeps the
 * pointer and the end, and the bytes are never written while decoding. */
static void reader_set(struct reader *r, const struct berval *bv)
{
	struct berval view = *bv;

	ber_init2(r->ber, &view, 0);
}

static void reader_open(struct reader *r, const struct berval *value)
{
	struct berval view;

	r->copy = xmalloc(value->bv_len + 1);
	memcpy(r->copy, value->bv_val, value->bv_len);
	r->copy[value->bv_len] = '\0';
	if ((r->ber = ber_alloc_t(0)) == NULL)
		msg_fatal_status(EX_OSERR, "out of memory allocating a BerElement");
	view.bv_val = r->copy;
	view.bv_len = value->bv_len;
	reader_set(r, &view);
}

static void reader_close(struct reader *r)
{
	ber_free(r->ber, 0); /* the bytes are r->copy */
	free(r->copy);
	r->ber = NULL;
	r->copy = NULL;
}

/* The tag of the next element, or LBER_DEFAULT at the end or if the next
 * element is malformed (bad length, longer than what remains). */
static ber_tag_t reader_peek(const struct reader *r)
{
	struct berval bv;

	return ber_peek_element(r->ber, &bv);
}

static bool reader_at_end(const struct reader *r)
{
	ber_len_t left = 1;

	return ber_get_option(r->ber, LBER_OPT_BER_REMAINING_BYTES, &left) ==
	           LBER_OPT_SUCCESS &&
	       left == 0;
}

/* Take the next element, which must have TAG; *CONTENTS_R points into
 * R's copy, so whatever is kept is copied out before reader_close. */
static int reader_take(struct reader *r, ber_tag_t tag, struct berval *contents_r)
{
	if (reader_peek(r) != tag)
		return -1;
	return ber_skip_element(r->ber, contents_r) == tag ? 0 : -1;
}

/* Take the next element, which must have TAG and be the last one, and go
 * inside it: R then reads exactly its contents, so nothing can reach past
 * it, and what is left after it is an error. In every value of RFC 4533 a
 * constructed element is the last of its parent, so one cursor suffices. */
static int reader_enter_last(struct reader *r, ber_tag_t tag)
{
	struct berval contents;

	if (reader_take(r, tag, &contents) < 0 || !reader_at_end(r))
		return -1;
	reader_set(r, &contents);
	return 0;
}

static bool value_empty(const struct berval *value)
{
	return value == NULL || value->bv_val == NULL || value->bv_len == 0;
}

/* A BOOLEAN: one octet, any non-zero value is TRUE (BER, X.690 8.2.2). */
static int take_bool(struct reader *r, bool *b_r)
{
	struct berval c;

	if (reader_take(r, LBER_BOOLEAN, &c) < 0 || c.bv_len != 1)
		return -1;
	*b_r = c.bv_val[0] != 0;
	return 0;
}

/* An optional BOOLEAN with DEFAULT DFLT: taken only if the next tag says
 * it is one. */
static int take_bool_opt(struct reader *r, bool dflt, bool *b_r)
{
	*b_r = dflt;
	return reader_peek(r) == LBER_BOOLEAN ? take_bool(r, b_r) : 0;
}

static int take_enum(struct reader *r, ber_int_t *v_r)
{
	struct berval c;

	/* At least one octet (X.690 8.3.1); ber_decode_int refuses more
	 * than a ber_int_t holds. */
	if (reader_take(r, LBER_ENUMERATED, &c) < 0 || c.bv_len == 0)
		return -1;
	return ber_decode_int(&c, v_r) == 0 ? 0 : -1;
}

static int take_uuid(struct reader *r, struct sync_uuid *u_r)
{
	struct berval c;

	if (reader_take(r, LBER_OCTETSTRING, &c) < 0 || c.bv_len != UUID_LEN)
		return -1;
	memcpy(u_r->b, c.bv_val, UUID_LEN);
	return 0;
}

/* Copy LEN bytes at DATA into C: absent when LEN is 0. The length is that
 * of bytes present in the input, so the allocation is bounded by it. */
static void cookie_set(struct sync_cookie *c, const void *data, size_t len)
{
	c->data = NULL;
	c->len = 0;
	if (len == 0)
		return;
	c->data = xmalloc(len);
	memcpy(c->data, data, len);
	c->len = len;
}

/* The optional syncCookie (an OCTET STRING) that starts most values. */
static void take_cookie_opt(struct reader *r, struct sync_cookie *c_r)
{
	struct berval c;

	if (reader_take(r, LBER_OCTETSTRING, &c) == 0)
		cookie_set(c_r, c.bv_val, c.bv_len);
	else
		cookie_set(c_r, NULL, 0);
}

void sync_cookie_free(struct sync_cookie *c)
{
	free(c->data);
	c->data = NULL;
	c->len = 0;
}

void sync_cookie_copy(struct sync_cookie *dst, const struct sync_cookie *src)
{
	if (dst == src)
		return;
	sync_cookie_free(dst);
	if (src != NULL && src->data != NULL)
		cookie_set(dst, src->data, src->len);
}

static bool cookie_present(const struct sync_cookie *c)
{
	return c != NULL && c->data != NULL && c->len > 0;
}

int sync_request_encode(enum sync_mode mode, const struct sync_cookie *cookie,
                        bool reload_hint, struct berval *value_r)
{
	BerElement *ber;
	int rc = -1;

	value_r->bv_val = NULL;
	value_r->bv_len = 0;
	if (mode != SYNC_MODE_REFRESH_ONLY && mode != SYNC_MODE_REFRESH_AND_PERSIST)
		return -1;
	if ((ber = ber_alloc_t(LBER_USE_DER)) == NULL)
		return -1;
	if (ber_printf(ber, "{e", (ber_int_t)mode) == -1)
		goto out;
	if (cookie_present(cookie)) {
		struct berval bv = {.bv_len = cookie->len,
		                    .bv_val = (char *)cookie->data};

		if (ber_printf(ber, "O", &bv) == -1)
			goto out;
	}
	/* DER: a value equal to its DEFAULT is not sent. */
	if (reload_hint && ber_printf(ber, "b", (ber_int_t)1) == -1)
		goto out;
	if (ber_printf(ber, "}") == -1 || ber_flatten2(ber, value_r, 1) == -1)
		goto out;
	rc = 0;
out:
	ber_free(ber, 1);
	if (rc < 0) {
		value_r->bv_val = NULL;
		value_r->bv_len = 0;
	}
	return rc;
}

void sync_request_free(struct berval *value)
{
	ber_memfree(value->bv_val);
	value->bv_val = NULL;
	value->bv_len = 0;
}

int sync_request_control(enum sync_mode mode, const struct sync_cookie *cookie,
                         bool reload_hint, LDAPControl **ctrl_r)
{
	struct berval value;
	int rc;

	*ctrl_r = NULL;
	if (sync_request_encode(mode, cookie, reload_hint, &value) < 0)
		return -1;
	/* The control gets its own copy, so our value is freed either way. */
	rc = ldap_control_create(SYNC_REQUEST_OID, 1, &value, 1, ctrl_r);
	sync_request_free(&value);
	if (rc != LDAP_SUCCESS) {
		*ctrl_r = NULL;
		return -1;
	}
	return 0;
}

void sync_control_free(LDAPControl *ctrl)
{
	if (ctrl != NULL)
		ldap_control_free(ctrl);
}

/* The body of sync_state_decode, with R over the value. */
static int state_decode(struct reader *r, enum sync_state *state_r,
                        struct sync_uuid *uuid_r, struct sync_cookie *cookie_r)
{
	ber_int_t state;

	if (reader_enter_last(r, LBER_SEQUENCE) < 0 || take_enum(r, &state) < 0 ||
	    state < SYNC_STATE_PRESENT || state > SYNC_STATE_DELETE ||
	    take_uuid(r, uuid_r) < 0)
		return -1;
	take_cookie_opt(r, cookie_r);
	if (!reader_at_end(r)) {
		sync_cookie_free(cookie_r);
		return -1;
	}
	*state_r = (enum sync_state)state;
	return 0;
}

int sync_state_decode(const struct berval *value, enum sync_state *state_r,
                      struct sync_uuid *uuid_r, struct sync_cookie *cookie_r)
{
	struct reader r;
	struct sync_cookie cookie = {NULL, 0};
	struct sync_uuid uuid;
	enum sync_state state;
	int rc;

	if (value_empty(value))
		return -1;
	reader_open(&r, value);
	rc = state_decode(&r, &state, &uuid, &cookie);
	reader_close(&r);
	if (rc == 0) {
		*state_r = state;
		*uuid_r = uuid;
		*cookie_r = cookie;
	}
	return rc;
}

int sync_done_decode(const struct berval *value, struct sync_cookie *cookie_r,
                     bool *refresh_deletes_r)
{
	struct reader r;
	struct sync_cookie cookie = {NULL, 0};
	bool deletes = false;
	int rc = -1;

	if (value_empty(value))
		return -1;
	reader_open(&r, value);
	if (reader_enter_last(&r, LBER_SEQUENCE) == 0) {
		take_cookie_opt(&r, &cookie);
		if (take_bool_opt(&r, false, &deletes) == 0 && reader_at_end(&r))
			rc = 0;
	}
	reader_close(&r);
	if (rc < 0) {
		sync_cookie_free(&cookie);
		return -1;
	}
	*cookie_r = cookie;
	*refresh_deletes_r = deletes;
	return 0;
}

/* The SET OF syncUUID that ends a syncIdSet: every element an OCTET
 * STRING of 16 bytes. The count comes from the elements actually present
 * (a first pass checks and counts them), so the array is never larger
 * than the input. */
static int take_uuid_set(struct reader *r, struct sync_uuid **uuids_r, size_t *n_r)
{
	struct berval contents;
	struct sync_uuid u;
	size_t n = 0;

	if (reader_take(r, LBER_SET, &contents) < 0 || !reader_at_end(r))
		return -1;
	reader_set(r, &contents);
	while (!reader_at_end(r)) {
		if (take_uuid(r, &u) < 0 || ++n > SYNC_UUIDS_MAX)
			return -1;
	}
	if (n == 0)
		return 0;
	*uuids_r = xcalloc(n, sizeof **uuids_r);
	*n_r = n;
	reader_set(r, &contents);
	for (size_t i = 0; i < n; i++)
		(void)take_uuid(r, &(*uuids_r)[i]);
	return 0;
}

/* The SEQUENCE of refreshDelete, refreshPresent or syncIdSet, R inside it. */
static int info_seq(struct reader *r, struct sync_info *info)
{
	take_cookie_opt(r, &info->cookie);
	if (info->kind == SYNC_INFO_ID_SET)
		return take_bool_opt(r, false, &info->refresh_deletes) < 0
		           ? -1
		           : take_uuid_set(r, &info->uuids, &info->n_uuids);
	if (take_bool_opt(r, true, &info->refresh_done) < 0)
		return -1;
	return reader_at_end(r) ? 0 : -1;
}

/* The body of sync_info_decode, with R over the value. */
static int info_decode(struct reader *r, struct sync_info *info)
{
	ber_tag_t tag = reader_peek(r);
	struct berval contents;

	switch (tag) {
	case TAG_NEW_COOKIE:
		info->kind = SYNC_INFO_NEW_COOKIE;
		if (reader_take(r, tag, &contents) < 0 || !reader_at_end(r))
			return -1;
		cookie_set(&info->cookie, contents.bv_val, contents.bv_len);
		return 0;
	case TAG_REFRESH_DELETE:
		info->kind = SYNC_INFO_REFRESH_DELETE;
		break;
	case TAG_REFRESH_PRESENT:
		info->kind = SYNC_INFO_REFRESH_PRESENT;
		break;
	case TAG_ID_SET:
		info->kind = SYNC_INFO_ID_SET;
		break;
	default:
		return -1;
	}
	if (reader_enter_last(r, tag) < 0)
		return -1;
	return info_seq(r, info);
}

int sync_info_decode(const struct berval *value, struct sync_info *info_r)
{
	struct sync_info info = {.refresh_done = true};
	struct reader r;
	int rc;

	if (value_empty(value))
		return -1;
	reader_open(&r, value);
	rc = info_decode(&r, &info);
	reader_close(&r);
	if (rc < 0) {
		sync_info_free(&info);
		return -1;
	}
	*info_r = info;
	return 0;
}

void sync_info_free(struct sync_info *info)
{
	sync_cookie_free(&info->cookie);
	free(info->uuids);
	info->uuids = NULL;
	info->n_uuids = 0;
}

LDAPControl *sync_find_control(LDAPControl **ctrls, const char *oid)
{
	if (ctrls == NULL)
		return NULL;
	for (; *ctrls != NULL; ctrls++) {
		if ((*ctrls)->ldctl_oid != NULL && strcmp((*ctrls)->ldctl_oid, oid) == 0)
			return *ctrls;
	}
	return NULL;
}

void sync_uuid_format(const struct sync_uuid *u, char buf[37])
{
	static const char hex[] = "0123456789abcdef";
	char *p = buf;

	for (int i = 0; i < UUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[u->b[i] >> 4];
		*p++ = hex[u->b[i] & 0x0f];
	}
	*p = '\0';
}
