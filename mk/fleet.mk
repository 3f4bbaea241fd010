# fleet: three MTAs (network namespaces, each a private Postfix with its own
# relaymilter in sync mode) on a replicated OpenLDAP (one provider, two
# syncrepl consumers) and one shared Redis, tested as one system
# (tests/fleet/, docs/fleet.md). Needs root; not in `make check` (TESTS):
# tests/run-all runs `make check-fleet`.
FLEET_PROGS = relaymilter$(EXEEXT)
FLEET_ENV = top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)'

dist_noinst_SCRIPTS += tests/fleet/fleet.sh

check-fleet: $(FLEET_PROGS)
	$(FLEET_ENV) $(SHELL) $(abs_top_srcdir)/tests/fleet/fleet.sh

.PHONY: check-fleet
