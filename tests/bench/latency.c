/*
 * latency: sample vectors and nearest-rank percentiles (see latency.h).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "tests/bench/latency.h"

void latvec_push(struct latvec *v, uint64_t ns)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 4096;
		v->ns = xrealloc(v->ns, v->cap * sizeof *v->ns);
	}
	v->ns[v->n++] = ns;
}

void latvec_merge(struct latvec *dst, const struct latvec *src)
{
	if (src->n == 0)
		return;
	if (dst->n + src->n > dst->cap) {
		dst->cap = dst->n + src->n;
		dst->ns = xrealloc(dst->ns, dst->cap * sizeof *dst->ns);
	}
	memcpy(dst->ns + dst->n, src->ns, src->n * sizeof *src->ns);
	dst->n += src->n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void latvec_sort(struct latvec *v)
{
	if (v->n > 1)
		qsort(v->ns, v->n, sizeof *v->ns, cmp_u64);
}

uint64_t latvec_percentile(const struct latvec *v, double p)
{
	/* P in thousandths of a percent, so 99.9% of 1000 is rank 999 exactly */
	unsigned long long milli = (unsigned long long)llround(p * 1000.0), rank;

	if (v->n == 0)
		return 0;
	/* nearest rank: the smallest sample with at least P% at or below it */
	rank = (milli * v->n + 99999) / 100000;
	if (rank < 1)
		rank = 1;
	if (rank > v->n)
		rank = v->n;
	return v->ns[rank - 1];
}

void latvec_free(struct latvec *v)
{
	free(v->ns);
	memset(v, 0, sizeof *v);
}
