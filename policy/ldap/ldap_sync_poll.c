/*
 * ldap_sync_poll: the sync consumer's poll mode, for a server without
 * content sync (no syncprov overlay): a full reload, page by page (paged
 * results, RFC 2696), into a fresh set that is published only when the
 * last page arrived. Entry point: ldap_sync_poll_once (ldap_sync_int.h),
 * called by the sync thread every ldap.sync_poll seconds. A failed or
 * partial reload is discarded; the published set stays.
 */
#include "config.h"

#include <string.h>

#include "lib/monotime.h"
#include "policy/ldap/ldap_sync_int.h"

#define POLL_PAGE 1000 /* entries per page */

struct poll_page {
	struct berval *cookie; /* the paged-results cookie; NULL or empty: last page */
	int code;
};

/* One page of the paged search; 0, or -1 when it failed (logged). */
static int poll_page(struct ldap_sync *sync, struct poll_page *pg)
{
	LDAPControl *pctrl = NULL, *sctrls[2] = {NULL, NULL}, **rctrls = NULL, *c;
	struct berval empty = {0, NULL};
	double deadline = monotime_now() + 10 * sync->p.timeout;
	LDAPMessage *msg = NULL;
	int msgid, rc, done = 0;

	rc = ldap_create_page_control(
	    sync->ld, POLL_PAGE, pg->cookie != NULL ? pg->cookie : &empty, 0, &pctrl);
	ber_bvfree(pg->cookie);
	pg->cookie = NULL;
	if (rc != LDAP_SUCCESS)
		goto failed;
	sctrls[0] = pctrl;
	rc = ldap_search_ext(sync->ld, sync->p.base, sync->p.scope, sync->p.filter,
	                     sync->p.attrs, 0, sctrls, NULL, NULL, LDAP_NO_LIMIT, &msgid);
	ldap_control_free(pctrl);
	while (rc == LDAP_SUCCESS && !done) {
		struct timeval tv = monotime_timeval(
		    deadline - monotime_now() > 0 ? deadline - monotime_now() : 0);
		int got = ldap_result(sync->ld, msgid, LDAP_MSG_ONE, &tv, &msg);

		if (got <= 0) {
			rc = got == 0 ? LDAP_TIMEOUT : LDAP_SERVER_DOWN;
			if (got == 0)
				ldap_abandon_ext(sync->ld, msgid, NULL, NULL);
			break;
		}
		if (ldap_msgtype(msg) == LDAP_RES_SEARCH_ENTRY) {
			struct sync_uuid key;

			/* Every poll rebuilds the set: a counter is key enough. */
			memset(&key, 0, sizeof key);
			sync->next_poll_key++;
			memcpy(key.b, &sync->next_poll_key, sizeof sync->next_poll_key);
			strbuf_reset(&sync->data);
			sync->p.kind.keep(sync->p.kind.ctx, sync->ld, msg, &sync->data);
			sync_store_put(sync->sess.store, &key, sync->data.data,
			               sync->data.len);
		} else if (ldap_msgtype(msg) == LDAP_RES_SEARCH_RESULT) {
			done = 1;
			if (ldap_parse_result(sync->ld, msg, &pg->code, NULL, NULL, NULL,
			                      &rctrls, 0) != LDAP_SUCCESS)
				pg->code = LDAP_OTHER;
			rc = pg->code;
			c = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL);
			if (c != NULL) {
				struct berval pc = {0, NULL};
				ber_int_t count;

				if (ldap_parse_pageresponse_control(
				        sync->ld, c, &count, &pc) == LDAP_SUCCESS &&
				    pc.bv_len > 0)
					pg->cookie = ber_bvdup(&pc);
				ber_memfree(pc.bv_val);
			}
			ldap_controls_free(rctrls);
		}
		ldap_msgfree(msg);
		msg = NULL;
	}
	if (rc == LDAP_SUCCESS)
		return 0;
failed:
	ldap_sync_fail(sync, "%s: polling %s: %s; the partial set is discarded",
	               ldap_sync_uri(sync, sync->uri_i), sync->p.base,
	               ldap_sync_ld_error(sync->ld, rc));
	ber_bvfree(pg->cookie);
	pg->cookie = NULL;
	return -1;
}

int ldap_sync_poll_once(struct ldap_sync *sync)
{
	struct poll_page pg = {NULL, LDAP_SUCCESS};

	sync_session_reset(&sync->sess);
	do {
		if (poll_page(sync, &pg) != 0 || ldap_sync_stopping(sync)) {
			sync_session_reset(&sync->sess);
			return -1;
		}
	} while (pg.cookie != NULL);
	sync->sess.complete = true;
	ldap_sync_publish(sync, true, true);
	return 0;
}
