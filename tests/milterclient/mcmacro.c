/*
 * mcmacro: macro values and per-stage macro lists for the milter client.
 * Entry points in mcmacro.h. Allocation failure exits (xalloc); nothing else
 * fails. The caller owns the struct; names and values are copied.
 *
 * Presets were checked against `postconf -d` of Postfix 3.7.11 and the
 * smfi_getsymval(3) table of Sendmail 8.17. Values are plausible defaults a
 * test overrides with mclient_macro_set().
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "tests/milterclient/mcmacro.h"

struct preset_value {
	const char *name;
	const char *value;
};

struct preset {
	const char *lists[MC_NSTAGES]; /* indexed by enum mclient_stage */
	bool content;
	const struct preset_value *values;
};

/*
 * Postfix: milter_macro_daemon_name defaults to $myhostname; master.cf
 * services commonly override it (-o milter_macro_daemon_name=ORIGINATING).
 */
static const struct preset_value postfix_values[] = {
    {"j", "mx.example.test"},
    {"daemon_name", "mx.example.test"},
    {"daemon_addr", "127.0.0.1"},
    {"v", "Postfix 3.7.11"},
    {NULL, NULL},
};

static const struct preset_value sendmail_values[] = {
    {"j", "mx.example.test"}, {"daemon_name", "MTA"}, {"if_name", "localhost"},
    {"if_addr", "127.0.0.1"}, {NULL, NULL},
};

static const struct preset presets[] = {
    [MC_PRESET_NONE] = {{NULL}, false, NULL},
    [MC_PRESET_POSTFIX] =
        {
            {
                [MC_STAGE_CONNECT] = "j {daemon_name} {daemon_addr} v _",
                [MC_STAGE_HELO] = "{tls_version} {cipher} {cipher_bits} "
                                  "{cert_subject} {cert_issuer}",
                [MC_STAGE_MAIL] = "i {auth_type} {auth_authen} {auth_author} "
                                  "{mail_addr} {mail_host} {mail_mailer}",
                [MC_STAGE_RCPT] = "i {rcpt_addr} {rcpt_host} {rcpt_mailer}",
                [MC_STAGE_DATA] = "i",
                [MC_STAGE_EOM] = "i",
                [MC_STAGE_EOH] = "i",
            },
            true,
            postfix_values,
        },
    [MC_PRESET_SENDMAIL] =
        {
            {
                [MC_STAGE_CONNECT] = "j _ {daemon_name} {if_name} {if_addr}",
                [MC_STAGE_HELO] = "{tls_version} {cipher} {cipher_bits} "
                                  "{cert_subject} {cert_issuer}",
                [MC_STAGE_MAIL] = "i {auth_type} {auth_authen} {auth_ssf} "
                                  "{auth_author} {mail_mailer} {mail_host} "
                                  "{mail_addr}",
                [MC_STAGE_RCPT] = "{rcpt_mailer} {rcpt_host} {rcpt_addr}",
                [MC_STAGE_EOM] = "{msg_id}",
            },
            false,
            sendmail_values,
        },
};

/* NAME without one pair of surrounding braces, as a new string. */
static char *bare_name(const char *name, size_t len)
{
	if (len >= 2 && name[0] == '{' && name[len - 1] == '}')
		return xstrndup(name + 1, len - 2);
	return xstrndup(name, len);
}

static struct mc_macro *find(const struct mc_macros *m, const char *bare)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].name, bare) == 0)
			return &m->v[i];
	return NULL;
}

void mc_macros_init(struct mc_macros *m)
{
	memset(m, 0, sizeof(*m));
}

void mc_macros_free(struct mc_macros *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].name);
		free(m->v[i].value);
	}
	free(m->v);
	for (int s = 0; s < MC_NSTAGES; s++)
		free(m->lists[s]);
	mc_macros_init(m);
}

void mc_macros_preset(struct mc_macros *m, enum mclient_preset preset)
{
	const struct preset *p = &presets[preset];

	for (int s = 0; s < MC_NSTAGES; s++)
		mc_macros_list(m, (enum mclient_stage)s, p->lists[s]);
	m->content = p->content;
	for (const struct preset_value *pv = p->values; pv && pv->name; pv++)
		mc_macros_set(m, pv->name, pv->value);
}

void mc_macros_set(struct mc_macros *m, const char *name, const char *value)
{
	char *bare = bare_name(name, strlen(name));
	struct mc_macro *mac = find(m, bare);

	if (value == NULL) {
		if (mac != NULL) {
			free(mac->name);
			free(mac->value);
			*mac = m->v[--m->n];
		}
		free(bare);
		return;
	}
	if (mac != NULL) {
		free(mac->value);
		mac->value = xstrdup(value);
		free(bare);
		return;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->v = xrealloc(m->v, m->cap * sizeof(*m->v));
	}
	m->v[m->n].name = bare;
	m->v[m->n].value = xstrdup(value);
	m->n++;
}

const char *mc_macros_get(const struct mc_macros *m, const char *name)
{
	char *bare = bare_name(name, strlen(name));
	const struct mc_macro *mac = find(m, bare);

	free(bare);
	return mac ? mac->value : NULL;
}

void mc_macros_list(struct mc_macros *m, enum mclient_stage stage, const char *names)
{
	free(m->lists[stage]);
	m->lists[stage] = (names && *names) ? xstrdup(names) : NULL;
}

#define LIST_SEPARATORS " ,\t\r\n"

size_t mc_macros_encode(const struct mc_macros *m, const char *list, struct strbuf *out)
{
	size_t pairs = 0;
	const char *p = list;

	while (p && *p) {
		size_t len;
		char *bare;
		const struct mc_macro *mac;

		p += strspn(p, LIST_SEPARATORS);
		len = strcspn(p, LIST_SEPARATORS);
		if (len == 0)
			break;
		bare = bare_name(p, len);
		mac = find(m, bare);
		free(bare);
		if (mac != NULL) {
			strbuf_add(out, p, len);
			strbuf_putc(out, '\0');
			strbuf_add(out, mac->value, strlen(mac->value) + 1);
			pairs++;
		}
		p += len;
	}
	return pairs;
}
