/*
 * declog: decision log formatting and output. Entry points in declog.h.
 * Formatting is pure (unit-tested); output goes through lib/log for syslog
 * and one write(2) per line to the JSON file opened O_APPEND, so concurrent
 * sessions never interleave within a line. A failed JSON write is reported
 * (rate-limited) and never affects the decision.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/escape.h"
#include "lib/log.h"
#include "milter/declog.h"

/* " KEY=" (no space at the start of the line). */
static void put_key(struct strbuf *out, const char *key)
{
	if (out->len > 0)
		strbuf_putc(out, ' ');
	strbuf_puts(out, key);
	strbuf_putc(out, '=');
}

static void kv(struct strbuf *out, const char *key, const char *value)
{
	put_key(out, key);
	escape_log_value(out, value);
}

/* KEY=VALUE for a value of ours (a generated session id, a name from our
 * own tables): no byte of it came from the network, so it is copied as it
 * is, saving the escaper's scan on four fields of every line. */
static void kv_ours(struct strbuf *out, const char *key, const char *value)
{
	put_key(out, key);
	strbuf_puts(out, value != NULL && value[0] != '\0' ? value : "-");
}

/* The string fields of a decision line, in SPEC §4 order (ms follows).
 * DASH: an empty value is written "-" in JSON too (qid, auth). */
static const struct {
	const char *name;
	size_t off;
	bool dash;
	bool ours; /* never from the network: not escaped in key=value lines */
} entry_fields[] = {
    {"session", offsetof(struct declog_entry, session), false, true},
    {"qid", offsetof(struct declog_entry, qid), true, false},
    {"client_addr", offsetof(struct declog_entry, client_addr), false, false},
    {"client_name", offsetof(struct declog_entry, client_name), false, false},
    {"helo", offsetof(struct declog_entry, helo), false, false},
    {"auth", offsetof(struct declog_entry, auth), true, false},
    {"from", offsetof(struct declog_entry, from), false, false},
    {"rcpt", offsetof(struct declog_entry, rcpt), false, false},
    {"action", offsetof(struct declog_entry, action), false, true},
    {"reason", offsetof(struct declog_entry, reason), false, true},
    {"source", offsetof(struct declog_entry, source), false, true},
};
#define N_ENTRY_FIELDS (sizeof entry_fields / sizeof entry_fields[0])

static const char *entry_field(const struct declog_entry *e, size_t i)
{
	const char *v = *(const char *const *)((const char *)e + entry_fields[i].off);

	return (entry_fields[i].dash && (v == NULL || v[0] == '\0')) ? "-" : v;
}

/* Append MS as "%.3f" would, without printf for the usual values. */
static void put_ms(struct strbuf *out, double ms)
{
	unsigned long long us;

	if (!(ms >= 0 && ms < 1e12)) { /* negative, huge or NaN: printf's way */
		strbuf_appendf(out, "%.3f", ms);
		return;
	}
	us = (unsigned long long)(ms * 1000.0 + 0.5);
	strbuf_put_uint(out, us / 1000);
	strbuf_putc(out, '.');
	strbuf_putc(out, (char)('0' + us / 100 % 10));
	strbuf_putc(out, (char)('0' + us / 10 % 10));
	strbuf_putc(out, (char)('0' + us % 10));
}

/* KEY=N for a number of ours (nothing to escape). */
static void kv_uint(struct strbuf *out, const char *key, unsigned long long n)
{
	put_key(out, key);
	strbuf_put_uint(out, n);
}

void declog_format_kv(struct strbuf *out, const struct declog_entry *e)
{
	for (size_t i = 0; i < N_ENTRY_FIELDS; i++)
		(entry_fields[i].ours ? kv_ours : kv)(out, entry_fields[i].name,
		                                      entry_field(e, i));
	put_key(out, "ms");
	put_ms(out, e->ms);
	kv(out, "login", e->login != NULL && *e->login ? e->login : "-");
	if (e->limit != NULL)
		kv_ours(out, "limit", e->limit);
}

void declog_format_json(struct strbuf *out, const struct declog_entry *e,
                        const char *time)
{
	strbuf_putc(out, '{');
	escape_json_member(out, "time", time);
	for (size_t i = 0; i < N_ENTRY_FIELDS; i++)
		escape_json_member(out, entry_fields[i].name, entry_field(e, i));
	strbuf_puts(out, ",\"ms\":");
	put_ms(out, e->ms);
	escape_json_member(out, "login", e->login != NULL && *e->login ? e->login : "-");
	if (e->limit != NULL)
		escape_json_member(out, "limit", e->limit);
	strbuf_putc(out, '}');
}

void declog_format_summary_kv(struct strbuf *out, const struct declog_summary *s)
{
	kv_ours(out, "session", s->session);
	kv(out, "qid", s->qid);
	kv(out, "client_addr", s->client_addr);
	kv(out, "auth", s->auth);
	kv(out, "from", s->from);
	kv_ours(out, "end", s->end);
	kv_uint(out, "accepted", s->accepted);
	kv_uint(out, "rejected", s->rejected);
	kv_uint(out, "tempfailed", s->tempfailed);
	if (s->report) {
		kv_uint(out, "would_reject", s->would_reject);
		kv_uint(out, "would_tempfail", s->would_tempfail);
	}
}

void declog_format_summary_json(struct strbuf *out, const struct declog_summary *s,
                                const char *time)
{
	strbuf_putc(out, '{');
	escape_json_member(out, "time", time);
	escape_json_member(out, "session", s->session);
	escape_json_member(out, "qid", s->qid && s->qid[0] ? s->qid : "-");
	escape_json_member(out, "client_addr", s->client_addr);
	escape_json_member(out, "auth", s->auth && s->auth[0] ? s->auth : "-");
	escape_json_member(out, "from", s->from);
	escape_json_member(out, "end", s->end);
	strbuf_appendf(out, ",\"accepted\":%u,\"rejected\":%u,\"tempfailed\":%u",
	               s->accepted, s->rejected, s->tempfailed);
	if (s->report)
		strbuf_appendf(out, ",\"would_reject\":%u,\"would_tempfail\":%u",
		               s->would_reject, s->would_tempfail);
	strbuf_putc(out, '}');
}

static void now_iso8601(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03dZ", (int)(ts.tv_nsec / 1000000));
}

static void json_write(int fd, struct strbuf *line)
{
	static time_t last_complaint; /* rate limit: one complaint a second */
	ssize_t n;

	strbuf_putc(line, '\n');
	n = write(fd, line->data, line->len);
	if (n != (ssize_t)line->len) {
		time_t now = time(NULL);

		if (__atomic_exchange_n(&last_complaint, now, __ATOMIC_RELAXED) != now) {
			msg_error("JSON decision log: write failed: %s",
			          n < 0 ? strerror(errno) : "short write");
		}
	}
}

/* Emit one record: its key=value form to syslog/stderr, its JSON form to
 * the JSON log. The JSON formatter runs only when there is a JSON log. */
static void emit(int json_fd, const void *rec,
                 void (*fmt_kv)(struct strbuf *, const void *),
                 void (*fmt_json)(struct strbuf *, const void *, const char *))
{
	struct strbuf line = STRBUF_INIT;
	char time[40];

	strbuf_init_size(&line, 512); /* a whole line, as a rule: no realloc */
	fmt_kv(&line, rec);
	log_raw_info(line.data);
	if (json_fd >= 0) {
		now_iso8601(time, sizeof time);
		strbuf_reset(&line);
		fmt_json(&line, rec, time);
		json_write(json_fd, &line);
	}
	strbuf_free(&line);
}

static void entry_kv(struct strbuf *out, const void *rec)
{
	declog_format_kv(out, rec);
}

static void entry_json(struct strbuf *out, const void *rec, const char *time)
{
	declog_format_json(out, rec, time);
}

static void summary_kv(struct strbuf *out, const void *rec)
{
	declog_format_summary_kv(out, rec);
}

static void summary_json(struct strbuf *out, const void *rec, const char *time)
{
	declog_format_summary_json(out, rec, time);
}

void declog_write(const struct declog_entry *e, int json_fd)
{
	emit(json_fd, e, entry_kv, entry_json);
}

void declog_write_summary(const struct declog_summary *s, int json_fd)
{
	emit(json_fd, s, summary_kv, summary_json);
}
