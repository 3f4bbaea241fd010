/*
 * build: the policy a config describes: the engine over the static
 * directory (the config's lists) and, with an ldap section, the LDAP
 * directory. The one place where config values become the parameters of
 * policy/'s modules, so policy/ never sees a config.
 */
#ifndef RM_BUILD_H
#define RM_BUILD_H

#include "conf/conf.h"
#include "policy/directory.h"
#include "policy/engine.h"

/* The static directory over CF's lists (started; one reference). */
struct directory *conf_static_directory(const struct config *cf);
/* The policy for CF, its directories started. With PREV (the running
 * policy, on reload), each directory hands its state to its successor
 * (dir_handover): an unchanged LDAP directory is kept, a changed one starts
 * from what the old one knew. NULL with *ERROR_R set when a directory's
 * parameters are refused. CF must outlive the result. */
struct policy *conf_policy_create(const struct config *cf, const struct policy *prev,
                                  const char **error_r);

#endif
