/*
 * directory: what is common to every backend: the names of answer sources
 * for logs. The dispatch itself is the inline table calls in directory.h.
 */
#include "config.h"

#include "policy/directory.h"

const char *dir_source_name(enum dir_source src)
{
	switch (src) {
	case SRC_STATIC:
		return "static";
	case SRC_CACHE:
		return "cache";
	case SRC_LDAP:
		return "ldap";
	case SRC_STALE_CACHE:
		return "stale-cache";
	case SRC_NONE:
		break;
	}
	return "-";
}
