/* Between the two halves of the virtio-pci transport: the common
 * configuration with the status machine (virtio_pci_common.c) and the
 * rest of BAR 0, PCI configuration space and interrupts (virtio_pci.c).
 * Nothing else includes this. */
#ifndef PLINTH_VIRTIO_PCI_COMMON_H
#define PLINTH_VIRTIO_PCI_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/virtio_pci.h"

/* The common configuration (4.1.4.3) at offset `off` of its structure;
 * any offset and size 1, 2, 4 or 8. */
uint64_t vdev_common_read(struct vdev *d, uint32_t off, unsigned size);
void vdev_common_write(struct vdev *d, uint32_t off, unsigned size, uint64_t v);

/* In virtio_pci.c: MSI-X is on; the INTx pin and PCI status follow the
 * ISR. */
bool vdev_msix_on(const struct vdev *d);
void vdev_update_intx(struct vdev *d);

#endif
