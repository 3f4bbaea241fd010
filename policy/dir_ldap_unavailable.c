/*
 * dir_ldap_unavailable: stands in for the LDAP backend until it is merged
 * into this tree (issue 4). A config with an `ldap` section is refused with a
 * clear message instead of silently running on the static lists alone.
 */
#include "config.h"

#include <stdio.h>

#include "policy/dir_ldap.h"

struct directory *dir_ldap_create(const struct config *cf, char *errbuf, size_t size)
{
	(void)cf;
	snprintf(errbuf, size, "this build has no LDAP backend yet: remove the ldap section");
	return NULL;
}

int dir_ldap_check(struct directory *dir, struct strbuf *report)
{
	(void)dir;
	strbuf_puts(report, "ldap: not built in\n");
	return -1;
}
