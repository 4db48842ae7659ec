/* Ending a run: power-off, reboot, halt, and the configured actions. */
#ifndef PLINTH_POWER_H
#define PLINTH_POWER_H

#include <stdint.h>

/* Codes written to the `debug_exit` port (QEMU's isa-debug-exit) before a
 * failure action, so a test bench can tell failures apart.  QEMU exits
 * with status code * 2 + 1.  A clean power-off writes nothing: it goes
 * through the firmware and QEMU exits with status 0. */
#define DEBUG_EXIT_FAULT 0x10
#define DEBUG_EXIT_PANIC 0x11
#define DEBUG_EXIT_SELFTEST 0x12
#define DEBUG_EXIT_NO_GUEST 0x13 /* VT-x missing, guest could not start */

/* How the firmware resets the machine (UEFI ResetSystem). */
enum boot_reset_kind {
	BOOT_RESET_COLD,
	BOOT_RESET_SHUTDOWN,
};

/* What a failure does (plinth.cfg's on_fault). */
enum power_action {
	POWER_ACT_HALT,
	POWER_ACT_POWEROFF,
	POWER_ACT_REBOOT,
};

struct power_setup {
	/* UEFI runtime ResetSystem; returns only if the firmware failed. */
	void (*fw_reset)(enum boot_reset_kind kind);
	enum power_action on_fault;
	uint16_t debug_exit_port; /* 0 = none */
};

void power_init(const struct power_setup *ps);

/* The machine under the base library, provided by arch/ (arch/x86/
 * machine.c): stop this CPU for good, and reset the board through the
 * chipset when the firmware could not. */
void machine_halt_forever(void) __attribute__((noreturn));
void machine_reset(void);
/* Writes `code` to the debug-exit port (QEMU's isa-debug-exit). */
void machine_debug_exit(uint16_t port, uint8_t code);

void power_off(const char *why) __attribute__((noreturn));
void power_reboot(const char *why) __attribute__((noreturn));
void power_halt(const char *why) __attribute__((noreturn));
/* Stops at once, with nothing printed: for a fault inside a fault. */
void power_halt_now(void) __attribute__((noreturn));

/* A failure: writes `code` to the debug-exit port when one is configured,
 * then takes the on_fault action. */
void power_fail(uint8_t code, const char *why) __attribute__((noreturn));
void power_fault_action(const char *why) __attribute__((noreturn));

/* A fatal internal error: prints and takes the on_fault action. */
void panic(const char *f, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
