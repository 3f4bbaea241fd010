# tests/daemon: the real daemon over the milter protocol; tests/query
TESTS += tests/daemon/limits.sh tests/daemon/cli.sh tests/daemon/daemon.sh tests/daemon/syslog.sh tests/query/query.sh
dist_check_SCRIPTS += tests/daemon/limits.sh tests/daemon/cli.sh tests/daemon/daemon.sh tests/daemon/syslog.sh tests/query/query.sh
dist_check_DATA += tests/daemon/lib.sh tests/lib/tap.sh tests/lib/proc.sh
EXTRA_DIST += tests/tsan.supp tests/valgrind.supp
