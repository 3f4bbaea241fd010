/*
 * latency: a growing vector of latency samples (nanoseconds) and
 * nearest-rank percentiles over it. One vector per generator thread, merged
 * at the end; allocation failure ends the process.
 */
#ifndef RM_BENCH_LATENCY_H
#define RM_BENCH_LATENCY_H

#include <stddef.h>
#include <stdint.h>

struct latvec {
	uint64_t *ns;
	size_t n, cap;
};

void latvec_push(struct latvec *v, uint64_t ns);
/* Append SRC's samples to DST. */
void latvec_merge(struct latvec *dst, const struct latvec *src);
void latvec_sort(struct latvec *v);
/* Nearest-rank percentile P (0 < P <= 100) of a sorted V; 0 when empty. */
uint64_t latvec_percentile(const struct latvec *v, double p);
void latvec_free(struct latvec *v);

#endif
