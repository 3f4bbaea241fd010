/*
 * sync_proto: the BER values of LDAP Content Synchronization (RFC 4533),
 * as pure functions: the syncRequest control a consumer sends, and the
 * syncState and syncDone controls and the syncInfo intermediate response a
 * provider (slapd's syncprov) sends back. No network, no LDAP handle.
 *
 * Every decoder distrusts its input: it reads only inside the berval,
 * checks every tag and length, rejects trailing bytes at every level, and
 * allocates only as much as the data actually holds.
 */
#ifndef RM_SYNC_PROTO_H
#define RM_SYNC_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include <lber.h>
#include <ldap.h>

#define SYNC_REQUEST_OID "1.3.6.1.4.1.4203.1.9.1.1"
#define SYNC_STATE_OID "1.3.6.1.4.1.4203.1.9.1.2"
#define SYNC_DONE_OID "1.3.6.1.4.1.4203.1.9.1.3"
#define SYNC_INFO_OID "1.3.6.1.4.1.4203.1.9.1.4"

/* The most UUIDs one syncIdSet may carry (about 180 MB on the wire). */
#define SYNC_UUIDS_MAX 10000000

enum sync_mode { SYNC_MODE_REFRESH_ONLY = 1, SYNC_MODE_REFRESH_AND_PERSIST = 3 };
enum sync_state {
	SYNC_STATE_PRESENT = 0,
	SYNC_STATE_ADD = 1,
	SYNC_STATE_MODIFY = 2,
	SYNC_STATE_DELETE = 3
};
enum sync_info_kind {
	SYNC_INFO_NEW_COOKIE = 0,
	SYNC_INFO_REFRESH_DELETE = 1,
	SYNC_INFO_REFRESH_PRESENT = 2,
	SYNC_INFO_ID_SET = 3
};

/* An entryUUID as the protocol carries it: 16 raw bytes. */
struct sync_uuid {
	unsigned char b[16];
};

/* A cookie: bytes (may contain NUL), malloc'd, or len 0 / data NULL =
 * absent. A cookie sent empty (an OCTET STRING of length 0) decodes as
 * absent, and an empty one is never encoded. */
struct sync_cookie {
	unsigned char *data;
	size_t len;
};

/* Free C's bytes and reset it to absent. */
void sync_cookie_free(struct sync_cookie *c);
/* Make DST a copy of SRC (absent if SRC is); DST's old bytes are freed
 * first, so DST must be initialised. */
void sync_cookie_copy(struct sync_cookie *dst, const struct sync_cookie *src);

/* syncRequestValue ::= SEQUENCE { mode ENUMERATED, cookie syncCookie
 * OPTIONAL, reloadHint BOOLEAN DEFAULT FALSE }, in DER: a NULL or absent
 * COOKIE is omitted, and so is a FALSE reloadHint. Fills *VALUE_R with
 * bytes from liblber's allocator: release them with sync_request_free.
 * Returns 0, or -1 (a MODE other than the two, or liblber out of memory)
 * with *VALUE_R zeroed. */
int sync_request_encode(enum sync_mode mode, const struct sync_cookie *cookie,
                        bool reload_hint, struct berval *value_r);
/* Free what sync_request_encode put in VALUE and zero it. */
void sync_request_free(struct berval *value);

/* The syncRequest control for ldap_search_ext: oid SYNC_REQUEST_OID,
 * critical, value as sync_request_encode makes it. Returns 0 with *CTRL_R
 * to be freed with sync_control_free, or -1 with *CTRL_R NULL. */
int sync_request_control(enum sync_mode mode, const struct sync_cookie *cookie,
                         bool reload_hint, LDAPControl **ctrl_r);
/* Free a control from sync_request_control (NULL is fine). */
void sync_control_free(LDAPControl *ctrl);

/* syncStateValue ::= SEQUENCE { state ENUMERATED {present(0), add(1),
 * modify(2), delete(3)}, entryUUID OCTET STRING (SIZE(16)), cookie
 * syncCookie OPTIONAL }. Returns 0 with every out-parameter filled
 * (*COOKIE_R absent if none was sent; it is overwritten, not freed), or -1
 * on anything malformed (unknown state, a UUID of another size, a bad tag
 * or length, trailing bytes), with nothing allocated and the
 * out-parameters untouched. */
int sync_state_decode(const struct berval *value, enum sync_state *state_r,
                      struct sync_uuid *uuid_r, struct sync_cookie *cookie_r);

/* syncDoneValue ::= SEQUENCE { cookie syncCookie OPTIONAL, refreshDeletes
 * BOOLEAN DEFAULT FALSE }. 0, or -1 as sync_state_decode. */
int sync_done_decode(const struct berval *value, struct sync_cookie *cookie_r,
                     bool *refresh_deletes_r);

/* syncInfoValue ::= CHOICE {
 *   newcookie [0] syncCookie,
 *   refreshDelete [1] SEQUENCE { cookie syncCookie OPTIONAL,
 *                                refreshDone BOOLEAN DEFAULT TRUE },
 *   refreshPresent [2] SEQUENCE { cookie syncCookie OPTIONAL,
 *                                 refreshDone BOOLEAN DEFAULT TRUE },
 *   syncIdSet [3] SEQUENCE { cookie syncCookie OPTIONAL,
 *                            refreshDeletes BOOLEAN DEFAULT FALSE,
 *                            syncUUIDs SET OF syncUUID } }
 * IMPLICIT TAGS: [0] is primitive (0x80), [1] to [3] constructed (0xa1,
 * 0xa2, 0xa3). */
struct sync_info {
	enum sync_info_kind kind;
	struct sync_cookie cookie; /* absent when not sent */
	bool refresh_done;         /* refreshDelete/refreshPresent (default TRUE) */
	bool refresh_deletes;      /* syncIdSet (default FALSE) */
	struct sync_uuid *uuids;   /* syncIdSet: malloc'd array, NULL if none */
	size_t n_uuids;
};

/* Decode VALUE into *INFO_R (overwritten, not freed). Fields that KIND
 * does not carry hold their defaults (refresh_done TRUE, refresh_deletes
 * FALSE, no UUIDs). Returns 0 (free with sync_info_free), or -1 as
 * sync_state_decode (also for more than SYNC_UUIDS_MAX UUIDs), with
 * nothing allocated and *INFO_R untouched. */
int sync_info_decode(const struct berval *value, struct sync_info *info_r);
/* Free what sync_info_decode allocated; INFO is left empty (absent
 * cookie, no UUIDs). */
void sync_info_free(struct sync_info *info);

/* The first control with OID in the NULL-terminated CTRLS (may be NULL),
 * or NULL if there is none. */
LDAPControl *sync_find_control(LDAPControl **ctrls, const char *oid);

/* U as text, 8-4-4-4-12 lower-case hex, into BUF (NUL-terminated), for logs
 * and traces. */
void sync_uuid_format(const struct sync_uuid *u, char buf[37]);

#endif
