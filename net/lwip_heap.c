/* lwIP's memory within a budget (see lwip_heap.h). */
#include "net/lwip_heap.h"

#include <stdlib.h>
#include <string.h>

struct lwip_heap_stats lwip_heap_st;

/* Each block starts with its size; 16 bytes keep the payload as aligned
 * as malloc's. */
#define HDR 16

void *lwip_heap_malloc(size_t n)
{
	size_t total = n + HDR;
	uint8_t *p;

	if (n > LWIP_HEAP_BUDGET
	    || total > LWIP_HEAP_BUDGET - lwip_heap_st.in_use) {
		lwip_heap_st.refused++;
		return NULL;
	}
	p = malloc(total);
	if (!p)
		return NULL;
	memcpy(p, &total, sizeof(total));
	lwip_heap_st.in_use += total;
	if (lwip_heap_st.in_use > lwip_heap_st.peak)
		lwip_heap_st.peak = lwip_heap_st.in_use;
	return p + HDR;
}

void *lwip_heap_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > LWIP_HEAP_BUDGET / size) {
		lwip_heap_st.refused++;
		return NULL;
	}
	p = lwip_heap_malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void lwip_heap_free(void *p)
{
	size_t total;

	if (!p)
		return;
	p = (uint8_t *)p - HDR;
	memcpy(&total, p, sizeof(total));
	lwip_heap_st.in_use -= total;
	free(p);
}
