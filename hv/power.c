#include "hv/power.h"

#include <stdarg.h>

#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "hv/fmt.h"
#include "hv/log.h"

static void (*fw_reset)(enum boot_reset_kind kind);
static enum cfg_action on_fault = CFG_ACT_HALT;
static uint16_t debug_exit_port;

void power_init(const struct boot_info *bi)
{
	fw_reset = bi->reset;
	on_fault = bi->cfg.on_fault;
	debug_exit_port = bi->cfg.debug_exit_port;
}

void power_halt_now(void)
{
	cpu_halt_forever();
}

void power_halt(const char *why)
{
	log_msg("halting: %s", why);
	log_drain();
	cpu_halt_forever();
}

void power_off(const char *why)
{
	log_msg("powering off: %s", why);
	log_drain();
	if (fw_reset)
		fw_reset(BOOT_RESET_SHUTDOWN);
	power_halt("the firmware did not power the machine off");
}

void power_reboot(const char *why)
{
	log_msg("rebooting: %s", why);
	log_drain();
	if (fw_reset)
		fw_reset(BOOT_RESET_COLD);
	/* Firmware failed us: the reset control register (0xCF9) on PC
	 * chipsets, then the keyboard controller's reset line. */
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
		cpu_pause();
	outb(0x64, 0xfe);
	power_halt("reset failed");
}

void power_fault_action(const char *why)
{
	power_fail(DEBUG_EXIT_FAULT, why);
}

void power_fail(uint8_t code, const char *why)
{
	log_msg("failure: %s; on_fault = %s", why,
		config_action_name(on_fault));
	log_drain();
	if (debug_exit_port)
		outb(debug_exit_port, code);
	switch (on_fault) {
	case CFG_ACT_POWEROFF:
		power_off(why);
	case CFG_ACT_REBOOT:
		power_reboot(why);
	default:
		power_halt(why);
	}
}

void panic(const char *f, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, f);
	fmt_v(buf, sizeof(buf), f, ap);
	va_end(ap);
	log_msg("PANIC: %s", buf);
	power_fail(DEBUG_EXIT_PANIC, buf);
}
