/*
 * validate: the checks and special stores the key table (conf/keys.c) names:
 * socket addresses, user names, paths, reply texts, LDAP URIs, DNs and
 * filters, and the stores that turn a value into something else (an octal
 * mode, a syslog facility, normalised domains, a network list, a password
 * read from its file). Checks return NULL or an English reason; stores
 * report through conf_value_error and leave the field untouched on error.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "conf/keys.h"
#include "conf/loader.h"
#include "lib/xalloc.h"
#include "policy/account.h"
#include "policy/ldap/ldap_filter.h"
#include "policy/reply.h"

/* Decimal port 1-65535 up to '@' or the end; *END_R after the digits. */
static const char *check_port(const char *p, const char **end_r)
{
	long port = 0;
	const char *q = p;

	while (isdigit((unsigned char)*q) && q - p < 6)
		port = port * 10 + (*q++ - '0');
	*end_r = q;
	if (q == p || (*q != '@' && *q != '\0'))
		return "the port must be a decimal number";
	if (port < 1 || port > 65535)
		return "the port must be between 1 and 65535";
	return NULL;
}

static bool is_hostname(const char *h)
{
	size_t label = 0, len = strlen(h);

	if (len == 0 || len > 253 || h[0] == '-' || h[0] == '.')
		return false;
	for (const char *p = h; *p; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return h[len - 1] != '-';
}

/* HOST of an inet: or inet6: socket. */
static const char *check_host(const char *host, int family)
{
	unsigned char addr[16];
	size_t len = strlen(host);
	char *copy;
	const char *why = NULL;

	if (len == 0)
		return "missing";
	if (family == AF_INET6 && host[0] == '[') {
		if (len < 3 || host[len - 1] != ']')
			return "an IPv6 address in brackets lacks its ']'";
		copy = xstrndup(host + 1, len - 2);
		if (inet_pton(AF_INET6, copy, addr) != 1)
			why = "not an IPv6 address inside the brackets";
		free(copy);
		return why;
	}
	if (inet_pton(family, host, addr) == 1)
		return NULL;
	if (strspn(host, "0123456789.") == len)
		return "not an IPv4 address (four decimal octets, no leading zeros)";
	if (strchr(host, ':') != NULL)
		return family == AF_INET ? "an IPv6 address needs inet6:PORT@[ADDRESS]"
		                         : "not an IPv6 address";
	return is_hostname(host) ? NULL : "not a host name or address";
}

const char *conf_check_socket(const char *s, char *buf, size_t size)
{
	const char *p, *end, *why;
	int family = AF_INET;

	if ((p = strchr(s, ':')) != NULL &&
	    (strncmp(s, "unix:", 5) == 0 || strncmp(s, "local:", 6) == 0)) {
		if (p[1] != '/')
			return "a unix socket needs an absolute path: unix:/path";
		if (strlen(p + 1) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return "the unix socket path is too long";
		return NULL;
	}
	if (strncmp(s, "inet6:", 6) == 0)
		family = AF_INET6;
	else if (strncmp(s, "inet:", 5) != 0)
		return "must be unix:/path, inet:PORT@HOST or inet6:PORT@[HOST]";
	if ((why = check_port(p + 1, &end)) != NULL)
		return why;
	if (*end != '@')
		return "name the address to listen on: inet:PORT@HOST (e.g. "
		       "inet:8894@127.0.0.1)";
	if ((why = check_host(end + 1, family)) != NULL) {
		snprintf(buf, size, "host \"%s\": %s", end + 1, why);
		return buf;
	}
	return NULL;
}

const char *conf_check_user(const char *s, char *buf, size_t size)
{
	if (strlen(s) > 64)
		return "name too long";
	if (s[0] == '-' ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	              "0123456789._-") != strlen(s))
		return "not a valid user or group name";
	return NULL;
}

const char *conf_check_abspath(const char *s, char *buf, size_t size)
{
	return s[0] == '/' ? NULL : "must be an absolute path";
}

const char *conf_check_existing_file(const char *s, char *buf, size_t size)
{
	struct stat st;

	if (s[0] != '/')
		return "must be an absolute path";
	if (stat(s, &st) != 0) {
		snprintf(buf, size, "cannot use it: %s", strerror(errno));
		return buf;
	}
	return S_ISREG(st.st_mode) ? NULL : "not a regular file";
}

const char *conf_check_nonempty(const char *s, char *buf, size_t size)
{
	return s[0] ? NULL : "must not be empty";
}

const char *conf_check_reply(const char *s, char *buf, size_t size)
{
	return reply_template_check(s, buf, size);
}

const char *conf_check_ldap_uri(const char *s, char *buf, size_t size)
{
	LDAPURLDesc *lud = NULL;
	const char *why = NULL;

	if (strncasecmp(s, "ldap://", 7) != 0 && strncasecmp(s, "ldaps://", 8) != 0 &&
	    strncasecmp(s, "ldapi://", 8) != 0)
		return "must start with ldap://, ldaps:// or ldapi://";
	if (ldap_url_parse(s, &lud) != LDAP_URL_SUCCESS)
		return "not a valid LDAP URI";
	if ((lud->lud_dn && lud->lud_dn[0]) || lud->lud_attrs || lud->lud_filter ||
	    lud->lud_exts)
		why = "a server URI takes no DN, attributes, filter or extensions";
	ldap_free_urldesc(lud);
	return why;
}

const char *conf_check_dn(const char *s, char *buf, size_t size)
{
	LDAPDN dn = NULL;

	if (ldap_str2dn(s, &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		return "not a valid DN";
	ldap_dnfree(dn);
	return NULL;
}

const char *conf_check_lookup_filter(const char *s, char *buf, size_t size)
{
	const char *why = NULL;

	(void)buf;
	(void)size;
	return ldap_filter_check(s, LDAP_FILTER_LOOKUP, &why) == 0 ? NULL : why;
}

const char *conf_check_bulk_filter(const char *s, char *buf, size_t size)
{
	const char *why = NULL;

	(void)buf;
	(void)size;
	return ldap_filter_check(s, LDAP_FILTER_BULK, &why) == 0 ? NULL : why;
}

const char *conf_check_attribute(const char *s, char *buf, size_t size)
{
	size_t n = strlen(s);

	if (n > 0 && isdigit((unsigned char)s[0]) && strspn(s, "0123456789.") == n &&
	    s[n - 1] != '.' && strstr(s, "..") == NULL)
		return NULL; /* an OID */
	if (n > 0 && isalpha((unsigned char)s[0]) &&
	    strspn(s,
	           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-;") ==
	        n &&
	    s[n - 1] != ';')
		return NULL;
	return "not an attribute name";
}

const char *conf_check_account_filter(const char *s, char *buf, size_t size)
{
	const char *why = NULL;

	(void)buf;
	(void)size;
	return ldap_filter_check(s, LDAP_FILTER_ACCOUNT, &why) == 0 ? NULL : why;
}

const char *conf_check_sender_value(const char *s, char *buf, size_t size)
{
	const char *why = NULL;
	char *norm = account_sender_normalize(s, &why);

	free(norm);
	if (norm != NULL)
		return NULL;
	snprintf(buf, size, "not an address (user@domain) or \"@domain\": %s", why);
	return buf;
}

/* "NAME=MAX": a rule name (letters, digits, '-', '_'), a count 0..10^9. */
const char *conf_check_limit_override(const char *s, char *buf, size_t size)
{
	const char *eq = strchr(s, '=');
	char *end = NULL;
	unsigned long long max;

	(void)buf;
	(void)size;
	if (eq == NULL || eq == s)
		return "must be NAME=MAX (a rule name, a count)";
	for (const char *p = s; p < eq; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return "the rule name may hold letters, digits, '-' and '_' only";
	errno = 0;
	if (!isdigit((unsigned char)eq[1]) ||
	    (max = strtoull(eq + 1, &end, 10), errno != 0) || *end != '\0' ||
	    max > 1000000000ULL)
		return "MAX must be a whole number from 0 to 1000000000";
	return NULL;
}
