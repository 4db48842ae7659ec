/* What the virtio-pci transport tests (tests/unit/test_virtio_pci_*.c)
 * share: the common configuration layout and status bits, the machine (1
 * MiB of guest RAM G, the PCI bus BUS with a virtio-blk and a virtio-net,
 * the interrupts seen in irq), configuration and BAR accessors, the
 * driver's bring-up steps, and the capability list walk
 * (virtio_pci_fixture.c). */
#ifndef PLINTH_TEST_VIRTIO_PCI_FIXTURE_H
#define PLINTH_TEST_VIRTIO_PCI_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/ramdisk.h"
#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"
#include "hv/platform/mmiobus.h"
#include "hv/platform/pci_host.h"
#include "net/frame_port.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_pci.h"
#include "virtio/virtio_regs.h"
#include "tests/support/log_stub.h"

/* --- common configuration layout (4.1.4.3), short -------------------- */

#define C_DFSELECT VIRTIO_PCI_COMMON_DFSELECT
#define C_DF VIRTIO_PCI_COMMON_DF
#define C_GFSELECT VIRTIO_PCI_COMMON_GFSELECT
#define C_GF VIRTIO_PCI_COMMON_GF
#define C_MSIX_CONFIG VIRTIO_PCI_COMMON_MSIX
#define C_NUMQ VIRTIO_PCI_COMMON_NUMQ
#define C_STATUS VIRTIO_PCI_COMMON_STATUS
#define C_CFGGEN VIRTIO_PCI_COMMON_CFGGEN
#define C_QSELECT VIRTIO_PCI_COMMON_Q_SELECT
#define C_QSIZE VIRTIO_PCI_COMMON_Q_SIZE
#define C_QMSIX VIRTIO_PCI_COMMON_Q_MSIX
#define C_QENABLE VIRTIO_PCI_COMMON_Q_ENABLE
#define C_QNOTIFY_OFF VIRTIO_PCI_COMMON_Q_NOFF
#define C_QDESC VIRTIO_PCI_COMMON_Q_DESC
#define C_QDRIVER VIRTIO_PCI_COMMON_Q_DRIVER
#define C_QDEVICE VIRTIO_PCI_COMMON_Q_DEVICE

#define S_ACK VIRTIO_S_ACKNOWLEDGE
#define S_DRV VIRTIO_S_DRIVER
#define S_FOK VIRTIO_S_FEATURES_OK
#define S_DOK VIRTIO_S_DRIVER_OK

#define BIT(n) (1ull << (n))
#define MUST (BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_RING_PACKED))

#define CAP_VNDR PCI_CAP_ID_VNDR
#define CAP_MSIX PCI_CAP_ID_MSIX

/* --- the machine ----------------------------------------------------- */

#define RAM_SIZE (1u << 20)
#define DISK_SIZE (1u << 20)
#define BAR_BLK (GUEST_PCI_MMIO_BASE + 0x100000)
#define BAR_NET (GUEST_PCI_MMIO_BASE + 0x200000)
#define SLOT 1
#define SLOT_NET 2
/* Where bring_up() puts the rings: queue q at RING + q * 0x10000. */
#define RING 0x10000

extern struct gmem G;
extern uint8_t *ram, *disk;
extern struct ramdisk RD;
extern struct vblk *BLK;
extern struct vnet *NET;
extern struct vpci_fn *BF, *NF;
extern struct vpci_bus BUS;
extern struct vpci_fn HB;
extern struct frame_port PORT;
extern unsigned slot_of_d; /* the slot of the device under test */

/* What the device raised since fresh_bus(). */
struct irq_seen {
	unsigned msis, intx_calls;
	uint64_t addr;
	uint32_t data;
	bool level;
	unsigned frames;
};

extern struct irq_seen irq;

void on_msi(void *ctx, uint64_t addr, uint32_t data);

void on_intx(void *ctx, bool level);

int port_tx(struct frame_port *p, const struct fp_sg *sg, unsigned n,
	    uint32_t len, bool may_hold);

void machine_init(void);

/* An empty bus (host bridge only), zeroed RAM, no interrupts seen. */
void fresh_bus(void);

void sinks(struct vdev *d);

/* A fresh virtio-blk alone on a fresh bus, in slot 1 (memory decode off:
 * nothing mapped). */
struct vdev *blk(void);

/* A fresh virtio-net added to the bus as it is, in `slot`. */
struct vdev *net_in(unsigned slot);

/* A fresh virtio-net alone on a fresh bus, in slot 1. */
struct vdev *net(void);

/* Every test ends here: the MMIO bus is process-wide. */
void done(void);

uint32_t cr(uint32_t off, unsigned size);

void cw(uint32_t off, unsigned size, uint32_t v);

uint64_t br(struct vdev *d, uint64_t off, unsigned size);

void bw(struct vdev *d, uint64_t off, unsigned size, uint64_t v);

uint8_t status(struct vdev *d);

uint64_t device_features(struct vdev *d);

void write_driver_features(struct vdev *d, uint64_t f);

uint64_t driver_features(struct vdev *d);

/* Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK (3.1.1); returns
 * the status read back. */
uint8_t negotiate(struct vdev *d, uint64_t f);

/* Programs queue q with rings in guest RAM and enables it. */
void setup_queue(struct vdev *d, unsigned q, uint16_t size);

/* The whole driver initialisation (3.1.1) with every queue and features
 * f; true if the device ends up running. */
bool bring_up_with(struct vdev *d, uint64_t f);

bool bring_up(struct vdev *d);

/* --- the capability list --------------------------------------------- */

struct caps {
	bool well_formed;
	unsigned n;		/* capabilities in the list */
	unsigned of_type[8];	/* virtio vendor capabilities by cfg_type */
	uint32_t at_type[8];	/* where the (last) one of each type is */
	unsigned msix;
	uint32_t msix_at;
	bool bars_ok;		/* every structure inside BAR 0 */
};

struct caps walk(void);

/* The first virtio capability of cfg_type `type`, whatever it says. */
uint32_t find_vcap(uint8_t type);

/* virtio 1.2, 4.1.4 */
void check_capabilities(struct vdev *d);

#endif
