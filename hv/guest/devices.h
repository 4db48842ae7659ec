/* The guest's devices, described once.
 *
 * One table (devices.c) names every device the guest sees: the PC chips
 * and the virtio functions, each with its PCI slot, the GSI it raises,
 * its port and MMIO windows.  The guest is composed from that table (bus
 * ranges, PCI slots, interrupt wiring), and the management plane lists
 * the same table.  The state of each device lives here; the run loop
 * (hv/run/vm.c) owns the vCPU and drives the devices through these
 * functions. */
#ifndef PLINTH_GUEST_DEVICES_H
#define PLINTH_GUEST_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/base/spin.h"
#include "hv/guest/gmem.h"
#include "hv/platform/ioapic.h"
#include "hv/platform/lapic.h"
#include "hv/platform/legacy.h"
#include "hv/platform/pm.h"
#include "hv/platform/rtc.h"
#include "hv/platform/uart.h"
#include "net/frame_port.h"
#include "virtio/blk_backend.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_net.h"

enum guest_dev_id {
	DEV_COM1,
	DEV_RTC,
	DEV_PCI_CF8,
	DEV_PCI_HOST,
	DEV_PM,
	DEV_LEGACY,
	DEV_LAPIC,
	DEV_IOAPIC,
	DEV_BLK,
	DEV_NET,
	DEV_COUNT
};

struct guest_dev {
	const char *name; /* as the log and the management plane say it */
	const char *type;
	int pci_slot;	       /* -1: not a PCI function */
	int gsi;	       /* the IOAPIC input its line drives; -1: none */
	uint16_t port, nports; /* its port window, 0 = none */
	uint64_t mmio, mmio_len; /* fixed window or BAR; 0 = none */
	/* Work between exits; returns the clock_ns() time the device wants
	 * to be polled again (0 = no event due).  NULL: nothing to poll. */
	uint64_t (*poll)(uint64_t now_ns);
	/* The device's own counters (its virtqueues' are vq_counters);
	 * NULL: none. */
	const struct counter_set *counters;
	/* With an I/O core, polled there (guest_devices_poll_io), not by
	 * the vCPU's run loop. */
	bool io_side;
};

/* The table; entries of devices the guest does not have (no disk) are
 * there but absent: guest_dev_present() says which. */
const struct guest_dev *guest_dev(enum guest_dev_id id);
bool guest_dev_present(enum guest_dev_id id);

/* What the devices need from the run loop and the backends. */
struct guest_dev_setup {
	const struct gmem *gm;
	bool virtio_split; /* plinth.cfg virtio_ring = split */
	const uint8_t *net_mac;
	struct blk_backend *disk;   /* NULL: no virtio-blk */
	struct frame_port *nic;	    /* NULL: virtio-net without a link */
	const uint64_t *vm_exits;   /* for the virtio reset log line */
	uint64_t (*tsc_now)(void);  /* the LAPIC timer's clock */
	uint64_t (*clock_ns)(void); /* the PIT's and PM timer's */
	uint8_t (*host_rtc)(uint8_t reg);
	void (*console_tx)(void *ctx, uint8_t c);
	/* With an I/O core: the virtio devices are polled there and their
	 * interrupts reach the vCPU through post_irq, which has fn(ctx, a,
	 * b) called on the vCPU's core before its next entry.  NULL: one
	 * core, everything here. */
	void (*post_irq)(void (*fn)(void *ctx, uint64_t a, uint32_t b),
			 void *ctx, uint64_t a, uint32_t b);
};

/* The guest's platform, for the run loop and the vCPU. */
struct guest_platform {
	/* With several vCPUs (shared set), everything below but each
	 * vCPU's LAPIC is reached from any vCPU's core, under `lock`:
	 * port and MMIO accesses (hv/run/vcpu.c), vCPU 0's device timers,
	 * the interrupts the I/O core posts, and a LAPIC's EOI of a
	 * level-triggered vector.  With one vCPU, that core owns it all. */
	struct spin lock;
	bool shared;
	struct vuart com1;
	struct vpm pm;
	struct vlapic lapic; /* vCPU 0's */
	struct apic_bus apic_bus;
	struct vioapic ioapic;
	struct vrtc rtc;
	struct vlegacy legacy;
	struct vblk *blk; /* NULL without a disk */
	struct vnet *net;
};

/* Once per boot: the table's port and MMIO ranges on the buses; -1 when
 * one cannot be registered. */
int guest_devices_attach(void);
/* Once per boot, with the backends open: the virtio devices' memory from
 * the pool; -1 when it is exhausted. */
int guest_devices_alloc(const struct guest_dev_setup *s);
/* Before each guest run: every device in its reset state at its
 * firmware address. */
struct guest_platform *guest_devices_reset(void);
/* Between exits: every present device's poll hook (with an I/O core,
 * those not on its side); returns the earliest clock_ns() time one of
 * them wants to run again (0 = none). */
uint64_t guest_devices_poll(uint64_t now_ns);
/* The I/O core's turn: the io_side devices' hooks and a look at every
 * virtio queue.  True if there was work, or is still some out. */
bool guest_devices_poll_io(uint64_t now_ns);
/* The I/O core is about to sleep: the drivers are asked to notify again
 * (vdev_poll_pause); true if a request is already waiting, and it must
 * not.  guest_devices_io_resume() follows either way, when it polls
 * again. */
bool guest_devices_io_pause(void);
void guest_devices_io_resume(void);

#endif
