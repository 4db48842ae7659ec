/* A spin lock for the little state the I/O core and the vCPU's core
 * share outside the data path: the log and the guest's status, console
 * and requests (hv/run/iocore.h says who owns what).
 *
 * Taking it spins a bounded time: a core that faults while it holds the
 * lock (the fault report logs) or one that stopped with it held must not
 * silence the other for good, so after SPIN_BOUND tries the caller goes
 * on without it, and spin_unlock() then leaves the lock alone. */
#ifndef PLINTH_SPIN_H
#define PLINTH_SPIN_H

#include <stdbool.h>

#define SPIN_BOUND (1u << 24) /* tries: well over 100 ms on any CPU */

struct spin {
	int held;
};

static inline void spin_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* True if taken; false if the bound ran out (pass it to spin_unlock). */
static inline bool spin_lock(struct spin *s)
{
	for (unsigned i = 0; i < SPIN_BOUND; i++) {
		if (!__atomic_load_n(&s->held, __ATOMIC_RELAXED)
		    && !__atomic_exchange_n(&s->held, 1, __ATOMIC_ACQUIRE))
			return true;
		spin_relax();
	}
	return false;
}

static inline void spin_unlock(struct spin *s, bool taken)
{
	if (taken)
		__atomic_store_n(&s->held, 0, __ATOMIC_RELEASE);
}

#endif
