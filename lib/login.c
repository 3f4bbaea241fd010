/*
 * login: canonical SMTP AUTH logins (see lib/login.h). Entry points:
 * login_canonical, login_split. The login comes from the network (the SASL
 * exchange): everything is checked before it names an account, fills an
 * LDAP filter (escaped again there) or reaches a log.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/address.h"
#include "lib/login.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"

/* Printable UTF-8 without spaces or controls; false otherwise. */
static bool clean_text(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		size_t n;

		if (c <= 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_char_len((const unsigned char *)s + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

char *login_canonical(const char *typed, const char *default_domain, const char **error_r)
{
	size_t len = typed != NULL ? strlen(typed) : 0;
	const char *at, *why = NULL;
	char *dom = NULL, *out;
	size_t llen;

	if (len == 0) {
		*error_r = "empty login";
		return NULL;
	}
	if (len > LOGIN_MAX) {
		*error_r = "login too long";
		return NULL;
	}
	if (!clean_text(typed, len)) {
		*error_r = "control characters, spaces or invalid UTF-8 in the login";
		return NULL;
	}
	at = strchr(typed, '@');
	if (at != NULL && strchr(at + 1, '@') != NULL) {
		*error_r = "more than one \"@\" in the login";
		return NULL;
	}
	if (at == typed || (at != NULL && at[1] == '\0')) {
		*error_r = "\"@\" without a user name or a domain";
		return NULL;
	}
	llen = at != NULL ? (size_t)(at - typed) : len;
	if (at != NULL && (dom = address_normalize_domain(at + 1, &why)) == NULL) {
		*error_r = why != NULL ? why : "not a domain";
		return NULL;
	}
	if (dom == NULL && default_domain != NULL && *default_domain != '\0')
		dom = xstrdup(default_domain);
	out = xmalloc(llen + (dom != NULL ? strlen(dom) + 1 : 0) + 1);
	for (size_t i = 0; i < llen; i++)
		out[i] = (typed[i] >= 'A' && typed[i] <= 'Z') ? (char)(typed[i] + 32)
		                                              : typed[i];
	out[llen] = '\0';
	if (dom != NULL) {
		out[llen] = '@';
		strcpy(out + llen + 1, dom);
		free(dom);
	}
	if (strlen(out) > LOGIN_MAX) {
		free(out);
		*error_r = "login too long";
		return NULL;
	}
	return out;
}

void login_split(const char *login, char *buf, size_t size, const char **domain_r)
{
	const char *at = strchr(login, '@');
	size_t n = at != NULL ? (size_t)(at - login) : strlen(login);

	if (n >= size)
		n = size - 1;
	memcpy(buf, login, n);
	buf[n] = '\0';
	*domain_r = at != NULL ? at + 1 : "";
}
