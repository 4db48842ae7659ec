/* Host stacks with a guard page, known to the exception handler. */
#ifndef PLINTH_X86_STACK_H
#define PLINTH_X86_STACK_H

#include <stddef.h>
#include <stdint.h>

/* A stack of `pages` pages from the pool with an unmapped guard page
 * below it (the guard takes effect when paging is set up); a fault in
 * the guard is reported as an overflow of `name`.  Returns its top, or 0
 * when the pool is exhausted. */
uint64_t stack_alloc(size_t pages, const char *name);

#endif
