#include "hv/platform/legacy.h"

#include <string.h>

#include "hv/platform/iobus.h"

#define PIT_HZ 1193182ull

void vlegacy_init(struct vlegacy *l, uint64_t (*now_ns)(void))
{
	memset(l, 0, sizeof(*l));
	l->now_ns = now_ns;
	l->pic[0].imr = l->pic[1].imr = 0xff;
}

/* --- 8259A: ICW1-4 then OCW1-3 (8259A datasheet).  Nothing is ever
 * requested, so IRR and ISR read as zero. */
static uint64_t pic_in(void *ctx, uint64_t port, unsigned size)
{
	struct vpic *p = &((struct vlegacy *)ctx)->pic[port >= 0xa0];

	(void)size;
	return (port & 1) ? p->imr : 0;
}

static void pic_out(void *ctx, uint64_t port, unsigned size, uint64_t v)
{
	struct vpic *p = &((struct vlegacy *)ctx)->pic[port >= 0xa0];

	(void)size;
	if (!(port & 1)) {
		if (v & 0x10) { /* ICW1 starts initialisation */
			p->icw_step = 2;
			p->icw4_needed = v & 1;
			p->single = (v >> 1) & 1; /* SNGL: no ICW3 follows */
			p->imr = 0;
		} else if (v & 0x08) { /* OCW3 */
			p->read_isr = v & 1;
		}
		return; /* OCW2 (EOI): nothing is in service */
	}
	switch (p->icw_step) {
	case 2:
		p->vector_base = (uint8_t)(v & 0xf8);
		p->icw_step = p->single ? (p->icw4_needed ? 4 : 0) : 3;
		break;
	case 3:
		p->icw_step = p->icw4_needed ? 4 : 0;
		break;
	case 4:
		p->icw_step = 0;
		break;
	default:
		p->imr = (uint8_t)v;
		break; /* OCW1 */
	}
}

/* --- 8254 PIT (8254 datasheet): counting at 1.193182 MHz from when the
 * count was loaded. */
static uint64_t elapsed_ticks(const struct vlegacy *l,
			      const struct vpit_channel *c)
{
	/* 128-bit: the product passes 2^64 4.3 hours after a load. */
	return (uint64_t)((unsigned __int128)(l->now_ns() - c->start_ns)
			  * PIT_HZ / 1000000000u);
}

static uint32_t period(const struct vpit_channel *c)
{
	return c->reload ? c->reload : 65536;
}

/* Channel 2's gate is port 0x61 bit 0; channels 0 and 1 are always
 * gated on.  With the gate low the counter holds (and a rising gate
 * restarts it, see p61_out). */
static bool gated_off(const struct vlegacy *l, const struct vpit_channel *c)
{
	return c == &l->pit[2] && !(l->port61 & 1);
}

static uint16_t count_now(const struct vlegacy *l, const struct vpit_channel *c)
{
	if (!c->loaded)
		return 0;
	if (gated_off(l, c))
		return (uint16_t)c->reload;
	uint64_t e = elapsed_ticks(l, c);
	uint32_t p = period(c);

	if (c->mode == 2 || c->mode == 3) /* rate generator, square wave */
		return (uint16_t)(p - e % p);
	return e >= p ? 0 : (uint16_t)(p - e); /* one-shot modes */
}

static bool out_high(const struct vlegacy *l, const struct vpit_channel *c)
{
	if (!c->loaded)
		return false;
	if (gated_off(l, c))
		return c->mode == 2 || c->mode == 3; /* OUT high while held */
	uint64_t e = elapsed_ticks(l, c);

	if (c->mode == 3)
		return e % period(c) < period(c) / 2;
	return e >= period(c); /* mode 0: high after terminal count */
}

static void arm_irq(struct vpit_channel *c)
{
	uint64_t ns = (uint64_t)period(c) * 1000000000ull / PIT_HZ;

	c->next_irq_ns = c->start_ns + ns;
}

static uint64_t pit_in(void *ctx, uint64_t port, unsigned size)
{
	struct vlegacy *l = ctx;

	(void)size;
	if (port == 0x43)
		return 0xff; /* the control word is write-only */
	struct vpit_channel *c = &l->pit[port - 0x40];
	uint16_t v = c->latched ? c->latch : count_now(l, c);
	uint8_t b;

	if (c->access == 1)
		b = (uint8_t)v;
	else if (c->access == 2)
		b = (uint8_t)(v >> 8);
	else {
		b = c->read_msb_next ? (uint8_t)(v >> 8) : (uint8_t)v;
		c->read_msb_next = !c->read_msb_next;
		if (c->read_msb_next)
			return b; /* the latch holds until both bytes are read */
	}
	c->latched = false;
	return b;
}

static void pit_out(void *ctx, uint64_t port, unsigned size, uint64_t v)
{
	struct vlegacy *l = ctx;

	(void)size;
	if (port == 0x43) {
		unsigned ch = (v >> 6) & 3, acc = (v >> 4) & 3;

		if (ch == 3)
			return; /* read-back: not needed by Linux */
		struct vpit_channel *c = &l->pit[ch];

		if (acc == 0) { /* counter latch */
			/* A second latch before the first is read is ignored
			 * (8254 datasheet, "Counter Latch Command"). */
			if (!c->latched) {
				c->latch = count_now(l, c);
				c->latched = true;
			}
			return;
		}
		c->access = (uint8_t)acc;
		c->mode = (uint8_t)((v >> 1) & 7);
		if (c->mode > 5)
			c->mode -= 4; /* 6 and 7 alias 2 and 3 */
		c->write_msb_next = c->read_msb_next = false;
		c->loaded = false;
		c->next_irq_ns = 0;
		return;
	}
	struct vpit_channel *c = &l->pit[port - 0x40];

	if (c->access == 1)
		c->reload = (uint16_t)((c->reload & 0xff00) | (v & 0xff));
	else if (c->access == 2)
		c->reload = (uint16_t)((c->reload & 0x00ff)
				       | ((v & 0xff) << 8));
	else if (!c->write_msb_next) {
		c->reload = (uint16_t)((c->reload & 0xff00) | (v & 0xff));
		c->write_msb_next = true;
		return; /* counting starts once the MSB is written */
	} else {
		c->reload = (uint16_t)((c->reload & 0x00ff)
				       | ((v & 0xff) << 8));
		c->write_msb_next = false;
	}
	c->loaded = true;
	c->start_ns = l->now_ns();
	if (port == 0x40)
		arm_irq(c);
}

/* Port 0x61 (system control port B): gate 2 and speaker in, OUT2 and the
 * refresh toggle out. */
static uint64_t p61_in(void *ctx, uint64_t port, unsigned size)
{
	struct vlegacy *l = ctx;
	bool refresh = (l->now_ns() / 15000) & 1; /* toggles every 15 us */

	(void)port;
	(void)size;
	return (l->port61 & 3) | (refresh ? 0x10 : 0)
	       | (out_high(l, &l->pit[2]) ? 0x20 : 0);
}

static void p61_out(void *ctx, uint64_t port, unsigned size, uint64_t v)
{
	struct vlegacy *l = ctx;
	bool gate_rise = (v & 1) && !(l->port61 & 1);

	(void)port;
	(void)size;
	l->port61 = (uint8_t)(v & 3);
	/* In modes 0 and 1 a rising gate restarts channel 2. */
	if (gate_rise && l->pit[2].loaded)
		l->pit[2].start_ns = l->now_ns();
}

/* --- 8042: status says "system flag set, buffers empty"; 0xAA (self
 * test) answers 0x55; 0xFE pulses the CPU reset line. */
static uint64_t kbc_in(void *ctx, uint64_t port, unsigned size)
{
	struct vlegacy *l = ctx;

	(void)size;
	if (port == 0x64)
		return 0x14 | (l->kbc_full ? 1 : 0);
	l->kbc_full = false;
	return l->kbc_out;
}

static void kbc_out(void *ctx, uint64_t port, unsigned size, uint64_t v)
{
	struct vlegacy *l = ctx;

	(void)size;
	if (port != 0x64)
		return; /* keyboard data: there is no keyboard */
	if (v == 0xaa) {
		l->kbc_out = 0x55;
		l->kbc_full = true;
	} else if (v == 0xfe) {
		l->reset_requested = true;
	}
}

/* Writes nothing decodes: port 0x80, the POST-code port, which OSes
 * write as an I/O delay, and the absent chips below. */
static void discard_out(void *ctx, uint64_t port, unsigned size, uint64_t v)
{
	(void)ctx;
	(void)port;
	(void)size;
	(void)v;
}

/* Chips a PC may have and the guest's platform has not, which a stock
 * kernel probes at boot: the 8237's DMA page registers (Linux reads 0x87
 * to see whether there is a DMA controller at all) and the Super I/O
 * configuration ports of hardware-monitor and watchdog drivers, and the
 * serial ports beyond COM1 that the 8250 driver looks for.  They
 * answer as nothing decoding them would, all ones, but they are known
 * probes, not accesses worth a log line. */
static uint64_t absent_in(void *ctx, uint64_t port, unsigned size)
{
	(void)ctx;
	(void)port;
	return iobus_all_ones(size);
}

/* A range of one of those chips, answered for the vlegacy `l` in scope:
 * nothing there keeps time (bus.h). */
#define ABSENT(base, len, chip)                                                \
	((struct bus_range){ base, len, chip " (absent)", l, absent_in,        \
			     discard_out, false, true })

int vlegacy_attach(struct vlegacy *l)
{
	const struct bus_range r[] = {
		{ 0x80, 1, "post", l, NULL, discard_out, false, true },
		ABSENT(0x81, 15, "dma-page"),
		ABSENT(0x2e, 2, "superio-2e"),
		ABSENT(0x4e, 2, "superio-4e"),
		ABSENT(0x2f8, 8, "com2"),
		ABSENT(0x3e8, 8, "com3"),
		ABSENT(0x2e8, 8, "com4"),
		{ 0x20, 2, "pic-master", l, pic_in, pic_out, false, false },
		{ 0xa0, 2, "pic-slave", l, pic_in, pic_out, false, false },
		{ 0x40, 4, "pit", l, pit_in, pit_out, false, false },
		{ 0x61, 1, "port-61", l, p61_in, p61_out, false, false },
		{ 0x60, 1, "kbc-data", l, kbc_in, kbc_out, false, false },
		{ 0x64, 1, "kbc-cmd", l, kbc_in, kbc_out, false, false },
	};

	for (unsigned i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (iobus_register(&r[i]))
			return -1;
	return 0;
}

uint64_t vlegacy_tick(struct vlegacy *l, uint64_t now)
{
	struct vpit_channel *c = &l->pit[0];

	if (!c->next_irq_ns)
		return 0;
	if (now >= c->next_irq_ns) {
		if (l->irq0)
			l->irq0(l->irq_ctx);
		if (c->mode == 2 || c->mode == 3) {
			uint64_t ns = (uint64_t)period(c) * 1000000000ull
				      / PIT_HZ;

			/* Skip periods the host missed rather than bursting. */
			c->next_irq_ns += ns
					  * ((now - c->next_irq_ns) / ns + 1);
		} else {
			c->next_irq_ns = 0;
		}
	}
	return c->next_irq_ns;
}
