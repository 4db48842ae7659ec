/* The legacy PC chips a stock kernel still probes: the 8259A PIC pair
 * (present, initialisable, never delivering: interrupts go through the
 * IOAPIC, and the MADT's PCAT_COMPAT flag tells the OS to mask the PICs),
 * the 8254 PIT with port 0x61, and the 8042 keyboard controller, whose
 * only job here is the reset line (command 0xFE). */
#ifndef PLINTH_LEGACY_H
#define PLINTH_LEGACY_H

#include <stdbool.h>
#include <stdint.h>

struct vpic {
	uint8_t imr, icw_step, icw4_needed, single, vector_base, read_isr;
};

struct vpit_channel {
	uint16_t reload;      /* 0 means 65536 */
	uint8_t mode, access; /* access: 1 LSB, 2 MSB, 3 LSB then MSB */
	bool write_msb_next, read_msb_next, latched, loaded;
	uint16_t latch;
	uint64_t start_ns;    /* when the count was loaded */
	uint64_t next_irq_ns; /* channel 0: next output edge, 0 = none */
};

struct vlegacy {
	struct vpic pic[2];
	struct vpit_channel pit[3];
	uint8_t port61;	 /* gate 2 (bit 0), speaker (bit 1) */
	uint8_t kbc_out; /* 8042 output buffer, valid if kbc_full */
	bool kbc_full, reset_requested;
	uint64_t (*now_ns)(void);
	void (*irq0)(void *ctx); /* a PIT channel-0 output edge */
	void *irq_ctx;
};

void vlegacy_init(struct vlegacy *l, uint64_t (*now_ns)(void));
/* Registers ports 0x20-0x21, 0xa0-0xa1, 0x40-0x43, 0x60, 0x61, 0x64 and
 * the POST port 0x80. */
int vlegacy_attach(struct vlegacy *l);
/* Raises channel-0 edges that are due; returns the time of the next one
 * (0 if none), for the run loop's timer. */
uint64_t vlegacy_tick(struct vlegacy *l, uint64_t now_ns);

#endif
