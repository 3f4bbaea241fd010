/*
 * sync_session: the consumer's data flow (see policy/ldap/sync_session.h).
 * Entry points: sync_session_init/destroy, begin, restart, reset, entry,
 * info, done, published. Pure: no I/O, no locks, no allocation failures
 * (xalloc). The caller owns the session and its store.
 */
#include "config.h"

#include <string.h>

#include "policy/ldap/sync_session.h"

void sync_session_init(struct sync_session *s)
{
	memset(s, 0, sizeof *s);
	s->store = sync_store_create();
}

void sync_session_destroy(struct sync_session *s)
{
	sync_store_free(s->store);
	sync_cookie_free(&s->cookie);
	sync_cookie_free(&s->pending);
	memset(s, 0, sizeof *s);
}

static bool has_cookie(const struct sync_cookie *c)
{
	return c != NULL && c->data != NULL && c->len > 0;
}

void sync_session_begin(struct sync_session *s)
{
	sync_store_unmark_all(s->store);
	sync_cookie_free(&s->pending);
	s->full = s->force_full || !has_cookie(&s->cookie);
	s->force_full = false;
	s->present_phase = false;
	s->refreshing = true;
}

void sync_session_restart(struct sync_session *s, const struct sync_cookie *cookie)
{
	if (has_cookie(cookie))
		sync_cookie_copy(&s->cookie, cookie);
	else
		sync_cookie_free(&s->cookie);
	s->force_full = true;
}

void sync_session_reset(struct sync_session *s)
{
	sync_store_clear(s->store);
	sync_cookie_free(&s->cookie);
	sync_cookie_free(&s->pending);
	s->complete = false;
	s->refreshing = false;
	s->force_full = false;
	s->dirty = false;
}

/* A cookie from the server: held during a refresh, adopted at once after. */
static void take_cookie(struct sync_session *s, const struct sync_cookie *cookie)
{
	if (!has_cookie(cookie))
		return;
	sync_cookie_copy(s->refreshing ? &s->pending : &s->cookie, cookie);
}

void sync_session_entry(struct sync_session *s, enum sync_state state,
                        const struct sync_uuid *uuid, const void *data, size_t len,
                        const struct sync_cookie *cookie)
{
	switch (state) {
	case SYNC_STATE_ADD:
	case SYNC_STATE_MODIFY:
		sync_store_put(s->store, uuid, data, len);
		s->changes++;
		s->dirty = true;
		break;
	case SYNC_STATE_PRESENT:
		sync_store_mark(s->store, uuid);
		s->present_phase = true;
		break;
	case SYNC_STATE_DELETE:
		if (sync_store_remove(s->store, uuid)) {
			s->changes++;
			s->dirty = true;
		}
		break;
	}
	take_cookie(s, cookie);
}

/* The refresh stage ends: remove what it did not see when it had to. */
static bool end_refresh(struct sync_session *s)
{
	size_t removed;

	if (!s->refreshing)
		return false;
	if (s->full || s->present_phase) {
		removed = sync_store_remove_unseen(s->store);
		s->removed += removed;
		s->changes += removed;
	}
	s->refreshing = false;
	if (has_cookie(&s->pending)) {
		sync_cookie_copy(&s->cookie, &s->pending);
		sync_cookie_free(&s->pending);
	}
	s->complete = true;
	s->dirty = true; /* a complete refresh is published even if unchanged */
	return true;
}

static void apply_id_set(struct sync_session *s, const struct sync_info *info)
{
	for (size_t i = 0; i < info->n_uuids; i++) {
		if (!info->refresh_deletes) {
			sync_store_mark(s->store, &info->uuids[i]);
		} else if (sync_store_remove(s->store, &info->uuids[i])) {
			s->changes++;
			s->dirty = true;
		}
	}
	if (!info->refresh_deletes)
		s->present_phase = true;
}

bool sync_session_info(struct sync_session *s, const struct sync_info *info)
{
	bool completed = false;

	switch (info->kind) {
	case SYNC_INFO_NEW_COOKIE:
		break;
	case SYNC_INFO_REFRESH_PRESENT:
		s->present_phase = true;
		/* fall through */
	case SYNC_INFO_REFRESH_DELETE:
		if (info->refresh_done) {
			take_cookie(s, &info->cookie);
			return end_refresh(s);
		}
		break;
	case SYNC_INFO_ID_SET:
		apply_id_set(s, info);
		break;
	}
	take_cookie(s, &info->cookie);
	return completed;
}

bool sync_session_done(struct sync_session *s, const struct sync_cookie *cookie,
                       bool refresh_deletes)
{
	if (s->refreshing && !refresh_deletes)
		s->present_phase = true;
	take_cookie(s, cookie);
	return end_refresh(s);
}

void sync_session_published(struct sync_session *s)
{
	s->dirty = false;
}
