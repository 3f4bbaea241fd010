# ops: fragment owned by its module (see Makefile.am)
# Operating relaymilter: service manager notification, the stats textfile,
# man pages, the systemd unit, the Debian package, fail2ban, logrotate, docs.

# sd_notify (no-ops without libsystemd) and the Prometheus textfile writer.
relaymilter_SOURCES += \
	milter/notify.c milter/notify.h \
	milter/textfile.c milter/textfile.h
relaymilter_CFLAGS += $(SYSTEMD_CFLAGS)
relaymilter_LDADD += $(SYSTEMD_LIBS)

TESTS += tests/ops/stats.sh
dist_check_SCRIPTS += tests/ops/stats.sh tests/ops/prom-check.py

# The systemd unit: installed where systemd looks when configure knows it.
EXTRA_DIST += contrib/systemd/relaymilter.service
TESTS += tests/ops/systemd.sh
dist_check_SCRIPTS += tests/ops/systemd.sh tests/ops/notify-listen.py

# The key table, printed, to check the man page against it.
check_PROGRAMS += tests/tools/dumpkeys
tests_tools_dumpkeys_SOURCES = tests/tools/dumpkeys.c
tests_tools_dumpkeys_LDADD = $(RELAYMILTER_LIBS)

# Man pages: generated from man/*.in with the configured paths (the default
# socket and config file show where this build looks for them).
man_MANS = man/relaymilter.8 man/relaymilter.conf.5 man/relaymilter-query.1
EXTRA_DIST += man/relaymilter.8.in man/relaymilter.conf.5.in man/relaymilter-query.1.in
CLEANFILES += $(man_MANS)
edit_man = $(MKDIR_P) man && sed \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@runstatedir[@]|$(runstatedir)|g' \
	-e 's|@PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g'
man/relaymilter.8: $(srcdir)/man/relaymilter.8.in Makefile
	$(AM_V_GEN)$(edit_man) $(srcdir)/man/relaymilter.8.in >$@
man/relaymilter.conf.5: $(srcdir)/man/relaymilter.conf.5.in Makefile
	$(AM_V_GEN)$(edit_man) $(srcdir)/man/relaymilter.conf.5.in >$@
man/relaymilter-query.1: $(srcdir)/man/relaymilter-query.1.in Makefile
	$(AM_V_GEN)$(edit_man) $(srcdir)/man/relaymilter-query.1.in >$@
check_DATA = $(man_MANS)

TESTS += tests/ops/man.sh
dist_check_SCRIPTS += tests/ops/man.sh

# The Debian package: slow (a full dpkg-buildpackage), so not in `make
# check`; `make check-deb` and tests/run-all run it.
EXTRA_DIST += tests/pkg/deb.sh debian contrib/logrotate/relaymilter
check-deb:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS=tests/pkg/deb.sh
.PHONY: check-deb

# The README's two commands (contrib/tools/quickstart, tests/run-all) in
# either order, staged under throwaway DESTDIRs (issue 16).
EXTRA_DIST += contrib/tools/install-deps contrib/tools/quickstart \
	contrib/tools/ensure-configured tests/run-all tests/preflight tests/fresh-machine
TESTS += tests/tools/two-commands.sh
dist_check_SCRIPTS += tests/tools/two-commands.sh

# tests/preflight: what tests/run-all checks before the suites (issue 10).
TESTS += tests/tools/preflight.sh
dist_check_SCRIPTS += tests/tools/preflight.sh

# The README's two commands in a brand-new Debian 12 root (debootstrap,
# chroot; as root, slow, needs deb.debian.org): never part of CI or run-all.
fresh-machine:
	$(abs_top_srcdir)/tests/fresh-machine
.PHONY: fresh-machine

# One decision-log line from the daemon's formatter, for log consumers' tests.
check_PROGRAMS += tests/tools/declogline
tests_tools_declogline_SOURCES = tests/tools/declogline.c
tests_tools_declogline_LDADD = $(RELAYMILTER_LIBS)

# fail2ban: filter and jail, checked with fail2ban-regex.
EXTRA_DIST += contrib/fail2ban/filter.d/relaymilter.conf contrib/fail2ban/jail.d/relaymilter.conf
TESTS += tests/ops/fail2ban.sh
dist_check_SCRIPTS += tests/ops/fail2ban.sh

# docs/abuse.md's jq recipes against the real JSON format.
TESTS += tests/ops/abuse.sh
dist_check_SCRIPTS += tests/ops/abuse.sh
EXTRA_DIST += docs/install.md docs/operations.md docs/abuse.md
