/*
 * ldap_sync: the RFC 4533 consumer thread (see policy/ldap/ldap_sync.h).
 *
 * Entry points: ldap_sync_start, ldap_sync_stop, ldap_sync_free,
 * ldap_sync_wait_complete, ldap_sync_get_stats, ldap_sync_probe.
 *
 * Poll mode (no syncprov) is policy/ldap/ldap_sync_poll.c; what both
 * share is policy/ldap/ldap_sync_int.h.
 *
 * The controls are built and parsed by hand (policy/ldap/sync_proto.c)
 * rather than through libldap's ldap_sync_* API, which blocks for a whole
 * refresh, hides which phase ended it and swallows result codes other than
 * 0 and 4096. Here every wait is an ldap_result of at most a second, so the
 * thread notices a stop, a due publish, a silent stream and a preferred
 * server coming back. The data flow is policy/ldap/sync_session.c's.
 *
 * What a search's end means:
 *   connection lost, watchdog      reconnect (backoff across the URIs), same cookie
 *   4096 e-syncRefreshRequired     search again from the syncDone cookie or none
 *   53 with a cookie               drop it (provider restored from a backup), full reload
 *   12 (no syncprov)               poll: a full paged reload every `poll` seconds
 *   anything else (4, 3, 50, 32)   discard the partial set, log, retry with backoff
 * None of them touches the published set.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"
#include "policy/ldap/ldap_sync.h"
#include "policy/ldap/ldap_sync_int.h"
#include "policy/ldap/sync_proto.h"
#include "policy/ldap/sync_session.h"

#define WAIT_MAX 1.0        /* seconds: the longest ldap_result wait */
#define BACKOFF_INITIAL 0.5 /* seconds before the first reconnect */
#define BACKOFF_MAX 30.0
#define WATCHDOG_IDLE 5.0      /* seconds of silence before a probe */
#define FAILBACK_INTERVAL 10.0 /* seconds between tries of a preferred URI */
#define BATCH_LARGE 0.1        /* seconds a large set's changes are batched */
#define MAX_QUICK_RESTARTS 3   /* 4096/53 in a row before backing off */

enum outcome {
	OUT_CONTINUE, /* within a search: carry on */
	OUT_STOP,     /* asked to stop */
	OUT_BROKEN,   /* the connection is gone or silent: reconnect */
	OUT_AGAIN,    /* search again on this connection */
	OUT_ERROR,    /* the search failed: discard, back off, reconnect */
	OUT_NO_SYNC,  /* the server has no content sync: poll */
	OUT_FAILBACK, /* a preferred server answers again: move to it */
};

/* --- small things -------------------------------------------------------- */

bool ldap_sync_stopping(struct ldap_sync *sync)
{
	bool s;

	pthread_mutex_lock(&sync->lock);
	s = sync->stopping;
	pthread_mutex_unlock(&sync->lock);
	return s;
}

/* Sleep SECONDS unless asked to stop; true when stopping. */
static bool nap(struct ldap_sync *sync, double seconds)
{
	struct timespec until = monotime_timespec(monotime_now() + seconds);
	bool s;

	pthread_mutex_lock(&sync->lock);
	while (!sync->stopping &&
	       pthread_cond_timedwait(&sync->cond, &sync->lock, &until) != ETIMEDOUT)
		;
	s = sync->stopping;
	pthread_mutex_unlock(&sync->lock);
	return s;
}

const char *ldap_sync_uri(const struct ldap_sync *sync, size_t i)
{
	return sync->p.uris[i];
}

/* Count a failure and say what it was (once per failure: the backoff
 * bounds how often). */
void ldap_sync_fail(struct ldap_sync *sync, const char *fmt, ...)
{
	char text[sizeof sync->st.last_error];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	for (char *c = text; *c; c++) /* server text: one printable line */
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
		else if (*c == '"') /* quoted in the counters line */
			*c = '\'';
	pthread_mutex_lock(&sync->lock);
	memcpy(sync->st.last_error, text, sizeof text);
	sync->st.errors++;
	pthread_mutex_unlock(&sync->lock);
	msg_warn("ldap sync %s: %s", sync->p.name, text);
}

/* The text of LD's last error after RC. */
const char *ldap_sync_ld_error(LDAP *ld, int rc)
{
	char *diag = NULL;
	const char *text;

	if (ld != NULL &&
	    ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) == LDAP_OPT_SUCCESS &&
	    diag != NULL && *diag != '\0')
		text = error_printf("%s (%d): %s", ldap_err2string(rc), rc, diag);
	else
		text = error_printf("%s (%d)", ldap_err2string(rc), rc);
	ldap_memfree(diag);
	return text;
}

/* --- connecting ------------------------------------------------------- */

/* The sync connection's own options: no server-side limits on our side
 * (the server's limits for the service DN still apply), TCP keepalive so
 * that a vanished peer is noticed even when the stream is idle. */
static void sync_options(LDAP *ld)
{
	int zero = 0, idle = 10, probes = 3, interval = 5;

	ldap_set_option(ld, LDAP_OPT_SIZELIMIT, &zero);
	ldap_set_option(ld, LDAP_OPT_TIMELIMIT, &zero);
	ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_IDLE, &idle);
	ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_PROBES, &probes);
	ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_INTERVAL, &interval);
}

/* Open URI number I; NULL (and a counted failure) when it does not answer. */
static LDAP *open_uri(struct ldap_sync *sync, size_t i, bool quiet)
{
	struct ldap_conn_info info;
	const char *error = NULL;
	LDAP *ld;

	ld = ldap_conn_open(ldap_sync_uri(sync, i), sync->p.conn,
	                    monotime_now() + sync->p.timeout, &info, &error);
	if (ld == NULL) {
		if (!quiet)
			ldap_sync_fail(sync, "%s: %s", ldap_sync_uri(sync, i), error);
		return NULL;
	}
	sync_options(ld);
	return ld;
}

/* Connect to the first URI that answers; false when none does. */
static bool connect_any(struct ldap_sync *sync)
{
	for (size_t i = 0; i < sync->p.n_uris && !ldap_sync_stopping(sync); i++) {
		if ((sync->ld = open_uri(sync, i, false)) != NULL) {
			sync->uri_i = i;
			return true;
		}
	}
	return false;
}

static void disconnect(struct ldap_sync *sync)
{
	ldap_conn_close(sync->ld);
	sync->ld = NULL;
}

/* --- publishing ------------------------------------------------------- */

/* Publish the store: REFRESH after a complete refresh or poll; a poll
 * (POLLED) cannot tell what changed and counts as a change. */
void ldap_sync_publish(struct ldap_sync *sync, bool refresh, bool polled)
{
	struct sync_session *s = &sync->sess;
	bool changed =
	    polled || s->changes != sync->published_changes || !sync->st.complete;

	sync->p.kind.publish(sync->p.kind.ctx, s->store);
	sync_session_published(s);
	/* A large set was rebuilt and its predecessor freed: hand the freed
	 * pages back (glibc keeps them otherwise, and every rebuild of a
	 * million domains would leave tens of MB behind). */
	if (sync_store_count(s->store) >= LARGE_SET)
		malloc_trim(0);
	if (polled)
		msg_info("ldap sync %s: poll of %s complete: %zu entries", sync->p.name,
		         ldap_sync_uri(sync, sync->uri_i), sync_store_count(s->store));
	else if (refresh)
		msg_info(
		    "ldap sync %s: refresh complete from %s: %zu entries, %lu changes "
		    "(%lu removed as no longer present)",
		    sync->p.name, ldap_sync_uri(sync, sync->uri_i),
		    sync_store_count(s->store), s->changes - sync->published_changes,
		    s->removed - sync->published_removed);
	sync->published_changes = s->changes;
	sync->published_removed = s->removed;
	pthread_mutex_lock(&sync->lock);
	sync->st.entries = sync_store_count(s->store);
	sync->st.changes = s->changes;
	sync->st.cookie = s->cookie.len > 0;
	if (refresh)
		sync->st.refreshes++;
	if (changed)
		sync->last_change = monotime_now();
	sync->st.complete = true;
	pthread_cond_broadcast(&sync->cond);
	pthread_mutex_unlock(&sync->lock);
}

/* Record whether the server answers content sync, saying so when it
 * changes (the thread is the only writer: reading ST here is safe). */
static void set_syncprov(struct ldap_sync *sync, int yes)
{
	if (sync->st.syncprov == yes)
		return;
	if (yes == 0)
		msg_warn(
		    "ldap sync %s: %s does not offer content synchronization (no "
		    "syncprov overlay: result 12); polling, a full reload every %.0f s",
		    sync->p.name, ldap_sync_uri(sync, sync->uri_i), sync->p.poll);
	else if (sync->st.syncprov == 0)
		msg_info("ldap sync %s: %s offers content synchronization now",
		         sync->p.name, ldap_sync_uri(sync, sync->uri_i));
	pthread_mutex_lock(&sync->lock);
	sync->st.syncprov = yes;
	pthread_mutex_unlock(&sync->lock);
}

/* --- one sync search -------------------------------------------------- */

/* The state control of an entry, applied. 0, or -1 for a malformed one. */
static int on_entry(struct ldap_sync *sync, LDAPMessage *msg)
{
	LDAPControl **ctrls = NULL, *c;
	struct sync_cookie cookie = {NULL, 0};
	struct sync_uuid uuid;
	enum sync_state state;
	int rc = -1;

	if (ldap_get_entry_controls(sync->ld, msg, &ctrls) != LDAP_SUCCESS ||
	    (c = sync_find_control(ctrls, SYNC_STATE_OID)) == NULL ||
	    sync_state_decode(&c->ldctl_value, &state, &uuid, &cookie) != 0)
		goto out;
	strbuf_reset(&sync->data);
	if (state == SYNC_STATE_ADD || state == SYNC_STATE_MODIFY)
		sync->p.kind.keep(sync->p.kind.ctx, sync->ld, msg, &sync->data);
	sync_session_entry(&sync->sess, state, &uuid, sync->data.data, sync->data.len,
	                   &cookie);
	rc = 0;
out:
	sync_cookie_free(&cookie);
	ldap_controls_free(ctrls);
	return rc;
}

/* A syncInfo message applied; 1 when it completed a refresh, 0, or -1 for
 * a malformed one. Other intermediate responses are ignored. */
static int on_intermediate(struct ldap_sync *sync, LDAPMessage *msg)
{
	char *oid = NULL;
	struct berval *val = NULL;
	struct sync_info info;
	int rc = -1;

	if (ldap_parse_intermediate(sync->ld, msg, &oid, &val, NULL, 0) != LDAP_SUCCESS)
		goto out;
	if (oid == NULL || strcmp(oid, SYNC_INFO_OID) != 0) {
		rc = 0;
		goto out;
	}
	if (val == NULL || sync_info_decode(val, &info) != 0)
		goto out;
	rc = sync_session_info(&sync->sess, &info) ? 1 : 0;
	sync_info_free(&info);
out:
	ldap_memfree(oid);
	ber_bvfree(val);
	return rc;
}

/* The search's end: what to do next. */
static enum outcome on_result(struct ldap_sync *sync, LDAPMessage *msg)
{
	LDAPControl **ctrls = NULL, *c;
	struct sync_cookie cookie = {NULL, 0};
	bool deletes = false, has_done = false;
	char *text = NULL;
	int code = LDAP_OTHER;
	enum outcome out;

	if (ldap_parse_result(sync->ld, msg, &code, NULL, &text, NULL, &ctrls, 0) !=
	    LDAP_SUCCESS)
		code = LDAP_OTHER;
	if ((c = sync_find_control(ctrls, SYNC_DONE_OID)) != NULL)
		has_done = sync_done_decode(&c->ldctl_value, &cookie, &deletes) == 0;
	switch (code) {
	case LDAP_SUCCESS:
		/* refreshAndPersist ends only when the server ends it. */
		if (has_done && sync_session_done(&sync->sess, &cookie, deletes))
			ldap_sync_publish(sync, true, false);
		out = OUT_AGAIN;
		break;
	case LDAP_SYNC_REFRESH_REQUIRED:
		msg_info(
		    "ldap sync %s: %s asks for a full refresh (e-syncRefreshRequired)%s",
		    sync->p.name, ldap_sync_uri(sync, sync->uri_i),
		    cookie.len > 0 ? ", from the cookie it gave" : "");
		sync_session_restart(&sync->sess, &cookie);
		sync->reload_hint = true;
		out = OUT_AGAIN;
		break;
	case LDAP_UNWILLING_TO_PERFORM:
		if (sync->sess.cookie.len > 0) {
			msg_warn("ldap sync %s: %s refuses our cookie (%s): its state is "
			         "older than ours (restored from a backup?); full reload",
			         sync->p.name, ldap_sync_uri(sync, sync->uri_i),
			         text != NULL ? text : "unwilling to perform");
			sync_session_restart(&sync->sess, NULL);
			out = OUT_AGAIN;
			break;
		}
		/* fall through */
	default:
		if (code == LDAP_UNAVAILABLE_CRITICAL_EXTENSION) {
			out = OUT_NO_SYNC;
			break;
		}
		ldap_sync_fail(
		    sync,
		    "%s: search under %s: %s (%d)%s%s; the partial set is discarded",
		    ldap_sync_uri(sync, sync->uri_i), sync->p.base, ldap_err2string(code),
		    code, text != NULL && *text ? ": " : "", text != NULL ? text : "");
		out = ldap_conn_broken(code) ? OUT_BROKEN : OUT_ERROR;
		break;
	}
	sync_cookie_free(&cookie);
	ldap_controls_free(ctrls);
	ldap_memfree(text);
	return out;
}

/* Try the URIs before the current one; true when one opened (in next_ld). */
static bool try_failback(struct ldap_sync *sync)
{
	for (size_t i = 0; i < sync->uri_i; i++) {
		LDAP *ld = open_uri(sync, i, true);

		if (ld != NULL) {
			sync->next_ld = ld;
			sync->next_uri_i = i;
			return true;
		}
	}
	return false;
}

struct search_state {
	int msgid;
	int probe_id;   /* the watchdog's outstanding probe, or -1 */
	double last_rx; /* monotonic: the last message received */
	double probe_sent;
	double dirty_since; /* monotonic: first unpublished change; 0: none */
	double next_failback;
};

/* Nothing arrived for a while: probe the connection, and give up on it
 * when the probe goes unanswered. True when the connection is dead. */
static bool watchdog(struct ldap_sync *sync, struct search_state *ss, double now)
{
	char *attrs[2] = {(char *)LDAP_NO_ATTRS, NULL};

	if (ss->probe_id >= 0)
		return now - ss->probe_sent > sync->p.timeout;
	if (now - ss->last_rx < WATCHDOG_IDLE)
		return false;
	if (ldap_search_ext(sync->ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0,
	                    NULL, NULL, NULL, 1, &ss->probe_id) != LDAP_SUCCESS) {
		ss->probe_id = -1;
		return true;
	}
	ss->probe_sent = now;
	return false;
}

/* How long the next ldap_result may wait. */
static double wait_for(const struct ldap_sync *sync, const struct search_state *ss,
                       double now)
{
	double w = WAIT_MAX;

	if (ss->dirty_since > 0) {
		double due =
		    ss->dirty_since +
		    (sync_store_count(sync->sess.store) >= LARGE_SET ? BATCH_LARGE : 0);

		w = due - now;
	}
	return w > 0 ? w : 0;
}

/* One message of the search; OUT_CONTINUE while the search goes on. */
static enum outcome on_message(struct ldap_sync *sync, struct search_state *ss,
                               LDAPMessage *msg)
{
	int r;

	if (ldap_msgid(msg) == ss->probe_id) {
		if (ldap_msgtype(msg) == LDAP_RES_SEARCH_RESULT)
			ss->probe_id = -1;
		return OUT_CONTINUE;
	}
	if (ldap_msgid(msg) != ss->msgid)
		return OUT_CONTINUE;
	switch (ldap_msgtype(msg)) {
	case LDAP_RES_SEARCH_ENTRY:
		if (on_entry(sync, msg) != 0)
			goto malformed;
		set_syncprov(sync, 1);
		break;
	case LDAP_RES_INTERMEDIATE:
		if ((r = on_intermediate(sync, msg)) < 0)
			goto malformed;
		set_syncprov(sync, 1);
		if (r == 1) {
			ldap_sync_publish(sync, true, false);
			ss->dirty_since = 0;
		}
		break;
	case LDAP_RES_SEARCH_RESULT:
		return on_result(sync, msg);
	default:
		break; /* references are not chased */
	}
	if (sync->sess.dirty && sync->sess.complete && !sync->sess.refreshing &&
	    ss->dirty_since == 0)
		ss->dirty_since = monotime_now();
	return OUT_CONTINUE;
malformed:
	ldap_sync_fail(sync, "%s: a malformed content-sync message; reconnecting",
	               ldap_sync_uri(sync, sync->uri_i));
	return OUT_BROKEN;
}

/* One refreshAndPersist search on sync->ld, until it ends. */
static enum outcome sync_search(struct ldap_sync *sync)
{
	struct search_state ss = {.probe_id = -1};
	LDAPControl *ctrl = NULL, *sctrls[2] = {NULL, NULL};
	enum outcome out = OUT_BROKEN;
	int rc;

	if (sync_request_control(SYNC_MODE_REFRESH_AND_PERSIST, &sync->sess.cookie,
	                         sync->reload_hint, &ctrl) != 0) {
		ldap_sync_fail(sync, "cannot encode the sync request control");
		return OUT_ERROR;
	}
	sctrls[0] = ctrl;
	rc = ldap_search_ext(sync->ld, sync->p.base, sync->p.scope, sync->p.filter,
	                     sync->p.attrs, 0, sctrls, NULL, NULL, LDAP_NO_LIMIT,
	                     &ss.msgid);
	sync_control_free(ctrl);
	if (rc != LDAP_SUCCESS) {
		ldap_sync_fail(sync, "%s: sending the sync search: %s",
		               ldap_sync_uri(sync, sync->uri_i),
		               ldap_sync_ld_error(sync->ld, rc));
		return OUT_BROKEN;
	}
	sync->reload_hint = false;
	sync_session_begin(&sync->sess);
	ss.last_rx = monotime_now();
	ss.next_failback = ss.last_rx + FAILBACK_INTERVAL;
	for (;;) {
		double now = monotime_now();
		struct timeval tv = monotime_timeval(wait_for(sync, &ss, now));
		LDAPMessage *msg = NULL;
		int got;

		if (ldap_sync_stopping(sync)) {
			out = OUT_STOP;
			break;
		}
		got = ldap_result(sync->ld, LDAP_RES_ANY, LDAP_MSG_ONE, &tv, &msg);
		now = monotime_now();
		if (got < 0) {
			rc = LDAP_SERVER_DOWN;
			ldap_get_option(sync->ld, LDAP_OPT_RESULT_CODE, &rc);
			ldap_sync_fail(sync, "%s: connection lost: %s",
			               ldap_sync_uri(sync, sync->uri_i),
			               ldap_sync_ld_error(sync->ld, rc));
			out = OUT_BROKEN;
			break;
		}
		if (got > 0) {
			ss.last_rx = now;
			out = on_message(sync, &ss, msg);
			ldap_msgfree(msg);
			if (out != OUT_CONTINUE)
				break;
			if (!sync->sess.refreshing)
				sync->quick_restarts = 0;
		}
		if (ss.dirty_since > 0 && wait_for(sync, &ss, now) <= 0) {
			ldap_sync_publish(sync, false, false);
			ss.dirty_since = 0;
		}
		if (got == 0 && watchdog(sync, &ss, now)) {
			ldap_sync_fail(
			    sync, "%s: no answer for %.0f s (watchdog); reconnecting",
			    ldap_sync_uri(sync, sync->uri_i), now - ss.last_rx);
			out = OUT_BROKEN;
			break;
		}
		if (sync->uri_i > 0 && now >= ss.next_failback &&
		    !sync->sess.refreshing) {
			ss.next_failback = now + FAILBACK_INTERVAL;
			if (try_failback(sync)) {
				out = OUT_FAILBACK;
				break;
			}
		}
	}
	/* Changes applied in the persist stage are complete: publish them
	 * before the connection goes. A refresh cut short is not. */
	if (sync->sess.dirty && sync->sess.complete && !sync->sess.refreshing)
		ldap_sync_publish(sync, false, false);
	if (out == OUT_STOP || out == OUT_FAILBACK)
		ldap_abandon_ext(sync->ld, ss.msgid, NULL, NULL);
	return out;
}

/* --- the thread ------------------------------------------------------ */

static void back_off(struct ldap_sync *sync, double *backoff)
{
	nap(sync, *backoff);
	*backoff = *backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : *backoff * 2;
}

static void count_open(struct ldap_sync *sync)
{
	if (sync->opens++ == 0)
		return;
	pthread_mutex_lock(&sync->lock);
	sync->st.reconnects++;
	pthread_mutex_unlock(&sync->lock);
}

/* The server has no content sync: poll it until it has (every cycle
 * tries the sync search first, so enabling syncprov needs no restart). */
static enum outcome poll_cycle(struct ldap_sync *sync)
{
	set_syncprov(sync, 0);
	if (ldap_sync_poll_once(sync) != 0)
		return OUT_BROKEN;
	return nap(sync, sync->p.poll) ? OUT_STOP : OUT_AGAIN;
}

static void *sync_thread(void *arg)
{
	struct ldap_sync *sync = arg;
	double backoff = BACKOFF_INITIAL;

	while (!ldap_sync_stopping(sync)) {
		enum outcome out;

		if (sync->ld == NULL) {
			if (!connect_any(sync)) {
				back_off(sync, &backoff);
				continue;
			}
			count_open(sync);
		}
		out = sync_search(sync);
		if (out == OUT_NO_SYNC)
			out = poll_cycle(sync);
		switch (out) {
		case OUT_CONTINUE: /* not an end: sync_search never returns it */
		case OUT_STOP:
			break;
		case OUT_AGAIN:
			if (sync->st.syncprov == 0) /* polled: the nap was the wait */
				break;
			if (++sync->quick_restarts > MAX_QUICK_RESTARTS)
				back_off(sync, &backoff);
			else if (sync->sess.complete)
				backoff = BACKOFF_INITIAL;
			break;
		case OUT_FAILBACK:
			msg_info("ldap sync %s: back on %s (preferred to %s)",
			         sync->p.name, ldap_sync_uri(sync, sync->next_uri_i),
			         ldap_sync_uri(sync, sync->uri_i));
			disconnect(sync);
			sync->ld = sync->next_ld;
			sync->uri_i = sync->next_uri_i;
			sync->next_ld = NULL;
			count_open(sync);
			break;
		case OUT_ERROR:
			sync_session_reset(&sync->sess);
			disconnect(sync);
			back_off(sync, &backoff);
			break;
		case OUT_BROKEN:
		case OUT_NO_SYNC:
			disconnect(sync);
			if (sync->sess.complete)
				backoff = BACKOFF_INITIAL;
			back_off(sync, &backoff);
			break;
		}
	}
	disconnect(sync);
	return NULL;
}

/* --- the interface --------------------------------------------------- */

struct ldap_sync *ldap_sync_start(const struct ldap_sync_params *p, const char **error_r)
{
	struct ldap_sync *sync = xcalloc(1, sizeof *sync);
	int rc;

	sync->p = *p;
	pthread_mutex_init(&sync->lock, NULL);
	monotime_cond_init(&sync->cond);
	sync->st.syncprov = -1;
	sync_session_init(&sync->sess);
	strbuf_init(&sync->data);
	if ((rc = pthread_create(&sync->thread, NULL, sync_thread, sync)) != 0) {
		*error_r = error_printf("ldap sync %s: cannot start a thread: %s",
		                        p->name, strerror(rc));
		sync_session_destroy(&sync->sess);
		strbuf_free(&sync->data);
		pthread_cond_destroy(&sync->cond);
		pthread_mutex_destroy(&sync->lock);
		free(sync);
		return NULL;
	}
	return sync;
}

void ldap_sync_stop(struct ldap_sync *sync)
{
	pthread_mutex_lock(&sync->lock);
	sync->stopping = true;
	pthread_cond_broadcast(&sync->cond);
	pthread_mutex_unlock(&sync->lock);
}

void ldap_sync_free(struct ldap_sync *sync)
{
	if (sync == NULL)
		return;
	ldap_sync_stop(sync);
	pthread_join(sync->thread, NULL);
	ldap_conn_close(sync->next_ld);
	sync_session_destroy(&sync->sess);
	strbuf_free(&sync->data);
	pthread_cond_destroy(&sync->cond);
	pthread_mutex_destroy(&sync->lock);
	free(sync);
}

bool ldap_sync_wait_complete(struct ldap_sync *sync, double deadline)
{
	struct timespec until = monotime_timespec(deadline);
	bool done;

	pthread_mutex_lock(&sync->lock);
	while (!sync->st.complete && !sync->stopping &&
	       pthread_cond_timedwait(&sync->cond, &sync->lock, &until) != ETIMEDOUT)
		;
	done = sync->st.complete;
	pthread_mutex_unlock(&sync->lock);
	return done;
}

void ldap_sync_get_stats(struct ldap_sync *sync, struct ldap_sync_stats *st_r)
{
	pthread_mutex_lock(&sync->lock);
	*st_r = sync->st;
	st_r->age = sync->last_change > 0 ? monotime_now() - sync->last_change : -1;
	pthread_mutex_unlock(&sync->lock);
}
