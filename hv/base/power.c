#include "hv/base/power.h"

#include <stdarg.h>

#include "hv/base/fmt.h"
#include "hv/base/log.h"

static void (*fw_reset)(enum boot_reset_kind kind);
static enum power_action on_fault = POWER_ACT_HALT;
static uint16_t debug_exit_port;

void power_init(const struct power_setup *ps)
{
	fw_reset = ps->fw_reset;
	on_fault = ps->on_fault;
	debug_exit_port = ps->debug_exit_port;
}

static const char *action_name(enum power_action a)
{
	switch (a) {
	case POWER_ACT_POWEROFF:
		return "poweroff";
	case POWER_ACT_REBOOT:
		return "reboot";
	default:
		return "halt";
	}
}

void power_halt_now(void)
{
	machine_halt_forever();
}

void power_halt(const char *why)
{
	log_msg("halting: %s", why);
	log_drain();
	machine_halt_forever();
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
	machine_reset();
	power_halt("reset failed");
}

void power_fault_action(const char *why)
{
	power_fail(DEBUG_EXIT_FAULT, why);
}

void power_fail(uint8_t code, const char *why)
{
	log_msg("failure: %s; on_fault = %s", why, action_name(on_fault));
	log_drain();
	if (debug_exit_port)
		machine_debug_exit(debug_exit_port, code);
	switch (on_fault) {
	case POWER_ACT_POWEROFF:
		power_off(why);
	case POWER_ACT_REBOOT:
		power_reboot(why);
	default:
		power_halt(why);
	}
}

void panic(const char *f, ...)
{
	char buf[256];

	FMT_ARGS(buf, f);
	log_msg("PANIC: %s", buf);
	power_fail(DEBUG_EXIT_PANIC, buf);
}
