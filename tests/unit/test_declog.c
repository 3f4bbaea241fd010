/*
 * test_declog: the decision log line formats of SPEC §4: field order,
 * quoting, escaping (no forged lines), JSON validity of the shape.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "milter/declog.h"
#include "milter/stats.h"
#include "tests/unit/tap.h"

struct row {
	struct declog_entry e;
	const char *kv;
	const char *json;
};

static const struct row rows[] = {
    {{"S1", NULL, "203.0.113.5", "mx.example.net", "mx.example.net", NULL,
      "<a@example.net>", "<b@example.com>", "reject", "unauth-relay", "static", 0.25,
      NULL, NULL},
     "session=S1 qid=- client_addr=203.0.113.5 client_name=mx.example.net "
     "helo=mx.example.net auth=- from=<a@example.net> rcpt=<b@example.com> action=reject "
     "reason=unauth-relay source=static ms=0.250 login=-",
     "{\"time\":\"T\",\"session\":\"S1\",\"qid\":\"-\",\"client_addr\":\"203.0.113.5\","
     "\"client_name\":\"mx.example.net\",\"helo\":\"mx.example.net\",\"auth\":\"-\","
     "\"from\":\"<a@example.net>\",\"rcpt\":\"<b@example.com>\",\"action\":\"reject\","
     "\"reason\":\"unauth-relay\",\"source\":\"static\",\"ms\":0.250,\"login\":\"-\"}"},
    {{"S2", "4ABC", "::1", "localhost", "my helo", "alice", "<>", "<b@example.com>",
      "accept", "authenticated", "-", 1.5, "alice@example.org", NULL},
     "session=S2 qid=4ABC client_addr=::1 client_name=localhost helo=\"my helo\" "
     "auth=alice "
     "from=<> rcpt=<b@example.com> action=accept reason=authenticated source=- ms=1.500 "
     "login=alice@example.org",
     "{\"time\":\"T\",\"session\":\"S2\",\"qid\":\"4ABC\",\"client_addr\":\"::1\","
     "\"client_name\":\"localhost\",\"helo\":\"my "
     "helo\",\"auth\":\"alice\",\"from\":\"<>\","
     "\"rcpt\":\"<b@example.com>\",\"action\":\"accept\",\"reason\":\"authenticated\","
     "\"source\":\"-\",\"ms\":1.500,\"login\":\"alice@example.org\"}"},
    {{"S3", NULL, "203.0.113.5", NULL, "x\r\nsession=evil", NULL,
      "<a@x>\nsession=S9 action=accept", "<\"q\\\"x\"@y>", "would-reject", "unauth-relay",
      "ldap", 0, "x\"y=z", NULL},
     "session=S3 qid=- client_addr=203.0.113.5 client_name=- "
     "helo=\"x\\x0d\\x0asession=evil\" "
     "auth=- from=\"<a@x>\\x0asession=S9 action=accept\" rcpt=\"<\\\"q\\\\\\\"x\\\"@y>\" "
     "action=would-reject reason=unauth-relay source=ldap ms=0.000 login=\"x\\\"y=z\"",
     "{\"time\":\"T\",\"session\":\"S3\",\"qid\":\"-\",\"client_addr\":\"203.0.113.5\","
     "\"client_name\":null,\"helo\":\"x\\u000d\\u000asession=evil\",\"auth\":\"-\","
     "\"from\":\"<a@x>\\u000asession=S9 "
     "action=accept\",\"rcpt\":\"<\\\"q\\\\\\\"x\\\"@y>\","
     "\"action\":\"would-reject\",\"reason\":\"unauth-relay\",\"source\":\"ldap\",\"ms\":"
     "0.000,\"login\":\"x\\\"y=z\"}"},
    {{"S4", "5DEF", "203.0.113.9", NULL, "h", "alice", "<>", "<c@example.net>",
      "tempfail", "rate-limit", "limits", 0.5, "alice@example.org", "login-rcpt-hour"},
     "session=S4 qid=5DEF client_addr=203.0.113.9 client_name=- helo=h auth=alice "
     "from=<> rcpt=<c@example.net> action=tempfail reason=rate-limit source=limits "
     "ms=0.500 login=alice@example.org limit=login-rcpt-hour",
     "{\"time\":\"T\",\"session\":\"S4\",\"qid\":\"5DEF\",\"client_addr\":"
     "\"203.0.113.9\",\"client_name\":null,\"helo\":\"h\",\"auth\":\"alice\","
     "\"from\":\"<>\",\"rcpt\":\"<c@example.net>\",\"action\":\"tempfail\","
     "\"reason\":\"rate-limit\",\"source\":\"limits\",\"ms\":0.500,"
     "\"login\":\"alice@example.org\",\"limit\":\"login-rcpt-hour\"}"},
};

START_TEST(t_rows)
{
	struct strbuf a = STRBUF_INIT;

	strbuf_init(&a);
	declog_format_kv(&a, &rows[_i].e);
	ck_assert_str_eq(a.data, rows[_i].kv);
	ck_assert_ptr_null(strchr(a.data, '\n'));
	strbuf_reset(&a);
	declog_format_json(&a, &rows[_i].e, "T");
	ck_assert_str_eq(a.data, rows[_i].json);
	ck_assert_ptr_null(strchr(a.data, '\n'));
	strbuf_free(&a);
}
END_TEST

START_TEST(t_summary)
{
	struct declog_summary s = {"S1", "4ABC", "203.0.113.5", NULL, "<a@x>", "eom", 2,
	                           1,    0,      false,         0,    0};
	struct strbuf a = STRBUF_INIT;

	strbuf_init(&a);
	declog_format_summary_kv(&a, &s);
	ck_assert_str_eq(a.data,
	                 "session=S1 qid=4ABC client_addr=203.0.113.5 auth=- from=<a@x> "
	                 "end=eom accepted=2 rejected=1 tempfailed=0");
	strbuf_reset(&a);
	declog_format_summary_json(&a, &s, "T");
	ck_assert_str_eq(
	    a.data, "{\"time\":\"T\",\"session\":\"S1\",\"qid\":\"4ABC\","
	            "\"client_addr\":\"203.0.113.5\",\"auth\":\"-\",\"from\":\"<a@x>\","
	            "\"end\":\"eom\",\"accepted\":2,\"rejected\":1,\"tempfailed\":0}");
	/* Report mode: what the policy would have refused is counted apart. */
	s.report = true;
	s.would_reject = 3;
	s.would_tempfail = 1;
	strbuf_reset(&a);
	declog_format_summary_kv(&a, &s);
	ck_assert_str_eq(a.data,
	                 "session=S1 qid=4ABC client_addr=203.0.113.5 auth=- from=<a@x> "
	                 "end=eom accepted=2 rejected=1 tempfailed=0 would_reject=3 "
	                 "would_tempfail=1");
	strbuf_reset(&a);
	declog_format_summary_json(&a, &s, "T");
	ck_assert_ptr_nonnull(strstr(a.data, ",\"tempfailed\":0,\"would_reject\":3,"
	                                     "\"would_tempfail\":1}"));
	strbuf_free(&a);
}
END_TEST

/* The ms field is formatted without printf: it must read as "%.3f" does,
 * for every value a decision can take and for the odd ones too. */
static const double ms_rows[] = {0,      1e-7,     0.0004,    0.25,         0.9994, 1.5,
                                 59.999, 999.9994, 5000.25,   1e11 + 0.125, 1e12,   3e15,
                                 -1,     -0.0002,  1.0 / 0.0, -1.0 / 0.0};

static void ms_field(double ms, char *out, size_t size)
{
	struct declog_entry e = {"S",      NULL, "::1",   NULL,     "h",
	                         NULL,     "<>", "<b@x>", "accept", "local-domain",
	                         "static", ms,   NULL,    NULL};
	struct strbuf a = STRBUF_INIT;
	const char *p;

	strbuf_init(&a);
	declog_format_kv(&a, &e);
	p = strstr(a.data, " ms=");
	ck_assert_ptr_nonnull(p);
	snprintf(out, size, "%.*s", (int)strcspn(p + 4, " "), p + 4);
	strbuf_free(&a);
}

START_TEST(t_ms_format)
{
	char got[64], want[64];

	ms_field(ms_rows[_i], got, sizeof got);
	snprintf(want, sizeof want, "%.3f", ms_rows[_i]);
	ck_assert_str_eq(got, want);
}
END_TEST

START_TEST(t_ms_sweep)
{
	char got[64], want[64];
	int k;

	/* Every microsecond value up to 10 s, a fraction of a microsecond
	 * off the half-way point where printf rounds to even. */
	for (k = 0; k < 10000000; k += 997) {
		double ms = k / 1000.0 + 0.0002;

		ms_field(ms, got, sizeof got);
		snprintf(want, sizeof want, "%.3f", ms);
		ck_assert_str_eq(got, want);
	}
}
END_TEST

START_TEST(t_stats_prometheus)
{
	struct strbuf a = STRBUF_INIT;

	stats_record(STATS_REJECT, REASON_UNAUTH_RELAY, SRC_STATIC, 0.3);
	stats_record(STATS_REJECT, REASON_UNAUTH_RELAY, SRC_STATIC, 7);
	stats_record(STATS_ACCEPT, REASON_AUTHENTICATED, SRC_NONE, 20000);
	strbuf_init(&a);
	stats_format_prometheus(&a);
	ck_assert_ptr_nonnull(strstr(a.data, "relaymilter_decisions_total{action="
	                                     "\"reject\",reason=\"unauth-relay\"} 2\n"));
	ck_assert_ptr_nonnull(
	    strstr(a.data, "relaymilter_decision_seconds_bucket{le=\"0.0005\"} 1\n"));
	ck_assert_ptr_nonnull(
	    strstr(a.data, "relaymilter_decision_seconds_bucket{le=\"0.01\"} 2\n"));
	ck_assert_ptr_nonnull(
	    strstr(a.data, "relaymilter_decision_seconds_bucket{le=\"+Inf\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(a.data, "relaymilter_decision_seconds_count 3\n"));
	strbuf_free(&a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("declog");
	TCase *tc = tcase_create("rows");

	tcase_add_loop_test(tc, t_rows, 0, N_ROWS(rows));
	tcase_add_test(tc, t_summary);
	tcase_add_loop_test(tc, t_ms_format, 0, N_ROWS(ms_rows));
	tcase_add_test(tc, t_ms_sweep);
	tcase_add_test(tc, t_stats_prometheus);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
