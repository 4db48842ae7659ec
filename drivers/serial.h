/* 16550-compatible UART, polled.
 *
 * The hypervisor takes no interrupts of its own, so output waits on the
 * transmit-holding-register-empty bit and input is polled from the run
 * loop.  Every wait is bounded: a missing or wedged UART (LSR reads 0xff
 * on an empty bus) must never hang the console. */
#ifndef PLINTH_SERIAL_H
#define PLINTH_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct serial {
	uint16_t port; /* 0 = disabled */
	bool present;
};

/* Probes the UART at `port` through its scratch register and programs
 * 115200 8N1 with FIFOs on.  Returns false (and disables output) when no
 * UART answers there. */
bool serial_init(struct serial *s, uint16_t port);

/* Uses a UART the firmware already programmed, without touching its
 * settings (used before ExitBootServices). */
void serial_attach(struct serial *s, uint16_t port);

void serial_write(struct serial *s, const char *buf, size_t len);

/* Returns a received byte, or -1 when none is waiting. */
int serial_getc(struct serial *s);

/* Waits (bounded) until the transmitter is empty, so that nothing is lost
 * when the machine powers off or resets right after. */
void serial_drain(struct serial *s);

#endif
