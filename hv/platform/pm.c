#include "hv/platform/pm.h"

#include <string.h>

#include "hv/guest/layout.h"
#include "hv/platform/iobus.h"

#define PM_TIMER_HZ 3579545ull
#define CNT_SCI_EN 0x0001
#define CNT_SLP_EN 0x2000
#define SLP_TYP(cnt) (((cnt) >> 10) & 7)
#define SLP_TYP_S5 5 /* the value in the guest DSDT's \_S5 package */

void vpm_init(struct vpm *p, uint64_t (*now_ns)(void))
{
	memset(p, 0, sizeof(*p));
	/* No SMI_CMD in the FADT: ACPI mode is always on. */
	p->cnt = CNT_SCI_EN;
	p->now_ns = now_ns;
}

static uint64_t pm_in(void *ctx, uint64_t port, unsigned size)
{
	struct vpm *p = ctx;
	unsigned off = port - GUEST_PM_BASE;
	uint32_t v;

	if (off >= 8) {
		/* 24-bit free-running counter (ACPI 6.5, 4.8.3.3). */
		/* 128-bit: now_ns * 3.58e6 passes 2^64 after 60 days. */
		uint64_t t = (uint64_t)((unsigned __int128)p->now_ns()
					* PM_TIMER_HZ / 1000000000u);

		v = (uint32_t)(t & 0xffffff);
		return size == 4 ? v
				 : (v >> (8 * (off - 8)))
					   & ((1u << (8 * size)) - 1);
	}
	uint8_t regs[8] = { (uint8_t)p->sts,
			    (uint8_t)(p->sts >> 8),
			    (uint8_t)p->en,
			    (uint8_t)(p->en >> 8),
			    (uint8_t)p->cnt,
			    (uint8_t)(p->cnt >> 8),
			    0,
			    0 };

	v = 0;
	for (unsigned i = 0; i < size && off + i < 8; i++)
		v |= (uint32_t)regs[off + i] << (8 * i);
	return v;
}

static void pm_out(void *ctx, uint64_t port, unsigned size, uint64_t v)
{
	struct vpm *p = ctx;
	unsigned off = port - GUEST_PM_BASE;

	for (unsigned i = 0; i < size; i++, off++) {
		uint8_t b = (uint8_t)(v >> (8 * i));

		switch (off) {
		case 0:
			p->sts &= (uint16_t)~b;
			break; /* write 1 to clear */
		case 1:
			p->sts &= (uint16_t) ~(b << 8);
			break;
		case 2:
			p->en = (p->en & 0xff00) | b;
			break;
		case 3:
			p->en = (uint16_t)((p->en & 0x00ff) | (b << 8));
			break;
		case 4:
			p->cnt = (uint16_t)((p->cnt & 0xff00) | b | CNT_SCI_EN);
			break;
		case 5:
			p->cnt = (uint16_t)((p->cnt & 0x00ff) | (b << 8));
			if ((p->cnt & CNT_SLP_EN)
			    && SLP_TYP(p->cnt) == SLP_TYP_S5)
				p->request = PM_POWEROFF;
			/* SLP_EN is write-only: it reads back as 0. */
			p->cnt &= (uint16_t)~CNT_SLP_EN;
			break;
		default:
			break;
		}
	}
}

/* 0xCF9 (PCH reset control): bit 2 starts the reset that bits 1 and 3
 * describe; every kind restarts the guest the same way here. */
void vpm_reset_write(struct vpm *p, uint8_t v)
{
	if (v & 0x04)
		p->request = PM_RESET;
}

int vpm_attach(struct vpm *p)
{
	/* The PM timer is read from the clock, not armed: timeless
	 * (bus.h), and Linux's clocksource watchdog reads it often. */
	struct bus_range pm = { GUEST_PM_BASE, 12,     "acpi-pm", p,
				pm_in,	       pm_out, false,	  true };

	return iobus_register(&pm);
}
