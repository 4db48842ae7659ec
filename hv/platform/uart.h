/* The guest's 16550A UART (COM1): what it transmits goes to Plinth's
 * console; input comes from vuart_rx().  Registers per the PC16550D
 * datasheet; the loopback mode matters because Linux's 8250 driver checks
 * it when probing the port. */
#ifndef PLINTH_UART_H
#define PLINTH_UART_H

#include <stdbool.h>
#include <stdint.h>

#define VUART_RX_SIZE 256

struct vuart {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thr_irq_pending; /* THRE interrupt not yet read from IIR */
	uint8_t rx[VUART_RX_SIZE];
	unsigned rx_head, rx_count;
	void (*tx)(void *ctx, uint8_t c);
	void *tx_ctx;
	/* Called with the new level of the interrupt line when it changes;
	 * NULL until an interrupt controller is attached. */
	void (*irq)(void *ctx, bool level);
	void *irq_ctx;
	bool irq_level;
};

void vuart_init(struct vuart *u, void (*tx)(void *, uint8_t), void *ctx);
uint8_t vuart_read(struct vuart *u, unsigned reg);
void vuart_write(struct vuart *u, unsigned reg, uint8_t v);
/* Queues received bytes; returns how many fit. */
unsigned vuart_rx(struct vuart *u, const uint8_t *buf, unsigned n);

#endif
