/* What the I/O core does (hv/run/iocore.h): the guest's devices, the NIC,
 * lwIP's timers and the management server; and what may wake it from a
 * nap besides the vCPU's calls. */
#ifndef PLINTH_IO_SIDE_H
#define PLINTH_IO_SIDE_H

#include "hv/config/boot_info.h"

/* Devices on a core of their own when there is one to spare (plinth.cfg
 * io_core), started held; `timers` runs next to the NIC's poll (lwIP's).
 * The boot log says which mode runs and why.  The I/O core's CPU, or 0
 * for none (single-core mode). */
unsigned io_side_start(const struct boot_info *bi, void (*timers)(void));

/* Once the NIC is open, before the I/O core is first released: lets the
 * NIC wake the napping I/O core (its MSI), which then naps longer. */
void io_side_wakes(void);

#endif
