/* lwIP's memory budget (net/lwip_heap.c): allocations past it fail and
 * are counted, what is freed is available again, and sizes that would
 * overflow are refused rather than wrapped. */
#include "tests/support/check.h"

#include <stdint.h>

#include "net/lwip_heap.h"

static void allocations_past_the_budget_fail_until_memory_is_freed(void)
{
	static void *p[LWIP_HEAP_BUDGET / 4000 + 1];
	unsigned n = 0;

	memset(&lwip_heap_st, 0, sizeof(lwip_heap_st));
	while (n < sizeof(p) / sizeof(p[0]) && (p[n] = lwip_heap_malloc(4000)))
		n++;
	/* Each block costs its size and a header: the budget holds this
	 * many and no more. */
	CHECK(n == LWIP_HEAP_BUDGET / (4000 + 16));
	CHECK(lwip_heap_st.refused == 1);
	CHECK(lwip_heap_st.in_use <= LWIP_HEAP_BUDGET);
	CHECK(!lwip_heap_malloc(4000));
	CHECK(lwip_heap_st.refused == 2);
	/* A small one may still fit in what is left. */
	void *small = lwip_heap_malloc(16);

	CHECK(small != NULL);
	lwip_heap_free(p[0]);
	p[0] = lwip_heap_malloc(4000);
	CHECK(p[0] != NULL);
	for (unsigned i = 0; i < n; i++)
		lwip_heap_free(p[i]);
	lwip_heap_free(small);
	CHECK(lwip_heap_st.in_use == 0);
	CHECK(lwip_heap_st.peak <= LWIP_HEAP_BUDGET);
}

static void sizes_that_overflow_are_refused(void)
{
	memset(&lwip_heap_st, 0, sizeof(lwip_heap_st));
	CHECK(!lwip_heap_malloc(SIZE_MAX));
	CHECK(!lwip_heap_malloc(SIZE_MAX - 8));
	CHECK(!lwip_heap_calloc(SIZE_MAX / 2, 4));
	CHECK(!lwip_heap_calloc(1u << 16, 1u << 16));
	CHECK(lwip_heap_st.refused == 4 && lwip_heap_st.in_use == 0);
	uint8_t *z = lwip_heap_calloc(10, 10);

	CHECK(z && z[0] == 0 && z[99] == 0);
	lwip_heap_free(z);
	lwip_heap_free(NULL);
	CHECK(lwip_heap_st.in_use == 0);
}

int main(void)
{
	RUN(allocations_past_the_budget_fail_until_memory_is_freed);
	RUN(sizes_that_overflow_are_refused);
	return CHECK_DONE();
}
