/* Ending a run: power-off, reboot, halt, and the configured actions. */
#ifndef PLINTH_POWER_H
#define PLINTH_POWER_H

#include <stdint.h>

#include "hv/boot_info.h"

/* Codes written to the `debug_exit` port (QEMU's isa-debug-exit) before a
 * failure action, so a test bench can tell failures apart.  QEMU exits
 * with status code * 2 + 1.  A clean power-off writes nothing: it goes
 * through the firmware and QEMU exits with status 0. */
#define DEBUG_EXIT_FAULT 0x10
#define DEBUG_EXIT_PANIC 0x11
#define DEBUG_EXIT_SELFTEST 0x12
#define DEBUG_EXIT_NO_GUEST 0x13 /* VT-x missing, guest could not start */

void power_init(const struct boot_info *bi);

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
