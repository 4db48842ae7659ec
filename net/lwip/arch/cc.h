/* lwIP's compiler and platform glue (lwIP doc/contrib "porting"). */
#ifndef PLINTH_LWIP_CC_H
#define PLINTH_LWIP_CC_H

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

/* newlib defines BYTE_ORDER itself; lwIP must not.  Without SSIZE_MAX
 * lwIP typedefs ssize_t as int, which clashes with newlib's long. */
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX
#endif

void plinth_lwip_diag(const char *f, ...);
void plinth_lwip_assert(const char *msg, const char *file, int line)
	__attribute__((noreturn));
uint32_t plinth_lwip_rand(void);

#define LWIP_PLATFORM_DIAG(x)                                                  \
	do {                                                                   \
		plinth_lwip_diag x;                                            \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x) plinth_lwip_assert(x, __FILE__, __LINE__)
#define LWIP_RAND() plinth_lwip_rand()

#endif
