/*
 * dir_static: the directory backend over the config file's static lists
 * (policy.local_domains, policy.allow_networks). Always answers; never errs.
 */
#ifndef RM_DIR_STATIC_H
#define RM_DIR_STATIC_H

#include "conf/conf.h"
#include "policy/directory.h"

/* A static directory over CF's lists; CF must outlive it. */
struct directory *dir_static_create(const struct config *cf);

#endif
