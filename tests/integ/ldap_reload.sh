#!/bin/bash
# ldap_reload.sh: a reload during an LDAP outage keeps mail flowing (SPEC
# §1, §2). The real daemon, a real slapd: with slapd stopped, SIGUSR1 with
# the same config, with an unrelated key changed, and with ldap.timeout
# changed; each time the client allowlisted through an LDAP network still
# relays and a cached LDAP-local domain is still accepted. A reload keeps
# the LDAP counters; log rotation (rename + SIGUSR1) opens a new JSON log
# and keeps the directory. Runs under RM_WRAPPER (valgrind) and TSan too.
. "$top_srcdir/tests/daemon/lib.sh"
. "$top_srcdir/tests/integ/lib_slapd.sh"
export LOCAL_DOMAINS='"static.example"'
. "$top_srcdir/tests/integ/lib_ldapd.sh"

# flowing LABEL: the two things that must survive an outage, asked now.
flowing() {
	sess postfix 198.51.100.7 '<b@elsewhere.example>'
	like "$1: LDAP-network client relays" "$(answer '<b@elsewhere.example>')" '^continue$'
	sess postfix 203.0.113.5 '<b@example.org>' '<b@uncached.example>'
	like "$1: cached LDAP-local domain accepted" "$(answer '<b@example.org>')" '^continue$'
	like "$1: never-cached domain: 451, never accepted" "$(answer '<b@uncached.example>')" "$TEMPFAIL"
}

# stat KEY: KEY's value in the last SIGUSR2 counters line.
stat() {
	local n
	n=$(grep -c 'ldap_queries=' "$TMP/stderr")
	kill -USR2 "$RM_PID"
	for _ in $(seq 1 100); do
		[ "$(grep -c 'ldap_queries=' "$TMP/stderr")" -gt "$n" ] && break
		sleep 0.05
	done
	grep -o " $1=[0-9]*" "$TMP/stderr" | tail -1 | cut -d= -f2
}

slapd_init a
slapd_start a
conf
rm_start "$CONF" || bail_out "relaymilter did not start"

sess postfix 203.0.113.5 '<b@example.org>'
like "slapd up: LDAP domain accepted" "$(answer '<b@example.org>')" '^continue$'
is "slapd up: ... asked LDAP" "$(logged 203.0.113.5 '<b@example.org>')" "accept local-recipient ldap"
sess postfix 198.51.100.7 '<b@elsewhere.example>'
like "slapd up: LDAP-network client relays" "$(answer '<b@elsewhere.example>')" '^continue$'
sess sendmail 203.0.113.6 '<b@example.org>'
is "slapd up: ... then from the cache" "$(logged 203.0.113.6 '<b@example.org>')" "accept local-recipient cache"
queries=$(stat ldap_queries)
hits=$(stat cache_hits)
ok_if "counters: LDAP was asked ($queries searches, $hits cache hits)" \
	test "${queries:-0}" -gt 0 -a "${hits:-0}" -gt 0

# ---- log rotation with slapd up: a new JSON file, the same directory.
mv "$JSON" "$JSON.1"
ok_if "rotate: SIGUSR1" reload
like "rotate: the LDAP directory is kept" "$(cat "$TMP/stderr")" "LDAP directory kept"
sess postfix 203.0.113.5 '<b@example.org>'
ok_if "rotate: a new JSON log holds the next decision" test -s "$JSON"
is "rotate: ... answered from the kept cache (expired: asked again)" \
	"$(logged 203.0.113.5 '<b@example.org>')" "accept local-recipient ldap"
ok_if "rotate: the old file kept what it had" grep -q '"source":"ldap"' "$JSON.1"

slapd_stop a
flowing "slapd down, before any reload"

ok_if "same config: SIGUSR1 with slapd down" reload
flowing "slapd down, reloaded (same config)"
is "same config: the cached domain answered stale" "$(logged 203.0.113.5 '<b@example.org>')" \
	"accept local-recipient stale-cache"

conf "" 'unauth_local_sender = "accept";'
ok_if "unrelated key: SIGUSR1 with slapd down" reload
flowing "slapd down, reloaded (unrelated key changed)"

TIMEOUT=1.5
conf
ok_if "ldap.timeout changed: SIGUSR1 with slapd down" reload
like "ldap.timeout changed: a new directory, seeded" "$(cat "$TMP/stderr")" \
	"new LDAP directory \\(ldap or cache changed\\)"
flowing "slapd down, reloaded (ldap.timeout changed)"
is "ldap.timeout changed: the carried-over answer is stale" \
	"$(logged 203.0.113.5 '<b@example.org>')" "accept local-recipient stale-cache"
after=$(stat ldap_queries)
ok_if "counters: LDAP searches counted across reloads ($queries -> $after)" \
	test "${after:-0}" -ge "$queries"
n=$(stat cache_hits)
ok_if "counters: cache hits from before the reloads still counted ($hits -> $n)" \
	test "${n:-0}" -ge "$hits"
ok_if "counters: stale answers counted" test "$(stat cache_stale)" -ge 3

slapd_start a
ok_if "slapd back: the new directory reaches it" \
	until_answer 15 postfix 203.0.113.5 '<b@uncached.example>' "$DENIED"
sess postfix 198.51.100.7 '<b@elsewhere.example>'
like "slapd back: LDAP-network client relays" "$(answer '<b@elsewhere.example>')" '^continue$'
rm_stop
is "stopped cleanly" "$?" 0

# ---- a reload that cannot start its threads fails; the running config
# stays and serves (SPEC §2). pthread_create fails on demand through an
# LD_PRELOAD shim; not under a sanitizer or valgrind (their runtimes must
# come first, and they wrap thread creation themselves).
SHIM=$top_builddir/tests/tools/failthreads.so
if [ -n "${RM_WRAPPER:-}" ] || grep -qa -e __asan_init -e __tsan_init "$RM_BIN"; then
	skip "thread creation failing during a reload" "sanitizer or valgrind build"
else
	export FAILTHREADS_FILE=$TMP/fail-threads
	TIMEOUT=1.0
	conf
	LD_PRELOAD=$SHIM rm_start "$CONF" || bail_out "relaymilter did not start with the shim"
	GEN=1
	sess postfix 203.0.113.5 '<b@example.org>'
	like "threads: serving before the reload" "$(answer '<b@example.org>')" '^continue$'
	TIMEOUT=2.0
	conf # a changed ldap section: the reload needs a new directory, new threads
	touch "$FAILTHREADS_FILE"
	kill -USR1 "$RM_PID"
	for _ in $(seq 1 100); do
		grep -q "reload failed" "$TMP/stderr" && break
		sleep 0.05
	done
	rm -f "$FAILTHREADS_FILE"
	like "threads: the reload fails, saying why" "$(cat "$TMP/stderr")" \
		"reload: .*cannot start the LDAP reconnect thread"
	like "threads: ... and keeps the running configuration" "$(cat "$TMP/stderr")" \
		"reload failed: still running the previous configuration"
	ok_if "threads: the daemon is still running" kill -0 "$RM_PID"
	sess sendmail 203.0.113.6 '<b@example.org>' '<b@nowhere.example>'
	like "threads: still serves: LDAP domain accepted" "$(answer '<b@example.org>')" '^continue$'
	like "threads: still serves: remote domain refused" "$(answer '<b@nowhere.example>')" "$DENIED"
	ok_if "threads: a later reload works" reload
	rm_stop
	is "threads: stopped cleanly" "$?" 0
fi
done_testing
