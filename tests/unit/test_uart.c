#include "tests/support/check.h"

#include "hv/platform/uart.h"

static char out[64];
static int nout;
static int irq_changes, irq_level;

static void tx(void *ctx, uint8_t c)
{
	(void)ctx;
	if (nout < (int)sizeof(out) - 1)
		out[nout++] = (char)c;
}

static void irq(void *ctx, bool level)
{
	(void)ctx;
	irq_changes++;
	irq_level = level;
}

static void fresh(struct vuart *u)
{
	nout = 0;
	memset(out, 0, sizeof(out));
	irq_changes = 0;
	irq_level = 0;
	vuart_init(u, tx, NULL);
	u->irq = irq;
}

static void transmitted_bytes_reach_the_console(void)
{
	struct vuart u;

	fresh(&u);
	CHECK((vuart_read(&u, 5) & 0x60) == 0x60); /* THRE and TEMT */
	vuart_write(&u, 0, 'h');
	vuart_write(&u, 0, 'i');
	CHECK_STR(out, "hi");
}

static void divisor_latch_hides_thr_and_ier(void)
{
	struct vuart u;

	fresh(&u);
	vuart_write(&u, 3, 0x83); /* DLAB, 8N1 */
	vuart_write(&u, 0, 0x01);
	vuart_write(&u, 1, 0x00);
	CHECK(vuart_read(&u, 0) == 0x01 && vuart_read(&u, 1) == 0x00);
	CHECK(nout == 0);
	vuart_write(&u, 3, 0x03);
	CHECK(vuart_read(&u, 3) == 0x03);
}

static void loopback_echoes_and_mirrors_modem_lines(void)
{
	struct vuart u;

	fresh(&u);
	/* What Linux's 8250 probe does: loopback with OUT2|RTS etc. */
	vuart_write(&u, 4, 0x10 | 0x0a);	/* LOOP, OUT2, RTS */
	CHECK((vuart_read(&u, 6) & 0xf0) == 0x90); /* DCD, CTS */
	vuart_write(&u, 4, 0x10 | 0x05);	/* LOOP, OUT1, DTR */
	CHECK((vuart_read(&u, 6) & 0xf0) == 0x60); /* RI, DSR */
	vuart_write(&u, 0, 'x');
	CHECK(nout == 0);			/* nothing left the box */
	CHECK(vuart_read(&u, 5) & 1);		/* data ready */
	CHECK(vuart_read(&u, 0) == 'x');
	CHECK(!(vuart_read(&u, 5) & 1));
}

static void thre_interrupt_follows_ier_iir_and_out2(void)
{
	struct vuart u;

	fresh(&u);
	vuart_write(&u, 1, 0x02);		/* THRI without OUT2 */
	CHECK(irq_level == 0 && irq_changes == 0);	/* OUT2 gates the line */
	CHECK((vuart_read(&u, 2) & 0x0f) == 0x02);	/* but IIR reports it */
	fresh(&u);
	vuart_write(&u, 4, 0x08);		/* OUT2 */
	vuart_write(&u, 1, 0x02);		/* THRI: empty, so at once */
	CHECK(irq_level == 1);
	CHECK((vuart_read(&u, 2) & 0x0f) == 0x02); /* reading clears it */
	CHECK(irq_level == 0);
	CHECK((vuart_read(&u, 2) & 0x0f) == 0x01);
	vuart_write(&u, 0, 'a');		/* sent: empty again */
	CHECK(irq_level == 1);
	vuart_write(&u, 1, 0x00);
	CHECK(irq_level == 0);
}

static void receive_fifo_overrun_drops_and_fcr_clears(void)
{
	struct vuart u;
	uint8_t many[VUART_RX_SIZE + 10];

	fresh(&u);
	for (unsigned i = 0; i < sizeof(many); i++)
		many[i] = (uint8_t)i;
	CHECK(vuart_rx(&u, many, sizeof(many)) == VUART_RX_SIZE);
	CHECK(vuart_read(&u, 0) == 0);
	CHECK(vuart_read(&u, 0) == 1);
	vuart_write(&u, 2, 0x03);		/* enable and clear RX FIFO */
	CHECK(!(vuart_read(&u, 5) & 1));
	CHECK(vuart_read(&u, 0) == 0);		/* empty reads 0 */
	CHECK((vuart_read(&u, 2) & 0xc0) == 0xc0); /* FIFOs reported */
}

int main(void)
{
	RUN(transmitted_bytes_reach_the_console);
	RUN(divisor_latch_hides_thr_and_ier);
	RUN(loopback_echoes_and_mirrors_modem_lines);
	RUN(thre_interrupt_follows_ier_iir_and_out2);
	RUN(receive_fifo_overrun_drops_and_fcr_clears);
	return CHECK_DONE();
}
