# fuzz: libFuzzer targets (tests/fuzz/fuzz_*.c), their corpora, the corpus
# replay run by `make check`, `make fuzz`, and the milter-protocol fuzzer.
#
# `make check` links every target with tests/fuzz/replay_main.c (no clang
# needed) and tests/fuzz/replay.sh feeds it every corpus. `make fuzz` builds
# the same targets with clang -fsanitize=fuzzer,address,undefined and runs
# each for FUZZ_SECONDS with its corpus; new inputs land in FUZZ_WORKDIR,
# never in git (see tests/fuzz/README.md).
FUZZ_TARGETS = address cidr config engine ldap_filter sync_proto

FUZZ_REPLAY_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(LIBIDN2_CFLAGS) $(LDAP_CFLAGS)
check_PROGRAMS += tests/fuzz/replay_address tests/fuzz/replay_cidr \
	tests/fuzz/replay_config tests/fuzz/replay_engine tests/fuzz/replay_ldap_filter
tests_fuzz_replay_address_SOURCES = tests/fuzz/fuzz_address.c tests/fuzz/replay_main.c
tests_fuzz_replay_address_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_address_LDADD = $(RELAYMILTER_LIBS)
tests_fuzz_replay_cidr_SOURCES = tests/fuzz/fuzz_cidr.c tests/fuzz/replay_main.c
tests_fuzz_replay_cidr_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_cidr_LDADD = $(RELAYMILTER_LIBS)
tests_fuzz_replay_config_SOURCES = tests/fuzz/fuzz_config.c tests/fuzz/replay_main.c \
	tests/fuzz/oracle.h
tests_fuzz_replay_config_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_config_LDADD = $(RELAYMILTER_LIBS)
tests_fuzz_replay_engine_SOURCES = tests/fuzz/fuzz_engine.c tests/fuzz/replay_main.c \
	tests/fuzz/oracle.h
tests_fuzz_replay_engine_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_engine_LDADD = $(RELAYMILTER_LIBS)
tests_fuzz_replay_ldap_filter_SOURCES = tests/fuzz/fuzz_ldap_filter.c tests/fuzz/replay_main.c
tests_fuzz_replay_ldap_filter_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_ldap_filter_LDADD = $(RELAYMILTER_LIBS)

TESTS += tests/fuzz/replay.sh
dist_check_SCRIPTS += tests/fuzz/replay.sh
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/README.md tests/fuzz/lsan.supp \
	tests/fuzz/valgrind.supp

# ---- make fuzz ----
FUZZ_SECONDS = 60
FUZZ_WORKDIR = $(abs_top_builddir)/fuzz-work
FUZZ_CC = clang
FUZZ_JOBS = 1
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_DEP_CFLAGS = $(AM_CPPFLAGS) $(LIBCONFIG_CFLAGS) $(LIBIDN2_CFLAGS) $(LDAP_CFLAGS)
FUZZ_DEP_LIBS = $(LIBCONFIG_LIBS) $(LIBIDN2_LIBS) $(LDAP_LIBS) $(PTHREAD_LIBS)

# The library is compiled with the fuzzing flags too (coverage feedback
# comes from it), once per run, into the work dir; plain shell, no GNU make.
fuzz-build: config.h
	@set -e; obj=$(FUZZ_WORKDIR)/obj; mkdir -p $$obj $(FUZZ_WORKDIR)/bin; \
	rm -f $$obj/*.o $$obj/librm.a; \
	for src in $(librelaymilter_a_SOURCES); do \
		case $$src in *.c) ;; *) continue ;; esac; \
		o=$$obj/`echo $$src | tr / _ | sed 's/\.c$$/.o/'`; \
		echo "  FUZZCC   $$src"; \
		$(FUZZ_CC) $(FUZZ_CFLAGS) -fvisibility=hidden $(FUZZ_DEP_CFLAGS) \
			-c -o $$o $(top_srcdir)/$$src; \
	done; \
	ar cr $$obj/librm.a $$obj/*.o; \
	for t in $(FUZZ_TARGETS); do \
		echo "  FUZZLD   fuzz_$$t"; \
		$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_DEP_CFLAGS) -o $(FUZZ_WORKDIR)/bin/fuzz_$$t \
			$(top_srcdir)/tests/fuzz/fuzz_$$t.c $$obj/librm.a $(FUZZ_DEP_LIBS); \
	done

# Each target: the seed corpus read-only, new inputs into the work dir.
fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_WORKDIR)/corpus/$$t $(FUZZ_WORKDIR)/crash/$$t; \
		echo "== fuzz_$$t: $(FUZZ_SECONDS) s"; \
		LSAN_OPTIONS=suppressions=$(abs_top_srcdir)/tests/fuzz/lsan.supp \
		$(FUZZ_WORKDIR)/bin/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-jobs=$(FUZZ_JOBS) -workers=$(FUZZ_JOBS) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_WORKDIR)/crash/$$t/ \
			$(FUZZ_WORKDIR)/corpus/$$t $(abs_top_srcdir)/tests/fuzz/corpus/$$t \
			2>$(FUZZ_WORKDIR)/fuzz_$$t.log || \
			{ tail -40 $(FUZZ_WORKDIR)/fuzz_$$t.log; exit 1; }; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' \
			$(FUZZ_WORKDIR)/fuzz_$$t.log; \
	done
	$(MAKE) $(AM_MAKEFLAGS) fuzz-milter

# The milter-protocol fuzzer against the daemon, longer than in make check.
FUZZ_MILTER_SECONDS = 120
fuzz-milter: relaymilter tests/fuzz/milterfuzz
	MILTERFUZZ_SECONDS=$(FUZZ_MILTER_SECONDS) top_srcdir='$(abs_top_srcdir)' \
		top_builddir='$(abs_top_builddir)' $(SHELL) $(top_srcdir)/tests/daemon/milterfuzz.sh

# Minimise the work dir's new inputs into a candidate seed set to review
# (and copy into tests/fuzz/corpus by hand).
fuzz-merge: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		rm -rf $(FUZZ_WORKDIR)/merged/$$t; mkdir -p $(FUZZ_WORKDIR)/merged/$$t; \
		$(FUZZ_WORKDIR)/bin/fuzz_$$t -merge=1 $(FUZZ_WORKDIR)/merged/$$t \
			$(abs_top_srcdir)/tests/fuzz/corpus/$$t $(FUZZ_WORKDIR)/corpus/$$t \
			2>/dev/null; \
		echo "fuzz_$$t: $$(ls $(FUZZ_WORKDIR)/merged/$$t | wc -l) inputs in $(FUZZ_WORKDIR)/merged/$$t"; \
	done

clean-local: clean-fuzz
clean-fuzz:
	rm -rf $(FUZZ_WORKDIR)
.PHONY: fuzz fuzz-build fuzz-milter fuzz-merge clean-fuzz

# ---- the milter-protocol fuzzer, against the real daemon ----
check_PROGRAMS += tests/fuzz/milterfuzz
tests_fuzz_milterfuzz_SOURCES = tests/fuzz/milterfuzz.c tests/fuzz/mfwire.c tests/fuzz/mfwire.h
TESTS += tests/daemon/milterfuzz.sh
dist_check_SCRIPTS += tests/daemon/milterfuzz.sh
