#include "net/lwip_port.h"

#include <stdarg.h>

#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"
#include "hv/base/power.h"
#include "lwip/init.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"

u32_t sys_now(void)
{
	return (u32_t)(clock_ns() / 1000000);
}

void plinth_lwip_diag(const char *f, ...)
{
	char buf[256];

	FMT_ARGS(buf, f);
	log_printf("lwip: %s", buf);
}

void plinth_lwip_assert(const char *msg, const char *file, int line)
{
	panic("lwIP assertion '%s' failed at %s:%d", msg, file, line);
}

/* lwIP wants randomness for ports, ISNs and DHCP transaction ids; RDRAND
 * where the CPU has it, else the TSC (unpredictable enough for those). */
uint32_t plinth_lwip_rand(void)
{
	if (cpuid(1, 0).ecx & (1u << 30)) {
		uint32_t v;
		unsigned char ok;

		for (int i = 0; i < 10; i++) {
			__asm__ volatile("rdrand %0; setc %1"
					 : "=r"(v), "=qm"(ok));
			if (ok)
				return v;
		}
	}
	uint64_t t = rdtsc();

	return (uint32_t)(t ^ (t >> 29) ^ (t * 0x9e3779b97f4a7c15ull >> 32));
}

void net_init(void)
{
	lwip_init();
}

void net_poll(void)
{
	sys_check_timeouts();
}

const char *net_lwip_version(void)
{
	return LWIP_VERSION_STRING;
}
