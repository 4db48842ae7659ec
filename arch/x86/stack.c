#include "arch/x86/stack.h"

#include "arch/x86/exception.h"
#include "arch/x86/paging.h"
#include "hv/base/pool.h"

uint64_t stack_alloc(size_t pages, const char *name)
{
	char *s = pool_pages(pages + 1, 1);

	if (!s)
		return 0;
	uint64_t lo = (uint64_t)s + PAGE_SIZE, hi = lo + pages * PAGE_SIZE;

	paging_guard((uint64_t)s);
	exc_add_stack((uint64_t)s, lo, hi, name);
	return hi;
}
