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
