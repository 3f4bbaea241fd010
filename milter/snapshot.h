/*
 * snapshot: the running configuration as a reference-counted immutable
 * pair (config, policy engine) plus what depends on it (the JSON log).
 * Each milter connection pins the snapshot it started with; a reload swaps
 * in a new one and the old one is freed when its last connection ends
 * (OpenDKIM's conf_refcnt).
 */
#ifndef RM_SNAPSHOT_H
#define RM_SNAPSHOT_H

#include <stdbool.h>
#include <stdio.h>

#include "conf/conf.h"
#include "lib/strbuf.h"
#include "policy/engine.h"

struct snapshot {
	struct config *cf;
	struct policy *pol;
	int json_fd; /* -1: no JSON log */
	unsigned generation;
	int refcnt; /* atomic */
};

/* Build a snapshot from PATH; with PREV (the running one, on reload) its
 * directories hand their state to the new ones. NULL with *ERROR_R set to
 * the problems, one per line. */
struct snapshot *snapshot_load(const char *path, const struct snapshot *prev,
                               const char **error_r);
/* Build a snapshot from a loaded CF and an open JSON log fd (or -1); takes
 * ownership of both, also on failure. PREV as for snapshot_load. */
struct snapshot *snapshot_create(struct config *cf, int json_fd,
                                 const struct snapshot *prev, const char **error_r);
/* Open CF's JSON decision log (-1 and no error when none is configured;
 * -2 with *ERROR_R set when it cannot be opened). */
int snapshot_open_json(const struct config *cf, const char **error_r);
/* Make SNAP the current one (the registry takes the caller's reference). */
void snapshot_install(struct snapshot *snap);
/* Pin the current snapshot (never NULL once one is installed). */
struct snapshot *snapshot_acquire(void);
/* Drop a reference; the last one frees. NULL is fine. */
void snapshot_release(struct snapshot *snap);
/* Replace the current snapshot with a fresh load of PATH; on failure keep
 * the current one and log why. The running directories go on: an
 * unchanged one is kept (its cache expired, not forgotten), a changed one
 * hands over what it knows. Returns 0 on success. */
int snapshot_reload(const char *path);
/* Append the counters of the running process and of the current
 * snapshot's directories that keep counters: one log line (PROMETHEUS
 * false) or Prometheus text. */
void snapshot_format_stats(struct strbuf *out, bool prometheus);
/* Drop the registry's reference (at exit). */
void snapshot_shutdown(void);

#endif
