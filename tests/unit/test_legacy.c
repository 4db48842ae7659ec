#include "tests/support/check.h"

#include "hv/platform/iobus.h"
#include "hv/platform/legacy.h"

/* The models are driven through the I/O bus exactly as the exit handler
 * does.  The bus is process-wide, so one vlegacy is attached once (in
 * main) and reinitialised in place by each test. */
static struct vlegacy L;
static uint64_t fake_ns;
static int irq0_count;
static void *irq0_ctx_seen;

static uint64_t fake_now(void)
{
	return fake_ns;
}

static void on_irq0(void *ctx)
{
	irq0_count++;
	irq0_ctx_seen = ctx;
}

static void fresh(uint64_t t0)
{
	fake_ns = t0;
	irq0_count = 0;
	irq0_ctx_seen = NULL;
	vlegacy_init(&L, fake_now);
	L.irq0 = on_irq0;
	L.irq_ctx = &irq0_count;
	/* Channel 2 counts only with its gate (port 0x61 bit 0) high, as
	 * software sets it before using the channel; the gate tests lower
	 * it themselves. */
	L.port61 = 0x01;
}

static void outb(uint16_t port, uint8_t v)
{
	iobus_out(port, 1, v);
}

static uint8_t inb(uint16_t port)
{
	return (uint8_t)iobus_in(port, 1);
}

/* Reads a counter programmed for LSB-then-MSB access. */
static uint16_t pit_read16(unsigned ch)
{
	uint8_t lo = inb((uint16_t)(0x40 + ch));
	uint8_t hi = inb((uint16_t)(0x40 + ch));

	return (uint16_t)(lo | hi << 8);
}

static void pit_load16(unsigned ch, uint16_t count)
{
	outb((uint16_t)(0x40 + ch), (uint8_t)count);
	outb((uint16_t)(0x40 + ch), (uint8_t)(count >> 8));
}

/* 8254 control words: SC1 SC0 RW1 RW0 M2 M1 M0 BCD. */
#define PIT_CW(ch, rw, mode) ((uint8_t)((ch) << 6 | (rw) << 4 | (mode) << 1))
#define RW_LATCH 0
#define RW_LSB 1
#define RW_MSB 2
#define RW_BOTH 3

/* 1193 PIT clocks (Linux's LATCH for HZ=1000) last 1193e9/1193182 ns,
 * truncated to whole nanoseconds by the model. */
#define NS_1193 999847ull

static void attach_refuses_a_second_registration(void)
{
	CHECK(vlegacy_attach(&L) == -1); /* ports already taken */
}

/* ---- 8259A ---- */

static void pic_imr_reads_back_after_ocw1(void)
{
	fresh(0);
	/* Everything masked out of reset (the MADT tells the OS to mask the
	 * PICs anyway). */
	CHECK(inb(0x21) == 0xff);
	CHECK(inb(0xa1) == 0xff);
	outb(0x21, 0xfb);
	outb(0xa1, 0x5a);
	CHECK(inb(0x21) == 0xfb);
	CHECK(inb(0xa1) == 0x5a);	/* the two chips are independent */
	outb(0x21, 0x00);
	CHECK(inb(0x21) == 0x00);
	CHECK(inb(0xa1) == 0x5a);
}

static void pic_init_with_icw4_returns_to_ocw1(void)
{
	fresh(0);
	/* Linux's init_8259A: ICW1 0x11 (edge, cascade, ICW4 needed),
	 * ICW2 vector base, ICW3 cascade wiring, ICW4 8086 mode. */
	outb(0x20, 0x11);
	CHECK(inb(0x21) == 0x00);	/* 8259A datasheet: ICW1 clears the IMR */
	outb(0x21, 0x30);		/* ICW2 */
	outb(0x21, 0x04);		/* ICW3: slave on IR2 */
	outb(0x21, 0x01);		/* ICW4 */
	CHECK(L.pic[0].vector_base == 0x30);
	outb(0x21, 0xfb);		/* OCW1 again */
	CHECK(inb(0x21) == 0xfb);

	outb(0xa0, 0x11);
	outb(0xa1, 0x38);		/* ICW2 */
	outb(0xa1, 0x02);		/* ICW3: slave id 2 */
	outb(0xa1, 0x01);		/* ICW4 */
	CHECK(L.pic[1].vector_base == 0x38);
	outb(0xa1, 0xff);
	CHECK(inb(0xa1) == 0xff);
	CHECK(inb(0x21) == 0xfb);	/* master untouched by the slave's init */
}

static void pic_init_without_icw4_returns_to_ocw1(void)
{
	fresh(0);
	outb(0x20, 0x10);		/* ICW1: edge, cascade, no ICW4 */
	outb(0x21, 0x20);		/* ICW2 */
	outb(0x21, 0x04);		/* ICW3 */
	outb(0x21, 0xa5);		/* no ICW4 expected: this is OCW1 */
	CHECK(L.pic[0].vector_base == 0x20);
	CHECK(inb(0x21) == 0xa5);
	/* A second initialisation starts over cleanly. */
	outb(0x20, 0x11);
	outb(0x21, 0x08);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0x21, 0x3c);
	CHECK(L.pic[0].vector_base == 0x08);
	CHECK(inb(0x21) == 0x3c);
}

/* 8259A datasheet, ICW1 bit 1 (SNGL): "ICW3 is read only when there is
 * more than one 8259A in the system and cascading is used, in which case
 * SNGL = 0".  With SNGL = 1 the sequence is ICW1, ICW2, [ICW4]. */
static void pic_single_mode_skips_icw3(void)
{
	fresh(0);
	outb(0x20, 0x13);		/* ICW1: edge, single, ICW4 needed */
	outb(0x21, 0x40);		/* ICW2 */
	outb(0x21, 0x01);		/* ICW4 (there is no ICW3) */
	outb(0x21, 0xfe);		/* OCW1 */
	CHECK(L.pic[0].vector_base == 0x40);
	CHECK(inb(0x21) == 0xfe);

	fresh(0);
	outb(0x20, 0x12);		/* ICW1: edge, single, no ICW4 */
	outb(0x21, 0x40);		/* ICW2, end of initialisation */
	outb(0x21, 0xfd);		/* OCW1 */
	CHECK(inb(0x21) == 0xfd);
}

static void pic_irr_and_isr_read_zero(void)
{
	fresh(0);
	outb(0x21, 0x12);
	outb(0x20, 0x0a);		/* OCW3: read IRR */
	CHECK(inb(0x20) == 0x00);
	outb(0x20, 0x0b);		/* OCW3: read ISR */
	CHECK(inb(0x20) == 0x00);
	outb(0xa0, 0x0a);
	CHECK(inb(0xa0) == 0x00);
	outb(0xa0, 0x0b);
	CHECK(inb(0xa0) == 0x00);
	outb(0x20, 0x20);		/* OCW2: non-specific EOI */
	outb(0x20, 0x62);		/* OCW2: specific EOI, IR2 */
	CHECK(inb(0x20) == 0x00);
	/* Neither OCW2 nor OCW3 touches the mask. */
	CHECK(inb(0x21) == 0x12);
	CHECK(L.pic[0].icw_step == 0);
}

/* ---- 8254 ---- */

static void pit_mode2_counts_down_at_1193182_hz(void)
{
	fresh(1000000);
	outb(0x43, PIT_CW(0, RW_BOTH, 2));
	outb(0x40, 0x34);		/* LSB of 0x1234 = 4660 */
	fake_ns += 5000000;		/* counting waits for the MSB */
	outb(0x40, 0x12);
	uint64_t t0 = fake_ns;

	CHECK(pit_read16(0) == 0x1234);
	fake_ns = t0 + 838;		/* 838 ns = 0.9999 clocks */
	CHECK(pit_read16(0) == 0x1234);
	fake_ns = t0 + 839;		/* 1.0010 clocks */
	CHECK(pit_read16(0) == 0x1233);
	fake_ns = t0 + 1000000;		/* 1 ms = 1193.182 clocks */
	CHECK(pit_read16(0) == 4660 - 1193);
	fake_ns = t0 + 10000000;	/* 11931 clocks: 2 periods + 2611 */
	CHECK(pit_read16(0) == 4660 - 2611);
	/* Mode 2 reloads: 4660 clocks later the count is the same. */
	fake_ns = t0 + 1000000000;	/* 1193182 clocks */
	CHECK(pit_read16(0) == 4660 - 1193182 % 4660);
	/* Mode 6 is mode 2 (8254 datasheet, control word M2 = X). */
	outb(0x43, PIT_CW(2, RW_BOTH, 6));
	pit_load16(2, 1000);
	CHECK(L.pit[2].mode == 2);
	fake_ns += 1000000;
	CHECK(pit_read16(2) == 1000 - 1193 % 1000);
}

static void pit_latch_freezes_until_both_bytes_read(void)
{
	fresh(0);
	outb(0x43, PIT_CW(2, RW_BOTH, 2));
	pit_load16(2, 0x1234);
	fake_ns = 1000000;
	outb(0x43, PIT_CW(2, RW_LATCH, 0)); /* 0x80: latch counter 2 */
	CHECK(L.pit[2].mode == 2 && L.pit[2].access == RW_BOTH);
	fake_ns = 3000000;
	uint8_t lo = inb(0x42);

	fake_ns = 7000000;
	uint8_t hi = inb(0x42);

	CHECK((lo | hi << 8) == 4660 - 1193);
	/* Both bytes read: the next read follows the count again. */
	CHECK(pit_read16(2) == 4660 - 8352 % 4660); /* 7 ms = 8352 clocks */
	/* A latch in LSB-only mode is released by one read. */
	outb(0x43, PIT_CW(1, RW_LSB, 2));
	outb(0x41, 200);
	fake_ns += 100000;		/* 119 clocks */
	outb(0x43, PIT_CW(1, RW_LATCH, 0));
	fake_ns += 50000;		/* 59 more */
	CHECK(inb(0x41) == 200 - 119);
	CHECK(inb(0x41) == 200 - 178);
}

/* 8254 datasheet, "Counter Latch Command": "If a Counter is latched and
 * then, some time later, latched again before the count is read, the
 * second Counter Latch Command is ignored.  The count read will be the
 * count at the time the first Counter Latch Command was issued." */
static void pit_second_latch_before_read_is_ignored(void)
{
	fresh(0);
	outb(0x43, PIT_CW(2, RW_BOTH, 2));
	pit_load16(2, 0x1234);
	fake_ns = 1000000;
	outb(0x43, PIT_CW(2, RW_LATCH, 0));
	fake_ns = 2000000;
	outb(0x43, PIT_CW(2, RW_LATCH, 0));
	CHECK(pit_read16(2) == 4660 - 1193);
}

static void pit_lsb_only_and_msb_only_access(void)
{
	fresh(0);
	/* LSB only: one byte written is the whole count; reads give LSBs. */
	outb(0x43, PIT_CW(2, RW_LSB, 2));
	outb(0x42, 100);
	CHECK(L.pit[2].loaded && L.pit[2].reload == 100);
	CHECK(inb(0x42) == 100);
	CHECK(inb(0x42) == 100);	/* no byte toggle in this mode */
	fake_ns = 50000;		/* 59.659 clocks */
	CHECK(inb(0x42) == 100 - 59);
	CHECK(inb(0x42) == 100 - 59);

	/* MSB only: the byte written is bits 15:8; reads give MSBs. */
	fresh(0);
	outb(0x43, PIT_CW(2, RW_MSB, 2));
	outb(0x42, 0x20);		/* count 0x2000 = 8192 */
	CHECK(L.pit[2].loaded && L.pit[2].reload == 0x2000);
	CHECK(inb(0x42) == 0x20);
	fake_ns = 1000000;		/* 8192 - 1193 = 6999 = 0x1b57 */
	CHECK(inb(0x42) == 0x1b);
	CHECK(inb(0x42) == 0x1b);
}

static void pit_reload_zero_means_65536(void)
{
	fresh(0);
	outb(0x43, PIT_CW(0, RW_BOTH, 2));
	pit_load16(0, 0);
	CHECK(pit_read16(0) == 0x0000);	/* 65536 reads as 0 */
	fake_ns = 839;			/* one clock */
	CHECK(pit_read16(0) == 0xffff);
	fake_ns = 10000000;		/* 11931 clocks */
	CHECK(pit_read16(0) == 65536 - 11931);
	fake_ns = 100000000;		/* 119318 clocks: 1 period + 53782 */
	CHECK(pit_read16(0) == 65536 - 53782);
	/* The IRQ period is 65536 clocks: 54925401 ns, ~18.2 Hz. */
	CHECK(vlegacy_tick(&L, 0) == 54925401);
}

static void pit_mode0_out2_high_at_terminal_count(void)
{
	fresh(5000);
	outb(0x61, 0x01);		/* gate 2 on, speaker off */
	CHECK((inb(0x61) & 0x23) == 0x01);
	/* What Linux's pit_calibrate_tsc does: mode 0 on channel 2, then
	 * poll port 0x61 bit 5 (OUT2). */
	outb(0x43, PIT_CW(2, RW_BOTH, 0));	/* 0xb0 */
	pit_load16(2, 1193);
	uint64_t t0 = fake_ns;

	CHECK(!(inb(0x61) & 0x20));
	fake_ns = t0 + 500000;
	CHECK(!(inb(0x61) & 0x20));
	CHECK(pit_read16(2) == 1193 - 596);	/* 0.5 ms = 596.591 clocks */
	fake_ns = t0 + NS_1193;			/* 1192.9994 clocks */
	CHECK(!(inb(0x61) & 0x20));
	fake_ns = t0 + NS_1193 + 1;		/* 1193.0006 clocks */
	CHECK(inb(0x61) & 0x20);
	fake_ns = t0 + 50000000;
	CHECK(inb(0x61) & 0x20);		/* stays high */
	CHECK((inb(0x61) & 0x03) == 0x01);	/* gate and speaker read back */
	/* A new control word drops OUT until the count is loaded again. */
	outb(0x43, PIT_CW(2, RW_BOTH, 0));
	CHECK(!(inb(0x61) & 0x20));
	pit_load16(2, 100);
	CHECK(!(inb(0x61) & 0x20));
	fake_ns += 100000;			/* 119 clocks */
	CHECK(inb(0x61) & 0x20);
}

/* 8254 datasheet, mode 0: "GATE = 1 enables counting; GATE = 0 disables
 * counting."  With gate 2 low (port 0x61 bit 0 clear) the count holds
 * and OUT2 stays low; raising the gate lets it run from there. */
static void pit_gate_low_holds_channel_2(void)
{
	fresh(0);
	outb(0x61, 0x00);
	outb(0x43, PIT_CW(2, RW_BOTH, 0));
	pit_load16(2, 1193);
	fake_ns = 5000000;
	CHECK(!(inb(0x61) & 0x20));
	CHECK(pit_read16(2) == 1193);
	outb(0x61, 0x01);			/* gate rises at 5 ms */
	fake_ns = 5000000 + NS_1193;
	CHECK(!(inb(0x61) & 0x20));
	fake_ns = 5000000 + NS_1193 + 1;
	CHECK(inb(0x61) & 0x20);
}

static void port61_refresh_bit_toggles(void)
{
	int changes = 0;
	uint8_t prev;

	fresh(0);
	CHECK((inb(0x61) & 0x10) == 0x00);
	fake_ns = 15000;
	CHECK((inb(0x61) & 0x10) == 0x10);
	fake_ns = 30000;
	CHECK((inb(0x61) & 0x10) == 0x00);
	/* Linux's and BIOSes' delay loops wait for this bit to change; it
	 * must keep changing (about every 15 us) over any stretch. */
	prev = inb(0x61) & 0x10;
	for (int i = 0; i < 1000; i++) {
		fake_ns += 1000;
		uint8_t b = inb(0x61) & 0x10;

		changes += b != prev;
		prev = b;
	}
	CHECK(changes >= 65 && changes <= 67); /* 1 ms / 15 us */
	/* Only bits 1:0 are writable. */
	outb(0x61, 0xff);
	CHECK((inb(0x61) & 0x0f) == 0x03);
}

/* ---- channel 0 edges ---- */

static void pit_channel0_mode2_one_irq_per_period(void)
{
	fresh(1000000);
	CHECK(vlegacy_tick(&L, fake_ns) == 0);	/* nothing programmed */
	outb(0x43, PIT_CW(0, RW_BOTH, 2));	/* 0x34 */
	pit_load16(0, 1193);
	uint64_t next = 1000000 + NS_1193;

	CHECK(vlegacy_tick(&L, 1000000) == next);
	CHECK(irq0_count == 0);
	CHECK(vlegacy_tick(&L, next - 1) == next);
	CHECK(irq0_count == 0);
	CHECK(vlegacy_tick(&L, next) == next + NS_1193);
	CHECK(irq0_count == 1);
	CHECK(irq0_ctx_seen == &irq0_count);
	/* Asked again at the same instant: no second edge. */
	CHECK(vlegacy_tick(&L, next) == next + NS_1193);
	CHECK(irq0_count == 1);
	/* A host that wakes exactly when asked sees one edge per period. */
	uint64_t t = next + NS_1193;

	for (int i = 0; i < 999; i++)
		t = vlegacy_tick(&L, t);
	CHECK(irq0_count == 1000);
	CHECK(t == 1000000 + 1001 * NS_1193);
	/* Mode 3 (square wave, Linux's choice before it switches to the
	 * LAPIC timer) is periodic too. */
	fresh(0);
	outb(0x43, PIT_CW(0, RW_BOTH, 3));
	pit_load16(0, 1193);
	CHECK(vlegacy_tick(&L, NS_1193) == 2 * NS_1193);
	CHECK(vlegacy_tick(&L, 2 * NS_1193) == 3 * NS_1193);
	CHECK(irq0_count == 2);
}

static void pit_channel0_late_tick_skips_missed_periods(void)
{
	fresh(0);
	outb(0x43, PIT_CW(0, RW_BOTH, 2));
	pit_load16(0, 1193);
	/* The host was away for 3 periods and a bit: one edge, not four,
	 * and the next one stays on the original grid. */
	CHECK(vlegacy_tick(&L, 4 * NS_1193 + 5) == 5 * NS_1193);
	CHECK(irq0_count == 1);
	CHECK(vlegacy_tick(&L, 5 * NS_1193 - 1) == 5 * NS_1193);
	CHECK(irq0_count == 1);
	/* Exactly on a missed edge. */
	CHECK(vlegacy_tick(&L, 9 * NS_1193) == 10 * NS_1193);
	CHECK(irq0_count == 2);
}

static void pit_channel0_mode0_fires_once(void)
{
	fresh(2000);
	outb(0x43, PIT_CW(0, RW_BOTH, 0));	/* 0x30 */
	pit_load16(0, 1193);
	CHECK(vlegacy_tick(&L, 2000) == 2000 + NS_1193);
	CHECK(vlegacy_tick(&L, 2000 + NS_1193 + 10) == 0);
	CHECK(irq0_count == 1);
	CHECK(vlegacy_tick(&L, 2000 + 5 * NS_1193) == 0);
	CHECK(vlegacy_tick(&L, 1000000000000ull) == 0);
	CHECK(irq0_count == 1);
	/* Loading a new count arms it once more, from the load time. */
	fake_ns = 3000000;
	pit_load16(0, 1193);
	CHECK(vlegacy_tick(&L, 3000000 + NS_1193) == 0);
	CHECK(irq0_count == 2);
}

static void pit_control_word_stops_channel0_events(void)
{
	fresh(0);
	outb(0x43, PIT_CW(0, RW_BOTH, 2));
	pit_load16(0, 1193);
	CHECK(vlegacy_tick(&L, NS_1193) == 2 * NS_1193);
	CHECK(irq0_count == 1);
	outb(0x43, PIT_CW(0, RW_BOTH, 2));	/* new control word, no count */
	CHECK(vlegacy_tick(&L, 2 * NS_1193) == 0);
	CHECK(vlegacy_tick(&L, 100 * NS_1193) == 0);
	CHECK(irq0_count == 1);
	/* LSB alone does not start it again... */
	fake_ns = 200 * NS_1193;
	outb(0x40, 0xa9);
	CHECK(vlegacy_tick(&L, 300 * NS_1193) == 0);
	CHECK(irq0_count == 1);
	/* ...the MSB does, from the moment it is written. */
	outb(0x40, 0x04);
	CHECK(vlegacy_tick(&L, 200 * NS_1193) == 201 * NS_1193);
	CHECK(irq0_count == 1);
	/* A latch command is not a reprogramming. */
	outb(0x43, PIT_CW(0, RW_LATCH, 0));
	CHECK(vlegacy_tick(&L, 201 * NS_1193) == 202 * NS_1193);
	CHECK(irq0_count == 2);
	/* Channel 2 never raises IRQ0. */
	fresh(0);
	outb(0x43, PIT_CW(2, RW_BOTH, 2));
	pit_load16(2, 1193);
	CHECK(vlegacy_tick(&L, 10 * NS_1193) == 0);
	CHECK(irq0_count == 0);
}

/* 2^64 / 1193182 ns is 4.29 hours: a count loaded once must still read
 * right after that long (a mode 2 channel keeps running for as long as
 * the guest does). */
static void pit_count_right_hours_after_load(void)
{
	fresh(0);
	outb(0x43, PIT_CW(2, RW_BOTH, 2));
	pit_load16(2, 0x1000);
	fake_ns = 18000ull * 1000000000ull;	/* 5 h */
	/* 18000 s * 1193182 Hz = 21477276000 clocks; % 4096 = 2400. */
	CHECK(pit_read16(2) == 4096 - 2400);
	/* A one-shot that expired hours ago stays expired.  15460126010709
	 * ns (4.29 h) is where elapsed_ns * 1193182 first passes 2^64. */
	outb(0x61, 0x01);
	outb(0x43, PIT_CW(2, RW_BOTH, 0));
	fake_ns = 0;
	pit_load16(2, 1193);
	fake_ns = 15460126010709ull;
	CHECK(pit_read16(2) == 0);
	CHECK(inb(0x61) & 0x20);
}

/* ---- 8042 ---- */

static void kbc_self_test_and_reset(void)
{
	fresh(0);
	/* Status: system flag (bit 2), keyboard not inhibited (bit 4),
	 * output and input buffers empty. */
	CHECK(inb(0x64) == 0x14);
	outb(0x64, 0xaa);			/* controller self-test */
	CHECK(inb(0x64) == 0x15);		/* OBF */
	CHECK(inb(0x60) == 0x55);		/* test passed */
	CHECK(inb(0x64) == 0x14);		/* OBF cleared by the read */
	outb(0x60, 0xf4);			/* keyboard data: ignored */
	CHECK(inb(0x64) == 0x14);
	CHECK(!L.reset_requested);
	outb(0x64, 0xd1);			/* other commands: no reset */
	CHECK(!L.reset_requested);
	outb(0x64, 0xfe);			/* pulse the reset line */
	CHECK(L.reset_requested);
}

static void post_port_writes_are_absorbed(void)
{
	fresh(0);
	uint64_t before = iobus_unclaimed();

	for (int i = 0; i < 100; i++)
		outb(0x80, (uint8_t)i);		/* Linux's outb_p delay */
	outb(0x43, PIT_CW(0, RW_LATCH, 0));
	inb(0x40);
	inb(0x21);
	inb(0x64);
	outb(0x61, 0);
	CHECK(iobus_unclaimed() == before);
	/* ...while a port nobody decodes is counted. */
	CHECK(inb(0x99) == 0xff);
	CHECK(iobus_unclaimed() == before + 1);
}

/* Linux reads DMA page register 0x87 to learn there is no 8237, and
 * hardware-monitor drivers knock at the Super I/O ports: all ones, as on
 * a PC without them, and no "no device" log line for expected probes. */
static void known_probes_of_absent_chips_read_all_ones(void)
{
	fresh(0);
	uint64_t before = iobus_unclaimed();

	CHECK(inb(0x87) == 0xff);
	outb(0x4e, 0x87);
	outb(0x4e, 0x87);
	CHECK(inb(0x4f) == 0xff);
	outb(0x2e, 0x55);
	CHECK(inb(0x2f) == 0xff);
	/* The 8250 driver's scratch-register test on COM2-COM4. */
	outb(0x2ff, 0xa5);
	CHECK(inb(0x2ff) == 0xff && inb(0x3e9) == 0xff && inb(0x2ea) == 0xff);
	CHECK(iobus_unclaimed() == before);
}

int main(void)
{
	fresh(0);
	if (vlegacy_attach(&L)) {
		printf("not ok - vlegacy_attach\n");
		return 1;
	}
	RUN(attach_refuses_a_second_registration);
	RUN(pic_imr_reads_back_after_ocw1);
	RUN(pic_init_with_icw4_returns_to_ocw1);
	RUN(pic_init_without_icw4_returns_to_ocw1);
	RUN(pic_single_mode_skips_icw3);
	RUN(pic_irr_and_isr_read_zero);
	RUN(pit_mode2_counts_down_at_1193182_hz);
	RUN(pit_latch_freezes_until_both_bytes_read);
	RUN(pit_second_latch_before_read_is_ignored);
	RUN(pit_lsb_only_and_msb_only_access);
	RUN(pit_reload_zero_means_65536);
	RUN(pit_mode0_out2_high_at_terminal_count);
	RUN(pit_gate_low_holds_channel_2);
	RUN(port61_refresh_bit_toggles);
	RUN(pit_channel0_mode2_one_irq_per_period);
	RUN(pit_channel0_late_tick_skips_missed_periods);
	RUN(pit_channel0_mode0_fires_once);
	RUN(pit_control_word_stops_channel0_events);
	RUN(pit_count_right_hours_after_load);
	RUN(kbc_self_test_and_reset);
	RUN(post_port_writes_are_absorbed);
	RUN(known_probes_of_absent_chips_read_all_ones);
	return CHECK_DONE();
}
