/*
 * ldap_conn: open one LDAP handle safely, and search with a deadline.
 *
 * Entry points: ldap_conn_global_init, ldap_conn_open, ldap_conn_search,
 * ldap_conn_broken, ldap_conn_close. The caller owns the handle and closes
 * it. Every failure comes back as an LDAP result code and a line in the
 * caller's error buffer; the bind password never appears in it.
 *
 * Nothing here waits without a bound: the connect is bounded by
 * LDAP_OPT_NETWORK_TIMEOUT, and every operation (bind, StartTLS, search) is
 * sent asynchronously and collected with ldap_result and a timeval cut to
 * the caller's deadline; when it fires, the operation is abandoned
 * (Postfix's dict_ldap.c does the same).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/error.h"
#include "policy/ldap/ldap_conn.h"
#include "lib/monotime.h"

#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init_once(void)
{
	/* libldap reads ./ldaprc, ~/.ldaprc, /etc/ldap/ldap.conf and LDAP*
	 * variables on its first call unless LDAPNOINIT is set: nothing
	 * from there may loosen TLS checks or redirect us. */
	setenv("LDAPNOINIT", "1", 1);
	/* libldap sets its global options up on its first call, without a
	 * lock of its own around that: make the first call here, once, so
	 * that threads opening their first handles at the same moment (the
	 * sync threads of one directory) do not race in it (TSan saw it). */
	{
		int version = 0;

		ldap_get_option(NULL, LDAP_OPT_PROTOCOL_VERSION, &version);
	}
}

void ldap_conn_global_init(void)
{
	pthread_once(&global_once, global_init_once);
}

/* Seconds left until DEADLINE, at most CAP. */
static double remaining(double deadline, double cap)
{
	double left = deadline - monotime_now();

	if (left > cap)
		left = cap;
	return left > 0 ? left : 0;
}

/* Append "WHAT: error text (rc)[: diagnostic]" for LD's last error. */
static void append_error(struct strbuf *err, LDAP *ld, const char *what, int rc)
{
	char *diag = NULL;

	if (*what != '\0')
		strbuf_appendf(err, "%s: ", what);
	strbuf_appendf(err, "%s (%d)", ldap_err2string(rc), rc);
	if (ld != NULL &&
	    ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) == LDAP_OPT_SUCCESS &&
	    diag != NULL) {
		if (*diag != '\0')
			strbuf_appendf(err, ": %s", diag);
		ldap_memfree(diag);
	}
}

/* libldap (GnuTLS) often reports a refused certificate only as "(unknown
 * error code)": say what the admin should look at. */
static void append_tls_hint(struct strbuf *err, const struct ldap_conn_params *p)
{
	strbuf_appendf(err,
	               " [TLS handshake failed: the server certificate is not "
	               "signed by %s, does not name the host of the URI, or the "
	               "server's TLS setup is broken]",
	               p->tls_ca_file != NULL ? p->tls_ca_file : "a system CA");
}

/* Did the last failure on LD leave a diagnostic (TLS sets one, a refused
 * TCP connection does not)? */
static bool has_diagnostic(LDAP *ld)
{
	char *diag = NULL;
	bool has;

	if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) != LDAP_OPT_SUCCESS)
		return false;
	has = diag != NULL && *diag != '\0';
	ldap_memfree(diag);
	return has;
}

/* The code of LD's last error (after an API call returned -1 or 0). */
static int last_error(LDAP *ld)
{
	int rc = LDAP_OTHER;

	ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
	return rc == LDAP_SUCCESS ? LDAP_OTHER : rc;
}

/* Timeouts and protocol options; the TLS ones only when TLS is used: a
 * TLS context loads the whole CA bundle (a few hundred kB of allocations
 * per connection), which a plain ldap:// reconnect has no use for. */
static int set_options(LDAP *ld, const struct ldap_conn_params *p, double deadline,
                       bool use_tls)
{
	int version = LDAP_VERSION3;
	int demand = LDAP_OPT_X_TLS_DEMAND;
	int is_server = 0;
	struct timeval net = monotime_timeval(remaining(deadline, p->timeout));
	struct timeval op = monotime_timeval(p->timeout);
	const char *ca = p->tls_ca_file;

	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) !=
	        LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &net) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &op) != LDAP_OPT_SUCCESS)
		return LDAP_LOCAL_ERROR;
	if (!use_tls)
		return LDAP_SUCCESS;
	if (ca == NULL && access(SYSTEM_CA_BUNDLE, R_OK) == 0)
		ca = SYSTEM_CA_BUNDLE;
	if (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS)
		return LDAP_LOCAL_ERROR;
	if (ca != NULL &&
	    ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, ca) != LDAP_OPT_SUCCESS)
		return LDAP_LOCAL_ERROR;
	/* A TLS context of this handle's own, built from the options above
	 * rather than inherited from libldap's global defaults. */
	if (ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &is_server) != LDAP_OPT_SUCCESS)
		return LDAP_LOCAL_ERROR;
	return LDAP_SUCCESS;
}

/* Wait for the result of MSGID until DEADLINE; abandon it on timeout.
 * Returns LDAP_SUCCESS with *RES_R set, or an error code. */
static int wait_result(LDAP *ld, int msgid, double deadline, double cap,
                       LDAPMessage **res_r)
{
	struct timeval tv = monotime_timeval(remaining(deadline, cap));
	int rc;

	*res_r = NULL;
	rc = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, res_r);
	if (rc > 0)
		return LDAP_SUCCESS;
	if (rc == 0) {
		ldap_abandon_ext(ld, msgid, NULL, NULL);
		return LDAP_TIMEOUT;
	}
	return last_error(ld);
}

static int start_tls(LDAP *ld, const struct ldap_conn_params *p, double deadline,
                     struct strbuf *err)
{
	LDAPMessage *res = NULL;
	int msgid, rc, code = LDAP_OTHER;

	rc = ldap_extended_operation(ld, LDAP_EXOP_START_TLS, NULL, NULL, NULL, &msgid);
	if (rc == LDAP_SUCCESS)
		rc = wait_result(ld, msgid, deadline, p->timeout, &res);
	if (rc == LDAP_SUCCESS &&
	    ldap_parse_result(ld, res, &code, NULL, NULL, NULL, NULL, 0) != LDAP_SUCCESS)
		rc = LDAP_OTHER;
	else if (rc == LDAP_SUCCESS)
		rc = code;
	ldap_msgfree(res);
	if (rc != LDAP_SUCCESS) {
		append_error(err, ld, "StartTLS refused", rc);
		return rc;
	}
	rc = ldap_install_tls(ld);
	if (rc != LDAP_SUCCESS) {
		append_error(err, ld, "StartTLS", rc);
		append_tls_hint(err, p);
	}
	return rc;
}

static int simple_bind(LDAP *ld, const struct ldap_conn_params *p, double deadline,
                       struct strbuf *err)
{
	struct berval cred = {0, NULL};
	LDAPMessage *res = NULL;
	int msgid, rc, code = LDAP_OTHER;

	if (p->bind_dn != NULL && p->bind_password != NULL) {
		cred.bv_val = (char *)p->bind_password;
		cred.bv_len = strlen(p->bind_password);
	}
	rc = ldap_sasl_bind(ld, p->bind_dn != NULL ? p->bind_dn : "", LDAP_SASL_SIMPLE,
	                    &cred, NULL, NULL, &msgid);
	if (rc == LDAP_SUCCESS)
		rc = wait_result(ld, msgid, deadline, p->timeout, &res);
	if (rc == LDAP_SUCCESS &&
	    ldap_parse_result(ld, res, &code, NULL, NULL, NULL, NULL, 0) != LDAP_SUCCESS)
		rc = LDAP_OTHER;
	else if (rc == LDAP_SUCCESS)
		rc = code;
	ldap_msgfree(res);
	if (rc != LDAP_SUCCESS) {
		strbuf_appendf(
		    err, "bind as %s: ", p->bind_dn != NULL ? p->bind_dn : "anonymous");
		append_error(err, ld, "", rc);
	}
	return rc;
}

static LDAP *conn_open(const char *uri, const struct ldap_conn_params *p, double deadline,
                       struct ldap_conn_info *info_r, struct strbuf *err)
{
	LDAP *ld = NULL;
	double start = monotime_now();
	int rc;

	ldap_conn_global_init();
	memset(info_r, 0, sizeof *info_r);
	rc = ldap_initialize(&ld, uri);
	if (rc != LDAP_SUCCESS) {
		append_error(err, NULL, "bad URI", rc);
		return NULL;
	}
	info_r->tls = strncasecmp(uri, "ldaps:", 6) == 0;
	rc = set_options(ld, p, deadline, info_r->tls || p->starttls);
	if (rc != LDAP_SUCCESS) {
		append_error(err, ld, "setting TLS and timeout options", rc);
		goto fail;
	}
	/* Connect (and, for ldaps://, shake hands) now, so that a failure
	 * is reported as what it is rather than as a failed bind. */
	rc = ldap_connect(ld);
	if (rc != LDAP_SUCCESS) {
		bool tls_failed = info_r->tls && has_diagnostic(ld);

		append_error(err, ld, "connect", rc);
		if (tls_failed)
			append_tls_hint(err, p);
		goto fail;
	}
	if (p->starttls && !info_r->tls) {
		if (start_tls(ld, p, deadline, err) != LDAP_SUCCESS)
			goto fail;
		info_r->tls = true;
	}
	/* Bind even anonymously: it is what makes the connection (and the
	 * ldaps:// handshake) happen now, inside our deadline. */
	if (simple_bind(ld, p, deadline, err) != LDAP_SUCCESS)
		goto fail;
	info_r->bound = p->bind_dn != NULL;
	info_r->ms = (monotime_now() - start) * 1000;
	strbuf_reset(err);
	return ld;
fail:
	ldap_unbind_ext(ld, NULL, NULL);
	return NULL;
}

/* Handle one message of a search; returns 1 when the search is done. */
static int search_message(LDAP *ld, LDAPMessage *msg, ldap_entry_fn fn, void *ctx,
                          int *n_entries_r, int *rc_r)
{
	int code = LDAP_OTHER;

	switch (ldap_msgtype(msg)) {
	case LDAP_RES_SEARCH_ENTRY:
		(*n_entries_r)++;
		if (fn != NULL)
			fn(ctx, ld, msg);
		return 0;
	case LDAP_RES_SEARCH_REFERENCE:
		return 0; /* referrals are not chased */
	case LDAP_RES_SEARCH_RESULT:
		if (ldap_parse_result(ld, msg, &code, NULL, NULL, NULL, NULL, 0) !=
		    LDAP_SUCCESS)
			code = LDAP_OTHER;
		*rc_r = code;
		return 1;
	default:
		*rc_r = LDAP_OTHER;
		return 1;
	}
}

static int conn_search(LDAP *ld, const char *base, int scope, const char *filter,
                       char **attrs, int sizelimit, double deadline, ldap_entry_fn fn,
                       void *ctx, int *n_entries_r, struct strbuf *err)
{
	LDAPMessage *msg = NULL;
	int msgid, rc, done = 0;

	*n_entries_r = 0;
	/* No server-side time limit: our own deadline governs, below. */
	rc = ldap_search_ext(ld, base, scope, filter, attrs, 0, NULL, NULL, NULL,
	                     sizelimit, &msgid);
	while (rc == LDAP_SUCCESS && !done) {
		struct timeval tv = monotime_timeval(remaining(deadline, 3600));
		int got = ldap_result(ld, msgid, LDAP_MSG_ONE, &tv, &msg);

		if (got == 0) {
			ldap_abandon_ext(ld, msgid, NULL, NULL);
			rc = LDAP_TIMEOUT;
		} else if (got < 0) {
			rc = last_error(ld);
		} else {
			done = search_message(ld, msg, fn, ctx, n_entries_r, &rc);
			if (done && rc == LDAP_SUCCESS)
				break;
		}
		ldap_msgfree(msg);
		msg = NULL;
	}
	ldap_msgfree(msg);
	if (rc == LDAP_SIZELIMIT_EXCEEDED && *n_entries_r > 0)
		return rc;
	if (rc != LDAP_SUCCESS)
		append_error(err, rc == LDAP_TIMEOUT ? NULL : ld, "search", rc);
	return rc;
}

bool ldap_conn_broken(int rc)
{
	switch (rc) {
	case LDAP_SERVER_DOWN:
	case LDAP_CONNECT_ERROR:
	case LDAP_TIMEOUT:
	case LDAP_UNAVAILABLE:
	case LDAP_BUSY:
	case LDAP_LOCAL_ERROR:
	case LDAP_ENCODING_ERROR:
	case LDAP_DECODING_ERROR:
	case LDAP_PROTOCOL_ERROR:
	case LDAP_OTHER:
		return true;
	default:
		return false;
	}
}

void ldap_conn_close(LDAP *ld)
{
	if (ld != NULL)
		ldap_unbind_ext(ld, NULL, NULL);
}

LDAP *ldap_conn_open(const char *uri, const struct ldap_conn_params *p, double deadline,
                     struct ldap_conn_info *info_r, const char **error_r)
{
	struct strbuf err;
	LDAP *ld;

	strbuf_init(&err);
	if ((ld = conn_open(uri, p, deadline, info_r, &err)) == NULL)
		*error_r = error_copy(err.data);
	strbuf_free(&err);
	return ld;
}

int ldap_conn_search(LDAP *ld, const char *base, int scope, const char *filter,
                     char **attrs, int sizelimit, double deadline, ldap_entry_fn fn,
                     void *ctx, int *n_entries_r, const char **error_r)
{
	struct strbuf err;
	int rc;

	strbuf_init(&err);
	rc = conn_search(ld, base, scope, filter, attrs, sizelimit, deadline, fn, ctx,
	                 n_entries_r, &err);
	if (err.len > 0)
		*error_r = error_copy(err.data);
	strbuf_free(&err);
	return rc;
}
