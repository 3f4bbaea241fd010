# bench: the benchmark and soak harness (tests/bench/, see its README.md).
# Nothing here runs in `make check` except the generator's own unit test;
# `make bench` and `make soak` build what they need and run the scripts.
EXTRA_PROGRAMS = tests/bench/loadgen tests/bench/nullmilter tests/bench/ldapbase \
	tests/bench/redisbase

tests_bench_loadgen_SOURCES = tests/bench/loadgen.c \
	tests/bench/envfile.c tests/bench/envfile.h \
	tests/bench/latency.c tests/bench/latency.h
tests_bench_loadgen_LDADD = tests/libmclient.a $(RELAYMILTER_LIBS) -lm

tests_bench_nullmilter_SOURCES = tests/bench/nullmilter.c milter/negotiate.c milter/negotiate.h
tests_bench_nullmilter_LDADD = $(MILTER_LIBS) $(PTHREAD_LIBS)

# The bare libldap round trip that cache-miss decisions are compared with.
tests_bench_ldapbase_SOURCES = tests/bench/ldapbase.c \
	tests/bench/latency.c tests/bench/latency.h
tests_bench_ldapbase_CFLAGS = $(AM_CFLAGS) $(LDAP_CFLAGS)
tests_bench_ldapbase_LDADD = librelaymilter.a $(LDAP_LIBS) $(PTHREAD_LIBS) -lm

# The bare EVALSHA round trip that Redis rate-limit checks are compared
# with: it includes policy/limits/redisstore.c (the same script, arguments
# and reply check; the dependency tracking sees the #include).
tests_bench_redisbase_SOURCES = tests/bench/redisbase.c \
	tests/bench/latency.c tests/bench/latency.h
tests_bench_redisbase_CFLAGS = $(AM_CFLAGS) $(HIREDIS_CFLAGS)
tests_bench_redisbase_LDADD = $(RELAYMILTER_LIBS) -lm

# Envelope parsing, reply expectations and percentiles: cheap, so checked.
check_PROGRAMS += tests/bench/test_loadgen
TESTS += tests/bench/test_loadgen
tests_bench_test_loadgen_SOURCES = tests/bench/test_loadgen.c \
	tests/bench/envfile.c tests/bench/envfile.h \
	tests/bench/latency.c tests/bench/latency.h
tests_bench_test_loadgen_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_bench_test_loadgen_LDADD = $(RELAYMILTER_LIBS) $(CHECK_LIBS) -lm

BENCH_PROGS = tests/bench/loadgen$(EXEEXT) tests/bench/nullmilter$(EXEEXT) \
	tests/bench/ldapbase$(EXEEXT) tests/bench/redisbase$(EXEEXT) \
	tests/mtclient$(EXEEXT) relaymilter$(EXEEXT)
BENCH_ENV = top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)'

dist_noinst_SCRIPTS += tests/bench/run-bench.sh tests/bench/soak.sh tests/bench/lib_bench.sh \
	tests/bench/report.sh tests/bench/e2e-bench.sh tests/bench/ab.sh \
	tests/bench/gen_domains.sh tests/bench/sync-baseline.sh \
	tests/bench/gen_people.sh tests/bench/accounts-bench.sh tests/bench/limits-bench.sh \
	tests/bench/limits-report.sh
dist_noinst_DATA += tests/bench/README.md tests/bench/envelopes.txt tests/bench/lookups.txt tests/bench/bench.gp \
	tests/bench/accounts.txt tests/bench/limits.txt

bench: $(BENCH_PROGS)
	$(BENCH_ENV) $(SHELL) $(abs_top_srcdir)/tests/bench/run-bench.sh

# Only the accounts part of `make bench` (tests/bench/README.md, "Accounts").
bench-accounts: $(BENCH_PROGS)
	mkdir -p tests/bench/results
	$(BENCH_ENV) RESULTS='$(abs_top_builddir)/tests/bench/results/accounts.txt' \
		$(SHELL) $(abs_top_srcdir)/tests/bench/accounts-bench.sh

# Only the rate-limits part of `make bench` (tests/bench/README.md, "Rate limits").
bench-limits: $(BENCH_PROGS)
	mkdir -p tests/bench/results
	$(BENCH_ENV) RESULTS='$(abs_top_builddir)/tests/bench/results/limits.txt' \
		$(SHELL) $(abs_top_srcdir)/tests/bench/limits-bench.sh

# This build against an earlier revision and the null milter, same run.
bench-ab: $(BENCH_PROGS)
	$(BENCH_ENV) $(SHELL) $(abs_top_srcdir)/tests/bench/ab.sh

soak: $(BENCH_PROGS)
	$(BENCH_ENV) $(SHELL) $(abs_top_srcdir)/tests/bench/soak.sh

# slapd's side of sync mode at 1M domains (tests/bench/README.md).
bench-sync:
	$(BENCH_ENV) $(SHELL) $(abs_top_srcdir)/tests/bench/sync-baseline.sh

CLEANFILES += $(EXTRA_PROGRAMS)
.PHONY: bench bench-ab bench-accounts bench-limits bench-sync soak
