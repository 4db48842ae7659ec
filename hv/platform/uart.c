#include "hv/platform/uart.h"

#include <string.h>

#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define MCR_OUT2 0x08 /* gates the interrupt line on PCs */
#define IER_RDI 0x01
#define IER_THRI 0x02
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NONE 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04

void vuart_init(struct vuart *u, void (*tx)(void *, uint8_t), void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->tx = tx;
	u->tx_ctx = ctx;
}

static uint8_t iir(const struct vuart *u)
{
	uint8_t fifo = (u->fcr & 1) ? 0xc0 : 0;

	if ((u->ier & IER_RDI) && u->rx_count)
		return IIR_RDI | fifo;
	if ((u->ier & IER_THRI) && u->thr_irq_pending)
		return IIR_THRI | fifo;
	return IIR_NONE | fifo;
}

static void update_irq(struct vuart *u)
{
	bool level = !(iir(u) & IIR_NONE) && (u->mcr & MCR_OUT2);

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->irq)
			u->irq(u->irq_ctx, level);
	}
}

static void rx_push(struct vuart *u, uint8_t c)
{
	if (u->rx_count == VUART_RX_SIZE)
		return; /* overrun: the byte is lost, as on hardware */
	u->rx[(u->rx_head + u->rx_count++) % VUART_RX_SIZE] = c;
}

unsigned vuart_rx(struct vuart *u, const uint8_t *buf, unsigned n)
{
	unsigned i;

	for (i = 0; i < n && u->rx_count < VUART_RX_SIZE; i++)
		rx_push(u, buf[i]);
	update_irq(u);
	return i;
}

uint8_t vuart_read(struct vuart *u, unsigned reg)
{
	uint8_t v = 0xff;

	switch (reg & 7) {
	case 0:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		v = 0;
		if (u->rx_count) {
			v = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % VUART_RX_SIZE;
			u->rx_count--;
		}
		break;
	case 1:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case 2:
		v = iir(u);
		/* Reading IIR while it reports THRE clears that source. */
		if ((v & 0x0f) == IIR_THRI)
			u->thr_irq_pending = false;
		break;
	case 3:
		return u->lcr;
	case 4:
		return u->mcr;
	case 5:
		return LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
	case 6:
		if (u->mcr
		    & MCR_LOOP) /* DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD */
			return (uint8_t)(((u->mcr & 1) << 5)
					 | ((u->mcr & 2) << 3)
					 | ((u->mcr & 0xc) << 4));
		return 0xb0; /* DCD, DSR, CTS: a cable with someone on it */
	case 7:
		return u->scr;
	}
	update_irq(u);
	return v;
}

void vuart_write(struct vuart *u, unsigned reg, uint8_t v)
{
	switch (reg & 7) {
	case 0:
		if (u->lcr & LCR_DLAB) {
			u->dll = v;
			return;
		}
		if (u->mcr & MCR_LOOP)
			rx_push(u, v);
		else if (u->tx)
			u->tx(u->tx_ctx, v);
		/* The byte left at once: the holding register is empty. */
		u->thr_irq_pending = true;
		break;
	case 1:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
			return;
		}
		/* Enabling THRI with the register empty raises it at once. */
		if ((v & IER_THRI) && !(u->ier & IER_THRI))
			u->thr_irq_pending = true;
		u->ier = v & 0x0f;
		break;
	case 2:
		u->fcr = v;
		if (v & 2) { /* clear the receive FIFO */
			u->rx_head = 0;
			u->rx_count = 0;
		}
		break;
	case 3:
		u->lcr = v;
		return;
	case 4:
		u->mcr = v & 0x1f;
		break;
	case 7:
		u->scr = v;
		return;
	default:
		return; /* LSR and MSR are read-only */
	}
	update_irq(u);
}
