# redis: the shared rate-limit store (policy/limits/redisstore.c) and its
# tests against a private redis-server on a unix socket.
librelaymilter_a_SOURCES += policy/limits/redisstore.c policy/limits/redisstore.h \
	policy/limits/redis_script.c policy/limits/redis_script.h

# A driver for the Redis store tests (tests/integ/redisstore.sh).
check_PROGRAMS += tests/integ/redisprobe
tests_integ_redisprobe_SOURCES = tests/integ/redisprobe.c
tests_integ_redisprobe_LDADD = $(RELAYMILTER_LIBS)

REDIS_INTEG_TESTS = tests/integ/redisstore.sh tests/integ/limits_redis.sh
TESTS += $(REDIS_INTEG_TESTS)
dist_check_SCRIPTS += $(REDIS_INTEG_TESTS)
dist_check_DATA += tests/integ/lib_redis.sh
