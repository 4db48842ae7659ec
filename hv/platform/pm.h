/* The guest's ACPI PM block (PM1a event/control, PM timer) and the reset
 * control register 0xCF9, at the ports the guest's FADT names.  Sleep
 * state 5 (S5, soft off) and a reset end the guest run. */
#ifndef PLINTH_PM_H
#define PLINTH_PM_H

#include <stdint.h>

enum pm_request { PM_NONE, PM_POWEROFF, PM_RESET };

struct vpm {
	uint16_t sts, en, cnt;
	enum pm_request request;
	uint64_t (*now_ns)(void);
};

void vpm_init(struct vpm *p, uint64_t (*now_ns)(void));
/* Registers the PM block on the I/O bus. */
int vpm_attach(struct vpm *p);
/* A byte written to the reset control register 0xCF9. */
void vpm_reset_write(struct vpm *p, uint8_t v);

#endif
