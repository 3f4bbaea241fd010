/*
 * address: RFC 5321 envelope address parser for the relay policy.
 *
 * Entry points (lib/address.h): address_parse() turns a MAIL FROM or RCPT
 * TO argument into a struct address, address_clear() frees it, and
 * address_normalize_domain() gives a domain from the config or the
 * directory the same canonical form (lower-case A-labels, no trailing dot,
 * canonical address literals), so that comparing strings compares domains.
 *
 * Ownership: the caller owns the struct; address_clear() frees the strings.
 * address_normalize_domain() returns a string the caller frees.
 *
 * Failure: anything that does not parse returns -1 (or NULL) with a static
 * English reason; nothing is guessed at or repaired, because a relay filter
 * that reads an address differently from the MTA is an open relay.
 * Sender-specified routing (%, !, @ % ! in a quoted local part, source
 * routes) parses successfully but sets routed, for the engine to refuse.
 * Allocation failure ends the process (lib/xalloc.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "lib/strbuf.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"
#include "lib/address.h"
#include "lib/netlist.h"

#define ADDRESS_PATH_MAX 256   /* RFC 5321 4.5.3.1.3, brackets included */
#define ADDRESS_LOCAL_MAX 64   /* RFC 5321 4.5.3.1.1 */
#define ADDRESS_DOMAIN_MAX 253 /* 255 octets on the wire, as text */
#define ADDRESS_LABEL_MAX 63
#define ADDRESS_DOMAIN_INPUT_MAX 1024 /* bound the work on config values */
/* IDNA2008 with UTS #46 mapping, as Postfix's SMTPUTF8 support does. */
#define ADDRESS_IDN_FLAGS (IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL)

#define ALLOW_LITERAL true
#define NO_LITERAL false

static bool is_ascii_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_ascii_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static unsigned char ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* RFC 5321 atext (RFC 5322 3.2.3), ASCII only. */
static bool is_atext(unsigned char c)
{
	return is_ascii_alpha(c) || is_ascii_digit(c) ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Remember the first reason for routing only. */
static void note_routing(const char **routing_r, const char *why)
{
	if (*routing_r == NULL)
		*routing_r = why;
}

/*
 * Scan a Dot-string local part at S (atext or UTF-8, separated by single
 * dots). Returns its length, or -1 with *ERROR_R set; the caller checks what
 * follows it.
 */
static ssize_t local_dot_string(const char *s, const char **routing_r,
                                const char **error_r)
{
	const unsigned char *p = (const unsigned char *)s;
	bool after_atom = false;
	size_t i = 0, n;

	for (;;) {
		if (p[i] == '.') {
			if (!after_atom) {
				*error_r = i == 0 ? "local part starts with a dot"
				                  : "double dot in local part";
				return -1;
			}
			after_atom = false;
			i++;
		} else if (p[i] >= 0x80) {
			if ((n = utf8_char_len(p + i, SIZE_MAX)) == 0) {
				*error_r = "invalid UTF-8 in local part";
				return -1;
			}
			after_atom = true;
			i += n;
		} else if (is_atext(p[i])) {
			if (p[i] == '%')
				note_routing(routing_r, "% in local part");
			else if (p[i] == '!')
				note_routing(routing_r, "! in local part");
			after_atom = true;
			i++;
		} else {
			break;
		}
	}
	if (p[i] != '@' && p[i] != '\0') {
		if (p[i] < 0x20 || p[i] == 0x7F)
			*error_r = "control character in local part";
		else if (p[i] == ' ')
			*error_r = "space in local part";
		else
			*error_r = "invalid character in local part";
		return -1;
	}
	if (i == 0) {
		*error_r = "empty local part";
		return -1;
	}
	if (!after_atom) {
		*error_r = "local part ends with a dot";
		return -1;
	}
	return (ssize_t)i;
}

/* Routing hidden in a quoted local part: "a@b"@c, "a%b"@c, "a!b"@c. */
static void note_quoted_routing(unsigned char c, const char **routing_r)
{
	if (c == '@')
		note_routing(routing_r, "@ in quoted local part");
	else if (c == '%')
		note_routing(routing_r, "% in quoted local part");
	else if (c == '!')
		note_routing(routing_r, "! in quoted local part");
}

/*
 * Scan a Quoted-string local part at S (which starts with a double quote):
 * qtextSMTP, quoted-pairSMTP and, for SMTPUTF8, UTF-8. Returns its length
 * with both quotes, or -1 with *ERROR_R set.
 */
static ssize_t local_quoted_string(const char *s, const char **routing_r,
                                   const char **error_r)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 1, n;

	while (p[i] != '"') {
		if (p[i] == '\0') {
			*error_r = "unterminated quoted local part";
			return -1;
		} else if (p[i] == '\\') {
			if (p[i + 1] < 0x20 || p[i + 1] > 0x7E) {
				*error_r = "invalid quoted pair in local part";
				return -1;
			}
			note_quoted_routing(p[i + 1], routing_r);
			i += 2;
		} else if (p[i] >= 0x80) {
			if ((n = utf8_char_len(p + i, SIZE_MAX)) == 0) {
				*error_r = "invalid UTF-8 in local part";
				return -1;
			}
			i += n;
		} else if (p[i] < 0x20 || p[i] == 0x7F) {
			*error_r = "control character in local part";
			return -1;
		} else {
			note_quoted_routing(p[i], routing_r);
			i++;
		}
	}
	if (i == 1) {
		*error_r = "empty local part";
		return -1;
	}
	return (ssize_t)i + 1;
}

/*
 * Canonical form of an address literal D ("[...]"): "[192.0.2.1]" or
 * "[ipv6:<inet_ntop form>]". General address literals are refused.
 */
static char *literal_normalize(const char *d, const char **error_r)
{
	size_t len = strlen(d);
	char *inner = NULL, *result = NULL;
	char text[INET6_ADDRSTRLEN];
	struct in6_addr in6;
	unsigned char o[4];
	struct strbuf sb = STRBUF_INIT;

	if (len < 3 || d[len - 1] != ']') {
		*error_r = "malformed address literal";
		goto out;
	}
	inner = xstrndup(d + 1, len - 2);
	if (strncasecmp(inner, "IPv6:", 5) == 0) {
		if (inet_pton(AF_INET6, inner + 5, &in6) != 1 ||
		    inet_ntop(AF_INET6, &in6, text, sizeof(text)) == NULL) {
			*error_r = "invalid IPv6 address literal";
			goto out;
		}
		strbuf_appendf(&sb, "[ipv6:%s]", text);
	} else if (netaddr_parse_ipv4(inner, o)) {
		strbuf_appendf(&sb, "[%u.%u.%u.%u]", o[0], o[1], o[2], o[3]);
	} else {
		*error_r = strchr(inner, ':') ? "unsupported address literal"
		                              : "invalid IPv4 address literal";
		goto out;
	}
	result = strbuf_detach(&sb);
out:
	strbuf_free(&sb);
	free(inner);
	return result;
}

/*
 * Check an A-label: libidn2 must accept it (valid Punycode decoding to a
 * valid IDNA2008 label) and give back exactly the same label, so garbage
 * after "xn--" and non-canonical encodings are refused.
 */
static bool alabel_valid(const char *label)
{
	char *back = NULL;
	bool ok;

	ok = idn2_to_ascii_8z(label, &back, ADDRESS_IDN_FLAGS) == IDN2_OK &&
	     strcmp(back, label) == 0;
	idn2_free(back);
	return ok;
}

/* Check an ASCII label (already lower case) and append it to OUT. */
static int label_append_ascii(const char *label, struct strbuf *out, const char **error_r)
{
	size_t i, len = strlen(label);

	if (len == 0) {
		*error_r = "empty label in domain";
		return -1;
	}
	if (len > ADDRESS_LABEL_MAX) {
		*error_r = "domain label longer than 63 octets";
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)label[i];
		if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '-') {
			*error_r = "invalid character in domain";
			return -1;
		}
	}
	if (label[0] == '-' || label[len - 1] == '-') {
		*error_r = "domain label starts or ends with a hyphen";
		return -1;
	}
	if (strncmp(label, "xn--", 4) == 0 && !alabel_valid(label)) {
		*error_r = "invalid A-label in domain";
		return -1;
	}
	if (out->len > 0)
		strbuf_putc(out, '.');
	strbuf_puts(out, label);
	return 0;
}

/*
 * Normalise one label of LEN octets at L and append it to OUT: ASCII is
 * lower-cased; a U-label becomes its A-label, one label at a time, so that
 * both spellings of a domain always give the same result.
 */
static int label_append(const char *l, size_t len, struct strbuf *out,
                        const char **error_r)
{
	char *label = xstrndup(l, len), *alabel = NULL;
	bool ascii = true;
	size_t i, n;
	int rc = -1;

	if (len == 0) {
		*error_r = "empty label in domain";
		goto out;
	}
	for (i = 0; i < len; i += n) {
		n = 1;
		if ((unsigned char)label[i] >= 0x80) {
			ascii = false;
			if ((n = utf8_char_len((unsigned char *)label + i, SIZE_MAX)) ==
			    0) {
				*error_r = "invalid UTF-8 in domain";
				goto out;
			}
		} else {
			label[i] = (char)ascii_lower((unsigned char)label[i]);
		}
	}
	if (ascii) {
		rc = label_append_ascii(label, out, error_r);
		goto out;
	}
	if (idn2_to_ascii_8z(label, &alabel, ADDRESS_IDN_FLAGS) != IDN2_OK) {
		*error_r = "invalid internationalised domain label";
		goto out;
	}
	for (i = 0; alabel[i] != '\0'; i++)
		alabel[i] = (char)ascii_lower((unsigned char)alabel[i]);
	rc = label_append_ascii(alabel, out, error_r);
out:
	idn2_free(alabel);
	free(label);
	return rc;
}

/* True when the last label of DOMAIN is all digits: a TLD never is (RFC 3696 2). */
static bool last_label_numeric(const char *domain)
{
	const char *last = strrchr(domain, '.');

	last = last ? last + 1 : domain;
	return strspn(last, "0123456789") == strlen(last);
}

/* Canonical domain name (not a literal); see address_normalize_domain. */
static char *domain_name_normalize(const char *d, const char **error_r)
{
	size_t len = strlen(d);
	struct strbuf out = STRBUF_INIT;
	const char *label, *dot;
	char *result = NULL;

	if (len == 0 || (len == 1 && d[0] == '.')) {
		*error_r = "empty domain";
		goto out;
	}
	if (len > ADDRESS_DOMAIN_INPUT_MAX) {
		*error_r = "domain too long";
		goto out;
	}
	if (d[len - 1] == '.')
		len--; /* one trailing dot: the root */
	strbuf_init(&out);
	for (label = d; label <= d + len; label = dot + 1) {
		dot = memchr(label, '.', (size_t)(d + len - label));
		if (dot == NULL)
			dot = d + len;
		if (label_append(label, (size_t)(dot - label), &out, error_r) < 0)
			goto out;
	}
	if (out.len > ADDRESS_DOMAIN_MAX) {
		*error_r = "domain too long";
		goto out;
	}
	if (last_label_numeric(out.data)) {
		*error_r = "numeric top-level domain (an IP address needs brackets)";
		goto out;
	}
	result = strbuf_detach(&out);
out:
	strbuf_free(&out);
	return result;
}

static char *domain_normalize(const char *d, bool allow_literal, bool *is_literal_r,
                              const char **error_r)
{
	*is_literal_r = false;
	if (d[0] != '[')
		return domain_name_normalize(d, error_r);
	if (!allow_literal) {
		*error_r = "address literal not allowed here";
		return NULL;
	}
	*is_literal_r = true;
	return literal_normalize(d, error_r);
}

char *address_normalize_domain(const char *domain, const char **error_r)
{
	const char *err = NULL;
	bool is_literal;
	char *result;

	if (domain == NULL) {
		err = "no domain";
		result = NULL;
	} else {
		result = domain_normalize(domain, ALLOW_LITERAL, &is_literal, &err);
	}
	if (result == NULL && error_r != NULL)
		*error_r = err;
	return result;
}

/*
 * Skip a source route "@a.example,@b.example:" at S, checking every domain
 * in it (RFC 5321 A-d-l: domain names, not literals). Returns the length of
 * the route with its colon, or -1 with *ERROR_R set.
 */
static ssize_t route_skip(const char *s, const char **error_r)
{
	size_t i = 0, n;
	char *name, *norm;
	bool lit;

	for (;;) {
		if (s[i] != '@') {
			*error_r = "malformed source route";
			return -1;
		}
		i++;
		n = strcspn(s + i, ",:");
		if (s[i + n] == '\0' || n == 0) {
			*error_r = "malformed source route";
			return -1;
		}
		name = xstrndup(s + i, n);
		norm = domain_normalize(name, NO_LITERAL, &lit, error_r);
		free(name);
		if (norm == NULL)
			return -1;
		free(norm);
		i += n;
		if (s[i++] == ':')
			return (ssize_t)i;
	}
}

/* Bare "postmaster" as a recipient: RFC 5321 4.5.1, no domain needed. */
static int mailbox_no_domain(enum address_role role, bool quoted, struct address *a,
                             const char **error_r)
{
	if (role == ADDRESS_RECIPIENT && !quoted &&
	    strcasecmp(a->local, "postmaster") == 0) {
		a->is_postmaster = true;
		return 0;
	}
	*error_r = "no domain";
	return -1;
}

/* Parse a Mailbox (local@domain, or bare postmaster) at S into A. */
static int mailbox_parse(const char *s, enum address_role role, struct address *a,
                         const char **error_r)
{
	const char *routing = NULL;
	ssize_t n;

	if (s[0] == '"')
		n = local_quoted_string(s, &routing, error_r);
	else
		n = local_dot_string(s, &routing, error_r);
	if (n < 0)
		return -1;
	if (n > ADDRESS_LOCAL_MAX) {
		*error_r = "local part longer than 64 octets";
		return -1;
	}
	a->local = xstrndup(s, (size_t)n);
	if (s[n] == '\0')
		return mailbox_no_domain(role, s[0] == '"', a, error_r);
	if (s[n] != '@') {
		*error_r = "invalid character after quoted local part";
		return -1;
	}
	if (strchr(s + n + 1, '@') != NULL) {
		*error_r = "more than one @";
		return -1;
	}
	a->domain = domain_normalize(s + n + 1, ALLOW_LITERAL, &a->is_literal, error_r);
	if (a->domain == NULL)
		return -1;
	if (routing != NULL) {
		a->routed = true;
		a->routing = routing;
	}
	return 0;
}

/*
 * Split off the angle brackets of TEXT. Returns a copy of what is inside
 * (the caller frees it) or NULL with *ERROR_R set; *BRACKETED_R tells which.
 */
static char *brackets_strip(const char *text, bool *bracketed_r, const char **error_r)
{
	size_t len = strlen(text);
	size_t path_len;
	char *inner;

	*bracketed_r = len > 0 && text[0] == '<';
	if (len > 0 && (text[0] == ' ' || text[0] == '\t' || text[len - 1] == ' ' ||
	                text[len - 1] == '\t')) {
		*error_r = "space around address";
		return NULL;
	}
	if (*bracketed_r != (len > 0 && text[len - 1] == '>')) {
		*error_r = "unbalanced angle brackets";
		return NULL;
	}
	path_len = *bracketed_r ? len : len + 2;
	if (path_len > ADDRESS_PATH_MAX) {
		*error_r = "address longer than 256 octets";
		return NULL;
	}
	inner = *bracketed_r ? xstrndup(text + 1, len - 2) : xstrdup(text);
	len = strlen(inner);
	if (len > 0 && (inner[0] == '<' || inner[len - 1] == '>')) {
		*error_r = "nested angle brackets";
		free(inner);
		return NULL;
	}
	return inner;
}

int address_parse(const char *text, enum address_role role, struct address *addr_r,
                  const char **error_r)
{
	const char *err = NULL;
	char *inner = NULL;
	bool bracketed;
	ssize_t route_len = 0;
	int rc = -1;

	memset(addr_r, 0, sizeof(*addr_r));
	if (text == NULL || (inner = brackets_strip(text, &bracketed, &err)) == NULL) {
		if (err == NULL)
			err = "no address";
		goto out;
	}
	if (inner[0] == '\0') {
		if (!bracketed)
			err = "empty address";
		else if (role != ADDRESS_SENDER)
			err = "null address as recipient";
		else {
			addr_r->is_null = true;
			addr_r->local = xstrdup("");
			rc = 0;
		}
		goto out;
	}
	if (inner[0] == '@' && strchr(inner, ':') != NULL &&
	    (route_len = route_skip(inner, &err)) < 0)
		goto out;
	if (mailbox_parse(inner + route_len, role, addr_r, &err) < 0)
		goto out;
	if (route_len > 0) {
		if (addr_r->domain == NULL) {
			err = "no domain after source route";
			goto out;
		}
		addr_r->routed = true;
		addr_r->routing = "source route";
	}
	rc = 0;
out:
	free(inner);
	if (rc < 0) {
		address_clear(addr_r);
		if (error_r != NULL)
			*error_r = err;
	}
	return rc;
}

void address_clear(struct address *addr)
{
	if (addr == NULL)
		return;
	free(addr->local);
	free(addr->domain);
	memset(addr, 0, sizeof(*addr));
}
