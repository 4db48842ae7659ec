#ifndef PLINTH_SELFTEST_H
#define PLINTH_SELFTEST_H

#include <stdint.h>

#include "hv/config/boot_info.h"

/* Runs the self-tests named in plinth.cfg's `selftest` (CFG_SELFTEST_*)
 * instead of the guest.  Some end the run by design (a fault test ends in
 * the on_fault action); the rest log a verdict and return it (0 = pass). */
int selftest_run(const struct boot_info *bi);

/* Each self-test: 0 when it passed. */
int selftest_disk(const struct boot_info *bi);
int selftest_net(const struct boot_info *bi);

#endif
