/* The disk behind the guest's virtio-blk and the disk self-test, as
 * plinth.cfg's `disk` names it: a RAM disk, a SATA disk on an AHCI
 * port or an NVMe namespace (or a GPT partition of either). */
#ifndef PLINTH_DISK_H
#define PLINTH_DISK_H

#include <stddef.h>

#include "hv/config/boot_info.h"
#include "virtio/blk_backend.h"

struct ahci_stats;

/* Opens it once (later calls return the same backend); NULL when the
 * configuration names none, or on failure with the reason in err. */
struct blk_backend *disk_open(const struct boot_info *bi, char *err, size_t n);

/* Before an orderly power-off or reboot, with nothing else using the
 * disk: a SATA disk writes its cache and goes to standby, an NVMe
 * controller is told it is being shut down (the RAM disk needs
 * nothing). */
void disk_shutdown(void);

/* Logs the driver's counters, when the open disk is on AHCI or NVMe
 * (when the guest ends). */
void disk_print_stats(void);

#endif
