/*
 * directory: what is common to every backend: references, the wrappers for
 * the optional parts of the table, and the names of answer sources for logs.
 * The lookups themselves are the inline table calls in directory.h.
 */
#include "config.h"

#include <stdio.h>

#include "policy/directory.h"

void dir_init(struct directory *dir, const struct directory_ops *ops)
{
	dir->ops = ops;
	dir->refs = 1;
	dir->started = false;
}

struct directory *dir_ref(struct directory *dir)
{
	__atomic_add_fetch(&dir->refs, 1, __ATOMIC_RELAXED);
	return dir;
}

void dir_free(struct directory *dir)
{
	if (dir == NULL || __atomic_sub_fetch(&dir->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	dir->ops->free(dir);
}

enum dir_check dir_check(struct directory *dir, struct strbuf *report)
{
	if (dir->ops->check == NULL) {
		strbuf_appendf(report, "%s directory: in memory, nothing to reach\n",
		               dir->ops->name);
		return DIR_CHECK_OK;
	}
	return dir->ops->check(dir, report);
}

bool dir_stats(struct directory *dir, struct dir_stats *st_r)
{
	return dir->ops->stats != NULL && dir->ops->stats(dir, st_r);
}

void dir_expire(struct directory *dir)
{
	if (dir->ops->expire != NULL)
		dir->ops->expire(dir);
}

void dir_lookup_account(struct directory *dir, const char *login,
                        struct dir_account_answer *ans_r)
{
	ans_r->account = NULL;
	if (dir->ops->lookup_account != NULL) {
		dir->ops->lookup_account(dir, login, ans_r);
		return;
	}
	ans_r->status = DIR_NOTFOUND;
	ans_r->source = SRC_NONE;
	if (ans_r->want_detail)
		snprintf(ans_r->detail, sizeof ans_r->detail, "%s: no accounts",
		         dir->ops->name);
}

int dir_start(struct directory *dir, const char **error_r)
{
	if (dir->started)
		return 0;
	if (dir->ops->start != NULL && dir->ops->start(dir, error_r) != 0)
		return -1;
	dir->started = true;
	return 0;
}

struct directory *dir_handover(struct directory *prev, struct directory *next,
                               const char **error_r)
{
	if (prev == NULL || prev->ops != next->ops || prev->ops->handover == NULL) {
		if (dir_start(next, error_r) != 0) {
			dir_free(next);
			return NULL;
		}
		return next;
	}
	return prev->ops->handover(prev, next, error_r);
}

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
	case SRC_SYNC:
		return "sync";
	case SRC_LIMITS:
		return "limits";
	case SRC_NONE:
	case N_DIR_SOURCES:
		break;
	}
	return "-";
}
