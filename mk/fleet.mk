# fleet: three MTAs (network namespaces, each a private Postfix with its own
# relaymilter in sync mode) on a replicated OpenLDAP (one provider, two
# syncrepl consumers) and one shared Redis, tested as one system
# (tests/fleet/, docs/fleet.md). Needs root; not in `make check` (TESTS):
# tests/run-all runs `make check-fleet`, which prints TAP, ends with the plan
# and "# fleet: N passed, M failed, in S s", and fails when a check does.
# FLEET_FIGURES=FILE (environment) also writes the measured figures there;
# E2E_KEEP=1 keeps the temp dir.
FLEET_PROGS = relaymilter$(EXEEXT)
FLEET_ENV = top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)'

dist_noinst_SCRIPTS += tests/fleet/fleet.sh tests/fleet/lib_fleet.sh tests/fleet/smtpprobe.sh
# the configs the fleet runs from; docs/fleet.md quotes them and the test
# checks that it does
dist_noinst_DATA += \
	tests/fleet/slapd-provider.conf tests/fleet/slapd-provider.ldif \
	tests/fleet/slapd-consumer.conf tests/fleet/slapd-consumer.ldif \
	tests/fleet/fleet.ldif tests/fleet/redis.conf tests/fleet/relaymilter.conf \
	tests/fleet/postfix-main.cf
EXTRA_DIST += docs/fleet.md

check-fleet: $(FLEET_PROGS)
	$(FLEET_ENV) $(SHELL) $(abs_top_srcdir)/tests/fleet/fleet.sh

.PHONY: check-fleet
