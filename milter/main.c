/*
 * main: the relaymilter daemon. Order of start-up, each step able to fail
 * with a clear message: load the config (-n stops here), open the JSON log
 * and the milter socket as root, daemonize unless -f, write the pidfile,
 * drop to the service user, build the engine (LDAP threads start now, as
 * the service user), then hand over to libmilter. SIGUSR1 reloads, SIGUSR2
 * logs counters; libmilter's own thread handles SIGTERM/SIGHUP/SIGINT (stop).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <idn2.h>
#include <ldap.h>
#include <libconfig.h>
#include <libmilter/mfapi.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "milter/callbacks.h"
#include "milter/kick.h"
#include "milter/notify.h"
#include "milter/privs.h"
#include "milter/snapshot.h"
#include "policy/limits/limiter.h"
#include "milter/socket.h"
#include "milter/stats.h"
#include "milter/textfile.h"
#include "conf/build.h"
#include "policy/ldap/dir_ldap.h"

struct options {
	const char *config_path;
	const char *socket;
	const char *user;
	bool foreground;
	int check; /* -n count */
};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: relaymilter [-f] [-n [-n]] [-c FILE] [-p SOCKET] [-u USER[:GROUP]]\n"
	    "       relaymilter -V | -h\n"
	    "  -c FILE    config file (default %s)\n"
	    "  -f         stay in the foreground, log to stderr too\n"
	    "  -n         check the config and exit (-n -n: reach the directory too)\n"
	    "  -p SOCKET  milter socket, overrides `socket`\n"
	    "  -u USER    run as USER[:GROUP], overrides `user`\n"
	    "  -V         print the version and the linked library versions\n"
	    "  -h         this help\n",
	    config_default_path());
}

static void print_versions(void)
{
	unsigned int maj, min, pl;
	LDAPAPIInfo api;

	printf("relaymilter %s\n", PACKAGE_VERSION);
	if (smfi_version(&maj, &min, &pl) == MI_SUCCESS)
		printf("libmilter %u.%u.%u\n", maj, min, pl);
	memset(&api, 0, sizeof api);
	api.ldapai_info_version = LDAP_API_INFO_VERSION;
	if (ldap_get_option(NULL, LDAP_OPT_API_INFO, &api) == LDAP_OPT_SUCCESS) {
		printf("libldap %s %d.%d.%d\n", api.ldapai_vendor_name,
		       api.ldapai_vendor_version / 10000,
		       api.ldapai_vendor_version / 100 % 100,
		       api.ldapai_vendor_version % 100);
		ldap_memfree(api.ldapai_vendor_name);
		ldap_memvfree((void **)api.ldapai_extensions);
	}
	printf("libconfig %d.%d.%d (compiled against)\n", LIBCONFIG_VER_MAJOR,
	       LIBCONFIG_VER_MINOR, LIBCONFIG_VER_REVISION);
	printf("libidn2 %s\n", idn2_check_version(NULL));
}

static void parse_args(int argc, char **argv, struct options *o)
{
	int ch;

	memset(o, 0, sizeof *o);
	o->config_path = config_default_path();
	while ((ch = getopt(argc, argv, "c:fnp:u:Vh")) != -1) {
		switch (ch) {
		case 'c':
			o->config_path = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'n':
			o->check++;
			break;
		case 'p':
			o->socket = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'V':
			print_versions();
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(EX_USAGE);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "relaymilter: unexpected argument \"%s\"\n",
		        argv[optind]);
		usage(stderr);
		exit(EX_USAGE);
	}
}

/*
 * -n and -n -n. Exit 0 when the config is good and (-n -n) every directory
 * is usable: a server that does not answer while another does is a
 * "warning:" line, not a failure. EX_UNAVAILABLE (69) when a directory is
 * unusable (no server answers, or its searches fail): the config may be
 * right and the network wrong. EX_CONFIG (78) is for config errors only.
 */
static int check_only(const struct options *o, struct config *cf)
{
	struct strbuf report = STRBUF_INIT;
	const char *error = NULL;
	struct directory *const *dirs;
	struct policy *pol;
	enum dir_check worst = DIR_CHECK_OK;
	bool store_ok;
	size_t n;

	if (o->check < 2 || (!cf->ldap.enabled && cf->limits.n_rules == 0)) {
		printf("%s: configuration OK%s\n", cf->path,
		       o->check >= 2 ? " (no ldap section: static lists only)" : "");
		return 0;
	}
	if ((pol = conf_policy_create(cf, NULL, &error)) == NULL) {
		fprintf(stderr, "%s: %s\n", cf->path, error);
		return EX_CONFIG;
	}
	strbuf_init(&report);
	dirs = policy_directories(pol, &n);
	for (size_t i = 0; i < n; i++) {
		enum dir_check c = dir_check(dirs[i], &report);

		if (c > worst)
			worst = c;
	}
	store_ok = limiter_report(policy_limiter(pol), &report);
	fputs(report.data, worst == DIR_CHECK_FAILED ? stderr : stdout);
	printf("%s: configuration %s%s\n", cf->path,
	       worst == DIR_CHECK_OK         ? "OK"
	       : worst == DIR_CHECK_DEGRADED ? "OK, directory usable with warnings"
	                                     : "loads, directory UNAVAILABLE",
	       store_ok ? "" : " (limits store usable with warnings)");
	strbuf_free(&report);
	policy_free(pol);
	return worst == DIR_CHECK_FAILED ? EX_UNAVAILABLE : 0;
}

/* The signal thread's work (a reload, a counters line) and the end of
 * main exclude each other: main waits for a reload in progress to finish
 * before it tears the snapshot down, and none starts after. */
static pthread_mutex_t work_lock = PTHREAD_MUTEX_INITIALIZER;
static bool stopping;

static void *signal_thread(void *arg)
{
	const char *path = arg;
	struct textfile_timer timer;
	sigset_t set;
	int sig;

	memset(&timer, 0, sizeof timer);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	for (;;) {
		/* Between signals, write the stats textfile when it is due. */
		sig = textfile_wait(&timer, &set);
		pthread_mutex_lock(&work_lock);
		if (stopping) {
			pthread_mutex_unlock(&work_lock);
			break;
		}
		if (sig == SIGUSR1) {
			notify_reloading();
			snapshot_reload(path);
			notify_ready(NULL);
		} else if (sig == SIGUSR2) {
			struct strbuf line = STRBUF_INIT;

			strbuf_init(&line);
			snapshot_format_stats(&line, false);
			msg_info("%s", line.data);
			strbuf_free(&line);
		}
		pthread_mutex_unlock(&work_lock);
	}
	return NULL;
}

/* Detach; from now on, log to syslog only, as LOG configures it
 * (log.facility, log.syslog = false: nowhere but the JSON log). */
static void daemonize(const struct log_conf *log)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		msg_fatal("fork: %s", strerror(errno));
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		msg_fatal("setsid: %s", strerror(errno));
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	log_set_sinks(log->facility, log->syslog, false);
}

static struct config *load_or_exit(const char *path)
{
	const char *error = NULL;
	struct config *cf;

	if ((cf = config_load(path, &error)) == NULL) {
		fprintf(stderr, "%s\n", error);
		msg_error("%s: configuration has errors; not starting", path);
		exit(EX_CONFIG);
	}
	return cf;
}

/* Open the socket and everything else that needs root; then drop. */
static void setup_privileged(const struct options *o, struct config *cf, int json_fd,
                             const char *spec)
{
	struct privs_target target;
	const char *error = NULL;

	if (privs_resolve(o->user ? o->user : cf->user, o->user ? NULL : cf->group,
	                  &target, &error) < 0)
		msg_fatal_status(EX_CONFIG, "%s", error);
	if (socket_open(spec, cf->socket_mode, &target, &error) < 0)
		msg_fatal_status(EX_UNAVAILABLE, "%s", error);
	if (json_fd >= 0 && target.change && geteuid() == 0 &&
	    fchown(json_fd, target.uid, target.gid) < 0)
		msg_warn("%s: chown: %s", cf->log.json, strerror(errno));
	if (!o->foreground)
		daemonize(&cf->log);
	if (cf->pidfile && privs_write_pidfile(cf->pidfile, &target, &error) < 0)
		msg_fatal_status(EX_CANTCREAT, "%s", error);
	if (privs_drop(&target, &error) < 0)
		msg_fatal_status(EX_CONFIG, "%s", error);
}

/*
 * Every thread created from here on inherits these blocked: USR1/USR2 are
 * taken by our signal thread, HUP/TERM/INT by libmilter's (which blocks them
 * only when smfi_main starts: a thread created before that would otherwise
 * take the default action and kill the process).
 */
static void block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * The pidfile was written as root and handed to the service user; its
 * directory may not be the user's (pidfile = "/run/relaymilter.pid"), and
 * then it cannot be unlinked now. Empty it instead: an empty pidfile names
 * no process (the logrotate job and init scripts test `-s`), so nothing
 * signals a stranger's pid later. systemd's RuntimeDirectory= avoids this.
 */
static void remove_pidfile(const char *path)
{
	if (unlink(path) == 0 || errno == ENOENT)
		return;
	if (errno == EACCES && truncate(path, 0) == 0) {
		msg_info(
		    "pidfile %s emptied: its directory is not writable by the service "
		    "user, so it cannot be removed (use a directory the user owns, as "
		    "/run/relaymilter/)",
		    path);
		return;
	}
	msg_warn("cannot remove pidfile %s: %s", path, strerror(errno));
}

/* Install the first snapshot and start the signal thread; then serve
 * until libmilter stops. Returns smfi_main's result. */
static int serve(const struct options *o, struct config *cf, int json_fd)
{
	const char *error = NULL;
	struct snapshot *snap;
	pthread_t sig_tid;

	bool report;

	if ((snap = snapshot_create(cf, json_fd, NULL, &error)) == NULL)
		msg_fatal_status(EX_CONFIG, "%s", error);
	/* SNAP is the registry's once installed: a reload may free it. */
	report = snap->cf->report_mode;
	snapshot_install(snap);
	callbacks_init();
	if ((errno =
	         pthread_create(&sig_tid, NULL, signal_thread, (void *)o->config_path)))
		msg_fatal("pthread_create: %s", strerror(errno));
	msg_info("relaymilter %s starting (config %s, %s mode)", PACKAGE_VERSION,
	         o->config_path, report ? "report" : "enforce");
	notify_ready(report ? "serving (report mode)" : "serving");
	kick_start(); /* libmilter's worker pool can strand a session: kick.c */
	return smfi_main();
}

int main(int argc, char **argv)
{
	struct options o;
	const char *error = NULL;
	struct config *cf;
	char *pidfile;
	int json_fd, rc;

	/*
	 * libmilter runs a thread per session; glibc gives busy threads their
	 * own malloc arenas (up to 8 x cores), and cache churn fragments each
	 * one. Two arenas bound that: soak RSS peak 56.5 -> 45.6 MB, growth
	 * after phase 1 32% -> 13% (make soak). An environment's
	 * MALLOC_ARENA_MAX, read at the first malloc, is overridden here.
	 */
	dir_ldap_process_init(); /* before any thread, before any libldap call */
	mallopt(M_ARENA_MAX, 2);
	block_signals();
	parse_args(argc, argv, &o);
	log_setup("relaymilter", LOG_MAIL, !o.check, true);
	cf = load_or_exit(o.config_path);
	if (o.check) {
		rc = check_only(&o, cf);
		config_free(cf);
		return rc;
	}
	log_set_sinks(cf->log.facility, cf->log.syslog, true);
	if ((json_fd = snapshot_open_json(cf, &error)) == -2)
		msg_fatal_status(EX_CANTCREAT, "%s", error);
	setup_privileged(&o, cf, json_fd, o.socket ? o.socket : cf->socket);
	/* Under systemd, stderr is the journal, which syslog feeds already. */
	if (o.foreground)
		log_set_sinks(cf->log.facility, cf->log.syslog,
		              !(cf->log.syslog && notify_stderr_is_journal()));
	pidfile = cf->pidfile ? xstrdup(cf->pidfile) : NULL;

	rc = serve(&o, cf, json_fd);
	pthread_mutex_lock(&work_lock); /* a reload in progress finishes first */
	stopping = true;
	pthread_mutex_unlock(&work_lock);
	kick_stop();
	notify_stopping();
	msg_info("relaymilter stopping");
	if (pidfile)
		remove_pidfile(pidfile);
	free(pidfile);
	snapshot_shutdown();
	/* The signal thread is idle (waiting for a signal): exiting ends it. */
	return rc == MI_SUCCESS ? 0 : 1;
}
