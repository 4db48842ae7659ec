/* The machine under hv/base/power.c: halting this CPU and the chipset's
 * reset lines, for when the firmware's ResetSystem is gone or failed. */
#include "hv/base/power.h"

#include "arch/x86/cpu.h"
#include "arch/x86/io.h"

void machine_halt_forever(void)
{
	cpu_halt_forever();
}

void machine_reset(void)
{
	/* The reset control register (0xCF9) on PC chipsets, then the
	 * keyboard controller's reset line. */
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
		cpu_pause();
	outb(0x64, 0xfe);
}

void machine_debug_exit(uint16_t port, uint8_t code)
{
	outb(port, code);
}
